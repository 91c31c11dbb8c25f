"""Uploads from real phones and disguised files: what prepare_upload accepts and refuses."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image, ImageCms, ImageFile

from activities.models import AttachmentKind
from activities.uploads import prepare_upload
from portal.core.uploads import DECODED_PIXEL_BUDGET, MAX_IMAGE_PIXELS


@pytest.fixture(autouse=True)
def _in_english():
    """Messages are asserted in English (their Chinese is checked by the translation tests)."""
    with translation.override("en"):
        yield


def _upload(data: bytes, name: str = "x.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def _jpeg(size=(64, 48), colour="red", **save) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG", **save)
    return buffer.getvalue()


def _message(error: pytest.ExceptionInfo) -> str:
    return " ".join(error.value.messages)


def test_a_multi_picture_jpeg_from_a_phone_is_a_photo():
    """Phones add gain or depth maps as extra pictures; Pillow calls such a JPEG "MPO"."""
    buffer = io.BytesIO()
    first, second = Image.new("RGB", (64, 48), "red"), Image.new("RGB", (32, 24), "blue")
    first.save(buffer, "MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(buffer.getvalue())).format == "MPO"

    prepared = prepare_upload(_upload(buffer.getvalue(), "IMG_0001.JPG"), AttachmentKind.PHOTO)

    stored = Image.open(io.BytesIO(prepared.content.read()))
    assert stored.format == "JPEG"
    assert stored.size == (64, 48)
    assert getattr(stored, "n_frames", 1) == 1
    assert prepared.content.name.endswith(".jpg")


def test_a_picture_with_too_many_pixels_says_so(settings):
    side = int(MAX_IMAGE_PIXELS**0.5) + 10
    buffer = io.BytesIO()
    Image.new("1", (side, side)).save(buffer, "PNG")  # a few kilobytes, gigabytes decoded
    with pytest.raises(ValidationError) as error:
        prepare_upload(_upload(buffer.getvalue(), "bomb.png"), AttachmentKind.PHOTO)
    assert error.value.code == "too_many_pixels"
    assert "bomb.png" in _message(error)


def test_a_decompression_bomb_beyond_pillows_own_limit_is_refused_as_too_many_pixels():
    buffer = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(buffer, "PNG")
    with pytest.raises(ValidationError) as error:
        prepare_upload(_upload(buffer.getvalue(), "bomb.png"), AttachmentKind.PHOTO)
    assert error.value.code == "too_many_pixels"


@pytest.fixture
def decoded_sizes(monkeypatch) -> list[tuple[int, int]]:
    """The size of every picture Pillow decodes (what it holds in memory at once)."""
    sizes: list[tuple[int, int]] = []
    load = ImageFile.ImageFile.load

    def recording_load(image):
        if image.tile:  # pixels still to decode (later calls find them loaded)
            sizes.append(image.size)
        return load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", recording_load)
    return sizes


def test_a_blank_png_under_the_old_50_mp_cap_is_refused_without_being_decoded(decoded_sizes):
    """The issue's picture: 7,000 × 7,000 (49 MP), a few hundred kilobytes, ~200 MB decoded."""
    buffer = io.BytesIO()
    Image.new("1", (7000, 7000)).save(buffer, "PNG")
    with pytest.raises(ValidationError) as error:
        prepare_upload(_upload(buffer.getvalue(), "blank.png"), AttachmentKind.PHOTO)
    assert error.value.code == "too_many_pixels"
    assert "“blank.png” has too many pixels: a PNG picture may have at most 16 million" in (
        _message(error)
    )
    assert "Save it as a JPEG photo" in _message(error)
    assert decoded_sizes == []


def test_a_50_mp_phone_photo_is_decoded_within_the_budget_and_stored_as_sharp_as_ever(
    decoded_sizes,
):
    """A long 50 MP JPEG: Pillow's own choice of scale would decode it whole."""
    buffer = io.BytesIO()
    Image.new("L", (5119, 9767), 128).save(buffer, "JPEG")
    prepared = prepare_upload(_upload(buffer.getvalue(), "IMG_0002.JPG"), AttachmentKind.PHOTO)
    assert len(decoded_sizes) == 1
    width, height = decoded_sizes[0]
    assert width * height <= DECODED_PIXEL_BUDGET["JPEG"]
    assert max(Image.open(io.BytesIO(prepared.content.read())).size) == 2560


def test_a_12_mp_phone_photo_is_decoded_whole_and_stored_at_the_full_side(decoded_sizes):
    buffer = io.BytesIO()
    Image.new("RGB", (4032, 3024), "red").save(buffer, "JPEG")
    prepared = prepare_upload(_upload(buffer.getvalue(), "IMG_0003.JPG"), AttachmentKind.PHOTO)
    assert decoded_sizes == [(4032, 3024)]
    assert Image.open(io.BytesIO(prepared.content.read())).size == (2560, 1920)


@pytest.mark.parametrize(
    ("mode", "image_format"),
    [("RGB", "JPEG"), ("CMYK", "JPEG"), ("P", "PNG"), ("RGBA", "PNG"), ("RGB", "WEBP")],
)
def test_a_large_picture_turned_by_exif_is_downscaled_then_stored_upright(
    settings, mode, image_format
):
    settings.ATTACHMENT_IMAGE_MAX_SIDE = 400
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was held upright
    buffer = io.BytesIO()
    Image.new(mode, (1000, 500)).save(buffer, image_format, exif=exif.tobytes())
    prepared = prepare_upload(_upload(buffer.getvalue()), AttachmentKind.PHOTO)
    stored = Image.open(io.BytesIO(prepared.content.read()))
    assert stored.size == (200, 400)
    assert not stored.getexif()


def test_a_large_jpeg_is_decoded_small_and_stored_within_the_side_limit(settings):
    settings.ATTACHMENT_IMAGE_MAX_SIDE = 800
    prepared = prepare_upload(_upload(_jpeg((4000, 3000))), AttachmentKind.PHOTO)
    assert Image.open(io.BytesIO(prepared.content.read())).size == (800, 600)


def test_the_colour_profile_is_applied_then_dropped():
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    prepared = prepare_upload(
        _upload(_jpeg(colour=(200, 30, 40), icc_profile=profile)), AttachmentKind.PHOTO
    )
    stored = Image.open(io.BytesIO(prepared.content.read()))
    assert "icc_profile" not in stored.info
    red, green, blue = stored.getpixel((10, 10))
    assert abs(red - 200) < 8
    assert green < 45
    assert blue < 55


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\nxref\n0 1\ntrailer <<>>\nstartxref\n9\n%%EOF\n"


def test_a_pdf_with_bytes_after_its_end_marker_is_accepted():
    prepared = prepare_upload(_upload(PDF + b"\0" * 5000, "签到表.pdf"), AttachmentKind.DOCUMENT)
    assert prepared.content.name.endswith(".pdf")


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4\n<html><script>alert(1)</script></html>\nstartxref\n1\n%%EOF",
        b"%PDF-1.4\n<svg xmlns='http://www.w3.org/2000/svg'/>\nstartxref\n1\n%%EOF",
        b"%PDF-1.4 no cross-reference at all %%EOF",
    ],
    ids=["html", "svg", "no-xref"],
)
def test_a_web_page_or_a_fragment_calling_itself_pdf_is_refused(data):
    with pytest.raises(ValidationError) as error:
        prepare_upload(_upload(data, "a.pdf"), AttachmentKind.DOCUMENT)
    assert error.value.code == "broken_file"
