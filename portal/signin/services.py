"""Writes of the on-site sign-in: sheets opened, closed and reopened, people signed in (by
themselves or by hand), wrong entries removed, and the list written into the activity.

Who holds a sign-in (``may_hold_signin``): the officers of the activity's organising and
co-organising branches, committee staff for a committee-level activity — while the activity is
not yet submitted (a draft, or returned for changes: ``activity.is_editable``). Who signs in:
whoever holds a pass of the sheet (``portal.signin.tokens``) while the sheet accepts sign-ins.

Every write locks the sheet's row first: two phones signing the same name, or a sign-in racing
the officer's close, are served one after the other.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from activities import access
from activities.models import (
    Activity,
    ActivityAction,
    ActivityEvent,
    Attachment,
    AttachmentKind,
)
from activities.services import activity_people_from_signin
from branches.models import AuditAction, Member
from partnerships.models import PartnerOrganisation
from portal.audit.services import audit_record
from portal.core.periods import local_today
from portal.signin.models import (
    EXTERNAL_KINDS,
    EntryKind,
    EntryMethod,
    SheetState,
    SignInEntry,
    SignInSheet,
    name_key,
)


def may_hold_signin(user: AbstractBaseUser, activity: Activity) -> bool:
    """Whether ``user`` may open, close and change ``activity``'s sign-in (whatever its state):
    ``activities.access.speaks_for_organisers``, on an activity not archived."""
    return not activity.is_archived and access.speaks_for_organisers(user, activity)


def signin_changeable(activity: Activity) -> bool:
    """Whether the activity's sign-in may still be opened or changed: not submitted yet."""
    return activity.is_editable and not activity.is_archived


def _require(user: AbstractBaseUser, activity: Activity) -> None:
    if not may_hold_signin(user, activity):
        raise PermissionDenied(_("You may not hold this activity's sign-in."))
    if not signin_changeable(activity):
        raise ValidationError(
            _("The activity has been submitted: its sign-in can no longer be changed.")
        )


def _locked_sheet(sheet: SignInSheet) -> SignInSheet:
    """The sheet's row, locked (a sign-in on a phone: the activity is not written)."""
    return (
        SignInSheet.objects.select_for_update(of=("self",))
        .select_related("activity", "activity__committee", "activity__branch")
        .get(pk=sheet.pk)
    )


def _locked_for_officer(sheet: SignInSheet) -> SignInSheet:
    """The activity's row locked, then the sheet's: every officer's write takes them in this
    order (as ``sheet_open`` does), so two of them never wait on each other crosswise."""
    Activity.objects.select_for_update(of=("self",)).filter(pk=sheet.activity_id).first()
    return _locked_sheet(sheet)


def _list_changed(sheet: SignInSheet) -> None:
    sheet.list_changed_at = timezone.now()
    sheet.save(update_fields=["list_changed_at"])


def list_fingerprint(sheet: SignInSheet) -> str:
    """What the officer saw when confirming the numbers: who is on the list, in one short
    string (the count and the newest entry); a sign-in or removal since changes it."""
    newest = sheet.entries.order_by("-pk").values_list("pk", flat=True).first() or 0
    return f"{sheet.entries.count()}-{newest}"


class ListChanged(ValidationError):
    """Somebody signed in or was removed since the officer checked the numbers."""


def _event(activity: Activity, action: str, by: AbstractBaseUser | None, comment: str = "") -> None:
    ActivityEvent.objects.create(
        activity=activity, action=action, actor=by, comment=comment, to_status=activity.status
    )


# --- The officer's side ----------------------------------------------------------------------


@transaction.atomic
def sheet_open(activity: Activity, *, by: AbstractBaseUser) -> SignInSheet:
    """Open ``activity``'s sign-in (a new sheet), or reopen a closed one while the activity
    has not ended. Opening ahead of the window is allowed: the sheet then waits (the poster can
    be printed), and takes sign-ins from ``SIGNIN_OPENS_MINUTES`` before the start."""
    activity = Activity.objects.select_for_update(of=("self",)).get(pk=activity.pk)
    _require(by, activity)
    sheet = SignInSheet.objects.filter(activity=activity).first()
    if sheet is None:
        if timezone.now() > activity.ends_at:
            raise ValidationError(
                _("The activity has ended: add who took part by hand instead of a sign-in.")
            )
        sheet = SignInSheet.objects.create(
            activity=activity,
            committee_id=activity.committee_id,
            public_id=secrets.token_hex(5),
            secret=secrets.token_hex(32),
            opened_by=by,
        )
        _event(activity, ActivityAction.SIGNIN_OPENED, by)
        return sheet
    if sheet.closed_at is None:
        return sheet
    if timezone.now() > activity.ends_at:
        raise ValidationError(_("The activity has ended: its sign-in cannot be reopened."))
    sheet.closed_at = None
    sheet.closed_by = None
    sheet.poster_epoch += 1  # a poster photographed before opens nothing now
    sheet.save(update_fields=["closed_at", "closed_by", "poster_epoch"])
    _event(activity, ActivityAction.SIGNIN_REOPENED, by)
    return sheet


@transaction.atomic
def sheet_close(sheet: SignInSheet, *, by: AbstractBaseUser, seen: str | None = None) -> bool:
    """Close the sign-in (or confirm a closed one's list again): nobody signs in any more, and
    the list becomes the activity's attendees, external head count and 签到表
    (``signin_apply``). ``seen``: the ``list_fingerprint`` of the numbers the officer checked;
    ``ListChanged`` when the list is not that any more (nothing written).

    An empty list is not written: an activity without anybody signed in keeps the people
    entered by hand. Returns whether the list was written."""
    sheet = _locked_for_officer(sheet)
    _require(by, sheet.activity)
    if seen is not None and seen != list_fingerprint(sheet):
        raise ListChanged(
            _("The list has changed since you checked it: please check the numbers again.")
        )
    if sheet.closed_at is None:
        sheet.closed_at = timezone.now()
        sheet.closed_by = by
        sheet.save(update_fields=["closed_at", "closed_by"])
        _event(sheet.activity, ActivityAction.SIGNIN_CLOSED, by, _summary(sheet))
    if not sheet.entries.exists():
        return False
    signin_apply(sheet, by=by)
    return True


def _summary(sheet: SignInSheet) -> str:
    counts = sheet.entries.counts()
    return closing_summary(
        counts["total"], counts["attendees"], counts["external"], counts["member_guests"]
    )


def closing_summary(total: int, attendees: int, external: int, guests: int) -> str:
    """The timeline's line when a sign-in closes: everybody, the attending members, the
    external participants, the members of other branches."""
    return _(
        "%(total)s signed in: %(attendees)s attending members, %(external)s external "
        "participants, %(guests)s members of other branches"
    ) % {"total": total, "attendees": attendees, "external": external, "guests": guests}


def signin_apply(sheet: SignInSheet, *, by: AbstractBaseUser) -> None:
    """Write a closed sheet's list into its activity: the attending members become its
    attendees, the partners' staff and other guests its external head count, and the 签到表
    PDF (``portal.signin.pdf``) replaces the one written before among its files. Called in the
    sheet's locked transaction."""
    entries = list(sheet.entries.select_related("member", "member__branch", "partner", "added_by"))
    # Attendee or guest, as the organising branches stand now (a co-organiser may have been
    # added or removed since people signed in).
    moved = []
    for entry in entries:
        if entry.member_id is not None:
            kind = member_kind(sheet.activity, entry.member)
            if kind != entry.kind:
                entry.kind = kind
                moved.append(entry)
    SignInEntry.objects.bulk_update(moved, ["kind"])
    attendees = [e.member for e in entries if e.kind == EntryKind.ATTENDEE]
    external = sum(1 for e in entries if e.kind in EXTERNAL_KINDS)
    activity = activity_people_from_signin(
        sheet.activity, by=by, attendees=attendees, external_participants=external
    )
    sheet_file_write(sheet, entries, by=by, activity=activity)
    sheet.applied_version = activity.version
    sheet.save(update_fields=["applied_version"])


def sheet_file_write(
    sheet: SignInSheet,
    entries: list[SignInEntry],
    *,
    by: AbstractBaseUser | None,
    activity: Activity | None = None,
) -> Attachment:
    """Print the sheet's 签到表 (``portal.signin.pdf``) and put it among its activity's files,
    in place of the one written before (``sheet.sheet_file``)."""
    from portal.signin.pdf import SHEET_LANGUAGE, render_sheet_pdf

    activity = activity or sheet.activity
    pdf = render_sheet_pdf(sheet, entries)
    old = Attachment.objects.filter(pk=sheet.sheet_file_id).first() if sheet.sheet_file_id else None
    with translation.override(SHEET_LANGUAGE):  # the document's own language, as its text
        caption = _("Sign-in sheet (from the on-site sign-in)")
        original_name = f"{_('Sign-in sheet')} {activity.title}"[:200] + ".pdf"
    attachment = Attachment(
        activity=activity,
        kind=AttachmentKind.SIGN_IN_SHEET,
        caption=caption,
        original_name=original_name,
        size=len(pdf),
        uploaded_by=by,
    )
    attachment.file.save(f"signin-{sheet.public_id}.pdf", ContentFile(pdf), save=False)
    attachment.save()
    sheet.sheet_file = attachment
    sheet.applied_at = timezone.now()
    sheet.save(update_fields=["sheet_file", "applied_at"])
    if old is not None:
        name = old.file.name
        old.delete()
        transaction.on_commit(lambda: old.file.storage.delete(name))
    return attachment


# --- Signing in --------------------------------------------------------------------------------


class SignInRefused(ValidationError):
    """The sheet takes no sign-ins now (not open yet, ended or closed): the message says which."""


@dataclass(frozen=True)
class SignedIn:
    entry: SignInEntry
    #: False when the person had signed in already: nothing changed.
    created: bool


def _accepting(sheet: SignInSheet) -> SignInSheet:
    sheet = _locked_sheet(sheet)
    state = sheet.state()
    if state == SheetState.NOT_YET:
        opens, _ends = sheet.window()
        raise SignInRefused(
            _("Sign-in opens at %(time)s.")
            % {"time": timezone.localtime(opens).strftime("%m-%d %H:%M")}
        )
    if state != SheetState.OPEN:
        raise SignInRefused(_("This sign-in has closed. Please see the organiser at the venue."))
    if not signin_changeable(sheet.activity):
        raise SignInRefused(_("This sign-in has closed. Please see the organiser at the venue."))
    return sheet


#: How many people one phone may sign in (a colleague without a phone, say); more go to the
#: organiser, who adds them by hand.
NAMES_PER_PHONE = 5


def member_kind(activity: Activity, member: Member) -> str:
    """An attendee when ``member`` belongs to an organising or co-organising branch (any
    branch, for a committee-level activity); otherwise a guest of the activity."""
    if activity.branch_id is None or member.branch_id in activity.organising_branch_ids():
        return EntryKind.ATTENDEE
    return EntryKind.MEMBER_GUEST


@transaction.atomic
def member_sign_in(sheet: SignInSheet, member: Member, *, method: str) -> SignedIn:
    """``member`` signs in on their own phone (logged in). Once: a second time changes
    nothing."""
    sheet = _accepting(sheet)
    if member.committee_id != sheet.committee_id:
        raise SignInRefused(_("This sign-in is for members of another Party committee."))
    if not member.is_active_on(local_today()):
        raise SignInRefused(
            _("You are no longer on the committee's roll: please sign in with your name and unit.")
        )
    signed = _member_entry(sheet, member, method=method)
    if signed.created:
        _list_changed(sheet)
    return signed


def _member_entry(
    sheet: SignInSheet, member: Member, *, method: str, by: AbstractBaseUser | None = None
) -> SignedIn:
    """``member`` on the (locked) sheet: their entry, made now unless they are on it."""
    existing = sheet.entries.filter(member=member).first()
    if existing is not None:
        return SignedIn(existing, created=False)
    entry = SignInEntry.objects.create(
        sheet=sheet,
        committee_id=sheet.committee_id,
        kind=member_kind(sheet.activity, member),
        member=member,
        name=member.name,
        name_key=name_key(member.name),
        method=method,
        added_by=by,
    )
    return SignedIn(entry, created=True)


def device_hash(device: str) -> str:
    return hashlib.sha256(device.encode()).hexdigest() if device else ""


@transaction.atomic
def guest_sign_in(
    sheet: SignInSheet,
    *,
    name: str,
    partner: PartnerOrganisation | None,
    unit_name: str = "",
    phone: str = "",
    method: str,
    device: str,
) -> SignedIn:
    """A partner's staff member (``partner``, one of the activity's partner units) or another
    guest (``unit_name``) signs in without an account. The same name of the same unit signed
    in already is answered as signed in; one phone (``device``, its cookie) signs one name in
    once."""
    sheet = _accepting(sheet)
    _check_unit(sheet.activity, partner, unit_name)
    key = name_key(name)
    hashed = device_hash(device)
    same = _same_person(sheet, key, partner, unit_name)
    # The same person again: the same name and unit from the same phone, or with the same
    # mobile number. Two people of one name (同名 is common) from two phones are two entries.
    if same is not None and (
        (hashed and same.device_hash == hashed) or (phone and same.phone == phone)
    ):
        return SignedIn(same, created=False)
    if hashed:
        on_this_phone = sheet.entries.filter(device_hash=hashed)
        if on_this_phone.filter(name_key=key).exists():
            raise ValidationError(
                _("This phone has already signed in %(name)s with another unit.") % {"name": name}
            )
        if on_this_phone.count() >= NAMES_PER_PHONE:
            raise ValidationError(
                _(
                    "This phone has signed in %(count)s people already: others please sign in "
                    "on their own phones, or ask the organiser to add them."
                )
                % {"count": NAMES_PER_PHONE}
            )
    entry = _guest_entry(
        sheet,
        name=name,
        key=key,
        partner=partner,
        unit_name=unit_name,
        phone=phone,
        method=method,
        device_hash=hashed,
    )
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:  # the sheet is locked: only a constraint this code missed
        raise ValidationError(_("You have signed in already.")) from None
    _list_changed(sheet)
    return SignedIn(entry, created=True)


def _guest_entry(
    sheet: SignInSheet,
    *,
    name: str,
    key: str,
    partner: PartnerOrganisation | None,
    unit_name: str,
    phone: str,
    method: str,
    device_hash: str = "",
    added_by: AbstractBaseUser | None = None,
) -> SignInEntry:
    """A partner's staff member or a guest as an entry of ``sheet``, checked, not saved."""
    entry = SignInEntry(
        sheet=sheet,
        committee_id=sheet.committee_id,
        kind=EntryKind.PARTNER if partner is not None else EntryKind.GUEST,
        name=name.strip(),
        name_key=key,
        partner=partner,
        unit_name="" if partner is not None else unit_name.strip(),
        phone=phone,
        method=method,
        device_hash=device_hash,
        added_by=added_by,
    )
    entry.full_clean(exclude=["sheet", "committee", "member", "partner", "added_by"])
    return entry


def _check_unit(activity: Activity, partner: PartnerOrganisation | None, unit_name: str) -> None:
    if partner is not None:
        if not activity.partners.filter(pk=partner.pk).exists():
            raise ValidationError({"partner": _("Choose one of the activity's partner units.")})
    elif not unit_name.strip():
        raise ValidationError({"unit_name": _("Say which unit you are from.")})


def _same_person(
    sheet: SignInSheet, key: str, partner: PartnerOrganisation | None, unit_name: str
) -> SignInEntry | None:
    rows = sheet.entries.filter(name_key=key, member__isnull=True)
    if partner is not None:
        return rows.filter(partner=partner).first()
    return rows.filter(partner__isnull=True, unit_name__iexact=unit_name.strip()).first()


# --- By hand -----------------------------------------------------------------------------------


def _after_hand_change(sheet: SignInSheet, by: AbstractBaseUser, comment: str) -> None:
    """On the timeline; on a closed sheet, written into the activity at once — unless the
    activity was edited since the list was last written (its version moved on): then the
    officer confirms the numbers again first (``SignInSheet.awaits_confirmation``)."""
    _event(sheet.activity, ActivityAction.SIGNIN_CHANGED, by, comment)
    _list_changed(sheet)
    if sheet.closed_at is not None and sheet.applied_version == sheet.activity.version:
        signin_apply(sheet, by=by)


@transaction.atomic
def entry_add_member(sheet: SignInSheet, member: Member, *, by: AbstractBaseUser) -> SignedIn:
    """The officer adds a member who could not sign in (补录), open or closed sheet alike."""
    sheet = _locked_for_officer(sheet)
    _require(by, sheet.activity)
    if member.committee_id != sheet.committee_id:
        raise ValidationError({"member": _("Choose a member of the committee.")})
    signed = _member_entry(sheet, member, method=EntryMethod.HAND, by=by)
    if signed.created:
        _after_hand_change(sheet, by, _("Added by hand: %(name)s") % {"name": member.name})
    return signed


@transaction.atomic
def entry_add_guest(
    sheet: SignInSheet,
    *,
    by: AbstractBaseUser,
    name: str,
    partner: PartnerOrganisation | None,
    unit_name: str = "",
    phone: str = "",
) -> SignedIn:
    """The officer adds a partner's staff member or a guest by hand (补录)."""
    sheet = _locked_for_officer(sheet)
    _require(by, sheet.activity)
    _check_unit(sheet.activity, partner, unit_name)
    key = name_key(name)
    same = _same_person(sheet, key, partner, unit_name)
    if same is not None:
        return SignedIn(same, created=False)
    entry = _guest_entry(
        sheet,
        name=name,
        key=key,
        partner=partner,
        unit_name=unit_name,
        phone=phone,
        method=EntryMethod.HAND,
        added_by=by,
    )
    entry.save()
    _after_hand_change(sheet, by, _("Added by hand: %(name)s") % {"name": entry.name})
    return SignedIn(entry, created=True)


@transaction.atomic
def entry_remove(
    entry: SignInEntry, *, by: AbstractBaseUser, request: HttpRequest | None = None
) -> bool:
    """The officer removes a wrong entry: on the activity's timeline and in the audit log.
    False when it was gone already."""
    sheet = _locked_for_officer(entry.sheet)
    _require(by, sheet.activity)
    entry = SignInEntry.objects.filter(pk=entry.pk, sheet=sheet).first()
    if entry is None:  # removed a moment ago (a second tap)
        return False
    audit_record(
        user=by,
        action=AuditAction.SIGNIN_ENTRY_REMOVED,
        committee=None,
        committee_id=sheet.committee_id,
        # The model's name: the audit page shows it as the model's verbose name (签到记录).
        object_type=SignInEntry._meta.model_name,
        object_id=entry.pk,
        object_repr=f"{entry.name} · {sheet.activity.title}",
        request=request,
    )
    entry.delete()
    _after_hand_change(sheet, by, _("Removed from the list: %(name)s") % {"name": entry.name})
    return True
