"""Downloads of uploaded files, each checked against the row it belongs to.

A file's path says which model holds it (``activities/…`` an activity's attachment,
``partnerships/…`` a signed agreement or one of its kept versions, ``honours/…`` an honour's
evidence); the row is looked up through that model's ``for_user`` scope, so a file is served
exactly to those who may see its row. Anything else — a row out of scope, an unknown prefix, a
path that tries to climb out of ``MEDIA_ROOT`` — is a 404, which tells an outsider nothing
about what exists.
"""

from __future__ import annotations

import mimetypes
import posixpath

from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.db import models
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest

from activities.models import Attachment, Honour, StagedUpload
from branches.access import branch_rows_followed
from partnerships.models import Partnership

#: The first segment of a stored path (see the models' ``upload_to``) -> (model, fields).
PROTECTED_FILE_FIELDS: dict[str, tuple[type[models.Model], tuple[str, ...]]] = {
    "activities": (Attachment, ("file", "thumbnail")),
    # The agreement on the partnership's row, and every signed version kept with it
    # (``AgreementFile``, stored under ``partnerships/`` too): the partnership decides both.
    "partnerships": (Partnership, ("agreement", "agreement_files__file")),
    "honours": (Honour, ("evidence",)),
}

#: Rows that are a committee's roster (every branch officer reads them) but whose files belong
#: to one branch when the row names a branch: a signed agreement, an honour's certificate.
BRANCH_FILE_MODELS = (Partnership, Honour)


#: Served inline; every other type (SVG included: it can carry script) is a download.
INLINE_CONTENT_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})


def _clean_path(path: str) -> str:
    """The stored name ``path`` stands for, or 404 if it is not a plain relative path."""
    if not path or "\\" in path or "\x00" in path or path.startswith("/"):
        raise Http404
    if posixpath.normpath(path) != path or ".." in path.split("/"):
        raise Http404
    return path


def file_visible_to(user, path: str) -> bool:
    """Whether ``user`` may see the row that holds the stored file ``path``."""
    prefix = path.split("/", 1)[0]
    try:
        model, fields = PROTECTED_FILE_FIELDS[prefix]
    except KeyError:
        return False
    matches = Q()
    for field in fields:
        matches |= Q(**{field: path})
    rows = model.objects.for_user(user).filter(matches)
    if model in BRANCH_FILE_MODELS:
        rows = branch_rows_followed(rows, user)
    if rows.exists():
        return True
    # A file uploaded with an activity form that has not been saved yet: its uploader's only.
    return (
        prefix == "activities"
        and user.is_authenticated
        and StagedUpload.objects.filter(Q(file=path) | Q(thumbnail=path), owner=user).exists()
    )


def _download_name(name: str) -> str:
    """The name the file had on the uploader's device (stored files are named by a UUID),
    with the stored file's extension, which matches its checked content."""
    stored = posixpath.basename(name)
    if not name.startswith("activities/"):
        return stored
    original = Attachment.objects.filter(file=name).values_list("original_name", flat=True).first()
    if not original:
        return stored
    stem = posixpath.splitext(original.replace("\\", "/").rsplit("/", 1)[-1])[0]
    return f"{stem}{posixpath.splitext(stored)[1]}" if stem else stored


@login_required
def download(request: HttpRequest, path: str) -> FileResponse:
    """Serve an uploaded file to a user who may see the row it belongs to; 404 otherwise."""
    name = _clean_path(path)
    if not file_visible_to(request.user, name):
        raise Http404
    try:
        handle = default_storage.open(name, "rb")
    except (FileNotFoundError, IsADirectoryError) as exc:
        raise Http404 from exc
    content_type, _encoding = mimetypes.guess_type(name)
    response = FileResponse(
        handle,
        as_attachment=content_type not in INLINE_CONTENT_TYPES,
        filename=_download_name(name),
        content_type=content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"  # shared office PCs keep no copy
    # Even a file opened in the browser runs no script and loads nothing.
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response
