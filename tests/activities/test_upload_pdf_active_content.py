"""PDF files with active content are refused in every field that takes PDFs: scripts, actions
that start programs or open other files, embedded files, rich media — also when the names are
escaped or the dictionaries sit in a compressed object stream. Ordinary PDFs (a page to open
at, links, the portal's own printed reports) are taken."""

from __future__ import annotations

import io
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from pypdf import PdfWriter
from pypdf.actions import JavaScript

from activities.models import AttachmentKind
from activities.uploads import prepare_upload


def _pdf(catalog_extra: bytes = b"", body: bytes = b"") -> bytes:
    """A one-page PDF as a writer lays it out, with ``catalog_extra`` in its catalog."""
    return (
        b"%PDF-1.7\n"
        b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
        b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\n"
        + body
        + b"xref\n0 4\ntrailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n9\n%%EOF\n"
    )


def _object_stream(objects: bytes, *, filter_name: bytes = b"/FlateDecode") -> bytes:
    """Object 4: a compressed object stream holding ``objects`` (object 5 at offset 0)."""
    data = b"5 0 " + objects
    encoded = zlib.compress(data) if filter_name == b"/FlateDecode" else data.hex().encode()
    return (
        b"4 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter "
        + filter_name
        + b" /Length "
        + str(len(encoded)).encode()
        + b" >>\nstream\n"
        + encoded
        + b"\nendstream\nendobj\n"
    )


def _pypdf_with(change) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    change(writer)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


ACTIVE = {
    "open-action-javascript": _pdf(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"),
    "escaped-name": _pdf(b"/OpenAction << /S /J#61vaScript /JS (app.alert(1)) >>"),
    "document-script-by-pypdf": _pypdf_with(lambda w: w.add_open_action(JavaScript("print()"))),
    "page-action-launch": _pdf(b"/AA << /O << /S /Launch /F (cmd.exe) >> >>"),
    "remote-goto-unc": _pdf(b"/OpenAction << /S /GoToR /F (\\\\\\\\host\\\\share\\\\a.pdf) >>"),
    "embedded-file-by-pypdf": _pypdf_with(lambda w: w.add_attachment("run.exe", b"MZ\x90\x00")),
    "rich-media": _pdf(body=b"6 0 obj\n<< /Type /Annot /Subtype /RichMedia >>\nendobj\n"),
    "xfa-form": _pdf(b"/AcroForm << /Fields [] /XFA 7 0 R >>"),
    "script-in-object-stream": _pdf(
        b"/OpenAction 5 0 R", _object_stream(b"<< /S /JavaScript /JS (app.alert(1)) >>")
    ),
    "object-stream-it-cannot-read": _pdf(
        b"/OpenAction 5 0 R",
        _object_stream(b"<< /S /GoTo /D [3 0 R /Fit] >>", filter_name=b"/ASCIIHexDecode"),
    ),
    # Every letter escaped: longer written than any name, still /JavaScript to a reader.
    "fully-escaped-name": _pdf(
        b"/OpenAction << /S /J#61#76#61#53#63#72#69#70#74 /JS (app.alert(1)) >>"
    ),
    # Hex-encoded data that happens to start like a plain object stream ("3 5 …").
    "hex-object-stream-starting-with-digits": _pdf(
        b"/OpenAction 5 0 R",
        b"4 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /ASCIIHexDecode >>\nstream\n"
        b"3 5 2 0 "
        + b"<< /S /JavaScript /JS (app.alert(1)) >>".hex().encode()
        + b"\nendstream\nendobj\n",
    ),
}

HARMLESS = {
    "open-at-page-one": _pdf(b"/OpenAction [3 0 R /Fit]"),
    "link-to-a-website": _pdf(
        body=b"6 0 obj\n<< /Type /Annot /Subtype /Link /A << /S /URI /URI (https://e.x/) >> >>"
        b"\nendobj\n"
    ),
    "object-stream-without-script": _pdf(
        b"/OpenAction 5 0 R", _object_stream(b"<< /S /GoTo /D [3 0 R /Fit] >>")
    ),
    "blank-page-by-pypdf": _pypdf_with(lambda w: None),
}


@pytest.fixture(autouse=True)
def _in_english():
    """Messages are asserted in English (their Chinese is checked by the translation tests)."""
    with translation.override("en"):
        yield


def _upload(data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("协议.pdf", data, content_type="application/pdf")


@pytest.mark.parametrize("data", ACTIVE.values(), ids=ACTIVE.keys())
@pytest.mark.parametrize("kind", [AttachmentKind.SIGN_IN_SHEET, AttachmentKind.DOCUMENT])
def test_a_pdf_with_active_content_is_refused_with_a_message(data, kind):
    with pytest.raises(ValidationError) as error:
        prepare_upload(_upload(data), kind)
    assert error.value.code == "active_content"
    assert "“协议.pdf” contains scripts, embedded files or actions" in " ".join(
        error.value.messages
    )


@pytest.mark.parametrize("data", HARMLESS.values(), ids=HARMLESS.keys())
def test_an_ordinary_pdf_is_taken_unchanged(data):
    prepared = prepare_upload(_upload(data), AttachmentKind.DOCUMENT)
    assert prepared.content.read() == data


def test_the_portals_own_printed_pdf_is_taken():
    """WeasyPrint (the portal's reports) writes compressed object streams and links."""
    import weasyprint

    data = weasyprint.HTML(
        string="<h1>党建联建</h1><p><a href='https://e.x/'>链接</a></p>"
    ).write_pdf()
    assert b"/ObjStm" in data
    prepare_upload(_upload(data), AttachmentKind.DOCUMENT)


def test_a_file_of_object_stream_names_is_judged_at_once_not_read_again_per_name():
    """Thousands of ``/ObjStm`` names before one stream: each used to search the rest of the
    file again (a 312 KB file held a worker for 101 s). Refused, in well under a second."""
    import time

    from portal.core.uploads import pdf_active_content

    crafted = _pdf(body=b"/ObjStm " * 40_000 + b"\nstream\n1 0 \nendstream\n")
    started = time.process_time()  # the work's own time: a busy machine's waits are not it
    assert pdf_active_content(crafted)
    assert time.process_time() - started < 1.0
