"""Every figure of ``portal.dashboards.selectors`` against the hand-computed values of
``conftest.py``."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.core.periods import Period
from portal.dashboards import selectors as dashboards
from tests.dashboards.conftest import COMMITTEE_B_VOLUNTEERS, Q2_2024, TODAY, local

pytestmark = pytest.mark.django_db


def test_headline_counts_approved_activities_by_local_start_date_with_both_comparisons(dash):
    figures = dashboards.headline(dash.cast.committee_a, Q2_2024)
    # early (07:00 local on 1 April), may, late (23:30 local on 30 June), mover; not draft,
    # back (returned) or queue (submitted); prev is 31 March local time.
    assert figures.approved == dashboards.Compared(4, 1, 1)
    assert figures.volunteers == dashboards.Compared(15, 0, 0)
    assert figures.beneficiaries == dashboards.Compared(100, 0, 0)
    # P1 is in two approved activities: counted once; P3 only in the draft and the returned one.
    assert figures.partners_engaged == dashboards.Compared(2, 0, 0)
    assert figures.new_partnerships == dashboards.Compared(1, 0, 0)
    assert figures.honours == dashboards.Compared(1, 0, 0)


def test_headline_changes_against_the_previous_period_and_a_year_earlier(dash):
    approved = dashboards.headline(dash.cast.committee_a, Q2_2024).approved
    assert approved.vs_previous == dashboards.Change(3, 3.0)
    assert approved.vs_year_ago == dashboards.Change(3, 3.0)
    assert approved.vs_previous.direction == "up"
    volunteers = dashboards.headline(dash.cast.committee_a, Q2_2024).volunteers
    assert volunteers.vs_previous == dashboards.Change(15, None)  # from zero: no percentage


def test_the_review_backlog_counts_only_submissions_and_how_long_they_wait(dash):
    backlog = dashboards.headline(dash.cast.committee_a, Q2_2024).backlog
    assert backlog.waiting == 1
    assert backlog.over_week == 1
    assert backlog.over_month == 0
    assert backlog.oldest_days() == 10


def test_the_headline_of_the_other_committee_sees_none_of_a(dash):
    figures = dashboards.headline(dash.cast.committee_b, Q2_2024)
    assert figures.approved == dashboards.Compared(1, 0, 0)
    assert figures.volunteers.current == COMMITTEE_B_VOLUNTEERS
    assert figures.backlog.waiting == 0


def test_by_measure_counts_each_approved_activity_once(dash):
    rows = dashboards.by_measure(dash.cast.committee_a, Q2_2024)
    assert [r.item.code for r in rows] == ["M1", "M2", "M3", "M4", "M5", "M6"]
    assert [(r.activities.current, r.activities.previous, r.activities.year_ago) for r in rows] == [
        (2, 1, 0),
        (2, 0, 1),
        (0, 0, 0),  # the draft and the returned activity are M3
        (0, 0, 0),  # the submitted one is M4
        (0, 0, 0),
        (0, 0, 0),
    ]


def test_by_goal_counts_an_activity_under_each_goal_it_serves(dash):
    rows = dashboards.by_goal(dash.cast.committee_a, Q2_2024)
    assert [(r.item.code, r.activities.current) for r in rows] == [("G1", 2), ("G2", 2), ("G3", 0)]
    assert [r.activities.year_ago for r in rows] == [1, 0, 0]


def test_branch_figures_count_co_organised_activities_and_participation(dash):
    rows = {r.branch.pk: r for r in dashboards.branch_figures(dash.cast.committee_a, Q2_2024)}
    a1, a2 = rows[dash.cast.branch_a1.pk], rows[dash.cast.branch_a2.pk]
    # A1 organised early and may and co-organised late; A2 organised late and mover.
    assert a1.activities == dashboards.Compared(3, 0, 1)
    assert a2.activities == dashboards.Compared(2, 1, 0)
    # A1: 张伟 (twice, counted once) and secretary_a1 of its 3 active members.
    assert a1.members_active == dashboards.Compared(3, 3, 3)
    assert a1.members_attended == dashboards.Compared(2, 0, 1)
    # A2: 李娜 and the member who transferred out on 15 May (still active in Q2) of 3.
    assert a2.members_active == dashboards.Compared(3, 3, 3)
    assert a2.members_attended == dashboards.Compared(2, 1, 0)
    assert a2.participation.current == pytest.approx(2 / 3)


def test_overall_participation_and_its_changes_in_percentage_points(dash):
    rows = dashboards.branch_figures(dash.cast.committee_a, Q2_2024)
    overall = dashboards.participation_overall(rows)
    assert overall.current == pytest.approx(4 / 6)
    assert overall.previous == pytest.approx(1 / 6)
    assert overall.year_ago == pytest.approx(1 / 6)
    assert overall.vs_previous == dashboards.Change(50.0, None)
    assert dashboards.branch_average(rows) == dashboards.Compared(2.5, 0.5, 0.5)


def test_a_member_who_transferred_out_no_longer_counts_after_leaving(dash):
    q3 = Period.quarter(dt.date(2024, 8, 1))
    rows = {r.branch.pk: r for r in dashboards.branch_figures(dash.cast.committee_a, q3)}
    # Q3: the mover has left A2; the newcomer has joined A1.
    assert rows[dash.cast.branch_a2.pk].members_active.current == 2
    assert rows[dash.cast.branch_a1.pk].members_active.current == 4


def test_coverage_matrix_cells_gaps_and_intensity(dash):
    matrix = dashboards.coverage_matrix(dash.cast.committee_a, Q2_2024)
    counts = {
        (row.branch.pk, cell.column.code): (cell.count, cell.level)
        for row in matrix.rows
        for cell in row.cells
    }
    a1, a2 = dash.cast.branch_a1.pk, dash.cast.branch_a2.pk
    assert counts[(a1, "M1")] == (2, 4)
    assert counts[(a1, "M2")] == (1, 2)  # co-organised
    assert counts[(a2, "M2")] == (2, 4)
    assert counts[(a2, "M1")] == (0, 0)  # prev is Q1 by local time
    assert matrix.maximum == 2
    assert [g.code for g in matrix.row_for(a1).gaps] == ["M3", "M4", "M5", "M6"]
    assert [g.code for g in matrix.row_for(a2).gaps] == ["M1", "M3", "M4", "M5", "M6"]
    assert matrix.row_for(a1).total == 3
    assert matrix.gap_count == 9
    assert matrix.covered_by == [1, 2, 0, 0, 0, 0]


def test_goal_matrix(dash):
    matrix = dashboards.goal_matrix(dash.cast.committee_a, Q2_2024)
    a1, a2 = matrix.row_for(dash.cast.branch_a1), matrix.row_for(dash.cast.branch_a2)
    assert [c.count for c in a1.cells] == [2, 2, 0]  # G2: may, late (co-organised)
    assert [c.count for c in a2.cells] == [0, 1, 0]


def test_trends_per_month_per_measure_and_participation(dash):
    result = dashboards.trends(dash.cast.committee_a, dt.date(2024, 6, 15))
    assert [m.start for m in result.months][:1] == [dt.date(2023, 7, 1)]
    assert result.months[-1].start == dt.date(2024, 6, 1)
    m1 = next(t for t in result.measures if t.measure.code == "M1")
    assert m1.counts[-4:] == [1, 1, 1, 0]  # March (prev), April (early), May, June
    m2 = next(t for t in result.measures if t.measure.code == "M2")
    assert m2.counts[-3:] == [1, 0, 1]  # April (mover), May, June (late)
    assert result.totals[-3:] == [2, 1, 1]
    june = result.participation[-1]
    # June: the mover has left (5 active); only 李娜 attended (late).
    assert (june.active, june.attended) == (5, 1)
    may = result.participation[-2]
    assert (may.active, may.attended) == (6, 1)  # 张伟 at may


def test_partner_engagement(dash):
    rows = {r.partner.name: r for r in dashboards.partner_engagement(
        dash.cast.committee_a, Q2_2024, today=TODAY
    )}  # fmt: skip
    p1, p2, p3 = rows["共建单位P1"], rows["共建单位P2"], rows["共建单位P3"]
    assert [p1.in_period, p2.in_period, p3.in_period] == [2, 1, 0]
    assert p1.last_activity_id == dash.activities["may"].pk
    assert p1.last_activity_date == dt.date(2024, 5, 10)
    assert p3.last_activity_id is None  # only drafts and returned activities
    assert [p1.is_quiet, p2.is_quiet, p3.is_quiet] == [False, False, True]
    assert [p1.has_agreement_ending, p2.has_agreement_ending] == [False, True]
    assert [line.partnership.ends_on for line in p2.partnerships] == [dt.date(2024, 7, 30)]


def test_partners_go_quiet_after_the_configured_days(dash, settings):
    settings.PARTNER_QUIET_DAYS = 30
    rows = {r.partner.name: r for r in dashboards.partner_engagement(
        dash.cast.committee_a, Q2_2024, today=TODAY
    )}  # fmt: skip
    assert rows["共建单位P1"].is_quiet  # last joint activity on 10 May


def test_branch_dashboard_against_the_committee(dash):
    board = dashboards.branch_dashboard(dash.cast.branch_a1, Q2_2024, today=TODAY)
    assert board.own.activities.current == 3
    assert board.committee_average.current == 2.5
    assert board.committee_participation.current == pytest.approx(4 / 6)
    assert [m.code for m in board.coverage.gaps] == ["M3", "M4", "M5", "M6"]
    # Current A1 members without an approved activity in 2024: only the former secretary (the
    # draft they attended does not count); the newcomer joins in August.
    assert [m.name for m in board.idle_members] == ["former_secretary_a1本人"]


def test_an_activity_at_seven_on_the_first_is_in_that_month(dash):
    april = Period.month(dt.date(2024, 4, 1))
    assert dashboards.headline(dash.cast.committee_a, april).approved.current == 2
    assert local(2024, 4, 1, 7).astimezone(dt.UTC).date() == dt.date(2024, 3, 31)
