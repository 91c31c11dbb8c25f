"""The periodic tasks: which ones, when (Asia/Shanghai), and that beat's database has them."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from django_celery_beat.models import PeriodicTask

from portal.celery import app
from portal.schedule import BEAT_SCHEDULE

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: A Friday afternoon in Shanghai: the moment the next runs are counted from.
NOW = dt.datetime(2026, 11, 27, 15, 2, tzinfo=SHANGHAI)


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


#: name -> (task, args, the next two runs after NOW, Shanghai time)
EXPECTED = {
    "reports-monthly": (
        "portal.tasks.reports_for_ended_period",
        ["month"],
        [at(2026, 12, 1, 1, 30), at(2027, 1, 1, 1, 30)],
    ),
    "reports-quarterly": (
        "portal.tasks.reports_for_ended_period",
        ["quarter"],
        [at(2027, 1, 1, 1, 40), at(2027, 4, 1, 1, 40)],
    ),
    "reports-yearly": (
        "portal.tasks.reports_for_ended_period",
        ["year"],
        [at(2027, 1, 1, 1, 50), at(2028, 1, 1, 1, 50)],
    ),
    "reports-recover-stuck": (
        "portal.tasks.reports_recover_stuck",
        [],
        [at(2026, 11, 27, 15, 5), at(2026, 11, 27, 15, 10)],
    ),
    "reminders-weekly": (  # Monday morning
        "portal.tasks.reminders_weekly",
        [],
        [at(2026, 11, 30, 8, 0), at(2026, 12, 7, 8, 0)],
    ),
    "outbox-dispatch": (  # every minute: tasks asked for while the broker was down
        "portal.tasks.outbox_dispatch",
        [],
        [at(2026, 11, 27, 15, 3), at(2026, 11, 27, 15, 4)],
    ),
    "worker-heartbeat": (  # every minute: /healthz
        "portal.tasks.worker_heartbeat",
        [],
        [at(2026, 11, 27, 15, 3), at(2026, 11, 27, 15, 4)],
    ),
    "audit-purge": (  # nightly: audit entries past AUDIT_RETENTION_DAYS
        "portal.tasks.audit_purge",
        [],
        [at(2026, 11, 28, 3, 30), at(2026, 11, 29, 3, 30)],
    ),
    "purge-staged-uploads": (
        "activities.tasks.purge_staged_uploads",
        [],
        [at(2026, 11, 28, 3, 15), at(2026, 11, 29, 3, 15)],
    ),
    "purge-staged-imports": (  # nightly: roster files of import previews left behind
        "portal.tasks.staged_imports_purge",
        [],
        [at(2026, 11, 28, 3, 20), at(2026, 11, 29, 3, 20)],
    ),
    "purge-evidence-packs": (  # hourly: evidence packs past EVIDENCE_PACK_KEEP_HOURS
        "portal.tasks.evidence_packs_purge",
        [],
        [at(2026, 11, 27, 15, 25), at(2026, 11, 27, 16, 25)],
    ),
}


def next_runs(schedule, after: dt.datetime, count: int = 2) -> list[dt.datetime]:
    runs = []
    for _ in range(count):
        start, delta, _now = schedule.remaining_delta(after)
        after = start + delta
        runs.append(after)
    return runs


def test_beat_schedule_has_the_expected_tasks_registered_with_the_worker():
    app.loader.import_default_modules()
    assert {name: (e["task"], list(e.get("args", ()))) for name, e in BEAT_SCHEDULE.items()} == {
        name: (task, args) for name, (task, args, _runs) in EXPECTED.items()
    }
    for entry in BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks


@pytest.mark.parametrize("name", EXPECTED)
def test_beat_schedule_is_due_at_shanghai_times(name):
    assert app.conf.timezone == "Asia/Shanghai"
    runs = next_runs(BEAT_SCHEDULE[name]["schedule"], NOW)
    assert runs == EXPECTED[name][2]
    assert [run.utcoffset() for run in runs] == [dt.timedelta(hours=8)] * 2


def test_monthly_report_runs_before_the_quarterly_and_yearly_ones_on_new_years_day():
    new_year = [
        next_runs(BEAT_SCHEDULE[name]["schedule"], at(2026, 12, 31, 12, 0), count=1)[0]
        for name in ("reports-monthly", "reports-quarterly", "reports-yearly")
    ]
    assert new_year == sorted(new_year)
    assert {run.date() for run in new_year} == {dt.date(2027, 1, 1)}


@pytest.mark.django_db
def test_after_migrate_the_schedule_is_in_beats_database_as_in_the_code():
    """django-celery-beat's rows are what beat runs from and what the admin shows."""
    rows = {task.name: task for task in PeriodicTask.objects.select_related("crontab")}
    assert set(EXPECTED) <= set(rows)
    for name, (task, args, runs) in EXPECTED.items():
        row = rows[name]
        assert (row.task, json.loads(row.args), row.enabled) == (task, args, True)
        assert str(row.crontab.timezone) == "Asia/Shanghai"
        assert next_runs(row.crontab.schedule, NOW) == runs
