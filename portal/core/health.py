"""What ``/healthz`` reports to monitoring: the database, the broker and the workers' heartbeat.

Nothing secret: states and ages only, never a host name, URL, version or error text (those are
in the server log). Each check is bounded in time (the broker's connect timeout is short), so
the page answers within a couple of seconds whatever is down.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.utils import timezone

from portal.core.models import Heartbeat, OutboxMessage

logger = logging.getLogger(__name__)

#: The one heartbeat row (every worker writes it: any live worker keeps it fresh).
WORKER = "worker"

OK = "ok"
FAILING = "failing"
STALE = "stale"
#: No broker configured (``make run``): tasks run in the web process, there is no worker.
IN_PROCESS = "in-process"


def heartbeat_record(*, now: dt.datetime | None = None) -> None:
    """A worker is alive (the beat task ``portal.tasks.worker_heartbeat`` and worker start)."""
    Heartbeat.objects.update_or_create(name=WORKER, defaults={"beat_at": now or timezone.now()})


@dataclass
class Health:
    database: str
    broker: str
    worker: str
    worker_heartbeat_age_seconds: int | None
    outbox_waiting: int | None
    outbox_oldest_waiting_age_seconds: int | None

    @property
    def healthy(self) -> bool:
        return all(state in (OK, IN_PROCESS) for state in (self.database, self.broker, self.worker))

    def as_json(self) -> dict:
        return {
            "status": OK if self.healthy else FAILING,
            "database": self.database,
            "broker": self.broker,
            "worker": self.worker,
            "worker_heartbeat_age_seconds": self.worker_heartbeat_age_seconds,
            "outbox_waiting": self.outbox_waiting,
            "outbox_oldest_waiting_age_seconds": self.outbox_oldest_waiting_age_seconds,
        }


def _age(moment: dt.datetime | None, now: dt.datetime) -> int | None:
    return None if moment is None else max(0, int((now - moment).total_seconds()))


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.warning("Health check: the database does not answer", exc_info=True)
        return False


def _broker_state() -> str:
    from portal.celery import app

    if app.conf.task_always_eager:
        return IN_PROCESS
    try:
        with app.connection_for_read() as broker:
            broker.ensure_connection(
                max_retries=1, interval_start=0, timeout=settings.CELERY_BROKER_CONNECTION_TIMEOUT
            )
    except Exception:
        logger.warning("Health check: the broker does not answer", exc_info=True)
        return FAILING
    return OK


def health_check(*, now: dt.datetime | None = None) -> Health:
    now = now or timezone.now()
    database = OK if _database_ok() else FAILING
    broker = _broker_state()
    heartbeat_age = waiting = oldest_age = None
    if database == OK:
        heartbeat = Heartbeat.objects.filter(name=WORKER).values_list("beat_at", flat=True)
        heartbeat_age = _age(heartbeat.first(), now)
        unsent = OutboxMessage.objects.filter(sent_at=None)
        waiting = unsent.count()
        oldest = unsent.order_by("created_at").values_list("created_at", flat=True).first()
        oldest_age = _age(oldest, now)
    if broker == IN_PROCESS:
        worker = IN_PROCESS
    elif heartbeat_age is None or heartbeat_age > settings.HEALTHZ_HEARTBEAT_MAX_AGE_SECONDS:
        worker = STALE
    else:
        worker = OK
    return Health(database, broker, worker, heartbeat_age, waiting, oldest_age)
