"""The partners' confirmations and evaluations on the dashboard pages: the hand-computed figures
of ``conftest.answered`` on the page, their links, who sees them, and the pinned query counts."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from activities.models import Activity, PartnerCheck
from portal.partners.models import Rating, Verdict
from tests import factories
from tests.dashboards.conftest import local, partner_answer
from tests.dashboards.test_views import EXPECTED, Q2, _grow, in_english

pytestmark = pytest.mark.django_db


def table_rows(page: str, css_class: str) -> dict[str, list[str]]:
    """The rows of the table with ``css_class``: first cell -> the other cells' text."""
    table = re.search(rf'<table class="[^"]*{css_class}[^"]*">(.*?)</table>', page, re.S).group(1)
    found = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S):
        cells = [
            " ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split())
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        found[cells[0]] = cells[1:]
    return found


def partner_rows(page: str) -> dict[str, list[str]]:
    """The partner page's rows by partner name (the first cell also has its kind, badges)."""
    return {name.split()[0]: cells for name, cells in table_rows(page, "partner-table").items()}


def card(page: str, label: str) -> str:
    """The text of the partners' card headed ``label``."""
    match = re.search(
        rf'<article class="stat card stat--wide stat--partners">\s*<h3 class="stat__label">'
        rf"{label}</h3>(.*?)</article>",
        page,
        re.S,
    )
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split())


def test_the_committee_dashboard_shows_the_confirmed_share_and_what_partners_said(answered):
    cast = answered.dash.cast
    client = in_english(cast.client_for(cast.staff_a))
    page = client.get(reverse("dashboards:committee") + Q2).content.decode()

    shown = card(page, "Confirmed by partners")
    assert shown.startswith("66.7%")  # 2 of the 3 approved activities with partners
    assert "Confirmed, of the approved activities with partners 2 / 3" in shown
    assert "vs previous period +66.7 pp (0.0%)" in shown
    assert "Corrections asked 1" in shown
    assert "Partners' evaluations Satisfied 2 · Fairly satisfied 1 · Not satisfied 1" in shown


def test_the_committee_dashboard_has_a_confirmation_row_per_branch(answered):
    cast = answered.dash.cast
    client = in_english(cast.client_for(cast.staff_a))
    page = client.get(reverse("dashboards:committee") + Q2).content.decode()

    rows = table_rows(page, "confirmation-table")
    # with partners, confirmed, share, corrections asked, satisfied, fairly, not satisfied
    assert rows["Branch"] == [
        "With partners",
        "Confirmed",
        "Confirmed share",
        "Corrections asked",
        "Satisfied",
        "Fairly satisfied",
        "Not satisfied",
    ]
    assert rows[cast.branch_a1.name] == ["3", "2", "66.7%", "1", "2", "1", "1"]
    assert rows[cast.branch_a2.name] == ["1", "1", "100.0%", "0", "1", "0", "0"]
    assert rows["Whole committee"] == ["3", "2", "66.7%", "1", "2", "1", "1"]


def test_a_confirmed_count_links_to_the_activities_it_counts(answered):
    cast = answered.dash.cast
    client = cast.client_for(cast.staff_a)
    page = client.get(reverse("dashboards:committee") + Q2).content.decode()
    link = html.unescape(
        re.search(r'<td class="num" data-label="[^"]+"><a href="([^"]+)">2</a></td>', page).group(1)
    )

    assert f"branch={cast.branch_a1.pk}" in link
    assert "partner_check=confirmed" in link
    listed = client.get(link).context["page"].object_list
    acts = answered.dash.activities
    assert {a.pk for a in listed} == {acts["early"].pk, acts["late"].pk}


def test_the_branch_dashboard_sets_the_branch_against_the_committee(answered):
    cast = answered.dash.cast
    owner = in_english(cast.client_for(cast.secretary_a2))
    page = owner.get(reverse("dashboards:branch", args=[cast.branch_a2.pk]) + Q2)
    page = page.content.decode()

    own = card(page, "Your branch")
    assert own.startswith("100.0%")
    assert "Confirmed, of the approved activities with partners 1 / 1" in own
    assert "Satisfied 1 · Fairly satisfied 0 · Not satisfied 0" in own
    committee = card(page, "The whole committee")
    assert committee.startswith("66.7%")
    assert "Corrections asked 1" in committee
    # The secretary of A1 does not open A2's dashboard.
    outsider = cast.client_for(cast.secretary_a1)
    url = reverse("dashboards:branch", args=[cast.branch_a2.pk]) + Q2
    assert outsider.get(url).status_code == 404


def test_the_partner_page_shows_each_partners_confirmations_and_evaluations(answered):
    cast = answered.dash.cast
    client = in_english(cast.client_for(cast.staff_a))
    page = client.get(reverse("dashboards:partners") + Q2).content.decode()

    rows = partner_rows(page)
    # last joint activity, in the period, confirmed, corrections asked, evaluations, partnerships
    p1, p2, p3 = rows["共建单位P1"], rows["共建单位P2"], rows["共建单位P3"]
    assert p1[1:4] == ["2", "1 / 2", "0"]
    assert p1[4] == "Satisfied 1 · Fairly satisfied 1 · Not satisfied 0"
    assert p2[1:4] == ["2", "1 / 2", "1"]
    assert p2[4] == "Satisfied 1 · Fairly satisfied 0 · Not satisfied 1"
    assert p3[1:5] == ["0", "0", "0", "—"]


def test_another_committee_sees_none_of_the_answers(answered):
    """Committee B's admin: B's own confirmed activity (100 %), none of A's partners."""
    cast = answered.dash.cast
    client = in_english(cast.client_for(cast.admin_b))
    committee = client.get(reverse("dashboards:committee") + Q2).content.decode()
    partners = client.get(reverse("dashboards:partners") + Q2).content.decode()

    shown = card(committee, "Confirmed by partners")
    assert "Confirmed, of the approved activities with partners 1 / 1" in shown
    assert "Corrections asked 0" in shown
    assert table_rows(committee, "confirmation-table")[cast.branch_b1.name][:2] == ["1", "1"]
    for foreign in ("共建单位P1", "P1甲", "P2甲"):
        assert foreign not in text_of_page(committee) + text_of_page(partners)
    assert partner_rows(partners)["共建单位PB"][2] == "1 / 1"


def text_of_page(page: str) -> str:
    return re.sub(r"\s+", " ", page)


@pytest.mark.parametrize(
    ("name", "arg"),
    [
        ("dashboards:committee", None),
        ("dashboards:partners", None),
        ("dashboards:branch", "branch_a1"),
    ],
)
def test_the_answers_add_no_query_and_more_of_them_none_either(
    answered, django_assert_num_queries, name, arg
):
    cast = answered.dash.cast
    client = cast.client_for(cast.staff_a)
    url = reverse(name, args=[getattr(cast, arg).pk] if arg else None) + Q2
    with django_assert_num_queries(EXPECTED[name]):
        assert client.get(url).status_code == 200

    _grow(answered.dash)
    for n, activity in enumerate(
        Activity.objects.filter(committee=cast.committee_a, branch__name__startswith="新支部")
    ):
        contact = factories.ContactFactory(partner=activity.partners.first())
        verdict = Verdict.CORRECTION if n % 3 else Verdict.CONFIRMED
        partner_answer(activity, contact, local(2024, 6, 20), verdict, Rating.values[n % 3])
        state = PartnerCheck.CORRECTION if n % 3 else PartnerCheck.CONFIRMED
        Activity.objects.filter(pk=activity.pk).update(partner_check=state)
    with django_assert_num_queries(EXPECTED[name]):
        response = client.get(url)
    assert response.status_code == 200
    if name == "dashboards:committee":
        # 3 new branches × 6 measures, a third of them confirmed: 6 more confirmed of 18 more.
        checked = response.context["headline"].confirmations
        assert (checked.partnered.current, checked.confirmed.current) == (3 + 18, 2 + 6)
