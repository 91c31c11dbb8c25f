"""The partner side's Celery tasks: thin wrappers around ``portal.partners.services``, asked
for through the outbox when a contact with an e-mail address is asked or reminded."""

from __future__ import annotations

from celery import shared_task

from portal.core.tasks import RETRY_POLICY
from portal.partners import services


@shared_task(name=services.PARTNER_LINK_EMAIL_TASK, **RETRY_POLICY)
def partner_link_email(link_id: int) -> bool:
    """A contact was asked to confirm an activity: their own link, by e-mail."""
    return services.partner_link_email(link_id)


@shared_task(name=services.PARTNER_LINK_REMIND_TASK, **RETRY_POLICY)
def partner_link_remind(link_id: int) -> bool:
    """The branch asked for the one reminder: the contact's reminder, by e-mail."""
    return services.partner_link_email(link_id, reminder=True)
