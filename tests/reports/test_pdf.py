"""The PDF form of the report: the dashboards' hand-computed committee (Q2 2024, see
``tests/dashboards/conftest.py``) printed, then read back with pypdf."""

from __future__ import annotations

import copy
import datetime as dt
import io
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext, ngettext, override
from PIL import Image
from pypdf import PdfReader

from activities.models import Activity, Attachment, AttachmentKind
from portal.reports.content import HEADLINE_LABELS, report_content
from portal.reports.pdf import BASE_URL, STYLESHEET, ReportFetcher, photo_url, render_pdf
from portal.templatetags.report_tags import page_footer_css
from tests.conftest import rows_for_the_scope
from tests.dashboards.conftest import COMMITTEE_B_VOLUNTEERS, Q2_2024, SHANGHAI

#: One process runs the module: the rendered report (module_report) is made once, on one process.
pytestmark = pytest.mark.xdist_group("report-pdf")

GENERATED = dt.datetime(2024, 7, 10, 9, 0, tzinfo=SHANGHAI)


def _render(content: dict) -> PdfReader:
    with override("zh-hans"):
        return PdfReader(io.BytesIO(render_pdf(content)))


def _text(reader: PdfReader) -> str:
    """The document's text without the line breaks and spaces of its layout (a Chinese phrase
    may wrap anywhere)."""
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


#: Titles that cannot be mistaken for each other in the extracted text.
TITLES = {
    "early": "四月一日清晨宣讲",
    "may": "五月联学",
    "late": "六月末夜间巡查",
    "mover": "调出前最后一次活动",
    "draft": "草稿不应出现",
    "back": "退回不应出现",
    "queue": "待审不应出现",
}


def _give_titles(dash) -> dict[str, str]:
    for key, title in TITLES.items():
        Activity.objects.filter(pk=dash.activities[key].pk).update(title=title)
    return dict(TITLES)


@pytest.fixture
def titled(dash):
    return _give_titles(dash)


@pytest.fixture(scope="module")
def module_report(module_dash, django_db_blocker):
    """The report of the titled committee, rendered once for the module (WeasyPrint lays out
    and subsets the CJK font for seconds): the tests below only read it."""
    with rows_for_the_scope(django_db_blocker):
        _give_titles(module_dash)
        with timezone.override(SHANGHAI):
            content = report_content(module_dash.cast.committee_a, Q2_2024, now=GENERATED)
        yield content, _render(content)


@pytest.fixture
def report(module_report, titled):
    """The content (a copy: a test may change it) and the rendered PDF."""
    content, reader = module_report
    return copy.deepcopy(content), reader


def test_pdf_has_the_chinese_headings_of_the_report(report):
    _content, reader = report
    text = _text(reader)
    for heading in (
        "各举措活动数",
        "各目标活动数",
        "各支部：活动与参与",
        "共建单位联系情况",
        "荣誉",
    ):
        assert heading in text
    # Numbered as a Chinese report is (一、二、三…), in the contents and before each section.
    assert "二、各举措活动数" in text
    assert "四、各支部：活动与参与" in text
    with override("zh-hans"):
        for msgid in ("Headline figures", "Highlights", "All approved activities", "Contents"):
            assert _flat(gettext(msgid)) in text


def test_pdf_cover_names_the_committee_the_period_and_the_generation_date(report):
    _content, reader = report
    cover = _flat(reader.pages[0].extract_text())
    assert "投资公司党委" in cover
    assert "2024年第2季度" in cover
    assert "2024年4月1日" in cover
    assert "2024年6月30日" in cover
    assert "2024年7月10日" in cover  # generated


def test_pdf_shows_the_hand_computed_headline_and_totals(report):
    content, reader = report
    text = _text(reader)
    with override("zh-hans"):
        approved = _flat(str(HEADLINE_LABELS["approved"]))
        volunteers = _flat(str(HEADLINE_LABELS["volunteers"]))
    # 4 approved activities in Q2 2024 against 1 in Q1 and 1 in Q2 2023: +3 (+300%) both ways.
    assert f"{approved}41+3(+300%)1+3(+300%)" in text
    # 15 volunteers, none before: a change from zero has no percentage.
    assert f"{volunteers}150+150+15" in text
    # Participation 4 of 6 members: 66.7%, 16.7% a quarter earlier, +50 percentage points.
    assert "66.7%16.7%+50个百分点16.7%+50个百分点" in text
    # The list's total row: 4 activities, 5 attendances, 15 volunteers, 100 people served, 0.
    with override("zh-hans"):
        total = ngettext("Total: %(total)s activity", "Total: %(total)s activities", 4) % {
            "total": 4
        }
    assert _flat(total) + "5151000" in text
    assert content["totals"] == {
        "activities": 4,
        "attendances": 5,
        "volunteers": 15,
        "beneficiaries": 100,
        "external_participants": 0,
    }


def test_pdf_lists_the_approved_activities_only(report, titled):
    _content, reader = report
    text = _text(reader)
    for key in ("early", "may", "late", "mover"):
        assert titled[key] in text
    for key in ("draft", "back", "queue"):
        assert titled[key] not in text
    # Committee B's volunteers, with or without thousands separators.
    assert str(COMMITTEE_B_VOLUNTEERS) not in text.replace(",", "").replace(" ", "")


def test_pdf_marks_the_coverage_gaps_by_branch(report):
    _content, reader = report
    text = _text(reader)
    with override("zh-hans"):
        gap = _flat(gettext("Gap"))
    # A1 organised early and may (M1) and co-organised late (M2); A2 late and mover (M2).
    assert f"杭州项目公司党支部21{gap * 4}M3、M4、M5、M6" in text
    assert f"宿迁项目公司党支部{gap}2{gap * 4}M1、M3、M4、M5、M6" in text


def test_pdf_numbers_its_pages_in_the_footer(report):
    _content, reader = report
    pages = len(reader.pages)
    assert pages >= 3  # cover, contents, the report
    with override("zh-hans"):
        footer = gettext("Page %(page)s of %(pages)s")
    last = _flat(reader.pages[-1].extract_text())
    assert _flat(footer % {"page": pages, "pages": pages}) in last
    # The cover has no page number.
    assert _flat(footer % {"page": 1, "pages": pages}) not in _flat(reader.pages[0].extract_text())


def test_pdf_is_a4_with_the_activity_list_in_landscape(report, titled):
    _content, reader = report
    sizes = [
        (round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages
    ]
    assert sizes[0] == (595, 842)  # A4 portrait, in points
    assert set(sizes) == {(595, 842), (842, 595)}
    for page, size in zip(reader.pages, sizes, strict=True):
        if titled["early"] in _flat(page.extract_text()):
            assert size == (842, 595)


def _font_names(reader: PdfReader) -> set[str]:
    """The base font names of fonts whose program is embedded (a /FontFile* in the
    descriptor), over every page, descendant fonts included."""
    embedded = set()
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            for descendant in [font, *font.get("/DescendantFonts", [])]:
                descendant = descendant.get_object()
                descriptor = descendant.get("/FontDescriptor")
                if descriptor is None:
                    continue
                descriptor = descriptor.get_object()
                if any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                    embedded.add(str(descendant["/BaseFont"]))
    return embedded


def test_pdf_embeds_a_noto_cjk_font(report):
    _content, reader = report
    names = _font_names(reader)  # e.g. "/ABCDEF+Noto-Serif-CJK-SC" (a subset)
    squeezed = {name.replace("-", "").replace(" ", "") for name in names}
    assert any("NotoSansCJK" in name or "NotoSerifCJK" in name for name in squeezed), names


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (179, 22, 28)).save(buffer, "JPEG")
    return buffer.getvalue()


def _image_count(reader: PdfReader) -> int:
    """Distinct images in the document (pages may share one resource dictionary)."""
    images = set()
    for page in reader.pages:
        objects = page["/Resources"].get_object().get("/XObject", {})
        for ref in objects.values():
            if ref.get_object()["/Subtype"] == "/Image":
                images.add(ref.idnum)
    return len(images)


def test_pdf_shows_a_highlight_with_its_photo_from_storage(dash, titled, media):
    activity = dash.activities["early"]
    Activity.objects.filter(pk=activity.pk).update(outcome="服务群众100人次，反响良好。")
    name = default_storage.save(f"activities/{activity.pk}/清晨.jpg", ContentFile(_jpeg()))
    Attachment.objects.create(activity=activity, file=name, kind=AttachmentKind.PHOTO)
    with timezone.override(SHANGHAI):
        content = report_content(dash.cast.committee_a, Q2_2024, now=GENERATED)
    assert content["highlights"][0]["photo"] == name

    reader = _render(content)

    assert "服务群众100人次，反响良好。" in _text(reader)
    assert _image_count(reader) == 1


def test_pdf_leaves_out_a_photo_that_is_missing_from_storage(report, media):
    content, _reader = report
    content["highlights"] = [
        {
            "id": 1,
            "title": "照片已删除的亮点",
            "date": "2024-05-10",
            "organiser": "杭州项目公司党支部",
            "measure": "M1 举措",
            "outcome": "成效仍然写出。",
            "photo": "activities/1/gone.jpg",
        }
    ]
    reader = _render(content)
    assert "成效仍然写出。" in _text(reader)
    assert _image_count(reader) == 0


def test_fetcher_serves_only_the_stylesheet_and_the_reports_photos(media):
    name = default_storage.save("activities/7/photo.jpg", ContentFile(_jpeg()))
    other = default_storage.save("activities/8/private.jpg", ContentFile(_jpeg()))
    fetcher = ReportFetcher([name])

    stylesheet = fetcher.fetch(f"{BASE_URL}static/{STYLESHEET}")
    assert b".report-section" in stylesheet.read()
    photo = fetcher.fetch(photo_url(name))
    assert photo.read() == default_storage.open(name).read()
    assert photo.content_type == "image/jpeg"

    for url in (
        photo_url(other),  # stored, but not one of this report's photos
        f"{BASE_URL}static/css/portal.css",
        "https://example.com/logo.png",
        "http://127.0.0.1:8000/admin/",
        f"file://{media}/{name}",
        "file:///etc/passwd",
        "data:text/plain,hi",
    ):
        with pytest.raises(ValueError, match="may not load"):
            fetcher.fetch(url)


def test_page_footer_css_cuts_the_sentence_around_the_page_counters():
    with override("en"):
        assert page_footer_css() == '"Page " counter(page) " of " counter(pages)'


def test_a_long_list_of_activities_is_printed_two_lines_each_with_its_totals(dash):
    """Over PDF_TABLE_MAX_ROWS activities (a big committee's year) the PDF lists each one as a
    short entry instead of a table row, with every activity and the same totals."""
    from portal.reports.pdf import PDF_TABLE_MAX_ROWS, render_pdf_html

    content = report_content(dash.cast.committee_a, Q2_2024)
    count = PDF_TABLE_MAX_ROWS + 1
    first = content["activities"][0]
    many = dict(content)
    many["activities"] = [{**first, "id": i, "title": f"第{i}号活动"} for i in range(count)]
    with override("zh-hans"):
        html = render_pdf_html(many)
    assert html.count('class="report-entry"') == count
    assert "report-table report-activities" not in html  # no table
    assert "第0号活动" in html
    assert f"第{count - 1}号活动" in html
    with override("zh-hans"):
        short = render_pdf_html(content)
    assert 'class="report-entry"' not in short
