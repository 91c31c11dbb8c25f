"""Background work of the activities app (scheduled in ``portal.schedule``)."""

from __future__ import annotations

from celery import shared_task

from activities import notifications
from activities.services import ACTIVITY_EVENT_NOTIFY_TASK, staged_uploads_purge
from portal.core.tasks import RETRY_POLICY


@shared_task
def purge_staged_uploads() -> int:
    """Files uploaded with activity forms that were never saved, once they are a day old."""
    return staged_uploads_purge()


@shared_task(name=ACTIVITY_EVENT_NOTIFY_TASK, **RETRY_POLICY)
def activity_event_notify(event_id: int) -> int:
    """Asked for through the outbox by a review step: its e-mails."""
    return notifications.activity_event_notify(event_id)
