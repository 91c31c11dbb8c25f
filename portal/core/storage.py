"""Uploaded files live outside the web root; their URLs lead to an access-checked view."""

from __future__ import annotations

from django.core.files.storage import FileSystemStorage
from django.urls import reverse


class ProtectedFileStorage(FileSystemStorage):
    """Files on disk under ``MEDIA_ROOT`` whose ``url()`` is the download view's URL.

    Every ``FieldFile.url`` (admin widgets, templates) therefore points at
    ``portal.core.files.download``, which serves a file only to a user who may see the row it
    belongs to. Nothing under ``MEDIA_ROOT`` is ever served directly.
    """

    def url(self, name: str | None) -> str:
        if not name:
            raise ValueError("This file is not accessible via a URL.")
        return reverse("protected_file", kwargs={"path": name.replace("\\", "/")})
