"""Activities with real, checked files (photos, an image and a PDF sign-in sheet) for the
records and evidence packs; files go to a temporary MEDIA_ROOT."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from activities.models import (
    Activity,
    ActivityAction,
    ActivityEvent,
    ActivityStatus,
    AttachmentKind,
)
from activities.services import attachment_add
from tests import factories

SHANGHAI = timezone.get_default_timezone()
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\nstartxref\n9\n%%EOF\n"


def jpeg(color=(179, 22, 28), size=(320, 240)) -> bytes:
    image = Image.new("RGB", size, color)
    image.paste((250, 220, 120), (0, 0, size[0] // 2, size[1] // 2))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.LANGUAGE_CODE = "zh-hans"
    return tmp_path


def logged_activity(
    cast,
    *,
    branch,
    title: str,
    starts_at: dt.datetime,
    files: list[tuple[str, bytes, str]] = (),
    approved: bool = True,
    by=None,
) -> Activity:
    """An activity of ``branch`` with ``files`` (name, content, kind) added through the upload
    checks, then approved by committee staff with a comment (when ``approved``)."""
    committee = branch.committee if branch else cast.committee_a
    measure = factories.MeasureFactory(committee=committee)
    activity = factories.ActivityFactory(
        committee=committee,
        branch=branch,
        measure=measure,
        title=title,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=2),
        summary="与社区党委联合开展安全生产主题学习，讲解施工现场安全要点。",
        location="杭州春南安置房项目部",
        evidence=not files,  # the files given are its evidence, not the factory's photo
    )
    uploader = by or cast.secretary_a1
    for name, content, kind in files:
        content_type = "application/pdf" if content.startswith(b"%PDF") else "image/jpeg"
        attachment_add(
            activity,
            by=uploader,
            upload=SimpleUploadedFile(name, content, content_type=content_type),
            kind=kind,
            caption="",
        )
    if approved:
        Activity.objects.filter(pk=activity.pk).update(
            status=ActivityStatus.APPROVED,
            reviewed_by=cast.staff_a,
            reviewed_at=timezone.now(),
            review_comment="材料齐全，同意。",
        )
        ActivityEvent.objects.create(
            activity=activity,
            action=ActivityAction.APPROVED,
            actor=cast.staff_a,
            comment="材料齐全，同意。",
            from_status=ActivityStatus.SUBMITTED,
            to_status=ActivityStatus.APPROVED,
        )
        activity.refresh_from_db()
    return activity


PHOTO = AttachmentKind.PHOTO
SIGN_IN = AttachmentKind.SIGN_IN_SHEET
