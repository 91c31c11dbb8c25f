"""Checks and prepares uploaded files: judged by their content, never by their name.

Photos (JPEG, PNG, WebP) are decoded and re-encoded: turned upright by their EXIF orientation,
stripped of every metadata block (GPS included), downscaled to ``ATTACHMENT_IMAGE_MAX_SIDE``,
and given a JPEG thumbnail. Documents must be PDF files. Anything else — an HTML page or an
SVG renamed ``.jpg``, a truncated image, a decompression bomb — is refused with a message.
"""

from __future__ import annotations

import io
import uuid
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError

from activities.models import AttachmentKind

#: Pillow format -> (extension, content type) of the re-encoded file.
IMAGE_FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
}
#: Pillow's name for a JPEG with extra pictures in it (phones' HDR gain maps, depth maps): the
#: first picture is the photo.
MULTI_PICTURE_JPEG = "MPO"
#: Larger pictures are refused before decoding (a 20 MB file can claim gigapixels); 50 MP
#: covers the largest photos phones save by default.
MAX_IMAGE_PIXELS = 50_000_000
#: Where the end of a PDF file is looked for: writers may append a few kilobytes after it.
PDF_TAIL = 64 * 1024
#: Markup at the start of a file that calls itself a PDF: an HTML or SVG page in disguise.
MARKUP_MARKERS = (b"<html", b"<script", b"<svg", b"<!doctype", b"<body", b"<iframe")
PDF_MAGIC = b"%PDF-"

#: Which contents each kind of attachment accepts.
KIND_ACCEPTS = {
    AttachmentKind.PHOTO: {"image"},
    AttachmentKind.SIGN_IN_SHEET: {"image", "pdf"},
    AttachmentKind.DOCUMENT: {"pdf", "image"},
}


@dataclass(frozen=True)
class PreparedFile:
    """A checked file ready to store: the content to save and, for images, a thumbnail."""

    content: ContentFile
    thumbnail: ContentFile | None
    original_name: str
    size: int


def max_file_bytes() -> int:
    return settings.ATTACHMENT_MAX_FILE_MB * 1024 * 1024


def max_total_bytes() -> int:
    return settings.ATTACHMENT_MAX_TOTAL_MB * 1024 * 1024


def prepare_upload(upload: UploadedFile, kind: str) -> PreparedFile:
    """Check ``upload`` for an attachment of ``kind`` and return what to store.

    Raises ``ValidationError`` with a message naming the file when it is too large, not of an
    accepted type by its content, or broken.
    """
    name = (upload.name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:200] or "file"
    if upload.size is not None and upload.size > max_file_bytes():
        raise ValidationError(
            _("“%(name)s” is %(size)s; a file may be at most %(limit)s.")
            % {
                "name": name,
                "size": filesizeformat(upload.size),
                "limit": filesizeformat(max_file_bytes()),
            },
            code="file_too_large",
        )
    accepted = KIND_ACCEPTS.get(kind, set())
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(PDF_MAGIC):
        if "pdf" not in accepted:
            raise _wrong_type(name, kind)
        data = upload.read()
        if not _looks_like_a_pdf(data):
            raise ValidationError(
                _("“%(name)s” is not a complete PDF file.") % {"name": name}, code="broken_file"
            )
        stored = ContentFile(data, name=f"{uuid.uuid4().hex}.pdf")
        return PreparedFile(content=stored, thumbnail=None, original_name=name, size=len(data))
    if "image" not in accepted:
        raise _wrong_type(name, kind)
    return _prepare_image(upload, name, kind)


def _looks_like_a_pdf(data: bytes) -> bool:
    """A PDF's frame: the header, a cross-reference pointer and the end marker near the end,
    and no web-page markup near the start (browsers would not render it, but be sure)."""
    head, tail = data[:4096].lower(), data[-PDF_TAIL:]
    if any(marker in head for marker in MARKUP_MARKERS):
        return False
    return b"%%EOF" in tail and b"startxref" in tail


def _too_many_pixels(name: str) -> ValidationError:
    return ValidationError(
        _("“%(name)s” has too many pixels to be a photo.") % {"name": name},
        code="too_many_pixels",
    )


def _wrong_type(name: str, kind: str) -> ValidationError:
    if kind == AttachmentKind.PHOTO:
        message = _("“%(name)s” is not a photo: JPEG, PNG and WebP pictures are accepted.")
    elif kind == AttachmentKind.SIGN_IN_SHEET:
        message = _("“%(name)s” is not accepted: a sign-in sheet is a photo or a PDF file.")
    else:
        message = _("“%(name)s” is not accepted: documents are PDF files or pictures.")
    return ValidationError(message % {"name": name}, code="wrong_type")


def _prepare_image(upload: UploadedFile, name: str, kind: str) -> PreparedFile:
    with warnings.catch_warnings():
        # Pillow warns, then raises, on huge pictures: both are refusals here.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(upload)
            image_format = image.format
            if image_format == MULTI_PICTURE_JPEG:
                image_format = "JPEG"
            if image_format not in IMAGE_FORMATS:
                raise _wrong_type(name, kind)
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise _too_many_pixels(name)
            if image_format == "JPEG":
                # Decode a large JPEG at a reduced scale straight away (a fraction of the
                # memory and time); it is downscaled to at least this size anyway.
                side = settings.ATTACHMENT_IMAGE_MAX_SIDE
                image.draft("RGB", (side, side))
            # A truncated file must fail here whatever another library set process-wide
            # (WeasyPrint turns Pillow's LOAD_TRUNCATED_IMAGES on when imported).
            ImageFile.LOAD_TRUNCATED_IMAGES = False
            image.load()
            image = ImageOps.exif_transpose(image)
        except ValidationError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels(name) from None
        except UnidentifiedImageError:
            raise _wrong_type(name, kind) from None
        except (OSError, ValueError, SyntaxError):
            raise ValidationError(
                _("“%(name)s” is damaged or incomplete and cannot be opened.") % {"name": name},
                code="broken_file",
            ) from None
    extension, _content_type = IMAGE_FORMATS[image_format]
    image = _without_metadata(image, image_format)
    side = settings.ATTACHMENT_IMAGE_MAX_SIDE
    if max(image.size) > side:
        image.thumbnail((side, side), Image.Resampling.LANCZOS)
    body = _encode(image, image_format)
    thumb = image.copy()
    thumb_side = settings.ATTACHMENT_THUMBNAIL_SIDE
    thumb.thumbnail((thumb_side, thumb_side), Image.Resampling.LANCZOS)
    stem = uuid.uuid4().hex
    return PreparedFile(
        content=ContentFile(body, name=f"{stem}.{extension}"),
        thumbnail=ContentFile(_encode(thumb, "JPEG"), name=f"{stem}-thumb.jpg"),
        original_name=name,
        size=len(body),
    )


def _in_srgb(image: Image.Image) -> Image.Image:
    """Colours as the picture's own profile meant them (phones shoot Display P3), in sRGB:
    the profile itself is dropped with the rest of the metadata."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in {"RGB", "RGBA"}:
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.profileToProfile(
            image, source, ImageCms.createProfile("sRGB"), outputMode=image.mode
        )
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image  # a broken profile: keep the pixels as they are


def _without_metadata(image: Image.Image, image_format: str) -> Image.Image:
    """A copy holding only pixels: no EXIF, GPS, XMP, ICC comments or text chunks."""
    image = _in_srgb(image)
    if image_format == "JPEG" and image.mode not in {"RGB", "L"}:
        image = image.convert("RGB")
    elif image.mode not in {"RGB", "RGBA", "L", "LA"}:
        image = image.convert(
            "RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB"
        )
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    return clean


def _encode(image: Image.Image, image_format: str) -> bytes:
    buffer = io.BytesIO()
    if image_format == "JPEG":
        if image.mode not in {"RGB", "L"}:
            image = image.convert("RGB")
        image.save(buffer, "JPEG", quality=85, optimize=True)
    elif image_format == "PNG":
        image.save(buffer, "PNG", optimize=True)
    else:
        image.save(buffer, "WEBP", quality=85)
    return buffer.getvalue()
