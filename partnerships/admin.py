"""Admin for partner organisations (with contacts) and partnerships (with their partners)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from branches.admin import RelatedOnly, ScopedHistoryAdmin, ScopedRosterAdmin
from partnerships.models import Contact, PartnerOrganisation, Partnership, PartnershipMember
from partnerships.resources import ContactResource, PartnerOrganisationResource
from portal.admin.archive import ArchiveAdminMixin
from portal.admin.scoping import CommitteeScopedInlineMixin, MaskedPhoneFormMixin


class ContactForm(MaskedPhoneFormMixin, forms.ModelForm):
    class Meta:
        model = Contact
        fields = ("name", "title", "phone", "email")


class ContactInline(CommitteeScopedInlineMixin, admin.TabularInline):
    model = Contact
    form = ContactForm
    fields = ("name", "title", "phone", "reveal_phone", "email")
    readonly_fields = ("reveal_phone",)
    extra = 0

    @admin.display(description="")
    def reveal_phone(self, contact: Contact) -> str:
        """A button posting the page's form (with its CSRF token) to the audited reveal.

        A form cannot sit inside the change form; ``formaction`` sends this one button's
        submission elsewhere, without a script. The inline shows only contacts of partners
        the user administers, and the reveal view checks that again.
        """
        if contact is None or not contact.pk or not contact.phone:
            return ""
        return format_html(
            '<button type="submit" class="button" formaction="{}" formmethod="post" '
            "formnovalidate>{}</button>",
            reverse("partnerships:contact_phone_reveal", args=[contact.pk]),
            _("Reveal phone number"),
        )


@admin.register(PartnerOrganisation)
class PartnerOrganisationAdmin(ArchiveAdminMixin, ScopedRosterAdmin):
    resource_classes = [PartnerOrganisationResource, ContactResource]
    inlines = [ContactInline]
    list_display = ("name", "kind", "city", "has_party_organisation", "is_active", "committee")
    list_filter = ("kind", "is_active", "has_party_organisation", ("committee", RelatedOnly))
    search_fields = ("name", "city", "notes", "contacts__name")


class PartnershipMemberInline(CommitteeScopedInlineMixin, admin.TabularInline):
    model = PartnershipMember
    autocomplete_fields = ("partner",)
    extra = 0


@admin.register(Partnership)
class PartnershipAdmin(ArchiveAdminMixin, ScopedHistoryAdmin):
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
