"""The partner roster 共建单位 as a spreadsheet (django-import-export), Chinese headers.

Columns (the import template; the export writes the same):

======== ==================================================================================
党委      committee name or short name; export only, and needed on import only by someone who
          administers several committees
名称      name (required); identifies the partner within the committee, so re-importing the
          same file updates rather than duplicates
类别      kind, e.g. 社区, 街道办事处, 银行 (the labels of the admin's kind list; codes accepted)
城市      city
有党组织  是 / 否 (empty: unchanged, 否 for a new partner)
备注      notes
有效      是 / 否 (empty: unchanged, 是 for a new partner)
联系人    export only: the contacts, "name（title） phone", phones masked; contacts are
          imported with the contact roster below
======== ==================================================================================

The contact roster 联系人名册 (chosen as the second resource on the same import and export
pages), one contact a row:

======== ==================================================================================
党委      as above
共建单位  the partner's name, as on the committee's roster (required; a partner of another
          committee is not found)
姓名      the contact's name (required); with the partner it identifies the contact, so
          re-importing the same file updates rather than duplicates
职务      title, e.g. 党委书记
手机号    text; exported masked, and a masked number never overwrites the stored one
邮箱      e-mail
======== ==================================================================================

A file naming the same contact of the same partner twice is refused at that row: which of
the two should win is the admin's call, not the import's.

The plan items 计划事项 of yearly plans (the yearly plan admin's import and export), one item
a row:

======== ==================================================================================
党委      as above
共建关系  the partnership's title (required); with the year it finds the plan, which must exist
年度      the plan's year, e.g. 2025 (required)
顺序      the item's place in the plan (empty: unchanged, 0 for a new item)
计划事项  the item's title (required); with the plan and the time it identifies the item, so
          re-importing the same file updates rather than duplicates
举措      the measure's code or title, e.g. M1 or 理论联学 (required)
计划时间  a month or a quarter: 3月, 第2季度, 二季度, Q2 (required)
负责支部  the responsible branch's name; empty: the committee itself
共建单位  partner units of the partnership, separated by 、 (any other is refused)
======== ==================================================================================
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import widgets
from import_export.fields import Field

from activities.models import Measure
from branches.models import Branch
from branches.resources import (
    COMMITTEE_COLUMN,
    ChoiceWidget,
    CommitteeRosterResource,
    InCommitteeWidget,
    PhoneWidget,
    TextWidget,
    YesNoWidget,
)
from partnerships.models import (
    Contact,
    PartnerKind,
    PartnerOrganisation,
    PeriodKind,
    PlanItem,
    YearPlan,
    partners_outside,
)
from portal.core.importing import normalise_text_cell


class PartnerOrganisationResource(CommitteeRosterResource):
    committee = Field(attribute="committee__name", column_name=COMMITTEE_COLUMN, readonly=True)
    name = Field(attribute="name", column_name="名称", widget=TextWidget())
    kind = Field(attribute="kind", column_name="类别", widget=ChoiceWidget(PartnerKind.choices))
    city = Field(attribute="city", column_name="城市", widget=TextWidget())
    has_party_organisation = Field(
        attribute="has_party_organisation", column_name="有党组织", widget=YesNoWidget()
    )
    notes = Field(attribute="notes", column_name="备注", widget=TextWidget())
    is_active = Field(attribute="is_active", column_name="有效", widget=YesNoWidget())
    contacts = Field(column_name="联系人", readonly=True)

    keep_when_blank = frozenset({"has_party_organisation", "is_active"})

    #: the import template, shown on the import page
    column_help = (
        (COMMITTEE_COLUMN, gettext_lazy("Only if you administer several committees.")),
        (
            "名称",
            gettext_lazy("Required; identifies the partner on a later import."),
        ),
        ("类别", gettext_lazy("A kind from the partner's kind list, e.g. 社区.")),
        ("城市", ""),
        ("有党组织", "是 / 否"),
        ("备注", ""),
        ("有效", "是 / 否"),
        (
            "联系人",
            gettext_lazy("Export only; contacts are imported as the contact roster (联系人名册)."),
        ),
    )

    class Meta:
        name = gettext_lazy("Partner roster")
        model = PartnerOrganisation
        fields = (
            "committee",
            "name",
            "kind",
            "city",
            "has_party_organisation",
            "notes",
            "is_active",
            "contacts",
        )
        export_order = fields
        import_id_fields = ()
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def find_existing(self, row: dict) -> PartnerOrganisation | None:
        name = normalise_text_cell(row.get("名称"))
        if not name:
            return None
        partners = PartnerOrganisation.objects.for_admin_user(self.user)
        return partners.in_committee(self.current_committee.pk).filter(name=name).first()

    def filter_export(self, queryset, **kwargs: Any):
        queryset = super().filter_export(queryset, **kwargs)
        return queryset.select_related("committee").prefetch_related("contacts")

    def dehydrate_contacts(self, partner: PartnerOrganisation) -> str:
        parts = []
        for contact in partner.contacts.all():
            label = f"{contact.name}（{contact.title}）" if contact.title else contact.name
            parts.append(f"{label} {contact.masked_phone}".strip())
        return "；".join(parts)


class ContactResource(CommitteeRosterResource):
    """Partner contacts, one a row, each with the partner it belongs to."""

    committee = Field(
        attribute="partner__committee__name", column_name=COMMITTEE_COLUMN, readonly=True
    )
    partner = Field(attribute="partner", column_name="共建单位")
    name = Field(attribute="name", column_name="姓名", widget=TextWidget())
    title = Field(attribute="title", column_name="职务", widget=TextWidget())
    phone = Field(attribute="phone", column_name="手机号", widget=PhoneWidget())
    email = Field(attribute="email", column_name="邮箱", widget=TextWidget())

    column_help = (
        ("共建单位", gettext_lazy("Required: the partner's name as on the partner roster.")),
        ("姓名", gettext_lazy("Required; with the partner, identifies the contact.")),
        ("职务", ""),
        ("手机号", gettext_lazy("Text. A masked number (with *) keeps the stored number.")),
        ("邮箱", ""),
    )

    class Meta:
        name = gettext_lazy("Contact roster")
        model = Contact
        fields = ("committee", "partner", "name", "title", "phone", "email")
        export_order = fields
        import_id_fields = ()
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def __init__(self, user: Any = None, **kwargs: Any) -> None:
        super().__init__(user=user, **kwargs)
        self.fields["partner"].widget = InCommitteeWidget(PartnerOrganisation, self)
        self.seen: dict[tuple[str, str], int] = {}

    def before_import_row(self, row: dict, **kwargs: Any) -> None:
        super().before_import_row(row, **kwargs)
        key = (normalise_text_cell(row.get("共建单位")), normalise_text_cell(row.get("姓名")))
        number = kwargs.get("row_number") or len(self.seen) + 1
        if all(key) and key in self.seen:
            raise ValidationError(
                _("“%(name)s” of “%(partner)s” is already in row %(row)s of this file.")
                % {"name": key[1], "partner": key[0], "row": self.seen[key]}
            )
        self.seen.setdefault(key, number)

    def _partner(self, row: dict) -> PartnerOrganisation | None:
        name = normalise_text_cell(row.get("共建单位"))
        if not name:
            raise ValidationError(_("Name the partner in the “共建单位” column."))
        try:
            return self.fields["partner"].widget.clean(name, row)
        except ValueError as error:  # a row's problem, listed with the others, not a crash
            raise ValidationError(str(error)) from None

    def find_existing(self, row: dict) -> Contact | None:
        partner = self._partner(row)
        name = normalise_text_cell(row.get("姓名"))
        if not name:
            return None
        same = list(Contact.objects.filter(partner=partner, name=name)[:2])
        if len(same) > 1:
            raise ValidationError(
                _("%(partner)s has several contacts named “%(name)s”: change them on its page.")
                % {"partner": partner, "name": name}
            )
        return same[0] if same else None

    def init_instance(self, row: dict | None = None) -> Contact:
        return Contact(partner=self._partner(row or {}))

    def before_save_instance(self, instance: Contact, row: dict, **kwargs: Any) -> None:
        # Defence in depth: whatever the file said, the contact's partner is the committee's.
        if instance.partner.committee_id != self.current_committee.pk:
            raise ValidationError(_("This row belongs to another committee."))

    def filter_export(self, queryset, **kwargs: Any):
        """The contacts of the partners the export page chose (it lists partners)."""
        if queryset.model is PartnerOrganisation:
            queryset = Contact.objects.filter(partner__in=queryset)
        return queryset.select_related("partner__committee").order_by("partner__name", "name")


_MONTH = re.compile(r"^(\d{1,2})\s*月$")
_QUARTER = re.compile(r"^(?:第\s*)?([1-4一二三四])\s*季度$|^Q\s*([1-4])$", re.IGNORECASE)
_CHINESE_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4}


class PeriodWidget(widgets.Widget):
    """The planned month or quarter as people write it: ``3月``, ``第2季度``, ``二季度``,
    ``Q2``; exported as ``3月`` or ``第2季度``. Cleans to ``(period_kind, period)``."""

    def clean(self, value: Any, row: dict | None = None, **kwargs: Any) -> tuple[str, int]:
        text = normalise_text_cell(value).replace(" ", "")
        if match := _MONTH.match(text):
            month = int(match.group(1))
            if 1 <= month <= 12:
                return PeriodKind.MONTH, month
        elif match := _QUARTER.match(text):
            digit = match.group(1) or match.group(2)
            return PeriodKind.QUARTER, _CHINESE_DIGITS.get(digit) or int(digit)
        raise ValueError(
            _("“%(value)s” is not a month or a quarter such as 3月 or 第2季度.") % {"value": text}
        )

    @staticmethod
    def label(item: PlanItem) -> str:
        if item.period_kind == PeriodKind.MONTH:
            return f"{item.period}月"
        return f"第{item.period}季度"


class MeasureWidget(widgets.Widget):
    """A measure of the committee's framework, by its code (``M2``) or its title (组织联建)."""

    def __init__(self, resource: CommitteeRosterResource) -> None:
        super().__init__()
        self.resource = resource

    def clean(self, value: Any, row: dict | None = None, **kwargs: Any) -> Measure:
        text = normalise_text_cell(value)
        if not text:
            raise ValueError(_("Name the measure, by its code or its title."))
        measures = Measure.objects.filter(committee=self.resource.current_committee)
        found = measures.filter(Q(code__iexact=text) | Q(title=text)).first()
        if found is None:
            raise ValueError(
                _("%(committee)s has no measure “%(name)s”.")
                % {"committee": self.resource.current_committee, "name": text}
            )
        return found

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return value.title if value else ""


class PartnerNamesWidget(widgets.ManyToManyWidget):
    """Partner units by name, separated by 、 ， ; or ；, looked up in the row's committee."""

    SEPARATORS = re.compile(r"[、,，;；\n]+")

    def __init__(self, resource: CommitteeRosterResource) -> None:
        super().__init__(PartnerOrganisation, field="name")
        self.resource = resource

    def clean(self, value: Any, row: dict | None = None, **kwargs: Any) -> list:
        names = [n.strip() for n in self.SEPARATORS.split(normalise_text_cell(value))]
        names = list(dict.fromkeys(n for n in names if n))
        if not names:
            return []
        partners = PartnerOrganisation.objects.for_admin_user(self.resource.user).in_committee(
            self.resource.current_committee.pk
        )
        found = {p.name: p for p in partners.filter(name__in=names)}
        missing = [n for n in names if n not in found]
        if missing:
            raise ValueError(
                _("%(committee)s has no partner organisation named %(names)s.")
                % {"committee": self.resource.current_committee, "names": "、".join(missing)}
            )
        return [found[n] for n in names]

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        if value is None:
            return ""
        return "、".join(p.name for p in value.all())


class PlanItemResource(CommitteeRosterResource):
    """The items of yearly plans 年度共建计划, one a row (the plan must exist: created in the
    admin, or by a renewal)."""

    committee = Field(
        attribute="plan__partnership__committee__name", column_name=COMMITTEE_COLUMN, readonly=True
    )
    partnership = Field(attribute="plan__partnership__title", column_name="共建关系", readonly=True)
    year = Field(attribute="plan__year", column_name="年度", readonly=True)
    position = Field(attribute="position", column_name="顺序", widget=widgets.IntegerWidget())
    title = Field(attribute="title", column_name="计划事项", widget=TextWidget())
    measure = Field(attribute="measure", column_name="举措")
    period = Field(column_name="计划时间", widget=PeriodWidget())
    branch = Field(attribute="branch", column_name="负责支部")
    partners = Field(attribute="partners", column_name="共建单位", m2m_add=False)

    column_help = (
        (COMMITTEE_COLUMN, gettext_lazy("Only if you administer several committees.")),
        ("共建关系", gettext_lazy("Required: the partnership's title, as in the admin.")),
        ("年度", gettext_lazy("Required: the plan's year, e.g. 2025; the plan must exist.")),
        ("顺序", gettext_lazy("Optional: the item's place in the plan.")),
        ("计划事项", gettext_lazy("Required; with the plan and the time, identifies the item.")),
        ("举措", gettext_lazy("Required: the measure's code or title, e.g. M1 or 理论联学.")),
        ("计划时间", gettext_lazy("Required: a month or a quarter, e.g. 3月 or 第2季度.")),
        ("负责支部", gettext_lazy("The branch's name; empty: the committee itself.")),
        (
            "共建单位",
            gettext_lazy("Partners of the partnership, separated by 、; empty: none named."),
        ),
    )

    class Meta:
        name = gettext_lazy("Plan items")
        model = PlanItem
        fields = (
            "committee",
            "partnership",
            "year",
            "position",
            "title",
            "measure",
            "period",
            "branch",
            "partners",
        )
        export_order = fields
        import_id_fields = ()
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def __init__(self, user: Any = None, **kwargs: Any) -> None:
        super().__init__(user=user, **kwargs)
        self.fields["measure"].widget = MeasureWidget(self)
        self.fields["branch"].widget = InCommitteeWidget(Branch, self)
        self.fields["partners"].widget = PartnerNamesWidget(self)
        self.seen: dict[tuple, int] = {}

    def _plan(self, row: dict) -> YearPlan:
        title = normalise_text_cell(row.get("共建关系"))
        year = normalise_text_cell(row.get("年度"))
        if not title or not year.isdigit():
            raise ValidationError(_("Name the partnership (共建关系) and the year (年度)."))
        plans = YearPlan.objects.for_admin_user(self.user).filter(
            partnership__committee=self.current_committee,
            partnership__title=title,
            year=int(year),
        )
        found = list(plans[:2])
        if not found:
            raise ValidationError(
                _("“%(title)s” has no plan for %(year)s: create the plan in the admin first.")
                % {"title": title, "year": year}
            )
        if len(found) > 1:
            raise ValidationError(
                _("Several partnerships titled “%(title)s” have a plan for %(year)s: rename one.")
                % {"title": title, "year": year}
            )
        return found[0]

    def _period(self, row: dict) -> tuple[str, int]:
        try:
            return self.fields["period"].widget.clean(row.get("计划时间"))
        except ValueError as error:
            raise ValidationError({"period": str(error)}) from None

    def before_import_row(self, row: dict, **kwargs: Any) -> None:
        super().before_import_row(row, **kwargs)
        key = (
            normalise_text_cell(row.get("共建关系")),
            normalise_text_cell(row.get("年度")),
            normalise_text_cell(row.get("计划事项")),
            normalise_text_cell(row.get("计划时间")),
        )
        number = kwargs.get("row_number") or len(self.seen) + 1
        if all(key) and key in self.seen:
            raise ValidationError(
                _("“%(title)s” in %(period)s is already in row %(row)s of this file.")
                % {"title": key[2], "period": key[3], "row": self.seen[key]}
            )
        self.seen.setdefault(key, number)

    def find_existing(self, row: dict) -> PlanItem | None:
        plan = self._plan(row)
        title = normalise_text_cell(row.get("计划事项"))
        if not title:
            return None
        kind, period = self._period(row)
        return plan.items.filter(title=title, period_kind=kind, period=period).first()

    def init_instance(self, row: dict | None = None) -> PlanItem:
        return PlanItem(plan=self._plan(row or {}))

    def import_instance(self, instance: PlanItem, row: dict, **kwargs: Any) -> None:
        errors: dict[str, Any] = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        try:
            instance.period_kind, instance.period = self._period(row)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if "共建单位" in row:
            try:
                partners = self.fields["partners"].widget.clean(row.get("共建单位"), row)
            except ValueError as error:
                errors["partners"] = [str(error)]
            else:
                outside = partners_outside(instance.plan.partnership, partners)
                if outside:
                    errors["partners"] = [
                        _("%(names)s are not partners of “%(partnership)s”.")
                        % {
                            "names": "、".join(p.name for p in outside),
                            "partnership": instance.plan.partnership,
                        }
                    ]
        if errors:
            raise ValidationError(errors)

    def import_field(self, field: Field, instance: Any, row: dict, is_m2m: bool = False, **kw):
        if field.column_name == "计划时间":
            return  # set with its kind by import_instance
        if field.column_name == "顺序" and normalise_text_cell(row.get("顺序")) == "":
            return  # keeps the stored (or default) order
        super().import_field(field, instance, row, is_m2m, **kw)

    def before_save_instance(self, instance: PlanItem, row: dict, **kwargs: Any) -> None:
        # Defence in depth: whatever the file said, the item stays in its committee.
        if instance.plan.partnership.committee_id != self.current_committee.pk:
            raise ValidationError(_("This row belongs to another committee."))

    def dehydrate_period(self, item: PlanItem) -> str:
        return PeriodWidget.label(item)

    def filter_export(self, queryset, **kwargs: Any):
        """The items of the plans the export page chose (it lists plans)."""
        if queryset.model is YearPlan:
            queryset = PlanItem.objects.filter(plan__in=queryset)
        return (
            queryset.select_related("plan__partnership__committee", "measure", "branch")
            .prefetch_related("partners")
            .order_by("plan__partnership__title", "-plan__year", "position", "pk")
        )
