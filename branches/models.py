"""Committees, their branches, project sites, members and dated branch roles."""

from __future__ import annotations

import datetime as dt
import re

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.db.models import Q
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from branches.scoping import ScopedManager, ScopedQuerySet

# The roles' and members' date defaults (migrations name it ``branches.models.local_today``).
from portal.core.periods import local_today
from portal.templatetags.people import person_name


def mask_phone(phone: str) -> str:
    """``13812345678`` -> ``138****5678``; anything shorter keeps only its last two digits."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) == 13 and digits.startswith("86"):  # +86 country code
        digits = digits[2:]
    if not digits:
        return ""
    if len(digits) >= 7:
        return f"{digits[:3]}****{digits[-4:]}"
    return "*" * (len(digits) - 2) + digits[-2:] if len(digits) > 2 else "**"


def related_label(obj: models.Model, field: str) -> str:
    """``str()`` of a related row, or "a deleted <kind>" once it is gone (never its id).

    History pages show old versions whose member, login or partner may have been deleted since;
    a ``__str__`` that reached for them would turn the page into a server error.
    """
    try:
        return str(getattr(obj, field))
    except ObjectDoesNotExist:
        related = obj._meta.get_field(field).related_model
        return deleted_row_label(related, getattr(obj, f"{field}_id"))


def deleted_row_label(model: type[models.Model], pk) -> str:
    """A row deleted since, for history pages: "赵磊（已删除的党员）" from its last recorded
    version, "已删除的党员" when it has none (never its id, as simple_history writes it)."""
    kind = model._meta.verbose_name
    history = getattr(model, "history", None)
    if pk is not None and history is not None:
        last = history.filter(**{model._meta.pk.attname: pk}).order_by("-history_id").first()
        if last is not None:
            return gettext("%(name)s (deleted %(kind)s)") % {"name": last.instance, "kind": kind}
    return gettext("a deleted %(kind)s") % {"kind": kind}


def is_masked_phone(value: str) -> bool:
    return "*" in (value or "")


def validate_phone(value: str) -> None:
    """A mobile or landline number: digits with optional +, spaces and dashes (7–15 digits).

    Catches what spreadsheets do to numbers (``1.38E+10``) and masked values typed back in.
    """
    digits = re.sub(r"\D", "", value or "")
    if not re.fullmatch(r"\+?[\d\s-]+", value or "") or not 7 <= len(digits) <= 15:
        raise ValidationError(
            _(
                "“%(value)s” is not a phone number: use digits only, e.g. 13812345678 or "
                "0571-88886666 (in Excel, format the column as text)."
            ),
            code="invalid_phone",
            params={"value": value},
        )


class Committee(models.Model):
    """A Party committee 党委: the unit every query is scoped to."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    organisation = models.CharField(
        _("company"), max_length=100, blank=True, help_text=_("The company the committee leads.")
    )
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    #: Four eyes: nobody approves or returns an activity they created, changed or submitted
    #: (``activities.access``). A committee with a single reviewer may allow it; every use is
    #: marked on the activity's timeline.
    allow_self_review = models.BooleanField(
        _("reviewers may review their own activities"),
        default=False,
        db_default=False,  # rows written without the ORM (generate_group's COPY) still insert
        help_text=_(
            "Only for a committee with a single reviewer. When ticked, a reviewer may approve "
            "or return an activity they created, changed or submitted themselves; the "
            "activity's timeline marks each such review."
        ),
    )

    #: Partner confirmation (portal.partners): staff approve an activity with partner units only
    #: once one of them has confirmed the record (情况属实).
    partner_confirmation_required = models.BooleanField(
        _("approve only what a partner has confirmed"),
        default=False,
        db_default=False,  # rows written without the ORM (generate_group's COPY) still insert
        help_text=_(
            "When ticked, an activity with partner organisations is approved only after one of "
            "its partners has confirmed the record through its link."
        ),
    )

    committee_path = "pk"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("committee")
        verbose_name_plural = _("committees")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Region(models.TextChoices):
    YANGTZE_DELTA = "yrd", _("Yangtze River Delta")
    PEARL_DELTA = "prd", _("Pearl River Delta")
    JING_JIN_JI = "jjj", _("Beijing-Tianjin-Hebei")
    CHENGDU_CHONGQING = "cy", _("Chengdu-Chongqing")
    OTHER = "other", _("Other region")


class BusinessDomain(models.TextChoices):
    MUNICIPAL = "municipal", _("Municipal infrastructure")
    NEW_ENERGY = "new_energy", _("New energy")
    INDUSTRIAL_PARK = "industrial_park", _("Industrial park")
    PORT = "port", _("Port")
    RESETTLEMENT = "resettlement", _("Shantytown renovation / resettlement housing")
    SCHOOL = "school", _("School")
    HOSPITAL = "hospital", _("Hospital")
    OTHER = "other", _("Other domain")


class LifecycleStage(models.TextChoices):
    """The main line 投建营退."""

    INVEST = "invest", _("Invest")
    BUILD = "build", _("Build")
    OPERATE = "operate", _("Operate")
    EXIT = "exit", _("Exit")


class ProjectSite(models.Model):
    """A project 项目 the company invests in, builds, operates and exits."""

    committee = models.ForeignKey(
        Committee,
        on_delete=models.PROTECT,
        related_name="project_sites",
        verbose_name=_("committee"),
    )
    name = models.CharField(_("name"), max_length=100)
    city = models.CharField(_("city"), max_length=50)
    region = models.CharField(_("economic region"), max_length=10, choices=Region.choices)
    domain = models.CharField(_("business domain"), max_length=20, choices=BusinessDomain.choices)
    stage = models.CharField(_("lifecycle stage"), max_length=10, choices=LifecycleStage.choices)
    description = models.TextField(_("description"), blank=True)

    committee_path = "committee"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("project site")
        verbose_name_plural = _("project sites")
        ordering = ["committee", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "name"],
                name="project_site_name_unique_in_committee",
                violation_error_message=_("A project site with this name already exists."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class Branch(models.Model):
    """A Party branch 党支部 of a committee."""

    committee = models.ForeignKey(
        Committee, on_delete=models.PROTECT, related_name="branches", verbose_name=_("committee")
    )
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    project_sites = models.ManyToManyField(
        ProjectSite, blank=True, related_name="branches", verbose_name=_("project sites")
    )
    established_on = models.DateField(_("established on"), null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("display order"), default=0)

    committee_path = "committee"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        ordering = ["committee", "sort_order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "name"],
                name="branch_name_unique_in_committee",
                violation_error_message=_("A branch with this name already exists."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class MemberStatus(models.TextChoices):
    FULL = "full", _("Full member")
    PROBATIONARY = "probationary", _("Probationary member")


class MemberQuerySet(ScopedQuerySet):
    def active_on(self, day: dt.date) -> MemberQuerySet:
        return self.filter(Q(active_to__isnull=True) | Q(active_to__gte=day), active_from__lte=day)

    def active_between(self, start: dt.date, end: dt.date) -> MemberQuerySet:
        """Members who were in the committee on at least one day of [start, end]."""
        return self.filter(
            Q(active_to__isnull=True) | Q(active_to__gte=start), active_from__lte=end
        )

    def current(self) -> MemberQuerySet:
        return self.active_on(local_today())


class Member(models.Model):
    """A Party member 党员.

    ``active_from`` / ``active_to`` record transfers in 转入 and out 转出: a member who left
    keeps their history (attendance, roles) but no longer counts in participation rates.
    Names are not unique (同名 is common); the member number is, within the committee.
    """

    committee = models.ForeignKey(
        Committee, on_delete=models.PROTECT, related_name="members", verbose_name=_("committee")
    )
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="members", verbose_name=_("branch")
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    member_number = models.CharField(
        _("member number"),
        max_length=30,
        blank=True,
        help_text=_("Optional; unique in the committee."),
    )
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    status = models.CharField(
        _("status"), max_length=15, choices=MemberStatus.choices, default=MemberStatus.FULL
    )
    joined_party_on = models.DateField(_("joined the Party on"), null=True, blank=True)
    post = models.CharField(_("post"), max_length=100, blank=True)
    # Personal information (PIPL): stored as text, shown masked everywhere, revealed only to a
    # committee admin and every reveal audited.
    phone = models.CharField(
        _("mobile phone"), max_length=20, blank=True, validators=[validate_phone]
    )
    active_from = models.DateField(_("in the committee from"), default=local_today)
    active_to = models.DateField(_("in the committee until"), null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="member",
        verbose_name=_("login"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    committee_path = "committee"
    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("Party member")
        verbose_name_plural = _("Party members")
        ordering = ["branch__sort_order", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "member_number"],
                condition=~Q(member_number=""),
                name="member_number_unique_in_committee",
                violation_error_message=_("Another member of the committee has this number."),
            ),
            models.CheckConstraint(
                condition=Q(active_to__isnull=True) | Q(active_to__gte=models.F("active_from")),
                name="member_active_to_after_from",
                violation_error_message=_("The end of membership cannot be before its start."),
            ),
        ]
        indexes = [models.Index(fields=["branch", "active_from", "active_to"])]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    def is_active_on(self, day: dt.date) -> bool:
        return self.active_from <= day and (self.active_to is None or self.active_to >= day)

    def clean(self) -> None:
        super().clean()
        if self.branch_id and self.committee_id and self.branch.committee_id != self.committee_id:
            raise ValidationError({"branch": _("The branch belongs to another committee.")})


class RoleKind(models.TextChoices):
    SECRETARY = "secretary", _("Secretary")
    DEPUTY_SECRETARY = "deputy_secretary", _("Deputy secretary")
    ORGANISATION = "organisation", _("Organisation committee member")
    PUBLICITY = "publicity", _("Publicity committee member")
    DISCIPLINE = "discipline", _("Discipline inspection committee member")
    AFFAIRS_OFFICER = "affairs_officer", _("Party affairs officer")


#: Roles whose holders log the branch's joint activities.
ROLES_THAT_LOG_ACTIVITIES = frozenset(RoleKind.values)


class DatedRoleQuerySet(ScopedQuerySet):
    """Roles held from ``starts_on`` until ``ends_on`` (open-ended when empty)."""

    def current_on(self, day: dt.date) -> DatedRoleQuerySet:
        return self.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day), starts_on__lte=day)

    def current(self) -> DatedRoleQuerySet:
        return self.current_on(local_today())


class BranchRoleQuerySet(DatedRoleQuerySet):
    def logging_activities(self) -> BranchRoleQuerySet:
        return self.filter(role__in=ROLES_THAT_LOG_ACTIVITIES)


class BranchRole(models.Model):
    """A dated office in a branch (书记, 组织委员 …). Roles change at elections 换届.

    A role that has ended grants nothing; at most one secretary per branch at any time.
    """

    branch = models.ForeignKey(
        Branch, on_delete=models.CASCADE, related_name="roles", verbose_name=_("branch")
    )
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="roles", verbose_name=_("member")
    )
    role = models.CharField(_("role"), max_length=20, choices=RoleKind.choices)
    starts_on = models.DateField(_("from"), default=local_today)
    ends_on = models.DateField(_("until"), null=True, blank=True)

    history = HistoricalRecords()
    committee_path = "branch__committee"
    objects = BranchRoleQuerySet.as_manager()

    class Meta:
        verbose_name = _("branch role")
        verbose_name_plural = _("branch roles")
        ordering = ["branch__sort_order", "role", "-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="branch_role_ends_after_start",
                violation_error_message=_("A role cannot end before it starts."),
            ),
            # The open-ended secretary is the current one: never two at once. Overlapping dated
            # terms are refused by clean().
            models.UniqueConstraint(
                fields=["branch"],
                condition=Q(role="secretary", ends_on__isnull=True),
                name="one_open_secretary_per_branch",
                violation_error_message=_("This branch already has a current secretary."),
            ),
        ]
        indexes = [models.Index(fields=["member", "ends_on"])]

    def __str__(self) -> str:
        branch, member = related_label(self, "branch"), related_label(self, "member")
        return f"{branch} · {self.get_role_display()} · {member}"

    def is_current_on(self, day: dt.date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or self.ends_on >= day)

    def clean(self) -> None:
        super().clean()
        if self.member_id and self.branch_id and self.member.branch_id != self.branch_id:
            raise ValidationError({"member": _("The member does not belong to this branch.")})
        if self.role == RoleKind.SECRETARY and self.branch_id and self.starts_on:
            overlapping = BranchRole.objects.filter(
                branch_id=self.branch_id, role=RoleKind.SECRETARY
            ).exclude(pk=self.pk)
            overlapping = overlapping.filter(
                Q(ends_on__isnull=True) | Q(ends_on__gte=self.starts_on)
            )
            if self.ends_on:
                overlapping = overlapping.filter(starts_on__lte=self.ends_on)
            if overlapping.exists():
                raise ValidationError(
                    _("Another secretary of this branch holds office in the same period.")
                )


class CommitteeRoleKind(models.TextChoices):
    STAFF = "staff", _("Committee staff")
    ADMIN = "admin", _("Committee admin")


class CommitteeRoleQuerySet(DatedRoleQuerySet):
    def by_office(self) -> tuple[set[int], set[int]]:
        """The committees of these roles, as (staff, admin) sets of ids: one query."""
        staff: set[int] = set()
        admin: set[int] = set()
        for committee_id, role in self.values_list("committee_id", "role"):
            (admin if role == CommitteeRoleKind.ADMIN else staff).add(committee_id)
        return staff, admin


class CommitteeRole(models.Model):
    """A login's place in a committee's office: staff review and watch, admins maintain."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="committee_roles",
        verbose_name=_("login"),
    )
    committee = models.ForeignKey(
        Committee,
        on_delete=models.CASCADE,
        related_name="office_roles",
        verbose_name=_("committee"),
    )
    role = models.CharField(_("role"), max_length=10, choices=CommitteeRoleKind.choices)
    starts_on = models.DateField(_("from"), default=local_today)
    ends_on = models.DateField(_("until"), null=True, blank=True)

    history = HistoricalRecords()
    committee_path = "committee"
    objects = CommitteeRoleQuerySet.as_manager()

    class Meta:
        verbose_name = _("committee office role")
        verbose_name_plural = _("committee office roles")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "committee", "role"], name="committee_role_unique"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="committee_role_ends_after_start",
                violation_error_message=_("A role cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        committee = related_label(self, "committee")
        try:
            user = person_name(self.user)
        except ObjectDoesNotExist:
            user = related_label(self, "user")
        return f"{committee} · {self.get_role_display()} · {user}"


class AuditAction(models.TextChoices):
    PHONE_REVEAL = "phone_reveal", _("Phone number revealed")
    EXPORT = "export", _("Export")
    IMPORT = "import", _("Import")
    REPORT_DOWNLOAD = "report_download", _("Report downloaded")
    LOGIN = "login", _("Logged in")
    LOGIN_FAILED = "login_failed", _("Login failed")
    LOCKOUT = "lockout", _("Login locked out")
    ACCESS_REFUSED = "access_refused", _("Access refused")
    ROLE_CHANGE = "role_change", _("Role changed")
    PERMISSION_CHANGE = "permission_change", _("Permissions changed")
    TWO_FACTOR_ENROLLED = "two_factor_enrolled", _("Two-step verification set up")
    TWO_FACTOR_FAILED = "two_factor_failed", _("Two-step verification code refused")
    RECOVERY_CODE_USED = "recovery_code_used", _("Recovery code used")
    RECOVERY_CODES_NEW = "recovery_codes_new", _("New recovery codes made")
    TWO_FACTOR_RESET = "two_factor_reset", _("Two-step verification reset")
    PARTNER_LINK = "partner_link", _("Partner link issued")
    PARTNER_LINK_REVOKED = "partner_link_revoked", _("Partner link withdrawn")
    PARTNER_ANSWER = "partner_answer", _("Partner answered")
    SIGNIN_ENTRY_REMOVED = "signin_removed", _("Sign-in entry removed")


#: How the recorders' details begin (portal.audit.receivers, branches.services), read in the
#: reader's language; the rest of a detail (names, dates, counts) is shown as recorded.
AUDIT_DETAIL_WORDS = {
    "granted": _("granted"),
    "changed": _("changed"),
    "deleted": _("deleted"),
    "groups add": _("added to groups"),
    "groups remove": _("removed from groups"),
    "groups clear": _("removed from every group"),
    "permissions add": _("permissions added"),
    "permissions remove": _("permissions removed"),
    "permissions clear": _("every own permission removed"),
    "group permissions add": _("permissions added to the group"),
    "group permissions remove": _("permissions removed from the group"),
    "group permissions clear": _("every permission removed from the group"),
    "flags: ": _("account flags changed: "),
    "username=": _("username typed: "),
    "unknown login": _("a username no login has (not kept: often a password typed there)"),
    # The second factor (portal.security.two_factor): where a code was refused, and whether
    # it was not even checked for the seconds that follow; how many recovery codes are left.
    "login throttled": _("at login, throttled"),
    "login": _("at login"),
    "setup throttled": _("while setting up, throttled"),
    "setup": _("while setting up"),
    "new recovery codes throttled": _("asking for new recovery codes, throttled"),
    "new recovery codes": _("asking for new recovery codes"),
    "left": _("recovery codes left"),
    # Partner links (portal.partners): a link to the partner's own page; a partner's answer
    # through its link, the verdict, then the evaluation.
    "partner page": _("a link to the partner's own page"),
    "confirmed": _("The record is right"),
    "correction": _("Please correct it"),
}
_ROWS = re.compile(r"^(\d+) rows\b")


class AuditEntryQuerySet(ScopedQuerySet):
    """Append-only: no bulk change or removal through the ORM either."""

    def update(self, **kwargs: object) -> int:
        raise TypeError("Audit entries are append-only.")

    def bulk_update(self, objs: object, fields: object, batch_size: int | None = None) -> int:
        raise TypeError("Audit entries are append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("Audit entries are append-only.")


class AuditEntry(models.Model):
    """Append-only record of access to personal data: who, when, what."""

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("user"),
    )
    committee = models.ForeignKey(
        Committee,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("committee"),
    )
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=50)
    object_id = models.CharField(_("object id"), max_length=50, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    detail = models.CharField(_("detail"), max_length=500, blank=True)

    committee_path = "committee"
    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.user} {self.get_action_display()}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise TypeError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Audit entries are append-only.")

    def object_type_display(self) -> str:
        return audit_object_type_label(self.object_type)

    def detail_display(self) -> str:
        """The detail with its leading words in the reader's language ("granted 2026-01-01 –"
        reads 授予 2026-01-01 – in Chinese)."""
        detail = self.detail
        for words, label in AUDIT_DETAIL_WORDS.items():
            if detail.startswith(words):
                return f"{label}{_detail_terms(detail[len(words) :])}"
        rows = _ROWS.match(detail)
        if rows:
            count = int(rows.group(1))
            text = ngettext("%(count)d row", "%(count)d rows", count) % {"count": count}
            return text + _detail_terms(detail[rows.end() :])
        return detail


def _detail_terms(rest: str) -> str:
    """The recorded names within a detail (the permission groups, the rights flags, the file
    formats: stored in English, as the code names them) in the reader's language."""
    for name, label in AUDIT_DETAIL_TERMS.items():
        rest = re.sub(rf"(?<![\w.]){re.escape(name)}(?![\w.])", str(label), rest)
    return rest


#: The names a detail may hold after its leading words, longest first (is_staff=True before
#: is_staff), as ``_detail_terms`` reads them.
AUDIT_DETAIL_TERMS = {
    "Committee admin": _("Committee admin"),
    "Committee staff": _("Committee staff"),
    "Branch editor": _("Branch editor"),
    "is_superuser=True": _("superuser: yes"),
    "is_superuser=False": _("superuser: no"),
    "is_staff=True": _("admin site access: yes"),
    "is_staff=False": _("admin site access: no"),
    "is_active=True": _("login enabled: yes"),
    "is_active=False": _("login enabled: no"),
    "xlsx": "XLSX",
    "csv": "CSV",
    "unsatisfied": _("Not satisfied"),
    "satisfied": _("Satisfied"),
    "fair": _("Fairly satisfied"),
}


#: The apps whose models an audit entry may name, with the logins and their groups.
AUDITED_APPS = frozenset({"branches", "partnerships", "activities", "portal", "auth"})


def audit_object_type_label(object_type: str) -> str:
    """An audit entry's object type (a model name such as "member", "user", or "page") in the
    reader's language; an unknown type as it is."""
    if object_type == "page":
        return capfirst(gettext("page"))
    for model in apps.get_models():
        if model._meta.model_name == object_type and model._meta.app_label in AUDITED_APPS:
            return capfirst(model._meta.verbose_name)
    return object_type
