"""Who may do what with an activity: the one place views and services ask.

Reading is decided by ``Activity.objects.for_user`` (``branches.access``): committee staff and
admins read their committee's activities, branch editors those of the branches they hold a
current role in (organised or co-organised), a superuser everything. The helpers below add the
rules for writing:

* the **organiser** edits and submits: an editor of the organising branch, or — for an activity
  of the committee itself (no branch) — the committee's staff and admins;
* only while the activity is a draft or returned (approved ones are locked until reopened);
* **reviewers** (committee staff and admins of its committee, a superuser) approve, return and
  reopen;
* **four eyes**: nobody approves or returns their own work (``is_own_work``), unless the
  committee allows it (``Committee.allow_self_review``, for a single reviewer); the timeline
  marks each such review.

Objects out of a user's reading scope are a 404 (``get_activity_or_404``), never a 403, so
that guessing ids tells an outsider nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, OuterRef, Q
from django.shortcuts import get_object_or_404

from activities.models import (
    AUTHOR_ACTIONS,
    FOUR_EYES_ACTIONS,
    REVIEW_ACTIONS,
    Activity,
    ActivityAction,
    ActivityEvent,
    ActivityQuerySet,
    Attachment,
)
from branches.access import scope_for
from branches.models import Branch, Committee

User = AbstractBaseUser | AnonymousUser


def activities_for(user: User) -> ActivityQuerySet:
    """The activities ``user`` may read."""
    return Activity.objects.for_user(user)


def get_activity_or_404(user: User, pk: int) -> Activity:
    return get_object_or_404(activities_for(user).select_related("committee", "branch"), pk=pk)


def get_attachment_or_404(user: User, pk: int) -> Attachment:
    return get_object_or_404(Attachment.objects.for_user(user).select_related("activity"), pk=pk)


def is_organiser(user: User, activity: Activity) -> bool:
    """Whether ``user`` speaks for the activity's organiser (whatever its status)."""
    scope = scope_for(user)
    if activity.branch_id is None:
        return scope.reviews_committee(activity.committee_id)
    return activity.branch_id in scope.editable_branch_ids


def speaks_for_organisers(user: User, activity: Activity) -> bool:
    """Whether ``user`` speaks for any of the activity's organisers: an officer of its
    organising or a co-organising branch, or committee staff (reviewers) of its committee for
    a committee-level activity. Broader than ``is_organiser`` (the organising branch alone),
    for what the co-organisers share: the on-site sign-in (``portal.signin``)."""
    if not user.is_authenticated:
        return False
    scope = scope_for(user)
    if activity.branch_id is None:
        return scope.reviews_committee(activity.committee_id)
    return bool(activity.organising_branch_ids() & scope.editable_branch_ids)


def can_edit(user: User, activity: Activity) -> bool:
    """Change the activity's fields and attachments: its organiser, while it is editable."""
    return activity.is_editable and is_organiser(user, activity)


def can_review(user: User, activity: Activity) -> bool:
    """Approve, return or reopen: committee staff and admins of its committee."""
    return scope_for(user).reviews_committee(activity.committee_id)


def is_own_work(user: User, activity: Activity) -> bool:
    """Whether ``activity`` is ``user``'s own work, which four eyes keep them from judging.

    Their own: they created, changed or submitted it (its creator, its timeline), or they hold
    an office in a branch that organised or co-organised it (whose figures it counts in) — the
    login that is both a branch's secretary and committee staff. Reads the activity's events
    and co-organisers from its prefetched rows when there are (the activity page), otherwise
    with a query each. ``own_work_condition`` states the same rule in SQL for lists.
    """
    if not user.is_authenticated:
        return False
    if activity.created_by_id == user.pk:
        return True
    editable = scope_for(user).editable_branch_ids
    if editable and activity.organising_branch_ids() & editable:
        return True
    if "events" in getattr(activity, "_prefetched_objects_cache", {}):
        return any(
            e.actor_id == user.pk and e.action in AUTHOR_ACTIONS for e in activity.events.all()
        )
    return activity.events.filter(actor_id=user.pk, action__in=AUTHOR_ACTIONS).exists()


def own_work_condition(user: User) -> Q:
    """``is_own_work`` for a list of activities: the same rule as one SQL condition."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    authored = ActivityEvent.objects.filter(
        activity=OuterRef("pk"), actor_id=user.pk, action__in=AUTHOR_ACTIONS
    )
    condition = Q(created_by_id=user.pk) | Q(Exists(authored))
    editable = scope_for(user).editable_branch_ids
    if editable:
        co_organised = Activity.co_branches.through.objects.filter(
            activity=OuterRef("pk"), branch_id__in=editable
        )
        condition |= Q(branch_id__in=editable) | Q(Exists(co_organised))
    return condition


def judges_own_work(user: User, activity: Activity, action: str) -> bool:
    """Whether taking ``action`` would have ``user`` approve or return their own work."""
    return action in FOUR_EYES_ACTIONS and is_own_work(user, activity)


def four_eyes_forbid(user: User, activity: Activity, action: str) -> bool:
    """Whether four eyes forbid ``user`` to take ``action``: their own work, and the committee
    does not allow its reviewers to review their own (``Committee.allow_self_review``)."""
    return not activity.committee.allow_self_review and judges_own_work(user, activity, action)


def may_take(user: User, activity: Activity, action: str) -> bool:
    """Whether ``user`` has the right to take ``action`` (the status is checked separately)."""
    if action in REVIEW_ACTIONS:
        return can_review(user, activity) and not four_eyes_forbid(user, activity, action)
    if action == ActivityAction.SUBMITTED:
        return is_organiser(user, activity)
    return False


def actions_for(user: User, activity: Activity) -> list[str]:
    """The workflow actions ``user`` may take on ``activity`` now (for the detail page)."""
    return [a for a in activity.allowed_actions() if may_take(user, activity, a)]


@dataclass(frozen=True)
class Organiser:
    """Somebody the user may log an activity for: one of their branches, or a committee."""

    committee: Committee
    branch: Branch | None

    @property
    def key(self) -> str:
        return f"b{self.branch.pk}" if self.branch else f"c{self.committee.pk}"

    def __str__(self) -> str:
        if self.branch is not None:
            return str(self.branch)
        return str(self.committee)


def organisers_for(user: User) -> list[Organiser]:
    """Who ``user`` may log activities for: their branches, then their committees as such.

    A branch editor logs for the branches they hold a role in; committee staff and admins log
    activities of the committee itself. One query for branches, one for committees.
    """
    scope = scope_for(user)
    organisers: list[Organiser] = []
    if scope.editable_branch_ids:
        branches = (
            Branch.objects.filter(pk__in=scope.editable_branch_ids)
            .select_related("committee")
            .order_by("committee__name", "sort_order", "name")
        )
        organisers.extend(Organiser(committee=b.committee, branch=b) for b in branches)
    reviewed = scope.staff_committee_ids | scope.admin_committee_ids
    committees = (
        Committee.objects.all() if scope.everything else Committee.objects.filter(pk__in=reviewed)
    )
    if scope.everything or reviewed:
        organisers.extend(Organiser(committee=c, branch=None) for c in committees.order_by("name"))
    return organisers
