"""Partner organisations 共建单位 and the dated partnerships 共建关系 with them."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from branches.models import Branch, Committee, mask_phone, related_label, validate_phone
from branches.scoping import ScopedManager, ScopedQuerySet
from portal.core.archiving import ArchivableModel, live_manager
from portal.core.uploads import IMAGE, PDF, CheckedFileField


class PartnerKind(models.TextChoices):
    SUBDISTRICT = "subdistrict", _("Sub-district office")
    COMMUNITY = "community", _("Community")
    VILLAGE = "village", _("Village")
    GOVERNMENT = "government", _("Government department")
    DEVELOPMENT_ZONE = "dev_zone", _("Development zone committee")
    COURT = "court", _("Court")
    PROCURATORATE = "procuratorate", _("Procuratorate")
    POLICE = "police", _("Police station")
    HOSPITAL = "hospital", _("Hospital")
    SCHOOL = "school", _("School or college")
    ENTERPRISE = "enterprise", _("Enterprise")
    STATE_ENTERPRISE = "soe", _("State-owned enterprise")
    BANK = "bank", _("Bank")
    UNION = "union", _("Trade union")
    YOUTH_LEAGUE = "youth_league", _("Communist Youth League")
    SOCIAL_WORK = "social_work", _("Social-work station")
    CONTRACTOR = "contractor", _("General contractor")
    OTHER = "other", _("Other")


class PartnerOrganisation(ArchivableModel):
    """An organisation a branch builds with: 街道, 社区, 法院, 银行, 学校 …

    Archived instead of deleted (``portal.core.archiving``): ``objects`` leaves archived partners
    out. ``is_active`` is another thing: a partner no longer worked with, still on the roster.
    """

    committee = models.ForeignKey(
        Committee, on_delete=models.PROTECT, related_name="partners", verbose_name=_("committee")
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=PartnerKind.choices)
    city = models.CharField(_("city"), max_length=50, blank=True)
    has_party_organisation = models.BooleanField(_("has its own Party organisation"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    committee_path = "committee"
    objects = live_manager(ScopedQuerySet)
    all_objects = ScopedManager()

    class Meta:
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")
        ordering = ["committee", "name"]
        constraints = [
            # Among the roster's live partners: an archived one does not keep its name from a
            # new partner (restoring it then asks for a rename first).
            models.UniqueConstraint(
                fields=["committee", "name"],
                condition=Q(archived_at__isnull=True),
                name="partner_name_unique_in_committee",
                violation_error_message=_("A partner organisation with this name already exists."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def archive_refusal(self) -> str | None:
        # As a deletion was refused (memberships PROTECT it): a live partnership would list a
        # partner that its forms can no longer choose.
        titles = list(
            Partnership.objects.filter(memberships__partner=self)
            .order_by("title")
            .values_list("title", flat=True)[:5]
        )
        if not titles:
            return None
        return _(
            "“%(partner)s” is a partner in %(partnerships)s. Take it out of these partnerships, "
            "or archive them, first."
        ) % {"partner": self.name, "partnerships": "、".join(titles)}


class Contact(models.Model):
    """A person to call at a partner organisation."""

    partner = models.ForeignKey(
        PartnerOrganisation,
        on_delete=models.CASCADE,
        related_name="contacts",
        verbose_name=_("partner organisation"),
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    title = models.CharField(pgettext_lazy("job", "title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True, validators=[validate_phone])
    email = models.EmailField(_("e-mail"), blank=True)
    #: Whom the portal asks first for the partner: preselected when a branch asks the partner to
    #: confirm an activity (portal.partners). At most one per partner organisation.
    is_primary = models.BooleanField(
        _("default contact"), default=False, db_default=False, help_text=_("Asked first.")
    )

    history = HistoricalRecords()
    committee_path = "partner__committee"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["partner", "-is_primary", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner"],
                condition=Q(is_primary=True),
                name="contact_one_default_per_partner",
                violation_error_message=_("This partner already has a default contact."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{related_label(self, 'partner')}）"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class PartnershipKind(models.TextChoices):
    PAIRING = "pairing", _("Pairing")
    ALLIANCE = "alliance", _("Party-building alliance")
    TRIPARTITE = "tripartite", _("Tripartite integrity agreement")
    OTHER = "other", _("Other partnership")


class PartnershipStatus(models.TextChoices):
    UPCOMING = "upcoming", _("Not yet started")
    ACTIVE = "active", _("In force")
    ENDED = "ended", _("Ended")


class PartnershipQuerySet(ScopedQuerySet):
    def in_force_on(self, day: dt.date) -> PartnershipQuerySet:
        return self.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day), starts_on__lte=day)

    def ending_within(self, day: dt.date, days: int) -> PartnershipQuerySet:
        """In force on ``day`` and ending within ``days`` days of it (``day`` included): the
        agreements to renew or wind up, for the weekly reminders and the home page's to-dos."""
        return self.filter(
            starts_on__lte=day, ends_on__gte=day, ends_on__lte=day + dt.timedelta(days=days)
        )


def agreement_upload_to(instance: Partnership, filename: str) -> str:
    return f"partnerships/{instance.committee_id}/{filename}"


class Partnership(ArchivableModel):
    """A dated, documented relationship: a pairing, an alliance, a tripartite agreement …

    The status is derived from the dates, never stored: a partnership is in force from its
    start to its end (inclusive) and has ended after that. Archived instead of deleted
    (``portal.core.archiving``); activities keep their link to an archived partnership.
    """

    committee = models.ForeignKey(
        Committee,
        on_delete=models.PROTECT,
        related_name="partnerships",
        verbose_name=_("committee"),
    )
    branch = models.ForeignKey(
        Branch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partnerships",
        verbose_name=_("branch"),
        help_text=_("Leave empty for a partnership of the committee itself."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=PartnershipKind.choices)
    title = models.CharField(pgettext_lazy("partnership", "title"), max_length=150)
    partners = models.ManyToManyField(
        PartnerOrganisation,
        through="PartnershipMember",
        related_name="partnerships",
        verbose_name=_("partner organisations"),
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    #: A scan or photo of the signed paper: checked like every upload (portal.core.uploads).
    agreement = CheckedFileField(
        _("signed agreement"),
        upload_to=agreement_upload_to,
        blank=True,
        max_length=255,
        accepts=(PDF, IMAGE),
        help_text=_("A PDF file or a picture (JPEG, PNG, WebP) of the signed agreement."),
    )
    commitments = models.TextField(_("commitments"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    committee_path = "committee"
    objects = live_manager(PartnershipQuerySet)
    all_objects = PartnershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("partnership")
        verbose_name_plural = _("partnerships")
        ordering = ["-starts_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="partnership_ends_after_start",
                violation_error_message=_("A partnership cannot end before it starts."),
            ),
        ]
        indexes = [models.Index(fields=["committee", "ends_on"])]

    def __str__(self) -> str:
        return self.title

    def status_on(self, day: dt.date) -> PartnershipStatus:
        if day < self.starts_on:
            return PartnershipStatus.UPCOMING
        if self.ends_on is not None and day > self.ends_on:
            return PartnershipStatus.ENDED
        return PartnershipStatus.ACTIVE

    @property
    def status(self) -> PartnershipStatus:
        return self.status_on(timezone.localdate())

    def get_status_display(self) -> str:
        return self.status.label

    def clean(self) -> None:
        super().clean()
        if self.branch_id and self.committee_id and self.branch.committee_id != self.committee_id:
            raise ValidationError({"branch": _("The branch belongs to another committee.")})

    def restore_refusal(self) -> str | None:
        # Its partners were free to be archived while it was; it would list them again.
        names = list(
            PartnerOrganisation.all_objects.filter(
                memberships__partnership=self, archived_at__isnull=False
            )
            .order_by("name")
            .values_list("name", flat=True)[:5]
        )
        if not names:
            return None
        return _("Its partner organisations %(partners)s are archived: restore them first.") % {
            "partners": "、".join(names)
        }


class PartnershipMember(models.Model):
    """A partner organisation in a partnership, with the date it joined (an alliance grows)."""

    partnership = models.ForeignKey(
        Partnership,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("partnership"),
    )
    partner = models.ForeignKey(
        PartnerOrganisation,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("partner organisation"),
    )
    joined_on = models.DateField(_("joined on"))

    history = HistoricalRecords()
    committee_path = "partnership__committee"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("partner in the partnership")
        verbose_name_plural = _("partners in the partnership")
        ordering = ["joined_on", "partner__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "partner"],
                name="partner_once_per_partnership",
                violation_error_message=_("This partner is already in the partnership."),
            )
        ]

    def __str__(self) -> str:
        return gettext("%(partner)s in %(partnership)s") % {
            "partner": related_label(self, "partner"),
            "partnership": related_label(self, "partnership"),
        }

    def clean(self) -> None:
        super().clean()
        # Read the related objects, not their ids: in the admin the partnership is often created
        # on the same page as its partners and has no id yet.
        partnership = getattr(self, "partnership", None)
        partner = getattr(self, "partner", None)
        if partnership is None or partner is None:
            return
        if partner.committee_id != partnership.committee_id:
            raise ValidationError({"partner": _("The partner belongs to another committee.")})
        if self.joined_on and partnership.starts_on and self.joined_on < partnership.starts_on:
            raise ValidationError(
                {"joined_on": _("A partner cannot join before the partnership starts.")}
            )
        if self.joined_on and partnership.ends_on and self.joined_on > partnership.ends_on:
            raise ValidationError(
                {"joined_on": _("A partner cannot join after the partnership has ended.")}
            )
