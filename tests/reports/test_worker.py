"""Reports made by real Celery worker processes, through Redis, in pytest's PostgreSQL database.

Two workers (``celery -A portal worker --pool=solo``) are started once for the module and
stopped at its end, with a third on its own queue whose Word renderer first waits a minute
(``tests/reports/slow_worker.py``): the one a test kills mid-report.
The workers connect to the test database (``DATABASE_URL`` built from the test connection),
keep their files under a temporary ``MEDIA_ROOT`` and print their e-mails (``consolemail://``)
into their log, which the tests read. Data is committed (transactional tests) so that the
workers see it.

Needs PostgreSQL and Redis: when ``services_required()`` (CI, or DATABASE_URL / REDIS_URL set)
and one is missing or unreachable the tests fail; in a plain local SQLite run they are skipped.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from portal.celery import app
from portal.reports.models import Report, ReportFormat, ReportStatus
from portal.reports.services import report_request, reports_recover_stuck
from portal.schedule import BEAT_SCHEDULE
from tests.conftest import services_required

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # The workers are started once for the module: its tests stay on one xdist process.
    pytest.mark.xdist_group("real-workers"),
]

BASE_URL = "http://portal.test"
STARTUP_SECONDS = 60
#: A report of the small test committees takes a second or two; CI machines are slower.
REPORT_SECONDS = 90
#: The queue of the worker whose Word file takes a minute (the one killed mid-report).
SLOW_QUEUE = f"slow-{uuid.uuid4().hex[:8]}"
#: The queue of the prefork worker whose process kills itself making the Word file.
PREFORK_QUEUE = f"prefork-{uuid.uuid4().hex[:8]}"
#: Its REPORT_MAX_ATTEMPTS (fewer deaths to wait for than the default 3).
PREFORK_MAX_ATTEMPTS = 2


def _services_problem() -> str:
    """Why real workers cannot run here ('' when they can)."""
    if connection.vendor != "postgresql":
        return "the database is SQLite: set DATABASE_URL=postgres://… (workers share the test DB)"
    if not settings.CELERY_BROKER_URL:
        return "no broker: set REDIS_URL=redis://…"
    try:
        with app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, timeout=3)
    except Exception as exc:  # any failure to reach the broker
        return f"the broker {settings.CELERY_BROKER_URL} cannot be reached ({exc})"
    return ""


def _database_url() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{credentials}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


@dataclass
class Worker:
    name: str
    process: subprocess.Popen
    log: Path

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class Workers:
    media: Path
    env: dict[str, str]
    directory: Path
    running: list[Worker] = field(default_factory=list)

    @property
    def kills(self) -> Path:
        """How many more times the prefork worker's process is to kill itself."""
        return self.directory / "kills"

    def start(
        self,
        name: str,
        *,
        app_module: str = "portal",
        queue: str = "celery",
        pool: str = "solo",
        **env: str,
    ) -> Worker:
        log = self.directory / f"{name}.log"
        with log.open("wb") as output:  # the child keeps its own handle
            process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
                [
                    *(sys.executable, "-m", "celery", "-A", app_module, "worker"),
                    *(
                        f"--pool={pool}",
                        "--concurrency=1",
                        "-n",
                        f"{name}@%h",
                        "-Q",
                        queue,
                        "-l",
                        "INFO",
                    ),
                    *("--without-gossip", "--without-mingle", "--without-heartbeat"),
                ],
                cwd=settings.BASE_DIR,
                env={**self.env, **env},
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        worker = Worker(name, process, log)
        self.running.append(worker)
        return worker

    def wait_ready(self, *workers: Worker) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        for worker in workers:
            while f"{worker.name}@" not in worker.text() or " ready." not in worker.text():
                if worker.process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"worker {worker.name} did not start:\n{worker.text()[-3000:]}")
                time.sleep(0.1)

    def named(self, name: str) -> Worker:
        return next(worker for worker in self.running if worker.name == name)

    def logs(self) -> str:
        return "\n".join(w.text() for w in self.running)

    def stop_all(self) -> None:
        """Cold shutdown (they are idle by now), all at once."""
        for worker in self.running:
            if worker.process.poll() is None:
                worker.process.send_signal(signal.SIGQUIT)
        for worker in self.running:
            worker.stop(signal.SIGKILL)


@pytest.fixture(scope="module")
def workers(request, tmp_path_factory) -> Iterator[Workers]:
    if problem := _services_problem():
        if services_required():
            pytest.fail(f"Real-worker tests need PostgreSQL and Redis: {problem}")
        pytest.skip(f"Real-worker tests need PostgreSQL and Redis: {problem}")
    request.getfixturevalue("django_db_setup")  # the test database the workers connect to
    app.control.purge()  # messages left in the queue by an earlier, interrupted run
    directory = tmp_path_factory.mktemp("workers")
    media = directory / "media"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CONN_MAX_AGE": "0",  # nothing kept open when the test database is flushed or dropped
        "MEDIA_ROOT": str(media),
        "EMAIL_URL": "consolemail://",
        "PORTAL_BASE_URL": BASE_URL,
        "PYTHONUNBUFFERED": "1",
    }
    pool = Workers(media=media, env=env, directory=directory)
    try:
        pool.wait_ready(
            pool.start("w1"),
            pool.start("w2"),
            pool.start(
                "slow",
                app_module="tests.reports.slow_worker",
                queue=SLOW_QUEUE,
                PORTAL_TEST_RENDER_DELAY="60",
            ),
            pool.start(
                "prefork",
                app_module="tests.reports.slow_worker",
                queue=PREFORK_QUEUE,
                pool="prefork",
                PORTAL_TEST_KILLS_FILE=str(pool.kills),
                REPORT_MAX_ATTEMPTS=str(PREFORK_MAX_ATTEMPTS),
            ),
        )
        yield pool
    finally:
        pool.stop_all()


@pytest.fixture
def media(workers, settings) -> Path:
    settings.MEDIA_ROOT = workers.media
    return workers.media


def wait_for(condition: Callable[[], object], what: str, workers: Workers, seconds: float):
    deadline = time.monotonic() + seconds
    while not (result := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out waiting for {what}. Worker logs:\n{workers.logs()[-6000:]}")
        time.sleep(0.1)
    return result


def finished(report: Report) -> Callable[[], Report | None]:
    def check() -> Report | None:
        row = Report.objects.get(pk=report.pk)
        done = row.status in (ReportStatus.READY, ReportStatus.FAILED) and (
            row.status == ReportStatus.FAILED or row.delivered_at is not None
        )
        return row if done else None

    return check


def assert_three_real_files(report: Report, *, committee_name: str) -> None:
    from docx import Document
    from openpyxl import load_workbook
    from pypdf import PdfReader

    assert report.status == ReportStatus.READY, report.error
    pdf = PdfReader(io.BytesIO(report.pdf.read()))
    assert committee_name in "".join(page.extract_text() for page in pdf.pages)
    word = Document(io.BytesIO(report.docx.read()))
    assert committee_name in "\n".join(p.text for p in word.paragraphs)
    workbook = load_workbook(io.BytesIO(report.xlsx.read()))
    assert committee_name in workbook.worksheets[0]["A1"].value  # the summary sheet's title
    for fmt in ReportFormat.values:
        assert report.file_for(fmt).name.startswith(f"reports/{report.committee_id}/")


def test_a_worker_generates_the_report_in_all_three_files_and_emails_the_staff(
    dash, workers, media
):
    report = report_request(
        committee=dash.cast.committee_a, kind="quarter", day=dt.date(2024, 5, 1)
    )

    report = wait_for(finished(report), "the report", workers, REPORT_SECONDS)

    assert_three_real_files(report, committee_name="投资公司党委")
    assert report.attempts == 1
    assert report.generated_by_task  # the id of the worker's task run
    assert report.content["period"]["start"] == "2024-04-01"
    link = f"{BASE_URL}/reports/{report.pk}/"
    logs = wait_for(lambda: link in workers.logs() and workers.logs(), "the e-mail", workers, 10)
    assert logs.count(link) == 2  # one message each to staff_a and admin_a
    delivered = wait_for(
        lambda: d if len(d := sorted(Report.objects.get(pk=report.pk).delivered_to)) == 2 else None,
        "the deliveries",
        workers,
        10,
    )
    assert delivered == sorted([dash.cast.staff_a.pk, dash.cast.admin_a.pk])
    # The console mail went through the worker's log: its addresses are masked there.
    assert "To: s***@example.cn" in logs
    assert "staff_a@example.cn" not in logs


def test_two_workers_given_the_same_report_at_once_make_one_report_once(cast, workers, media):
    from portal.reports.tasks import report_generate

    report = report_request(
        committee=cast.committee_a, kind="month", day=dt.date(2026, 3, 1), enqueue=False
    )
    first, second = report_generate.delay(report.pk), report_generate.delay(report.pk)

    outcomes = {result.get(timeout=REPORT_SECONDS): result for result in (first, second)}

    assert set(outcomes) == {"generated", "skipped"}
    # The skip was decided while the other worker was still generating: two processes raced.
    assert outcomes["skipped"].date_done < outcomes["generated"].date_done
    report.refresh_from_db()
    assert (report.status, report.attempts) == (ReportStatus.READY, 1)
    assert report.generated_by_task == outcomes["generated"].id
    assert Report.objects.count() == 1
    assert len(list((media / "reports" / str(cast.committee_a.pk)).rglob("*.pdf"))) == 1


def test_worker_killed_mid_report_leaves_nothing_half_written_and_a_new_worker_completes_it(
    cast, workers, media
):
    from portal.reports.tasks import report_generate

    report = report_request(
        committee=cast.committee_a, kind="month", day=dt.date(2026, 4, 1), enqueue=False
    )
    report_generate.apply_async((report.pk,), queue=SLOW_QUEUE)
    # The PDF is written aside and the Word file is being made: kill the whole worker.
    wait_for(
        lambda: Report.objects.filter(pk=report.pk, step="docx").exists(),
        "the slow worker to reach the Word file",
        workers,
        REPORT_SECONDS,
    )
    workers.named("slow").stop(signal.SIGKILL)

    report.refresh_from_db()
    assert (report.status, report.is_available) == (ReportStatus.RUNNING, False)
    assert [report.file_for(fmt).name for fmt in ReportFormat.values] == ["", "", ""]
    period_directory = media / "reports" / str(report.committee_id) / "month-2026-04-01"
    left = [p.name for p in period_directory.rglob("*") if p.is_file()]
    assert left == ["report.pdf"]  # aside, in the dead run's directory, which no row names

    timeout = dt.timedelta(minutes=settings.REPORT_RUNNING_TIMEOUT_MINUTES, seconds=1)
    assert reports_recover_stuck(now=timezone.now() + timeout) == 1  # beat's 5-minute sweep
    report = wait_for(finished(report), "the recovered report", workers, REPORT_SECONDS)

    assert_three_real_files(report, committee_name="投资公司党委")
    assert report.attempts == 2
    files = sorted(
        p.relative_to(media).as_posix() for p in period_directory.rglob("*") if p.is_file()
    )
    assert files == sorted(report.file_for(fmt).name for fmt in ReportFormat.values)


def test_on_the_first_of_a_month_every_committees_report_is_made_and_emailed(cast, workers, media):
    """Beat's monthly entry, run by a worker as if the clock read 1 December 2026 01:30."""
    entry = BEAT_SCHEDULE["reports-monthly"]
    app.send_task(entry["task"], args=entry["args"], kwargs={"today": "2026-12-01"})

    def november_reports() -> list[Report] | None:
        rows = list(Report.objects.select_related("committee").order_by("committee_id"))
        done = len(rows) == 2 and all(finished(row)() for row in rows)
        return [finished(row)() for row in rows] if done else None

    reports = wait_for(november_reports, "November's reports", workers, REPORT_SECONDS)

    assert [(r.committee, r.kind, r.period_start) for r in reports] == [
        (cast.committee_a, "month", dt.date(2026, 11, 1)),
        (cast.committee_b, "month", dt.date(2026, 11, 1)),
    ]
    for report in reports:
        assert_three_real_files(report, committee_name=report.committee.name)
        assert report.delivered_at is not None
    logs = workers.logs()
    assert logs.count(f"{BASE_URL}/reports/{reports[0].pk}/") == 2  # staff_a, admin_a
    assert logs.count(f"{BASE_URL}/reports/{reports[1].pk}/") == 1  # admin_b
    assert reports[1].delivered_to == [cast.admin_b.pk]


def test_worker_process_killed_mid_report_is_replaced_and_the_same_task_completes_it(
    cast, workers, media
):
    """Celery's default prefork pool, a child killed (the OOM killer): the task comes back."""
    from portal.reports.tasks import report_generate

    workers.kills.write_text("1")
    report = report_request(
        committee=cast.committee_a, kind="month", day=dt.date(2026, 6, 1), enqueue=False
    )
    result = report_generate.apply_async((report.pk,), queue=PREFORK_QUEUE)

    assert result.get(timeout=REPORT_SECONDS) == "generated"
    assert workers.kills.read_text() == "0"  # it did die once
    report.refresh_from_db()
    assert_three_real_files(report, committee_name="投资公司党委")
    assert (report.attempts, report.generated_by_task) == (2, result.id)
    period_directory = media / "reports" / str(report.committee_id) / "month-2026-06-01"
    files = sorted(
        p.relative_to(media).as_posix() for p in period_directory.rglob("*") if p.is_file()
    )
    assert files == sorted(report.file_for(fmt).name for fmt in ReportFormat.values)


def test_report_that_kills_its_worker_process_every_time_is_given_up_after_the_bound(
    cast, workers, media, settings
):
    from portal.reports.tasks import report_generate

    settings.REPORT_MAX_ATTEMPTS = PREFORK_MAX_ATTEMPTS  # as the worker has it

    workers.kills.write_text("99")
    report = report_request(
        committee=cast.committee_a, kind="month", day=dt.date(2026, 7, 1), enqueue=False
    )
    result = report_generate.apply_async((report.pk,), queue=PREFORK_QUEUE)

    # Delivered again after each death until REPORT_MAX_ATTEMPTS runs; the next one declines.
    assert result.get(timeout=REPORT_SECONDS) == "skipped"
    assert workers.kills.read_text() == str(99 - PREFORK_MAX_ATTEMPTS)
    report.refresh_from_db()
    assert (report.status, report.attempts) == (ReportStatus.RUNNING, PREFORK_MAX_ATTEMPTS)
    timeout = dt.timedelta(minutes=settings.REPORT_RUNNING_TIMEOUT_MINUTES, seconds=1)
    assert reports_recover_stuck(now=timezone.now() + timeout) == 0  # not queued again
    report.refresh_from_db()
    assert (report.status, report.is_available) == (ReportStatus.FAILED, False)
    period_directory = media / "reports" / str(report.committee_id) / "month-2026-07-01"
    assert not [p for p in period_directory.rglob("*") if p.is_file()]
