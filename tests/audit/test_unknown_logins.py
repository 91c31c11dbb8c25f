"""Failed logins naming no login cannot flood the audit log: per client address and hour, the
first is an entry and the rest are counted (a counter row), shown beside it on the audit page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from branches.models import AuditAction, AuditEntry
from portal.audit.models import UnknownLoginTally
from portal.audit.services import audit_entries_purge, unknown_login_failure_record

pytestmark = pytest.mark.django_db


def fail(username: str, ip: str) -> None:
    Client().post(reverse("login"), {"username": username, "password": "x-1A!"}, REMOTE_ADDR=ip)


def failed_entries():
    return AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED)


def test_fifty_random_usernames_from_one_address_are_one_entry_and_a_count_of_fifty():
    for n in range(50):
        fail(f"guess-{n}", "203.0.113.9")
    (entry,) = failed_entries()
    assert (entry.ip_address, entry.detail) == ("203.0.113.9", "unknown login")
    (tally,) = UnknownLoginTally.objects.all()
    assert (tally.ip_address, tally.attempts) == ("203.0.113.9", 50)


def test_each_address_has_its_own_entry():
    for ip in ("203.0.113.9", "203.0.113.10", "203.0.113.9"):
        fail("nobody", ip)
    assert sorted(failed_entries().values_list("ip_address", flat=True)) == [
        "203.0.113.10",
        "203.0.113.9",
    ]


def test_the_next_hour_starts_a_new_entry():
    now = timezone.now()
    assert unknown_login_failure_record(request=None, detail="unknown login", now=now)
    assert not unknown_login_failure_record(request=None, detail="unknown login", now=now)
    later = now + dt.timedelta(hours=1)
    assert unknown_login_failure_record(request=None, detail="unknown login", now=later)
    assert failed_entries().count() == 2


def test_a_known_logins_failures_are_still_an_entry_each(cast):
    for _ in range(3):
        fail("secretary_a1", "203.0.113.9")
    assert failed_entries().filter(detail="username=secretary_a1").count() == 3
    assert not UnknownLoginTally.objects.exists()


def test_the_audit_page_shows_the_count_beside_the_entry(cast):
    for n in range(7):
        fail(f"guess-{n}", "203.0.113.9")
    response = cast.client_for(cast.superuser).get(reverse("audit:list"))
    with translation.override("zh-hans"):
        expected = translation.ngettext(
            "%(attempts)s failed login naming no login from this address in that hour",
            "%(attempts)s failed logins naming no login from this address in that hour",
            7,
        ) % {"attempts": 7}
    assert expected in response.content.decode()


def test_the_nightly_purge_drops_counters_past_the_retention(settings):
    old = timezone.now() - dt.timedelta(days=settings.AUDIT_RETENTION_DAYS + 1)
    unknown_login_failure_record(request=None, detail="unknown login", now=old)
    unknown_login_failure_record(request=None, detail="unknown login")
    audit_entries_purge()
    assert UnknownLoginTally.objects.count() == 1
