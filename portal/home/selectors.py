"""Reads for the portal's own pages (the home page). Views stay thin; the queries live here."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from activities.models import Framework, Goal, Measure
from branches.access import scope_for
from branches.models import Branch, BranchRole, Committee, CommitteeRoleKind, Member


@dataclass(frozen=True)
class CommitteeHome:
    """What the home page shows: one committee, its framework and its branches."""

    committee: Committee
    #: every committee the user may open (the chooser shows when there is more than one)
    committees: list[Committee]
    framework: Framework | None
    goals: list[Goal]
    measures: list[Measure]
    #: branches annotated with ``member_count`` (current members only)
    branches: list[Branch]
    #: branches the user currently holds an office in (highlighted)
    own_branch_ids: frozenset[int] = field(default_factory=frozenset)
    #: how the user takes part in this committee, e.g. "Committee admin", "杭州… · Secretary"
    role_labels: list[str] = field(default_factory=list)

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


def committee_home(
    user: AbstractBaseUser | AnonymousUser, committee_id: int | None = None
) -> CommitteeHome | None:
    """The home page's data for ``committee_id`` (default: the user's first committee).

    ``None`` when the user belongs to no committee. A committee the user may not open raises
    ``Committee.DoesNotExist``, exactly as if it did not exist.
    """
    committees = committees_for(user)
    if not committees:
        if committee_id is not None:
            raise Committee.DoesNotExist
        return None
    if committee_id is None:
        committee = committees[0]
    else:
        committee = next((c for c in committees if c.pk == committee_id), None)
        if committee is None:
            raise Committee.DoesNotExist

    framework = Framework.objects.for_user(user).filter(committee=committee).first()
    scope = scope_for(user)
    return CommitteeHome(
        committee=committee,
        committees=committees,
        framework=framework,
        goals=list(Goal.objects.for_user(user).in_committee(committee.pk).order_by("position")),
        measures=list(
            Measure.objects.for_user(user).in_committee(committee.pk).order_by("position")
        ),
        branches=branches_with_member_counts(user, committee),
        own_branch_ids=scope.editable_branch_ids,
        role_labels=_role_labels(user, committee),
    )
