"""Files of an activity: checked by content, photos upright and without metadata, served only
to those who may see the activity, added and removed by its organiser only."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from activities.models import ActivityStatus, Attachment, AttachmentKind, StagedUpload
from activities.services import attachment_add
from tests import factories

ORIENTATION = 0x0112
GPS_IFD = 0x8825
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\nstartxref\n9\n%%EOF\n"


# --- Test files, built in memory ------------------------------------------------------------


def image_bytes(
    size: tuple[int, int] = (40, 20),
    image_format: str = "JPEG",
    *,
    orientation: int | None = None,
    gps: bool = False,
) -> bytes:
    """A small picture, optionally with an EXIF orientation and GPS position like a phone's."""
    image = Image.new("RGB", size, (180, 30, 40))
    image.paste((250, 220, 120), (0, 0, size[0] // 2, size[1] // 2))  # not uniform: a real encode
    buffer = io.BytesIO()
    exif = Image.Exif()
    if orientation is not None:
        exif[ORIENTATION] = orientation
    if gps:
        exif[GPS_IFD] = {1: "N", 2: (30.0, 15.0, 7.0), 3: "E", 4: (120.0, 9.0, 3.0)}
    options = {"exif": exif.tobytes()} if len(exif) else {}
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def photo(name: str = "现场.jpg", **kwargs) -> SimpleUploadedFile:
    return upload(name, image_bytes(**kwargs))


HTML_AS_JPEG = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
SVG_AS_JPEG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b'<rect width="10" height="10"/></svg>'
)


def truncated_jpeg() -> bytes:
    data = image_bytes((400, 300))
    return data[: len(data) // 2]


def stored_image(field) -> Image.Image:
    field.open("rb")
    try:
        image = Image.open(io.BytesIO(field.read()))
        image.load()
    finally:
        field.close()
    return image


def rows(*files: tuple[str, str, object]) -> dict:
    """POST data of the form's file rows: (kind, caption, file or list of files) each."""
    data = {
        "attachments-TOTAL_FORMS": str(max(3, len(files))),
        "attachments-INITIAL_FORMS": "0",
        "attachments-MIN_NUM_FORMS": "0",
        "attachments-MAX_NUM_FORMS": "20",
    }
    for index in range(max(3, len(files))):
        data[f"attachments-{index}-kind"] = AttachmentKind.PHOTO
        data[f"attachments-{index}-caption"] = ""
    for index, (kind, caption, file) in enumerate(files):
        data[f"attachments-{index}-kind"] = kind
        data[f"attachments-{index}-caption"] = caption
        data[f"attachments-{index}-files"] = file
    return data


# --- Fixtures -------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _media_in_tmp_and_english(settings, tmp_path):
    """Files go to a temporary folder; texts are asserted in English (the Chinese
    translation is filled in separately)."""
    settings.MEDIA_ROOT = tmp_path
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def activity(cast):
    """An activity without files yet (the factory's photo row left out)."""
    return factories.ActivityFactory(
        committee=cast.committee_a, branch=cast.branch_a1, evidence=False
    )


def _add(cast, activity, file, kind=AttachmentKind.PHOTO, caption=""):
    return attachment_add(activity, by=cast.secretary_a1, upload=file, kind=kind, caption=caption)


# --- Photos from phones ---------------------------------------------------------------------


def test_phone_photo_turned_by_exif_is_stored_upright_without_exif_or_gps(cast, activity):
    attachment = _add(cast, activity, photo(size=(40, 20), orientation=6, gps=True))
    image = stored_image(attachment.file)
    assert image.size == (20, 40)  # orientation 6: the camera was held upright
    exif = image.getexif()
    assert ORIENTATION not in exif
    assert not exif.get_ifd(GPS_IFD)
    assert len(exif) == 0
    assert "exif" not in image.info
    assert attachment.original_name == "现场.jpg"
    assert attachment.file.name.endswith(".jpg")
    assert "现场" not in attachment.file.name  # stored under a random name


def test_photo_without_any_exif_is_kept_as_it_is(cast, activity):
    attachment = _add(cast, activity, photo(size=(40, 20)))
    image = stored_image(attachment.file)
    assert image.size == (40, 20)
    assert len(image.getexif()) == 0


def test_png_and_webp_photos_keep_their_format(cast, activity):
    png = _add(cast, activity, upload("a.png", image_bytes(image_format="PNG"), "image/png"))
    webp = _add(cast, activity, upload("b.webp", image_bytes(image_format="WEBP"), "image/webp"))
    assert stored_image(png.file).format == "PNG"
    assert stored_image(webp.file).format == "WEBP"


def test_large_photo_is_downscaled_to_the_configured_side(cast, activity, settings):
    settings.ATTACHMENT_IMAGE_MAX_SIDE = 1000
    attachment = _add(cast, activity, photo(size=(5000, 1000)))
    assert stored_image(attachment.file).size == (1000, 200)
    assert attachment.size == attachment.file.size


def test_photo_gets_a_small_jpeg_thumbnail(cast, activity, settings):
    attachment = _add(cast, activity, photo(size=(1200, 900)))
    assert attachment.is_image
    thumbnail = stored_image(attachment.thumbnail)
    assert thumbnail.format == "JPEG"
    assert max(thumbnail.size) == settings.ATTACHMENT_THUMBNAIL_SIDE


def test_thumbnail_downloads_for_the_owner_and_is_not_found_for_another_branch(cast, activity):
    attachment = _add(cast, activity, photo(size=(800, 600)))
    url = reverse("protected_file", kwargs={"path": attachment.thumbnail.name})

    response = cast.client_for(cast.secretary_a1).get(url)
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert Image.open(io.BytesIO(body)).format == "JPEG"
    assert response["Content-Type"] == "image/jpeg"

    assert cast.client_for(cast.secretary_a2).get(url).status_code == 404
    file_url = reverse("protected_file", kwargs={"path": attachment.file.name})
    assert cast.client_for(cast.secretary_a2).get(file_url).status_code == 404


# --- Contents that are refused, and PDFs that are not ---------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(HTML_AS_JPEG, "is not a photo", id="html-renamed-jpg"),
        pytest.param(SVG_AS_JPEG, "is not a photo", id="svg-renamed-jpg"),
        pytest.param(truncated_jpeg(), "is damaged or incomplete", id="truncated-jpeg"),
        pytest.param(PDF, "is not a photo", id="pdf-as-photo"),
    ],
)
def test_file_that_is_not_a_photo_by_content_is_refused(cast, activity, content, expected):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as excinfo:
        _add(cast, activity, upload("现场.jpg", content))
    assert expected in excinfo.value.messages[0]
    assert "现场.jpg" in excinfo.value.messages[0]
    assert not Attachment.objects.exists()


def test_a_truncated_photo_is_refused_even_after_the_pdf_renderer_was_loaded(
    cast, activity, monkeypatch
):
    """WeasyPrint (the reports' PDFs) turns Pillow's LOAD_TRUNCATED_IMAGES on when imported: a
    worker or an in-process ``make run`` that made a report must still refuse broken photos."""
    from django.core.exceptions import ValidationError
    from PIL import ImageFile

    import portal.reports.pdf  # noqa: F401  (imports WeasyPrint)

    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)  # whoever sets it again
    with pytest.raises(ValidationError, match="is damaged or incomplete"):
        _add(cast, activity, upload("现场.jpg", truncated_jpeg()))
    assert not Attachment.objects.exists()


@pytest.mark.parametrize("kind", [AttachmentKind.SIGN_IN_SHEET, AttachmentKind.DOCUMENT])
def test_pdf_is_accepted_as_sign_in_sheet_or_document(cast, activity, kind):
    attachment = _add(cast, activity, upload("签到表.pdf", PDF, "application/pdf"), kind=kind)
    assert attachment.file.name.endswith(".pdf")
    assert not attachment.is_image
    attachment.file.open("rb")
    assert attachment.file.read() == PDF
    attachment.file.close()


def test_pdf_without_its_end_marker_is_refused(cast, activity):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="not a complete PDF"):
        _add(cast, activity, upload("a.pdf", PDF[:20], "application/pdf"), kind="document")


# --- The upload view (adds files to a saved activity) ---------------------------------------


def _upload_url(activity):
    return reverse("activities:attachment_upload", args=[activity.pk])


def test_organiser_adds_photos_and_a_sign_in_sheet_on_the_upload_page(cast, activity):
    data = rows(
        ("photo", "合影", [photo("1.jpg"), photo("2.jpg")]),
        ("sign_in", "签到表", upload("签到表.pdf", PDF, "application/pdf")),
    )
    response = cast.client_for(cast.secretary_a1).post(_upload_url(activity), data, follow=True)
    assert response.redirect_chain[-1][0] == reverse("activities:edit", args=[activity.pk])
    kinds = sorted(activity.attachments.values_list("kind", "caption"))
    assert kinds == [("photo", "合影"), ("photo", "合影"), ("sign_in", "签到表")]
    assert "Files added: 3." in response.content.decode()


def test_rejected_upload_shows_why_and_adds_nothing(cast, activity):
    data = rows(("photo", "", upload("page.jpg", HTML_AS_JPEG)))
    response = cast.client_for(cast.secretary_a1).post(_upload_url(activity), data, follow=True)
    assert "“page.jpg” is not a photo" in response.content.decode()
    assert not Attachment.objects.exists()


def test_upload_over_the_per_file_limit_is_refused(cast, activity, settings):
    settings.ATTACHMENT_MAX_FILE_MB = 1
    big = upload("big.jpg", b"\xff\xd8\xff" + b"0" * (1024 * 1024 + 10))
    response = cast.client_for(cast.secretary_a1).post(
        _upload_url(activity), rows(("photo", "", big)), follow=True
    )
    assert "a file may be at most 1.0\xa0MB" in response.content.decode()
    assert not Attachment.objects.exists()


def test_upload_over_the_per_activity_total_is_refused(cast, activity, settings):
    settings.ATTACHMENT_MAX_TOTAL_MB = 1
    first = _add(cast, activity, photo("1.jpg"))
    Attachment.objects.filter(pk=first.pk).update(size=1024 * 1024 - 100)  # nearly full
    response = cast.client_for(cast.secretary_a1).post(
        _upload_url(activity), rows(("photo", "", photo("2.jpg"))), follow=True
    )
    assert "The files of one activity may take at most 1.0\xa0MB" in response.content.decode()
    assert list(activity.attachments.all()) == [first]


def test_more_files_than_one_request_may_carry_are_all_refused_with_a_message(
    cast, activity, settings
):
    settings.ATTACHMENT_MAX_FILES_PER_REQUEST = 2
    files = [photo(f"{n}.jpg") for n in range(3)]
    response = cast.client_for(cast.secretary_a1).post(
        _upload_url(activity), rows(("photo", "", files)), follow=True
    )
    assert "3 files were chosen, but at most 2 can be sent at once" in response.content.decode()
    assert not Attachment.objects.exists()  # none decoded, none kept


def test_the_form_says_how_many_files_can_be_sent_at_once(cast, settings):
    settings.ATTACHMENT_MAX_FILES_PER_REQUEST = 7
    page = cast.client_for(cast.secretary_a1).get(reverse("activities:create"))
    assert "7 at once" in page.content.decode()


def test_files_for_a_new_activity_beyond_the_per_request_limit_are_not_kept(cast, settings):
    settings.ATTACHMENT_MAX_FILES_PER_REQUEST = 2
    files = [photo(f"{n}.jpg") for n in range(3)]
    response = cast.client_for(cast.secretary_a1).post(
        reverse("activities:create"), rows(("photo", "", files))
    )
    assert response.status_code == 200
    assert "at most 2 can be sent at once" in response.content.decode()
    assert not StagedUpload.objects.exists()


def test_a_request_with_far_more_files_than_allowed_is_stopped_before_the_view(cast, activity):
    files = [photo(f"{n}.jpg") for n in range(2 * settings.ATTACHMENT_MAX_FILES_PER_REQUEST + 1)]
    response = cast.client_for(cast.secretary_a1).post(
        _upload_url(activity), rows(("photo", "", files))
    )
    assert response.status_code == 400
    assert not Attachment.objects.exists()


def test_an_activity_takes_at_most_the_configured_number_of_files(cast, activity, settings):
    settings.ATTACHMENT_MAX_FILES_PER_ACTIVITY = 2
    _add(cast, activity, photo("1.jpg"))
    response = cast.client_for(cast.secretary_a1).post(
        _upload_url(activity), rows(("photo", "", [photo("2.jpg"), photo("3.jpg")])), follow=True
    )
    assert "An activity may have at most 2 files" in response.content.decode()
    assert activity.attachments.count() == 2


def test_files_not_started_within_the_checking_time_are_left_out_with_a_message(
    cast, activity, monkeypatch
):
    """A request checks files for ATTACHMENT_CHECK_SECONDS: the first file here uses it all."""
    readings = iter([0.0, 1.0] + [1000.0] * 10)
    monkeypatch.setattr("activities.uploads.time.monotonic", lambda: next(readings))
    files = [photo("1.jpg"), photo("2.jpg"), photo("3.jpg")]
    response = cast.client_for(cast.secretary_a1).post(
        _upload_url(activity), rows(("photo", "", files)), follow=True
    )
    page = response.content.decode()
    assert "were not checked because checking the others took long: 2.jpg、3.jpg" in page
    assert list(activity.attachments.values_list("original_name", flat=True)) == ["1.jpg"]


def test_upload_by_another_branch_is_not_found(cast, activity):
    response = cast.client_for(cast.secretary_a2).post(
        _upload_url(activity), rows(("photo", "", photo()))
    )
    assert response.status_code == 404
    assert not Attachment.objects.exists()


def test_upload_by_committee_staff_is_forbidden(cast, activity):
    response = cast.client_for(cast.staff_a).post(
        _upload_url(activity), rows(("photo", "", photo()))
    )
    assert response.status_code == 403
    assert not Attachment.objects.exists()


def test_upload_to_a_submitted_activity_goes_back_to_it_with_a_message(cast, activity):
    activity.status = ActivityStatus.SUBMITTED
    activity.save()
    response = cast.client_for(cast.secretary_a1).post(
        _upload_url(activity), rows(("photo", "", photo()))
    )
    assert response.status_code == 302
    assert response.url == reverse("activities:detail", args=[activity.pk])
    assert not Attachment.objects.exists()


def test_upload_page_only_takes_posts(cast, activity):
    assert cast.client_for(cast.secretary_a1).get(_upload_url(activity)).status_code == 405


# --- Deleting a file ------------------------------------------------------------------------


@pytest.fixture
def attachment(cast, activity):
    return _add(cast, activity, photo(), caption="合影留念")


def _delete_url(attachment):
    return reverse("activities:attachment_delete", args=[attachment.pk])


def test_delete_asks_for_confirmation_first(cast, attachment):
    response = cast.client_for(cast.secretary_a1).get(_delete_url(attachment))
    assert response.status_code == 200
    page = response.content.decode()
    assert "合影留念" in page
    assert reverse("protected_file", kwargs={"path": attachment.thumbnail.name}) in page
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_organiser_deletes_a_file_and_its_stored_copies(
    cast, attachment, django_capture_on_commit_callbacks
):
    from django.core.files.storage import default_storage

    names = [attachment.file.name, attachment.thumbnail.name]
    with django_capture_on_commit_callbacks(execute=True):
        response = cast.client_for(cast.secretary_a1).post(_delete_url(attachment), follow=True)
    assert response.redirect_chain[-1][0] == reverse(
        "activities:edit", args=[attachment.activity_id]
    )
    assert "“合影留念” was removed." in response.content.decode()
    assert not Attachment.objects.exists()
    assert not any(default_storage.exists(name) for name in names)


@pytest.mark.parametrize("method", ["get", "post"])
def test_delete_by_another_branch_is_not_found(cast, attachment, method):
    response = getattr(cast.client_for(cast.secretary_a2), method)(_delete_url(attachment))
    assert response.status_code == 404
    assert Attachment.objects.filter(pk=attachment.pk).exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_delete_by_committee_staff_is_forbidden(cast, attachment, method):
    response = getattr(cast.client_for(cast.staff_a), method)(_delete_url(attachment))
    assert response.status_code == 403
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_file_of_an_approved_activity_cannot_be_deleted(cast, attachment):
    activity = attachment.activity
    activity.status = ActivityStatus.APPROVED
    activity.save()
    response = cast.client_for(cast.secretary_a1).post(_delete_url(attachment), follow=True)
    assert response.redirect_chain[-1][0] == reverse("activities:detail", args=[activity.pk])
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_anonymous_user_is_sent_to_login(cast, attachment):
    response = cast.client_for(None).get(_delete_url(attachment))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
