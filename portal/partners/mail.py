"""The e-mail a partner's contact receives: their personal link to confirm one activity's
record, or the one reminder of it.

What the partner needs to know which work is meant — the activity's title, date, place and
organiser, and who asks — and nothing of the members who took part. Written in the portal's
language (the contact has no account, so no language of their own).
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone
from django.utils.translation import gettext, override

from portal.partners.models import PartnerLink


def partner_link_message(link: PartnerLink, *, url: str, reminder: bool) -> EmailMessage:
    """The message carrying ``url`` (the link's page, with its token) to ``link``'s contact."""
    activity = link.activity
    contact = link.contact
    with override(settings.LANGUAGE_CODE):
        organiser = activity.branch.name if activity.branch_id else activity.committee.name
        title = " ".join(activity.title.split())  # a header must be one line
        if reminder:
            subject = gettext("Reminder: please confirm the record of “%(title)s”")
        else:
            subject = gettext("Please confirm the record of “%(title)s”")
        lines = [
            gettext("Dear %(name)s,") % {"name": contact.name},
            "",
            gettext(
                "%(organiser)s has recorded a joint activity held with %(unit)s and asks you to "
                "say whether the record is right, and how useful the joint work was."
            )
            % {"organiser": organiser, "unit": contact.partner.name},
            "",
            gettext("Activity: %(title)s") % {"title": activity.title},
            gettext("Date: %(date)s") % {"date": timezone.localtime(activity.starts_at).date()},
        ]
        if activity.location:
            lines.append(gettext("Place: %(place)s") % {"place": activity.location})
        lines += [
            "",
            gettext("Open your personal link (no login needed):"),
            url,
            "",
            gettext(
                "The link is for you alone and works until %(date)s; it answers once. Please "
                "do not pass it on."
            )
            % {"date": timezone.localtime(link.expires_at).date()},
            "",
            gettext("This message was sent automatically by the Joint Party-Building Portal."),
        ]
    return EmailMessage(
        subject % {"title": title}, "\n".join(lines), settings.DEFAULT_FROM_EMAIL, [contact.email]
    )
