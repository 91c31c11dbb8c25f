"""Archiving instead of deleting: nothing a committee maintains is lost by a click.

A row of an archivable model (joint activities, partner organisations, partnerships) is never
deleted by the portal: "delete" stamps ``archived_at`` and ``archived_by``, and a committee
admin can restore it. The model's default manager, ``objects``, leaves archived rows out, so
every list, form choice, dashboard, report and reminder that reads through it hides them
without asking; ``all_objects`` reads every row (the admin's "Archived" page, restore).

Queries written in SQL, or that reach an archivable model through another model's relation
(``activity__status=…``), do not pass through the manager: for activities they take the rule
from ``activities.models.counted_as_done`` (and its SQL form); for partners they name
``archived_at IS NULL`` themselves (``portal.dashboards.selectors``).

Related rows follow Django's rules: a many-to-many relation read from the other side
(``activity.partners.all()``) hides archived rows, and ``set()`` leaves links to archived rows
in place, so they come back with the row; a foreign key (``activity.partnership``) still
reaches an archived row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.access import scope_for

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


class LiveManager(models.Manager):
    """The default manager of an archivable model: archived rows left out."""

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(archived_at__isnull=True)


def live_manager(queryset_class: type[models.QuerySet]) -> models.Manager:
    """A default manager with ``queryset_class``'s methods that leaves archived rows out."""
    return LiveManager.from_queryset(queryset_class)()


class ArchivableModel(models.Model):
    """A row that is archived instead of deleted (see the module's docstring).

    Subclasses declare ``objects = live_manager(TheirQuerySet)`` first (the default manager)
    and ``all_objects = TheirQuerySet.as_manager()``; they may refuse an archive or a restore
    that would leave a half-visible state (``archive_refusal`` / ``restore_refusal``).
    """

    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True, editable=False)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("archived by"),
    )

    class Meta:
        abstract = True

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def archive_refusal(self) -> str | None:
        """Why this row may not be archived now, or None."""
        return None

    def restore_refusal(self) -> str | None:
        """Why this archived row may not come back now, or None."""
        return None

    def after_archive_change(self, *, by: AbstractBaseUser | None) -> None:
        """Called after an archive or a restore was saved (e.g. to record an event)."""


def _locked(row: ArchivableModel, by: AbstractBaseUser | None) -> ArchivableModel:
    """The row locked until the transaction ends; only an admin of its committee may go on."""
    model = type(row)
    locked = model.all_objects.select_for_update(of=("self",)).get(pk=row.pk)
    if not scope_for(by).administers_committee(locked.committee_id):
        raise PermissionDenied
    return locked


@transaction.atomic
def row_archive(*, row: ArchivableModel, by: AbstractBaseUser | None) -> ArchivableModel:
    """Archive ``row`` (idempotent): it leaves every list, and its history records who did it.

    Only an admin of the row's committee (or a superuser) may: anybody else gets
    ``PermissionDenied``. Raises ``ValidationError`` when the model refuses
    (``archive_refusal``). Either way nothing is written.
    """
    locked = _locked(row, by)
    if locked.is_archived:
        return locked
    refusal = locked.archive_refusal()
    if refusal:
        raise ValidationError(refusal, code="archive_refused")
    locked.archived_at = timezone.now()
    locked.archived_by = by
    locked._history_user = by
    locked.save(update_fields=["archived_at", "archived_by"])
    locked.after_archive_change(by=by)
    return locked


@transaction.atomic
def row_restore(*, row: ArchivableModel, by: AbstractBaseUser | None) -> ArchivableModel:
    """Bring an archived ``row`` back into the lists (idempotent).

    Raises ``ValidationError`` when it no longer fits (a live row took its unique name, a row it
    needs is archived), ``PermissionDenied`` for anybody but an admin of its committee; nothing
    is written then.
    """
    locked = _locked(row, by)
    if not locked.is_archived:
        return locked
    refusal = locked.restore_refusal()
    if refusal:
        raise ValidationError(refusal, code="restore_refused")
    locked.archived_at = None
    locked.archived_by = None
    # A unique name (a partner's) may have been taken by a new row meanwhile.
    locked.validate_constraints()
    locked._history_user = by
    locked.save(update_fields=["archived_at", "archived_by"])
    locked.after_archive_change(by=by)
    return locked
