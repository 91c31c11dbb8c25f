"""A ``Reminder`` is one thing somebody should act on (a measure their branch has not covered this
quarter, a returned activity, partners who have not answered or asked for a correction, a
submission waiting for review, an agreement about to end), recorded at most once per recipient,
item and ISO week."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from branches.models import Committee


class ReminderKind(models.TextChoices):
    UNCOVERED_MEASURE = "uncovered_measure", _("Measure not covered this quarter")
    RETURNED_ACTIVITY = "returned_activity", _("Returned activity not resubmitted")
    REVIEW_WAITING = "review_waiting", _("Submission waiting for review")
    AGREEMENT_ENDING = "agreement_ending", _("Partnership agreement ending")
    PARTNER_UNANSWERED = "partner_unanswered", _("Partner has not answered")
    PARTNER_CORRECTION = "partner_correction", _("Correction asked by a partner")


def iso_week(day: dt.date) -> str:
    """``2026-W48``: the ISO year and week that ``day`` is in."""
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


class ReminderQuerySet(models.QuerySet):
    def for_user(self, user) -> ReminderQuerySet:
        """Each user sees their own reminders only."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(recipient=user)


ReminderManager = models.Manager.from_queryset(ReminderQuerySet)


class Reminder(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reminders",
        verbose_name=_("recipient"),
    )
    committee = models.ForeignKey(
        Committee, on_delete=models.CASCADE, related_name="+", verbose_name=_("committee")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ReminderKind.choices)
    #: What the reminder is about, e.g. ``branch:3/measure:5/2026-10-01`` or ``activity:12``.
    item_key = models.CharField(_("item"), max_length=100)
    #: ISO week, e.g. ``2026-W48``: one reminder per recipient, item and week.
    week = models.CharField(_("week"), max_length=8)
    #: The names and dates the message is written from (kept as they were that week).
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    #: Path inside the portal where the recipient acts on it.
    link = models.CharField(_("link"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    objects = ReminderManager()

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-created_at", "kind", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "item_key", "week"], name="reminder_once_per_week"
            )
        ]
        indexes = [models.Index(fields=["recipient", "-created_at"], name="reminder_inbox")]

    def __str__(self) -> str:
        return self.message

    @property
    def message(self) -> str:
        """The sentence shown and e-mailed, in the active language."""
        d = self.detail
        if self.kind == ReminderKind.UNCOVERED_MEASURE:
            return gettext(
                "%(branch)s has logged no approved activity under %(measure)s in %(quarter)s."
            ) % {
                "branch": d.get("branch", ""),
                "measure": d.get("measure", ""),
                "quarter": d.get("quarter", ""),
            }
        if self.kind == ReminderKind.RETURNED_ACTIVITY:
            return gettext(
                "“%(title)s” (%(branch)s) was returned for changes on %(date)s "
                "and has not been resubmitted."
            ) % {"title": d.get("title", ""), "branch": d.get("branch", ""), "date": d.get("date")}
        if self.kind == ReminderKind.REVIEW_WAITING:
            return gettext(
                "“%(title)s” (%(organiser)s) has been waiting for review since %(date)s "
                "(%(days)s days)."
            ) % {
                "title": d.get("title", ""),
                "organiser": d.get("organiser", ""),
                "date": d.get("date", ""),
                "days": d.get("days", ""),
            }
        if self.kind == ReminderKind.PARTNER_UNANSWERED:
            return gettext(
                "“%(title)s” (%(branch)s): %(contacts)s, asked to confirm it on %(date)s, "
                "have not answered yet. From the activity you may remind them once."
            ) % {
                "title": d.get("title", ""),
                "branch": d.get("branch", ""),
                "contacts": d.get("contacts", ""),
                "date": d.get("date", ""),
            }
        if self.kind == ReminderKind.PARTNER_CORRECTION:
            return gettext(
                "“%(title)s” (%(branch)s): a partner asked for a correction on %(date)s — "
                "%(said)s. Change the record, then ask the partner again."
            ) % {
                "title": d.get("title", ""),
                "branch": d.get("branch", ""),
                "date": d.get("date", ""),
                "said": d.get("said", ""),
            }
        return gettext(
            "The agreement with %(partner)s (%(partnership)s) ends on %(date)s (in %(days)s days)."
        ) % {
            "partner": d.get("partner", ""),
            "partnership": d.get("partnership", ""),
            "date": d.get("date", ""),
            "days": d.get("days", ""),
        }
