"""Who may see what: the one place that decides it.

A user's reach is computed once per request from three facts:

* a superuser of the deployment sees every committee;
* a current ``CommitteeRole`` makes a user committee staff or committee admin of that committee;
* a current ``BranchRole`` (secretary, 组织委员 …) held by the member linked to the login makes
  the user an editor of that branch — and a reader of their own committee's rosters.

Every model whose rows belong to a committee uses ``ScopedQuerySet`` (``branches.scoping``) and
names the path to its committee in ``committee_path``; lists, details, admin change lists,
autocomplete and exports all call ``Model.objects.for_user(user)``. Views never filter by hand.

The role models are looked up in the app registry, not imported: the models' querysets use this
module, and a module the models import must not import them back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.apps import apps
from django.db import models
from django.db.models import Q
from django.utils import timezone

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

_CACHE_ATTR = "_portal_scope"


@dataclass(frozen=True)
class Scope:
    """What one user reaches. ``everything`` is true only for a superuser."""

    everything: bool = False
    #: committees the user belongs to in any capacity (office role or branch role)
    committee_ids: frozenset[int] = field(default_factory=frozenset)
    staff_committee_ids: frozenset[int] = field(default_factory=frozenset)
    admin_committee_ids: frozenset[int] = field(default_factory=frozenset)
    #: branches the user currently holds a role in that lets them log activities
    editable_branch_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_committee_staff(self) -> bool:
        return self.everything or bool(self.staff_committee_ids | self.admin_committee_ids)

    @property
    def is_committee_admin(self) -> bool:
        return self.everything or bool(self.admin_committee_ids)

    @property
    def is_branch_editor(self) -> bool:
        return bool(self.editable_branch_ids)

    @property
    def reviewed_committee_ids(self) -> frozenset[int]:
        """Committees whose activities the user reviews (a superuser: see ``everything``)."""
        return self.staff_committee_ids | self.admin_committee_ids

    @property
    def spans_several_committees(self) -> bool:
        """A superuser, or somebody with roles in more than one committee."""
        return self.everything or len(self.committee_ids) > 1

    def follows_branch(self, committee_id: int | None, branch_id: int) -> bool:
        """A branch's own officers and its committee's reviewers follow its work closely
        (its dashboard, its signed files); other branches' officers do not."""
        return self.reviews_committee(committee_id) or branch_id in self.editable_branch_ids

    def reviews_committee(self, committee_id: int | None) -> bool:
        """Committee staff and admins review and read everything of their committee."""
        return self.everything or committee_id in (
            self.staff_committee_ids | self.admin_committee_ids
        )

    def administers_committee(self, committee_id: int | None) -> bool:
        return self.everything or committee_id in self.admin_committee_ids


NOBODY = Scope()


def scope_for(user: AbstractBaseUser | AnonymousUser | None) -> Scope:
    """The user's reach, computed once and kept on the user object for the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NOBODY
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    scope = Scope(everything=True) if user.is_superuser else _compute_scope(user)
    setattr(user, _CACHE_ATTR, scope)
    return scope


def forget_scope(user: object) -> None:
    """Drop the cached scope, e.g. after roles changed within the same request or test."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def _compute_scope(user: AbstractBaseUser) -> Scope:
    committee_role = apps.get_model("branches", "CommitteeRole")
    branch_role = apps.get_model("branches", "BranchRole")

    today = timezone.localdate()
    staff, admin = committee_role.objects.current_on(today).filter(user=user).by_office()

    branch_rows = (
        branch_role.objects.current_on(today)
        .logging_activities()
        .filter(member__user=user, member__active_from__lte=today)
        .filter(Q(member__active_to__isnull=True) | Q(member__active_to__gte=today))
    )
    branches: set[int] = set()
    branch_committees: set[int] = set()
    for branch_id, committee_id in branch_rows.values_list("branch_id", "branch__committee_id"):
        branches.add(branch_id)
        branch_committees.add(committee_id)

    return Scope(
        committee_ids=frozenset(staff | admin | branch_committees),
        staff_committee_ids=frozenset(staff),
        admin_committee_ids=frozenset(admin),
        editable_branch_ids=frozenset(branches),
    )


def administered(
    queryset: models.QuerySet, user: AbstractBaseUser | AnonymousUser | None, committee_path: str
) -> models.QuerySet:
    """``queryset`` narrowed to the committees ``user`` administers (a superuser: all).

    For querysets that are not a ``ScopedQuerySet``, such as a model's historical records.
    """
    scope = scope_for(user)
    if scope.everything:
        return queryset
    return queryset.filter(**{f"{committee_path}__in": scope.admin_committee_ids})


def reviewed(
    queryset: models.QuerySet, user: AbstractBaseUser | AnonymousUser | None, committee_path: str
) -> models.QuerySet:
    """``queryset`` narrowed to the committees ``user`` reviews (staff or admin; a superuser:
    all) — the review queue and its count in the navigation, the committee dashboards."""
    scope = scope_for(user)
    if scope.everything:
        return queryset
    return queryset.filter(**{f"{committee_path}__in": scope.reviewed_committee_ids})


def branch_rows_followed(
    queryset: models.QuerySet, user: AbstractBaseUser | AnonymousUser | None
) -> models.QuerySet:
    """Rows of a committee's roster that may belong to one branch (``committee`` and a
    nullable ``branch``), narrowed to those ``user`` follows: every row of a committee they
    review, the committee's own rows (no branch), and their own branches' rows.

    For what a roster row carries that is the branch's alone, such as a signed agreement."""
    scope = scope_for(user)
    if scope.everything:
        return queryset
    return queryset.filter(
        Q(committee_id__in=scope.reviewed_committee_ids)
        | Q(branch__isnull=True)
        | Q(branch_id__in=scope.editable_branch_ids)
    )


def reviewers_of(committee_id: int, *, today=None) -> models.QuerySet:
    """Active logins that currently review ``committee_id`` (its committee staff and admins):
    who is told that a report is ready or that an activity waits for review."""
    from django.contrib.auth import get_user_model

    committee_role = apps.get_model("branches", "CommitteeRole")
    today = today or timezone.localdate()
    roles = committee_role.objects.current_on(today).filter(committee_id=committee_id)
    return get_user_model().objects.filter(is_active=True, pk__in=roles.values("user_id"))
