"""The partner units' confirmations and evaluations in the dashboards' figures, against the
hand-computed answers of ``conftest.answered`` (Q2 2024)."""

from __future__ import annotations

import pytest

from activities.models import Activity, PartnerCheck
from portal.dashboards import selectors as dashboards
from portal.dashboards.selectors import Compared
from tests.dashboards.conftest import Q2_2024, TODAY

pytestmark = pytest.mark.django_db


def test_the_headline_counts_confirmations_of_approved_activities_with_partners(answered):
    checked = dashboards.headline(answered.dash.cast.committee_a, Q2_2024).confirmations

    # early, may, late; not back (returned, its correction never counts); prev is Q1.
    assert checked.partnered == Compared(3, 1, 0)
    assert checked.confirmed == Compared(2, 0, 0)  # early, late: may's correction is open
    assert checked.corrected == Compared(1, 0, 0)  # may
    # Each contact's latest evaluation: P1甲's 满意 (not their earlier 基本满意) and P2甲's.
    assert checked.satisfied == Compared(2, 0, 0)
    assert checked.fair == Compared(1, 0, 0)  # P1乙 about may
    assert checked.unsatisfied == Compared(1, 0, 0)  # P2甲 about may
    assert checked.evaluated == 4


def test_the_confirmed_share_and_its_change_in_percentage_points(answered):
    share = dashboards.headline(answered.dash.cast.committee_a, Q2_2024).confirmations.share

    assert share.current == pytest.approx(2 / 3)
    assert share.previous == 0  # prev was asked, not answered
    assert share.year_ago is None  # no activity with partners a year earlier
    assert share.vs_previous == dashboards.Change(66.7, None)


def test_each_branch_counts_its_organised_and_co_organised_activities(answered):
    cast = answered.dash.cast
    rows = {r.branch.pk: r for r in dashboards.branch_figures(cast.committee_a, Q2_2024)}
    a1, a2 = rows[cast.branch_a1.pk].confirmations, rows[cast.branch_a2.pk].confirmations

    # A1 organised early and may and co-organised late.
    assert [f.current for f in (a1.partnered, a1.confirmed, a1.corrected)] == [3, 2, 1]
    assert [a1.satisfied.current, a1.fair.current, a1.unsatisfied.current] == [2, 1, 1]
    # A2 organised late (mover has no partners); prev, its Q1 activity, is still waiting.
    assert [f.current for f in (a2.partnered, a2.confirmed, a2.corrected)] == [1, 1, 0]
    assert [a2.satisfied.current, a2.fair.current, a2.unsatisfied.current] == [1, 0, 0]
    assert a2.share.current == 1
    assert (a2.partnered.previous, a2.share.previous) == (1, 0)


def test_a_committee_without_answers_has_no_share(dash):
    checked = dashboards.headline(dash.cast.committee_a, Q2_2024).confirmations

    assert checked.partnered.current == 2  # early and may have partners, nobody asked them
    assert checked.confirmed.current == 0
    assert checked.share.current == 0
    assert checked.share.previous is None  # nothing with partners: no share, not 0 %


def test_committee_b_sees_only_its_own_confirmation(answered):
    cast = answered.dash.cast
    checked = dashboards.headline(cast.committee_b, Q2_2024).confirmations

    assert (checked.partnered.current, checked.confirmed.current) == (1, 1)
    assert (checked.satisfied.current, checked.unsatisfied.current) == (1, 0)
    [b1] = dashboards.branch_figures(cast.committee_b, Q2_2024)
    assert b1.confirmations.confirmed.current == 1


def test_the_committee_overview_has_the_same_figures_in_its_one_query(
    answered, django_assert_num_queries
):
    committee = answered.dash.cast.committee_a
    with django_assert_num_queries(5):
        overview = dashboards.committee_overview(committee, Q2_2024)

    assert overview.headline.confirmations == dashboards.headline(committee, Q2_2024).confirmations
    by_branch = {r.branch.pk: r.confirmations.confirmed.current for r in overview.branches}
    assert by_branch == {answered.dash.cast.branch_a1.pk: 2, answered.dash.cast.branch_a2.pk: 1}


def test_each_partner_shows_what_it_said_about_its_joint_activities(answered):
    rows = {
        r.partner.name: r
        for r in dashboards.partner_engagement(answered.dash.cast.committee_a, Q2_2024, today=TODAY)
    }
    p1, p2, p3 = rows["共建单位P1"], rows["共建单位P2"], rows["共建单位P3"]

    # P1: early confirmed; its 乙 confirmed may, but P2's correction of may is open.
    assert (p1.in_period, p1.confirmed, p1.corrected) == (2, 1, 0)
    assert (p1.satisfied, p1.fair, p1.unsatisfied) == (1, 1, 0)
    assert p1.confirmed_share == pytest.approx(1 / 2)
    # P2: late confirmed, a correction asked of may.
    assert (p2.in_period, p2.confirmed, p2.corrected) == (2, 1, 1)
    assert (p2.satisfied, p2.fair, p2.unsatisfied) == (1, 0, 1)
    # P3 asked for a correction of a returned activity: nothing approved, nothing counted.
    assert (p3.in_period, p3.confirmed, p3.corrected, p3.evaluated) == (0, 0, 0, 0)
    assert p3.confirmed_share is None
    assert "共建单位PB" not in rows


def test_the_branch_dashboard_sets_the_branch_against_the_committee(answered):
    board = dashboards.branch_dashboard(answered.dash.cast.branch_a2, Q2_2024, today=TODAY)

    assert board.own.confirmations.share.current == 1
    assert board.committee_confirmations.share.current == pytest.approx(2 / 3)
    assert board.committee_confirmations.corrected.current == 1


def test_a_changed_record_no_longer_counts_as_confirmed(answered):
    """early's record changed after P1 confirmed it (确认后已修改): still with partners, no
    longer confirmed, its evaluation still counted."""
    early = answered.dash.activities["early"]
    Activity.objects.filter(pk=early.pk).update(partner_check=PartnerCheck.SUPERSEDED)
    checked = dashboards.headline(answered.dash.cast.committee_a, Q2_2024).confirmations
    rows = {
        r.partner.name: r
        for r in dashboards.partner_engagement(answered.dash.cast.committee_a, Q2_2024, today=TODAY)
    }

    assert (checked.partnered.current, checked.confirmed.current) == (3, 1)
    assert checked.satisfied.current == 2
    assert rows["共建单位P1"].confirmed == 0
