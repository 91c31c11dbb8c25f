"""Admin for partner organisations (with contacts) and partnerships (with their partners)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from branches.admin import RelatedOnly, ScopedHistoryAdmin, ScopedRosterAdmin
from partnerships.models import Contact, PartnerOrganisation, Partnership, PartnershipMember
from partnerships.resources import PartnerOrganisationResource
from portal.admin_scoping import CommitteeScopedInlineMixin, MaskedPhoneFormMixin


class ContactForm(MaskedPhoneFormMixin, forms.ModelForm):
    class Meta:
        model = Contact
        fields = ("name", "title", "phone", "email")


class ContactInline(CommitteeScopedInlineMixin, admin.TabularInline):
    model = Contact
    form = ContactForm
    extra = 0


@admin.register(PartnerOrganisation)
class PartnerOrganisationAdmin(ScopedRosterAdmin):
    resource_classes = [PartnerOrganisationResource]
    inlines = [ContactInline]
    list_display = ("name", "kind", "city", "has_party_organisation", "is_active", "committee")
    list_filter = ("kind", "is_active", "has_party_organisation", ("committee", RelatedOnly))
    search_fields = ("name", "city", "notes", "contacts__name")


class PartnershipMemberInline(CommitteeScopedInlineMixin, admin.TabularInline):
    model = PartnershipMember
    autocomplete_fields = ("partner",)
    extra = 0


@admin.register(Partnership)
class PartnershipAdmin(ScopedHistoryAdmin):
    inlines = [PartnershipMemberInline]
    list_display = ("title", "kind", "branch", "starts_on", "ends_on", "status_label", "committee")
    list_filter = ("kind", ("branch", RelatedOnly), ("committee", RelatedOnly))
    list_select_related = ("branch", "committee")
    search_fields = ("title", "commitments", "partners__name")
    autocomplete_fields = ("branch",)
    date_hierarchy = "starts_on"

    @admin.display(description=_("status"))
    def status_label(self, partnership: Partnership) -> str:
        return partnership.get_status_display()
