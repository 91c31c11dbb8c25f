"""Writes to the audit log: one entry appended, and the nightly purge of entries past their
retention. Everything that records an event calls ``audit_record``."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from branches.models import AuditAction, AuditEntry, Committee
from portal.audit.models import UnknownLoginTally, tally_window


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address, read as the lockout reads it (``LOGIN_CLIENT_IP_HEADER``)."""
    if request is None:
        return None
    value = request.META.get(settings.LOGIN_CLIENT_IP_HEADER, "")
    return value.split(",")[-1].strip() or None


def audit_record(
    *,
    user: AbstractBaseUser | None,
    action: AuditAction,
    committee: Committee | None,
    object_type: str,
    object_id: str | int = "",
    object_repr: str = "",
    detail: str = "",
    request: HttpRequest | None = None,
    committee_id: int | None = None,
) -> AuditEntry:
    """Append one entry to the audit log. Never put the personal data itself in ``detail``.

    ``committee_id`` stands in for ``committee`` where only the id is at hand."""
    return AuditEntry.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        committee=committee,
        **({"committee_id": committee_id} if committee is None and committee_id else {}),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        object_repr=object_repr[:200],
        ip_address=client_ip(request),
        detail=detail[:500],
    )


def unknown_login_failure_record(
    *, request: HttpRequest | None, detail: str, now: dt.datetime | None = None
) -> bool:
    """A failed login naming no login: counted per client address and hour; only the first of
    an hour is an audit entry (``UnknownLoginTally``). True if this one wrote the entry."""
    now = now or timezone.now()
    with transaction.atomic():
        tally, created = UnknownLoginTally.objects.select_for_update().get_or_create(
            ip_address=client_ip(request) or "",
            window_start=tally_window(now),
            defaults={"last_at": now},
        )
        UnknownLoginTally.objects.filter(pk=tally.pk).update(
            attempts=F("attempts") + 1, last_at=now
        )
        if created:
            audit_record(
                user=None,
                action=AuditAction.LOGIN_FAILED,
                committee=None,
                object_type="user",
                detail=detail,
                request=request,
            )
    return created


def audit_entries_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the audit entries older than ``AUDIT_RETENTION_DAYS``; returns how many.

    The only way entries leave the log: the queryset's own ``delete`` refuses, so this calls
    Django's plain one on purpose. On PostgreSQL the table's trigger lets a DELETE through only
    for entries older than 180 days (migration ``0007_auditentry_append_only_in_database``)."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.AUDIT_RETENTION_DAYS)
    expired = AuditEntry.objects.filter(created_at__lt=cutoff)
    deleted, _per_model = QuerySet.delete(expired)
    UnknownLoginTally.objects.filter(last_at__lt=cutoff).delete()
    return deleted
