"""The reports' Celery tasks: thin wrappers around ``portal.reports.services``, scheduled in
``portal.schedule``. A task keeps the name it was first published under (beat's database rows
and waiting outbox messages store it), whichever module defines it."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.conf import settings

from portal.core.tasks import RETRY_POLICY
from portal.reports import services as reports


@shared_task(
    name=reports.REPORT_GENERATE_TASK,
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


@shared_task(name=reports.REPORT_DELIVER_TASK, **RETRY_POLICY)
def report_deliver(report_id: int) -> int:
    return reports.report_deliver(report_id=report_id)


@shared_task(name="portal.tasks.reports_for_ended_period", **RETRY_POLICY)
def reports_for_ended_period(kind: str, today: str | None = None) -> int:
    """Beat: every committee's report for the month, quarter or year that has just ended.
    ``today`` (ISO date) stands in for the clock: an operator catching up on a missed 1st."""
    day = dt.date.fromisoformat(today) if today else None
    return len(reports.reports_for_ended_period(kind=kind, today=day))


@shared_task(name="portal.tasks.reports_recover_stuck", **RETRY_POLICY)
def reports_recover_stuck() -> int:
    return reports.reports_recover_stuck()
