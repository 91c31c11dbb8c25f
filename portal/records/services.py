"""Evidence packs 佐证材料: asking for one, making it (a Celery task), and deleting it when it
expires.

A pack is one zip of a period's approved activities, foldered
``<branch name>/<date> <activity title>/``: each activity's record (一事一档, PDF) and its files
under the names they had on the uploader's device (cleaned, see ``portal.records.archive``).

* **Scoped when asked for** — a branch secretary packs their branch, committee staff their
  committee or one of its branches (``pack_scope_allowed``); the task packs exactly the
  approved activities of that committee or branch, whoever else's files exist.
* **Bounded** — a pack whose files add up to more than ``EVIDENCE_PACK_MAX_MB`` is refused with
  a message (before anything is written), and one person has at most
  ``EVIDENCE_PACKS_IN_PROGRESS`` packs queued or running.
* **Progress** — the row counts the activities packed; the page shows it.
* **Claimed once** — the task takes a queued row with one conditional ``UPDATE``, so a message
  delivered twice packs once; the zip is written to a temporary file and stored under a new
  name only when complete.
* **Kept for a while** — ``EVIDENCE_PACK_KEEP_HOURS`` after it is ready the file is deleted
  (``evidence_packs_purge``, hourly), as are packs that failed or never finished.
"""

from __future__ import annotations

import datetime as dt
import logging
import posixpath
import shutil
import tempfile
import uuid
import zipfile

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext, override

from activities.models import Attachment
from branches.access import scope_for
from branches.models import Branch, Committee
from portal.core.outbox import outbox_enqueue
from portal.core.periods import EARLIEST_YEAR, Period, local_today
from portal.records.archive import ZipNames, segment
from portal.records.content import attachment_name, record_content, record_file_name
from portal.records.models import EvidencePack, EvidencePackStatus
from portal.records.selectors import pack_activities

logger = logging.getLogger(__name__)

EVIDENCE_PACK_TASK = "portal.tasks.evidence_pack_generate"
#: The language of the records in a pack (they go to an inspection).
PACK_LANGUAGE = "zh-hans"
#: How many packs one person may have queued or running at once.
EVIDENCE_PACKS_IN_PROGRESS = 2
#: A pack still running this long after it started is taken as dead (its worker stopped).
RUNNING_TIMEOUT = dt.timedelta(hours=2)
#: Already compressed: stored as they are (deflating a JPEG costs time and saves nothing).
STORED_EXTENSIONS = frozenset({"jpg", "jpeg", "png", "webp", "gif", "zip"})
COPY_CHUNK = 1024 * 1024


def pack_scope_allowed(user: AbstractBaseUser, committee: Committee, branch: Branch | None) -> bool:
    """Whether ``user`` may pack ``branch`` (or the whole ``committee`` when ``None``): the
    committee's staff and admins any of it, a branch officer their own branch only."""
    scope = scope_for(user)
    if scope.reviews_committee(committee.pk):
        return branch is None or branch.committee_id == committee.pk
    return branch is not None and branch.pk in scope.editable_branch_ids


def _max_bytes() -> int:
    return settings.EVIDENCE_PACK_MAX_MB * 1024 * 1024


def evidence_pack_request(
    *,
    user: AbstractBaseUser,
    committee: Committee,
    branch: Branch | None,
    period: Period,
    today: dt.date | None = None,
) -> EvidencePack:
    """Queue a pack of ``period`` for ``user``; the same pack already queued or running is
    returned instead of a second one. ``ValidationError`` (with a message for the page) when
    the scope is not the user's, the period has not begun, too many packs are in progress or
    the files are too large."""
    if not pack_scope_allowed(user, committee, branch):
        raise ValidationError(gettext("You may not pack the evidence of this branch."))
    today = today or local_today()
    if period.start > today:
        raise ValidationError(gettext("That period has not begun yet."))
    if period.start.year < EARLIEST_YEAR:
        raise ValidationError(
            gettext("Evidence can be packed for periods from %(year)d on.")
            % {"year": EARLIEST_YEAR}
        )
    with transaction.atomic():
        mine = EvidencePack.objects.select_for_update().filter(
            requested_by=user,
            status__in=[EvidencePackStatus.QUEUED, EvidencePackStatus.RUNNING],
        )
        now = timezone.now()
        stale = [p.pk for p in mine if p.requested_at < now - RUNNING_TIMEOUT]
        if stale:
            # Its worker stopped, or its message was lost: it will not finish; ask anew.
            EvidencePack.objects.filter(pk__in=stale).update(
                status=EvidencePackStatus.FAILED,
                error=gettext("The packing stopped without finishing."),
                finished_at=now,
            )
        mine = [p for p in mine if p.pk not in stale]
        for pack in mine:
            if (pack.committee_id, pack.branch_id, pack.period_start, pack.period_end) == (
                committee.pk,
                getattr(branch, "pk", None),
                period.start,
                period.end,
            ):
                return pack
        if len(mine) >= EVIDENCE_PACKS_IN_PROGRESS:
            raise ValidationError(
                gettext("Two packs are being made for you; ask for another once they are ready.")
            )
        activities = pack_activities(committee=committee, branch=branch, period=period)
        files_bytes = (
            Attachment.objects.filter(activity__in=activities.values("pk")).aggregate(
                total=Sum("size")
            )["total"]
            or 0
        )
        if files_bytes > _max_bytes():
            raise ValidationError(
                gettext(
                    "The files of this period add up to more than %(limit)d MB. Choose a "
                    "shorter period or one branch."
                )
                % {"limit": settings.EVIDENCE_PACK_MAX_MB}
            )
        pack = EvidencePack.objects.create(
            committee=committee,
            branch=branch,
            period_kind=period.kind,
            period_start=period.start,
            period_end=period.end,
            requested_by=user,
        )
        outbox_enqueue(EVIDENCE_PACK_TASK, pack.pk)
    return pack


def _claim(pack_id: int, now: dt.datetime) -> bool:
    claimable = Q(status=EvidencePackStatus.QUEUED) | Q(
        status=EvidencePackStatus.RUNNING, started_at__lt=now - RUNNING_TIMEOUT
    )
    return bool(
        EvidencePack.objects.filter(claimable, pk=pack_id).update(
            status=EvidencePackStatus.RUNNING, started_at=now, error="", activities_done=0
        )
    )


def _member_name(attachment, stored: str) -> str:
    """The file's name on the uploader's device with the stored file's extension, which
    matches its checked content whatever the name said."""
    stem = posixpath.splitext(attachment_name(attachment))[0]
    extension = posixpath.splitext(stored)[1].lower()
    return segment(f"{stem}{extension}" if stem else posixpath.basename(stored))


def _write_activity(archive: zipfile.ZipFile, names: ZipNames, activity, folder_of) -> None:
    """The activity's record and files, in its own folder. Files are copied in chunks: a
    pack never holds a whole photo in memory twice."""
    from portal.records.pdf import render_record_pdf  # WeasyPrint: loaded in the worker only

    content = record_content(activity)
    folder = names.folder(folder_of(activity), f"{content['date']} {content['title']}")
    record_name = names.unique(folder, segment(record_file_name(content, "pdf")))
    archive.writestr(record_name, render_record_pdf(content), compress_type=zipfile.ZIP_DEFLATED)
    for attachment in activity.attachments.all():
        stored = attachment.file.name
        name = names.unique(folder, _member_name(attachment, stored))
        member = zipfile.ZipInfo(name, date_time=timezone.localtime().timetuple()[:6])
        extension = posixpath.splitext(stored)[1].lower().lstrip(".")
        member.compress_type = (
            zipfile.ZIP_STORED if extension in STORED_EXTENSIONS else zipfile.ZIP_DEFLATED
        )
        try:
            source = default_storage.open(stored, "rb")
        except FileNotFoundError:
            logger.warning("Evidence pack: file %s of activity %s is missing", stored, activity.pk)
            continue
        with source, archive.open(member, "w", force_zip64=True) as target:
            shutil.copyfileobj(source, target, COPY_CHUNK)


def evidence_pack_generate(*, pack_id: int, now: dt.datetime | None = None) -> EvidencePack | None:
    """Make the pack if this run can claim it; ``None`` when another run has it or it is done.
    A failure is recorded on the row with a sentence for the page (and raised again)."""
    now = now or timezone.now()
    if not _claim(pack_id, now):
        return None
    pack = EvidencePack.objects.select_related("committee", "branch").get(pk=pack_id)
    activities = list(
        pack_activities(committee=pack.committee, branch=pack.branch, period=pack.period)
    )
    EvidencePack.objects.filter(pk=pack_id).update(activity_total=len(activities))
    committee_name = pack.committee.name

    def folder_of(activity) -> str:
        return activity.branch.name if activity.branch_id else committee_name

    stored_name = ""
    try:
        with tempfile.TemporaryFile() as temporary, override(PACK_LANGUAGE):
            with zipfile.ZipFile(temporary, "w", allowZip64=True) as archive:
                names = ZipNames()
                for done, activity in enumerate(activities, start=1):
                    _write_activity(archive, names, activity, folder_of)
                    EvidencePack.objects.filter(pk=pack_id).update(activities_done=done)
            size = temporary.tell()
            temporary.seek(0)
            stored_name = default_storage.save(
                f"evidence/{pack.committee_id}/{uuid.uuid4().hex}.zip", File(temporary)
            )
        finished = timezone.now()
        EvidencePack.objects.filter(pk=pack_id).update(
            status=EvidencePackStatus.READY,
            file=stored_name,
            size=size,
            finished_at=finished,
            expires_at=finished + dt.timedelta(hours=settings.EVIDENCE_PACK_KEEP_HOURS),
        )
    except BaseException as exc:
        if stored_name:
            default_storage.delete(stored_name)
        logger.exception("Evidence pack %s failed", pack_id)
        EvidencePack.objects.filter(pk=pack_id).update(
            status=EvidencePackStatus.FAILED,
            error=_failure_reason(exc),
            finished_at=timezone.now(),
        )
        raise
    pack.refresh_from_db()
    return pack


def _failure_reason(exc: BaseException) -> str:
    """A sentence for the page; the details stay in the server log."""
    if isinstance(exc, OSError):
        sentence = gettext("The pack could not be written (disk full or not writable).")
    else:
        sentence = gettext("The pack could not be made because of an internal error.")
    return gettext("%(sentence)s Please tell the portal's administrator (%(error)s).") % {
        "sentence": sentence,
        "error": type(exc).__name__,
    }


def evidence_packs_purge(*, now: dt.datetime | None = None) -> int:
    """Hourly: delete packs past their time — ready ones after ``EVIDENCE_PACK_KEEP_HOURS``,
    failed ones after as long, and those that never finished — with their files."""
    now = now or timezone.now()
    keep = dt.timedelta(hours=settings.EVIDENCE_PACK_KEEP_HOURS)
    expired = EvidencePack.objects.filter(
        Q(status=EvidencePackStatus.READY, expires_at__lt=now)
        | Q(status=EvidencePackStatus.FAILED, requested_at__lt=now - keep)
        | Q(
            status__in=[EvidencePackStatus.QUEUED, EvidencePackStatus.RUNNING],
            requested_at__lt=now - max(keep, RUNNING_TIMEOUT * 2),
        )
    )
    purged = 0
    for pack in expired.only("pk", "file"):
        if pack.file:
            try:
                default_storage.delete(pack.file.name)
            except OSError:
                logger.warning("Could not delete evidence pack file %s", pack.file.name)
                continue
        pack.delete()
        purged += 1
    return purged
