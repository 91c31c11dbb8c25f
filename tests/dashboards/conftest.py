"""A small committee whose every dashboard figure is worked out by hand below.

The period under test is Q2 2024 (1 April – 30 June, Asia/Shanghai); its previous period (环比)
is Q1 2024 and the same period a year earlier (同比) is Q2 2023. Committee A has branches A1
and A2 (from the shared ``cast``), six measures M1–M6 and three goals G1–G3.

Members active in Q2 2024 — A1: 张伟 (member_a1), secretary_a1本人, former_secretary_a1本人
(3); A2: 李娜 (member_a2), secretary_a2本人, 调出者 (transferred out on 15 May) (3).
调入者 joins A1 on 1 August 2024 and is active in none of the windows.

Activities of committee A (all times local):

======  ======  ====  ==========  ==================  ===============  ======  =================
 name   branch  meas  status      starts              attendees        goals   partners / vols
======  ======  ====  ==========  ==================  ===============  ======  =================
 early  A1      M1    approved    2024-04-01 07:00    张伟, sec_a1     G1      P1; 10 vol, 100 ben
 may    A1      M1    approved    2024-05-10 09:00    张伟             G1 G2   P1 P2; 5 vol
 late   A2 (+A1 co) M2 approved   2024-06-30 23:30    李娜             G2      —
 mover  A2      M2    approved    2024-04-20 10:00    调出者           —       —
 draft  A1      M3    draft       2024-05-01 10:00    former_sec_a1    G3      P3
 back   A2      M3    returned    2024-05-02 10:00    sec_a2           G3      P3
 queue  A2      M4    submitted   2024-05-03 10:00    sec_a2           —       — (waiting 10 days)
 prev   A2      M1    approved    2024-03-31 23:30    李娜             —       —
 lastyr A1      M2    approved    2023-05-15 10:00    张伟             G1      —
======  ======  ====  ==========  ==================  ===============  ======  =================

``early`` starts at 2024-03-31 23:00 UTC, ``prev`` at 2024-03-31 15:30 UTC: only their local
dates put them in Q2 and Q1. Committee B has an approved activity in Q2 2024 that A never sees.
Also: an honour of A awarded 2024-06-01; a partnership of A1 with P2 from 2024-04-15 to
2024-07-30 (new in Q2, ends within 30 days of 2024-07-10), one of A2 with P1 since 2023.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from activities.models import Activity, ActivityStatus, Goal, Measure, PartnerCheck
from branches.models import Member
from partnerships.models import PartnerOrganisation
from portal.core.periods import Period
from portal.partners.models import Rating, Verdict
from tests import factories
from tests.conftest import rows_for_the_scope

SHANGHAI = ZoneInfo("Asia/Shanghai")
Q2_2024 = Period.quarter(dt.date(2024, 5, 1))
#: "today" for the selectors that look at today (quiet partners, idle members, the backlog)
TODAY = dt.date(2024, 7, 10)
#: Committee B's volunteers in the quarter: a number no factory sequence or phone number of
#: a run of the suite contains (999 did: "第1999项目公司党支部"), so finding it means B leaked.
COMMITTEE_B_VOLUNTEERS = 97_531


def local(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@dataclass
class Dashboard:
    cast: object
    measures: list[Measure]
    goals: list[Goal]
    partners: list[PartnerOrganisation]
    mover: Member
    newcomer: Member
    activities: dict[str, Activity]

    def member(self, name: str) -> Member:
        return Member.objects.get(name=name)

    def fresh(self, cast) -> Dashboard:
        """The same rows read again, with ``cast`` (itself read again): a test may change the
        objects in memory without the next test of the module seeing it."""

        def again(objects: list) -> list:
            by_pk = type(objects[0])._default_manager.in_bulk([o.pk for o in objects])
            return [by_pk[o.pk] for o in objects]

        names = list(self.activities)
        activities = again([self.activities[name] for name in names])
        mover, newcomer = again([self.mover, self.newcomer])
        return Dashboard(
            cast=cast,
            measures=again(self.measures),
            goals=again(self.goals),
            partners=again(self.partners),
            mover=mover,
            newcomer=newcomer,
            activities=dict(zip(names, activities, strict=True)),
        )


def make_activity(committee, branch, measure, status, starts_at, **relations) -> Activity:
    activity = factories.ActivityFactory(
        committee=committee,
        branch=branch,
        measure=measure,
        status=status,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=20),
        volunteers=relations.pop("volunteers", 0),
        beneficiaries=relations.pop("beneficiaries", 0),
        submitted_at=relations.pop("submitted_at", None),
        # The scene's figures count exactly the partners and attendees it names.
        partners=relations.pop("partners", []),
        attendees=relations.pop("attendees", []),
        evidence=False,  # and the files it names
    )
    for name, rows in relations.items():
        getattr(activity, name).set(rows)
    return activity


@pytest.fixture
def dash(request: pytest.FixtureRequest, cast) -> Dashboard:
    """The committee above: read again from the module's shared one where the module shares its
    cast (``tests/conftest.py``: no transactional test, every database test with the cast),
    made afresh otherwise."""
    if "module_dash" in request.fixturenames:
        return request.getfixturevalue("module_dash").fresh(cast)
    return build_dash(cast)


@pytest.fixture(scope="module")
def module_dash(module_cast, django_db_blocker) -> Iterator[Dashboard]:
    """The committee, made once for a module whose tests only read it (``rows_for_the_scope``);
    what a test changes is undone after it as usual."""
    with rows_for_the_scope(django_db_blocker):
        yield build_dash(module_cast)


def build_dash(cast) -> Dashboard:
    a = cast.committee_a
    measures = [
        factories.MeasureFactory(committee=a, position=i, code=f"M{i}") for i in range(1, 7)
    ]
    goals = [factories.GoalFactory(committee=a, position=i, code=f"G{i}") for i in range(1, 4)]
    p1, p2, p3 = (factories.PartnerFactory(committee=a, name=f"共建单位P{i}") for i in (1, 2, 3))
    mover = factories.MemberFactory(
        branch=cast.branch_a2, name="调出者", active_to=dt.date(2024, 5, 15)
    )
    newcomer = factories.MemberFactory(
        branch=cast.branch_a1, name="调入者", active_from=dt.date(2024, 8, 1)
    )
    sec_a1 = Member.objects.get(name="secretary_a1本人")
    sec_a2 = Member.objects.get(name="secretary_a2本人")
    former = Member.objects.get(name="former_secretary_a1本人")
    m1, m2, m3, m4 = measures[:4]
    g1, g2, g3 = goals
    a1, a2 = cast.branch_a1, cast.branch_a2
    approved, draft = ActivityStatus.APPROVED, ActivityStatus.DRAFT
    acts = {
        "early": make_activity(
            a, a1, m1, approved, local(2024, 4, 1, 7),
            attendees=[cast.member_a1, sec_a1], goals=[g1], partners=[p1],
            volunteers=10, beneficiaries=100,
        ),
        "may": make_activity(
            a, a1, m1, approved, local(2024, 5, 10, 9),
            attendees=[cast.member_a1], goals=[g1, g2], partners=[p1, p2], volunteers=5,
        ),
        "late": make_activity(
            a, a2, m2, approved, local(2024, 6, 30, 23, 30),
            attendees=[cast.member_a2], goals=[g2], co_branches=[a1],
        ),
        "mover": make_activity(a, a2, m2, approved, local(2024, 4, 20), attendees=[mover]),
        "draft": make_activity(
            a, a1, m3, draft, local(2024, 5, 1), attendees=[former], goals=[g3], partners=[p3]
        ),
        "back": make_activity(
            a, a2, m3, ActivityStatus.RETURNED, local(2024, 5, 2),
            attendees=[sec_a2], goals=[g3], partners=[p3],
        ),
        "queue": make_activity(
            a, a2, m4, ActivityStatus.SUBMITTED, local(2024, 5, 3),
            attendees=[sec_a2], submitted_at=timezone.now() - dt.timedelta(days=10),
        ),
        "prev": make_activity(
            a, a2, m1, approved, local(2024, 3, 31, 23, 30), attendees=[cast.member_a2]
        ),
        "lastyr": make_activity(
            a, a1, m2, approved, local(2023, 5, 15), attendees=[cast.member_a1], goals=[g1]
        ),
    }  # fmt: skip
    b_measure = factories.MeasureFactory(committee=cast.committee_b, position=1, code="M1")
    make_activity(
        cast.committee_b, cast.branch_b1, b_measure, approved, local(2024, 5, 5),
        attendees=[cast.member_b1], volunteers=COMMITTEE_B_VOLUNTEERS,
    )  # fmt: skip
    factories.HonourFactory(committee=a, branch=a1, awarded_on=dt.date(2024, 6, 1))
    factories.HonourFactory(committee=a, branch=a1, awarded_on=dt.date(2023, 12, 1))
    ending = factories.PartnershipFactory(
        committee=a, branch=a1, starts_on=dt.date(2024, 4, 15), ends_on=dt.date(2024, 7, 30)
    )
    factories.PartnershipMemberFactory(partnership=ending, partner=p2)
    older = factories.PartnershipFactory(committee=a, branch=a2, starts_on=dt.date(2023, 1, 1))
    factories.PartnershipMemberFactory(partnership=older, partner=p1)
    return Dashboard(
        cast=cast,
        measures=measures,
        goals=goals,
        partners=[p1, p2, p3],
        mover=mover,
        newcomer=newcomer,
        activities=acts,
    )


# --- The partners' answers -------------------------------------------------------------------
#
# ``answered`` adds to the committee above what its partner units said (times local):
#
# ======  ========  =======================================================  ==============
#  act.   partners  answers (contact: verdict, evaluation, when)             partner_check
# ======  ========  =======================================================  ==============
#  early  P1        P1甲: confirmed, 基本满意, 04-02; P1甲 again: confirmed,   confirmed
#                   满意, 04-05 (their latest evaluation is the one counted)
#  may    P1 P2     P1乙: confirmed, 基本满意, 05-11; P2甲: correction,        correction
#                   不满意, 05-12 (open: the record stands corrected-asked)
#  late   P2 (new)  P2甲: confirmed, 满意, 07-02                               confirmed
#  back   P3        P3甲: correction, 不满意 (returned: never counted)         correction
#  prev   P1 (new)  asked, no answer (Q1)                                    pending
#  B's    PB (new)  PB甲: confirmed, 满意 (committee B: never in A's figures)  confirmed
# ======  ========  =======================================================  ==============
#
# Q2 2024, approved activities with partners: the committee 3 (early, may, late), 2 confirmed
# (2/3), 1 with a correction asked (may), evaluations 满意 2 (early, late), 基本满意 1 (may),
# 不满意 1 (may). Q1: 1 with partners (prev), none confirmed (0 %). A1 (early, may; late
# co-organised): as the committee. A2 (late; mover has no partners): 1, 1 confirmed, 满意 1.
# Per partner in Q2 — P1: 2 joint (early, may), 1 confirmed (early; its 乙's confirmation of
# may is overruled by P2's correction), 满意 1, 基本满意 1. P2: 2 joint (may, late),
# 1 confirmed (late), 1 correction asked (may), 满意 1, 不满意 1. P3: nothing approved.


@dataclass
class Answered:
    dash: Dashboard
    contacts: dict[str, object]


def partner_answer(activity, contact, day: dt.datetime, verdict: str, rating: str = ""):
    return factories.PartnerAnswerFactory(
        link__activity=activity,
        link__contact=contact,
        verdict=verdict,
        rating=rating,
        answered_at=day,
    )


@pytest.fixture
def answered(dash) -> Answered:
    p1, p2, p3 = dash.partners
    acts = dash.activities
    contacts = {
        name: factories.ContactFactory(partner=partner, name=name)
        for name, partner in (("P1甲", p1), ("P1乙", p1), ("P2甲", p2), ("P3甲", p3))
    }
    confirmed, correction = Verdict.CONFIRMED, Verdict.CORRECTION
    partner_answer(acts["early"], contacts["P1甲"], local(2024, 4, 2), confirmed, Rating.FAIR)
    partner_answer(acts["early"], contacts["P1甲"], local(2024, 4, 5), confirmed, Rating.SATISFIED)
    partner_answer(acts["may"], contacts["P1乙"], local(2024, 5, 11), confirmed, Rating.FAIR)
    partner_answer(
        acts["may"], contacts["P2甲"], local(2024, 5, 12), correction, Rating.DISSATISFIED
    )
    acts["late"].partners.add(p2)
    partner_answer(acts["late"], contacts["P2甲"], local(2024, 7, 2), confirmed, Rating.SATISFIED)
    partner_answer(
        acts["back"], contacts["P3甲"], local(2024, 5, 3), correction, Rating.DISSATISFIED
    )
    acts["prev"].partners.add(p1)
    b_activity = Activity.objects.get(committee=dash.cast.committee_b)
    b_partner = factories.PartnerFactory(committee=dash.cast.committee_b, name="共建单位PB")
    b_activity.partners.add(b_partner)
    b_contact = factories.ContactFactory(partner=b_partner, name="PB甲")
    partner_answer(b_activity, b_contact, local(2024, 5, 6), confirmed, Rating.SATISFIED)
    for activity, state in (
        (acts["early"], PartnerCheck.CONFIRMED),
        (acts["may"], PartnerCheck.CORRECTION),
        (acts["late"], PartnerCheck.CONFIRMED),
        (acts["back"], PartnerCheck.CORRECTION),
        (acts["prev"], PartnerCheck.PENDING),
        (b_activity, PartnerCheck.CONFIRMED),
    ):
        Activity.objects.filter(pk=activity.pk).update(partner_check=state)
        activity.partner_check = state
    return Answered(dash=dash, contacts=contacts)
