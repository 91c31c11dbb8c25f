"""One upload policy for every file the portal stores: judged by content, never by name.

Every file somebody uploads — an activity's photos and documents in the portal, a signed
agreement or an honour's evidence in the admin — goes through ``check_upload``:

* at most ``ATTACHMENT_MAX_FILE_MB``;
* pictures (JPEG, PNG, WebP) are decoded within a pixel budget, turned upright by their EXIF
  orientation, downscaled to ``ATTACHMENT_IMAGE_MAX_SIDE``, stripped of every metadata block
  (GPS included) and re-encoded; the stored file is the re-encoded one;
* PDF files must be complete and free of active content (``pdf_active_content``);
* anything else — an HTML page, an SVG, an Office file, a renamed executable — is refused.

Decoding is bounded (``DECODED_PIXEL_BUDGET``): a few hundred kilobytes of PNG can describe
hundreds of megabytes of pixels, which the worker would have to hold at once. A JPEG is
decoded at a reduced scale (its format allows it), so phone photos up to ``MAX_IMAGE_PIXELS``
are taken; a PNG or WebP (decoded only at full size) over its budget is refused with a message.
A request checks files for at most ``ATTACHMENT_CHECK_SECONDS`` (``activities.uploads``).

Model fields declare their policy with ``CheckedFileField``; its form field (the admin's, or
any ``ModelForm``'s) runs ``check_upload``, so no form can store an unchecked file.
"""

from __future__ import annotations

import bisect
import io
import posixpath
import re
import uuid
import warnings
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError

IMAGE = "image"
PDF = "pdf"

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
#: The most pixels decoded for one picture, by format: what one decoding may hold at once.
#: A JPEG is decoded at 1/2, 1/4 or 1/8 scale to stay within it (a 50 MP photo at half its
#: side is 12.5 MP, still more than the stored ``ATTACHMENT_IMAGE_MAX_SIDE`` needs; a 12 MP
#: phone photo is decoded whole). A PNG or WebP cannot be decoded smaller, and over it is
#: refused: screenshots and exported pictures are far smaller (a 4K screen is 8.3 MP).
#: Measured peaks at the budget: PNG about 200 MB (16 MP RGBA, with the downscaling), WebP
#: about 340 MB at 16 MP (its decoder holds the picture three times over), hence half for it.
DECODED_PIXEL_BUDGET = {
    "JPEG": 4096 * 4096,
    "PNG": 4096 * 4096,
    "WEBP": 2896 * 2896,
}
#: Where the end of a PDF file is looked for: writers may append a few kilobytes after it.
PDF_TAIL = 64 * 1024
#: Markup at the start of a file that calls itself a PDF: an HTML or SVG page in disguise.
MARKUP_MARKERS = (b"<html", b"<script", b"<svg", b"<!doctype", b"<body", b"<iframe")
PDF_MAGIC = b"%PDF-"


@dataclass(frozen=True)
class PreparedFile:
    """A checked file ready to store: the content to save and, for images, a thumbnail."""

    content: ContentFile
    thumbnail: ContentFile | None
    original_name: str
    size: int
    extension: str


def max_file_bytes() -> int:
    return settings.ATTACHMENT_MAX_FILE_MB * 1024 * 1024


def upload_name(upload: UploadedFile) -> str:
    """The file's name on the uploader's device, without any folder, for messages."""
    return (upload.name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:200] or _("file")


def check_upload(
    upload: UploadedFile,
    *,
    accepts: Iterable[str],
    wrong_type: str,
    thumbnail: bool = True,
) -> PreparedFile:
    """Check ``upload`` against the policy and return what to store.

    ``accepts`` holds ``IMAGE`` and/or ``PDF``; ``wrong_type`` is the message (with
    ``%(name)s``) for a file of another type. Raises ``ValidationError`` with a message naming
    the file when it is too large, of another type by its content, broken, a picture with too
    many pixels, or a PDF with active content.
    """
    accepts = frozenset(accepts)
    name = upload_name(upload)
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
    refusal = ValidationError(wrong_type % {"name": name}, code="wrong_type")
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(PDF_MAGIC):
        if PDF not in accepts:
            raise refusal
        return _prepare_pdf(upload.read(), name)
    if IMAGE not in accepts:
        raise refusal
    return _prepare_image(upload, name, refusal, with_thumbnail=thumbnail)


# --- PDF -------------------------------------------------------------------------------------


def _prepare_pdf(data: bytes, name: str) -> PreparedFile:
    if not _looks_like_a_pdf(data):
        raise ValidationError(
            _("“%(name)s” is not a complete PDF file.") % {"name": name}, code="broken_file"
        )
    if pdf_active_content(data):
        raise ValidationError(
            _(
                "“%(name)s” contains scripts, embedded files or actions that run when it is "
                "opened, which are not accepted. Print it to a new PDF (or scan the paper "
                "copy) and upload that."
            )
            % {"name": name},
            code="active_content",
        )
    stored = ContentFile(data, name=f"{uuid.uuid4().hex}.pdf")
    return PreparedFile(
        content=stored, thumbnail=None, original_name=name, size=len(data), extension="pdf"
    )


def _looks_like_a_pdf(data: bytes) -> bool:
    """A PDF's frame: the header, a cross-reference pointer and the end marker near the end,
    and no web-page markup near the start (browsers would not render it, but be sure)."""
    head, tail = data[:4096].lower(), data[-PDF_TAIL:]
    if any(marker in head for marker in MARKUP_MARKERS):
        return False
    return b"%%EOF" in tail and b"startxref" in tail


#: Names that make a PDF do something by itself in a desktop reader: run a script (a
#: JavaScript action, a document-level script, a rendition action's script, an XFA form),
#: start a program or open another file (Launch, GoToR: on Windows a UNC path also sends the
#: user's NTLM hash), carry files (embedded files, file attachments), or play rich media.
#: ``/JS`` and ``/AA`` are not looked for themselves: a script runs only through an action of
#: type ``/JavaScript`` or ``/Rendition`` (found by those names), and ``/AA`` and
#: ``/OpenAction`` only say *when* an action runs — most PDFs' ``/OpenAction`` just opens page
#: one. Two-letter names would also turn up by chance in megabytes of compressed pictures.
ACTIVE_NAMES = frozenset(
    {
        b"JavaScript",
        b"Rendition",
        b"Launch",
        b"GoToR",
        b"ImportData",
        b"EmbeddedFile",
        b"EmbeddedFiles",
        b"FileAttachment",
        b"RichMedia",
        b"RichMediaContent",
    }
)
#: XFA forms carry scripts; ``/XFA`` is short enough to turn up by chance, so it counts only in
#: a file with an interactive form.
XFA_NAME, FORM_NAME = b"XFA", b"AcroForm"
OBJECT_STREAM_NAME = b"ObjStm"
#: A name as a PDF writes it, up to the next delimiter or white space: ``#xx`` escapes any byte
#: (``/J#61vaScript`` is ``/JavaScript``), so its written length says nothing of its length.
_NAME = re.compile(rb"/([^\x00\t\n\f\r /()<>\[\]{}%]+)")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
#: Where a stream's data starts (``endstream`` is not a match).
_STREAM_START = re.compile(rb"(?<![A-Za-z])stream(?:\r\n|\n|\r)")
#: The start of an object stream's data: pairs of object number and offset.
_OBJECT_STREAM_HEAD = re.compile(rb"\s*\d+\s+\d+\s")
#: Compressed object streams decoded to look inside, in total (they hold dictionaries only:
#: kilobytes, seldom megabytes).
OBJECT_STREAMS_BUDGET = 32 * 1024 * 1024
#: More object streams than this in one upload: no real document has them, so it counts as
#: active rather than being read (a file of nothing but ``/ObjStm`` names).
MAX_OBJECT_STREAMS = 2000
_FILTER_NAME = b"/Filter"


def _names(data: bytes) -> list[tuple[int, bytes]]:
    """The names written in ``data`` (escapes undone), with where each starts."""
    return [
        (m.start(), _ESCAPE.sub(lambda e: bytes.fromhex(e[1].decode()), m[1]))
        for m in _NAME.finditer(data)
    ]


def _inflate(data: memoryview, *, limit: int) -> bytes | None:
    """The Flate stream at the start of ``data`` decoded, or None if it is not one, is cut
    short, or decodes to more than ``limit`` bytes. Read in chunks: no copy of the file."""
    inflater = zlib.decompressobj()
    out = bytearray()
    position = 0
    try:
        while not inflater.eof:
            chunk = data[position : position + 64 * 1024]
            if not chunk:
                return None
            position += len(chunk)
            out += inflater.decompress(chunk, limit + 1 - len(out))
            if len(out) > limit:
                return None
    except zlib.error:
        return None
    return bytes(out)


def _active(names: set[bytes]) -> bool:
    return bool(names & ACTIVE_NAMES) or {XFA_NAME, FORM_NAME} <= names


def pdf_active_content(data: bytes) -> bool:
    """Whether the PDF ``data`` has active content, or hides its objects where this check
    cannot read them.

    A byte-level check, not a parse: the dictionaries a reader acts on are either in the file
    as written or in compressed object streams (``/Type /ObjStm``), so both are read for the
    names in ``ACTIVE_NAMES``. An object stream this check cannot decode (a filter other than
    Flate, an encrypted file) counts as active: what it holds cannot be known.

    Why not pypdf: it would become a runtime dependency parsing hostile files inside the web
    worker (its parser has had denial-of-service bugs); this check is linear in the file's size
    and its decoding is bounded. Its limit: a file crafted against this very check (an object
    stream not declared as one, a fake stream keyword inside a string) may pass; the download
    view's headers (a download, a sandbox) are the layer behind it.
    """
    written = _names(data)
    found = {name for _start, name in written}
    object_streams = [position for position, name in written if name == OBJECT_STREAM_NAME]
    if len(object_streams) > MAX_OBJECT_STREAMS:
        return True
    # Every stream's start, found once: each object stream's data is the next one after its
    # name (a search per name would read the file again for each of them).
    starts = list(_STREAM_START.finditer(data))
    start_positions = [m.start() for m in starts]
    decoded: set[int] = set()
    budget = OBJECT_STREAMS_BUDGET
    for position in object_streams:
        index = bisect.bisect_left(start_positions, position)
        if index == len(starts):
            return True
        start = starts[index]
        if start.start() in decoded:
            continue
        decoded.add(start.start())
        body = _inflate(memoryview(data)[start.end() :], limit=budget)
        if body is None:
            # Not Flate: written as plain text its dictionaries were read with the file's;
            # under any other filter (or broken) what it holds cannot be known.
            header = data[data.rfind(b"obj", 0, position) : start.start()]
            if _FILTER_NAME not in header and _OBJECT_STREAM_HEAD.match(data, start.end()):
                continue
            return True
        budget -= len(body)
        if not _OBJECT_STREAM_HEAD.match(body):
            return True
        found.update(name for _start, name in _names(body))
    return _active(found)


# --- Pictures --------------------------------------------------------------------------------


def _too_many_pixels(name: str) -> ValidationError:
    return ValidationError(
        _("“%(name)s” has too many pixels to be a photo.") % {"name": name},
        code="too_many_pixels",
    )


def _too_many_pixels_to_decode(name: str, image_format: str) -> ValidationError:
    return ValidationError(
        _(
            "“%(name)s” has too many pixels: a %(format)s picture may have at most "
            "%(limit)s million. Save it as a JPEG photo, or make it smaller."
        )
        % {
            "name": name,
            "format": "WebP" if image_format == "WEBP" else image_format,
            "limit": DECODED_PIXEL_BUDGET[image_format] // 1_000_000,
        },
        code="too_many_pixels",
    )


def _jpeg_scale(width: int, height: int, side: int) -> int:
    """The DCT scale (1, 2, 4 or 8) to decode a JPEG at: as small as the stored side allows,
    and at least small enough to stay within the JPEG's ``DECODED_PIXEL_BUDGET``."""
    keep_detail = max(s for s in (8, 4, 2, 1) if s == 1 or max(width, height) // s >= side)
    for scale in (1, 2, 4, 8):
        if -(-width // scale) * -(-height // scale) <= DECODED_PIXEL_BUDGET["JPEG"]:
            return max(scale, keep_detail)
    return 8


def _prepare_image(
    upload: UploadedFile, name: str, wrong_type: ValidationError, *, with_thumbnail: bool
) -> PreparedFile:
    side = settings.ATTACHMENT_IMAGE_MAX_SIDE
    with warnings.catch_warnings():
        # Pillow warns, then raises, on huge pictures: both are refusals here.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(upload)
            image_format = image.format
            if image_format == MULTI_PICTURE_JPEG:
                image_format = "JPEG"
            if image_format not in IMAGE_FORMATS:
                raise wrong_type
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise _too_many_pixels(name)
            if image_format == "JPEG":
                scale = _jpeg_scale(image.width, image.height, side)
                requested = (max(1, image.width // scale), max(1, image.height // scale))
                image.draft("RGB", requested if scale > 1 else None)
            if image.width * image.height > DECODED_PIXEL_BUDGET[image_format]:
                raise _too_many_pixels_to_decode(name, image_format)
            # A truncated file must fail here whatever another library set process-wide
            # (WeasyPrint turns Pillow's LOAD_TRUNCATED_IMAGES on when imported).
            ImageFile.LOAD_TRUNCATED_IMAGES = False
            image.load()
            # Downscaled first: every later step (turning, colours, metadata) copies pixels.
            image = _downscaled(_in_plain_mode(image, image_format), side)
            image = ImageOps.exif_transpose(image)
        except ValidationError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels(name) from None
        except UnidentifiedImageError:
            raise wrong_type from None
        except (OSError, ValueError, SyntaxError):
            raise ValidationError(
                _("“%(name)s” is damaged or incomplete and cannot be opened.") % {"name": name},
                code="broken_file",
            ) from None
    extension, _content_type = IMAGE_FORMATS[image_format]
    image = _without_metadata(image)
    body = _encode(image, image_format)
    thumbnail = None
    if with_thumbnail:
        thumb = image.copy()
        thumb_side = settings.ATTACHMENT_THUMBNAIL_SIDE
        thumb.thumbnail((thumb_side, thumb_side), Image.Resampling.LANCZOS)
        thumbnail = ContentFile(_encode(thumb, "JPEG"))
    stem = uuid.uuid4().hex
    if thumbnail is not None:
        thumbnail.name = f"{stem}-thumb.jpg"
    return PreparedFile(
        content=ContentFile(body, name=f"{stem}.{extension}"),
        thumbnail=thumbnail,
        original_name=name,
        size=len(body),
        extension=extension,
    )


def _in_plain_mode(image: Image.Image, image_format: str) -> Image.Image:
    """Pixels in a mode that resizes smoothly and encodes in ``image_format`` (a palette or
    1-bit picture would be resized by picking pixels; CMYK is not stored as such)."""
    if image_format == "JPEG" and image.mode not in {"RGB", "L"}:
        return image.convert("RGB")  # keeps the EXIF, for the orientation read later
    if image.mode not in {"RGB", "RGBA", "L", "LA"}:
        has_alpha = "A" in image.getbands() or "transparency" in image.info
        return image.convert("RGBA" if has_alpha else "RGB")
    return image


def _downscaled(image: Image.Image, side: int) -> Image.Image:
    if max(image.size) > side:
        image.thumbnail((side, side), Image.Resampling.LANCZOS)
    return image


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


def _without_metadata(image: Image.Image) -> Image.Image:
    """A copy holding only pixels: no EXIF, GPS, XMP, ICC comments or text chunks."""
    image = _in_srgb(image)
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
        # zlib's default level: ``optimize`` shrinks files a little and costs a good deal
        # more time on pictures made to be slow.
        image.save(buffer, "PNG")
    else:
        # ``method`` 2 of 0–6: a quicker search than the default 4 (seconds less on a
        # noisy picture), files a few per cent larger.
        image.save(buffer, "WEBP", quality=85, method=2)
    return buffer.getvalue()


# --- Model and form fields ----------------------------------------------------------------


def _wrong_type_message(accepts: frozenset[str]) -> str:
    if accepts == {IMAGE}:
        return _("“%(name)s” is not accepted: only pictures (JPEG, PNG, WebP) are.")
    if accepts == {PDF}:
        return _("“%(name)s” is not accepted: only PDF files are.")
    return _("“%(name)s” is not accepted: only PDF files and pictures (JPEG, PNG, WebP) are.")


class CheckedUploadField(forms.FileField):
    """A file input whose new file goes through ``check_upload``: the cleaned value is the
    checked (for pictures, re-encoded) content, named like the uploader's file but with the
    extension of what it is."""

    def __init__(self, *args: Any, accepts: Iterable[str], **kwargs: Any) -> None:
        self.accepts = frozenset(accepts)
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("accept", self._accept_attribute())

    def _accept_attribute(self) -> str:
        types = []
        if PDF in self.accepts:
            types.append("application/pdf")
        if IMAGE in self.accepts:
            types.extend(content_type for _ext, content_type in IMAGE_FORMATS.values())
        return ",".join(types)

    def clean(self, data: Any, initial: Any = None) -> Any:
        value = super().clean(data, initial)
        if not isinstance(value, UploadedFile):
            return value  # unchanged, or cleared
        prepared = check_upload(
            value,
            accepts=self.accepts,
            wrong_type=_wrong_type_message(self.accepts),
            thumbnail=False,
        )
        stem = posixpath.splitext(prepared.original_name)[0][:100] or "file"
        prepared.content.name = f"{stem}.{prepared.extension}"
        return prepared.content


class CheckedFileField(models.FileField):
    """A ``FileField`` that takes only files passing the upload policy, in any form.

    ``accepts``: ``IMAGE`` and/or ``PDF``. Files stored by code (the services) are checked by
    that code with ``check_upload``; this field guards every form built from the model.
    """

    def __init__(self, *args: Any, accepts: Iterable[str] = (IMAGE, PDF), **kwargs: Any) -> None:
        self.accepts = tuple(sorted(accepts))
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[str, str, list[Any], dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()
        kwargs["accepts"] = self.accepts
        return name, path, args, kwargs

    def formfield(self, **kwargs: Any) -> forms.Field:
        return super().formfield(
            **{"form_class": CheckedUploadField, "accepts": self.accepts, **kwargs}
        )
