"""One activity's record 一事一档 as a PDF: ``templates/records/activity_pdf.html`` printed by
WeasyPrint on A4 in Noto CJK, as the progress reports are (``portal.reports.pdf``).

WeasyPrint reads nothing on its own: ``RecordFetcher`` answers the record's stylesheet and the
stored pictures the record names (files the upload policy accepted), and refuses every other
URL — a link typed into a summary or a file name cannot make the server fetch anything.
"""

from __future__ import annotations

from urllib.parse import quote, unquote, urljoin

from django.contrib.staticfiles import finders
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from PIL import ImageFile
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

# As portal.reports.pdf: importing WeasyPrint loosens Pillow's truncated-image check for the
# whole process; the upload checks of this process need it strict.
ImageFile.LOAD_TRUNCATED_IMAGES = False

BASE_URL = "https://record.invalid/"
STYLESHEET = "css/record.css"
PICTURE_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
}


def picture_url(name: str) -> str:
    """Where the document refers to the stored picture ``name``."""
    return urljoin(BASE_URL, "stored/" + quote(name))


def stylesheet_url() -> str:
    return urljoin(BASE_URL, f"static/{STYLESHEET}")


class RecordFetcher(URLFetcher):
    """Serves the stylesheet and the record's pictures; raises for anything else (WeasyPrint
    then leaves the resource out)."""

    def __init__(self, pictures: list[str]) -> None:
        super().__init__(allowed_protocols=["https"], allow_redirects=False)
        self.pictures = {unquote(picture_url(name)): name for name in pictures if name}

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        if url == stylesheet_url():
            path = finders.find(STYLESHEET)
            if not path:
                raise FileNotFoundError(STYLESHEET)
            with open(path, "rb") as stylesheet:
                body = stylesheet.read()
            return URLFetcherResponse(url, body, {"Content-Type": "text/css; charset=utf-8"})
        name = self.pictures.get(unquote(url))
        if name is None:
            raise ValueError(f"The record refers to a resource it may not load: {url}")
        with default_storage.open(name, "rb") as picture:
            body = picture.read()
        extension = name.rsplit(".", 1)[-1].lower()
        return URLFetcherResponse(
            url, body, {"Content-Type": PICTURE_TYPES.get(extension, "application/octet-stream")}
        )


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
