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
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.fields import Field

from branches.resources import (
    COMMITTEE_COLUMN,
    ChoiceWidget,
    CommitteeRosterResource,
    InCommitteeWidget,
    PhoneWidget,
    TextWidget,
    YesNoWidget,
)
from partnerships.models import Contact, PartnerKind, PartnerOrganisation
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
