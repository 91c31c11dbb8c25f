"""Reads of the partner side.

The logged-in pages: an activity's links and answers, the contacts a branch may ask, a
contact's own-page links. Who may see them is decided before these are called (the activity
through ``activities.access``, a contact through ``Contact.objects.for_admin_user``); each
function costs a fixed number of queries, whatever the rows.

The pages behind a partner's link: what one link may show, and nothing more. A link reaches
only activities of its committee that name its partner unit and are not archived: about one
activity (``LinkPurpose.ANSWER``) that activity; a partner's own page (``LinkPurpose.PAGE``)
this calendar year's approved ones and those waiting for its contact's answer. What the pages
show of them is chosen here too: no attendee is loaded (their number is counted in SQL), no
phone number, no reviewer's comment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.models import Activity, ActivityStatus, Attachment, AttachmentKind
from partnerships.models import Contact, PartnerOrganisation
from portal.core.periods import Period, local_today
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


# --- The pages behind a partner's link ----------------------------------------------------

#: The partner's own page shows this many activities at a time.
PARTNER_PAGE_SIZE = 20


def _of_link(link: PartnerLink) -> QuerySet[Activity]:
    """Live activities of the link's committee that name its partner unit."""
    return Activity.objects.filter(committee_id=link.committee_id, partners=link.partner_id)


def _shown(activities: QuerySet[Activity], link: PartnerLink) -> QuerySet[Activity]:
    """With what the pages show: organiser, measure, the partner units, how many members
    attended, and the answers the link's unit gave (latest first, ``unit_answers``)."""
    return (
        activities.select_related("committee", "branch", "measure")
        .annotate(members_attending=Count("attendees", distinct=True))
        .prefetch_related(
            Prefetch(
                "partners",
                queryset=PartnerOrganisation.objects.order_by("name", "pk").only("name"),
            ),
            Prefetch(
                "partner_answers",
                queryset=PartnerAnswer.objects.filter(partner_id=link.partner_id).order_by(
                    "-answered_at", "-pk"
                ),
                to_attr="unit_answers",
            ),
        )
    )


def partner_photos(link: PartnerLink) -> QuerySet[Attachment]:
    """The photos a link about one activity shows: its activity's pictures of the kind
    "photo" (a sign-in sheet lists people by name: never shown), each with its thumbnail."""
    if link.purpose != LinkPurpose.ANSWER:
        return Attachment.objects.none()
    return (
        Attachment.objects.filter(
            activity__in=_of_link(link).filter(pk=link.activity_id),
            kind=AttachmentKind.PHOTO,
        )
        .exclude(thumbnail="")
        .order_by("pk")
        .only("pk", "activity_id", "file", "thumbnail", "kind", "caption")
    )


def answer_page_activity(link: PartnerLink) -> Activity | None:
    """The activity a link about one activity opens, with what its page shows (and its
    photos, ``photos``); None when the link may no longer show it (archived, or the partner
    unit taken off the activity since the link was issued)."""
    if link.purpose != LinkPurpose.ANSWER:
        return None
    activity = _shown(_of_link(link).filter(pk=link.activity_id), link).first()
    if activity is not None:
        activity.photos = list(partner_photos(link))
    return activity


def _waiting_for(link: PartnerLink) -> Exists:
    """An activity waits for the link's contact: a usable link asks them about it."""
    return Exists(
        PartnerLink.objects.usable().filter(
            activity=OuterRef("pk"), contact_id=link.contact_id, purpose=LinkPurpose.ANSWER
        )
    )


def _this_year(link: PartnerLink, today: dt.date | None) -> QuerySet[Activity]:
    start, end = Period.year(today or local_today()).bounds()
    return (
        _of_link(link)
        .filter(starts_at__gte=start, starts_at__lt=end)
        .filter(Q(status=ActivityStatus.APPROVED) | _waiting_for(link))
    )


def partner_page_activities(
    link: PartnerLink, *, today: dt.date | None = None
) -> QuerySet[Activity]:
    """A partner's own page: its unit's joint activities with the committee that start in
    the calendar year of ``today`` (local), approved or waiting for this contact's answer
    (``waiting``), the waiting ones first, then the latest first."""
    activities = _this_year(link, today).annotate(waiting=_waiting_for(link))
    return _shown(activities, link).order_by("-waiting", "-starts_at", "-pk")


def partner_page_counts(link: PartnerLink, *, today: dt.date | None = None) -> dict[str, int]:
    """How many of the page's activities wait for the contact's answer, and how many are
    approved (one query)."""
    return _this_year(link, today).aggregate(
        waiting=Count("pk", filter=_waiting_for(link)),
        approved=Count("pk", filter=Q(status=ActivityStatus.APPROVED)),
    )


def partner_page_pending(link: PartnerLink, activity_id: int) -> Activity | None:
    """An activity of the partner's page that waits for this contact's answer, with what its
    page shows; None for any other (not waiting, not the unit's, not this year, archived)."""
    return partner_page_activities(link).filter(pk=activity_id, waiting=True).first()


def partner_answer_of_contact(link: PartnerLink, activity_id: int) -> PartnerAnswer | None:
    """The latest answer the link's contact gave about ``activity_id`` (the page's notice
    after answering one of its activities)."""
    return (
        PartnerAnswer.objects.filter(
            contact_id=link.contact_id, activity_id=activity_id, activity__archived_at__isnull=True
        )
        .select_related("activity")
        .order_by("-answered_at", "-pk")
        .first()
    )
