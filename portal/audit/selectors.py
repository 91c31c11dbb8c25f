"""Reads for the audit page."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model

from branches.models import AuditAction, AuditEntry
from portal.audit.models import UNKNOWN_LOGIN, UnknownLoginTally, tally_window


def unknown_login_attempts(entries: Iterable[AuditEntry]) -> dict[int, int]:
    """For the entries of failed logins naming no login: how many such failures came from the
    same address in that hour (entry id → attempts). One query, none if there are no such."""
    wanted = {
        entry.pk: (entry.ip_address or "", tally_window(entry.created_at))
        for entry in entries
        if entry.action == AuditAction.LOGIN_FAILED and entry.detail == UNKNOWN_LOGIN
    }
    if not wanted:
        return {}
    tallies = UnknownLoginTally.objects.filter(
        ip_address__in={ip for ip, _hour in wanted.values()},
        window_start__in={hour for _ip, hour in wanted.values()},
    )
    counts = {(t.ip_address, t.window_start): t.attempts for t in tallies}
    return {pk: counts[key] for pk, key in wanted.items() if key in counts}


def logins_named(entries: Iterable[AuditEntry]) -> dict[int, object]:
    """The logins the entries are about (entry id → user), for naming them as people rather
    than by the username recorded at the time. One query, none if no entry is about a login."""
    wanted = {
        entry.pk: int(entry.object_id)
        for entry in entries
        if entry.object_type == "user" and entry.object_id.isdigit()
    }
    if not wanted:
        return {}
    users = get_user_model().objects.in_bulk(set(wanted.values()))
    return {pk: users[user_id] for pk, user_id in wanted.items() if user_id in users}
