"""Reads for the portal's own pages: the home page (what to do next) and the framework page.

The home page's to-dos are worked out when the page opens, from the same rules as the pages
where they are done — the review queue (``activities.selectors.review_queue``), the coverage
matrix (``portal.dashboards.selectors.coverage_matrix``), agreements ending
(``Partnership.objects.ending_within``) — never from the weekly reminders' records, so they
are there whether or not the Monday job has run. Each section costs a fixed number of queries,
whatever the number of rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, IntegerField, Max, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activities.access import Organiser, activities_for
from activities.models import Activity, ActivityStatus, Framework, Goal, Measure
from activities.selectors import review_queue
from branches.access import scope_for
from branches.models import (
    AuditAction,
    AuditEntry,
    Branch,
    BranchRole,
    Committee,
    CommitteeRole,
    CommitteeRoleKind,
    Member,
)
from partnerships.models import Partnership
from portal.core.periods import Period, local_today
from portal.dashboards.selectors import MatrixRow, coverage_matrix
from portal.reminders.services import REVIEW_WAITING_DAYS
from portal.templatetags.people import person_name

#: A partnership ending within this many days (today included) is a to-do: time enough to
#: agree on a renewal (the weekly reminder comes at 30 days).
PARTNERSHIP_ENDING_DAYS = 60
#: Lockouts of the last this many days are brought to the committee admin.
LOCKOUT_DAYS = 7
#: The home page shows the longest-waiting this many submissions; the queue page has the rest.
QUEUE_SHOWN = 5


@dataclass(frozen=True)
class UncoveredMeasures:
    branch: Branch
    #: the ``organiser`` of the activity form that logs one for this branch
    organiser_key: str
    measures: list[Measure]


@dataclass(frozen=True)
class BranchTodos:
    """A branch officer's to-dos in one committee: their branches' work to finish."""

    #: returned activities (with ``review_comment``), the earliest returned first
    returned: list[Activity]
    #: drafts not yet submitted, the most recently changed first
    drafts: list[Activity]
    #: per branch of the user: the measures without an approved activity this quarter
    uncovered: list[UncoveredMeasures]
    #: the branches' partnerships ending within ``PARTNERSHIP_ENDING_DAYS`` days
    ending: list[Partnership]

    @property
    def uncovered_count(self) -> int:
        return sum(len(row.measures) for row in self.uncovered)

    @property
    def is_empty(self) -> bool:
        return not (self.returned or self.drafts or self.uncovered_count or self.ending)


@dataclass(frozen=True)
class ReviewTodos:
    """A reviewer's to-dos in one committee: submissions waiting, branches with gaps."""

    #: the longest-waiting submissions (``QUEUE_SHOWN`` of them), each with ``waiting_days``
    queue: list[Activity]
    #: every submission waiting in this committee
    queue_total: int
    #: branches with at least one measure uncovered this quarter (``total`` 0: nothing at all)
    gaps: list[MatrixRow]
    #: a submission waiting longer than this many days is marked (the weekly reminder's rule)
    overdue_days: int = REVIEW_WAITING_DAYS


@dataclass(frozen=True)
class LockedLogin:
    user_id: str
    username: str
    times: int
    last_at: dt.datetime


@dataclass(frozen=True)
class UnusedLogin:
    """An office holder whose login has never been used."""

    name: str
    username: str
    role: str
    #: the admin page where their login is linked (the member, or the committee role)
    admin_url_name: str
    admin_pk: int


@dataclass(frozen=True)
class AdminTodos:
    """A committee admin's to-dos: agreements ending, logins to look at."""

    ending: list[Partnership]
    locked: list[LockedLogin]
    unused: list[UnusedLogin]
    ending_days: int = PARTNERSHIP_ENDING_DAYS
    lockout_days: int = LOCKOUT_DAYS

    @property
    def login_count(self) -> int:
        return len(self.locked) + len(self.unused)


@dataclass(frozen=True)
class CommitteeHome:
    """What the home page shows: one committee and the user's to-dos in it."""

    committee: Committee
    #: every committee the user may open (the chooser shows when there is more than one)
    committees: list[Committee]
    quarter: Period
    branch_todos: BranchTodos | None = None
    review_todos: ReviewTodos | None = None
    admin_todos: AdminTodos | None = None
    #: how the user takes part in this committee, e.g. "Committee admin", "杭州… · Secretary"
    role_labels: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CommitteeFramework:
    """The framework page: the committee's N-M-K framework and its branches."""

    committee: Committee
    committees: list[Committee]
    framework: Framework | None
    goals: list[Goal]
    measures: list[Measure]
    #: branches annotated with ``member_count`` (current members only)
    branches: list[Branch]
    #: branches the user currently holds an office in (highlighted)
    own_branch_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def member_total(self) -> int:
        return sum(branch.member_count for branch in self.branches)


def committees_for(user: AbstractBaseUser | AnonymousUser) -> list[Committee]:
    """The committees the user may open, by name."""
    return list(Committee.objects.for_user(user).order_by("name"))


def branches_with_member_counts(
    user: AbstractBaseUser | AnonymousUser, committee: Committee
) -> list[Branch]:
    """The committee's branches, each with ``member_count``: members in the committee today.

    Counted in SQL; members who transferred out (``active_to`` in the past) or have not yet
    transferred in are not counted.
    """
    current_members = (
        Member.objects.current()
        .filter(branch=OuterRef("pk"))
        .order_by()
        .values("branch")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return list(
        Branch.objects.for_user(user)
        .in_committee(committee.pk)
        .annotate(
            member_count=Coalesce(Subquery(current_members, output_field=IntegerField()), Value(0))
        )
        .order_by("sort_order", "name")
    )


def _role_labels(user: AbstractBaseUser, committee: Committee) -> list[str]:
    scope = scope_for(user)
    labels: list[str] = []
    if scope.everything:
        labels.append(str(_("Superuser")))
    if committee.pk in scope.admin_committee_ids:
        labels.append(str(CommitteeRoleKind.ADMIN.label))
    elif committee.pk in scope.staff_committee_ids:
        labels.append(str(CommitteeRoleKind.STAFF.label))
    if scope.editable_branch_ids:
        roles = (
            BranchRole.objects.current()
            .filter(branch_id__in=scope.editable_branch_ids, branch__committee=committee)
            .filter(member__user=user)
            .select_related("branch")
            .order_by("branch__sort_order", "role")
        )
        labels.extend(
            f"{role.branch.short_name or role.branch.name} · {role.get_role_display()}"
            for role in roles
        )
    return labels


def _chosen_committee(
    user: AbstractBaseUser | AnonymousUser, committee_id: int | None
) -> tuple[Committee | None, list[Committee]]:
    """``committee_id`` (default: the user's first committee) and every committee the user may
    open. ``Committee.DoesNotExist`` for one they may not open, exactly as if it did not exist."""
    committees = committees_for(user)
    if not committees:
        if committee_id is not None:
            raise Committee.DoesNotExist
        return None, []
    if committee_id is None:
        return committees[0], committees
    committee = next((c for c in committees if c.pk == committee_id), None)
    if committee is None:
        raise Committee.DoesNotExist
    return committee, committees


def _measures(user: AbstractBaseUser, committee: Committee) -> list[Measure]:
    return list(Measure.objects.for_user(user).in_committee(committee.pk).order_by("position"))


def _count_days_left(partnerships: list[Partnership], today: dt.date) -> None:
    for partnership in partnerships:
        partnership.days_left = (partnership.ends_on - today).days


def branch_todos(
    user: AbstractBaseUser, committee: Committee, quarter: Period, today: dt.date
) -> BranchTodos | None:
    """What the user's branches in ``committee`` have to do; ``None`` for a user who logs for
    no branch there. Five queries: the branches, the returned and draft activities, the
    measures, the quarter's coverage, the partnerships ending."""
    editable = scope_for(user).editable_branch_ids
    if not editable:
        return None
    branches = list(
        Branch.objects.for_user(user)
        .in_committee(committee.pk)
        .filter(pk__in=editable)
        .order_by("sort_order", "name")
    )
    if not branches:
        return None
    branch_ids = [branch.pk for branch in branches]
    # The navigation's "returned" rule: the activities these branches organise (co-organisers
    # do not change them).
    work = list(
        activities_for(user)
        .filter(
            branch_id__in=branch_ids,
            status__in=[ActivityStatus.RETURNED, ActivityStatus.DRAFT],
        )
        .select_related("branch", "measure")
        .order_by("reviewed_at", "-updated_at", "pk")
    )
    matrix = coverage_matrix(
        committee, quarter, branches=branches, measures=_measures(user, committee)
    )
    ending = list(
        Partnership.objects.for_user(user)
        .filter(committee=committee, branch_id__in=branch_ids)
        .ending_within(today, PARTNERSHIP_ENDING_DAYS)
        .select_related("branch")
        .order_by("ends_on", "pk")
    )
    _count_days_left(ending, today)
    return BranchTodos(
        returned=[a for a in work if a.status == ActivityStatus.RETURNED],
        drafts=[a for a in work if a.status == ActivityStatus.DRAFT],
        uncovered=[
            UncoveredMeasures(
                branch=row.branch,
                organiser_key=Organiser(committee=committee, branch=row.branch).key,
                measures=row.gaps,
            )
            for row in matrix.rows
            if row.gaps
        ],
        ending=ending,
    )


def review_todos(
    user: AbstractBaseUser, committee: Committee, quarter: Period, today: dt.date
) -> ReviewTodos | None:
    """What waits for a reviewer of ``committee``; ``None`` for a user who does not review it.
    Six queries: the queue's first rows (and their partners), its length, the branches, the
    measures and the quarter's coverage."""
    if not scope_for(user).reviews_committee(committee.pk):
        return None
    queue = review_queue(user).filter(committee=committee)
    shown = list(queue[:QUEUE_SHOWN])
    for activity in shown:
        submitted_on = timezone.localdate(activity.submitted_at) if activity.submitted_at else today
        activity.waiting_days = (today - submitted_on).days
    matrix = coverage_matrix(committee, quarter, measures=_measures(user, committee))
    return ReviewTodos(
        queue=shown,
        queue_total=queue.count(),
        gaps=[row for row in matrix.rows if row.gaps],
    )


def _locked_logins(committee: Committee, now: dt.datetime) -> list[LockedLogin]:
    """Logins of the committee locked out (too many wrong passwords) in the last days, as the
    audit log recorded them. One query."""
    rows = (
        AuditEntry.objects.filter(
            committee=committee,
            action=AuditAction.LOCKOUT,
            created_at__gte=now - dt.timedelta(days=LOCKOUT_DAYS),
        )
        .exclude(object_id="")
        .values("object_id", "object_repr")
        .annotate(times=Count("pk"), last_at=Max("created_at"))
        .order_by("-last_at", "object_repr")
    )
    return [LockedLogin(r["object_id"], r["object_repr"], r["times"], r["last_at"]) for r in rows]


def _unused_logins(committee: Committee, today: dt.date) -> list[UnusedLogin]:
    """Current office holders of the committee whose login has never been used: branch
    officers (linked through their member record) and committee staff and admins. Two
    queries."""
    never = {"is_active": True, "last_login__isnull": True}
    branch_roles = (
        BranchRole.objects.current_on(today)
        .filter(branch__committee=committee)
        .filter(**{f"member__user__{k}": v for k, v in never.items()})
        .select_related("member__user", "branch")
        .order_by("branch__sort_order", "branch__name", "role", "pk")
    )
    committee_roles = (
        CommitteeRole.objects.current_on(today)
        .filter(committee=committee)
        .filter(**{f"user__{k}": v for k, v in never.items()})
        .select_related("user")
        .order_by("role", "user__username", "pk")
    )
    unused = [
        UnusedLogin(
            name=role.member.name,
            username=role.member.user.get_username(),
            role=f"{role.branch.short_name or role.branch.name} · {role.get_role_display()}",
            admin_url_name="admin:branches_member_change",
            admin_pk=role.member_id,
        )
        for role in branch_roles
    ]
    unused += [
        UnusedLogin(
            name=person_name(role.user),
            username=role.user.get_username(),
            role=str(role.get_role_display()),
            admin_url_name="admin:branches_committeerole_change",
            admin_pk=role.pk,
        )
        for role in committee_roles
    ]
    return unused


def admin_todos(user: AbstractBaseUser, committee: Committee, today: dt.date) -> AdminTodos | None:
    """What waits for an admin of ``committee``; ``None`` for a user who does not administer
    it. Five queries: the partnerships ending (and their partners), the lockouts, the unused
    logins of branch officers and of the committee's office."""
    if not scope_for(user).administers_committee(committee.pk):
        return None
    ending = list(
        Partnership.objects.for_admin_user(user)
        .filter(committee=committee)
        .ending_within(today, PARTNERSHIP_ENDING_DAYS)
        .select_related("branch")
        .prefetch_related("partners")
        .order_by("ends_on", "pk")
    )
    _count_days_left(ending, today)
    return AdminTodos(
        ending=ending,
        locked=_locked_logins(committee, timezone.now()),
        unused=_unused_logins(committee, today),
    )


def committee_home(
    user: AbstractBaseUser | AnonymousUser, committee_id: int | None = None
) -> CommitteeHome | None:
    """The home page's data for ``committee_id`` (default: the user's first committee): the
    user's to-dos there, by role. ``None`` when the user belongs to no committee. A committee
    the user may not open raises ``Committee.DoesNotExist``, exactly as if it did not exist."""
    committee, committees = _chosen_committee(user, committee_id)
    if committee is None:
        return None
    today = local_today()
    quarter = Period.quarter(today)
    return CommitteeHome(
        committee=committee,
        committees=committees,
        quarter=quarter,
        branch_todos=branch_todos(user, committee, quarter, today),
        review_todos=review_todos(user, committee, quarter, today),
        admin_todos=admin_todos(user, committee, today),
        role_labels=_role_labels(user, committee),
    )


def committee_framework(
    user: AbstractBaseUser | AnonymousUser, committee_id: int | None = None
) -> CommitteeFramework | None:
    """The framework page's data for ``committee_id`` (default: the user's first committee);
    ``None`` and ``Committee.DoesNotExist`` as ``committee_home``."""
    committee, committees = _chosen_committee(user, committee_id)
    if committee is None:
        return None
    return CommitteeFramework(
        committee=committee,
        committees=committees,
        framework=Framework.objects.for_user(user).filter(committee=committee).first(),
        goals=list(Goal.objects.for_user(user).in_committee(committee.pk).order_by("position")),
        measures=_measures(user, committee),
        branches=branches_with_member_counts(user, committee),
        own_branch_ids=scope_for(user).editable_branch_ids,
    )
