"""Reads of the pages behind a partner's link: what one link may show, and nothing more.

A link reaches only activities of its committee that name its partner unit and are not
archived: about one activity (``LinkPurpose.ANSWER``) that activity; a partner's own page
(``LinkPurpose.PAGE``) this calendar year's approved ones and those waiting for its contact's
answer. What the pages show of them is chosen here too: no attendee is loaded (their number
is counted in SQL), no phone number, no reviewer's comment.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from activities.models import Activity, ActivityStatus, Attachment, AttachmentKind
from partnerships.models import PartnerOrganisation
from portal.core.periods import Period, local_today
from portal.partners.models import LinkPurpose, PartnerAnswer, PartnerLink

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
