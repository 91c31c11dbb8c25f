"""Writes that touch partner organisations and their contacts."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest

from branches.models import AuditAction
from partnerships.models import Contact
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
