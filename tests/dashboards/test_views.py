"""The dashboard pages: who may open which, the figures they show, and their query counts."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.urls import reverse

from activities.models import ActivityStatus
from tests import factories
from tests.dashboards.conftest import local, make_activity

pytestmark = pytest.mark.django_db

Q2 = "?period=quarter&anchor=2024-05-01"
COMMITTEE_PAGES = [
    "dashboards:committee",
    "dashboards:coverage",
    "dashboards:trends",
    "dashboards:partners",
]


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def in_english(client):
    """Pages are Chinese by default; the checks of their wording read the English version."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# --- Who may open what ---------------------------------------------------------------------


@pytest.mark.parametrize("name", [*COMMITTEE_PAGES, "dashboards:my_branch"])
def test_requires_login(cast, name):
    response = cast.client_for(None).get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_branch_dashboard_requires_login(cast):
    response = cast.client_for(None).get(reverse("dashboards:branch", args=[cast.branch_a1.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name", COMMITTEE_PAGES)
@pytest.mark.parametrize("user", ["secretary_a1", "secretary_a2", "former_secretary_a1"])
def test_branch_secretaries_may_not_open_committee_pages(cast, name, user):
    response = cast.client_for(getattr(cast, user)).get(reverse(name))
    assert response.status_code == 403


def test_secretary_opens_only_their_own_branch_dashboard(dash):
    cast = dash.cast
    client = cast.client_for(cast.secretary_a1)
    own = client.get(reverse("dashboards:branch", args=[cast.branch_a1.pk]) + Q2)
    assert own.status_code == 200
    assert cast.branch_a1.name in text_of(own)
    for other in (cast.branch_a2, cast.branch_b1):
        assert client.get(reverse("dashboards:branch", args=[other.pk])).status_code == 404


def test_my_branch_leads_a_secretary_to_their_branch_keeping_the_period(cast):
    response = cast.client_for(cast.secretary_a2).get(reverse("dashboards:my_branch") + Q2)
    assert response.status_code == 302
    assert response.url == reverse("dashboards:branch", args=[cast.branch_a2.pk]) + Q2


def test_my_branch_leads_staff_to_the_committee_and_refuses_the_rest(cast):
    staff = cast.client_for(cast.staff_a).get(reverse("dashboards:my_branch"))
    assert staff.url == reverse("dashboards:committee")
    former = cast.client_for(cast.former_secretary_a1).get(reverse("dashboards:my_branch"))
    assert former.status_code == 403


def test_a_former_secretary_no_longer_sees_the_branch_dashboard(cast):
    client = cast.client_for(cast.former_secretary_a1)
    assert client.get(reverse("dashboards:branch", args=[cast.branch_a1.pk])).status_code == 404


@pytest.mark.parametrize("name", COMMITTEE_PAGES)
def test_staff_see_only_their_committee(dash, name):
    cast = dash.cast
    client = cast.client_for(cast.staff_a)
    own = client.get(reverse(name) + Q2)
    assert own.status_code == 200
    assert own.context["committee"] == cast.committee_a
    assert "committee-chooser" not in own.content.decode()  # one committee: no chooser
    other = client.get(reverse(name) + f"{Q2}&committee={cast.committee_b.pk}")
    assert other.status_code == 404
    assert client.get(reverse(name) + "?committee=abc").status_code == 404


@pytest.mark.parametrize("name", COMMITTEE_PAGES)
def test_admin_of_another_committee_sees_none_of_a(dash, name):
    cast = dash.cast
    client = cast.client_for(cast.admin_b)
    response = client.get(reverse(name) + Q2)
    assert response.status_code == 200
    assert response.context["committee"] == cast.committee_b
    page = text_of(response)
    for foreign in (cast.branch_a1.name, cast.branch_a2.name, "共建单位P1", "调出者"):
        assert foreign not in page
    url = reverse(name) + f"{Q2}&committee={cast.committee_a.pk}"
    assert client.get(url).status_code == 404


def test_admin_b_cannot_open_a_branch_dashboard_of_a(cast):
    client = cast.client_for(cast.admin_b)
    assert client.get(reverse("dashboards:branch", args=[cast.branch_a1.pk])).status_code == 404
    assert client.get(reverse("dashboards:branch", args=[cast.branch_b1.pk])).status_code == 200


def test_staff_open_every_branch_dashboard_of_their_committee(dash):
    client = dash.cast.client_for(dash.cast.staff_a)
    for branch in (dash.cast.branch_a1, dash.cast.branch_a2):
        assert client.get(reverse("dashboards:branch", args=[branch.pk])).status_code == 200
    url = reverse("dashboards:branch", args=[dash.cast.branch_b1.pk])
    assert client.get(url).status_code == 404


def test_superuser_chooses_any_committee(dash):
    cast = dash.cast
    client = cast.client_for(cast.superuser)
    response = client.get(reverse("dashboards:committee") + f"{Q2}&committee={cast.committee_b.pk}")
    assert response.status_code == 200
    assert response.context["committee"] == cast.committee_b
    page = response.content.decode()
    assert "committee-chooser" in page
    assert cast.committee_a.name in page  # an option of the chooser
    response = client.get(reverse("dashboards:committee") + f"{Q2}&committee={cast.committee_a.pk}")
    assert response.context["headline"].approved.current == 4


# --- What the pages show -------------------------------------------------------------------


def test_committee_dashboard_shows_the_hand_computed_figures(dash):
    client = in_english(dash.cast.client_for(dash.cast.staff_a))
    response = client.get(reverse("dashboards:committee") + Q2)
    page = text_of(response)
    assert response.context["period"].start == dt.date(2024, 4, 1)
    headline = response.context["headline"]
    assert (headline.approved.current, headline.approved.previous) == (4, 1)
    # Cards: 4 approved (+3, +300% on the previous period's 1), participation 66.7 % (4 of 6).
    assert re.search(r"Approved activities</h3> <div class=\"stat__value\">4</div>", page)
    assert "+3 (+300%)" in page
    assert "66.7%" in page
    assert "+50 " in page  # percentage points on Q1 (16.7 %)
    # Branch rows: A1 2 of 3 members, A2 2 of 3 (the member who left in May included).
    assert page.count("2 / 3") == 2
    assert "Q1 2024" in page
    assert "Q2 2023" in page


def test_figures_link_to_the_activity_list_of_what_they_count(dash):
    cast = dash.cast
    response = cast.client_for(cast.staff_a).get(reverse("dashboards:coverage") + Q2)
    page = response.content.decode()
    m1 = dash.measures[0]
    expected = (
        f"{reverse('activities:list')}?period=custom&amp;date_from=2024-04-01&amp;"
        f"date_to=2024-06-30&amp;status=approved&amp;branch={cast.branch_a1.pk}&amp;"
        f"measure={m1.pk}"
    )
    assert expected in page
    matrix = response.context["matrix"]
    assert matrix.row_for(cast.branch_a1).cells[0].count == 2
    assert 'class="matrix__cell cell--4"' in page
    # 9 measure gaps, the legend, 3 goal gaps (A1: G3; A2: G1, G3)
    assert page.count("cell--gap") == 9 + 1 + 3


def test_bad_period_parameters_give_a_message_and_this_quarter(dash):
    client = dash.cast.client_for(dash.cast.staff_a)
    for query in (
        "?period=fortnight",
        "?period=custom&start=2024-05-01&end=2024-04-01",
        "?period=month&anchor=31.02.2024",
        "?period=custom&start=1900-01-01&end=x",
    ):
        response = client.get(reverse("dashboards:committee") + query)
        assert response.status_code == 200
        assert response.context["period_errors"]
        assert 'role="alert"' in response.content.decode()


def test_partner_page_highlights_quiet_partners(dash):
    response = dash.cast.client_for(dash.cast.staff_a).get(reverse("dashboards:partners") + Q2)
    rows = {r.partner.name: r for r in response.context["partners"]}
    assert rows["共建单位P3"].is_quiet  # never in an approved activity
    assert "partner--quiet" in response.content.decode()


def test_trends_page_ends_with_the_period(dash):
    response = dash.cast.client_for(dash.cast.staff_a).get(reverse("dashboards:trends") + Q2)
    trends = response.context["trends"]
    assert trends.months[-1].start == dt.date(2024, 6, 1)
    assert trends.totals[-3:] == [2, 1, 1]


def test_branch_dashboard_shows_gaps_against_the_committee(dash):
    cast = dash.cast
    client = in_english(cast.client_for(cast.secretary_a1))
    response = client.get(reverse("dashboards:branch", args=[cast.branch_a1.pk]) + Q2)
    board = response.context["board"]
    assert board.own.activities.current == 3
    assert board.committee_average.current == 2.5
    assert [m.code for m in board.coverage.gaps] == ["M3", "M4", "M5", "M6"]
    page = text_of(response)
    assert "4 measures without an approved activity" in page


def test_charts_come_as_json_beside_their_tables(dash):
    response = dash.cast.client_for(dash.cast.staff_a).get(reverse("dashboards:committee") + Q2)
    page = response.content.decode()
    assert '<script id="chart-measures" type="application/json">' in page
    assert 'data-chart="chart-measures"' in page
    assert "<script>" not in page  # no inline script
    assert "style=" not in page


# --- Query counts --------------------------------------------------------------------------


def _grow(dash) -> None:
    """More of everything the pages show: branches, members, partners, activities."""
    cast = dash.cast
    a = cast.committee_a
    for i in range(3):
        branch = factories.BranchFactory(committee=a, name=f"新支部{i}", sort_order=10 + i)
        members = [factories.MemberFactory(branch=branch) for _ in range(4)]
        partner = factories.PartnerFactory(committee=a)
        partnership = factories.PartnershipFactory(committee=a, branch=branch)
        factories.PartnershipMemberFactory(partnership=partnership, partner=partner)
        for j, measure in enumerate(dash.measures):
            make_activity(
                a, branch, measure, ActivityStatus.APPROVED, local(2024, 4 + j % 3, 3 + i),
                attendees=members[: j % 4 + 1], partners=[partner], goals=dash.goals[: j % 3],
                co_branches=[cast.branch_a1],
            )  # fmt: skip


PAGES = [
    ("dashboards:committee", None),
    ("dashboards:coverage", None),
    ("dashboards:trends", None),
    ("dashboards:partners", None),
    ("dashboards:branch", "branch_a1"),
]
#: session, user, the user's committee and branch roles, the navigation's review count
BASE_QUERIES = 5
EXPECTED = {
    # committees, measures, goals, branches, their figures (one UNION ALL), headline
    "dashboards:committee": BASE_QUERIES + 6,
    # committees, branches, measures, goals, the cells of both matrices (one UNION ALL)
    "dashboards:coverage": BASE_QUERIES + 5,
    "dashboards:trends": BASE_QUERIES + 3,  # committees, measures per month, participation
    # committees, partners, what they said about their joint activities, their partnerships
    "dashboards:partners": BASE_QUERIES + 4,
    # branch, branches and their figures, measures, cells, idle members
    "dashboards:branch": BASE_QUERIES + 6,
}


@pytest.mark.parametrize(("name", "arg"), PAGES)
def test_query_count_is_pinned_and_does_not_grow_with_the_data(
    dash, django_assert_num_queries, name, arg
):
    client = dash.cast.client_for(dash.cast.staff_a)
    url = reverse(name, args=[getattr(dash.cast, arg).pk] if arg else None) + Q2
    with django_assert_num_queries(EXPECTED[name]):
        assert client.get(url).status_code == 200
    _grow(dash)
    with django_assert_num_queries(EXPECTED[name]):
        response = client.get(url)
    assert response.status_code == 200
    assert EXPECTED[name] <= 12


def test_coverage_can_show_submissions_waiting_beside_the_approved_counts(
    dash, django_assert_num_queries
):
    """``queue`` (A2, M4) waits for review: with the option it shows in A2's M4 cell as "1
    waiting", linked to the waiting ones; the cell stays a gap and no approved count changes."""
    cast = dash.cast
    client = in_english(cast.client_for(cast.staff_a))
    plain = client.get(reverse("dashboards:coverage") + Q2).content.decode()
    with django_assert_num_queries(EXPECTED["dashboards:coverage"] + 1):
        response = client.get(reverse("dashboards:coverage") + Q2 + "&waiting=1")
    page = response.content.decode()

    assert "cell__waiting" not in plain
    assert page.count('class="cell__waiting"') == 1
    m4 = dash.measures[3]
    waiting_link = (
        f"{reverse('activities:list')}?period=custom&amp;date_from=2024-04-01&amp;"
        f"date_to=2024-06-30&amp;status=submitted&amp;branch={cast.branch_a2.pk}&amp;"
        f"measure={m4.pk}"
    )
    assert waiting_link in page
    assert ">1 waiting</a>" in page
    assert page.count("cell--gap") == plain.count("cell--gap")
    assert response.context["matrix"].row_for(cast.branch_a2).cells[3].count == 0
    assert 'name="waiting" value="1" checked' in page
    assert 'type="hidden" name="anchor" value="2024-04-01"' in page


def test_the_waiting_option_reads_in_chinese(dash):
    cast = dash.cast
    client = cast.client_for(cast.staff_a)
    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse("dashboards:coverage") + Q2 + "&waiting=1").content.decode()

    assert "同时显示待审核" in page
    assert ">待审核 1</a>" in page
