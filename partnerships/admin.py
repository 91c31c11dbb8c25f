"""Admin for partner organisations (with contacts), partnerships (with their partners and
signed files; renewed 续签 from their change page) and their yearly plans (with items)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from branches.admin import RelatedOnly, ScopedHistoryAdmin, ScopedRosterAdmin
from partnerships.models import (
    AgreementFile,
    Contact,
    PartnerOrganisation,
    Partnership,
    PartnershipMember,
    PlanItem,
    YearPlan,
    partners_outside,
)
from partnerships.resources import (
    ContactResource,
    PartnerOrganisationResource,
    PlanItemResource,
)
from partnerships.selectors import plan_progress
from partnerships.services import partnership_renew
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
            "goals",
            "measures",
            "activities_per_quarter",
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
        committee = cleaned.get("committee")
        if committee is not None:
            for name in ("goals", "measures"):
                if any(row.committee_id != committee.pk for row in cleaned.get(name) or ()):
                    self.add_error(name, _("Choose among the committee's own framework."))
        return cleaned


class AgreementFileInline(CommitteeScopedInlineMixin, admin.TabularInline):
    """The signed versions kept: each stored under ``partnerships/`` and served, like the
    agreement itself, only to those who may see the partnership (``portal.core.files``)."""

    model = AgreementFile
    fields = ("version", "file", "note", "uploaded_at", "uploaded_by")
    readonly_fields = ("uploaded_at", "uploaded_by")
    extra = 0


class RenewForm(forms.Form):
    starts_on = forms.DateField(
        label=_("new term starts on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=_("new term ends on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: open-ended."),
    )

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("A partnership cannot end before it starts."))
        return cleaned


def _next_term(partnership: Partnership) -> dict[str, dt.date]:
    """The renewal form's suggestion: the day after the end, for as long as the old term."""
    if partnership.ends_on is None:
        return {}
    starts_on = partnership.ends_on + dt.timedelta(days=1)
    return {
        "starts_on": starts_on,
        "ends_on": starts_on + (partnership.ends_on - partnership.starts_on),
    }


@admin.register(Partnership)
class PartnershipAdmin(ArchiveAdminMixin, ScopedHistoryAdmin):
    form = PartnershipForm
    inlines = [PartnershipMemberInline, AgreementFileInline]
    readonly_fields = ("term_links",)
    list_display = ("title", "kind", "branch", "starts_on", "ends_on", "status_label", "committee")
    list_filter = ("kind", ("branch", RelatedOnly), ("committee", RelatedOnly))
    list_select_related = ("branch", "committee")
    search_fields = ("title", "commitments", "partners__name")
    autocomplete_fields = ("branch", "goals", "measures")
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

    @admin.display(description=_("term"))
    def term_links(self, partnership: Partnership) -> str:
        """The previous and the next term, and the way to renew 续签 when there is none."""
        if partnership is None or not partnership.pk:
            return "—"
        parts = []
        if partnership.renewed_from_id:
            parts.append(
                format_html(
                    '{} <a href="{}">{}</a>',
                    gettext("Renewed from"),
                    reverse(
                        "admin:partnerships_partnership_change", args=[partnership.renewed_from_id]
                    ),
                    partnership.renewed_from,
                )
            )
        renewal = Partnership.all_objects.filter(renewed_from=partnership).first()
        if renewal is not None:
            parts.append(
                format_html(
                    '{} <a href="{}">{}</a>',
                    gettext("Renewed as"),
                    reverse("admin:partnerships_partnership_change", args=[renewal.pk]),
                    f"{renewal} ({renewal.starts_on.isoformat()})",
                )
            )
        else:
            parts.append(
                format_html(
                    '<a class="button" href="{}">{}</a>',
                    reverse("admin:partnerships_partnership_renew", args=[partnership.pk]),
                    gettext("Renew for a next term"),
                )
            )
        return format_html_join(" · ", "{}", ((part,) for part in parts))

    def get_urls(self):
        view = self.admin_site.admin_view(self.renew_view)
        view.model_admin = self  # as Django's own admin views carry it
        renew = path("<path:object_id>/renew/", view, name="partnerships_partnership_renew")
        return [renew, *super().get_urls()]

    def renew_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """续签: the next term from this one (``services.partnership_renew``), its dates asked
        on a small form; a refusal is said on the form and nothing is written."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not (self.has_add_permission(request) and self.has_change_permission(request, obj)):
            raise PermissionDenied
        form = RenewForm(request.POST or None, initial=_next_term(obj))
        if request.method == "POST" and form.is_valid():
            try:
                new = partnership_renew(
                    obj,
                    starts_on=form.cleaned_data["starts_on"],
                    ends_on=form.cleaned_data["ends_on"],
                    by=request.user,
                )
            except ValidationError as exc:
                for message in exc.messages:
                    self.message_user(request, message, messages.ERROR)
            else:
                self.message_user(
                    request,
                    gettext(
                        "Renewed: the next term of “%(title)s” starts on %(date)s. Its plan was "
                        "copied as a draft: adjust it, then adopt it."
                    )
                    % {"title": new.title, "date": new.starts_on.isoformat()},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:partnerships_partnership_change", args=[new.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Renew “%(title)s”") % {"title": obj.title},
            "opts": self.opts,
            "original": obj,
            "form": form,
            "change_url": reverse("admin:partnerships_partnership_change", args=[obj.pk]),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/partnerships/partnership_renew.html", context)

    def save_formset(self, request, form, formset, change):
        if formset.model is AgreementFile:
            for row in formset.save(commit=False):
                if row.pk is None:
                    row.uploaded_by = request.user
                row.save()
            for row in formset.deleted_objects:
                row.delete()
            formset.save_m2m()
            return
        super().save_formset(request, form, formset, change)


class PlanItemForm(forms.ModelForm):
    class Meta:
        model = PlanItem
        fields = ("position", "title", "measure", "period_kind", "period", "branch", "partners")

    def clean(self):
        cleaned = super().clean()
        plan = cleaned.get("plan") or getattr(self.instance, "plan", None)
        partnership = plan.partnership if plan is not None and plan.partnership_id else None
        if partnership is not None:
            outside = partners_outside(partnership, cleaned.get("partners") or ())
            if outside:
                self.add_error(
                    "partners",
                    _("%(names)s are not partners of “%(partnership)s”.")
                    % {"names": "、".join(p.name for p in outside), "partnership": partnership},
                )
        return cleaned


class PlanItemInline(CommitteeScopedInlineMixin, admin.TabularInline):
    model = PlanItem
    form = PlanItemForm
    autocomplete_fields = ("measure", "branch", "partners")
    extra = 0


@admin.register(YearPlan)
class YearPlanAdmin(ScopedRosterAdmin):
    """Yearly plans 年度共建计划, their items edited on the plan's page and imported or
    exported as a spreadsheet (one item a row: ``resources.PlanItemResource``)."""

    resource_classes = [PlanItemResource]
    inlines = [PlanItemInline]
    list_display = ("__str__", "year", "status", "partnership")
    list_filter = ("status", "year")
    list_select_related = ("partnership",)
    search_fields = ("partnership__title", "note", "items__title")
    autocomplete_fields = ("partnership",)
    fields = ("partnership", "year", "status", "note", "progress")
    readonly_fields = ("progress",)

    @admin.display(description=_("progress"))
    def progress(self, plan: YearPlan) -> str:
        if plan is None or not plan.pk:
            return "—"
        progress = plan_progress(plan)
        return gettext("%(done)s of %(planned)s items done, %(overdue)s overdue") % {
            "done": progress.done,
            "planned": progress.planned,
            "overdue": progress.overdue,
        }
