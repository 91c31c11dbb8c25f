"""Every task the portal asks for goes through here: kept in the database, sent when it can be.

``outbox_enqueue(task_name, *args)`` writes an ``OutboxMessage`` row in the caller's
transaction and, once that transaction has committed, tries to hand it to the broker. So:

* a change that is rolled back sends nothing, and a worker never looks for a row that is not
  committed yet;
* with the broker down, the request that asked for the task still succeeds quickly (short
  connect timeouts, no publish retries: ``CELERY_BROKER_TRANSPORT_OPTIONS`` in settings) and
  the row waits;
* ``outbox_dispatch`` (beat, every minute, and once when a worker starts) sends whatever waits.

**Exactly once.** A row is published while it is locked (``SELECT … FOR UPDATE SKIP LOCKED``)
and marked sent in the same transaction: a dispatcher and the request's own attempt, or two
dispatchers, never both publish it. The one gap left, the broker accepting the message and the
process dying before its commit, would publish it again with the same stored ``task_id``; the
portal's tasks are idempotent for that case (a report run is claimed, a delivery recorded per
recipient).

Without a broker (``make run``: Celery's ``task_always_eager``) the task runs in-process right
after the commit, and a failure is logged; the request carries on.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from portal.core.models import OutboxMessage

logger = logging.getLogger(__name__)

#: How many waiting messages one dispatcher run sends at most (the rest: the next minute).
DISPATCH_BATCH = 500


def outbox_enqueue(task_name: str, *args, **kwargs) -> OutboxMessage:
    """Ask for the task named ``task_name`` with ``(*args, **kwargs)`` as part of the current
    transaction. A name, not the task: the services that ask need not import their tasks, which
    import them. Arguments must be JSON (ids, ISO dates), as they are stored in the row."""
    message = OutboxMessage.objects.create(task_name=task_name, args=list(args), kwargs=kwargs)
    # Robust: nothing an attempt to send does may undo or fail the change it belongs to.
    transaction.on_commit(lambda: outbox_send(message.pk), robust=True)
    return message


def _celery_app():
    from portal.celery import app

    return app


def _task(name: str):
    app = _celery_app()
    if name not in app.tasks:
        # Task modules are discovered lazily (``autodiscover_tasks``): a web process that asks
        # for a task by name may not have imported them yet.
        app.loader.import_default_modules()
    return app.tasks[name]


def _publish(message: OutboxMessage) -> None:
    task = _task(message.task_name)
    task.apply_async(
        args=message.args,
        kwargs=message.kwargs,
        task_id=str(message.task_id),
        # Fail fast: the dispatcher tries again, and a request must not wait for a dead broker.
        retry=False,
        # Nobody waits for the result of a task sent from here (the row is its record), and
        # asking for it would subscribe to Redis for every message sent.
        ignore_result=True,
    )


def outbox_send(message_id: int) -> bool:
    """Try to hand one waiting message to the broker; ``True`` if this call sent it. Never
    raises: a failure is counted on the row and logged, and the dispatcher tries again."""
    if _celery_app().conf.task_always_eager:
        return _run_in_process(message_id)
    try:
        with transaction.atomic():
            message = (
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(pk=message_id, sent_at=None)
                .first()
            )
            if message is None:  # sent already, or being sent by somebody else right now
                return False
            try:
                _publish(message)
            except Exception as exc:  # the broker is down or refused it: the row waits
                OutboxMessage.objects.filter(pk=message.pk).update(
                    attempts=F("attempts") + 1, last_error=type(exc).__name__[:200]
                )
                logger.warning(
                    "Outbox message %s (%s) not sent, kept for later: %s",
                    message.pk,
                    message.task_name,
                    type(exc).__name__,
                )
                return False
            message.sent_at = timezone.now()
            message.attempts += 1
            message.last_error = ""
            message.save(update_fields=["sent_at", "attempts", "last_error"])
    except Exception:  # the database itself failed: the message is unsent or sent, logged
        logger.exception("Outbox message %s: its state could not be recorded", message_id)
        return False
    return True


def _run_in_process(message_id: int) -> bool:
    """No broker: mark the message taken, then run its task here (after, so that a task that
    fails is not run again by every dispatcher)."""
    taken = OutboxMessage.objects.filter(pk=message_id, sent_at=None).update(
        sent_at=timezone.now(), attempts=F("attempts") + 1
    )
    if not taken:
        return False
    message = OutboxMessage.objects.get(pk=message_id)
    try:
        _publish(message)
    except Exception:
        # The task's own service records what went wrong where a user sees it (e.g. a
        # report's reason); the request that asked for it carries on.
        logger.exception(
            "Task %s (outbox message %s) failed in-process", message.task_name, message.pk
        )
    return True


def outbox_dispatch(*, batch: int = DISPATCH_BATCH) -> int:
    """Send the messages still waiting, oldest first; stops at the first one the broker
    refuses (it is down: the next run tries again). Returns how many this run sent."""
    waiting = list(
        OutboxMessage.objects.filter(sent_at=None)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:batch]
    )
    sent = 0
    for message_id in waiting:
        if outbox_send(message_id):
            sent += 1
        elif OutboxMessage.objects.filter(pk=message_id, sent_at=None).exists():
            break  # not sent and still waiting: the broker is down
    if waiting:
        logger.info("Outbox: %s of %s waiting messages sent", sent, len(waiting))
    return sent
