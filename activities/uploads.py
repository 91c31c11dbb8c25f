"""The files of an activity: which contents each kind of attachment takes, and how many.

The checks themselves are the portal's one upload policy (``portal.core.uploads``): by
content, never by name; photos turned upright, stripped of metadata, downscaled, with a
thumbnail; PDF files complete and without active content.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from activities.models import AttachmentKind
from portal.core.uploads import (
    IMAGE,
    PDF,
    PreparedFile,
    check_upload,
    max_file_bytes,
    upload_name,
)

__all__ = [
    "KIND_ACCEPTS",
    "CheckingClock",
    "PreparedFile",
    "max_file_bytes",
    "max_files_per_activity",
    "max_files_per_request",
    "max_total_bytes",
    "prepare_upload",
    "upload_name",
]

#: Which contents each kind of attachment accepts.
KIND_ACCEPTS = {
    AttachmentKind.PHOTO: {IMAGE},
    AttachmentKind.SIGN_IN_SHEET: {IMAGE, PDF},
    AttachmentKind.DOCUMENT: {PDF, IMAGE},
}


def max_total_bytes() -> int:
    return settings.ATTACHMENT_MAX_TOTAL_MB * 1024 * 1024


def max_files_per_request() -> int:
    return settings.ATTACHMENT_MAX_FILES_PER_REQUEST


def max_files_per_activity() -> int:
    return settings.ATTACHMENT_MAX_FILES_PER_ACTIVITY


def prepare_upload(upload: UploadedFile, kind: str) -> PreparedFile:
    """Check ``upload`` for an attachment of ``kind`` and return what to store.

    Raises ``ValidationError`` with a message naming the file when it is too large, not of an
    accepted type by its content, or broken.
    """
    return check_upload(
        upload, accepts=KIND_ACCEPTS.get(kind, set()), wrong_type=_wrong_type_message(kind)
    )


def _wrong_type_message(kind: str) -> str:
    if kind == AttachmentKind.PHOTO:
        return _("“%(name)s” is not a photo: JPEG, PNG and WebP pictures are accepted.")
    if kind == AttachmentKind.SIGN_IN_SHEET:
        return _("“%(name)s” is not accepted: a sign-in sheet is a photo or a PDF file.")
    return _("“%(name)s” is not accepted: documents are PDF files or pictures.")


class CheckingClock:
    """The time one request may spend checking files (``ATTACHMENT_CHECK_SECONDS``).

    A photo is checked in a fraction of a second, but a picture made to be slow (noise in a
    lossless WebP, at the pixel budget) takes a second or more: the count of files alone
    cannot bound a request. Files not started in time are left out with a message, and the
    secretary adds them again; the files checked so far are kept.
    """

    def __init__(self) -> None:
        self.deadline = time.monotonic() + settings.ATTACHMENT_CHECK_SECONDS
        self.late: list[str] = []

    def has_time_for(self, upload: UploadedFile) -> bool:
        if time.monotonic() < self.deadline:
            return True
        self.late.append(upload_name(upload))
        return False

    def late_message(self) -> str | None:
        if not self.late:
            return None
        return _(
            "These files were not checked because checking the others took long: %(names)s. "
            "Add them again."
        ) % {"names": "、".join(self.late)}
