"""What WeasyPrint may read while printing a record (``portal.records``: 一事一档) or a sign-in
sheet (``portal.signin``): the records' stylesheet and the stored pictures a document names —
``RecordFetcher`` refuses every other URL, so a link typed into a summary, a name or a unit
cannot make the server fetch anything.
"""

from __future__ import annotations

from urllib.parse import quote, unquote, urljoin

from django.contrib.staticfiles import finders
from django.core.files.storage import default_storage
from PIL import ImageFile
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
