"""The reminders' Celery task, scheduled in ``portal.schedule`` (its name is the one beat's
database rows store)."""

from __future__ import annotations

from celery import shared_task

from portal.core.tasks import RETRY_POLICY
from portal.reminders import services as reminders


@shared_task(name="portal.tasks.reminders_weekly", **RETRY_POLICY)
def reminders_weekly() -> int:
    """Beat, Monday morning: this week's reminders, recorded and e-mailed."""
    return reminders.reminders_send_weekly()
