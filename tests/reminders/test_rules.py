"""Who is reminded of what (``portal.reminders.services``): each role only its kinds, each the
right items."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from branches.models import CommitteeRoleKind, RoleKind
from branches.services import branch_role_assign, committee_role_grant
from portal.core.periods import Period
from portal.dashboards import selectors as dashboards
from portal.reminders.models import Reminder, ReminderKind, iso_week
from portal.reminders.services import reminders_due, reminders_record
from tests import factories


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def due_for(work, user) -> set[tuple[str, str]]:
    return {(d.kind, d.item_key) for d in reminders_due(work.today) if d.recipient_id == user.pk}


def kinds_for(work, user) -> set[str]:
    return {kind for kind, _key in due_for(work, user)}


def uncovered_key(work, branch, measure) -> str:
    quarter = Period.quarter(work.today)
    return f"branch:{branch.pk}/measure:{measure.pk}/{quarter.start.isoformat()}"


def test_the_uncovered_measure_reminder_names_the_branch_that_has_not_covered_it(work):
    cast = work.cast
    reminders_record(work.today)

    reminder = Reminder.objects.get(kind=ReminderKind.UNCOVERED_MEASURE)

    # A2 has not covered M1 this quarter: its M1 activity was last quarter, its M1 submission is
    # not approved. A1 covered M1 itself and M2 as co-organiser of A2's activity.
    assert reminder.recipient == cast.secretary_a2
    assert reminder.detail["branch"] == "宿迁项目公司党支部"
    with translation.override("en"):
        quarter = Period.quarter(work.today).label
        assert reminder.message == (
            f"宿迁项目公司党支部 has logged no approved activity under M1 "
            f"{work.m1.title_en} in {quarter}."
        )
    assert reminder.link == f"/dashboard/branches/{cast.branch_a2.pk}/"


def test_uncovered_measures_are_the_empty_cells_of_the_coverage_matrix(work):
    cast = work.cast
    period = Period.quarter(work.today)
    matrix = dashboards.coverage_matrix(cast.committee_a, period)
    empty_cells = {
        uncovered_key(work, row.branch, measure) for row in matrix.rows for measure in row.gaps
    }
    due = {
        d.item_key
        for d in reminders_due(work.today)
        if d.kind == ReminderKind.UNCOVERED_MEASURE and d.committee_id == cast.committee_a.pk
    }

    assert due == empty_cells == {uncovered_key(work, cast.branch_a2, work.m1)}


def test_secretary_is_reminded_of_their_branchs_gaps_and_returned_activities_only(work):
    cast = work.cast

    assert due_for(work, cast.secretary_a1) == {
        (ReminderKind.RETURNED_ACTIVITY, f"activity:{work.returned_a1.pk}"),
    }
    assert due_for(work, cast.secretary_a2) == {
        (ReminderKind.UNCOVERED_MEASURE, uncovered_key(work, cast.branch_a2, work.m1)),
        # A2 organises it; A1 only co-organises it and is not asked to resubmit it.
        (ReminderKind.RETURNED_ACTIVITY, f"activity:{work.returned_a2.pk}"),
    }


def test_committee_staff_are_reminded_of_submissions_waiting_over_seven_days_only(work):
    due = [d for d in reminders_due(work.today) if d.recipient_id == work.cast.staff_a.pk]

    assert [(d.kind, d.item_key) for d in due] == [
        (ReminderKind.REVIEW_WAITING, f"activity:{work.waiting_long.pk}")
    ]
    assert due[0].detail["organiser"] == "宿迁项目公司党支部"
    assert due[0].detail["days"] == 10
    assert due[0].link == f"/activities/{work.waiting_long.pk}/"


def test_committee_admins_are_reminded_of_agreements_ending_within_60_days_only(work):
    cast = work.cast
    due_a = [d for d in reminders_due(work.today) if d.recipient_id == cast.admin_a.pk]
    due_b = [d for d in reminders_due(work.today) if d.recipient_id == cast.admin_b.pk]

    assert [d.kind for d in due_a] == [ReminderKind.AGREEMENT_ENDING]
    assert due_a[0].detail == {
        "partner": "富春湾集团、春江街道",  # in the order they joined, then by name
        "partnership": "杭州结对共建协议",
        "date": (work.today + dt.timedelta(days=20)).isoformat(),
        "days": 20,
    }
    assert due_a[0].link == f"/admin/partnerships/partnership/{work.ending_soon.pk}/change/"
    # Committee B's agreement goes to B's admin, and A's to nobody in B.
    assert [d.detail["partnership"] for d in due_b] == ["外单位协议"]


@pytest.mark.parametrize(
    ("who", "kinds"),
    [
        ("secretary_a1", {ReminderKind.RETURNED_ACTIVITY}),
        ("secretary_a2", {ReminderKind.UNCOVERED_MEASURE, ReminderKind.RETURNED_ACTIVITY}),
        ("staff_a", {ReminderKind.REVIEW_WAITING}),
        ("admin_a", {ReminderKind.AGREEMENT_ENDING}),
        ("admin_b", {ReminderKind.AGREEMENT_ENDING}),
        ("former_secretary_a1", set()),
        ("superuser", set()),
    ],
)
def test_each_role_gets_only_its_kinds(work, who, kinds):
    assert kinds_for(work, getattr(work.cast, who)) == kinds


def test_a_secretary_whose_login_is_disabled_or_whose_role_ended_gets_nothing(work):
    cast = work.cast
    cast.secretary_a2.is_active = False
    cast.secretary_a2.save()

    assert kinds_for(work, cast.secretary_a2) == set()

    role = cast.secretary_a1.member.roles.get(role=RoleKind.SECRETARY, ends_on=None)
    role.ends_on = work.today - dt.timedelta(days=1)
    role.save()
    assert kinds_for(work, cast.secretary_a1) == set()


def test_a_user_with_both_roles_gets_both_kinds(work):
    cast = work.cast
    committee_role_grant(
        user=cast.staff_a, committee=cast.committee_a, role=CommitteeRoleKind.ADMIN
    )

    assert kinds_for(work, cast.staff_a) == {
        ReminderKind.REVIEW_WAITING,
        ReminderKind.AGREEMENT_ENDING,
    }


def test_recording_takes_a_fixed_number_of_queries_whatever_the_number_of_committees(
    work, django_assert_num_queries
):
    # secretaries, measures, covered pairs, returned; partners unanswered, corrections; staff,
    # waiting; admins, partnerships, their partners, the agreement stages already recorded;
    # the week's recorded keys, the insert
    with django_assert_num_queries(14):
        first = reminders_record(work.today)

    other = factories.CommitteeFactory(name="第三党委")
    for n in range(3):
        branch = factories.BranchFactory(committee=other, name=f"第三党委第{n}支部")
        user = factories.UserFactory(username=f"third_secretary_{n}")
        member = factories.MemberFactory(branch=branch, user=user)
        branch_role_assign(branch=branch, member=member, role=RoleKind.SECRETARY)
        factories.MeasureFactory(committee=other, position=n + 1)
    with django_assert_num_queries(14):
        second = reminders_record(work.today + dt.timedelta(days=7))

    # Next week: the three new secretaries' three gaps each, and the short wait is now long;
    # the two agreements ending (to admin_a and admin_b) were told at their stage already.
    assert len(second) == len(first) + 3 * 3 + 1 - 2
    assert Reminder.objects.filter(week=iso_week(work.today)).count() == len(first)


# --- Agreements ending: 60 and 30 days before, to the admins and the branch (issue 18) --------


def _agreement_reminders(work, partnership) -> list[tuple[int, str]]:
    return sorted(
        (d.recipient_id, d.item_key.rsplit("/", 1)[1])
        for d in reminders_due(work.today)
        if d.kind == ReminderKind.AGREEMENT_ENDING
        and d.item_key.startswith(f"partnership:{partnership.pk}/")
    )


def test_a_branchs_agreement_is_told_at_60_and_at_30_days_once_each(work):
    cast = work.cast
    partnership = factories.PartnershipFactory(
        committee=cast.committee_a,
        branch=cast.branch_a1,
        title="春江社区结对共建",
        starts_on=dt.date(2024, 1, 1),
        ends_on=work.today + dt.timedelta(days=50),
    )
    told = sorted([(cast.admin_a.pk, "60"), (cast.secretary_a1.pk, "60")])
    assert _agreement_reminders(work, partnership) == told
    secretary_due = [
        d
        for d in reminders_due(work.today)
        if d.recipient_id == cast.secretary_a1.pk and d.kind == ReminderKind.AGREEMENT_ENDING
    ]
    # The secretary has no admin: the branch's page, where its partnerships are.
    assert [d.link for d in secretary_due] == [f"/dashboard/branches/{cast.branch_a1.pk}/"]
    assert secretary_due[0].detail["days"] == 50
    reminders_record(work.today)
    # The weeks after, until 30 days are left: not again.
    work.today += dt.timedelta(days=7)
    assert _agreement_reminders(work, partnership) == []
    # 30 days left: told once more, then not again.
    work.today += dt.timedelta(days=13)
    assert _agreement_reminders(work, partnership) == sorted(
        [(cast.admin_a.pk, "30"), (cast.secretary_a1.pk, "30")]
    )
    reminders_record(work.today)
    work.today += dt.timedelta(days=7)
    assert _agreement_reminders(work, partnership) == []


def test_a_renewed_agreement_is_not_told(work):
    from partnerships.services import partnership_renew

    cast = work.cast
    partnership = factories.PartnershipFactory(
        committee=cast.committee_a,
        branch=cast.branch_a1,
        starts_on=dt.date(2024, 1, 1),
        ends_on=work.today + dt.timedelta(days=25),
    )
    assert _agreement_reminders(work, partnership)
    partnership_renew(
        partnership,
        starts_on=partnership.ends_on + dt.timedelta(days=1),
        ends_on=partnership.ends_on + dt.timedelta(days=366),
        by=cast.admin_a,
    )
    assert _agreement_reminders(work, partnership) == []
