"""The partner units' confirmations in the progress report — its content, the portal page, the
PDF, the Word document and the Excel workbook — against the hand-computed answers of
``tests/dashboards/conftest.py`` (``answered``, Q2 2024)."""

from __future__ import annotations

import copy
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from activities.models import Activity, PartnerCheck
from portal.partners.models import Rating, Verdict
from portal.reports.content import report_content
from portal.reports.excel import render_xlsx
from portal.reports.pdf import render_pdf
from portal.reports.word import render_docx
from tests import factories
from tests.dashboards.conftest import Q2_2024, local, partner_answer
from tests.reports.test_excel import block, records
from tests.reports.test_views import ready_report
from tests.reports.test_word import by_first_cell, section_tables

pytestmark = pytest.mark.django_db

NOBODY = {"partner_check": "", "confirmed_by": None, "confirmed_at": None}


@pytest.fixture
def content(answered):
    return report_content(answered.dash.cast.committee_a, Q2_2024)


def test_the_content_carries_the_committees_and_each_branchs_confirmations(answered, content):
    cast = answered.dash.cast
    three = {
        "partnered": {"current": 3, "previous": 1, "year_ago": 0},
        "confirmed": {"current": 2, "previous": 0, "year_ago": 0},
        "corrected": {"current": 1, "previous": 0, "year_ago": 0},
        "satisfied": {"current": 2, "previous": 0, "year_ago": 0},
        "fair": {"current": 1, "previous": 0, "year_ago": 0},
        "unsatisfied": {"current": 1, "previous": 0, "year_ago": 0},
    }
    assert content["version"] == 2
    assert content["confirmations"] == three
    branches = {b["name"]: b["confirmations"] for b in content["branches"]}
    assert branches[cast.branch_a1.name] == {
        "partnered": 3,
        "confirmed": 2,
        "corrected": 1,
        "satisfied": 2,
        "fair": 1,
        "unsatisfied": 1,
    }
    assert branches[cast.branch_a2.name] == {
        "partnered": 1,
        "confirmed": 1,
        "corrected": 0,
        "satisfied": 1,
        "fair": 0,
        "unsatisfied": 0,
    }


def test_the_content_carries_each_partners_confirmations(content):
    partners = {p["name"]: p for p in content["partners"]}
    said = ("in_period", "confirmed", "corrected", "satisfied", "fair", "unsatisfied")

    assert [partners["共建单位P1"][k] for k in said] == [2, 1, 0, 1, 1, 0]
    assert [partners["共建单位P2"][k] for k in said] == [2, 1, 1, 1, 0, 1]
    assert [partners["共建单位P3"][k] for k in said] == [0, 0, 0, 0, 0, 0]
    assert "共建单位PB" not in partners


def test_each_activity_of_the_list_says_who_confirmed_it_and_when(answered, content):
    acts = answered.dash.activities
    rows = {a["id"]: a for a in content["activities"]}
    confirmation = ("partner_check", "confirmed_by", "confirmed_at")

    def said(name: str) -> dict[str, object]:
        return {key: rows[acts[name].pk][key] for key in confirmation}

    # P1甲 confirmed twice: the later one (local time) is told.
    assert said("early") == {
        "partner_check": "confirmed",
        "confirmed_by": {"contact": "P1甲", "partner": "共建单位P1"},
        "confirmed_at": "2024-04-05 10:00",
    }
    # P1乙's confirmation is overruled by P2甲's correction: nobody is told.
    assert said("may") == {
        "partner_check": "correction",
        "confirmed_by": None,
        "confirmed_at": None,
    }
    assert said("late")["confirmed_by"] == {"contact": "P2甲", "partner": "共建单位P2"}
    assert said("mover") == NOBODY  # no partners


def test_the_content_reads_the_confirmations_without_a_query_per_row(answered):
    committee = answered.dash.cast.committee_a
    with CaptureQueriesContext(connection) as before:
        report_content(committee, Q2_2024)
    for n, activity in enumerate(Activity.objects.filter(committee=committee)):
        contact = factories.ContactFactory(
            partner=activity.partners.first() or answered.dash.partners[0]
        )
        partner_answer(activity, contact, local(2024, 6, 1, 8, n), Verdict.CONFIRMED, Rating.FAIR)
    Activity.objects.filter(committee=committee).update(partner_check=PartnerCheck.CONFIRMED)
    with CaptureQueriesContext(connection) as after:
        content = report_content(committee, Q2_2024)

    assert len(after) == len(before)
    assert sum(1 for a in content["activities"] if a["confirmed_by"]) == 3  # those with partners


# --- The forms -------------------------------------------------------------------------------


def test_the_excel_summary_has_the_confirmed_share_and_the_branches_confirmations(
    answered, content
):
    with translation.override("en"):
        summary = load_workbook(io.BytesIO(render_xlsx(content)))["Summary"]
    cast = answered.dash.cast

    headline = block(summary, "Headline figures")
    assert headline["Confirmed by partners"][:3] == [pytest.approx(2 / 3), 0, None]
    branches = block(summary, "Branches: confirmation by partners")
    # with partners, confirmed, share, corrections asked, satisfied, fairly, not satisfied
    assert branches[cast.branch_a1.name] == [3, 2, pytest.approx(2 / 3), 1, 2, 1, 1]
    assert branches[cast.branch_a2.name] == [1, 1, 1, 0, 1, 0, 0]
    assert branches["Whole committee"] == [3, 2, pytest.approx(2 / 3), 1, 2, 1, 1]


def test_the_excel_sheets_of_activities_and_partners_carry_the_confirmations(answered, content):
    with translation.override("en"):
        workbook = load_workbook(io.BytesIO(render_xlsx(content)))
    acts = answered.dash.activities
    titles = {acts[name].title: name for name in acts}

    activities = {titles[row["Activity"]]: row for row in records(workbook["Activities"])}
    confirmation = ("Partner confirmation", "Confirmed by", "Confirmed at")
    assert [activities["early"][h] for h in confirmation] == [
        "confirmed by the partner",
        "P1甲 (共建单位P1)",
        "2024-04-05 10:00",
    ]
    assert [activities["may"][h] for h in confirmation] == ["correction asked", None, None]
    assert [activities["mover"][h] for h in confirmation] == [None, None, None]
    partners = {row["Partner organisation"]: row for row in records(workbook["Partner engagement"])}
    p2 = partners["共建单位P2"]
    assert [p2["Confirmed"], p2["Corrections asked"]] == [1, 1]
    assert [p2["Satisfied"], p2["Fairly satisfied"], p2["Not satisfied"]] == [1, 0, 1]


def test_the_word_document_has_the_share_the_branches_and_each_activitys_confirmation(
    answered, content
):
    with translation.override("en"):
        document = Document(io.BytesIO(render_docx(content)))
    tables = section_tables(document)
    cast, acts = answered.dash.cast, answered.dash.activities

    headline = by_first_cell(tables["Headline figures"][0])
    # this period, previous, 环比, a year earlier, 同比
    assert headline["Confirmed by partners"] == ["66.7%", "0.0%", "+66.7 pp", "—", "—"]
    branches = by_first_cell(tables["Branches: confirmation by partners"][0])
    assert branches[cast.branch_a1.name] == ["3", "2", "66.7%", "1", "2", "1", "1"]
    assert branches[cast.branch_a2.name] == ["1", "1", "100.0%", "0", "1", "0", "0"]
    partners = by_first_cell(tables["Partner engagement"][0])
    assert partners["共建单位P1"][2:5] == [
        "1",
        "0",
        "Satisfied 1 · Fairly satisfied 1 · Not satisfied 0",
    ]
    activities = {row[1]: row[-1] for row in tables["All approved activities"][0][1:-1]}
    assert activities[acts["early"].title] == (
        "confirmed by the partner: P1甲 (共建单位P1), 2024-04-05 10:00"
    )
    assert activities[acts["may"].title] == "correction asked"
    assert activities[acts["mover"].title] == ""


def test_the_pdf_prints_the_share_and_who_confirmed(answered, content):
    with translation.override("en"):
        reader = PdfReader(io.BytesIO(render_pdf(content)))
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))

    assert "Branchesconfirmationbypartners" in text.replace(":", "")
    assert "2of3approvedactivitieswithpartners" in text
    assert "66.7%0.0%+66.7pp" in text  # this period, the previous one, 环比
    assert "confirmedbythepartner:P1甲(共建单位P1),2024-04-0510:00" in text


def test_the_pdf_of_a_long_list_tells_the_confirmation_on_each_entry(
    answered, content, monkeypatch
):
    from portal.reports import pdf

    monkeypatch.setattr(pdf, "PDF_TABLE_MAX_ROWS", 1)  # the compact list from two activities
    with translation.override("en"):
        html = pdf.render_pdf_html(content)

    assert "confirmed by the partner: P1甲 (共建单位P1), 2024-04-05 10:00" in html
    assert html.count('class="report-entry"') == 4


def test_the_report_page_shows_the_confirmations_to_staff_and_nobody_else(answered, content):
    cast = answered.dash.cast
    report = ready_report(cast.committee_a, content=content)
    page = cast.client_for(cast.staff_a).get(f"/reports/{report.pk}/").content.decode()

    assert 'id="report-confirmations"' in page
    assert "P1甲" in page
    assert cast.client_for(cast.admin_b).get(f"/reports/{report.pk}/").status_code == 404
    assert cast.client_for(cast.secretary_a1).get(f"/reports/{report.pk}/").status_code in (
        403,
        404,
    )


def test_a_report_stored_before_the_confirmations_still_shows(answered, content):
    """A version 1 report (no confirmations in its content) shows as it always did."""
    cast = answered.dash.cast
    old = copy.deepcopy(content)
    old["version"] = 1
    del old["confirmations"]
    for row in old["branches"]:
        del row["confirmations"]
    for row in old["partners"]:
        for key in ("confirmed", "corrected", "satisfied", "fair", "unsatisfied"):
            del row[key]
    for row in old["activities"]:
        for key in NOBODY:
            del row[key]
    report = ready_report(cast.committee_a, content=old)
    response = cast.client_for(cast.staff_a).get(f"/reports/{report.pk}/")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="report-confirmations"' not in page
    assert 'id="report-activities"' in page
