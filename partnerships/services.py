"""Writes that touch partner organisations, their contacts and partnerships."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from branches.models import AuditAction
from partnerships.models import (
    Contact,
    Partnership,
    PartnershipMember,
    PlanItem,
    PlanStatus,
    YearPlan,
)
from portal.audit.services import audit_record


def contact_phone_reveal(
    *, contact: Contact, user: AbstractBaseUser, request: HttpRequest | None
) -> str:
    """A partner contact's full phone number, for a committee admin; the reveal is audited."""
    with transaction.atomic():
        audit_record(
            user=user,
            action=AuditAction.PHONE_REVEAL,
            committee=contact.partner.committee,
            object_type="contact",
            object_id=contact.pk,
            object_repr=f"{contact.name} ({contact.partner.name})",
            request=request,
        )
    return contact.phone


def partnership_renew(
    partnership: Partnership,
    *,
    starts_on: dt.date,
    ends_on: dt.date | None,
    by: AbstractBaseUser | None,
) -> Partnership:
    """Renew 续签 ``partnership``: a new row for the next term, the old term untouched.

    The new term takes the old one's kind, title, branch, partners (joining on its first day),
    goals, measures, promise and commitments, and the old term's latest yearly plan as a
    draft for its own first year, items and all, to adjust before adoption. Refused (a
    ``ValidationError`` with a message, nothing written) when the partnership is already
    renewed, has no end date, or the new term would not start after it ends.
    """
    with transaction.atomic():
        old = Partnership.objects.select_for_update().get(pk=partnership.pk)
        _renewal_refusal(old, starts_on=starts_on, ends_on=ends_on)
        new = Partnership(
            committee_id=old.committee_id,
            branch_id=old.branch_id,
            kind=old.kind,
            title=old.title,
            starts_on=starts_on,
            ends_on=ends_on,
            commitments=old.commitments,
            activities_per_quarter=old.activities_per_quarter,
            renewed_from=old,
        )
        new._history_user = by
        new.full_clean()
        new.save()
        partner_ids = list(
            old.memberships.filter(partner__archived_at__isnull=True)
            .order_by("joined_on", "pk")
            .values_list("partner_id", flat=True)
        )
        for partner_id in partner_ids:
            member = PartnershipMember(partnership=new, partner_id=partner_id, joined_on=starts_on)
            member._history_user = by
            member.save()
        new.goals.set(old.goals.all())
        new.measures.set(old.measures.all())
        latest = old.plans.order_by("-year").first()
        if latest is not None:
            _plan_copy(latest, into=new, partner_ids=set(partner_ids), by=by)
    return new


def _renewal_refusal(old: Partnership, *, starts_on: dt.date, ends_on: dt.date | None) -> None:
    renewal = Partnership.all_objects.filter(renewed_from=old).first()
    if renewal is not None:
        raise ValidationError(
            _("This partnership was already renewed: “%(title)s” from %(date)s.")
            % {"title": renewal.title, "date": renewal.starts_on.isoformat()}
        )
    if old.is_archived:
        raise ValidationError(_("An archived partnership cannot be renewed: restore it first."))
    if old.ends_on is None:
        raise ValidationError(
            _("This partnership has no end date: set the end of its term before renewing it.")
        )
    if starts_on <= old.ends_on:
        raise ValidationError(
            _("The new term must start after the current one ends (%(date)s).")
            % {"date": old.ends_on.isoformat()}
        )
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError(_("A partnership cannot end before it starts."))


def _plan_copy(
    plan: YearPlan, *, into: Partnership, partner_ids: set[int], by: AbstractBaseUser | None
) -> YearPlan:
    """``plan`` as a draft for the first year of ``into``: the same items in the same months
    and quarters, with the partners that are still in the partnership."""
    copy = YearPlan(partnership=into, year=into.starts_on.year, status=PlanStatus.DRAFT)
    copy._history_user = by
    copy.save()
    for item in plan.items.prefetch_related("partners").order_by("position", "pk"):
        new_item = PlanItem(
            plan=copy,
            position=item.position,
            title=item.title,
            measure_id=item.measure_id,
            period_kind=item.period_kind,
            period=item.period,
            branch_id=item.branch_id,
        )
        new_item._history_user = by
        new_item.save()
        new_item.partners.set([p for p in item.partners.all() if p.pk in partner_ids])
    return copy
