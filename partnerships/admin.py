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
        fields = ("name", "title", "phone", "email", "is_primary")


class ContactInline(CommitteeScopedInlineMixin, admin.TabularInline):
    model = Contact
    form = ContactForm
    fields = ("name", "title", "phone", "reveal_phone", "email", "is_primary", "page_links")
    readonly_fields = ("reveal_phone", "page_links")
    extra = 0

    class Media:
        css = {"all": ("css/admin-roster.css",)}

    # A heading of its own: a cell with a button under an empty heading is one a screen reader
    # cannot place (axe's td-has-header).
    @admin.display(description=_("Full number"))
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

    @admin.display(description=_("partner's own page"))
    def page_links(self, contact: Contact) -> str:
        """Where the committee admin gives this contact a link to their unit's own page (a
        portal page: the link and its QR code are shown once), and withdraws it."""
        if contact is None or not contact.pk:
            return ""
        return format_html(
            '<a href="{}">{}</a>',
            reverse("partners:page_links", args=[contact.pk]),
            _("Links to the unit's page"),
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


class BelongsTo:
    BRANCH = "branch"
    COMMITTEE = "committee"


class PartnershipForm(forms.ModelForm):
    """The partnership, asked first whether it is a branch's or the committee's own: the
    branch field is shown (``static/css/admin-roster.css``) and required only for a branch's."""

    belongs_to = forms.ChoiceField(
        label=_("Belongs to"),
        choices=[(BelongsTo.BRANCH, _("a branch")), (BelongsTo.COMMITTEE, _("the committee"))],
        widget=forms.RadioSelect,
        help_text=_("A pairing of one branch, or a partnership of the committee itself."),
    )

    class Meta:
        model = Partnership
        fields = (
            "committee",
            "branch",
            "kind",
            "title",
            "starts_on",
            "ends_on",
            "agreement",
            "commitments",
        )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial["belongs_to"] = (
                BelongsTo.BRANCH if self.instance.branch_id else BelongsTo.COMMITTEE
            )

    def clean(self):
        cleaned = super().clean()
        belongs_to, branch = cleaned.get("belongs_to"), cleaned.get("branch")
        if belongs_to == BelongsTo.BRANCH and branch is None and "branch" not in self.errors:
            self.add_error("branch", _("Choose the branch the partnership belongs to."))
        if belongs_to == BelongsTo.COMMITTEE and branch is not None:
            self.add_error(
                "branch",
                _(
                    "A partnership of the committee has no branch: empty this field, or choose "
                    "“a branch” above."
                ),
            )
        return cleaned


@admin.register(Partnership)
class PartnershipAdmin(ArchiveAdminMixin, ScopedHistoryAdmin):
    form = PartnershipForm
    inlines = [PartnershipMemberInline]
    list_display = ("title", "kind", "branch", "starts_on", "ends_on", "status_label", "committee")
    list_filter = ("kind", ("branch", RelatedOnly), ("committee", RelatedOnly))
    list_select_related = ("branch", "committee")
    search_fields = ("title", "commitments", "partners__name")
    autocomplete_fields = ("branch",)
    date_hierarchy = "starts_on"

    class Media:
        css = {"all": ("css/admin-roster.css",)}

    def get_fields(self, request, obj=None):
        # 归属 right before the branch it decides about.
        fields = [name for name in super().get_fields(request, obj) if name != "belongs_to"]
        at = fields.index("branch") if "branch" in fields else len(fields)
        return [*fields[:at], "belongs_to", *fields[at:]]

    @admin.display(description=_("status"))
    def status_label(self, partnership: Partnership) -> str:
        return partnership.get_status_display()
