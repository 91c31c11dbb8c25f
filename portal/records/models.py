"""An evidence pack 佐证材料包: one zip of a period's approved activities — each activity's
一事一档 PDF and its files — asked for by a branch secretary (their branch) or committee staff
(their committee), made by a Celery task that reports its progress, kept for a few days."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from branches.models import Branch, Committee
from portal.core.periods import Period, PeriodKind


class EvidencePackStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being packed")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


def evidence_pack_upload_to(instance: EvidencePack, filename: str) -> str:
    # Not used for naming (the service names the file itself); required by FileField.
    return f"evidence/{instance.committee_id}/{filename}"


class EvidencePack(models.Model):
    committee = models.ForeignKey(
        Committee,
        on_delete=models.CASCADE,
        related_name="evidence_packs",
        verbose_name=_("committee"),
    )
    #: Empty: every branch of the committee (and the committee's own activities).
    branch = models.ForeignKey(
        Branch,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="evidence_packs",
        verbose_name=_("branch"),
    )
    period_kind = models.CharField(
        _("kind of period"), max_length=10, choices=PeriodKind.choices, default=PeriodKind.QUARTER
    )
    period_start = models.DateField(_("period starts"))
    period_end = models.DateField(_("period ends (exclusive)"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=EvidencePackStatus.choices,
        default=EvidencePackStatus.QUEUED,
    )
    #: Activities packed so far, of ``activity_total``: the page's progress bar.
    activities_done = models.PositiveIntegerField(_("activities packed"), default=0)
    activity_total = models.PositiveIntegerField(_("activities to pack"), default=0)
    error = models.TextField(_("reason of the failure"), blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    file = models.FileField(
        _("file"), upload_to=evidence_pack_upload_to, blank=True, max_length=255
    )
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    #: After this the file is deleted (``services.evidence_packs_purge``, hourly).
    expires_at = models.DateTimeField(_("kept until"), null=True, blank=True)

    committee_path = "committee"

    class Meta:
        verbose_name = _("evidence pack")
        verbose_name_plural = _("evidence packs")
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["requested_by", "requested_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gt=models.F("period_start")),
                name="evidence_pack_period_not_empty",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.owner_name} · {self.period.label}"

    @property
    def period(self) -> Period:
        return Period.containing(self.period_kind, self.period_start)

    @property
    def owner_name(self) -> str:
        return self.branch.name if self.branch_id else self.committee.name

    @property
    def is_in_progress(self) -> bool:
        return self.status in (EvidencePackStatus.QUEUED, EvidencePackStatus.RUNNING)

    @property
    def is_available(self) -> bool:
        return (
            self.status == EvidencePackStatus.READY
            and bool(self.file)
            and (self.expires_at is None or self.expires_at > timezone.now())
        )

    @property
    def percent(self) -> int:
        if self.status == EvidencePackStatus.READY:
            return 100
        if not self.activity_total:
            return 0
        return min(99, self.activities_done * 100 // self.activity_total)

    def download_name(self) -> str:
        """e.g. 佐证材料-杭州项目公司党支部-2026年第4季度.zip"""
        return gettext("Evidence-%(owner)s-%(period)s.zip") % {
            "owner": self.owner_name,
            "period": self.period.label,
        }
