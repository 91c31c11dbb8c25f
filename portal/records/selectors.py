"""Reads for the records: one activity with everything its 一事一档 shows, and the approved
activities of a period that an evidence pack holds. Scoping comes from ``activities.access``
(``Activity.objects.for_user``); nothing here decides who may see what."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404

from activities.access import activities_for
from activities.models import Activity, ActivityEvent, ActivityQuerySet, Attachment, Goal
from activities.selectors import involving_branch, starting_in
from branches.models import Branch, Committee, Member
from partnerships.models import PartnerOrganisation
from portal.core.periods import Period
from portal.records.models import EvidencePack

User = AbstractBaseUser | AnonymousUser


def with_record_details(queryset: ActivityQuerySet) -> ActivityQuerySet:
    """Everything a record shows, in a fixed number of queries whatever the number of rows.
    Members are read without their phone numbers: a record never shows them."""
    return queryset.select_related(
        "committee", "branch", "measure", "partnership", "reviewed_by"
    ).prefetch_related(
        Prefetch("co_branches", queryset=Branch.objects.order_by("sort_order", "name", "pk")),
        Prefetch("goals", queryset=Goal.objects.order_by("position", "pk")),
        Prefetch("partners", queryset=PartnerOrganisation.objects.order_by("name", "pk")),
        Prefetch(
            "attendees",
            queryset=Member.objects.select_related("branch")
            .defer("phone")
            .order_by("branch__sort_order", "branch__name", "branch_id", "name", "pk"),
        ),
        Prefetch("attachments", queryset=Attachment.objects.order_by("kind", "pk")),
        Prefetch(
            "events",
            queryset=ActivityEvent.objects.select_related("actor", "contact__partner").order_by(
                "at", "pk"
            ),
        ),
    )


def activity_for_record(user: User, pk: int) -> Activity:
    """The activity ``pk`` if ``user`` may read it (404 otherwise, as every activity page)."""
    return get_object_or_404(with_record_details(activities_for(user)), pk=pk)


def pack_activities(
    *, committee: Committee, branch: Branch | None, period: Period
) -> ActivityQuerySet:
    """The approved activities an evidence pack holds: the committee's (or those the branch
    organised or co-organised) starting in ``period``, oldest first."""
    activities = Activity.objects.filter(committee=committee).approved()
    if branch is not None:
        activities = involving_branch(activities, branch)
    return with_record_details(starting_in(activities, period)).order_by("starts_at", "pk")


def packs_for(user: User):
    """The evidence packs ``user`` asked for (newest first) — a pack is its requester's."""
    if not user.is_authenticated:
        return EvidencePack.objects.none()
    return (
        EvidencePack.objects.filter(requested_by=user)
        .select_related("committee", "branch")
        .order_by("-requested_at", "-pk")
    )
