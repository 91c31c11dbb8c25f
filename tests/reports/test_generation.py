"""Generating a report is safe to repeat, to interrupt and to race (in-process, fake renderers).

The renderers are replaced by small fakes (``portal.reports.services._renderers``) so that
these tests prove the claim / write-aside / swap rules and not the file formats; the real
files and real worker processes are in ``test_worker.py``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import EmailMessage
from django.utils import timezone
from django.utils.translation import gettext

from portal.reports import services
from portal.reports.models import Report, ReportFormat, ReportStatus
from portal.reports.services import (
    failure_reason,
    report_deliver,
    report_generate,
    report_request,
    reports_for_ended_period,
    reports_recover_stuck,
)
from tests.dashboards.conftest import SHANGHAI

MAY_2026 = dt.date(2026, 5, 10)

#: The reason a dead run is given (stored in the active language, Chinese by default).
STOPPED = "The generation stopped without finishing (the worker was stopped)."


class FakeRenderers(dict):
    """``{fmt: render}`` whose files say which version and format they are; ``fail`` makes one
    format raise, ``during`` runs a callback while that format is being rendered."""

    def __init__(self) -> None:
        super().__init__({fmt: self._renderer(fmt) for fmt in ReportFormat.values})
        self.version = "v1"
        self.calls: list[str] = []
        self.fail: dict[str, BaseException] = {}
        self.during: dict[str, Callable[[], None]] = {}

    def _renderer(self, fmt: str) -> Callable[[dict], bytes]:
        def render(content: dict) -> bytes:
            self.calls.append(fmt)
            if fmt in self.during:
                self.during.pop(fmt)()
            if fmt in self.fail:
                raise self.fail[fmt]
            return f"{self.version} {fmt} {content['committee']['name']}".encode()

        return render


@pytest.fixture
def renderers(monkeypatch) -> FakeRenderers:
    fakes = FakeRenderers()
    monkeypatch.setattr(services, "_renderers", lambda: fakes)
    return fakes


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def sent(monkeypatch) -> dict[str, list[int]]:
    """What was handed to the broker, by task (nothing reaches Redis from these tests)."""
    from portal.reports import tasks

    queued: dict[str, list[int]] = {"generate": [], "deliver": []}

    def handed_over(kind: str):
        return lambda args=(), kwargs=None, **options: queued[kind].append(*args)

    # portal.core.outbox publishes with apply_async, after the commit.
    monkeypatch.setattr(tasks.report_generate, "apply_async", handed_over("generate"))
    monkeypatch.setattr(tasks.report_deliver, "apply_async", handed_over("deliver"))
    return queued


def files_of(report: Report) -> dict[str, bytes]:
    report.refresh_from_db()
    return {fmt: report.file_for(fmt).read() for fmt in ReportFormat.values}


def stored_files(media: Path) -> set[str]:
    return {p.relative_to(media).as_posix() for p in media.rglob("*") if p.is_file()}


def requested(committee, **kwargs) -> Report:
    return report_request(committee=committee, kind="month", day=MAY_2026, **kwargs)


def test_requesting_and_running_twice_leaves_one_report_generated_once(
    cast, renderers, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = requested(cast.committee_a)
        again = requested(cast.committee_a)

    assert first.pk == again.pk
    assert Report.objects.count() == 1
    assert sent["generate"] == [first.pk]  # the second request found it already queued

    assert report_generate(report_id=first.pk, task_id="t-1") is not None
    assert report_generate(report_id=first.pk, task_id="t-2") is None
    assert renderers.calls == ["pdf", "docx", "xlsx"]
    report = Report.objects.get()
    assert (report.status, report.attempts, report.generated_by_task) == ("ready", 1, "t-1")
    assert files_of(report)["pdf"] == "v1 pdf 投资公司党委".encode()
    # once ready, asking again neither queues nor regenerates it
    with django_capture_on_commit_callbacks(execute=True):
        assert requested(cast.committee_a).status == ReportStatus.READY
    assert sent["generate"] == [first.pk]


def test_regenerating_keeps_the_old_version_readable_until_the_new_one_replaces_it(
    cast, renderers, sent, media, django_capture_on_commit_callbacks
):
    report = requested(cast.committee_a)
    report_generate(report_id=report.pk)
    old = files_of(report)
    old_names = {report.file_for(fmt).name for fmt in ReportFormat.values}

    with django_capture_on_commit_callbacks(execute=True):
        requested(cast.committee_a, regenerate=True)
    assert sent["generate"] == [report.pk]

    seen_mid_run: dict = {}

    def look_at_the_row() -> None:  # what a download would get while the new run works
        row = Report.objects.get(pk=report.pk)
        seen_mid_run.update(status=row.status, files=files_of(row))

    renderers.version = "v2"
    renderers.during["xlsx"] = look_at_the_row
    with django_capture_on_commit_callbacks(execute=True):
        report_generate(report_id=report.pk)

    assert seen_mid_run == {"status": ReportStatus.RUNNING, "files": old}
    new = files_of(report)
    assert new == {fmt: f"v2 {fmt} 投资公司党委".encode() for fmt in ReportFormat.values}
    new_names = {report.file_for(fmt).name for fmt in ReportFormat.values}
    assert not new_names & old_names
    assert stored_files(media) == new_names  # the old version's files are gone
    assert sent["deliver"] == [report.pk]


def test_failing_renderer_leaves_no_file_and_the_reason(cast, renderers, media):
    report = requested(cast.committee_a)
    renderers.fail["docx"] = ValueError("no East-Asian font")

    with pytest.raises(ValueError, match="no East-Asian font"):
        report_generate(report_id=report.pk)

    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    # The page gets a sentence and the kind of error; the details are in the log.
    assert report.error == failure_reason(ValueError())
    assert "ValueError" in report.error
    assert not report.is_available
    assert [report.file_for(fmt).name for fmt in ReportFormat.values] == ["", "", ""]
    assert stored_files(media) == set()  # the PDF it had written is deleted too
    assert renderers.calls == ["pdf", "docx"]


def test_failed_regeneration_keeps_the_previous_version(cast, renderers, media):
    report = requested(cast.committee_a)
    report_generate(report_id=report.pk)
    old = files_of(report)
    requested(cast.committee_a, regenerate=True)
    renderers.version = "v2"
    renderers.fail["xlsx"] = OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        report_generate(report_id=report.pk)

    report.refresh_from_db()
    assert (report.status, report.error) == (ReportStatus.FAILED, failure_reason(OSError()))
    assert report.is_available
    assert files_of(report) == old
    assert stored_files(media) == {report.file_for(fmt).name for fmt in ReportFormat.values}


def test_an_error_after_publishing_leaves_the_ready_report_whole(
    cast, renderers, media, monkeypatch, django_capture_on_commit_callbacks
):
    """E.g. in-process (no broker) the e-mail task runs after the commit and fails, or the
    broker is down: the e-mail's task waits in the outbox."""
    from portal.core.models import OutboxMessage
    from portal.reports import tasks

    report = requested(cast.committee_a)

    def mail_server_down(*args, **kwargs) -> None:
        raise ConnectionRefusedError("smtp")

    monkeypatch.setattr(tasks.report_deliver, "apply_async", mail_server_down)
    with django_capture_on_commit_callbacks(execute=True):
        assert report_generate(report_id=report.pk) is not None

    report.refresh_from_db()
    assert report.status == ReportStatus.READY
    assert OutboxMessage.objects.filter(task_name=tasks.report_deliver.name, args=[report.pk])
    assert files_of(report)["xlsx"] == "v1 xlsx 投资公司党委".encode()
    assert stored_files(media) == {report.file_for(fmt).name for fmt in ReportFormat.values}


def dead_run(report: Report, *, started: dt.datetime) -> Path:
    """A worker claimed ``report`` at ``started``, wrote its PDF aside and was killed."""
    run_id = uuid.uuid4()
    assert services._claim(report.pk, run_id, "dead-task", started)
    name = f"{services._run_directory(report, run_id)}/report.pdf"
    default_storage.save(name, ContentFile(b"half"))
    return Path(default_storage.path(name)).parent


def test_stale_running_report_is_recovered_and_the_next_run_completes_it(
    cast, renderers, sent, settings, django_capture_on_commit_callbacks
):
    settings.REPORT_RUNNING_TIMEOUT_MINUTES = 15
    report = requested(cast.committee_a)
    now = timezone.now()
    leftovers = dead_run(report, started=now - dt.timedelta(minutes=10))

    # Not stale yet: the run may still be working, nobody touches it.
    assert reports_recover_stuck(now=now) == 0
    assert report_generate(report_id=report.pk) is None

    later = now + dt.timedelta(minutes=6)
    with django_capture_on_commit_callbacks(execute=True):
        assert reports_recover_stuck(now=later) == 1
    report.refresh_from_db()
    assert report.status == ReportStatus.QUEUED
    assert report.run_id is None
    assert not any(leftovers.iterdir())  # the dead run's half-written file is deleted
    assert sent["generate"] == [report.pk]

    assert report_generate(report_id=report.pk, task_id="next") is not None
    report.refresh_from_db()
    assert (report.status, report.attempts, report.error) == (ReportStatus.READY, 2, "")
    assert files_of(report)["pdf"] == "v1 pdf 投资公司党委".encode()


def test_report_that_keeps_dying_stays_failed_after_the_last_attempt(cast, renderers, settings):
    settings.REPORT_MAX_ATTEMPTS = 2
    report = requested(cast.committee_a)
    now = timezone.now()
    for attempt in (1, 2):
        dead_run(report, started=now - dt.timedelta(hours=1))
        assert reports_recover_stuck(now=now) == (1 if attempt < 2 else 0)

    report.refresh_from_db()
    assert (report.status, report.attempts) == (ReportStatus.FAILED, 2)
    assert report.error == gettext(STOPPED)
    # Asking for it again (the page's button) starts a fresh series of attempts.
    requested(cast.committee_a)
    report.refresh_from_db()
    assert (report.status, report.attempts) == (ReportStatus.QUEUED, 0)


def test_task_delivered_again_after_its_worker_died_takes_its_run_back(cast, renderers):
    """A worker process killed mid-report: Celery hands the same task to another process."""
    report = requested(cast.committee_a)
    leftovers = dead_run(report, started=timezone.now())  # as task "dead-task", just now

    assert report_generate(report_id=report.pk, task_id="another-task") is None  # still held
    assert report_generate(report_id=report.pk, task_id="dead-task") is not None

    report.refresh_from_db()
    assert (report.status, report.attempts) == (ReportStatus.READY, 2)
    assert not any(leftovers.iterdir())  # what the dead process wrote aside is deleted


def test_report_that_kills_its_worker_every_time_is_not_taken_back_past_the_bound(
    cast, renderers, settings
):
    settings.REPORT_MAX_ATTEMPTS = 3
    report = requested(cast.committee_a)
    now = timezone.now()
    for _delivery in range(3):  # claimed, then the worker process dies
        assert services._claim(report.pk, uuid.uuid4(), "poison", now)

    assert report_generate(report_id=report.pk, task_id="poison") is None  # 4th delivery
    assert renderers.calls == []
    # The sweep then gives it up, with the reason.
    assert reports_recover_stuck(now=now + dt.timedelta(hours=1)) == 0
    report.refresh_from_db()
    assert (report.status, report.attempts) == (ReportStatus.FAILED, 3)
    assert report.error == gettext(STOPPED)


def test_asking_again_for_a_stuck_report_clears_the_dead_runs_files(
    cast, renderers, sent, django_capture_on_commit_callbacks
):
    report = requested(cast.committee_a)
    leftovers = dead_run(report, started=timezone.now() - dt.timedelta(hours=1))

    with django_capture_on_commit_callbacks(execute=True):
        requested(cast.committee_a)

    report.refresh_from_db()
    assert (report.status, report.run_id, report.attempts) == (ReportStatus.QUEUED, None, 0)
    assert not any(leftovers.iterdir())
    assert sent["generate"] == [report.pk]
    assert report_generate(report_id=report.pk) is not None


def test_late_finisher_that_lost_its_claim_discards_its_files(
    cast, renderers, sent, media, django_capture_on_commit_callbacks
):
    """Run A is taken for dead and recovered; run B completes the report; then A finishes."""
    report = requested(cast.committee_a)
    outcome: dict = {}

    def recovered_and_completed_by_run_b() -> None:
        reports_recover_stuck()
        renderers.version = "B"
        outcome["b"] = report_generate(report_id=report.pk, task_id="run-b")

    renderers.version = "A"
    renderers.during["xlsx"] = recovered_and_completed_by_run_b
    long_ago = timezone.now() - dt.timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        outcome["a"] = report_generate(report_id=report.pk, task_id="run-a", now=long_ago)

    assert outcome["a"] is None
    assert outcome["b"] is not None
    report.refresh_from_db()
    assert (report.status, report.generated_by_task) == (ReportStatus.READY, "run-b")
    assert files_of(report) == {
        fmt: f"B {fmt} 投资公司党委".encode() for fmt in ReportFormat.values
    }
    assert stored_files(media) == {report.file_for(fmt).name for fmt in ReportFormat.values}


@pytest.mark.parametrize(
    ("kind", "today", "start", "end"),
    [
        ("month", dt.date(2026, 12, 1), dt.date(2026, 11, 1), dt.date(2026, 12, 1)),
        ("quarter", dt.date(2026, 10, 1), dt.date(2026, 7, 1), dt.date(2026, 10, 1)),
        ("year", dt.date(2026, 1, 1), dt.date(2025, 1, 1), dt.date(2026, 1, 1)),
    ],
)
def test_first_day_of_a_period_queues_the_ended_one_for_every_committee(
    cast, sent, django_capture_on_commit_callbacks, kind, today, start, end
):
    with django_capture_on_commit_callbacks(execute=True):
        reports = reports_for_ended_period(kind=kind, today=today)
        reports_for_ended_period(kind=kind, today=today)  # beat firing twice

    rows = Report.objects.order_by("committee_id")
    assert [r.pk for r in reports] == [r.pk for r in rows]
    assert [(r.committee, r.kind, r.period_start, r.period_end, r.status) for r in rows] == [
        (cast.committee_a, kind, start, end, ReportStatus.QUEUED),
        (cast.committee_b, kind, start, end, ReportStatus.QUEUED),
    ]
    assert sorted(sent["generate"]) == [r.pk for r in rows]


def test_delivery_emails_the_committees_staff_and_admins_once_per_version(
    cast, renderers, sent, settings, django_capture_on_commit_callbacks
):
    settings.PORTAL_BASE_URL = "https://dj.example.cn"
    report = requested(cast.committee_a)
    assert report_deliver(report_id=report.pk) == 0  # nothing ready to tell about yet
    with django_capture_on_commit_callbacks(execute=True):
        report_generate(report_id=report.pk)
    assert sent["deliver"] == [report.pk]

    assert report_deliver(report_id=report.pk) == 2
    assert report_deliver(report_id=report.pk) == 0  # a repeated task sends nothing more
    assert sorted(m.to[0] for m in mail.outbox) == ["admin_a@example.cn", "staff_a@example.cn"]
    link = f"https://dj.example.cn/reports/{report.pk}/"
    for message in mail.outbox:
        assert len(message.to) == 1  # nobody sees the other recipients
        assert link in message.body
        assert "投资公司党委" in message.subject

    requested(cast.committee_a, regenerate=True)
    report_generate(report_id=report.pk)
    assert report_deliver(report_id=report.pk) == 2  # the new version is told about once
    assert report_deliver(report_id=report.pk) == 0
    assert len(mail.outbox) == 4


def test_generate_task_retries_transient_errors_with_a_bound(cast, renderers, sent, monkeypatch):
    from portal.reports.tasks import report_generate as task

    report = requested(cast.committee_a)
    renderers.fail["pdf"] = OSError("NFS share went away")
    # Run in-process, each retry is applied at once (no countdown) and the last error kept.
    monkeypatch.setitem(task.app.conf, "task_eager_propagates", False)

    result = task.apply(args=(report.pk,))

    assert isinstance(result.result, OSError)
    assert renderers.calls == ["pdf"] * (1 + task.max_retries)
    report.refresh_from_db()
    assert (report.status, report.attempts) == (ReportStatus.FAILED, 1 + task.max_retries)


def test_generate_task_does_not_retry_a_programming_error(cast, renderers, sent):
    from portal.reports.tasks import report_generate as task

    report = requested(cast.committee_a)
    renderers.fail["pdf"] = KeyError("headline")

    with pytest.raises(KeyError):
        task.apply(args=(report.pk,))

    assert renderers.calls == ["pdf"]


def test_a_report_made_before_its_period_ended_is_replaced_on_the_first_of_the_next(
    cast, renderers, sent, django_capture_on_commit_callbacks
):
    """Staff asked for May on 20 May: the scheduled run on 1 June regenerates it."""
    report = requested(cast.committee_a)
    report_generate(report_id=report.pk)
    mid_may = dt.datetime(2026, 5, 20, 12, tzinfo=SHANGHAI)
    Report.objects.filter(pk=report.pk).update(generated_at=mid_may)  # as if made that day
    report.refresh_from_db()
    assert report.is_provisional

    with django_capture_on_commit_callbacks(execute=True):
        reports_for_ended_period(kind="month", today=dt.date(2026, 6, 1))
    report.refresh_from_db()
    assert report.status == ReportStatus.QUEUED
    assert report.pk in sent["generate"]

    report_generate(report_id=report.pk)  # now, long after May
    report.refresh_from_db()
    assert not report.is_provisional
    with django_capture_on_commit_callbacks(execute=True):
        reports_for_ended_period(kind="month", today=dt.date(2026, 6, 1))
    report.refresh_from_db()
    assert report.status == ReportStatus.READY  # a complete one is kept


def test_a_mail_server_failing_half_way_never_mails_anybody_twice(
    cast, renderers, sent, monkeypatch
):
    report = requested(cast.committee_a)
    report_generate(report_id=report.pk)
    real_send = EmailMessage.send

    def flaky(message, *args, **kwargs):
        if message.to == ["admin_a@example.cn"]:  # the second recipient (by id)
            raise OSError("SMTP connection lost")
        return real_send(message, *args, **kwargs)

    monkeypatch.setattr(EmailMessage, "send", flaky)
    with pytest.raises(OSError, match="SMTP"):
        report_deliver(report_id=report.pk)
    assert [m.to for m in mail.outbox] == [["staff_a@example.cn"]]

    monkeypatch.setattr(EmailMessage, "send", real_send)
    assert report_deliver(report_id=report.pk) == 1  # the retry mails only admin_a
    assert sorted(m.to[0] for m in mail.outbox) == ["admin_a@example.cn", "staff_a@example.cn"]
    assert report_deliver(report_id=report.pk) == 0


def test_a_failed_report_is_not_claimed_again_past_the_bound(cast, renderers, settings):
    """A duplicate message arriving after the last attempt does not run it again."""
    settings.REPORT_MAX_ATTEMPTS = 2
    report = requested(cast.committee_a)
    renderers.fail["pdf"] = OSError("disk full")
    for _attempt in range(2):
        with pytest.raises(OSError, match="disk full"):
            report_generate(report_id=report.pk)
    assert report_generate(report_id=report.pk) is None
    assert renderers.calls == ["pdf", "pdf"]
    # Staff asking again starts a fresh round.
    requested(cast.committee_a, regenerate=True)
    renderers.fail.clear()
    assert report_generate(report_id=report.pk) is not None
