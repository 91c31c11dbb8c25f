"""The querysets that apply ``branches.access`` to a model's rows: ``Model.objects.for_user(user)``.

A model whose rows belong to a committee names the lookup path to it in ``committee_path`` and
takes one of these as its manager. This module imports nothing from the models, which import it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q

from branches.access import administered, reviewed, scope_for

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class ScopedQuerySet(models.QuerySet):
    """Rows that belong to a committee; ``for_user`` keeps those the user may see.

    The model names the lookup path to its committee in ``committee_path``.
    """

    def for_user(self, user: AbstractBaseUser | AnonymousUser | None) -> ScopedQuerySet:
        scope = scope_for(user)
        if scope.everything:
            return self
        if not scope.committee_ids:
            return self.none()
        return self.filter(**{f"{self.model.committee_path}__in": scope.committee_ids})

    def for_admin_user(self, user: AbstractBaseUser | AnonymousUser | None) -> ScopedQuerySet:
        """Rows a committee admin maintains: their committees only (superuser: all)."""
        return administered(self, user, self.model.committee_path)

    def in_committee(self, committee_id: int) -> ScopedQuerySet:
        return self.filter(**{self.model.committee_path: committee_id})


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)


class CommitteeOfficeQuerySet(ScopedQuerySet):
    """Rows that are the committee office's own (its periodic reports): committee staff and
    admins of the committee see them, branch officers do not (a superuser: all)."""

    def for_user(self, user: AbstractBaseUser | AnonymousUser | None) -> ScopedQuerySet:
        return reviewed(self, user, self.model.committee_path)


class BranchWorkQuerySet(ScopedQuerySet):
    """Rows that are a branch's own work (activities and what hangs off them).

    Committee staff and admins see all of their committee's; a branch editor sees those of the
    branches they currently hold a role in, as organiser or co-organiser; nobody else sees any.
    The model names ``committee_path``, ``branch_path`` (the organising branch) and
    ``co_branch_path`` (a many-to-many of co-organising branches; matched through a subquery
    so that rows are never repeated).
    """

    def for_user(self, user: AbstractBaseUser | AnonymousUser | None) -> BranchWorkQuerySet:
        scope = scope_for(user)
        if scope.everything:
            return self
        reviewed_ids = scope.staff_committee_ids | scope.admin_committee_ids
        editable = scope.editable_branch_ids
        if not reviewed_ids and not editable:
            return self.none()
        condition = Q(**{f"{self.model.committee_path}__in": reviewed_ids})
        if editable:
            condition |= Q(**{f"{self.model.branch_path}__in": editable})
            co_organised = self.model._default_manager.filter(
                **{f"{self.model.co_branch_path}__in": editable}
            ).values("pk")
            condition |= Q(pk__in=co_organised)
        return self.filter(condition)
