"""The report as a PDF: ``templates/reports/pdf.html`` (a cover, the contents with page numbers,
and the same sections as the portal page) printed by WeasyPrint on A4 in Noto CJK.

WeasyPrint never touches the network or the disk on its own here: ``ReportFetcher`` answers
exactly the report's stylesheet (from the static files on disk) and the photos its highlights
name (from ``default_storage``), and refuses every other URL, so a name typed into an activity
cannot make a worker fetch anything.
"""

from __future__ import annotations

from urllib.parse import unquote, urljoin

from django.contrib.staticfiles import finders
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext, pgettext
from PIL import ImageFile
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from portal.reports import labels

# Importing WeasyPrint sets Pillow's process-wide LOAD_TRUNCATED_IMAGES, which would let a
# truncated photo through the upload checks of this process (activities.uploads): the report's
# photos are whole (they passed those checks), so the flag goes back to Pillow's default.
ImageFile.LOAD_TRUNCATED_IMAGES = False

#: Where relative URLs of the document resolve. ``.invalid`` cannot resolve on any network, and
#: the fetcher answers only the URLs it was given under it anyway.
BASE_URL = "https://report.invalid/"
STYLESHEET = "css/report.css"
PHOTO_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "gif": "image/gif",
}


class ReportFetcher(URLFetcher):
    """Serves the report's stylesheet and photos; raises for anything else (WeasyPrint then
    leaves the resource out and logs a warning)."""

    def __init__(self, photos: list[str]) -> None:
        super().__init__(allowed_protocols=["https"], allow_redirects=False)
        self.stylesheet_url = urljoin(BASE_URL, f"static/{STYLESHEET}")
        self.photos = {photo_url(name): name for name in photos if name}

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        if url == self.stylesheet_url:
            path = finders.find(STYLESHEET)
            if not path:
                raise FileNotFoundError(STYLESHEET)
            with open(path, "rb") as stylesheet:
                body = stylesheet.read()
            return URLFetcherResponse(url, body, {"Content-Type": "text/css; charset=utf-8"})
        name = self.photos.get(unquote(url))
        if name is None:
            raise ValueError(f"The report refers to a resource it may not load: {url}")
        with default_storage.open(name, "rb") as photo:
            body = photo.read()
        extension = name.rsplit(".", 1)[-1].lower()
        content_type = PHOTO_TYPES.get(extension, "application/octet-stream")
        return URLFetcherResponse(url, body, {"Content-Type": content_type})


def photo_url(name: str) -> str:
    """The absolute URL of a stored photo in the document, as body.html writes it (the
    protected file URL) resolved against ``BASE_URL``, unquoted (names may be Chinese)."""
    return urljoin(BASE_URL, unquote(reverse("protected_file", kwargs={"path": name})))


#: Up to this many approved activities the PDF lists them in a table (a column each); a longer
#: list — a big committee's year, over a thousand — is printed as two lines per activity: a
#: table cell costs WeasyPrint about a millisecond, and nine of them per row made a yearly
#: report's PDF take 16 s of its 20 s budget (docs/performance.md).
PDF_TABLE_MAX_ROWS = 200


def compact_activity_list(activities: list[dict]) -> SafeString:
    """Two lines per activity — date, title and place; organiser, measure and goals,
    partners, head counts and the partners' confirmation — with as few boxes as possible."""
    separator = pgettext("list separator", ", ")
    figures = gettext(
        "%(attendees)s member attendances · %(volunteers)s volunteers · "
        "%(beneficiaries)s people served · %(external)s external participants"
    )
    lines = []
    for a in activities:
        organiser = a["organiser"]
        if a["co_branches"]:
            organiser = gettext("%(organiser)s with %(names)s") % {
                "organiser": organiser,
                "names": separator.join(a["co_branches"]),
            }
        facts = [organiser, " ".join([a["measure"], *a["goals"]])]
        if a["partners"]:
            facts.append(separator.join(a["partners"]))
        facts.append(
            figures
            % {
                "attendees": a["attendees"],
                "volunteers": a["volunteers"],
                "beneficiaries": a["beneficiaries"],
                "external": a["external_participants"],
            }
        )
        confirmation = labels.confirmation_text(a)
        if confirmation:
            facts.append(confirmation)
        place = f"（{a['location']}）" if a["location"] else ""
        lines.append((a["date"], a["title"], place, " · ".join(facts)))
    return format_html_join("", '<p class="report-entry">{}　{}{}<br>{}</p>', lines)


def render_pdf_html(content: dict) -> str:
    """The HTML WeasyPrint prints (in the active language: the caller sets it)."""
    stylesheet_url = urljoin(BASE_URL, f"static/{STYLESHEET}")
    activities = content.get("activities", [])
    compact = compact_activity_list(activities) if len(activities) > PDF_TABLE_MAX_ROWS else None
    return render_to_string(
        "reports/pdf.html",
        {"content": content, "stylesheet_url": stylesheet_url, "compact_activities": compact},
    )


def render_pdf(content: dict) -> bytes:
    """The report of ``content`` (see ``portal.reports.content``) as PDF bytes."""
    photos = [item.get("photo", "") for item in content.get("highlights", [])]
    fetcher = ReportFetcher(photos)
    document = HTML(string=render_pdf_html(content), base_url=BASE_URL, url_fetcher=fetcher)
    return document.write_pdf()
