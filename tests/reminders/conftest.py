"""Committee A's work as the weekly reminders see it on ``today`` (the real local date, since
the cast's roles and members are dated from it).

Measures of A: M1, M2. Approved activities this quarter: A1's under M1; A2's under M2 with A1 as
co-organiser. So A1 has covered both measures and A2 has not covered M1 (its M1 activity of the
previous quarter and its M1 submission waiting for review do not count).

* ``returned_a1``: A1's activity returned for changes (to secretary_a1);
  ``returned_a2``: A2's, co-organised by A1 (to secretary_a2 only: A1 does not edit it).
* ``waiting_long``: A2's M1 submission, submitted 10 days ago (to staff_a);
  ``waiting_short``: submitted 3 days ago (to nobody yet).
* Partnerships (the committees' own, no branch: no secretary is told): A's ``ending_soon``
  ends in 20 days with 春江街道 and 富春湾集团 (to admin_a); A2's ``ending_later`` in 70 days
  and A's ``ended`` yesterday (to nobody); B's ``ending_b`` in 10 days (to admin_b).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from activities.models import Activity, ActivityStatus, Measure
from partnerships.models import Partnership
from portal.core.periods import Period, local_today
from tests import factories
from tests.conftest import Cast


def local_moment(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_default_timezone())


@dataclass
class Work:
    cast: Cast
    today: dt.date
    m1: Measure
    m2: Measure
    returned_a1: Activity
    returned_a2: Activity
    waiting_long: Activity
    waiting_short: Activity
    ending_soon: Partnership
    ending_b: Partnership


def _activity(cast: Cast, branch, measure, status, starts: dt.datetime, **extra) -> Activity:
    return factories.ActivityFactory(
        committee=branch.committee,
        branch=branch,
        measure=measure,
        status=status,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        **extra,
    )


def _partnership(committee, branch, title: str, ends_on: dt.date, partners=()) -> Partnership:
    partnership = factories.PartnershipFactory(
        committee=committee,
        branch=branch,
        title=title,
        starts_on=dt.date(2024, 1, 1),
        ends_on=ends_on,
    )
    for name in partners:
        factories.PartnershipMemberFactory(
            partnership=partnership,
            partner=factories.PartnerFactory(committee=committee, name=name),
            joined_on=dt.date(2024, 1, 1),
        )
    return partnership


@pytest.fixture
def work(cast: Cast) -> Work:
    today = local_today()
    quarter = Period.quarter(today)
    in_quarter = local_moment(quarter.start)
    a = cast.committee_a
    m1 = factories.MeasureFactory(committee=a, position=1, code="M1", title="理论联学")
    m2 = factories.MeasureFactory(committee=a, position=2, code="M2", title="组织联建")
    factories.MeasureFactory(committee=cast.committee_b, position=1, code="M1", title="外单位举措")
    approved = ActivityStatus.APPROVED

    _activity(cast, cast.branch_a1, m1, approved, in_quarter)
    joint = _activity(cast, cast.branch_a2, m2, approved, in_quarter)
    joint.co_branches.set([cast.branch_a1])
    _activity(
        cast, cast.branch_a2, m1, approved, local_moment(quarter.start, 0) - dt.timedelta(hours=1)
    )

    now = timezone.now()
    returned_a1 = _activity(
        cast,
        cast.branch_a1,
        m1,
        ActivityStatus.RETURNED,
        in_quarter,
        title="杭州社区联学（待补充）",
        reviewed_at=now - dt.timedelta(days=2),
    )
    returned_a2 = _activity(
        cast,
        cast.branch_a2,
        m2,
        ActivityStatus.RETURNED,
        in_quarter,
        title="宿迁联建（待补充）",
        reviewed_at=now - dt.timedelta(days=1),
    )
    returned_a2.co_branches.set([cast.branch_a1])
    waiting_long = _activity(
        cast,
        cast.branch_a2,
        m1,
        ActivityStatus.SUBMITTED,
        in_quarter,
        title="宿迁理论联学",
        submitted_at=now - dt.timedelta(days=10),
    )
    waiting_short = _activity(
        cast,
        cast.branch_a2,
        m1,
        ActivityStatus.SUBMITTED,
        in_quarter,
        title="宿迁新近提交",
        submitted_at=now - dt.timedelta(days=3),
    )

    ending_soon = _partnership(
        a,
        None,
        "杭州结对共建协议",
        today + dt.timedelta(days=20),
        partners=["春江街道", "富春湾集团"],
    )
    _partnership(a, cast.branch_a2, "宿迁结对共建协议", today + dt.timedelta(days=70))
    _partnership(a, None, "已到期协议", today - dt.timedelta(days=1))
    ending_b = _partnership(
        cast.committee_b,
        None,
        "外单位协议",
        today + dt.timedelta(days=10),
        partners=["外单位社区"],
    )
    return Work(
        cast=cast,
        today=today,
        m1=m1,
        m2=m2,
        returned_a1=returned_a1,
        returned_a2=returned_a2,
        waiting_long=waiting_long,
        waiting_short=waiting_short,
        ending_soon=ending_soon,
        ending_b=ending_b,
    )
