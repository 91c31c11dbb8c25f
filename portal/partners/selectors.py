"""Reads of the partner side for the logged-in pages: an activity's links and answers, the
contacts a branch may ask, a contact's own-page links.

Who may see them is decided before these are called (the activity through
``activities.access``, a contact through ``Contact.objects.for_admin_user``); each function
costs a fixed number of queries, whatever the rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from activities.models import Activity
from partnerships.models import Contact, PartnerOrganisation
from portal.partners.models import LinkPurpose, LinkState, PartnerAnswer, PartnerLink, Verdict

#: A contact who has not answered within this time may be reminded once, by e-mail, when the
#: branch asks for it (``services.partner_link_remind``).
REMIND_AFTER = dt.timedelta(days=7)


def reminder_refusal(
    link: PartnerLink, *, state: LinkState, contact_reminded: bool, now: dt.datetime
) -> str | None:
    """Why ``link``'s contact may not get the one reminder e-mail now, or None when they may:
    the link still opens, the contact has an address, was not reminded of this request yet
    (``contact_reminded``: one of their open links about the activity was) and has not
    answered for ``REMIND_AFTER``."""
    if state != LinkState.OPEN:
        return _("This link no longer opens: ask the contact again instead.")
    if not link.contact.email:
        return _("This contact has no e-mail address to remind.")
    if contact_reminded:
        return _("This contact has been reminded already.")
    if link.created_at > now - REMIND_AFTER:
        return _("A contact is reminded once they have not answered for %(days)s days.") % {
            "days": REMIND_AFTER.days
        }
    return None


@dataclass
class LinkRow:
    """One link about an activity as the branch sees it, with what may be done with it."""

    link: PartnerLink
    state: LinkState
    #: The contact may get the one reminder e-mail now (``services.partner_link_remind``).
    remindable: bool

    @property
    def by_email(self) -> bool:
        """A link the contact received by e-mail (its own token), not one shown to copy."""
        return self.link.emailed_at is not None


@dataclass
class PartnerConfirmation:
    """The partner side of one activity, as its page shows it."""

    links: list[LinkRow]
    answers: list[PartnerAnswer]

    @property
    def corrections(self) -> list[PartnerAnswer]:
        return [a for a in self.answers if a.verdict == Verdict.CORRECTION]


def activity_partner_links(activity: Activity) -> list[PartnerLink]:
    """The links asking about ``activity``, newest first, with their contacts and units."""
    return list(
        PartnerLink.objects.filter(activity=activity, purpose=LinkPurpose.ANSWER)
        .select_related("contact__partner", "created_by")
        .order_by("-created_at", "-pk")
    )


def activity_partner_answers(activity: Activity) -> list[PartnerAnswer]:
    """What the partners' contacts answered about ``activity``, newest first."""
    return list(
        PartnerAnswer.objects.filter(activity=activity)
        .select_related("contact__partner")
        .order_by("-answered_at", "-pk")
    )


def activity_partner_confirmation(
    activity: Activity, *, now: dt.datetime | None = None
) -> PartnerConfirmation:
    """The links and answers of ``activity`` (two queries), each link with its state and
    whether its contact may be reminded."""
    now = now or timezone.now()
    links = activity_partner_links(activity)
    states = {link.pk: link.state(now) for link in links}
    # One reminder per request to confirm: a contact whose open links were reminded is not
    # reminded again (asked anew, their new links may be).
    reminded_contacts = {
        link.contact_id
        for link in links
        if link.reminded_at is not None and states[link.pk] == LinkState.OPEN
    }
    rows = []
    for link in links:
        state = states[link.pk]
        rows.append(
            LinkRow(
                link=link,
                state=state,
                remindable=reminder_refusal(
                    link,
                    state=state,
                    contact_reminded=link.contact_id in reminded_contacts,
                    now=now,
                )
                is None,
            )
        )
    return PartnerConfirmation(links=rows, answers=activity_partner_answers(activity))


@dataclass
class AskableUnit:
    """A partner unit of the activity, with the contacts the branch may ask."""

    partner: PartnerOrganisation
    contacts: list[Contact] = field(default_factory=list)

    @property
    def default_contact(self) -> Contact | None:
        """Preselected: the unit's default contact (``Contact.is_primary``), else its first."""
        return next((c for c in self.contacts if c.is_primary), None) or next(
            iter(self.contacts), None
        )


def askable_units(activity: Activity) -> list[AskableUnit]:
    """The activity's partner units by name, each with its contacts (default contact first):
    two queries. A unit without contacts comes with an empty list."""
    partners = list(activity.partners.order_by("name", "pk"))
    units = {partner.pk: AskableUnit(partner=partner) for partner in partners}
    contacts = Contact.objects.filter(partner__in=partners).order_by(
        "partner_id", "-is_primary", "name", "pk"
    )
    for contact in contacts:
        unit = units[contact.partner_id]
        contact.partner = unit.partner  # shown as "name（unit）" without a query
        unit.contacts.append(contact)
    return list(units.values())


def contact_page_links(contact: Contact) -> list[PartnerLink]:
    """The links to the partner's own page given to ``contact``, newest first."""
    return list(
        PartnerLink.objects.filter(contact=contact, purpose=LinkPurpose.PAGE)
        .select_related("created_by", "revoked_by")
        .order_by("-created_at", "-pk")
    )
