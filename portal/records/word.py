"""One activity's record 一事一档 as an editable Word document, built as the progress reports'
(``portal.reports.word``): the same styles and fonts (宋体 / 黑体, which LibreOffice shows in
Noto CJK), A4 pages numbered in the footer, tables in Word's own table style. Pictures are the
stored files the upload policy accepted (``portal.core.uploads``); one that is gone or unreadable
is left out rather than failing the document.
"""

from __future__ import annotations

import io

from django.utils import translation
from django.utils.translation import gettext as _
from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm

# The reports' document building blocks: one look for every Word file of the portal.
from portal.reports.word import _a4, _none, _page_numbers, _photo, _styles, _table

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PHOTO_WIDTH = Cm(7.5)
SHEET_WIDTH = Cm(15)


def _facts(document: DocumentObject, record: dict) -> None:
    document.add_heading(_("The activity"), level=1)
    people = _(
        "%(external)s external participants · %(volunteers)s volunteers · "
        "%(beneficiaries)s people served"
    ) % {
        "external": record["external_participants"],
        "volunteers": record["volunteers"],
        "beneficiaries": record["beneficiaries"],
    }
    rows = [
        (_("Organiser"), record["organiser"]),
        (_("Co-organisers"), record["co_branches"] or "—"),
        (_("Time"), f"{record['starts_at']} – {record['ends_at']}"),
        (_("Location"), record["location"] or "—"),
        (_("Measure"), record["measure"]),
        (_("Goals served"), record["goals"] or "—"),
        (_("Kind"), record["kind"]),
        (_("Partner organisations"), record["partners"] or "—"),
        (_("Partnership"), record["partnership"] or "—"),
        (_("Members attending"), record["attendees"] or "—"),
        (_("People"), people),
        (_("Status"), record["status"]),
    ]
    _table(document, [_("Item"), _("Content")], rows, widths=(3.6, 13.0))


def _texts(document: DocumentObject, record: dict) -> None:
    document.add_heading(_("Summary of the activity"), level=1)
    for line in (record["summary"] or "—").splitlines() or ["—"]:
        document.add_paragraph(line)
    if record["outcome"]:
        document.add_heading(_("Outcome"), level=1)
        for line in record["outcome"].splitlines():
            document.add_paragraph(line)


def _picture(document: DocumentObject, name: str, caption: str, width) -> None:
    picture = _photo(name) if name else None
    if picture is not None:
        document.add_picture(picture, width=width)
        document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph = document.add_paragraph(caption)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _evidence(document: DocumentObject, record: dict) -> None:
    document.add_heading(_("Photos"), level=1)
    if not record["photos"]:
        _none(document, _("No photos."))
    for photo in record["photos"]:
        _picture(document, photo["thumbnail"], photo["caption"] or photo["name"], PHOTO_WIDTH)
    document.add_heading(_("Sign-in sheets"), level=1)
    if not record["sign_in_sheets"]:
        _none(document, _("No sign-in sheet."))
    for sheet in record["sign_in_sheets"]:
        if sheet["picture"]:
            _picture(document, sheet["picture"], sheet["caption"] or sheet["name"], SHEET_WIDTH)
        else:
            _none(document, f"{sheet['name']} · {_('PDF file, kept with the record')}")
    if record["documents"]:
        document.add_heading(_("Other documents"), level=1)
        for item in record["documents"]:
            document.add_paragraph(item["name"], style="List Bullet")


def _timeline(document: DocumentObject, record: dict) -> None:
    document.add_heading(_("Timeline"), level=1)
    rows = [(e["at"], e["action"], e["actor"], e["comment"]) for e in record["events"]]
    if not rows:
        _none(document, _("Nothing recorded yet."))
        return
    _table(
        document,
        [_("When"), _("What"), _("By"), _("Remarks")],
        rows,
        widths=(3.4, 3.0, 2.6, 7.6),
    )


def _review(document: DocumentObject, record: dict) -> None:
    document.add_heading(_("Reviewer's opinion"), level=1)
    review = record["review"]
    if review is None:
        _none(document, _("Not reviewed yet."))
        return
    document.add_paragraph(f"{review['decision']} · {review['by']} · {review['at']}")
    document.add_paragraph(review["comment"])


def render_record_docx(record: dict) -> bytes:
    """The record ``record`` (``portal.records.content.record_content``) as a .docx file."""
    document = Document()
    _styles(document)
    section = document.sections[0]
    _a4(section)
    _page_numbers(section)
    properties = document.core_properties
    properties.title = f"{_('Activity record')} {record['title']}"
    properties.author = record["committee"]
    properties.language = translation.get_language() or ""
    document.add_paragraph(_("Activity record"), style="Subtitle")
    document.add_paragraph(record["title"], style="Title")
    document.add_paragraph(record["organiser"])
    for part in (_facts, _texts, _evidence, _timeline, _review):
        part(document, record)
    document.add_paragraph(
        _("Printed from the Joint Party-Building Portal on %(at)s.")
        % {"at": record["generated_at"]}
    )
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
