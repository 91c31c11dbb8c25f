"""generate_group: a synthetic group at the tiny scale obeys the portal's own rules."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from activities.models import Activity, ActivityAction, ActivityEvent, ActivityStatus, Honour
from branches.access import scope_for
from branches.models import Branch, BranchRole, Committee, Member, RoleKind
from partnerships.models import PartnerOrganisation, Partnership, PartnershipMember
from portal.devtools.synthetic import (
    BENCH_PASSWORD,
    MARKER,
    SCALES,
    SyntheticDataRefused,
    generate_group,
)
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
