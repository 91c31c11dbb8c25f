"""File names of downloads: Chinese names that every browser saves as they are.

A ``Content-Disposition`` header carries the name twice (RFC 6266): ``filename*`` in UTF-8,
percent-encoded (RFC 5987), which current browsers use, and a plain ASCII ``filename`` for the
few clients that do not read the first (old download managers, some mail gateways).
"""

from __future__ import annotations

import re
from urllib.parse import quote

#: Characters no file system on a Windows PC, a Mac or a phone accepts in a name, and the
#: control characters; replaced so that the name a user sees is the name that gets saved.
UNSAFE_IN_NAMES = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
#: What an ASCII fallback keeps.
NOT_ASCII_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def safe_file_name(name: str, *, max_length: int = 150) -> str:
    """``name`` without what a file system refuses (slashes, colons, control characters …), on
    one line, at most ``max_length`` characters (the extension kept), never empty or a dot
    name. Chinese stays Chinese."""
    cleaned = UNSAFE_IN_NAMES.sub("_", name).strip().strip(".")
    cleaned = re.sub(r"\s+", " ", cleaned)
    if len(cleaned) > max_length:
        stem, dot, extension = cleaned.rpartition(".")
        if dot and 0 < len(extension) <= 8:
            cleaned = stem[: max_length - len(extension) - 1].rstrip() + "." + extension
        else:
            cleaned = cleaned[:max_length].rstrip()
    return cleaned or "_"


def ascii_file_name(name: str, fallback: str) -> str:
    """``name`` if it is plain ASCII, else ``fallback`` (already ASCII)."""
    if NOT_ASCII_NAME.sub("", name) == name:
        return name
    return NOT_ASCII_NAME.sub("-", fallback).strip("-") or "download"


def attachment_disposition(name: str, *, fallback: str) -> str:
    """A ``Content-Disposition`` value that saves the download as ``name`` (Chinese allowed),
    with ``fallback`` for clients that read only the ASCII ``filename``."""
    name = safe_file_name(name)
    plain = ascii_file_name(name, fallback)
    if plain == name:
        return f'attachment; filename="{plain}"'
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"
