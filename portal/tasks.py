"""The portal's Celery tasks: thin wrappers around services (``portal.reports.services``,
``portal.reminders``, ``portal.outbox``, ``portal.health``). Their schedule is in
``portal.schedule``. A request asks for a task through ``portal.outbox.outbox_enqueue``, never
with ``.delay()``: the broker may be down."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.db import DatabaseError, InterfaceError
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError

from branches.services import audit_entries_purge
from portal import health, outbox, reminders
from portal.reports import services as reports

#: Errors worth another try (a database restart, a full disk, a broker blip), with backoff.
TRANSIENT_ERRORS = (DatabaseError, InterfaceError, BrokerError, RedisConnectionError, OSError)
RETRY_POLICY = {
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 4,
}


@shared_task(
    bind=True,
    acks_late=True,
    soft_time_limit=settings.REPORT_TIME_LIMIT_SECONDS,
    time_limit=settings.REPORT_TIME_LIMIT_SECONDS + 60,
    # One bound for every way a report is tried again: each run counts one attempt, and a
    # failed row is claimed only while attempts < REPORT_MAX_ATTEMPTS.
    **{**RETRY_POLICY, "max_retries": settings.REPORT_MAX_ATTEMPTS - 1},
)
def report_generate(self, report_id: int) -> str:
    report = reports.report_generate(report_id=report_id, task_id=self.request.id or "")
    return "generated" if report is not None else "skipped"


@shared_task(**RETRY_POLICY)
def report_deliver(report_id: int) -> int:
    return reports.report_deliver(report_id=report_id)


@shared_task(**RETRY_POLICY)
def reports_for_ended_period(kind: str, today: str | None = None) -> int:
    """Beat: every committee's report for the month, quarter or year that has just ended.
    ``today`` (ISO date) stands in for the clock: an operator catching up on a missed 1st."""
    day = dt.date.fromisoformat(today) if today else None
    return len(reports.reports_for_ended_period(kind=kind, today=day))


@shared_task(**RETRY_POLICY)
def reports_recover_stuck() -> int:
    return reports.reports_recover_stuck()


@shared_task(**RETRY_POLICY)
def reminders_weekly() -> int:
    """Beat, Monday morning: this week's reminders, recorded and e-mailed."""
    return reminders.reminders_send_weekly()


@shared_task(ignore_result=True)
def outbox_dispatch() -> int:
    """Beat, every minute: send the tasks that could not reach the broker when asked for."""
    return outbox.outbox_dispatch()


@shared_task(ignore_result=True)
def worker_heartbeat() -> None:
    """Beat, every minute: a worker is alive (``/healthz``)."""
    health.heartbeat_record()


@shared_task(**RETRY_POLICY)
def audit_purge() -> int:
    """Beat, nightly: audit entries past ``AUDIT_RETENTION_DAYS`` leave the log."""
    return audit_entries_purge()


@worker_ready.connect
def _on_worker_ready(sender, **kwargs) -> None:
    """A worker that starts (after an outage, say) sends what waits and reports at once,
    without waiting for beat. Sent as tasks: the worker's main process keeps no database
    connection that the pool processes it forks later would inherit."""
    outbox_dispatch.delay()
    worker_heartbeat.delay()
