"""The background machinery's own rows: the outbox of tasks waiting for the broker, and the
heartbeat that proves a worker runs."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """A task the portal asked for, kept in the database until the broker has taken it.

    Written in the transaction of the change that asks for it (``portal.core.outbox``), so that a
    task is never sent for a change that was rolled back, and never lost because the broker
    was down when the change was saved. ``task_id`` is the Celery task id every publication of
    the message carries: sent twice (a crash between the broker's acceptance and the commit),
    the two copies are one task to the worker's log and its idempotent task.
    """

    task_name = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    task_id = models.UUIDField(_("task id"), default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent to the broker"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts to send"), default=0)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [
            # The dispatcher's query: the unsent ones, oldest first (a small, partial index).
            models.Index(
                fields=["created_at"],
                condition=models.Q(sent_at__isnull=True),
                name="outbox_unsent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.task_name} {self.task_id}"


class Heartbeat(models.Model):
    """The last time a worker ran the heartbeat task that beat sends every minute: recent, it
    proves beat, the broker and a worker all work (``/healthz``)."""

    name = models.CharField(_("name"), max_length=50, primary_key=True)
    beat_at = models.DateTimeField(_("last heartbeat"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} {self.beat_at:%Y-%m-%d %H:%M:%S}"
