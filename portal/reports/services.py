"""Asking for, generating and delivering the committees' progress reports.

One ``Report`` row per committee and period (a unique constraint). Generating it is safe to run
twice, in two workers at once, or after a worker died:

* **Claim.** A run takes the row with one conditional ``UPDATE`` (queued or failed, or running
  but stale, or running under this very task after a redelivery) and stamps its own ``run_id``.
  Whoever loses the race does nothing: one report, generated once.
* **Write aside, swap in one update.** The run writes its files under its own directory
  (``reports/<committee>/<kind>-<start>/<run_id>/``), which no row refers to yet, then locks
  the row and, if it still holds the claim, points the row at them and marks it ready in one
  transaction. A reader sees the previous complete version or the new one, never a mix or a
  half-written file. The previous version's files are deleted after the commit.
* **Never stuck.** A run that has not finished ``REPORT_RUNNING_TIMEOUT_MINUTES`` after it
  started (the worker was killed, the machine restarted) is marked failed by
  ``reports_recover_stuck`` (every few minutes, from beat) and queued again, up to
  ``REPORT_MAX_ATTEMPTS`` times; a late finisher that lost its claim discards its files.
* **Enqueued through the outbox** (``portal.core.outbox``): the task is written in the transaction
  that queues the row and sent after the commit, so a worker never looks for a row that is
  not there yet; when the broker cannot be reached the outbox's dispatcher sends it later. A
  message the broker lost (Redis restarted without persistence) is sent again by the recovery
  sweep after ``QUEUED_LOST_AFTER``.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, override

from branches.access import reviewers_of
from branches.models import Committee
from portal.core.outbox import outbox_enqueue
from portal.core.periods import EARLIEST_YEAR, Period, local_today
from portal.reports.content import report_content
from portal.reports.models import Report, ReportFormat, ReportKind, ReportStatus

logger = logging.getLogger(__name__)

#: The tasks asked for through the outbox, by name (``portal.reports.tasks`` defines them).
REPORT_GENERATE_TASK = "portal.tasks.report_generate"
REPORT_DELIVER_TASK = "portal.tasks.report_deliver"

#: The language of the files (they go up to the committee's superiors).
REPORT_LANGUAGE = "zh-hans"


def _renderers() -> dict[str, Callable[[dict], bytes]]:
    # Imported when used: WeasyPrint takes a second to load, and only workers need it.
    from portal.reports.excel import render_xlsx
    from portal.reports.pdf import render_pdf
    from portal.reports.word import render_docx

    return {
        ReportFormat.PDF: render_pdf,
        ReportFormat.DOCX: render_docx,
        ReportFormat.XLSX: render_xlsx,
    }


#: A report still queued this long after it was asked for is sent to the broker again.
QUEUED_LOST_AFTER = dt.timedelta(hours=1)


def _running_timeout() -> dt.timedelta:
    return dt.timedelta(minutes=settings.REPORT_RUNNING_TIMEOUT_MINUTES)


# --- Asking for a report ----------------------------------------------------------------------


def report_period(kind: str, day: dt.date, *, today: dt.date | None = None) -> Period:
    """The calendar period of ``kind`` containing ``day``; refused if it has not begun yet."""
    if kind not in ReportKind.values:
        raise ValidationError(gettext("Choose a monthly, quarterly or yearly report."))
    period = Period.containing(kind, day)
    today = today or local_today()
    if period.start > today:
        raise ValidationError(gettext("That period has not begun yet."))
    if period.start.year < EARLIEST_YEAR:
        raise ValidationError(
            gettext("Reports cover periods from %(year)d on.") % {"year": EARLIEST_YEAR}
        )
    return period


def _enqueue_generation(report_id: int) -> None:
    """Within the transaction that queued the row: the task is kept in the outbox and sent
    after the commit, or later by the dispatcher if the broker is down (``portal.core.outbox``).
    In-process (no broker, ``make run``) a generation that fails records its reason on the
    row; the request that asked for it carries on to the report's page."""
    outbox_enqueue(REPORT_GENERATE_TASK, report_id)


def report_request(
    *,
    committee: Committee,
    kind: str,
    day: dt.date,
    requested_by=None,
    regenerate: bool = False,
    enqueue: bool = True,
    now: dt.datetime | None = None,
    today: dt.date | None = None,
) -> Report:
    """The report of ``committee`` for the ``kind`` period containing ``day``, queued for
    generation unless a version is ready (and ``regenerate`` is false) or a run is already on
    it. Safe to call any number of times, concurrently: there is one row per period.

    ``enqueue=False`` leaves the queued row for the caller to generate in its own process
    (``manage.py generate_report``)."""
    period = report_period(kind, day, today=today)
    now = now or timezone.now()
    with transaction.atomic():
        report, created = Report.objects.get_or_create(
            committee=committee,
            kind=kind,
            period_start=period.start,
            defaults={
                "period_end": period.end,
                "requested_by": requested_by,
                "requested_at": now,
            },
        )
        report = Report.objects.select_for_update().get(pk=report.pk)
        if not created:
            fresh = now - _running_timeout()
            if report.status == ReportStatus.RUNNING and report.started_at > fresh:
                return report
            if report.status == ReportStatus.QUEUED and report.requested_at > fresh:
                return report
            if report.status == ReportStatus.READY and not regenerate and not report.is_provisional:
                return report
            if report.status == ReportStatus.RUNNING and report.run_id:
                # A dead run (past the timeout): nothing refers to what it wrote.
                dead = _run_directory(report, report.run_id)
                transaction.on_commit(lambda: _delete_directory(dead))
            report.status = ReportStatus.QUEUED
            report.requested_by = requested_by
            report.requested_at = now
            report.step = ""
            report.run_id = None
            # A new request gets its own REPORT_MAX_ATTEMPTS (a regenerated report too).
            report.attempts = 0
            report.save(
                update_fields=[
                    "status",
                    "requested_by",
                    "requested_at",
                    "step",
                    "run_id",
                    "attempts",
                ]
            )
        if enqueue:
            _enqueue_generation(report.pk)
    return report


def reports_for_ended_period(*, kind: str, today: dt.date | None = None) -> list[Report]:
    """Beat, on the first day of a month (quarter, year): every committee's report for the
    period that has just ended. Reports already ready are left as they are, unless they were
    generated before the period was over (``Report.is_provisional``): those are replaced."""
    today = today or local_today()
    period = Period.containing(kind, today).previous()
    return [
        report_request(committee=committee, kind=kind, day=period.start, today=today)
        for committee in Committee.objects.order_by("pk")
    ]


# --- Generating it ------------------------------------------------------------------------------


def _run_directory(report: Report, run_id: uuid.UUID) -> str:
    return f"reports/{report.committee_id}/{report.kind}-{report.period_start:%Y-%m-%d}/{run_id}"


def _claim(report_id: int, run_id: uuid.UUID, task_id: str, now: dt.datetime) -> bool:
    claimable = (
        Q(status=ReportStatus.QUEUED)
        # A failed run is tried again (task retries, a duplicate message) within the bound; a
        # new request resets ``attempts``.
        | Q(status=ReportStatus.FAILED, attempts__lt=settings.REPORT_MAX_ATTEMPTS)
        | Q(status=ReportStatus.RUNNING, started_at__lt=now - _running_timeout())
    )
    if task_id:
        # The same task delivered again (its worker process died: acks_late and
        # reject_on_worker_lost requeue it at once) takes its run back, within the bound: a
        # report that kills its worker every time must not be redelivered for ever.
        claimable |= Q(
            status=ReportStatus.RUNNING,
            run_task_id=task_id,
            attempts__lt=settings.REPORT_MAX_ATTEMPTS,
        )
    with transaction.atomic():
        before = (
            Report.objects.select_for_update()
            .filter(pk=report_id)
            .values("committee_id", "kind", "period_start", "status", "run_id")
            .first()
        )
        updated = Report.objects.filter(claimable, pk=report_id).update(
            status=ReportStatus.RUNNING,
            run_id=run_id,
            run_task_id=task_id,
            started_at=now,
            finished_at=None,
            step="",
            error="",
            attempts=F("attempts") + 1,
        )
    if updated and before["status"] == ReportStatus.RUNNING and before["run_id"]:
        # The run taken over is dead (or will find it lost): what it wrote aside goes.
        taken_over = Report(
            committee_id=before["committee_id"],
            kind=before["kind"],
            period_start=before["period_start"],
            run_id=before["run_id"],
        )
        _delete_run_directory(taken_over)
    return updated == 1


def _still_mine(report_id: int, run_id: uuid.UUID) -> Q:
    return Q(pk=report_id, run_id=run_id, status=ReportStatus.RUNNING)


def _set_step(report_id: int, run_id: uuid.UUID, step: str) -> None:
    Report.objects.filter(_still_mine(report_id, run_id)).update(step=step)


def _delete_files(names: list[str]) -> None:
    for name in names:
        if name:
            try:
                default_storage.delete(name)
            except OSError:  # already gone; nothing refers to it any more
                logger.warning("Could not delete report file %s", name)


def report_generate(
    *, report_id: int, task_id: str = "", now: dt.datetime | None = None
) -> Report | None:
    """Generate the report if this run can claim it; ``None`` when another run has it or a
    version is ready and nobody asked for a new one. Any error marks the run failed with its
    reason (and is raised again, for the task's retry policy to judge)."""
    run_id = uuid.uuid4()
    if not _claim(report_id, run_id, task_id, now or timezone.now()):
        return None
    report = Report.objects.select_related("committee").get(pk=report_id)
    written: list[str] = []
    #: seconds per step, logged (and kept on the returned object for generate_report)
    timings: dict[str, float] = {}
    try:
        _set_step(report_id, run_id, "figures")
        started = time.perf_counter()
        with override(REPORT_LANGUAGE):
            content = report_content(report.committee, report.period, now=now)
            timings["figures"] = time.perf_counter() - started
            files = {}
            for fmt, render in _renderers().items():
                _set_step(report_id, run_id, fmt)
                started = time.perf_counter()
                name = f"{_run_directory(report, run_id)}/report.{fmt}"
                saved = default_storage.save(name, ContentFile(render(content)))
                timings[fmt] = time.perf_counter() - started
                written.append(saved)
                files[fmt] = saved
        published = _publish(report_id, run_id, task_id, content, files, written)
        logger.info(
            "Report %s (%s) generated: %s",
            report_id,
            report,
            ", ".join(f"{step} {seconds:.1f} s" for step, seconds in timings.items()),
        )
        if published is not None:
            published.timings = timings
        return published
    except BaseException as exc:
        _delete_files(written)
        logger.exception("Report %s failed", report_id)
        reason = failure_reason(exc)
        Report.objects.filter(_still_mine(report_id, run_id)).update(
            status=ReportStatus.FAILED, error=reason, run_id=None, finished_at=timezone.now()
        )
        raise


def failure_reason(exc: BaseException) -> str:
    """What staff read on the report's page: a sentence in their language and the kind of
    error; the details (paths, SQL, traceback) stay in the server log."""
    from celery.exceptions import SoftTimeLimitExceeded
    from django.db import DatabaseError

    if isinstance(exc, SoftTimeLimitExceeded):
        sentence = gettext("Generating the report took too long and was stopped.")
    elif isinstance(exc, DatabaseError):
        sentence = gettext("The database could not be reached while the report was generated.")
    elif isinstance(exc, OSError):
        sentence = gettext("The report's files could not be written (disk full or not writable).")
    else:
        sentence = gettext("The report could not be generated because of an internal error.")
    return gettext("%(sentence)s Please tell the portal's administrator (%(error)s).") % {
        "sentence": sentence,
        "error": type(exc).__name__,
    }


def _publish(
    report_id: int,
    run_id: uuid.UUID,
    task_id: str,
    content: dict,
    files: dict[str, str],
    written: list[str],
) -> Report | None:
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report_id)
        if report.run_id != run_id or report.status != ReportStatus.RUNNING:
            # Declared stuck and taken over while this run was still working: its files go.
            transaction.on_commit(lambda: _delete_files(written))
            return None
        previous = [report.file_for(fmt).name for fmt in ReportFormat.values]
        now = timezone.now()
        for fmt, name in files.items():
            report.file_for(fmt).name = name
        report.content = content
        report.status = ReportStatus.READY
        report.step = ""
        report.error = ""
        report.run_id = None
        report.finished_at = now
        report.generated_at = now
        report.generated_by_task = task_id
        report.delivered_at = None
        report.delivered_to = []
        report.save()
        # Robust: the new version is published now. An error after the commit (the e-mail task
        # failing in eager mode, a time limit striking here) must not reach report_generate's
        # handler, which would delete the files this row now points at.
        transaction.on_commit(
            lambda: _delete_files([n for n in previous if n not in written]), robust=True
        )
        _enqueue_delivery(report_id)
    return report


def reports_recover_stuck(*, now: dt.datetime | None = None) -> int:
    """Mark runs that outlived the timeout as failed and queue them again (up to
    ``REPORT_MAX_ATTEMPTS`` attempts); resend queued reports whose message was lost. Returns
    how many reports were sent again."""
    now = now or timezone.now()
    stale = now - _running_timeout()
    resent = 0
    stuck = Report.objects.filter(status=ReportStatus.RUNNING, started_at__lt=stale)
    for report in stuck.select_related("committee"):
        marked = Report.objects.filter(_still_mine(report.pk, report.run_id)).update(
            status=ReportStatus.FAILED,
            error=gettext("The generation stopped without finishing (the worker was stopped)."),
            run_id=None,
            finished_at=now,
        )
        if not marked:
            continue
        logger.warning("Report %s was stuck in running since %s", report.pk, report.started_at)
        _delete_run_directory(report)
        if report.attempts < settings.REPORT_MAX_ATTEMPTS:
            Report.objects.filter(pk=report.pk, status=ReportStatus.FAILED).update(
                status=ReportStatus.QUEUED, requested_at=now
            )
            _enqueue_generation(report.pk)
            resent += 1
    # Queued for over an hour: its message was lost (the broker lost it, e.g. Redis restarted
    # without persistence; a broker down when it was asked for is the outbox's business). A
    # long queue (every committee's reports on 1 January) takes less than that.
    lost = Report.objects.filter(
        status=ReportStatus.QUEUED, requested_at__lt=now - QUEUED_LOST_AFTER
    )
    for report_id in lost.values_list("pk", flat=True):
        Report.objects.filter(pk=report_id, status=ReportStatus.QUEUED).update(requested_at=now)
        _enqueue_generation(report_id)
        resent += 1
    return resent


def _delete_run_directory(report: Report) -> None:
    """Whatever a dead run left behind (no row refers to it)."""
    if report.run_id is not None:
        _delete_directory(_run_directory(report, report.run_id))


def _delete_directory(directory: str) -> None:
    try:
        _dirs, names = default_storage.listdir(directory)
    except FileNotFoundError:
        return
    _delete_files([f"{directory}/{name}" for name in names])


# --- Telling the committee's staff ------------------------------------------------------------


def _enqueue_delivery(report_id: int) -> None:
    """Within the transaction that published the version (``portal.core.outbox``)."""
    outbox_enqueue(REPORT_DELIVER_TASK, report_id)


def report_url(report: Report) -> str:
    return settings.PORTAL_BASE_URL + reverse("reports:detail", kwargs={"pk": report.pk})


def _ready_message(report: Report) -> tuple[str, str]:
    with override(REPORT_LANGUAGE):
        subject = gettext("Progress report ready: %(committee)s, %(period)s") % {
            "committee": report.committee.name,
            "period": report.period.label,
        }
        body = gettext(
            "The joint-building progress report of %(committee)s for %(period)s is ready.\n\n"
            "Open it in the portal (web page, PDF, Word and Excel):\n%(url)s\n\n"
            "This message was sent automatically by the Joint Party-Building Portal."
        ) % {
            "committee": report.committee.name,
            "period": report.period.label,
            "url": report_url(report),
        }
    return subject, body


def report_deliver(*, report_id: int, now: dt.datetime | None = None) -> int:
    """E-mail the committee's staff and admins that the report is ready: each of them once
    per version. One message per recipient, each recorded as it goes, so that a mail server
    failing half-way (the task is retried) never mails anybody twice. Returns the number of
    messages sent."""
    now = now or timezone.now()
    report = Report.objects.select_related("committee").get(pk=report_id)
    if not report.is_available or report.delivered_at is not None:
        return 0
    version = report.generated_at
    subject, body = _ready_message(report)
    sent = 0
    recipients = reviewers_of(report.committee_id).exclude(email="").order_by("pk")
    for user in recipients:
        with transaction.atomic():
            locked = Report.objects.select_for_update().get(pk=report_id)
            if locked.generated_at != version or user.pk in locked.delivered_to:
                continue  # a newer version has its own delivery; this one was mailed
            EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]).send()
            locked.delivered_to = [*locked.delivered_to, user.pk]
            locked.save(update_fields=["delivered_to"])
            sent += 1
    Report.objects.filter(pk=report_id, generated_at=version).update(delivered_at=now)
    return sent
