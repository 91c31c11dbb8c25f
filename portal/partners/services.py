"""Writes of the partner side: links issued and withdrawn, answers recorded.

Who may ask: the activity's organiser (``activities.access.is_organiser``: its branch's
officers, committee staff for a committee-level activity) or a committee admin of its committee
(``may_ask_partners``). Who answers: whoever holds a usable link; the link is their only key.
Every step is on the activity's timeline and in the audit log.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import get_connection
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from activities import access as activity_access
from activities.models import (
    Activity,
    ActivityAction,
    ActivityEvent,
    ActivityStatus,
    PartnerCheck,
)
from activities.services import ACTIVITY_EVENT_NOTIFY_TASK
from branches.access import scope_for
from branches.models import AuditAction
from partnerships.models import Contact
from portal.audit.services import audit_record
from portal.core.outbox import outbox_enqueue
from portal.partners.mail import partner_link_message
from portal.partners.models import (
    LinkPurpose,
    PartnerAnswer,
    PartnerLink,
    Rating,
    Verdict,
    token_hash,
)
from portal.partners.selectors import reminder_refusal

#: The tasks that e-mail a contact their link, and the one reminder (``portal.partners.tasks``),
#: asked for through the outbox by name.
PARTNER_LINK_EMAIL_TASK = "portal.tasks.partner_link_email"
PARTNER_LINK_REMIND_TASK = "portal.tasks.partner_link_remind"

#: Bytes of randomness in a link's token: 192 bits, 32 URL-safe characters.
TOKEN_BYTES = 24
#: Statuses in which the branch may ask its partners to confirm: once the record is written
#: (submitted), and after (returned for changes, approved).
ASKABLE_STATUSES = frozenset(
    {ActivityStatus.SUBMITTED, ActivityStatus.RETURNED, ActivityStatus.APPROVED}
)


@dataclass(frozen=True)
class IssuedLink:
    """A link just issued, with its token: the only moment the token is known."""

    link: PartnerLink
    token: str

    @property
    def path(self) -> str:
        name = "partners:answer" if self.link.purpose == LinkPurpose.ANSWER else "partners:page"
        return reverse(name, args=[self.token])


def may_ask_partners(user: AbstractBaseUser, activity: Activity) -> bool:
    """Ask the activity's partners to confirm it, see and withdraw its links: its organiser or
    a committee admin of its committee."""
    return activity_access.is_organiser(user, activity) or scope_for(user).administers_committee(
        activity.committee_id
    )


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, token_hash(token)


def askable_contacts(activity: Activity):
    """The contacts of the activity's partner units, default contacts first."""
    return (
        Contact.objects.filter(partner__in=activity.partners.all())
        .select_related("partner")
        .order_by("partner__name", "-is_primary", "name", "pk")
    )


@transaction.atomic
def partner_links_issue(
    *,
    activity: Activity,
    contacts: Iterable[Contact],
    by: AbstractBaseUser,
    request: HttpRequest | None = None,
    now: dt.datetime | None = None,
) -> list[IssuedLink]:
    """Ask ``contacts`` (of the activity's partner units) to confirm the activity: one new
    link each, the earlier unanswered links of the same contact for this activity withdrawn.
    A contact with an e-mail address also gets a link of their own by e-mail
    (``partner_link_email``, through the outbox).

    Refused (``PermissionDenied``) to anyone but the organiser or a committee admin; refused
    (``ValidationError``) for a draft, an archived activity or a contact of another unit.
    """
    now = now or timezone.now()
    locked = Activity.all_objects.select_for_update().get(pk=activity.pk)
    if not may_ask_partners(by, locked):
        raise PermissionDenied(_("You may not ask the partners about this activity."))
    if locked.is_archived or locked.status not in ASKABLE_STATUSES:
        raise ValidationError(_("Partners are asked about an activity once it is submitted."))
    contacts = list(contacts)
    if not contacts:
        raise ValidationError(_("Choose at least one contact to ask."))
    allowed = set(askable_contacts(locked).values_list("pk", flat=True))
    if any(contact.pk not in allowed for contact in contacts):
        raise ValidationError(_("Only contacts of the activity's partner organisations are asked."))
    PartnerLink.objects.filter(
        activity=locked,
        contact__in=contacts,
        purpose=LinkPurpose.ANSWER,
        revoked_at__isnull=True,
        answered_at__isnull=True,
    ).update(revoked_at=now, revoked_by=by)
    expires = now + dt.timedelta(days=settings.PARTNER_LINK_DAYS)
    issued = []
    for contact in contacts:
        token, hashed = _new_token()
        link = PartnerLink.objects.create(
            purpose=LinkPurpose.ANSWER,
            token_hash=hashed,
            committee_id=locked.committee_id,
            partner_id=contact.partner_id,
            contact=contact,
            activity=locked,
            created_by=by,
            created_at=now,
            expires_at=expires,
        )
        issued.append(IssuedLink(link=link, token=token))
        if contact.email:
            # The task issues the e-mailed link itself: the token shown here is never stored.
            outbox_enqueue(PARTNER_LINK_EMAIL_TASK, link.pk)
        audit_record(
            user=by,
            action=AuditAction.PARTNER_LINK,
            committee=None,
            committee_id=locked.committee_id,
            object_type="activity",
            object_id=locked.pk,
            object_repr=f"{locked.title} · {contact}",
            request=request,
        )
    if locked.partner_check != PartnerCheck.CONFIRMED:
        Activity.all_objects.filter(pk=locked.pk).update(partner_check=PartnerCheck.PENDING)
        activity.partner_check = PartnerCheck.PENDING
    ActivityEvent.objects.create(
        activity=locked,
        action=ActivityAction.PARTNER_ASKED,
        actor=by,
        at=now,
        comment="、".join(str(contact) for contact in contacts),
        from_status=locked.status,
        to_status=locked.status,
    )
    return issued


@transaction.atomic
def partner_page_link_issue(
    *,
    contact: Contact,
    by: AbstractBaseUser,
    request: HttpRequest | None = None,
    now: dt.datetime | None = None,
) -> IssuedLink:
    """A committee admin gives ``contact`` a link to their unit's own page; the contact's
    earlier page links are withdrawn."""
    now = now or timezone.now()
    committee_id = contact.partner.committee_id
    if not scope_for(by).administers_committee(committee_id):
        raise PermissionDenied(_("Only a committee admin gives a partner its page."))
    PartnerLink.objects.filter(
        contact=contact, purpose=LinkPurpose.PAGE, revoked_at__isnull=True
    ).update(revoked_at=now, revoked_by=by)
    token, hashed = _new_token()
    link = PartnerLink.objects.create(
        purpose=LinkPurpose.PAGE,
        token_hash=hashed,
        committee_id=committee_id,
        partner_id=contact.partner_id,
        contact=contact,
        created_by=by,
        created_at=now,
        expires_at=now + dt.timedelta(days=settings.PARTNER_PAGE_DAYS),
    )
    audit_record(
        user=by,
        action=AuditAction.PARTNER_LINK,
        committee=None,
        committee_id=committee_id,
        object_type="contact",
        object_id=contact.pk,
        object_repr=str(contact),
        detail="partner page",
        request=request,
    )
    return IssuedLink(link=link, token=token)


@transaction.atomic
def partner_link_revoke(
    link: PartnerLink,
    *,
    by: AbstractBaseUser,
    request: HttpRequest | None = None,
    now: dt.datetime | None = None,
) -> bool:
    """Withdraw a link: it opens nothing from now on. The branch (for a link about its
    activity) or a committee admin. False if it was already withdrawn."""
    locked = (
        PartnerLink.objects.select_for_update(of=("self",))
        .select_related("activity")
        .get(pk=link.pk)
    )
    allowed = scope_for(by).administers_committee(locked.committee_id) or (
        locked.activity is not None and may_ask_partners(by, locked.activity)
    )
    if not allowed:
        raise PermissionDenied(_("You may not withdraw this link."))
    if locked.revoked_at is not None:
        return False
    locked.revoked_at = now or timezone.now()
    locked.revoked_by = by
    locked.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(
        user=by,
        action=AuditAction.PARTNER_LINK_REVOKED,
        committee=None,
        committee_id=locked.committee_id,
        object_type="partner link",
        object_id=locked.pk,
        object_repr=str(locked.contact),
        request=request,
    )
    if locked.activity is not None:
        _pending_unless_asked(locked.activity)
    return True


def _pending_unless_asked(activity: Activity) -> None:
    """After a withdrawal: an activity waiting for answers that no usable link can bring any
    more is no longer waiting (未邀请 again)."""
    if activity.partner_check != PartnerCheck.PENDING:
        return
    if not PartnerLink.objects.usable().filter(activity=activity).exists():
        Activity.all_objects.filter(pk=activity.pk, partner_check=PartnerCheck.PENDING).update(
            partner_check=PartnerCheck.NOT_ASKED
        )


def partner_link_find(token: str, *, purpose: str) -> PartnerLink | None:
    """The usable link of ``purpose`` with this token, or None — forged, expired, withdrawn,
    (about one activity) already answered, or of a partner taken off the roster (archived)
    alike: the caller shows one page for all of them."""
    if not token or len(token) > 64:
        return None
    link = (
        PartnerLink.objects.usable()
        .filter(token_hash=token_hash(token), purpose=purpose, partner__archived_at__isnull=True)
        .select_related("contact", "partner", "committee")
        .first()
    )
    if link is None or link.contact.partner_id != link.partner_id:
        return None
    return link


def answerable_by(link: PartnerLink, activity: Activity) -> bool:
    """Whether ``link`` may answer about ``activity``: its own activity, or (a partner's page)
    an activity of its unit that waits for this contact's answer."""
    if link.purpose == LinkPurpose.ANSWER:
        return link.activity_id == activity.pk
    return (
        PartnerLink.objects.usable()
        .filter(activity=activity, contact_id=link.contact_id, purpose=LinkPurpose.ANSWER)
        .exists()
    )


@transaction.atomic
def partner_answer_record(
    *,
    link: PartnerLink,
    activity: Activity,
    verdict: str,
    partner_head_count: int | None = None,
    comment: str = "",
    rating: str = "",
    rating_comment: str = "",
    request: HttpRequest | None = None,
    now: dt.datetime | None = None,
) -> PartnerAnswer:
    """Record the answer of ``link``'s contact about ``activity``.

    Confirming makes the activity 已确认 (unless another partner's correction is still open);
    asking for a correction makes it 需更正 and hands a submitted activity back to its branch
    with the contact's words. The contact's open links about the activity are used up: a new
    link is needed to answer again. ``ValidationError`` on a bad answer or an unusable link,
    with nothing written.
    """
    now = now or timezone.now()
    # The activity first, then the contact's links, in the order partner_links_issue takes
    # them: two answers of one contact at once (the shown and the e-mailed link, or a link and
    # the partner's page), or an answer beside a new ask, wait for each other instead of
    # deadlocking, and the second finds its link used up.
    locked = Activity.all_objects.select_for_update().get(pk=activity.pk)
    locked_link = PartnerLink.objects.select_for_update().get(pk=link.pk)
    list(
        PartnerLink.objects.select_for_update()
        .filter(activity=locked, contact_id=locked_link.contact_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not locked_link.is_usable(now) or not answerable_by(locked_link, locked):
        raise ValidationError(_("This link is not valid or has expired."))
    if locked.is_archived:
        raise ValidationError(_("This link is not valid or has expired."))
    if verdict not in Verdict.values:
        raise ValidationError(_("Say whether the record is right."))
    if rating and rating not in Rating.values:
        raise ValidationError(_("Choose one of the evaluations."))
    comment = (comment or "").strip()
    if verdict == Verdict.CORRECTION and not comment:
        raise ValidationError(_("Please say what should be corrected."))
    contact = locked_link.contact
    answer = PartnerAnswer(
        link=locked_link,
        committee_id=locked.committee_id,
        activity=locked,
        partner_id=contact.partner_id,
        contact=contact,
        verdict=verdict,
        partner_head_count=partner_head_count,
        comment=comment,
        rating=rating,
        rating_comment=(rating_comment or "").strip(),
        answered_at=now,
        activity_version=locked.version,
    )
    answer.full_clean()
    answer.save()
    PartnerLink.objects.filter(
        activity=locked,
        contact=contact,
        purpose=LinkPurpose.ANSWER,
        answered_at__isnull=True,
        revoked_at__isnull=True,
    ).update(answered_at=now)

    said = answer.said()
    if verdict == Verdict.CORRECTION:
        check = PartnerCheck.CORRECTION
        action = ActivityAction.PARTNER_CORRECTION
    else:
        # This contact's own corrections are made by their confirming; another partner's
        # stands until the branch changes the record (``activity_partner_facts_changed``),
        # whatever the activity's state reads after a new ask or a resubmission.
        PartnerAnswer.objects.filter(
            activity=locked, contact=contact, verdict=Verdict.CORRECTION, resolved_at__isnull=True
        ).update(resolved_at=now)
        open_correction = PartnerAnswer.objects.filter(
            activity=locked, verdict=Verdict.CORRECTION, resolved_at__isnull=True
        ).exists()
        check = PartnerCheck.CORRECTION if open_correction else PartnerCheck.CONFIRMED
        action = ActivityAction.PARTNER_CONFIRMED
    ActivityEvent.objects.create(
        activity=locked,
        action=action,
        contact=contact,
        at=now,
        comment=said,
        from_status=locked.status,
        to_status=locked.status,
    )
    Activity.all_objects.filter(pk=locked.pk).update(partner_check=check)
    locked.partner_check = check
    if verdict == Verdict.CORRECTION and locked.status == ActivityStatus.SUBMITTED:
        returned = locked.return_for_partner_correction(
            contact=contact,
            comment=_("%(contact)s asked for a correction: %(comment)s")
            % {"contact": contact, "comment": comment},
        )
        # The return moved the version, not the facts: the correction stands for the record
        # as it is now, until the branch changes it (another partner's confirmation meanwhile
        # leaves the activity to be corrected).
        PartnerAnswer.objects.filter(pk=answer.pk).update(activity_version=locked.version)
        answer.activity_version = locked.version
        if settings.ACTIVITY_EMAILS:  # the branch is told, as of a reviewer's return
            outbox_enqueue(ACTIVITY_EVENT_NOTIFY_TASK, returned.pk)
    # Who answered in the entry's name (as a phone reveal names the member), what they said in
    # words the audit page reads in Chinese (branches.models.AUDIT_DETAIL_WORDS).
    audit_record(
        user=None,
        action=AuditAction.PARTNER_ANSWER,
        committee=None,
        committee_id=locked.committee_id,
        object_type="activity",
        object_id=locked.pk,
        object_repr=f"{locked.title} · {contact}",
        detail=verdict + (f", {rating}" if rating else ""),
        request=request,
    )
    activity.partner_check = check
    return answer


# --- E-mail: the contact's own link, and the one reminder ------------------------------------


def _open_links_of(link: PartnerLink, now: dt.datetime):
    """The usable links asking ``link``'s contact about ``link``'s activity (``link`` too)."""
    return PartnerLink.objects.usable(now).filter(
        activity_id=link.activity_id, contact_id=link.contact_id, purpose=LinkPurpose.ANSWER
    )


@transaction.atomic
def partner_link_remind(
    link: PartnerLink,
    *,
    by: AbstractBaseUser,
    request: HttpRequest | None = None,
    now: dt.datetime | None = None,
) -> None:
    """The branch asks for the one reminder e-mail to a contact who has not answered within
    ``selectors.REMIND_AFTER``: recorded on the contact's open links for the activity
    (``reminded_at``), sent by a task with a link of its own (``partner_link_email``).

    Refused (``PermissionDenied``) to anyone but the organiser or a committee admin; refused
    (``ValidationError``, ``selectors.reminder_refusal``'s reason) for a link that no longer
    opens, a contact without an e-mail address, a link younger than ``REMIND_AFTER`` or a
    contact already reminded.
    """
    now = now or timezone.now()
    locked = (
        PartnerLink.objects.select_for_update(of=("self",))
        .select_related("activity", "contact")
        .get(pk=link.pk)
    )
    if locked.activity is None or not may_ask_partners(by, locked.activity):
        raise PermissionDenied(_("You may not remind this contact."))
    # Every open link of the contact about the activity, locked: a press on another of them
    # (the e-mailed one) waits, then finds the reminder recorded.
    open_links = list(_open_links_of(locked, now).select_for_update())
    refusal = reminder_refusal(
        locked,
        state=locked.state(now),
        contact_reminded=any(other.reminded_at is not None for other in open_links),
        now=now,
    )
    if refusal:
        raise ValidationError(refusal)
    PartnerLink.objects.filter(pk__in=[other.pk for other in open_links]).update(reminded_at=now)
    outbox_enqueue(PARTNER_LINK_REMIND_TASK, locked.pk)
    audit_record(
        user=by,
        action=AuditAction.PARTNER_LINK,
        committee=None,
        committee_id=locked.committee_id,
        object_type="activity",
        object_id=locked.activity_id,
        object_repr=locked.activity.title,
        detail=f"contact {locked.contact_id}: reminder",
        request=request,
    )


def partner_link_email(link_id: int, *, reminder: bool = False) -> bool:
    """E-mail the contact of link ``link_id`` a link of their own to the same page: a new
    link (same activity, contact and expiry, ``emailed_at`` set) whose token goes only into
    the message. Answering through either uses both up (``partner_answer_record``).

    ``reminder``: the one reminder the branch asked for (``partner_link_remind``), its link
    marked reminded too. Idempotent: nothing is sent when the link no longer opens, the contact
    has no address, or the e-mail (or the reminder) went out already. A failed send undoes the
    new link and is raised (the task retries). True when a message went out.
    """
    now = timezone.now()
    with transaction.atomic():
        link = (
            PartnerLink.objects.select_for_update(of=("self",))
            .select_related("contact__partner", "activity__committee", "activity__branch")
            .filter(pk=link_id, purpose=LinkPurpose.ANSWER)
            .first()
        )
        if link is None or not link.is_usable(now) or not link.contact.email:
            return False
        others = PartnerLink.objects.filter(
            activity_id=link.activity_id, contact_id=link.contact_id, purpose=LinkPurpose.ANSWER
        ).exclude(pk=link.pk)
        if reminder:
            if link.reminded_at is None:
                return False
            sent = others.filter(reminded_at__isnull=False, created_at__gte=link.reminded_at)
        else:
            sent = others.filter(emailed_at__isnull=False, created_at__gte=link.created_at)
        if sent.exists():
            return False
        token, hashed = _new_token()
        emailed = PartnerLink.objects.create(
            purpose=LinkPurpose.ANSWER,
            token_hash=hashed,
            committee_id=link.committee_id,
            partner_id=link.partner_id,
            contact=link.contact,
            activity=link.activity,
            created_by=link.created_by,
            created_at=now,
            expires_at=link.expires_at,
            emailed_at=now,
            reminded_at=now if reminder else None,
        )
        audit_record(
            user=None,
            action=AuditAction.PARTNER_LINK,
            committee=None,
            committee_id=link.committee_id,
            object_type="activity",
            object_id=link.activity_id,
            object_repr=link.activity.title,
            detail=f"contact {link.contact_id}: {'reminder ' if reminder else ''}e-mailed",
        )
        url = settings.PORTAL_BASE_URL + IssuedLink(link=emailed, token=token).path
        message = partner_link_message(emailed, url=url, reminder=reminder)
        get_connection().send_messages([message])
    return True
