"""E-mail about a step of an activity's review: to its committee's reviewers when it is
submitted, to whoever submitted it when it is approved, returned or reopened.

``activity_transition`` asks for ``activities.tasks.activity_event_notify`` through the outbox
(``portal.core.outbox``), so a submission succeeds and its e-mail is kept while Redis is down.

Exactly once per recipient: the task locks the event, skips the recipients already recorded in
``notified_user_ids`` and records each one as their message goes out; ``notified_at`` is set
when all have had theirs. A failed send is raised after the others were sent and recorded (the
task retries, and only the missing ones go out).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, override

from activities import access
from activities.models import ActivityAction, ActivityEvent
from branches.access import reviewers_of
from portal.templatetags.people import event_by

logger = logging.getLogger(__name__)

#: The steps somebody is told about by e-mail.
NOTIFIED_ACTIONS = frozenset(
    {
        ActivityAction.SUBMITTED,
        ActivityAction.APPROVED,
        ActivityAction.RETURNED,
        ActivityAction.REOPENED,
    }
)


def _reviewers(event: ActivityEvent) -> list:
    return list(reviewers_of(event.activity.committee_id).order_by("pk"))


def _submitters(event: ActivityEvent) -> list:
    """Who submitted the activity last before ``event``, and who created it, while they still
    speak for its organiser (a secretary whose term ended is not told)."""
    submitted = (
        ActivityEvent.objects.filter(
            activity_id=event.activity_id, action=ActivityAction.SUBMITTED, at__lte=event.at
        )
        .exclude(pk=event.pk)
        .order_by("-at", "-pk")
        .values_list("actor_id", flat=True)
        .first()
    )
    user_ids = {submitted, event.activity.created_by_id} - {None}
    users = get_user_model().objects.filter(pk__in=user_ids).order_by("pk")
    return [user for user in users if access.is_organiser(user, event.activity)]


def recipients(event: ActivityEvent) -> list:
    """Active logins with an e-mail address to tell about ``event``, never its actor."""
    if event.action == ActivityAction.SUBMITTED:
        users = _reviewers(event)
    elif event.action in NOTIFIED_ACTIONS:
        users = _submitters(event)
    else:
        users = []
    return [u for u in users if u.is_active and u.email and u.pk != event.actor_id]


def _message(event: ActivityEvent, recipient) -> EmailMessage:
    activity = event.activity
    with override(settings.LANGUAGE_CODE):
        subjects = {
            ActivityAction.SUBMITTED: gettext("Waiting for your review: %(title)s"),
            ActivityAction.APPROVED: gettext("Approved: %(title)s"),
            ActivityAction.RETURNED: gettext("Returned for changes: %(title)s"),
            ActivityAction.REOPENED: gettext("Reopened for changes: %(title)s"),
        }
        organiser = activity.branch.name if activity.branch_id else activity.committee.name
        lines = [
            gettext("Activity: %(title)s") % {"title": activity.title},
            gettext("Organiser: %(organiser)s") % {"organiser": organiser},
            gettext("Date: %(date)s") % {"date": timezone.localtime(activity.starts_at).date()},
            gettext("%(action)s by %(actor)s on %(at)s")
            % {
                "action": event.get_action_display(),
                # A partner's contact, for a return they asked for through their link.
                "actor": event_by(event) or "—",
                "at": timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M"),
            },
        ]
        if event.comment:
            lines.append(gettext("Comment: %(comment)s") % {"comment": event.comment})
        url = settings.PORTAL_BASE_URL + reverse("activities:detail", args=[activity.pk])
        body = gettext(
            "%(lines)s\n\nOpen it in the portal: %(url)s\n\n"
            "This message was sent automatically by the Joint Party-Building Portal."
        ) % {"lines": "\n".join(lines), "url": url}
        # One line: a line break in a header is refused (BadHeaderError) and would lose the mail.
        subject = subjects[event.action] % {"title": " ".join(activity.title.split())}
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient.email])


def activity_event_notify(event_id: int) -> int:
    """Send the e-mails of one event (see the module's docstring); returns how many went out.
    An event that no longer exists, or whose e-mails all went out, sends nothing."""
    failure: Exception | None = None
    sent = 0
    with transaction.atomic():
        event = (
            ActivityEvent.objects.select_for_update(of=("self",))
            .select_related("activity__committee", "activity__branch", "actor", "contact__partner")
            .filter(pk=event_id, notified_at=None)
            .first()
        )
        if event is None:
            return 0
        done = set(event.notified_user_ids)
        connection = get_connection()
        for recipient in recipients(event):
            if recipient.pk in done:
                continue
            try:
                connection.send_messages([_message(event, recipient)])
            except Exception as error:  # one bad address must not stop the rest
                logger.warning(
                    "Event %s: e-mail to user %s not sent: %s", event.pk, recipient.pk, error
                )
                failure = failure or error
                continue
            done.add(recipient.pk)
            sent += 1
        event.notified_user_ids = sorted(done)
        if failure is None:
            event.notified_at = timezone.now()
        event.save(update_fields=["notified_user_ids", "notified_at"])
    if failure is not None:
        raise failure
    return sent
