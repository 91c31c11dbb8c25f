"""One activity's record 一事一档 as PDF and Word: its facts, photos, sign-in sheets, timeline
and the reviewer's opinion; for whoever may read the activity, 404 for anyone else."""

from __future__ import annotations

import datetime as dt
import io
from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document
from pypdf import PdfReader

from activities.models import Activity
from branches.models import AuditAction, AuditEntry
from portal.records.pdf import RecordFetcher, picture_url, render_record_html
from tests.records.conftest import PDF, PHOTO, SHANGHAI, SIGN_IN, jpeg, logged_activity


@pytest.fixture
def activity(cast):
    starts = dt.datetime(2026, 11, 5, 9, 0, tzinfo=SHANGHAI)
    return logged_activity(
        cast,
        branch=cast.branch_a1,
        title="安全生产联学",
        starts_at=starts,
        files=[
            ("会场.jpg", jpeg(), PHOTO),
            ("合影.jpg", jpeg((20, 90, 160)), PHOTO),
            ("签到表.jpg", jpeg((240, 240, 240), (600, 800)), SIGN_IN),
            ("签到表-纸质.pdf", PDF, SIGN_IN),
        ],
    )


def record_url(activity, fmt):
    return reverse("records:activity", args=[activity.pk, fmt])


def _image_count(reader: PdfReader) -> int:
    images = set()
    for page in reader.pages:
        objects = page["/Resources"].get_object().get("/XObject", {})
        for ref in objects.values():
            if ref.get_object()["/Subtype"] == "/Image":
                images.add(ref.idnum)
    return len(images)


def test_the_owner_downloads_the_pdf_record_with_its_pictures_timeline_and_opinion(cast, activity):
    response = cast.client_for(cast.secretary_a1).get(record_url(activity, "pdf"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    name = "一事一档-2026-11-05 安全生产联学.pdf"
    assert f"filename*=UTF-8''{quote(name)}" in response["Content-Disposition"]
    assert f'filename="activity-record-{activity.pk}.pdf"' in response["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.content))
    # The heading is letter-spaced: words are compared without the spaces.
    text = "".join(page.extract_text() for page in reader.pages).replace(" ", "")
    for expected in (
        "一事一档",
        "安全生产联学",
        "杭州项目公司党支部",
        "与社区党委联合开展安全生产主题学习",
        "签到表-纸质.pdf",  # a PDF sign-in sheet is listed
        "材料齐全，同意。",  # the reviewer's opinion
        "审核通过",  # the timeline's step
    ):
        assert expected in text, expected
    assert _image_count(reader) == 3  # two photo thumbnails and the image sign-in sheet
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT, detail="pdf").count() == 1


def test_committee_staff_download_the_word_record_with_its_pictures(cast, activity):
    response = cast.client_for(cast.staff_a).get(record_url(activity, "docx"))

    assert response.status_code == 200
    document = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert "安全生产联学" in text
    assert "材料齐全，同意。" in text
    assert "签到表-纸质.pdf" in text
    assert "杭州春南安置房项目部" in cells
    assert len(document.inline_shapes) == 3


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_the_secretary_of_another_branch_and_another_committee_get_404(cast, activity, fmt):
    assert cast.client_for(cast.secretary_a2).get(record_url(activity, fmt)).status_code == 404
    assert cast.client_for(cast.admin_b).get(record_url(activity, fmt)).status_code == 404
    assert not AuditEntry.objects.filter(action=AuditAction.EXPORT).exists()


def test_anonymous_visitor_is_sent_to_the_login_page(cast, activity):
    response = cast.client_for(None).get(record_url(activity, "pdf"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_an_unknown_format_is_not_found(cast, activity):
    assert cast.client_for(cast.secretary_a1).get(record_url(activity, "html")).status_code == 404


def test_the_activity_page_links_to_both_records(cast, activity):
    page = cast.client_for(cast.secretary_a1).get(reverse("activities:detail", args=[activity.pk]))

    html = page.content.decode()
    assert record_url(activity, "pdf") in html
    assert record_url(activity, "docx") in html
    assert "一事一档" in html


def test_a_record_fetches_nothing_but_its_own_stylesheet_and_pictures(cast, activity):
    Activity.objects.filter(pk=activity.pk).update(
        summary='<img src="https://evil.example/x.png"> <link href="file:///etc/passwd">'
    )
    from portal.records.content import record_content
    from portal.records.selectors import activity_for_record

    content = record_content(activity_for_record(cast.staff_a, activity.pk))
    html = render_record_html(content)
    fetcher = RecordFetcher([content["photos"][0]["thumbnail"]])

    assert "evil.example" not in html.replace("&lt;img src=&quot;https://evil.example", "")
    assert fetcher.fetch(picture_url(content["photos"][0]["thumbnail"])).read()
    for url in (
        "https://evil.example/x.png",
        "file:///etc/passwd",
        picture_url(content["photos"][1]["thumbnail"]),  # stored, but not handed over
        picture_url("activities/../../secret.jpg"),
    ):
        with pytest.raises(ValueError, match="may not load"):
            fetcher.fetch(url)


def test_a_record_of_an_activity_not_yet_reviewed_says_so(cast):
    draft = logged_activity(
        cast,
        branch=cast.branch_a1,
        title="未审核的活动",
        starts_at=timezone.now() - dt.timedelta(days=1),
        approved=False,
    )

    response = cast.client_for(cast.secretary_a1).get(record_url(draft, "docx"))

    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "尚未审核" in text
    assert "暂无照片" in text
