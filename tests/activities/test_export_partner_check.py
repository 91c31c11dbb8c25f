"""The Excel ledger 台账 carries the partner units' confirmation: its state, who confirmed the
record (contact and unit) and when — read without a query per row."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from activities.models import Activity, PartnerCheck
from portal.partners.models import Rating, Verdict
from tests import factories
from tests.activities.test_export import export, ledger
from tests.activities.test_list import SHANGHAI, build_world

CONFIRMATION_HEADERS = ["Partner confirmation", "Confirmed by", "Confirmed at"]
NOON = dt.datetime(2026, 3, 2, 12, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def answer(activity, contact, *, at, verdict=Verdict.CONFIRMED, rating=""):
    return factories.PartnerAnswerFactory(
        link__activity=activity,
        link__contact=contact,
        verdict=verdict,
        rating=rating,
        answered_at=at,
    )


def set_check(activity, state) -> None:
    Activity.objects.filter(pk=activity.pk).update(partner_check=state)


@pytest.fixture
def world(cast):
    """The list's world with its partners' answers:

    * 安全生产联学 (西湖): confirmed by 李干事, then again by 王主任 an hour later — 已确认, 王主任;
    * 两支部联合主题党日 (西湖, the bank): confirmed by the bank's 钱经理, then 西湖's 王主任
      asked for a correction — 需更正, nobody told as having confirmed it;
    * 金融知识进工地 (the bank): confirmed by 钱经理, then changed — 确认后已修改, 钱经理;
    * 宿迁项目组织生活会 (given the bank): asked, no answer yet — 待确认;
    * 党委专题党课: no partners — nothing in the three columns.
    """
    world = build_world(cast)
    wang = factories.ContactFactory(partner=world.xihu, name="王主任")
    li = factories.ContactFactory(partner=world.xihu, name="李干事")
    qian = factories.ContactFactory(partner=world.bank, name="钱经理")
    answer(world.this_month, li, at=NOON, rating=Rating.FAIR)
    answer(world.this_month, wang, at=NOON + dt.timedelta(hours=1), rating=Rating.SATISFIED)
    set_check(world.this_month, PartnerCheck.CONFIRMED)
    answer(world.co_organised, qian, at=NOON)
    answer(world.co_organised, wang, at=NOON + dt.timedelta(days=1), verdict=Verdict.CORRECTION)
    set_check(world.co_organised, PartnerCheck.CORRECTION)
    answer(world.last_year, qian, at=NOON - dt.timedelta(days=3))
    set_check(world.last_year, PartnerCheck.SUPERSEDED)
    world.last_month.partners.set([world.bank])
    set_check(world.last_month, PartnerCheck.PENDING)
    return world


def by_title(response) -> dict[str, dict[str, object]]:
    return {row["Title"]: row for row in ledger(response)[1]}


def confirmation(row: dict[str, object]) -> list[object]:
    return [row[header] for header in CONFIRMATION_HEADERS]


def test_the_ledger_ends_with_the_confirmation_columns(cast, world):
    headers, _rows = ledger(export(cast.client_for(cast.staff_a)))

    assert headers[-4:] == ["Status", *CONFIRMATION_HEADERS]


def test_each_row_says_its_state_who_confirmed_it_and_when(cast, world):
    rows = by_title(export(cast.client_for(cast.staff_a)))
    local = NOON.replace(tzinfo=None)

    assert confirmation(rows["安全生产联学"]) == [
        "confirmed by the partner",
        "王主任 (西湖区社区党委)",  # the latest confirmation, not 李干事's earlier one
        local + dt.timedelta(hours=1),  # local wall-clock time, as the start times
    ]
    # Another partner's correction overrules the bank's confirmation: nobody is told.
    assert confirmation(rows["两支部联合主题党日"]) == ["correction asked", None, None]
    # Changed after the bank confirmed it: the confirmation that stood is told with the state.
    assert confirmation(rows["金融知识进工地"]) == [
        "changed after confirmation",
        "钱经理 (建设银行杭州分行)",
        local - dt.timedelta(days=3),
    ]
    assert confirmation(rows["宿迁项目组织生活会"]) == ["awaiting the partner", None, None]
    assert confirmation(rows["党委专题党课"]) == [None, None, None]  # no partners


def test_an_outsider_exports_none_of_the_confirmations(cast, world):
    """A2's secretary exports A2's activities only: 王主任's confirmation of A1's activity is
    not in their file."""
    rows = by_title(export(cast.client_for(cast.secretary_a2)))

    assert set(rows) == {"宿迁项目组织生活会", "两支部联合主题党日"}
    assert confirmation(rows["两支部联合主题党日"]) == ["correction asked", None, None]
    assert all("王主任" not in str(value) for row in rows.values() for value in row.values())


def test_the_confirmations_add_no_query_per_row(cast, world):
    client = cast.client_for(cast.staff_a)

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            response = export(client)
        rows = ledger(response)[1]
        return len(captured), sum(1 for row in rows if row["Confirmed by"])

    before, told_before = queries()
    for n in range(8):
        extra = factories.ActivityFactory(
            committee=cast.committee_a, branch=cast.branch_a1, measure=world.m1, title=f"确认{n}"
        )
        contact = factories.ContactFactory(partner=extra.partners.get())
        answer(extra, contact, at=NOON + dt.timedelta(minutes=n), rating=Rating.SATISFIED)
        set_check(extra, PartnerCheck.CONFIRMED)
    after, told_after = queries()

    assert told_after == told_before + 8
    assert after == before
