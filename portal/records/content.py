"""What one activity's record 一事一档 holds, as plain values that the PDF and the Word
document print alike: the facts, the people, the summary and outcome, the photos and sign-in
sheets, the timeline and the reviewer's opinion.

Pictures are named by their stored file (``default_storage``), never by a URL: the files the
upload policy accepted and re-encoded (``portal.core.uploads``), and their thumbnails. A PDF
sign-in sheet is listed by name (it cannot be shown as a picture, and its content is not
embedded).
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from activities.exports import list_separator
from activities.models import (
    REVIEW_ACTIONS,
    Activity,
    ActivityStatus,
    AttachmentKind,
)
from portal.templatetags.people import event_by

#: What a stored picture may be called to be embedded: the upload policy's re-encoded formats.
EMBEDDED_EXTENSIONS = frozenset({"jpg", "jpeg", "png", "webp"})


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _picture(name: str) -> str:
    """``name`` if it is a stored picture the record may embed, else ""."""
    if not name or ".." in name.split("/") or name.startswith("/"):
        return ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return name if extension in EMBEDDED_EXTENSIONS else ""


def attachment_name(attachment) -> str:
    return attachment.original_name or attachment.file.name.rsplit("/", 1)[-1]


def record_content(activity: Activity) -> dict:
    """The record of ``activity`` (loaded by ``selectors.with_record_details``)."""
    separator = list_separator()
    photos, sign_in_sheets, documents = [], [], []
    for attachment in activity.attachments.all():
        item = {
            "name": attachment_name(attachment),
            "caption": attachment.caption,
            # Photos are shown small (their thumbnail); a sign-in sheet must stay legible.
            "thumbnail": _picture(attachment.thumbnail.name) if attachment.thumbnail else "",
            "picture": _picture(attachment.file.name) if attachment.thumbnail else "",
        }
        if attachment.kind == AttachmentKind.PHOTO and item["thumbnail"]:
            photos.append(item)
        elif attachment.kind == AttachmentKind.SIGN_IN_SHEET:
            sign_in_sheets.append(item)
        else:
            documents.append(item)
    events = [
        {
            "at": _local(event.at),
            "action": str(event.get_action_display()),
            "actor": event_by(event) or "—",
            "comment": event.comment,
        }
        for event in activity.events.all()
    ]
    review = None
    decisions = [e for e in activity.events.all() if e.action in REVIEW_ACTIONS]
    if decisions:
        last = decisions[-1]
        review = {
            "decision": str(last.get_action_display()),
            "by": event_by(last) or "—",
            "at": _local(last.at),
            "comment": last.comment or _("(no comment)"),
        }
    attendees = list(activity.attendees.all())
    return {
        "id": activity.pk,
        "title": activity.title,
        "committee": activity.committee.name,
        "organiser": activity.branch.name if activity.branch_id else activity.committee.name,
        "co_branches": separator.join(b.name for b in activity.co_branches.all()),
        "status": str(activity.get_status_display()),
        "approved": activity.status == ActivityStatus.APPROVED,
        "starts_at": _local(activity.starts_at),
        "ends_at": _local(activity.ends_at),
        "date": timezone.localtime(activity.starts_at).date().isoformat(),
        "location": activity.location,
        "kind": str(activity.get_kind_display()),
        "measure": str(activity.measure),
        "goals": separator.join(str(g) for g in activity.goals.all()),
        "partners": separator.join(p.name for p in activity.partners.all()),
        "partnership": str(activity.partnership or ""),
        "attendees": separator.join(m.name for m in attendees),
        "attendee_count": len(attendees),
        "external_participants": activity.external_participants,
        "volunteers": activity.volunteers,
        "beneficiaries": activity.beneficiaries,
        "summary": activity.summary,
        "outcome": activity.outcome,
        "photos": photos,
        "sign_in_sheets": sign_in_sheets,
        "documents": documents,
        "events": events,
        "review": review,
        "generated_at": _local(timezone.now()),
    }


def record_file_name(content: dict, extension: str) -> str:
    """e.g. 一事一档-2026-11-05 安全生产联学.pdf"""
    return _("Activity record-%(date)s %(title)s.%(ext)s") % {
        "date": content["date"],
        "title": content["title"],
        "ext": extension,
    }
