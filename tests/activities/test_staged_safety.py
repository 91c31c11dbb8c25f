"""Files kept for an unsaved activity form: never shared by two activities, never unbounded."""

from __future__ import annotations

import functools
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from activities import services
from activities.models import Activity, Attachment, AttachmentKind, StagedUpload
from tests import factories


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@functools.cache
def _jpeg(size: tuple[int, int]) -> bytes:
    """Noise compresses badly, so the photo is large; made once, so every copy is the same."""
    buffer = io.BytesIO()
    Image.effect_noise(size, 80).convert("RGB").save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def _photo(size=(200, 150)) -> SimpleUploadedFile:
    return SimpleUploadedFile("photo.jpg", _jpeg(size), content_type="image/jpeg")


def _fields(cast) -> dict:
    measure = factories.MeasureFactory(committee=cast.committee_a)
    activity = factories.ActivityFactory.build(
        committee=cast.committee_a, branch=cast.branch_a1, measure=measure
    )
    return {
        name: getattr(activity, name)
        for name in ("committee", "branch", "measure", "title", "kind", "starts_at", "ends_at")
    }


def test_a_form_sent_twice_saves_the_photo_with_one_activity_only(cast):
    staged = services.staged_upload_create(
        owner=cast.secretary_a1, upload=_photo(), kind=AttachmentKind.PHOTO
    )
    fields = _fields(cast)
    # Both requests read the staged row before either saved (the double tap).
    first_copy, second_copy = (
        StagedUpload.objects.get(pk=staged.pk),
        StagedUpload.objects.get(pk=staged.pk),
    )
    services.activity_create(created_by=cast.secretary_a1, staged=[first_copy], **fields)

    with pytest.raises(ValidationError) as error:
        services.activity_create(created_by=cast.secretary_a1, staged=[second_copy], **fields)

    assert "attachments" in error.value.message_dict
    assert Activity.objects.count() == 1
    assert Attachment.objects.filter(file=staged.file.name).count() == 1


def test_files_waiting_for_one_user_are_bounded_like_one_activitys(cast, settings):
    settings.ATTACHMENT_MAX_TOTAL_MB = 1

    def stage() -> StagedUpload:
        return services.staged_upload_create(
            owner=cast.secretary_a1, upload=_photo(size=(600, 450)), kind=AttachmentKind.PHOTO
        )

    kept = [stage()]
    while sum(s.size for s in kept) + kept[0].size <= 1024 * 1024:
        kept.append(stage())
    with pytest.raises(ValidationError) as error:
        stage()
    assert error.value.code == "staged_full"
    assert StagedUpload.objects.count() == len(kept)  # those before the limit are kept
    assert sum(s.size for s in StagedUpload.objects.all()) <= 1024 * 1024
    # Another user's allowance is their own.
    services.staged_upload_create(
        owner=cast.secretary_a2, upload=_photo(), kind=AttachmentKind.PHOTO
    )


def test_files_waiting_for_one_user_are_no_more_than_one_activity_may_have(cast, settings):
    settings.ATTACHMENT_MAX_FILES_PER_ACTIVITY = 2

    def stage() -> StagedUpload:
        return services.staged_upload_create(
            owner=cast.secretary_a1, upload=_photo(), kind=AttachmentKind.PHOTO
        )

    stage(), stage()
    with pytest.raises(ValidationError) as error:
        stage()
    assert error.value.code == "staged_full"
    assert StagedUpload.objects.count() == 2
