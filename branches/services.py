"""Writes that touch branches, members and roles (and the audit entries they leave)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest

from branches import groups
from branches.access import forget_scope
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
from portal.audit.services import audit_record
from portal.core.periods import local_today


def roster_export_audit(
    *,
    user: AbstractBaseUser,
    queryset: QuerySet,
    file_format: str,
    committee_when_empty: Committee | None,
    request: HttpRequest | None = None,
) -> list[AuditEntry]:
    """Audit an export: one entry per committee whose rows it holds, with their count.

    An empty export is an export too: it is recorded against ``committee_when_empty``.
    """
    path = queryset.model.committee_path
    counts: dict[int, int] = dict(
        queryset.order_by().values_list(path).annotate(rows=Count("pk", distinct=True))
    )
    committees: list[Committee | None] = list(Committee.objects.filter(pk__in=counts))
    if not committees:
        committees = [committee_when_empty]
    return [
        audit_record(
            user=user,
            action=AuditAction.EXPORT,
            committee=committee,
            object_type=queryset.model._meta.model_name,
            detail=f"{counts.get(getattr(committee, 'pk', None), 0)} rows, {file_format}",
            request=request,
        )
        for committee in committees
    ]


def roster_import_audit(
    *,
    user: AbstractBaseUser,
    object_type: str,
    rows_per_committee: Mapping[int, int],
    request: HttpRequest | None = None,
) -> list[AuditEntry]:
    """Audit a confirmed import: one entry per committee it wrote rows into."""
    return [
        audit_record(
            user=user,
            action=AuditAction.IMPORT,
            committee=committee,
            object_type=object_type,
            detail=f"{rows_per_committee[committee.pk]} rows",
            request=request,
        )
        for committee in Committee.objects.filter(pk__in=rows_per_committee)
    ]


def member_phone_reveal(
    *, member: Member, user: AbstractBaseUser, request: HttpRequest | None
) -> str:
    """The member's full phone number, for a committee admin; the reveal is audited."""
    with transaction.atomic():
        audit_record(
            user=user,
            action=AuditAction.PHONE_REVEAL,
            committee=member.committee,
            object_type="member",
            object_id=member.pk,
            object_repr=member.name,
            request=request,
        )
    return member.phone


@transaction.atomic
def committee_role_grant(
    *,
    user: AbstractBaseUser,
    committee: Committee,
    role: CommitteeRoleKind,
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
) -> CommitteeRole:
    """Make ``user`` committee staff or admin: the dated role, the group, admin-site access.

    A role the user already holds is returned as it is (its dates unchanged).
    """
    committee_role, _created = CommitteeRole.objects.get_or_create(
        user=user,
        committee=committee,
        role=role,
        defaults={"starts_on": starts_on or local_today(), "ends_on": ends_on},
    )
    group_names = [groups.COMMITTEE_STAFF]
    if role == CommitteeRoleKind.ADMIN:
        group_names.append(groups.COMMITTEE_ADMIN)
    user.groups.add(*Group.objects.filter(name__in=group_names))
    if role == CommitteeRoleKind.ADMIN and not user.is_staff:
        user.is_staff = True  # the Django admin is the admins' roster tool
        user.save(update_fields=["is_staff"])
    forget_scope(user)
    return committee_role


def branch_editor_group_sync(*, user: AbstractBaseUser) -> bool:
    """Put ``user`` in the branch editor group while their member holds a branch role that
    logs activities and has not ended (current, or starting later); take them out otherwise.

    The group only carries model permissions; what the user reaches is still decided by the
    dated roles (``branches.access``). Returns whether the user is now in the group.
    """
    holds_role = (
        BranchRole.objects.filter(member__user=user)
        .logging_activities()
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=local_today()))
        .exists()
    )
    editor = Group.objects.get(name=groups.BRANCH_EDITOR)
    if holds_role:
        user.groups.add(editor)
    else:
        user.groups.remove(editor)
    forget_scope(user)
    return holds_role


def branch_editor_groups_sync_for(*, rows: Iterable[object]) -> None:
    """Sync the editor group of the logins behind ``rows`` (members, and branch roles'
    members) that were written without these services, e.g. put back from their history."""
    member_ids = {row.pk for row in rows if isinstance(row, Member)}
    member_ids |= {row.member_id for row in rows if isinstance(row, BranchRole)}
    if not member_ids:
        return
    _sync_users(set(Member.objects.filter(pk__in=member_ids).values_list("user", flat=True)))


@transaction.atomic
def branch_role_assign(
    *,
    branch: Branch,
    member: Member,
    role: str,
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
) -> BranchRole:
    """Give a member a dated office in their branch; a linked login joins the editor group."""
    branch_role = BranchRole(
        branch=branch,
        member=member,
        role=role,
        starts_on=starts_on or local_today(),
        ends_on=ends_on,
    )
    branch_role.full_clean()
    branch_role.save()
    if member.user_id:
        branch_editor_group_sync(user=member.user)
    return branch_role


@transaction.atomic
def branch_role_update(
    *,
    branch_role: BranchRole,
    branch: Branch,
    member: Member,
    role: str,
    starts_on: dt.date,
    ends_on: dt.date | None,
) -> BranchRole:
    """Change a branch role (e.g. end it at an election); the logins of its old and new
    holder join or leave the editor group accordingly."""
    previous_user_id = (
        BranchRole.objects.filter(pk=branch_role.pk).values_list("member__user", flat=True).first()
    )
    branch_role.branch = branch
    branch_role.member = member
    branch_role.role = role
    branch_role.starts_on = starts_on
    branch_role.ends_on = ends_on
    branch_role.full_clean()
    branch_role.save()
    _sync_users({previous_user_id, member.user_id})
    if member.user_id:
        forget_scope(member.user)
    return branch_role


@transaction.atomic
def member_link_user(*, member: Member, user: AbstractBaseUser | None) -> Member:
    """Link a member to a login (or unlink with None) and save the member; a login whose
    member holds a role that logs activities joins the editor group, an unlinked one leaves."""
    previous_user_id = (
        Member.objects.filter(pk=member.pk).values_list("user", flat=True).first()
        if member.pk
        else None
    )
    member.user = user
    member.full_clean()
    member.save()
    _sync_users({previous_user_id, getattr(user, "pk", None)})
    if user is not None:
        forget_scope(user)
    return member


def _sync_users(user_ids: set[int | None]) -> None:
    for each in get_user_model()._default_manager.filter(pk__in=user_ids - {None}):
        branch_editor_group_sync(user=each)


@transaction.atomic
def branch_rows_delete(*, queryset: QuerySet) -> None:
    """Delete members or branch roles, then take their logins out of the editor group when
    no role is left that lets them log activities (roles go with a deleted member)."""
    if queryset.model is Member:
        user_ids = set(queryset.values_list("user", flat=True))
    else:
        user_ids = set(queryset.values_list("member__user", flat=True))
    queryset.delete()
    _sync_users(user_ids)
