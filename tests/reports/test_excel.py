"""The Excel report, read back with openpyxl: a summary sheet and one sheet of raw rows per topic,
with the hand-computed Q2 2024 figures of the ``dash`` committee
(``tests/dashboards/conftest.py``) as numbers, and text that never turns into a formula."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import translation
from openpyxl import load_workbook

from portal.reports.content import report_content
from portal.reports.excel import render_xlsx
from tests.dashboards.conftest import Q2_2024

SHEETS = [
    "Summary",
    "Activities",
    "Coverage",
    "Partner engagement",
    "Honours",
    "Participation by branch",
]


@pytest.fixture
def content(dash):
    return report_content(dash.cast.committee_a, Q2_2024)


def render(content, language: str = "en"):
    with translation.override(language):
        return load_workbook(io.BytesIO(render_xlsx(content)))


def rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


def records(sheet) -> list[dict[str, object]]:
    """A raw sheet's rows as header -> value."""
    header, *values = rows(sheet)
    return [dict(zip(header, row, strict=True)) for row in values]


def block(sheet, title: str) -> dict[str, list[object]]:
    """A block of the summary: the rows under ``title``'s header row, by their first cell, up
    to the next blank row."""
    lines = rows(sheet)
    start = next(i for i, line in enumerate(lines) if line[0] == title) + 2
    found = {}
    for line in lines[start:]:
        if line[0] is None:
            break
        found[line[0]] = list(line[1:])
    return found


def coded(item) -> str:
    return f"{item.code} {item.title}"


def test_a_summary_sheet_then_one_sheet_per_topic(content):
    workbook = render(content)

    assert workbook.sheetnames == SHEETS
    assert rows(workbook["Summary"])[0][0] == "投资公司党委 Progress report: 2024年第2季度"


def test_the_summary_has_the_headline_and_the_totals_of_the_page(content):
    summary = render(content)["Summary"]

    headline = block(summary, "Headline figures")
    # this period, previous period, a year earlier
    assert headline["Approved joint activities"][:3] == [4, 1, 1]
    assert headline["Volunteers"][:3] == [15, 0, 0]
    assert headline["People served"][:3] == [100, 0, 0]
    assert headline["Partner organisations engaged"][:3] == [2, 0, 0]
    assert headline["New partnerships"][:3] == [1, 0, 0]
    assert headline["Honours received"][:3] == [1, 0, 0]
    assert headline["Member participation rate"][:3] == pytest.approx([4 / 6, 1 / 6, 1 / 6])
    assert headline["Waiting for review"][0] == 1
    assert headline["Waiting over 7 days"][0] == 1
    totals = block(summary, "Totals of the approved activities")
    assert {label: values[0] for label, values in totals.items()} == {
        "Approved activities": 4,
        "Attendances of members": 5,
        "Volunteers": 15,
        "People served": 100,
        "External participants": 0,
        "Coverage gaps (branch × measure)": 9,
    }


def test_the_summary_has_activities_by_measure_goal_and_branch(dash, content):
    summary = render(content)["Summary"]
    m1, m2 = dash.measures[:2]
    g1, g2, g3 = dash.goals

    measures = block(summary, "Activities by measure")
    assert list(measures) == [coded(m) for m in dash.measures]
    # this period, previous, a year earlier, volunteers, people served, external participants
    assert measures[coded(m1)][:6] == [2, 1, 0, 15, 100, 0]
    assert measures[coded(m2)][:6] == [2, 0, 1, 0, 0, 0]
    goals = block(summary, "Activities by goal")
    assert {label: values[:3] for label, values in goals.items()} == {
        coded(g1): [2, 0, 1],
        coded(g2): [2, 0, 0],
        coded(g3): [0, 0, 0],
    }
    branches = block(summary, "Branches: activities and participation")
    # activities (co-organised included) ×3, members, attended, participation
    assert branches["杭州项目公司党支部"][:6] == [3, 0, 1, 3, 2, pytest.approx(2 / 3)]
    assert branches["宿迁项目公司党支部"][:6] == [2, 1, 0, 3, 2, pytest.approx(2 / 3)]
    assert branches["Whole committee"][:6] == [None, None, None, 6, 4, pytest.approx(4 / 6)]


def test_the_activities_sheet_has_one_row_per_approved_activity_adding_up_to_the_totals(
    dash, content
):
    activities = records(render(content)["Activities"])

    names = ("early", "mover", "may", "late")
    assert [a["Activity"] for a in activities] == [dash.activities[n].title for n in names]
    assert [a["Date"] for a in activities] == [
        dt.datetime(2024, 4, 1),  # local start date: 07:00 in Shanghai, still 31 March in UTC
        dt.datetime(2024, 4, 20),
        dt.datetime(2024, 5, 10),
        dt.datetime(2024, 6, 30),
    ]
    late = activities[3]
    assert (late["Organiser"], late["Co-organisers"]) == (
        "宿迁项目公司党支部",
        "杭州项目公司党支部",
    )
    assert activities[2]["Goals"] == "G1, G2"
    assert sum(a["Members attended"] for a in activities) == 5
    assert sum(a["Volunteers"] for a in activities) == 15
    assert sum(a["People served"] for a in activities) == 100


def test_the_coverage_sheet_has_a_row_per_branch_with_its_gaps(dash, content):
    coverage = records(render(content)["Coverage"])
    m1 = coded(dash.measures[0])
    m2 = coded(dash.measures[1])

    assert [(row["Branch"], row[m1], row[m2]) for row in coverage] == [
        ("杭州项目公司党支部", 2, 1),
        ("宿迁项目公司党支部", 0, 2),
    ]
    assert coverage[1]["Not covered"] == "M1, M3, M4, M5, M6"


def test_partners_honours_and_participation_sheets(content):
    workbook = render(content)

    partners = records(workbook["Partner engagement"])
    assert [
        (p["Partner organisation"], p["Joint activities this period"], p["Quiet"]) for p in partners
    ] == [("共建单位P1", 2, "No"), ("共建单位P2", 1, "No"), ("共建单位P3", 0, "Yes")]
    assert partners[1]["Agreement ends"] == dt.datetime(2024, 7, 30)
    honours = records(workbook["Honours"])
    assert len(honours) == 1  # 1 June 2024; not the honour of December 2023
    assert honours[0]["Awarded on"] == dt.datetime(2024, 6, 1)
    participation = records(workbook["Participation by branch"])
    assert [(p["Branch"], p["Members"], p["Members attended"]) for p in participation] == [
        ("杭州项目公司党支部", 3, 2),
        ("宿迁项目公司党支部", 3, 2),
    ]
    assert participation[1]["Participation, previous period"] == pytest.approx(1 / 3)
    assert workbook["Participation by branch"]["G2"].number_format == "0.0%"


def test_text_that_looks_like_a_formula_stays_text(content):
    content["activities"][0]["title"] = '=HYPERLINK("http://example.com","点我")'

    sheet = render(content)["Activities"]

    assert sheet["B2"].value == '=HYPERLINK("http://example.com","点我")'
    assert sheet["B2"].data_type == "s"


def test_labels_are_chinese_under_the_report_language(content):
    workbook = render(content, "zh-hans")
    assert workbook.sheetnames[:2] == ["汇总", "活动"]
    summary = rows(workbook["汇总"])

    assert {"各举措活动数", "各目标活动数"} <= {line[0] for line in summary}
    header = rows(workbook["活动"])[0]
    assert (header[0], header[2]) == ("日期", "组织方")
