"""The audit log's Celery task, scheduled in ``portal.schedule`` (its name is the one beat's
database rows store)."""

from __future__ import annotations

from celery import shared_task

from portal.audit.services import audit_entries_purge
from portal.core.tasks import RETRY_POLICY


@shared_task(name="portal.tasks.audit_purge", **RETRY_POLICY)
def audit_purge() -> int:
    """Beat, nightly: audit entries past ``AUDIT_RETENTION_DAYS`` leave the log."""
    return audit_entries_purge()
