"""The background machinery's own tasks (the outbox, the worker heartbeat) and the retry policy
every task of the portal shares. Scheduled in ``portal.schedule``; a task keeps the name beat's
database rows and waiting outbox messages store. A request asks for a task through
``portal.core.outbox.outbox_enqueue``, never with ``.delay()``: the broker may be down."""

from __future__ import annotations

from celery import shared_task
from celery.signals import worker_ready
from django.db import DatabaseError, InterfaceError
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError

from portal.core import health, import_staging, outbox

#: Errors worth another try (a database restart, a full disk, a broker blip), with backoff.
TRANSIENT_ERRORS = (DatabaseError, InterfaceError, BrokerError, RedisConnectionError, OSError)
RETRY_POLICY = {
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 4,
}


@shared_task(name="portal.tasks.outbox_dispatch", ignore_result=True)
def outbox_dispatch() -> int:
    """Beat, every minute: send the tasks that could not reach the broker when asked for."""
    return outbox.outbox_dispatch()


@shared_task(name="portal.tasks.worker_heartbeat", ignore_result=True)
def worker_heartbeat() -> None:
    """Beat, every minute: a worker is alive (``/healthz``)."""
    health.heartbeat_record()


@worker_ready.connect
def _on_worker_ready(sender, **kwargs) -> None:
    """A worker that starts (after an outage, say) sends what waits and reports at once,
    without waiting for beat. Sent as tasks: the worker's main process keeps no database
    connection that the pool processes it forks later would inherit."""
    outbox_dispatch.delay()
    worker_heartbeat.delay()


@shared_task(name="portal.tasks.staged_imports_purge", ignore_result=True, **RETRY_POLICY)
def staged_imports_purge() -> int:
    """Beat, nightly: roster files of import previews that were never confirmed nor abandoned
    in the portal (a closed tab, an ended session)."""
    return import_staging.staged_imports_purge()
