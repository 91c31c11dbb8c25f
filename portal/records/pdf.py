"""One activity's record 一事一档 as a PDF: ``templates/records/activity_pdf.html`` printed by
WeasyPrint on A4 in Noto CJK, as the progress reports are (``portal.reports.pdf``).

WeasyPrint reads nothing on its own: ``RecordFetcher`` answers the record's stylesheet and the
stored pictures the record names (files the upload policy accepted), and refuses every other
URL — a link typed into a summary or a file name cannot make the server fetch anything.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from PIL import ImageFile
from weasyprint import HTML

# The fetcher lives in portal.core: the sign-in sheets (portal.signin) print with it too.
from portal.core.pdf_fetcher import (  # noqa: F401  (tests import them from here)
    BASE_URL,
    PICTURE_TYPES,
    RecordFetcher,
    picture_url,
    stylesheet_url,
)

# As portal.reports.pdf: importing WeasyPrint loosens Pillow's truncated-image check for the
# whole process; the upload checks of this process need it strict.
ImageFile.LOAD_TRUNCATED_IMAGES = False


def record_pictures(content: dict) -> list[str]:
    """The stored pictures the record embeds: photo thumbnails, sign-in sheets whole."""
    names = [photo["thumbnail"] for photo in content["photos"]]
    names += [sheet["picture"] for sheet in content["sign_in_sheets"]]
    return [name for name in names if name]


def render_record_html(content: dict) -> str:
    """The HTML WeasyPrint prints (in the active language: the caller sets it)."""
    photos = [{**photo, "src": picture_url(photo["thumbnail"])} for photo in content["photos"]]
    sheets = [
        {**sheet, "src": picture_url(sheet["picture"]) if sheet["picture"] else ""}
        for sheet in content["sign_in_sheets"]
    ]
    return render_to_string(
        "records/activity_pdf.html",
        {
            "record": content,
            "photos": photos,
            "sign_in_sheets": sheets,
            "stylesheet_url": stylesheet_url(),
        },
    )


def render_record_pdf(content: dict) -> bytes:
    """The record of ``content`` (``portal.records.content.record_content``) as PDF bytes."""
    html = render_record_html(content)
    fetcher = RecordFetcher(record_pictures(content))
    return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf()
