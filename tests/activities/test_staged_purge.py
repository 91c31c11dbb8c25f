"""Files kept for abandoned activity forms are deleted after a while, fresh ones are kept."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from PIL import Image

from activities.models import AttachmentKind, StagedUpload
from activities.services import staged_upload_create


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _photo() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "JPEG")
    return SimpleUploadedFile("p.jpg", buffer.getvalue(), content_type="image/jpeg")


def test_old_staged_uploads_and_their_files_are_purged_fresh_ones_kept(cast):
    old = staged_upload_create(owner=cast.secretary_a1, upload=_photo(), kind=AttachmentKind.PHOTO)
    fresh = staged_upload_create(
        owner=cast.secretary_a1, upload=_photo(), kind=AttachmentKind.PHOTO
    )
    StagedUpload.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=3))
    out = io.StringIO()
    call_command("purge_staged_uploads", stdout=out)
    assert "1 staged upload(s) deleted." in out.getvalue()
    assert list(StagedUpload.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not default_storage.exists(old.file.name)
    assert not default_storage.exists(old.thumbnail.name)
    assert default_storage.exists(fresh.file.name)
