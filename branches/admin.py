"""Admin for committees, project sites, branches, members, roles and the audit log.

Every admin here is committee-scoped (``portal.admin.scoping``): a committee admin sees and
changes only their committee's rows; a superuser sees every committee.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ImportForm, SelectableFieldsExportForm
from simple_history.admin import SimpleHistoryAdmin

from branches.access import scope_for
from branches.models import (
    AuditEntry,
    Branch,
    BranchRole,
    Committee,
    CommitteeRole,
    Member,
    ProjectSite,
    audit_object_type_label,
)
from branches.resources import MemberResource
from branches.services import (
    branch_role_assign,
    branch_role_update,
    branch_rows_delete,
    committee_role_grant,
    member_link_user,
)
from portal.admin.formats import FormatNamesMixin, FormulaSafeCSV, FormulaSafeXLSX
from portal.admin.scoping import (
    AuditedImportExportMixin,
    CommitteeScopedAdminMixin,
    MaskedPhoneFormMixin,
    ScopedHistoryMixin,
)
from portal.templatetags.people import person_name

RelatedOnly = admin.RelatedOnlyFieldListFilter


class ScopedAdmin(CommitteeScopedAdminMixin, admin.ModelAdmin):
    """A plain committee-scoped admin."""


class ScopedHistoryAdmin(CommitteeScopedAdminMixin, ScopedHistoryMixin, SimpleHistoryAdmin):
    """A committee-scoped admin with change history (who, when, what; revert)."""


class RosterImportForm(FormatNamesMixin, ImportForm):
    pass


class ColumnNameExportForm(FormatNamesMixin, SelectableFieldsExportForm):
    """The export page's column checkboxes read as the spreadsheet's Chinese headers
    (import-export would write "Active From (转入日期)")."""

    def _get_field_label(self, resource, field_name: str) -> str:
        field = resource.fields.get(field_name)
        if field is not None and field.column_name:
            return str(field.column_name)
        return super()._get_field_label(resource, field_name)


class ScopedRosterAdmin(
    CommitteeScopedAdminMixin,
    ScopedHistoryMixin,
    AuditedImportExportMixin,
    ImportExportMixin,
    SimpleHistoryAdmin,
):
    """A committee-scoped admin with history and audited CSV/XLSX import and export."""

    export_form_class = ColumnNameExportForm
    import_form_class = RosterImportForm
    import_formats = [CSV, XLSX]
    # A name such as =HYPERLINK(…) is exported as text, never as a live formula.
    export_formats = [FormulaSafeCSV, FormulaSafeXLSX]
    # With a byte-order mark Chinese Excel and WPS open the CSV as UTF-8, not as GB18030.
    to_encoding = "utf-8-sig"


@admin.register(Committee)
class CommitteeAdmin(ScopedAdmin):
    list_display = (
        "name",
        "short_name",
        "organisation",
        "founded_on",
        "allow_self_review",
        "partner_confirmation_required",
    )
    search_fields = ("name", "short_name", "organisation")


@admin.register(ProjectSite)
class ProjectSiteAdmin(ScopedAdmin):
    list_display = ("name", "city", "region", "domain", "stage", "committee")
    list_filter = ("stage", "domain", "region", ("committee", RelatedOnly))
    search_fields = ("name", "city")


@admin.register(Branch)
class BranchAdmin(ScopedAdmin):
    list_display = (
        "name",
        "short_name",
        "member_count",
        "established_on",
        "sort_order",
        "committee",
    )
    list_filter = (("committee", RelatedOnly),)
    search_fields = ("name", "short_name")
    autocomplete_fields = ("project_sites",)
    ordering = ("committee", "sort_order", "name")

    def get_queryset(self, request):
        # Current members only (not those transferred out), as the home page counts them.
        current = (
            Member.objects.current()
            .filter(branch=OuterRef("pk"))
            .order_by()
            .values("branch")
            .annotate(total=Count("pk"))
            .values("total")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(current_member_total=Coalesce(Subquery(current), 0))
        )

    @admin.display(description=_("current members"), ordering="current_member_total")
    def member_count(self, branch: Branch) -> int:
        return branch.current_member_total


class MemberAdminForm(MaskedPhoneFormMixin, forms.ModelForm):
    class Meta:
        model = Member
        fields = (
            "committee",
            "branch",
            "name",
            "member_number",
            "gender",
            "status",
            "joined_party_on",
            "post",
            "phone",
            "active_from",
            "active_to",
            "user",
        )


class _DeletesThroughService:
    """Members and roles are deleted by ``branch_rows_delete``, which keeps login groups right."""

    def delete_model(self, request, obj):
        branch_rows_delete(queryset=type(obj)._default_manager.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        branch_rows_delete(queryset=queryset)


@admin.register(Member)
class MemberAdmin(_DeletesThroughService, ScopedRosterAdmin):
    form = MemberAdminForm
    resource_classes = [MemberResource]
    list_display = (
        "name",
        "branch",
        "member_number",
        "gender",
        "status",
        "joined_party_on",
        "post",
        "phone_masked",
        "active_from",
        "active_to",
        "committee",
    )
    list_filter = ("status", "gender", ("branch", RelatedOnly), ("committee", RelatedOnly))
    list_select_related = ("branch", "committee")
    search_fields = ("name", "member_number", "post", "branch__name")
    autocomplete_fields = ("branch",)

    @admin.display(description=_("mobile phone"))
    def phone_masked(self, member: Member) -> str:
        return member.masked_phone

    def save_model(self, request, obj, form, change):
        if "user" not in form.changed_data:
            super().save_model(request, obj, form, change)
            return
        # Linking a login goes through the service: a login whose member already holds a
        # branch role joins the editor group (and an unlinked one leaves it).
        self.assign_committee(request, obj)
        member_link_user(member=obj, user=obj.user)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["can_reveal_phone"] = bool(
            obj is not None
            and obj.pk
            and obj.phone
            and scope_for(request.user).administers_committee(obj.committee_id)
        )
        return super().render_change_form(request, context, add, change, form_url, obj)


@admin.register(BranchRole)
class BranchRoleAdmin(_DeletesThroughService, ScopedHistoryAdmin):
    list_display = ("member", "role", "branch", "starts_on", "ends_on")
    list_filter = ("role", ("branch", RelatedOnly))
    list_select_related = ("member", "branch")
    search_fields = ("member__name", "branch__name")
    autocomplete_fields = ("branch", "member")
    date_hierarchy = "starts_on"

    def save_model(self, request, obj, form, change):
        # Through the services: they validate the role and keep the holder's login in the
        # editor group (joining when a role starts, leaving when the last one has ended).
        if change:
            branch_role_update(
                branch_role=obj,
                branch=obj.branch,
                member=obj.member,
                role=obj.role,
                starts_on=obj.starts_on,
                ends_on=obj.ends_on,
            )
            return
        created = branch_role_assign(
            branch=obj.branch,
            member=obj.member,
            role=obj.role,
            starts_on=obj.starts_on,
            ends_on=obj.ends_on,
        )
        obj.pk = created.pk


@admin.register(CommitteeRole)
class CommitteeRoleAdmin(ScopedHistoryAdmin):
    list_display = ("user", "role", "committee", "starts_on", "ends_on")
    list_filter = ("role", ("committee", RelatedOnly))
    list_select_related = ("user", "committee")
    search_fields = ("user__username", "user__first_name", "user__last_name")

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        self.assign_committee(request, obj)
        # A new role goes through the service: groups and admin-site access come with it.
        granted = committee_role_grant(
            user=obj.user,
            committee=obj.committee,
            role=obj.role,
            starts_on=obj.starts_on,
            ends_on=obj.ends_on,
        )
        obj.pk = granted.pk


class ObjectTypeFilter(admin.SimpleListFilter):
    title = _("object type")
    parameter_name = "object_type"

    def lookups(self, request, model_admin):
        types = (
            model_admin.get_queryset(request)
            .order_by()
            .values_list("object_type", flat=True)
            .distinct()
        )
        return sorted((each, audit_object_type_label(each)) for each in types)

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(object_type=self.value())
        return queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(ScopedAdmin):
    """The audit log: read-only, append-only."""

    list_display = (
        "created_at",
        "person",
        "action",
        "object_type_display",
        "object_repr",
        "detail_shown",
        "ip_address",
        "committee",
    )
    list_filter = ("action", ObjectTypeFilter, ("committee", RelatedOnly))
    list_select_related = ("user", "committee")
    search_fields = ("object_repr", "user__username", "detail")
    date_hierarchy = "created_at"

    fields = (
        "created_at",
        "person",
        "committee",
        "action",
        "object_type_display",
        "object_repr",
        "detail_shown",
        "ip_address",
    )
    readonly_fields = fields

    @admin.display(description=_("user"), ordering="user__username")
    def person(self, entry: AuditEntry) -> str:
        return person_name(entry.user) or "—"

    @admin.display(description=_("detail"))
    def detail_shown(self, entry: AuditEntry) -> str:
        return entry.detail_display()

    @admin.display(description=_("object type"), ordering="object_type")
    def object_type_display(self, entry: AuditEntry) -> str:
        return audit_object_type_label(entry.object_type)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
