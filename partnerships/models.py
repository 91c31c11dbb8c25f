"""Partner organisations 共建单位 and the dated partnerships 共建关系 with them."""

from __future__ import annotations

import calendar
import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
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


def _this_year() -> int:
    return timezone.localdate().year


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
    #: What the agreement serves in the committee's framework. String references: the
    #: activities app imports this one (``Activity.partnership``), never the other way.
    goals = models.ManyToManyField(
        "activities.Goal", blank=True, related_name="partnerships", verbose_name=_("goals served")
    )
    measures = models.ManyToManyField(
        "activities.Measure",
        blank=True,
        related_name="partnerships",
        verbose_name=_("measures served"),
    )
    #: What the agreement promises, against which a partner "gone quiet" is measured (not one
    #: fixed number of days for every partner). A database default too: rows written without
    #: the ORM (the synthetic generator's COPY) still insert.
    activities_per_quarter = models.PositiveSmallIntegerField(
        _("joint activities a quarter"),
        default=1,
        db_default=1,
        help_text=_("The joint activities a quarter the agreement promises; 0: no promise."),
    )
    #: A renewal 续签 is a new row for the next term: the old term, its plans and its history
    #: stay as they were (``services.partnership_renew``).
    renewed_from = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="renewal",
        verbose_name=_("renewed from"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"], m2m_fields=["goals", "measures"])
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
        if (
            self.renewed_from_id
            and self.committee_id
            and self.renewed_from.committee_id != self.committee_id
        ):
            raise ValidationError(
                {"renewed_from": _("The previous term belongs to another committee.")}
            )

    def term_years(self) -> range:
        """The calendar years the term touches (an open-ended term: up to next year), the
        years a plan of this partnership may be for."""
        last = self.ends_on.year if self.ends_on else max(self.starts_on.year, _this_year()) + 1
        return range(self.starts_on.year, last + 1)

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


def agreement_file_upload_to(instance: AgreementFile, filename: str) -> str:
    # Under ``partnerships/``: served by the same access check as the agreement itself
    # (``portal.core.files``: the partnership's row decides).
    return f"partnerships/{instance.partnership.committee_id}/files/{filename}"


class AgreementFile(models.Model):
    """One signed version of a partnership's agreement: several are kept (the first signing,
    an amendment, the renewed text), each a file of its own with a label."""

    partnership = models.ForeignKey(
        Partnership,
        on_delete=models.CASCADE,
        related_name="agreement_files",
        verbose_name=_("partnership"),
    )
    file = CheckedFileField(
        _("file"),
        upload_to=agreement_file_upload_to,
        max_length=255,
        accepts=(PDF, IMAGE),
        help_text=_("A PDF file or a picture (JPEG, PNG, WebP) of the signed agreement."),
    )
    version = models.CharField(
        _("version"), max_length=50, help_text=_("e.g. 2024年签署, 补充协议")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("uploaded by"),
    )

    history = HistoricalRecords()
    committee_path = "partnership__committee"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("signed agreement file")
        verbose_name_plural = _("signed agreement files")
        ordering = ["partnership", "-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return f"{related_label(self, 'partnership')} · {self.version}"


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ADOPTED = "adopted", _("Adopted")


class YearPlan(models.Model):
    """A partnership's plan of joint items for one calendar year 年度共建计划.

    One per partnership and year. A renewal copies the last plan into the next term as a
    draft, to adjust before it is adopted."""

    partnership = models.ForeignKey(
        Partnership,
        on_delete=models.CASCADE,
        related_name="plans",
        verbose_name=_("partnership"),
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=PlanStatus.choices,
        default=PlanStatus.DRAFT,
        db_default=PlanStatus.DRAFT,
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    committee_path = "partnership__committee"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("yearly joint-building plan")
        verbose_name_plural = _("yearly joint-building plans")
        ordering = ["-year", "partnership__title"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "year"],
                name="plan_once_per_partnership_year",
                violation_error_message=_("This partnership already has a plan for this year."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=PlanStatus.values), name="plan_status_known"
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(partnership)s · %(year)s plan") % {
            "partnership": related_label(self, "partnership"),
            "year": self.year,
        }

    def clean(self) -> None:
        super().clean()
        partnership = getattr(self, "partnership", None)
        if partnership is None or not self.year or not partnership.starts_on:
            return
        if self.year not in partnership.term_years():
            raise ValidationError(
                {
                    "year": _("The year is outside the partnership's term (%(first)s–%(last)s).")
                    % {"first": partnership.term_years()[0], "last": partnership.term_years()[-1]}
                }
            )


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")


#: The last valid period number of each kind.
PERIOD_MAX = {PeriodKind.MONTH: 12, PeriodKind.QUARTER: 4}


class PlanItem(models.Model):
    """One planned joint item 计划事项 of a yearly plan: what, under which measure, when (a
    month or a quarter of the plan's year), who (a branch, or the committee) with whom.

    Activities fulfil it (``Activity.plan_item``); it is done once one of them counts as done.
    """

    plan = models.ForeignKey(
        YearPlan, on_delete=models.CASCADE, related_name="items", verbose_name=_("plan")
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0, db_default=0)
    title = models.CharField(_("item"), max_length=150)
    measure = models.ForeignKey(
        "activities.Measure",
        on_delete=models.PROTECT,
        related_name="plan_items",
        verbose_name=_("measure"),
    )
    period_kind = models.CharField(
        _("planned for a"),
        max_length=10,
        choices=PeriodKind.choices,
        default=PeriodKind.QUARTER,
        db_default=PeriodKind.QUARTER,
    )
    period = models.PositiveSmallIntegerField(
        _("month or quarter"), help_text=_("A month 1–12, or a quarter 1–4.")
    )
    branch = models.ForeignKey(
        Branch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plan_items",
        verbose_name=_("responsible branch"),
        help_text=_("Empty: the committee itself."),
    )
    partners = models.ManyToManyField(
        PartnerOrganisation,
        blank=True,
        related_name="plan_items",
        verbose_name=_("partner organisations"),
    )

    history = HistoricalRecords(m2m_fields=["partners"])
    committee_path = "plan__partnership__committee"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("plan item")
        verbose_name_plural = _("plan items")
        ordering = ["plan", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(period_kind=PeriodKind.MONTH, period__gte=1, period__lte=12)
                    | Q(period_kind=PeriodKind.QUARTER, period__gte=1, period__lte=4)
                ),
                name="plan_item_period_valid",
                violation_error_message=_("A month is 1–12 and a quarter 1–4."),
            ),
            models.UniqueConstraint(
                fields=["plan", "title", "period_kind", "period"],
                name="plan_item_once_per_period",
                violation_error_message=_("The plan already has this item in this period."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.period_label}）"

    @property
    def period_label(self) -> str:
        if self.period_kind == PeriodKind.MONTH:
            return gettext("month %(n)s") % {"n": self.period}
        return gettext("Q%(n)s") % {"n": self.period}

    def period_dates(self, year: int | None = None) -> tuple[dt.date, dt.date]:
        """The first and last day of the planned month or quarter, in the plan's year."""
        year = year or self.plan.year
        if self.period_kind == PeriodKind.MONTH:
            first_month = last_month = self.period
        else:
            first_month, last_month = 3 * self.period - 2, 3 * self.period
        last_day = calendar.monthrange(year, last_month)[1]
        return dt.date(year, first_month, 1), dt.date(year, last_month, last_day)

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        top = PERIOD_MAX.get(self.period_kind)
        if top and self.period is not None and not 1 <= self.period <= top:
            errors["period"] = _("A month is 1–12 and a quarter 1–4.")
        plan = getattr(self, "plan", None)
        partnership = getattr(plan, "partnership", None) if plan else None
        if partnership is not None:
            committee_id = partnership.committee_id
            if self.measure_id and self.measure.committee_id != committee_id:
                errors["measure"] = _("The measure belongs to another committee's framework.")
            if self.branch_id and self.branch.committee_id != committee_id:
                errors["branch"] = _("The branch belongs to another committee.")
        if errors:
            raise ValidationError(errors)


def partners_outside(partnership: Partnership, partners) -> list[PartnerOrganisation]:
    """Of ``partners``, those that are not partners of ``partnership``: a plan item is done
    with the partnership's own units (an alliance's units, a pairing's one)."""
    partners = list(partners)
    if not partners:
        return []
    inside = set(
        PartnershipMember.objects.filter(
            partnership=partnership, partner__in=[p.pk for p in partners]
        ).values_list("partner_id", flat=True)
    )
    return [p for p in partners if p.pk not in inside]
