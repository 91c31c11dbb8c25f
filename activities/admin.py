"""Admin for the framework (goals, measures), joint activities (with attachments), honours."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.manager import SIMPLE_HISTORY_REVERSE_ATTR_NAME

from activities import services
from activities.models import (
    EDITABLE_STATUSES,
    Activity,
    Attachment,
    Framework,
    Goal,
    Honour,
    Measure,
    PartnerCheck,
)
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

    def get_list_display(self, request):
        # The English title is the English pages' text: a Chinese list shows the Chinese one.
        shown = super().get_list_display(request)
        if translation.get_language().startswith("zh"):
            shown = tuple(name for name in shown if name != "title_en")
        return shown


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
    fields = ("file_shown", "kind", "caption", "uploaded_by", "uploaded_at")
    readonly_fields = ("file_shown", "uploaded_by", "uploaded_at")
    extra = 0

    @admin.display(description=gettext_lazy("file"))
    def file_shown(self, attachment: Attachment) -> str:
        """The file by the name it was uploaded with, not its storage path."""
        if attachment is None or not attachment.file:
            return "—"
        name = attachment.original_name or attachment.file.name.rsplit("/", 1)[-1]
        return format_html('<a href="{}" translate="no">{}</a>', attachment.file.url, name)

    def has_add_permission(self, request, obj=None):
        return False

    # The files of an activity under review or approved are the reviewer's evidence.
    def has_change_permission(self, request, obj=None):
        return not activity_locked(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not activity_locked(obj) and super().has_delete_permission(request, obj)


def activity_locked(activity: Activity | None) -> bool:
    """Whether ``activity`` is under review or approved: changed only through the workflow.

    For a version from its history (the revert form), the live row's status decides.
    """
    if activity is None or activity.pk is None:
        return False
    status = activity.status
    if getattr(activity, SIMPLE_HISTORY_REVERSE_ATTR_NAME, None) is not None:
        status = (
            Activity.all_objects.filter(pk=activity.pk).values_list("status", flat=True).first()
        )
    return status is not None and status not in EDITABLE_STATUSES


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
            "no_partner_reason",
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
    list_display = (
        "title",
        "branch",
        "measure",
        "kind",
        "starts_at",
        "status",
        "partner_check",
        "committee",
    )
    list_filter = (
        "status",
        "partner_check",
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
        # The partners' confirmation is theirs (portal.partners): kept as it stands, and
        # superseded below when the facts they confirmed change here.
        "partner_check",
    )

    # --- Submitted and approved activities are read-only here --------------------------------
    # What the reviewer saw is what the dashboards count: a change goes through the workflow
    # (staff reopen it in the portal, the organiser changes it, a reviewer approves it again),
    # never silently here. The page shows such an activity read-only, without "Revert" in its
    # history; ``save_model`` refuses a forced POST.
    def has_change_permission(self, request, obj=None):
        return not activity_locked(obj) and super().has_change_permission(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            activity = self.get_object(request, unquote(object_id))
            if activity_locked(activity):
                self._say_locked(request, activity)
        return super().change_view(request, object_id, form_url, extra_context)

    def _say_locked(self, request, activity: Activity) -> None:
        self.message_user(
            request,
            format_html(
                '{} <a href="{}">{}</a>',
                _(
                    "This activity is %(status)s: it is read-only here. To correct it, "
                    "committee staff reopen it on its page in the portal; the organiser "
                    "changes it and it is reviewed again."
                )
                % {"status": activity.get_status_display()},
                reverse("activities:detail", args=[activity.pk]),
                _("Open the activity's page"),
            ),
            messages.WARNING,
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
        # Locked until the admin's transaction ends: a submission between this check and the
        # save cannot be overwritten.
        live = (
            Activity.all_objects.select_for_update()
            .filter(pk=obj.pk)
            .values(*self.workflow_fields, "version")
            .first()
        )
        if change and live is not None and live["status"] not in EDITABLE_STATUSES:
            # A forced POST, or a history revert (whose version may be an old draft).
            raise PermissionDenied(_("This activity is under review or approved."))
        if change and live is not None:
            for name, value in live.items():
                setattr(obj, name, value)
            obj.version = live["version"] + 1  # a portal form opened before this is now stale
            if live["partner_check"] != PartnerCheck.NOT_ASKED:
                # The record as the partner confirmed it, read before this save changes it:
                # compared with the saved one once the relations are saved too.
                obj.confirmed_facts = Activity.all_objects.get(pk=obj.pk).partner_facts()
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        changed = list(form.changed_data)
        if any(formset.has_changed() for formset in formsets):
            changed.append("attachments")
        services.activity_admin_change_record(
            form.instance,
            by=request.user,
            created=not change,
            changed=changed,
            confirmed_facts=getattr(form.instance, "confirmed_facts", None),
        )

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
