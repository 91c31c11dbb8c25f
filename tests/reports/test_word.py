"""The Word report, read back with python-docx: its headings, tables and photos carry the
hand-computed Q2 2024 figures of the ``dash`` committee (``tests/dashboards/conftest.py``)."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import translation
from docx import Document
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph
from PIL import Image

from activities.models import Attachment, AttachmentKind
from portal.reports.content import report_content
from portal.reports.word import render_docx
from tests.dashboards.conftest import Q2_2024

SECTIONS = [
    "Headline figures",
    "Activities by measure",
    "Activities by goal",
    "Branches: activities and participation",
    "Branches: confirmation by partners",
    "Coverage of the measures by branch",
    "Partner engagement",
    "Honours",
    "Highlights",
    "All approved activities",
]


@pytest.fixture
def content(dash):
    return report_content(dash.cast.committee_a, Q2_2024)


def render(content, language: str = "en"):
    with translation.override(language):
        return Document(io.BytesIO(render_docx(content)))


def headings(document, level: int) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == f"Heading {level}"]


def section_tables(document) -> dict[str, list[list[list[str]]]]:
    """The tables under each Heading 1, as rows of cell texts."""
    found: dict[str, list[list[list[str]]]] = {}
    current = None
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            paragraph = Paragraph(child, document)
            if paragraph.style.name == "Heading 1":
                current = paragraph.text
                found[current] = []
        elif child.tag == qn("w:tbl") and current is not None:
            table = Table(child, document)
            found[current].append([[cell.text for cell in row.cells] for row in table.rows])
    return found


def by_first_cell(rows: list[list[str]]) -> dict[str, list[str]]:
    return {row[0]: row[1:] for row in rows[1:]}


def test_the_sections_are_word_headings_in_the_order_of_the_report(content):
    document = render(content)

    assert headings(document, 1) == SECTIONS
    assert [p.text for p in document.paragraphs if p.style.name == "Title"] == ["投资公司党委"]


def test_the_headline_has_the_hand_computed_figures_and_their_changes(content):
    rows = by_first_cell(section_tables(render(content))["Headline figures"][0])

    # this period, previous period, 环比, a year earlier, 同比
    assert rows["Approved joint activities"] == ["4", "1", "+3 (+300%)", "1", "+3 (+300%)"]
    assert rows["Volunteers"] == ["15", "0", "+15", "0", "+15"]
    assert rows["People served"] == ["100", "0", "+100", "0", "+100"]
    assert rows["Partner organisations engaged"] == ["2", "0", "+2", "0", "+2"]
    assert rows["New partnerships"] == ["1", "0", "+1", "0", "+1"]
    assert rows["Honours received"] == ["1", "0", "+1", "0", "+1"]
    assert rows["Member participation rate"] == ["66.7%", "16.7%", "+50 pp", "16.7%", "+50 pp"]


def test_the_headline_table_names_the_periods_it_compares(content):
    header = section_tables(render(content))["Headline figures"][0][0]

    assert header[1:] == [
        "This period\n2024年第2季度",
        "Previous period\n2024年第1季度",
        "vs previous period",
        "A year earlier\n2023年第2季度",
        "vs a year earlier",
    ]


def coded(item) -> str:
    return f"{item.code} {item.title}"


def test_activities_by_measure_goal_and_branch(dash, content):
    tables = section_tables(render(content))
    m1, m2 = dash.measures[:2]
    g1, g2, g3 = dash.goals

    measures = by_first_cell(tables["Activities by measure"][0])
    assert list(measures) == [coded(m) for m in dash.measures]
    # this period, previous, a year earlier, volunteers, people served, external participants
    assert measures[coded(m1)] == ["2", "1", "0", "15", "100", "0"]
    assert measures[coded(m2)] == ["2", "0", "1", "0", "0", "0"]
    goals = by_first_cell(tables["Activities by goal"][0])
    assert goals == {coded(g1): ["2", "0", "1"], coded(g2): ["2", "0", "0"], coded(g3): ["0"] * 3}
    branches = by_first_cell(tables["Branches: activities and participation"][0])
    # activities (co-organised included) ×3, members, attended, participation, previous
    assert branches["杭州项目公司党支部"] == ["3", "0", "1", "3", "2", "66.7%", "0.0%"]
    assert branches["宿迁项目公司党支部"] == ["2", "1", "0", "3", "2", "66.7%", "33.3%"]
    assert branches["Whole committee"] == ["", "", "", "6", "4", "66.7%", "16.7%"]


def test_the_coverage_matrix_marks_the_gaps_and_lists_them_by_branch(dash, content):
    document = render(content)
    matrix = section_tables(document)["Coverage of the measures by branch"][0]

    assert matrix[0] == ["Branch", "M1", "M2", "M3", "M4", "M5", "M6"]
    rows = by_first_cell(matrix)
    assert rows["杭州项目公司党支部"] == ["2", "1", "Gap", "Gap", "Gap", "Gap"]
    assert rows["宿迁项目公司党支部"] == ["Gap", "2", "Gap", "Gap", "Gap", "Gap"]
    assert rows["Branches covering it"] == ["1", "2", "0", "0", "0", "0"]
    bullets = [p.text for p in document.paragraphs if p.style.name == "List Bullet"]
    m1, _m2, *rest = dash.measures
    gaps = ", ".join(coded(m) for m in [m1, *rest])
    assert bullets == [
        "杭州项目公司党支部: " + ", ".join(coded(m) for m in rest),
        f"宿迁项目公司党支部: {gaps}",
    ]
    assert any(p.text.startswith("9 gaps: ") for p in document.paragraphs)


def test_partners_and_honours_of_the_period(content):
    tables = section_tables(render(content))

    partners = by_first_cell(tables["Partner engagement"][0])
    # kind, joint activities, confirmed, corrections asked, evaluations, last, agreement, quiet
    nobody_said = ["0", "0", "Satisfied 0 · Fairly satisfied 0 · Not satisfied 0"]
    assert partners["共建单位P1"] == ["社区", "2", *nobody_said, "2024-05-10", "", ""]
    assert partners["共建单位P2"] == ["社区", "1", *nobody_said, "2024-05-10", "2024-07-30", ""]
    assert partners["共建单位P3"] == ["社区", "0", *nobody_said, "never", "", "Yes"]
    honours = tables["Honours"][0]
    assert len(honours) == 2  # the header and the honour of 1 June; not the one of December
    assert honours[1][1:] == ["市级", "杭州市建设局", "2024-06-01", "杭州项目公司党支部"]


def test_all_approved_activities_with_their_totals_on_landscape_pages(dash, content):
    document = render(content)
    rows = section_tables(document)["All approved activities"][0]

    titles = [dash.activities[name].title for name in ("early", "mover", "may", "late")]
    assert [row[1] for row in rows[1:-1]] == titles
    assert [row[0] for row in rows[1:-1]] == [
        "2024-04-01",
        "2024-04-20",
        "2024-05-10",
        "2024-06-30",
    ]
    late = rows[4]
    assert late[2:4] == ["宿迁项目公司党支部", "杭州项目公司党支部"]  # organiser, co-organiser
    # attendances, volunteers, people served, external participants
    assert rows[-1][0] == "Total: 4 activities"
    assert rows[-1][8:] == ["5", "15", "100", "0", ""]  # and no total of the confirmations
    first, last = document.sections[0], document.sections[-1]
    assert (round(first.page_width.mm), round(first.page_height.mm)) == (210, 297)  # A4
    assert (round(last.page_width.mm), round(last.page_height.mm)) == (297, 210)


def test_an_empty_section_says_so(content):
    tables = section_tables(render(content))

    assert tables["Highlights"] == []


def test_labels_are_chinese_under_the_report_language_and_fonts_are_set_for_chinese(content):
    document = render(content, "zh-hans")

    assert headings(document, 1)[1:4] == ["各举措活动数", "各目标活动数", "各支部：活动与参与"]
    for name in ("Normal", "Heading 1", "Heading 2", "Title"):
        fonts = document.styles[name].element.rPr.rFonts
        assert fonts.get(qn("w:eastAsia")) in {"宋体", "黑体"}, name
        assert fonts.get(qn("w:eastAsiaTheme")) is None, name  # would override the name


def _image(format_name: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, format=format_name)
    return buffer.getvalue()


def test_highlights_show_their_stored_photo_and_skip_a_missing_one(dash, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    activities = dash.activities
    for name in ("early", "may", "late"):
        activities[name].outcome = f"{name} 的成效"
        activities[name].save(update_fields=["outcome"])
    photos = {
        "early": ContentFile(_image("WEBP"), name="early.webp"),  # Word cannot show WebP as is
        "may": ContentFile(_image("JPEG"), name="may.jpg"),
    }
    stored = {
        name: Attachment.objects.create(
            activity=activities[name], kind=AttachmentKind.PHOTO, file=photo
        )
        for name, photo in photos.items()
    }
    default_storage.delete(stored["may"].file.name)  # gone from the disk: left out

    document = render(report_content(dash.cast.committee_a, Q2_2024))

    chosen = [activities[name].title for name in ("early", "may", "late")]  # photos first
    assert headings(document, 2) == ["Gaps by branch", *chosen]
    assert len(document.inline_shapes) == 1
    texts = [p.text for p in document.paragraphs]
    assert {"early 的成效", "may 的成效", "late 的成效"} <= set(texts)
