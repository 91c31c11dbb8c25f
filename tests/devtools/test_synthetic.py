"""generate_group: a synthetic group at the tiny scale obeys the portal's own rules."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from activities.models import (
    Activity,
    ActivityAction,
    ActivityEvent,
    ActivityStatus,
    Honour,
    PartnerCheck,
)
from branches.access import scope_for
from branches.models import Branch, BranchRole, Committee, Member, RoleKind
from partnerships.models import Contact, PartnerOrganisation, Partnership, PartnershipMember
from portal.devtools import demo_data
from portal.devtools.synthetic import (
    BENCH_PASSWORD,
    MARKER,
    SCALES,
    SIGNIN_DAYS,
    SIGNIN_SHARE,
    Scale,
    SyntheticDataRefused,
    generate_group,
)
from portal.partners.models import PartnerAnswer, PartnerLink, Rating, Verdict
from portal.signin.models import EXTERNAL_KINDS, EntryKind, EntryMethod, SignInEntry, SignInSheet
from tests import factories

TODAY = dt.date(2025, 6, 18)
TINY = SCALES["tiny"]


@pytest.fixture
def group(db):
    return generate_group(scale=TINY, seed=7, today=TODAY)


def test_tiny_group_has_the_rows_its_scale_names(group):
    assert Committee.objects.count() == TINY.committees
    assert Branch.objects.count() == TINY.branches
    assert Member.objects.count() == TINY.members
    assert PartnerOrganisation.objects.count() == TINY.partners
    assert Activity.objects.count() == TINY.activities
    assert all(c.description.startswith(MARKER) for c in Committee.objects.all())
    for committee in Committee.objects.all():
        assert committee.framework.name
        assert committee.goals.count() == 3
        assert committee.measures.count() == 6
    assert Partnership.objects.exists()
    assert PartnershipMember.objects.count() == Partnership.objects.count()
    assert Honour.objects.exists()
    assert group.counts["activities"] == TINY.activities


def test_attendees_come_from_the_organising_branch_and_were_members_on_the_day(group):
    through = Activity.attendees.through
    rows = through.objects.select_related("activity", "member")
    assert rows.count() > 0
    per_activity = Counter()
    for row in rows:
        activity, member = row.activity, row.member
        per_activity[activity.pk] += 1
        if activity.branch_id:
            assert member.branch_id == activity.branch_id
        assert member.committee_id == activity.committee_id
        assert member.is_active_on(activity.local_start_date), (activity.pk, member.pk)
    average = sum(per_activity.values()) / len(per_activity)
    assert 7 <= average <= 14
    # Nobody attends an activity that has not happened yet.
    future = Activity.objects.filter(starts_at__gt=timezone.now())
    assert not through.objects.filter(activity__in=future).exists()


def test_every_activity_passes_the_models_own_checks(group):
    activities = Activity.objects.prefetch_related("partners", "attendees", "co_branches", "goals")
    for activity in activities:
        activity.full_clean()
        activity.validate_relations(
            partners=activity.partners.all(),
            attendees=activity.attendees.all(),
            co_branches=activity.co_branches.all(),
            goals=activity.goals.all(),
        )
    for member in Member.objects.all():
        member.full_clean()
    for link in PartnershipMember.objects.select_related("partnership", "partner"):
        link.full_clean()
    for honour in Honour.objects.prefetch_related("activities"):
        honour.full_clean()
        honour.validate_relations(activities=honour.activities.all())
    for contact in Contact.objects.all():
        contact.full_clean()
    for link in PartnerLink.objects.all():
        link.full_clean()
    for answer in PartnerAnswer.objects.all():
        answer.full_clean()
    for sheet in SignInSheet.objects.all():
        sheet.full_clean()
    for entry in SignInEntry.objects.all():
        entry.full_clean()
    for branch in Branch.objects.all():
        assert (
            BranchRole.objects.current_on(TODAY)
            .filter(branch=branch, role=RoleKind.SECRETARY)
            .exists()
        )


def test_statuses_are_mostly_approved_with_some_in_every_other_state(group):
    statuses = Counter(Activity.objects.values_list("status", flat=True))
    assert statuses[ActivityStatus.APPROVED] > 0.8 * TINY.activities
    for status in (ActivityStatus.DRAFT, ActivityStatus.SUBMITTED, ActivityStatus.RETURNED):
        assert statuses[status] >= 1, statuses


def test_timeline_matches_each_activitys_status(group):
    for activity in Activity.objects.prefetch_related("events"):
        events = list(activity.events.all())
        assert events[0].action == ActivityAction.CREATED
        assert events[-1].to_status == activity.status
        assert all(e.at <= timezone.now() for e in events)
        if activity.status == ActivityStatus.APPROVED:
            assert events[-1].action == ActivityAction.APPROVED
            assert events[-1].actor_id == activity.reviewed_by_id
    returned = Activity.objects.filter(status=ActivityStatus.RETURNED).first()
    assert returned.review_comment
    assert ActivityEvent.objects.filter(activity=returned, comment=returned.review_comment)


# --- the partners' side, in the demo's proportions ----------------------------------------------


def test_each_partner_has_one_contact_its_default(group):
    assert Contact.objects.count() == TINY.partners
    assert not Contact.objects.filter(is_primary=False).exists()


def test_most_approved_activities_with_partners_are_confirmed_the_others_never_asked(group):
    with_partners = Activity.objects.exclude(partners=None)
    approved = Counter(
        with_partners.filter(status=ActivityStatus.APPROVED).values_list("partner_check", flat=True)
    )
    assert set(approved) == {PartnerCheck.CONFIRMED, PartnerCheck.NOT_ASKED}
    share = approved[PartnerCheck.CONFIRMED] / approved.total()
    assert abs(share - demo_data.CONFIRMED_SHARE) < 0.1, approved
    # Nothing without a partner, and no draft, is asked about.
    assert set(Activity.objects.filter(partners=None).values_list("partner_check", flat=True)) == {
        PartnerCheck.NOT_ASKED
    }
    drafts = Activity.objects.filter(status=ActivityStatus.DRAFT)
    assert not drafts.exclude(partner_check=PartnerCheck.NOT_ASKED).exists()
    assert not PartnerLink.objects.filter(activity__status=ActivityStatus.DRAFT).exists()


def test_confirmed_activities_carry_answers_through_their_own_links_mostly_satisfied(group):
    confirmed = Activity.objects.filter(partner_check=PartnerCheck.CONFIRMED).prefetch_related(
        "partners", "partner_answers__link", "events"
    )
    for activity in confirmed:
        answers = [a for a in activity.partner_answers.all() if a.verdict == Verdict.CONFIRMED]
        assert answers, activity.pk
        partners = {p.pk for p in activity.partners.all()}
        for answer in answers:
            assert answer.partner_id in partners
            assert answer.link.activity_id == activity.pk
            assert answer.link.contact_id == answer.contact_id
            assert answer.link.answered_at == answer.answered_at
            assert activity.submitted_at < answer.answered_at < activity.reviewed_at
    ratings = Counter(
        PartnerAnswer.objects.filter(verdict=Verdict.CONFIRMED).values_list("rating", flat=True)
    )
    assert set(ratings) == {Rating.SATISFIED, Rating.FAIR}
    assert ratings[Rating.SATISFIED] > 2 * ratings[Rating.FAIR]


def test_submitted_activities_with_partners_wait_and_returned_ones_wait_or_need_correcting(
    group,
):
    waiting = Activity.objects.exclude(partners=None).filter(
        status__in=[ActivityStatus.SUBMITTED, ActivityStatus.RETURNED]
    )
    assert waiting.exists()
    for activity in waiting:
        links = list(PartnerLink.objects.filter(activity=activity))
        assert links, activity.pk
        if activity.partner_check == PartnerCheck.PENDING:
            assert all(link.answered_at is None for link in links)
            assert not activity.partner_answers.exists()
        else:  # its partner's correction sent it back
            assert activity.status == ActivityStatus.RETURNED
            assert activity.partner_check == PartnerCheck.CORRECTION
            correction = activity.partner_answers.get()
            assert correction.verdict == Verdict.CORRECTION
            assert correction.comment in activity.review_comment
            assert activity.reviewed_by is None


def test_partner_steps_are_on_the_timelines_with_the_contact(group):
    answered = ActivityEvent.objects.filter(
        action__in=[ActivityAction.PARTNER_CONFIRMED, ActivityAction.PARTNER_CORRECTION]
    )
    assert answered.count() == PartnerAnswer.objects.count()
    assert not answered.filter(contact=None).exists()
    assert not answered.exclude(actor=None).exists()
    asked = ActivityEvent.objects.filter(action=ActivityAction.PARTNER_ASKED)
    assert asked.count() == PartnerLink.objects.values("activity", "created_at").distinct().count()
    # A partner's correction returns the activity: the return names the contact, not a reviewer.
    partner_returns = ActivityEvent.objects.filter(
        action=ActivityAction.RETURNED, contact__isnull=False
    )
    assert (
        partner_returns.count() == PartnerAnswer.objects.filter(verdict=Verdict.CORRECTION).count()
    )
    assert not partner_returns.exclude(actor=None).exists()


@pytest.mark.django_db
def test_a_bigger_group_has_corrections_made_and_asked_in_about_the_demos_share():
    scale = Scale(committees=2, branches=12, members=240, partners=30, activities=2000)
    generate_group(scale=scale, seed=5, today=TODAY)

    confirmed = Activity.objects.filter(partner_check=PartnerCheck.CONFIRMED)
    corrected = confirmed.filter(partner_answers__verdict=Verdict.CORRECTION).distinct()
    # About 2% of the confirmations followed a correction (the demo: one in some seventy).
    assert 0.005 < corrected.count() / confirmed.count() < 0.04
    for activity in corrected[:5]:
        actions = [e.action for e in activity.events.all()]
        assert actions.count(ActivityAction.PARTNER_ASKED) == 2
        assert actions.index(ActivityAction.PARTNER_CORRECTION) < actions.index(
            ActivityAction.PARTNER_CONFIRMED
        )
        assert actions[-1] == ActivityAction.APPROVED
    assert Activity.objects.filter(partner_check=PartnerCheck.CORRECTION).exists()
    # Every answer came through a link about its own activity.
    assert not PartnerAnswer.objects.exclude(link__activity=F("activity")).exists()


# --- the on-site sign-in ------------------------------------------------------------------------


def _held_recently() -> list[Activity]:
    since = TODAY - dt.timedelta(days=SIGNIN_DAYS)
    return [
        a
        for a in Activity.objects.filter(ends_at__lte=timezone.now())
        if since <= a.local_start_date <= TODAY
    ]


def test_a_share_of_the_recent_activities_was_held_with_a_sign_in_that_is_their_record(group):
    recent = _held_recently()
    sheets = list(SignInSheet.objects.select_related("activity").prefetch_related("entries"))
    assert 0 < len(sheets) < len(recent)
    assert {s.activity for s in sheets} <= set(recent)
    assert group.counts["sign-in sheets"] == len(sheets)
    for sheet in sheets:
        activity = sheet.activity
        entries = list(sheet.entries.all())
        attending = [e.member_id for e in entries if e.kind == EntryKind.ATTENDEE]
        assert sorted(attending) == sorted(activity.attendees.values_list("pk", flat=True))
        external = [e for e in entries if e.kind in EXTERNAL_KINDS]
        assert len(external) == activity.external_participants
        partners = set(activity.partners.values_list("pk", flat=True))
        assert all(e.partner_id in partners for e in entries if e.kind == EntryKind.PARTNER)
        assert all(e.unit_name for e in entries if e.kind == EntryKind.GUEST)
        organisers = activity.organising_branch_ids()
        for entry in entries:
            if entry.kind == EntryKind.MEMBER_GUEST:
                assert entry.member.branch_id not in organisers
        # Closed after the activity, by whoever logged it; no 签到表 PDF (sheet_file empty).
        opens, ends = sheet.window()
        assert sheet.opened_at >= opens
        assert all(sheet.opened_at <= e.signed_at <= ends for e in entries)
        assert ends <= sheet.closed_at == sheet.applied_at <= timezone.now()
        assert sheet.opened_by_id == sheet.closed_by_id == activity.created_by_id
        assert sheet.sheet_file is None
        assert all(
            e.added_by_id == activity.created_by_id for e in entries if e.method == EntryMethod.HAND
        )
        # Logged before the sign-in opened; opened, changed by hand, closed while a draft.
        events = list(activity.events.all())
        steps = [e for e in events if e.action.startswith("si_")]
        assert events[0].action == ActivityAction.CREATED
        assert events[0].at < sheet.opened_at
        assert steps[0].action == ActivityAction.SIGNIN_OPENED
        assert steps[-1].action == ActivityAction.SIGNIN_CLOSED
        assert {e.to_status for e in steps} == {ActivityStatus.DRAFT}
        if activity.submitted_at:
            assert sheet.closed_at < activity.submitted_at
    assert SignInEntry.objects.filter(kind=EntryKind.PARTNER).exists()


@pytest.mark.django_db
def test_a_bigger_group_has_sign_ins_on_about_one_in_five_recent_activities_every_way():
    scale = Scale(committees=2, branches=12, members=240, partners=30, activities=2000)
    generate_group(scale=scale, seed=5, today=TODAY)

    share = SignInSheet.objects.count() / len(_held_recently())
    assert abs(share - SIGNIN_SHARE) < 0.07, share
    entries = SignInEntry.objects.all()
    assert set(entries.values_list("kind", flat=True)) == set(EntryKind.values)
    assert set(entries.values_list("method", flat=True)) == set(EntryMethod.values)
    assert entries.exclude(phone="").exists()


def test_benchmark_logins_reach_what_their_roles_say(group):
    users = get_user_model().objects
    root = users.get(username="bench_root")
    assert root.is_superuser
    assert root.password.startswith("pbkdf2_sha256$")
    first = Committee.objects.order_by("pk").first()
    staff_scope = scope_for(users.get(username="bench_staff_001"))
    assert staff_scope.staff_committee_ids == {first.pk}
    secretary = users.get(username="bench_secretary_001_001")
    assert scope_for(secretary).editable_branch_ids == {secretary.member.branch_id}
    assert group.password == BENCH_PASSWORD


def _snapshot(seed: int) -> list[tuple]:
    """The rows a seed produces, rolled back afterwards so that the next run starts clean."""

    class Rollback(Exception):
        pass

    rows: list[tuple] = []
    try:
        with transaction.atomic():
            generate_group(scale=TINY, seed=seed, today=TODAY)
            for a in Activity.objects.order_by("pk").prefetch_related("attendees", "goals"):
                rows.append(
                    (
                        a.title,
                        a.status,
                        a.starts_at,
                        a.branch_id,
                        a.measure_id,
                        tuple(sorted(m.member_number for m in a.attendees.all())),
                        tuple(sorted(g.code for g in a.goals.all())),
                    )
                )
            rows.extend(Member.objects.order_by("pk").values_list("name", "active_to"))
            raise Rollback
    except Rollback:
        pass
    return rows


@pytest.mark.django_db
def test_same_seed_gives_the_same_group_and_another_seed_another():
    first = _snapshot(3)
    assert first == _snapshot(3)
    assert first != _snapshot(4)


def test_refuses_a_database_with_other_data_unless_forced(db):
    factories.CommitteeFactory(name="真实党委")
    with pytest.raises(SyntheticDataRefused, match="not synthetic"):
        generate_group(scale=TINY, seed=1, today=TODAY)
    with pytest.raises(CommandError, match="not synthetic"):
        call_command("generate_group", "--scale", "tiny")
    generate_group(scale=TINY, seed=1, today=TODAY, force=True)
    assert Committee.objects.count() == TINY.committees + 1


def test_refuses_a_second_group_even_when_forced(group):
    with pytest.raises(SyntheticDataRefused, match="already holds a synthetic group"):
        generate_group(scale=TINY, seed=2, today=TODAY, force=True)
