"""Admin for the framework (goals, measures), joint activities (with attachments), honours."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from activities.models import Activity, Attachment, Framework, Goal, Honour, Measure
from branches.admin import RelatedOnly, ScopedAdmin, ScopedHistoryAdmin
from partnerships.models import Partnership
from portal.admin.archive import ArchiveAdminMixin
from portal.admin.scoping import CommitteeScopedInlineMixin


@admin.register(Framework)
class FrameworkAdmin(ScopedAdmin):
    list_display = ("name", "main_line", "committee")
    search_fields = ("name", "name_en", "main_line")


class FrameworkItemAdmin(ScopedAdmin):
    list_display = ("position", "code", "title", "title_en", "committee")
    list_display_links = ("code", "title")
    list_filter = (("committee", RelatedOnly),)
    search_fields = ("code", "title", "title_en")
    ordering = ("committee", "position")


@admin.register(Goal)
class GoalAdmin(FrameworkItemAdmin):
    pass


@admin.register(Measure)
class MeasureAdmin(FrameworkItemAdmin):
    list_display = ("position", "code", "title", "subtitle", "title_en", "committee")
    search_fields = ("code", "title", "subtitle", "title_en")


class AttachmentInline(CommitteeScopedInlineMixin, admin.TabularInline):
    """Files are added in the portal, where they are checked by content and photos are
    re-encoded (``activities.uploads``); here they can be re-captioned or removed."""

    model = Attachment
    fields = ("file", "kind", "caption", "uploaded_by", "uploaded_at")
    readonly_fields = ("file", "uploaded_by", "uploaded_at")
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False


class ActivityAdminForm(forms.ModelForm):
    class Meta:
        model = Activity
        fields = (
            "committee",
            "title",
            "kind",
            "status",
            "branch",
            "co_branches",
            "starts_at",
            "ends_at",
            "location",
            "measure",
            "goals",
            "partners",
            "partnership",
            "attendees",
            "external_participants",
            "volunteers",
            "beneficiaries",
            "summary",
            "outcome",
            "review_comment",
        )

    def clean(self):
        cleaned = super().clean()
        committee = cleaned.get("committee") or getattr(self.instance, "committee", None)
        if committee is not None and not self.errors:
            # The many-to-many rules the model states but clean() cannot check; the instance
            # gets the form's committee and branch first (the form sets them only later).
            self.instance.committee = committee
            self.instance.branch = cleaned.get("branch")
            self.instance.validate_relations(
                partners=cleaned.get("partners") or [],
                attendees=cleaned.get("attendees") or [],
                co_branches=cleaned.get("co_branches") or [],
                goals=cleaned.get("goals") or [],
            )
        return cleaned


class HonourAdminForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        committee = cleaned.get("committee") or getattr(self.instance, "committee", None)
        if committee is not None and not self.errors:
            self.instance.committee = committee
            self.instance.awarded_on = cleaned.get("awarded_on")
            self.instance.validate_relations(activities=cleaned.get("activities") or [])
        return cleaned


@admin.register(Activity)
class ActivityAdmin(ArchiveAdminMixin, ScopedHistoryAdmin):
    form = ActivityAdminForm
    inlines = [AttachmentInline]
    list_display = ("title", "branch", "measure", "kind", "starts_at", "status", "committee")
    list_filter = (
        "status",
        "kind",
        ("measure", RelatedOnly),
        ("branch", RelatedOnly),
        ("committee", RelatedOnly),
    )
    list_select_related = ("branch", "measure", "committee")
    search_fields = ("title", "location", "summary", "outcome")
    autocomplete_fields = (
        "branch",
        "co_branches",
        "measure",
        "goals",
        "partners",
        "partnership",
        "attendees",
    )
    # The status and the review fields are read-only here: submitting, approving, returning
    # and reopening happen in the portal (activities.services.activity_transition), which
    # records who did it, when and why. The admin never changes them by hand.
    readonly_fields = (
        "status",
        "review_comment",
        "created_by",
        "submitted_at",
        "reviewed_by",
        "reviewed_at",
        "created_at",
        "updated_at",
    )
    date_hierarchy = "starts_at"

    #: What only the review workflow writes. Reverting to an old version (history) must not
    #: bring back an old status or reviewer, so a change keeps the live row's values.
    workflow_fields = (
        "status",
        "review_comment",
        "submitted_at",
        "reviewed_by_id",
        "reviewed_at",
        "created_by_id",
    )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "partnership":
            # An activity keeps its archived partnership when it is saved here: the field
            # accepts it (autocomplete still offers live partnerships only).
            kwargs["queryset"] = Partnership.all_objects.for_admin_user(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        live = Activity.objects.filter(pk=obj.pk).values(*self.workflow_fields, "version").first()
        if change and live is not None:
            for name, value in live.items():
                setattr(obj, name, value)
            obj.version = live["version"] + 1  # a portal form opened before this is now stale
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        for attachment in formset.save(commit=False):
            if isinstance(attachment, Attachment) and attachment.uploaded_by_id is None:
                attachment.uploaded_by = request.user
            attachment.save()
        for attachment in formset.deleted_objects:
            attachment.delete()
        formset.save_m2m()


@admin.register(Honour)
class HonourAdmin(ScopedAdmin):
    form = HonourAdminForm
    list_display = ("title", "level", "branch", "awarding_body", "awarded_on", "committee")
    list_filter = ("level", ("branch", RelatedOnly), ("committee", RelatedOnly))
    list_select_related = ("branch", "committee")
    search_fields = ("title", "awarding_body", "description")
    autocomplete_fields = ("branch", "activities")
    date_hierarchy = "awarded_on"
