"""On-site sign-in 现场签到: an activity's sign-in sheet, opened by its organisers at the venue,
and who signed in on it.

A sheet (``SignInSheet``) belongs to one activity. While it accepts sign-ins (opened, not
closed, from ``SIGNIN_OPENS_MINUTES`` before the start to the activity's end), the people there
scan its QR code (a token that changes every minute, ``portal.signin.tokens``) or type its short
code, and sign in on their own phones: a member with their login, a partner's staff member or
another guest with name and unit. The officer removes a wrong entry and adds one by hand.
When the sheet is closed, the list becomes the activity's record: its attendees, its external
head count and a generated 签到表 PDF among its files (``services.signin_apply``).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from activities.models import Activity, Attachment
from branches.models import Committee, Member, mask_phone, validate_phone
from branches.scoping import ScopedQuerySet
from partnerships.models import PartnerOrganisation


class EntryKind(models.TextChoices):
    #: A member of an organising or co-organising branch: an attendee of the activity.
    ATTENDEE = "attendee", _("Attending member")
    #: A member of another branch of the committee: a guest, not an attendee.
    MEMBER_GUEST = "member_guest", _("Member of another branch")
    #: A partner unit's staff member: an external participant of their unit.
    PARTNER = "partner", _("Partner unit")
    #: Anybody else (another unit, named by hand): an external participant.
    GUEST = "guest", _("Other guest")


#: The kinds that count as external participants of the activity.
EXTERNAL_KINDS = frozenset({EntryKind.PARTNER, EntryKind.GUEST})
#: The kinds that are members of the committee.
MEMBER_KINDS = frozenset({EntryKind.ATTENDEE, EntryKind.MEMBER_GUEST})


class EntryMethod(models.TextChoices):
    SCAN = "scan", _("Scanned the code")
    POSTER = "poster", _("Scanned the poster")
    CODE = "code", _("Typed the code")
    HAND = "hand", _("Added by hand")


class SignInSheet(models.Model):
    activity = models.OneToOneField(
        Activity, on_delete=models.CASCADE, related_name="signin_sheet", verbose_name=_("activity")
    )
    committee = models.ForeignKey(
        Committee, on_delete=models.CASCADE, related_name="+", verbose_name=_("committee")
    )
    #: The sheet's name in its public addresses (``/s/<public_id>/``): random, not its pk.
    public_id = models.CharField(_("public id"), max_length=16, unique=True, editable=False)
    #: The key of its rotating tokens and codes (``portal.signin.tokens``); never shown.
    secret = models.CharField(_("secret"), max_length=64, editable=False)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opened by"),
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    #: When the list last went into the activity (attendees, head count, the 签到表 PDF), and
    #: the activity's version that writing made: an edit of the activity since (its version
    #: moved on) stops a later hand change from overwriting it unconfirmed.
    applied_at = models.DateTimeField(_("written into the activity at"), null=True, blank=True)
    applied_version = models.PositiveIntegerField(null=True, blank=True, editable=False)
    #: When somebody last joined or left the list.
    list_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    #: Part of the door poster's key: moved on when the sheet is reopened, so a poster
    #: photographed before opens nothing.
    # A database default too: rows written without the ORM (generate_group's COPY) still insert.
    poster_epoch = models.PositiveSmallIntegerField(default=0, db_default=0, editable=False)
    #: The 签到表 PDF among the activity's files (written with the list; replaced when the
    #: list changes after the close).
    sheet_file = models.ForeignKey(
        Attachment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sign-in sheet file"),
    )

    committee_path = "committee"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("sign-in sheet")
        verbose_name_plural = _("sign-in sheets")

    def __str__(self) -> str:
        return str(self.activity)

    def window(self) -> tuple[dt.datetime, dt.datetime]:
        """From when to when people may sign in (unless closed): ``SIGNIN_OPENS_MINUTES``
        before the activity's start to its end."""
        opens = self.activity.starts_at - dt.timedelta(minutes=settings.SIGNIN_OPENS_MINUTES)
        return opens, self.activity.ends_at

    def state(self, now: dt.datetime | None = None) -> SheetState:
        now = now or timezone.now()
        if self.closed_at is not None:
            return SheetState.CLOSED
        opens, ends = self.window()
        if now < opens:
            return SheetState.NOT_YET
        if now > ends:
            return SheetState.ENDED
        return SheetState.OPEN

    def accepts(self, now: dt.datetime | None = None) -> bool:
        return self.state(now) == SheetState.OPEN

    def awaits_confirmation(self) -> bool:
        """Closed, and the list changed since it was written into the activity (the activity
        had been edited meanwhile): the officer confirms the numbers again."""
        return (
            self.closed_at is not None
            and self.list_changed_at is not None
            and (self.applied_at is None or self.list_changed_at > self.applied_at)
        )


class SheetState(models.TextChoices):
    NOT_YET = "not_yet", _("not open yet")
    OPEN = "open", _("open")
    ENDED = "ended", _("the activity has ended")
    CLOSED = "closed", _("closed")


def entry_counts(prefix: str = "") -> dict[str, models.Count]:
    """How many signed in, as SQL: all of them, the attending members, the members of other
    branches and the external participants. ``prefix`` reaches the entries across a relation
    (``"entries__"`` from a sheet)."""
    pk = f"{prefix}pk"
    kind = f"{prefix}kind"
    return {
        "total": models.Count(pk),
        "attendees": models.Count(pk, filter=Q(**{kind: EntryKind.ATTENDEE})),
        "member_guests": models.Count(pk, filter=Q(**{kind: EntryKind.MEMBER_GUEST})),
        "external": models.Count(pk, filter=Q(**{f"{kind}__in": EXTERNAL_KINDS})),
    }


class SignInEntryQuerySet(ScopedQuerySet):
    def counts(self) -> dict[str, int]:
        """``entry_counts`` of these entries, in one query."""
        return self.aggregate(**entry_counts())


class SignInEntry(models.Model):
    """One person on a sheet: a member (``member``) or somebody without a login (``name``,
    their unit, an optional mobile number kept for the record and shown masked)."""

    sheet = models.ForeignKey(
        SignInSheet, on_delete=models.CASCADE, related_name="entries", verbose_name=_("sign-in")
    )
    committee = models.ForeignKey(
        Committee, on_delete=models.CASCADE, related_name="+", verbose_name=_("committee")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=EntryKind.choices)
    member = models.ForeignKey(
        Member,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signins",
        verbose_name=_("member"),
    )
    #: The name as signed (a member's name at the time; a guest's as typed).
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    partner = models.ForeignKey(
        PartnerOrganisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signins",
        verbose_name=_("partner organisation"),
    )
    #: The unit of a guest whose unit is not one of the activity's partners.
    unit_name = models.CharField(_("unit"), max_length=100, blank=True)
    # Personal information (PIPL): kept for the record, shown masked, never on a public page.
    phone = models.CharField(
        _("mobile phone"), max_length=20, blank=True, validators=[validate_phone]
    )
    method = models.CharField(_("how"), max_length=6, choices=EntryMethod.choices)
    #: Who added it by hand (``EntryMethod.HAND``).
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    #: The SHA-256 of the signing phone's device cookie: one phone signs one name in once.
    device_hash = models.CharField(max_length=64, blank=True, editable=False)
    #: The name folded for comparison (no spaces, case-folded): the same person twice.
    name_key = models.CharField(max_length=50, editable=False)
    signed_at = models.DateTimeField(_("signed in at"), default=timezone.now)

    committee_path = "committee"
    objects = SignInEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("sign-in entry")
        verbose_name_plural = _("sign-in entries")
        ordering = ["signed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["sheet", "member"],
                condition=Q(member__isnull=False),
                name="signin_member_once",
            ),
            models.UniqueConstraint(
                fields=["sheet", "device_hash", "name_key"],
                condition=~Q(device_hash=""),
                name="signin_phone_name_once",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=sorted(MEMBER_KINDS), member__isnull=False)
                | Q(kind__in=sorted(EXTERNAL_KINDS), member__isnull=True),
                name="signin_member_kinds_have_member",
            ),
        ]
        indexes = [models.Index(fields=["sheet", "kind"])]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def unit(self) -> str:
        """The unit as the sheet shows it: the member's branch, the partner, or as typed."""
        if self.member_id is not None:
            return self.member.branch.name
        if self.partner_id is not None:
            return self.partner.name
        return self.unit_name


def name_key(name: str) -> str:
    """``name`` folded for comparison: no white space, case-folded."""
    return "".join(name.split()).casefold()[:50]
