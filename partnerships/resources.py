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
          maintained on the partner's admin page
======== ==================================================================================
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy
from import_export.fields import Field

from branches.resources import (
    COMMITTEE_COLUMN,
    ChoiceWidget,
    CommitteeRosterResource,
    TextWidget,
    YesNoWidget,
)
from partnerships.models import PartnerKind, PartnerOrganisation
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
        ("联系人", gettext_lazy("Export only; contacts are edited on the partner's page.")),
    )

    class Meta:
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
