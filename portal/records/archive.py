"""Names inside an evidence pack: ``<branch>/<date> <activity title>/<file>``, safe to unpack.

Every name comes from what people typed (branch and activity titles, the names files had on
their phones), so each path segment is cleaned on its own (``safe_file_name``: no slash,
backslash, colon, control character or leading dot survives, so no ``..``, no absolute path, no
drive letter), Chinese kept, and a name already used in its folder gets " (2)", " (3)" …
"""

from __future__ import annotations

import posixpath

from portal.core.downloads import safe_file_name

#: Segments are kept short enough that a whole path stays under Windows' 260 characters.
SEGMENT_MAX = 80


def segment(text: str) -> str:
    """One path segment made of ``text`` (never empty, never ``.`` or ``..``)."""
    return safe_file_name(text, max_length=SEGMENT_MAX)


class ZipNames:
    """Hands out unique, safe member names for one zip file."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def unique(self, folder: str, name: str) -> str:
        """``folder/name`` (``folder`` already made of segments), or with " (n)" before the
        extension when taken (compared without case: Windows and macOS ignore it)."""
        stem, extension = posixpath.splitext(name)
        candidate, number = name, 1
        while self._key(folder, candidate) in self.used:
            number += 1
            candidate = f"{stem} ({number}){extension}"
        self.used.add(self._key(folder, candidate))
        return f"{folder}/{candidate}" if folder else candidate

    def folder(self, *parts: str) -> str:
        """A folder made of ``parts`` (each cleaned); a folder path already used for another
        activity (same date, same title) gets " (n)" on its last segment."""
        segments = [segment(part) for part in parts]
        parent = "/".join(segments[:-1])
        last = segments[-1]
        candidate, number = last, 1
        while self._key(parent, candidate + "/") in self.used:
            number += 1
            candidate = f"{last} ({number})"
        self.used.add(self._key(parent, candidate + "/"))
        return f"{parent}/{candidate}" if parent else candidate

    @staticmethod
    def _key(folder: str, name: str) -> str:
        return f"{folder}/{name}".casefold()
