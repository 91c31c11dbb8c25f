"""Writes of activities: every relation checked before anything is saved.

Views call these and never write fields themselves. Each function runs in one transaction:
on any invalid field, relation, version or file, nothing is saved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from activities import access
from activities.models import (
    Activity,
    ActivityAction,
    ActivityEvent,
    ActivityStatus,
    Attachment,
    CreateFormToken,
    Goal,
    PartnerCheck,
    StagedUpload,
)
from activities.notifications import NOTIFIED_ACTIONS
from activities.uploads import (
    PreparedFile,
    max_files_per_activity,
    max_total_bytes,
    prepare_upload,
    upload_name,
)
from branches.models import Branch, Member
from partnerships.models import PartnerOrganisation
from portal.core.ids import parse_ids
from portal.core.outbox import outbox_enqueue

#: The review e-mails' task, asked for through the outbox by name (``activities.tasks``).
ACTIVITY_EVENT_NOTIFY_TASK = "activities.tasks.activity_event_notify"

#: A file kept for an activity form that failed validation waits this long for its form.
STAGED_UPLOAD_LIFETIME = dt.timedelta(days=2)


class ActivityConflict(ValidationError):
    """The activity changed since the form was opened: the save is refused, nothing written."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "Somebody else changed this activity after you opened it. Your changes were "
                "not saved: reload the page to see the current version, then make them again."
            ),
            code="conflict",
        )


class FormAlreadySaved(Exception):
    """The create form with this token was saved already (sent twice): nothing saved now.

    The activity it made is ``selectors.activity_of_create_form``'s to find, after this
    transaction is over (the database refuses queries inside it once the claim failed).
    """


class FourEyesRefusal(PermissionDenied):
    """A reviewer tried to approve or return their own work (``access.is_own_work``)."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "You created, changed or submitted this activity, or hold an office in a "
                "branch that organised it: another reviewer must approve or return it. "
                "Nothing was done."
            )
        )


def _unsaved_relations(
    partners: Iterable[PartnerOrganisation],
    attendees: Iterable[Member],
    co_branches: Iterable[Branch],
    goals: Iterable[Goal],
) -> dict[str, list]:
    return {
        "partners": list(partners),
        "attendees": list(attendees),
        "co_branches": list(co_branches),
        "goals": list(goals),
    }


def _save_with_relations(activity: Activity, relations: dict[str, list], *, created: bool) -> None:
    """Save the activity and its relations, then write ONE historical record of the result.

    simple_history would otherwise record the save and then every ``.set()`` again (each
    record re-reading all four relations). A new activity's relation rows are inserted
    directly (one INSERT per relation that has rows); a changed one's are ``set()``.
    """
    activity.skip_history_when_saving = True
    try:
        activity.save()
        for name, rows in relations.items():
            manager = getattr(activity, name)
            if not created:
                manager.set(rows)
            elif rows:
                through = manager.through
                source = manager.source_field_name
                target = manager.target_field_name
                through.objects.bulk_create(
                    [through(**{source: activity, target: row}) for row in {*rows}]
                )
    finally:
        del activity.skip_history_when_saving
    activity.record_history("+" if created else "~")


@transaction.atomic
def activity_create(
    *,
    created_by: AbstractBaseUser | None,
    partners: Iterable[PartnerOrganisation] = (),
    attendees: Iterable[Member] = (),
    co_branches: Iterable[Branch] = (),
    goals: Iterable[Goal] = (),
    staged: Sequence[StagedUpload] = (),
    form_token: str = "",
    **fields: Any,
) -> Activity:
    """Create an activity with its relations and files; on any invalid part nothing is saved.

    ``staged`` uploads (the creator's own) become the activity's attachments. ``form_token``
    (the create form's, ``CreateFormToken``) is claimed for the creator: a form sent again
    raises ``FormAlreadySaved`` and saves nothing.
    """
    relations = _unsaved_relations(partners, attendees, co_branches, goals)
    activity = Activity(created_by=created_by, **fields)
    activity.full_clean(exclude=["version"])
    activity.validate_relations(**relations)
    _check_room(activity, adding_bytes=sum(s.size for s in staged), adding_files=len(staged))
    _save_with_relations(activity, relations, created=True)
    if form_token and created_by is not None:
        _claim_form_token(activity, by=created_by, token=form_token)
    _adopt_staged(activity, staged, by=created_by)
    ActivityEvent.objects.create(
        activity=activity,
        action=ActivityAction.CREATED,
        actor=created_by,
        to_status=activity.status,
    )
    return activity


def _claim_form_token(activity: Activity, *, by: AbstractBaseUser, token: str) -> None:
    """Claim the create form's token, before the files are adopted (a second sender waits
    here for the first's transaction, then fails: its own save is undone whole)."""
    try:
        CreateFormToken.objects.create(user=by, token=token, activity=activity)
    except IntegrityError:
        # No query may follow in this transaction: leaving it undoes the whole save.
        raise FormAlreadySaved from None


@transaction.atomic
def activity_update(
    activity: Activity,
    *,
    by: AbstractBaseUser,
    expected_version: int,
    partners: Iterable[PartnerOrganisation] = (),
    attendees: Iterable[Member] = (),
    co_branches: Iterable[Branch] = (),
    goals: Iterable[Goal] = (),
    staged: Sequence[StagedUpload] = (),
    **fields: Any,
) -> Activity:
    """Change an editable activity; refused when somebody saved it since ``expected_version``.

    The organiser (``access.can_edit``) only; committee, organising branch, status and review
    fields are not changed here.
    """
    locked = _locked(activity)
    if locked.version != expected_version:
        raise ActivityConflict
    if not access.can_edit(by, locked):
        raise PermissionDenied(_("This activity can no longer be changed."))
    protected = {"committee", "committee_id", "branch", "branch_id", "status", "version"}
    if protected & fields.keys():
        raise ValueError(f"activity_update does not change {sorted(protected & fields.keys())}")
    answered_facts = (
        locked.partner_facts() if locked.partner_check != PartnerCheck.NOT_ASKED else None
    )
    for name, value in fields.items():
        setattr(locked, name, value)
    relations = _unsaved_relations(partners, attendees, co_branches, goals)
    locked.full_clean(exclude=["version"])
    locked.validate_relations(**relations)
    _check_room(locked, adding_bytes=sum(s.size for s in staged), adding_files=len(staged))
    locked.version += 1
    _save_with_relations(locked, relations, created=False)
    _adopt_staged(locked, staged, by=by)
    _record_edit(locked, by)
    if answered_facts is not None and locked.partner_facts() != answered_facts:
        activity_partner_facts_changed(locked)
    return locked


@transaction.atomic
def activity_people_from_signin(
    activity: Activity,
    *,
    by: AbstractBaseUser,
    attendees: Iterable[Member],
    external_participants: int,
) -> Activity:
    """Make an on-site sign-in's list (``portal.signin``) the activity's attendees and external
    head count: one change on its history, its version moved on (an edit form opened before
    is refused as stale). The activity must still be editable; who may is the caller's
    check (``portal.signin.services.may_hold_signin``). No timeline entry: the sign-in's own
    entries (opened, closed, changed by hand) say what happened."""
    locked = _locked(activity)
    if not locked.is_editable or locked.is_archived:
        raise PermissionDenied(_("This activity can no longer be changed."))
    answered_facts = (
        locked.partner_facts() if locked.partner_check != PartnerCheck.NOT_ASKED else None
    )
    attendees = list(attendees)
    locked.external_participants = external_participants
    locked.full_clean(exclude=["version"])
    locked.validate_relations(
        partners=locked.partners.all(),
        attendees=attendees,
        co_branches=locked.co_branches.all(),
        goals=[],
    )
    locked.version += 1
    _save_with_relations(locked, {"attendees": attendees}, created=False)
    if answered_facts is not None and locked.partner_facts() != answered_facts:
        activity_partner_facts_changed(locked)
    return locked


def activity_partner_facts_changed(activity: Activity) -> None:
    """The record partners answered about has changed: a confirmation no longer stands
    (确认后已修改) until the branch asks again, and the corrections asked are made (a
    partner's later confirmation may then stand). Called after an edit, in the portal or the
    admin, that changed what a partner sees (``Activity.partner_facts``)."""
    if activity.partner_check == PartnerCheck.CONFIRMED:
        Activity.all_objects.filter(pk=activity.pk, partner_check=PartnerCheck.CONFIRMED).update(
            partner_check=PartnerCheck.SUPERSEDED
        )
        activity.partner_check = PartnerCheck.SUPERSEDED
    # Through the reverse relation: portal.partners builds on this app, not this on it.
    activity.partner_answers.filter(verdict="correction", resolved_at__isnull=True).update(
        resolved_at=timezone.now()
    )


#: A draft's edits by one person within this time are one sitting on its timeline: the form
#: saves the draft every few seconds while it is filled in (static/js/activity-form.js).
EDIT_SITTING = dt.timedelta(minutes=30)


def _record_edit(activity: Activity, by: AbstractBaseUser) -> None:
    """An EDITED entry on the timeline, unless ``by`` is still at the draft they made or last
    changed (within EDIT_SITTING): then that entry stands for this save too (an edit's time
    moves on; a creation keeps its own)."""
    now = timezone.now()
    if activity.status == ActivityStatus.DRAFT:
        last = activity.events.order_by("-at", "-pk").only("action", "actor_id", "at").first()
        if (
            last is not None
            and last.actor_id == by.pk
            and last.action in (ActivityAction.CREATED, ActivityAction.EDITED)
            and now - last.at < EDIT_SITTING
        ):
            if last.action == ActivityAction.EDITED:
                ActivityEvent.objects.filter(pk=last.pk).update(at=now)
            return
    ActivityEvent.objects.create(
        activity=activity, action=ActivityAction.EDITED, actor=by, to_status=activity.status, at=now
    )


@transaction.atomic
def activity_admin_change_record(
    activity: Activity,
    *,
    by: AbstractBaseUser,
    created: bool,
    changed: Sequence[str],
    confirmed_facts: tuple | None = None,
) -> ActivityEvent | None:
    """Put a save in the admin on the activity's timeline: who, and which fields changed.

    The admin changes drafts and returned activities only (``ActivityAdmin``); its changes
    count as their author's work for four eyes (``access.is_own_work``) like a portal edit.
    ``changed`` are the form's field names; nothing changed, nothing recorded.
    ``confirmed_facts``: the record as a partner confirmed it (``Activity.partner_facts``,
    read before the save); when the saved facts differ, the confirmation is superseded, as
    after an edit in the portal.
    """
    if confirmed_facts is not None and activity.partner_facts() != confirmed_facts:
        activity_partner_facts_changed(activity)
    if not created and not changed:
        return None
    labels = [_field_label(name) for name in changed]
    return ActivityEvent.objects.create(
        activity=activity,
        action=ActivityAction.CREATED if created else ActivityAction.EDITED,
        actor=by,
        comment=_("In the admin: %(fields)s")
        % {"fields": pgettext("list separator", ", ").join(labels)}
        if labels
        else _("In the admin"),
        to_status=activity.status,
    )


def _field_label(name: str) -> str:
    field = Activity._meta.get_field(name)
    if field.auto_created and not field.concrete:  # a reverse relation: the attachments
        return str(field.related_model._meta.verbose_name_plural)
    return str(field.verbose_name)


@transaction.atomic
def activity_transition(
    activity: Activity,
    *,
    action: str,
    by: AbstractBaseUser,
    comment: str = "",
    expected_version: int | None = None,
) -> ActivityEvent:
    """Take a workflow ``action`` (submit, approve, return, reopen) as ``by``.

    A user without the right gets ``PermissionDenied`` (``FourEyesRefusal`` when it is their
    own work they would approve or return); a move the status does not allow, or a return
    without a reason, ``TransitionError``; with ``expected_version`` (the version the user's
    page showed), a change since then ``ActivityConflict`` — each with nothing written. The
    version is compared on the locked row, so two clicks at once cannot both pass. A review
    of one's own work that the committee allows is marked on the timeline.
    """
    locked = _locked(activity)
    if access.can_review(by, locked) and access.four_eyes_forbid(by, locked, action):
        raise FourEyesRefusal
    if not access.may_take(by, locked, action):
        raise PermissionDenied(_("You may not do this with this activity."))
    if expected_version is not None and locked.version != expected_version:
        raise ActivityConflict
    self_review = locked.committee.allow_self_review and access.judges_own_work(by, locked, action)
    event = locked.transition(action, by=by, comment=comment, self_review=self_review)
    if event.action in NOTIFIED_ACTIONS and settings.ACTIVITY_EMAILS:
        outbox_enqueue(ACTIVITY_EVENT_NOTIFY_TASK, event.pk)
    activity.refresh_from_db()
    return event


def _locked(activity: Activity) -> Activity:
    """The activity's row, locked until the transaction ends (serialises editors).

    ``of=("self",)``: PostgreSQL refuses FOR UPDATE on the nullable side of the outer join
    that ``select_related("branch")`` makes (a committee-level activity has no branch).
    """
    return (
        Activity.objects.select_for_update(of=("self",))
        .select_related("committee", "branch")
        .get(pk=activity.pk)
    )


# --- Files -----------------------------------------------------------------------------------


def _check_room(activity: Activity, *, adding_bytes: int, adding_files: int) -> None:
    """Refuse files that would take the activity over ``ATTACHMENT_MAX_TOTAL_MB`` or
    ``ATTACHMENT_MAX_FILES_PER_ACTIVITY``."""
    existing, count = 0, 0
    if activity.pk:
        held = activity.attachments.aggregate(total=Sum("size"), count=Count("pk"))
        existing, count = held["total"] or 0, held["count"]
    if count + adding_files > max_files_per_activity():
        raise ValidationError(
            {
                "attachments": _(
                    "An activity may have at most %(limit)s files; it has %(count)s, and "
                    "%(adding)s more would be too many."
                )
                % {"limit": max_files_per_activity(), "count": count, "adding": adding_files}
            }
        )
    if existing + adding_bytes > max_total_bytes():
        raise ValidationError(
            {
                "attachments": _(
                    "The files of one activity may take at most %(limit)s together; these would "
                    "make %(total)s."
                )
                % {
                    "limit": filesizeformat(max_total_bytes()),
                    "total": filesizeformat(existing + adding_bytes),
                }
            }
        )


def _store(row: Attachment | StagedUpload, prepared: PreparedFile) -> None:
    row.original_name = prepared.original_name
    row.size = prepared.size
    row.file.save(prepared.content.name, prepared.content, save=False)
    if prepared.thumbnail is not None:
        row.thumbnail.save(prepared.thumbnail.name, prepared.thumbnail, save=False)


def staged_upload_create(
    *, owner: AbstractBaseUser, upload: UploadedFile, kind: str, caption: str = ""
) -> StagedUpload:
    """Check and keep a file for an activity not yet saved. Raises ``ValidationError``.

    What one user keeps waiting is bounded like one activity's files
    (``ATTACHMENT_MAX_TOTAL_MB``): abandoned forms cannot fill the disk.
    """
    kept = StagedUpload.objects.filter(owner=owner).aggregate(files=Count("pk"), size=Sum("size"))
    waiting_files, waiting = kept["files"], kept["size"] or 0
    if waiting_files >= max_files_per_activity():
        raise ValidationError(
            _(
                "“%(name)s” was not kept: %(count)s files are already waiting for your activity "
                "form, as many as one activity may have. Save the activity, or remove some of "
                "them."
            )
            % {"name": upload_name(upload), "count": waiting_files},
            code="staged_full",
        )
    prepared = prepare_upload(upload, kind)
    if waiting + prepared.size > max_total_bytes():
        raise ValidationError(
            _(
                "“%(name)s” was not kept: the files waiting for your activity form already "
                "take %(total)s of %(limit)s. Save the activity, or remove some of them."
            )
            % {
                "name": prepared.original_name,
                "total": filesizeformat(waiting),
                "limit": filesizeformat(max_total_bytes()),
            },
            code="staged_full",
        )
    staged = StagedUpload(owner=owner, kind=kind, caption=caption.strip()[:200])
    _store(staged, prepared)
    staged.save()
    return staged


def staged_uploads_of(owner: AbstractBaseUser, ids: Iterable[int | str]) -> list[StagedUpload]:
    """The ``owner``'s own staged uploads among ``ids`` (somebody else's ids are ignored).

    Ids come from a POST: anything but a plain ASCII number of sane length is dropped
    (``portal.core.ids``).
    """
    clean_ids = parse_ids(ids)
    if not clean_ids or not owner.is_authenticated:
        return []
    return list(StagedUpload.objects.filter(owner=owner, pk__in=clean_ids))


def staged_upload_discard(owner: AbstractBaseUser, staged_id: int) -> bool:
    """Drop one of ``owner``'s staged uploads and its files. False if it is not theirs."""
    staged = StagedUpload.objects.filter(owner=owner, pk=staged_id).first()
    if staged is None:
        return False
    _delete_files(staged)
    staged.delete()
    return True


def _adopt_staged(
    activity: Activity, staged: Sequence[StagedUpload], *, by: AbstractBaseUser | None
) -> None:
    for item in staged:
        if by is None or item.owner_id != by.pk:
            raise PermissionDenied
        # Claim the file first: a form sent twice (a double tap) must not give two
        # activities the same stored file. The second request waits for the first's row
        # lock, then finds the row gone, and its whole save is undone.
        claimed, _rows = StagedUpload.objects.filter(pk=item.pk, owner_id=by.pk).delete()
        if not claimed:
            raise ValidationError(
                {
                    "attachments": _(
                        "“%(name)s” was already saved with an activity (was the form sent "
                        "twice?). Nothing was saved this time."
                    )
                    % {"name": item.original_name or item.caption}
                }
            )
        Attachment.objects.create(
            activity=activity,
            file=item.file.name,
            thumbnail=item.thumbnail.name,
            kind=item.kind,
            caption=item.caption,
            original_name=item.original_name,
            size=item.size,
            uploaded_by=by,
        )


@transaction.atomic
def attachment_add(
    activity: Activity,
    *,
    by: AbstractBaseUser,
    upload: UploadedFile,
    kind: str,
    caption: str = "",
) -> Attachment:
    """Check and attach a file to an activity its organiser may still change."""
    if not access.can_edit(by, activity):
        raise PermissionDenied(_("This activity can no longer be changed."))
    _check_room(activity, adding_bytes=0, adding_files=1)  # a full activity decodes nothing
    prepared = prepare_upload(upload, kind)  # decoding takes a moment: before the row lock
    locked = _locked(activity)
    if not access.can_edit(by, locked):
        raise PermissionDenied(_("This activity can no longer be changed."))
    _check_room(locked, adding_bytes=prepared.size, adding_files=1)
    attachment = Attachment(
        activity=locked, kind=kind, caption=caption.strip()[:200], uploaded_by=by
    )
    _store(attachment, prepared)
    attachment.save()
    _attachment_change_record(locked, by=by, text=_("File added: %(name)s"), name=attachment)
    return attachment


def _attachment_change_record(activity: Activity, *, by, text: str, name: object) -> None:
    """A file added or removed on the activity page is a change of the activity: on its
    timeline, and its author's work for four eyes (``access.is_own_work``), as an edit is."""
    ActivityEvent.objects.create(
        activity=activity,
        action=ActivityAction.EDITED,
        actor=by,
        comment=text % {"name": str(name)[:150]},
        to_status=activity.status,
    )


@transaction.atomic
def attachment_delete(attachment: Attachment, *, by: AbstractBaseUser) -> None:
    """Remove a file from an activity its organiser may still change, and delete the file."""
    locked = _locked(attachment.activity)
    if not access.can_edit(by, locked):
        raise PermissionDenied(_("This activity can no longer be changed."))
    names = [attachment.file.name, attachment.thumbnail.name]
    _attachment_change_record(locked, by=by, text=_("File removed: %(name)s"), name=attachment)
    attachment.delete()
    transaction.on_commit(lambda: _delete_names(names))


def _delete_files(row: Attachment | StagedUpload) -> None:
    _delete_names([row.file.name, row.thumbnail.name])


def _delete_names(names: Iterable[str]) -> None:
    from django.core.files.storage import default_storage

    for name in names:
        if name:
            default_storage.delete(name)


def staged_uploads_purge(*, older_than: dt.timedelta = STAGED_UPLOAD_LIFETIME) -> int:
    """Delete files kept for activity forms that were never saved. Returns how many.

    A staged upload lives while its owner corrects the form; one older than ``older_than``
    belongs to a form that was abandoned.
    """
    cutoff = timezone.now() - older_than
    purged = 0
    for staged in StagedUpload.objects.filter(created_at__lt=cutoff).iterator():
        _delete_files(staged)
        staged.delete()
        purged += 1
    return purged
