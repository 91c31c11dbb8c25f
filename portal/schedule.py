"""Every periodic task of the portal, in one place.

Times are the committee's (``CELERY_TIMEZONE`` Asia/Shanghai). Beat runs with
django-celery-beat's database scheduler, which copies these entries into the database when it
starts; ``sync_periodic_tasks`` (run after ``migrate``) does the same, so that the schedule is
visible in the admin (周期任务) before beat has ever run. An entry changed in the admin keeps
its change until beat starts again with this file.
"""

from __future__ import annotations

from celery import Celery
from celery.schedules import crontab

BEAT_SCHEDULE: dict[str, dict] = {
    "reports-monthly": {
        "task": "portal.tasks.reports_for_ended_period",
        "schedule": crontab(minute=30, hour=1, day_of_month=1),
        "args": ("month",),
    },
    "reports-quarterly": {
        "task": "portal.tasks.reports_for_ended_period",
        "schedule": crontab(minute=40, hour=1, day_of_month=1, month_of_year="1,4,7,10"),
        "args": ("quarter",),
    },
    "reports-yearly": {
        "task": "portal.tasks.reports_for_ended_period",
        "schedule": crontab(minute=50, hour=1, day_of_month=1, month_of_year=1),
        "args": ("year",),
    },
    "reports-recover-stuck": {
        "task": "portal.tasks.reports_recover_stuck",
        "schedule": crontab(minute="*/5"),
    },
    "reminders-weekly": {
        "task": "portal.tasks.reminders_weekly",
        "schedule": crontab(minute=0, hour=8, day_of_week="mon"),
    },
    # Tasks a request asked for while the broker was down (portal.core.outbox).
    "outbox-dispatch": {
        "task": "portal.tasks.outbox_dispatch",
        "schedule": crontab(),  # every minute
    },
    # /healthz: a recent heartbeat proves beat, the broker and a worker work.
    "worker-heartbeat": {
        "task": "portal.tasks.worker_heartbeat",
        "schedule": crontab(),
    },
    # Audit entries older than AUDIT_RETENTION_DAYS (at least 180).
    "audit-purge": {
        "task": "portal.tasks.audit_purge",
        "schedule": crontab(minute=30, hour=3),
    },
    "purge-staged-uploads": {
        "task": "activities.tasks.purge_staged_uploads",
        "schedule": crontab(minute=15, hour=3),
    },
    # Evidence packs past EVIDENCE_PACK_KEEP_HOURS, with their files (portal.records).
    "purge-evidence-packs": {
        "task": "portal.tasks.evidence_packs_purge",
        "schedule": crontab(minute=25),  # hourly
    },
    # Roster files of import previews never confirmed nor abandoned (portal.core.import_staging).
    "purge-staged-imports": {
        "task": "portal.tasks.staged_imports_purge",
        "schedule": crontab(minute=20, hour=3),
    },
}


def sync_periodic_tasks(app: Celery) -> None:
    """Write ``BEAT_SCHEDULE`` into django-celery-beat's tables (created or updated by name)."""
    from django_celery_beat.schedulers import ModelEntry

    for name, entry in BEAT_SCHEDULE.items():
        ModelEntry.from_entry(name, app=app, **entry)
