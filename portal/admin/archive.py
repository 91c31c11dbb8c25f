"""The admin of an archivable model: "Delete" archives, an "Archived" page restores.

Mix ``ArchiveAdminMixin`` first into the committee-scoped admin of a ``portal.core.archiving``
model. The change list, change pages, autocomplete and choices already leave archived rows out
(the model's default manager does). This mixin

* turns the change page's "Delete" into "Archive", behind a confirmation page;
* replaces the "Delete selected" action with "Archive selected", behind a confirmation page;
* adds ``archived/``: the archived rows of the committees the user administers, newest first,
  each with a "Restore" button (a POST to ``<id>/restore/``);
* keeps a history revert from archiving or restoring a row by the back door.

Who may archive and restore: whoever may delete (a committee admin of the row's committee, a
superuser); ``portal.core.archiving`` checks the committee again.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from portal.core.archiving import row_archive, row_restore

#: Rows listed on the Archived page (newest first); older ones are found by restoring these.
ARCHIVED_PAGE_ROWS = 200


def _label(row: Any) -> str:
    return f"{row._meta.verbose_name} “{row}”"


class ArchiveAdminMixin:
    change_list_template = "admin/archive_change_list.html"

    # --- Archiving one row: the change page's "Delete" ------------------------------------
    def delete_view(self, request: HttpRequest, object_id: str, extra_context=None):
        opts = self.model._meta
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, opts, object_id)
        if not self.has_delete_permission(request, obj):
            raise PermissionDenied
        if request.method == "POST":
            try:
                row_archive(row=obj, by=request.user)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
                return HttpResponseRedirect(self._change_url(obj))
            self.message_user(
                request,
                _("%(row)s was archived. A committee admin can restore it from “Archived”.")
                % {"row": _label(obj)},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(self._url("changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Archive %(name)s?") % {"name": opts.verbose_name},
            "opts": opts,
            "object": obj,
            "refusal": obj.archive_refusal(),
            "change_url": self._change_url(obj),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/archive_confirmation.html", context)

    # --- Archiving several rows: the change list's action ----------------------------------
    def get_actions(self, request: HttpRequest):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        if self.has_delete_permission(request):
            actions["archive_selected"] = (
                ArchiveAdminMixin.archive_selected,
                "archive_selected",
                gettext_lazy("Archive selected %(verbose_name_plural)s"),
            )
        return actions

    def archive_selected(self, request: HttpRequest, queryset) -> HttpResponse | None:
        """After a confirmation page, archive each chosen row that may be archived."""
        if not self.has_delete_permission(request):
            raise PermissionDenied
        rows = list(queryset)
        if request.POST.get("post") == "yes":
            archived = 0
            for row in rows:
                try:
                    row_archive(row=row, by=request.user)
                except ValidationError as exc:
                    self.message_user(
                        request,
                        _("Not archived: %(row)s (%(reason)s)")
                        % {"row": _label(row), "reason": " ".join(exc.messages)},
                        messages.WARNING,
                    )
                else:
                    archived += 1
            if archived:
                self.message_user(
                    request,
                    _("%(count)d archived. A committee admin can restore them from “Archived”.")
                    % {"count": archived},
                    messages.SUCCESS,
                )
            return None
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "title": _("Archive %(name)s?") % {"name": opts.verbose_name_plural},
            "opts": opts,
            "rows": [(row, row.archive_refusal()) for row in rows],
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "changelist_url": self._url("changelist"),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/archive_selected_confirmation.html", context)

    # --- The Archived page and restoring -------------------------------------------------
    def get_urls(self):
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}"
        own = [
            path(
                "archived/",
                self.admin_site.admin_view(self.archived_view),
                name=f"{name}_archived",
            ),
            path(
                "<path:object_id>/restore/",
                self.admin_site.admin_view(self.restore_view),
                name=f"{name}_restore",
            ),
        ]
        # Before the model's own URLs, whose ``<path:object_id>/`` would take "archived/".
        return [*own, *super().get_urls()]

    def _archived_rows(self, request: HttpRequest):
        return (
            self.model.all_objects.for_admin_user(request.user)
            .filter(archived_at__isnull=False)
            .select_related("archived_by")
            .order_by("-archived_at", "-pk")
        )

    def archived_view(self, request: HttpRequest) -> TemplateResponse:
        if not self.has_delete_permission(request):
            raise PermissionDenied
        opts = self.model._meta
        rows = list(self._archived_rows(request)[:ARCHIVED_PAGE_ROWS])
        for row in rows:
            row.restore_url = self._url("restore", quote(row.pk))
            row.history_url = self._url("history", quote(row.pk))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Archived %(name)s") % {"name": opts.verbose_name_plural},
            "opts": opts,
            "rows": rows,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/archived_list.html", context)

    def restore_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return require_POST(self._restore)(request, object_id)

    def _restore(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if not self.has_delete_permission(request):
            raise PermissionDenied
        try:
            row = self._archived_rows(request).get(pk=unquote(object_id))
        except (self.model.DoesNotExist, ValueError, ValidationError) as exc:
            raise Http404 from exc
        try:
            row_restore(row=row, by=request.user)
        except ValidationError as exc:
            self.message_user(
                request,
                _("Not restored: %(row)s (%(reason)s)")
                % {"row": _label(row), "reason": " ".join(exc.messages)},
                messages.ERROR,
            )
            return HttpResponseRedirect(self._url("archived"))
        self.message_user(
            request, _("%(row)s was restored.") % {"row": _label(row)}, messages.SUCCESS
        )
        return HttpResponseRedirect(self._change_url(row))

    # --- A history revert edits a row; it never archives or restores it -----------------------
    def save_model(self, request, obj, form, change):
        if change:
            live = (
                self.model.all_objects.filter(pk=obj.pk)
                .values("archived_at", "archived_by_id")
                .first()
            )
            if live is not None:
                obj.archived_at = live["archived_at"]
                obj.archived_by_id = live["archived_by_id"]
        super().save_model(request, obj, form, change)

    # --- URLs ----------------------------------------------------------------------------
    def _url(self, view: str, *args: Any) -> str:
        opts = self.model._meta
        return reverse(
            f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_{view}", args=args
        )

    def _change_url(self, obj: Any) -> str:
        return self._url("change", quote(obj.pk))
