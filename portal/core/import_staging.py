"""Roster files kept between an import's preview and its confirmation.

django-import-export writes the uploaded file somewhere after the preview and, on confirm, reads
back whichever name the browser posts (``import_file_name``), then deletes it. Its default
storage is the system's temporary folder, so a posted name picked any file there. Here a staged
file has a random name in a folder of its own (``IMPORT_STAGING_DIR``: outside ``MEDIA_ROOT``,
so never served and never in a backup), and a name that is not such a random name is refused
before the disk is touched. The admin also binds the name to the session that staged it
(``portal.admin.scoping.AuditedImportExportMixin``) and deletes the file once it is confirmed or
abandoned; ``staged_imports_purge`` (nightly) deletes what a closed browser left behind.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.utils import timezone
from import_export.tmp_storages import BaseStorage

_STAGED_NAME = re.compile(r"[0-9a-f]{32}")


def is_staged_import_name(name: object) -> bool:
    """Whether ``name`` can be the name of a staged file: 32 lower-case hex digits, no path."""
    return isinstance(name, str) and _STAGED_NAME.fullmatch(name) is not None


def _storage() -> FileSystemStorage:
    return FileSystemStorage(
        location=settings.IMPORT_STAGING_DIR,
        file_permissions_mode=0o600,
        directory_permissions_mode=0o700,
    )


class StagedImportStorage(BaseStorage):
    """django-import-export's temporary storage (``IMPORT_EXPORT_TMP_STORAGE_CLASS``): one file
    per preview under a random name in ``IMPORT_STAGING_DIR``."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        if self.name is not None and not is_staged_import_name(self.name):
            raise ValueError("not the name of a staged import")

    def save(self, data: bytes | str) -> None:
        if isinstance(data, str):
            data = data.encode(self.encoding or "utf-8")
        self.name = secrets.token_hex(16)
        _storage().save(self.name, ContentFile(data))

    def read(self) -> bytes | str:
        with _storage().open(self.name, "rb") as file:
            data = file.read()
        if "b" in self.read_mode:
            return data
        return data.decode(self.encoding or "utf-8")

    def remove(self) -> None:
        _storage().delete(self.name)  # nothing happens if it is gone already


def staged_import_remove(name: str) -> None:
    """Delete the staged file ``name`` (an import confirmed or abandoned), if it is one."""
    if is_staged_import_name(name):
        _storage().delete(name)


def staged_imports_purge(*, older_than: dt.timedelta | None = None) -> int:
    """Delete staged rosters older than ``older_than``: previews nobody confirmed or abandoned
    in the portal (a closed tab, a session that ended). By default, older than the longest
    session (``SESSION_MAX_HOURS``), which no confirmation can come from any more. Returns how
    many were deleted."""
    if older_than is None:
        older_than = dt.timedelta(hours=settings.SESSION_MAX_HOURS)
    storage = _storage()
    try:
        _folders, names = storage.listdir("")
    except FileNotFoundError:
        return 0
    cutoff = timezone.now() - older_than
    deleted = 0
    for name in names:
        if is_staged_import_name(name) and storage.get_modified_time(name) < cutoff:
            storage.delete(name)
            deleted += 1
    return deleted
