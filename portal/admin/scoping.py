"""What the Django admin shares: committee scoping, history scoping, audited import/export,
masked phone fields.

A committee admin (``is_staff`` through ``committee_role_grant``) sees and changes only the
committees they administer; a superuser sees every committee. Which rows that is, is decided
in one place, ``branches.access`` (``Model.objects.for_admin_user(user)``); this module only
routes every admin query through it: change lists and change views (``get_queryset``), the
choices of every foreign key and many-to-many field (which also validates posted ids),
autocomplete (Django's autocomplete view asks the related admin's ``get_queryset``), history
pages, import and export.

``for_admin_user`` rather than ``for_user``: the admin is where rows are changed, and a login
that is, say, a branch secretary elsewhere must not reach that committee's rows in the admin.
"""

from __future__ import annotations

import copy
from collections import Counter
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import quote, unquote
from django.contrib.admin.widgets import (
    AdminFileWidget,
    AutocompleteSelect,
    AutocompleteSelectMultiple,
)
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.db.models.constants import LOOKUP_SEP
from django.forms.renderers import TemplatesSetting
from django.http import Http404, HttpRequest
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.manager import SIMPLE_HISTORY_REVERSE_ATTR_NAME
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper
from simple_history.utils import get_m2m_reverse_field_name

from branches.access import scope_for
from branches.models import (
    Committee,
    CommitteeRole,
    Member,
    deleted_row_label,
    is_masked_phone,
    mask_phone,
)
from branches.services import roster_export_audit, roster_import_audit
from portal.admin.history import (
    ChildHistory,
    child_history,
    deleted_children_restore,
    deleted_row_committee_id,
    deleted_rows_for_admin_user,
    has_history,
    records_describe,
)
from portal.core.import_staging import staged_import_remove
from portal.core.importing import decode_text_upload

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

#: Model fields holding a phone number: masked in forms, history and exports.
PHONE_FIELDS = frozenset({"phone"})

_SINGLE_COMMITTEE_ATTR = "_admin_single_committee"


def admin_committees(user: AbstractBaseUser) -> QuerySet[Committee]:
    """The committees ``user`` maintains in the admin (a superuser: all)."""
    return Committee.objects.for_admin_user(user)


def single_admin_committee(request: HttpRequest) -> Committee | None:
    """The one committee a non-superuser administers, or None (superuser, or several)."""
    if hasattr(request, _SINGLE_COMMITTEE_ATTR):
        return getattr(request, _SINGLE_COMMITTEE_ATTR)
    committee = None
    if not scope_for(request.user).everything:
        committees = list(admin_committees(request.user)[:2])
        if len(committees) == 1:
            committee = committees[0]
    setattr(request, _SINGLE_COMMITTEE_ATTR, committee)
    return committee


def scoped_users(user: AbstractBaseUser) -> QuerySet:
    """Logins a committee admin may link or grant roles to: members' and office holders'
    logins in the committees they administer. A superuser: every login."""
    users = get_user_model()._default_manager.all()
    if scope_for(user).everything:
        return users
    return users.filter(
        Q(member__in=Member.objects.for_admin_user(user))
        | Q(committee_roles__in=CommitteeRole.objects.for_admin_user(user))
    ).distinct()


def version_login_choices(
    choices: QuerySet, *, model: type[Any], field_name: str, version: Any
) -> QuerySet:
    """The logins a history revert form offers for ``version``'s login field: ``choices``,
    and the login the version names.

    A deleted row's login is no longer among a committee admin's ``scoped_users`` (nothing
    in their committees links it any more), yet putting the row back as it was means putting
    its login back. A login that only one row may hold (a member's) and that another row holds
    now stays out.
    """
    field = model._meta.get_field(field_name)
    login_id = getattr(version, field.attname)
    if login_id is None:
        return choices
    if field.unique and (
        model._default_manager.filter(**{field.attname: login_id}).exclude(pk=version.pk).exists()
    ):
        return choices
    return choices.model._default_manager.filter(Q(pk__in=choices.values("pk")) | Q(pk=login_id))


def scoped_related_queryset(
    request: HttpRequest, db_field: Any, base: QuerySet | None = None
) -> QuerySet | None:
    """The choices of a relation field, limited to what the user administers."""
    related = db_field.remote_field.model
    queryset = base if base is not None else related._default_manager.all()
    if hasattr(queryset, "for_admin_user"):
        return queryset.for_admin_user(request.user)
    if related is get_user_model():
        return scoped_users(request.user)
    return None


class _ForgedIdsTolerated:
    """An autocomplete widget that shows no selection, rather than a server error, when the
    form comes back with a value that is no id at all (``<script>``, ``' OR 1=1``): Django's
    widget looks the posted values up to label them before the form's errors are shown."""

    def optgroups(self, name, value, attr=None):
        try:
            return super().optgroups(name, value, attr)
        except (ValueError, TypeError):
            return super().optgroups(name, [], attr)


class ForgivingAutocompleteSelect(_ForgedIdsTolerated, AutocompleteSelect):
    pass


class ForgivingAutocompleteSelectMultiple(_ForgedIdsTolerated, AutocompleteSelectMultiple):
    pass


class _ShownFile:
    """A stored file as the file widget shows it: its original name (or the last part of its
    path), never the storage path with its folders and random names."""

    def __init__(self, file) -> None:
        self.url = file.url
        original = getattr(getattr(file, "instance", None), "original_name", "")
        self.name = original or file.name.rsplit("/", 1)[-1]

    def __str__(self) -> str:
        return self.name


class NamedFileWidget(AdminFileWidget):
    """The admin's file input showing the stored file by its name. Its template is the
    project's (``templates/admin/widgets``), so it renders with the project's engine."""

    template_name = "admin/widgets/named_file_input.html"

    def render(self, name, value, attrs=None, renderer=None):
        return super().render(name, value, attrs, renderer=TemplatesSetting())

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if context["widget"]["is_initial"]:
            context["widget"]["value"] = _ShownFile(value)
        return context


class _ScopedRelationsMixin:
    """Foreign-key and many-to-many choices through ``branches.access``."""

    def _autocomplete_widget(self, db_field, request, kwargs, widget_class) -> None:
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = widget_class(db_field, self.admin_site, using=kwargs.get("using"))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        self._autocomplete_widget(db_field, request, kwargs, ForgivingAutocompleteSelect)
        if "queryset" not in kwargs:
            scoped = scoped_related_queryset(
                request, db_field, self.get_field_queryset(None, db_field, request)
            )
            if scoped is not None:
                kwargs["queryset"] = scoped
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.FileField) and "widget" not in kwargs:
            kwargs["widget"] = NamedFileWidget
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        self._autocomplete_widget(db_field, request, kwargs, ForgivingAutocompleteSelectMultiple)
        if "queryset" not in kwargs:
            scoped = scoped_related_queryset(
                request, db_field, self.get_field_queryset(None, db_field, request)
            )
            if scoped is not None:
                kwargs["queryset"] = scoped
        return super().formfield_for_manytomany(db_field, request, **kwargs)


def _is_committee_admin(request: HttpRequest) -> bool:
    return scope_for(request.user).is_committee_admin


def _set_outside_forms(model: type[models.Model]) -> frozenset[str]:
    """The fields a unique constraint of ``model`` reads (in its fields or its condition) that
    no form edits (``editable=False``, e.g. the archive stamp): the portal sets them itself."""
    names: set[str] = set()
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint):
            names.update(constraint.fields)
            if constraint.condition is not None:
                names.update(constraint.condition.referenced_base_fields)
    return frozenset(
        field.name
        for field in model._meta.concrete_fields
        if field.name in names and not field.editable
    )


def constraint_checked_form(form_class: type[forms.ModelForm]) -> type[forms.ModelForm]:
    """``form_class``, validating the model's unique constraints also where they read a field
    the form does not have (Django skips such a constraint, and the database's IntegrityError
    became a 500): the instance's own value of that field is used, and a duplicate is the
    constraint's message on the form."""
    checked = _set_outside_forms(form_class._meta.model)
    if not checked:
        return form_class

    class ConstraintCheckedForm(form_class):
        def _get_validation_exclusions(self):
            return super()._get_validation_exclusions() - checked

    ConstraintCheckedForm.__name__ = form_class.__name__
    return ConstraintCheckedForm


class CommitteeScopedAdminMixin(_ScopedRelationsMixin):
    """Mix into a ``ModelAdmin`` whose model has a ``ScopedQuerySet`` manager.

    A non-superuser who administers exactly one committee never sees the ``committee`` field:
    it is a hidden input fixed to their committee (so uniqueness within the committee is still
    validated by the form) and ``save_model`` sets it again.
    """

    def get_queryset(self, request):
        return super().get_queryset(request).for_admin_user(request.user)

    def lookup_allowed(self, lookup, value, request=None):
        # Django lets a change-list URL filter on any of the model's own fields: ?phone=… or
        # ?phone__startswith=… would tell a guess from the right number. No lookup path may
        # pass through a phone field (Django answers 400).
        if PHONE_FIELDS & set(lookup.split(LOOKUP_SEP)):
            return False
        return super().lookup_allowed(lookup, value, request)

    # Model permissions come from the groups; a login that administers no committee (any
    # more) gets nothing, whatever groups or is_staff it kept.
    def has_module_permission(self, request):
        return _is_committee_admin(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return _is_committee_admin(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return _is_committee_admin(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return _is_committee_admin(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _is_committee_admin(request) and super().has_delete_permission(request, obj)

    def _has_committee_field(self) -> bool:
        try:
            field = self.model._meta.get_field("committee")
        except Exception:
            return False
        return field.is_relation and field.related_model is Committee

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "committee" and self._has_committee_field():
            single = single_admin_committee(request)
            if single is not None:
                return forms.ModelChoiceField(
                    queryset=admin_committees(request.user),
                    label=capfirst(db_field.verbose_name),
                    widget=forms.HiddenInput,
                    initial=single.pk,
                    required=True,
                )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        single = single_admin_committee(request)
        if single is not None and self._has_committee_field():
            initial.setdefault("committee", single.pk)
        return initial

    def get_list_display(self, request):
        display = list(super().get_list_display(request))
        if single_admin_committee(request) is not None and "committee" in display:
            display.remove("committee")
        return display

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if single_admin_committee(request) is not None:
            filters = [
                f
                for f in filters
                if f != "committee" and not (isinstance(f, tuple) and f[0] == "committee")
            ]
        return filters

    def assign_committee(self, request: HttpRequest, obj: Any) -> None:
        """Fix a new or changed row's committee to one the user administers."""
        if not self._has_committee_field():
            return
        single = single_admin_committee(request)
        if single is not None:
            obj.committee = single
        if not scope_for(request.user).administers_committee(obj.committee_id):
            raise PermissionDenied

    def get_form(self, request, obj=None, change=False, **kwargs):
        return constraint_checked_form(super().get_form(request, obj, change, **kwargs))

    def save_model(self, request, obj, form, change):
        self.assign_committee(request, obj)
        super().save_model(request, obj, form, change)


class CommitteeScopedInlineMixin(_ScopedRelationsMixin):
    """Mix into an inline: its rows and its choices through ``branches.access``.

    At most ``max_num`` rows, and never more forms than that whatever the posted
    ``TOTAL_FORMS`` says: Django's own bound (``absolute_max``, 1,000 forms past
    ``max_num``) let one POST make the page render a thousand inline rows, seconds of a
    worker each time. No contact list, partnership or activity comes near the bound.
    """

    #: The most rows an inline shows or takes (its existing rows included).
    max_rows = 100
    max_num = max_rows

    def get_queryset(self, request):
        return super().get_queryset(request).for_admin_user(request.user)

    def get_formset(self, request, obj=None, **kwargs):
        # Not get_max_num(): an inline that adds nothing (max_num 0) still shows its rows.
        kwargs.setdefault(
            "absolute_max", max(self.max_rows, self.get_max_num(request, obj, **kwargs) or 0)
        )
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = constraint_checked_form(formset.form)
        return formset


class MaskedHistoryContextHelper(HistoricalRecordContextHelper):
    """History lists show what changed, but a phone number only masked."""

    def prepare_delta_change_value(self, change, value):
        if isinstance(value, DeletedObject):
            return deleted_row_label(value.model, value.pk)
        if change.field in PHONE_FIELDS:
            return mask_phone(value or "")
        # simple_history would print None, True and choice codes as Python writes them.
        if value is None or value == "":
            return "—"
        if isinstance(value, bool):
            return gettext("Yes") if value else gettext("No")
        field = self.model._meta.get_field(change.field)
        if isinstance(field, models.FileField):
            return str(value).rsplit("/", 1)[-1]  # the file's name, not its storage folders
        if field.choices and not isinstance(value, list):
            return str(dict(field.flatchoices).get(value, value))
        return super().prepare_delta_change_value(change, value)


def _is_login_field(model: type[Any], name: str) -> bool:
    """Whether ``name`` is a foreign key (or one-to-one) of ``model`` to a login."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return (field.many_to_one or field.one_to_one) and field.related_model is get_user_model()


class ScopedHistoryMixin:
    """Mix into a ``SimpleHistoryAdmin``: its history pages only for objects in scope, and
    deleted rows restorable by the admins of the committee they belonged to.

    simple_history falls back to the last historical record when ``get_queryset`` does not
    hold the object. For a row that still exists but lies outside the user's committees that
    would show another committee's history: a 404. For a row that no longer exists, the
    committee on its latest historical record decides; its admins (and a superuser) see the
    history and may revert to a version, which puts the row back. The ``deleted/`` page lists
    such rows.
    """

    change_list_template = "admin/history_change_list.html"
    object_history_template = "admin/scoped_object_history.html"

    def _require_in_scope(self, request: HttpRequest, object_id: str) -> None:
        try:
            pk = unquote(object_id)
            if self.get_queryset(request).filter(pk=pk).exists():
                return
            if self.model._default_manager.filter(pk=pk).exists():
                raise Http404  # exists, but in a committee the user does not administer
            committee_id = deleted_row_committee_id(self.model, pk)
        except (ValueError, ValidationError) as exc:
            raise Http404 from exc
        if committee_id is None or not scope_for(request.user).administers_committee(committee_id):
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._require_in_scope(request, object_id)
        context = {"child_histories": self._child_histories(unquote(object_id))}
        context.update(extra_context or {})
        return super().history_view(request, object_id, extra_context=context)

    def _child_histories(self, pk: Any) -> list[ChildHistory]:
        """The history of the rows edited in this page's inlines (a partner's contacts …),
        shown under the row's own: simple_history has no page of its own for them."""
        histories = []
        for inline in self.inlines:
            if not has_history(inline.model):
                continue
            fk = next(
                f
                for f in inline.model._meta.concrete_fields
                if f.many_to_one
                and (f.name == inline.fk_name if inline.fk_name else f.related_model is self.model)
            )
            history = child_history(inline.model, fk.attname, pk)
            for record in history.records:
                delta = getattr(record, "delta", None)
                if delta is not None:
                    helper = MaskedHistoryContextHelper(inline.model, record)
                    record.history_delta_changes = helper.context_for_delta_changes(delta)
            histories.append(history)
        return histories

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._require_in_scope(request, object_id)
        manager = self.model._default_manager
        pk = unquote(object_id)
        was_deleted = request.method == "POST" and not manager.filter(pk=pk).exists()
        with transaction.atomic():
            response = super().history_form_view(
                request, object_id, version_id, extra_context=extra_context
            )
            restored = manager.filter(pk=pk).first() if was_deleted else None
            if restored is not None:
                self._restore_deleted_children(request, restored)
        return response

    def _restore_deleted_children(self, request: HttpRequest, parent: Any) -> None:
        """A row brought back brings back what was deleted with it (contacts, roles …)."""
        result = deleted_children_restore(parent=parent, user=request.user)
        if result.restored:
            rows = "; ".join(f"{row._meta.verbose_name} “{row}”" for row in result.restored)
            self.message_user(
                request, _("Restored with it: %(rows)s.") % {"rows": rows}, messages.SUCCESS
            )
        for row, reason in result.refused:
            self.message_user(
                request,
                _("Not restored: %(row)s (%(reason)s).")
                % {"row": f"{row._meta.verbose_name} “{row}”", "reason": reason},
                messages.WARNING,
            )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        record = getattr(obj, SIMPLE_HISTORY_REVERSE_ATTR_NAME, None)
        if record is None:
            return form
        # A history revert form: ``obj`` is the version. Its login fields are copied before
        # their choices change (a field declared on the form class is shared by every form).
        for name, formfield in list(form.base_fields.items()):
            if getattr(formfield, "queryset", None) is None or not _is_login_field(
                self.model, name
            ):
                continue
            formfield = copy.deepcopy(formfield)
            formfield.queryset = version_login_choices(
                formfield.queryset, model=self.model, field_name=name, version=obj
            )
            form.base_fields[name] = formfield
        if not getattr(record, "_history_m2m_fields", None):
            return form
        # A version's many-to-many values come from its history, not from the live row
        # (which a deleted row no longer has).
        m2m_initial = {
            field.name: [
                getattr(row, f"{get_m2m_reverse_field_name(field)}_id")
                for row in getattr(record, field.name).all()
            ]
            for field in record._history_m2m_fields
        }

        class VersionForm(form):
            def __init__(self, *args, **kwargs):
                kwargs["initial"] = {**m2m_initial, **(kwargs.get("initial") or {})}
                super().__init__(*args, **kwargs)

        VersionForm.__name__ = form.__name__
        return VersionForm

    def get_historical_record_context_helper(self, request, historical_record):
        return MaskedHistoryContextHelper(self.model, historical_record)

    def get_urls(self):
        opts = self.model._meta
        deleted = path(
            "deleted/",
            self.admin_site.admin_view(self.deleted_view),
            name=f"{opts.app_label}_{opts.model_name}_deleted",
        )
        # Before the model's own URLs, whose ``<path:object_id>/`` would take "deleted/".
        return [deleted, *super().get_urls()]

    def deleted_view(self, request: HttpRequest) -> TemplateResponse:
        """Deleted rows of the user's committees, each linking to its history to restore."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        opts = self.model._meta
        records = records_describe(
            self.model, list(deleted_rows_for_admin_user(self.model, request.user)[:200])
        )
        for record in records:
            record.history_url = reverse(
                f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_history",
                args=[quote(getattr(record, opts.pk.attname))],
            )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Recover deleted %(name)s") % {"name": opts.verbose_name_plural},
            "opts": opts,
            "records": records,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/deleted_history.html", context)


class AuditedImportExportMixin:
    """Mix into an ``ImportExportMixin`` admin.

    * The resource gets the requesting user, so it resolves names within their committee.
    * CSV uploads are read as UTF-8 (with or without BOM) or else GB18030.
    * A file with one bad row imports nothing, validation errors included.
    * Every export, and every confirmed import, is written to the audit log.
    * The file between preview and confirmation (``portal.core.import_staging``) is bound to
      the session that previewed it: the confirmation must come back exactly as this session's
      last preview of this model issued it, or nothing is read or deleted. The file is deleted
      once confirmed, when a preview fails, and when a new preview replaces it.
    """

    import_template_name = "admin/roster_import.html"

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {"user": request.user}

    def has_import_permission(self, request):
        return _is_committee_admin(request) and super().has_import_permission(request)

    def has_export_permission(self, request):
        return _is_committee_admin(request) and super().has_export_permission(request)

    def get_import_context_data(self, **kwargs):
        context = super().get_import_context_data(**kwargs)
        context["roster_columns"] = self.roster_columns()
        return context

    def roster_columns(self) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
        """Each import template (one per resource: 共建单位名册, 联系人名册 …), its columns and
        what goes in them; the name only when there are several."""
        several = len(self.resource_classes) > 1
        return [
            (
                resource_class.get_display_name() if several else "",
                tuple(getattr(resource_class, "column_help", ())),
            )
            for resource_class in self.resource_classes
        ]

    def write_to_tmp_storage(self, import_file, input_format):
        if input_format.is_binary():
            return super().write_to_tmp_storage(import_file, input_format)
        raw = b"".join(import_file.chunks())
        # Stored as UTF-8 so that both steps (preview and confirm) read it the same way.
        data = decode_text_upload(raw).encode("utf-8")
        tmp_storage = self.get_tmp_storage_class()(
            encoding=self.from_encoding,
            read_mode=input_format.get_read_mode(),
            **self.get_tmp_storage_class_kwargs(),
        )
        tmp_storage.save(data)
        return tmp_storage

    def _staged_session_key(self) -> str:
        return f"staged_import:{self.model._meta.label_lower}"

    def _staged_discard(self, request: HttpRequest) -> None:
        """Forget this session's staged import of this model and delete its file."""
        staged = request.session.pop(self._staged_session_key(), None)
        if staged is not None:
            staged_import_remove(staged.get("import_file_name"))

    def import_action(self, request, **kwargs):
        if request.method == "POST" and self.has_import_permission(request):
            self._staged_discard(request)  # a new preview abandons the one before it
        response = super().import_action(request, **kwargs)
        # The library names the staged file on the upload itself (also when it then fails).
        written = getattr(request.FILES.get("import_file"), "tmp_storage_name", None)
        staged = request.session.get(self._staged_session_key(), {})
        if written is not None and staged.get("import_file_name") != written:
            staged_import_remove(written)  # the preview failed: nothing can confirm it
        return response

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if initial:
            request.session[self._staged_session_key()] = {
                name: str(value) for name, value in initial.items()
            }
        return initial

    def process_import(self, request, **kwargs):
        if request.method != "POST" or not self.has_import_permission(request):
            return super().process_import(request, **kwargs)  # 405 or 403
        staged = request.session.get(self._staged_session_key())
        posted = {name: request.POST.get(name, "") for name in (staged or {})}
        if staged is None or posted != staged:
            return self._staged_refused(request)
        try:
            return super().process_import(request, **kwargs)
        except FileNotFoundError:
            return self._staged_refused(request)  # deleted meanwhile (by hand)
        finally:
            self._staged_discard(request)

    def _staged_refused(self, request: HttpRequest) -> TemplateResponse:
        """A confirmation that is not of this session's waiting preview: say so, touch nothing."""
        self.message_user(
            request,
            _(
                "This import is not waiting for your confirmation: it was already confirmed, "
                "replaced by a newer preview, or previewed in another session. Upload the "
                "file again."
            ),
            messages.ERROR,
        )
        context = self.admin_site.each_context(request)
        context.update(
            {
                "title": _("Import"),
                "form": self.get_import_form_class(request)(
                    self.get_import_formats(), self.get_import_resource_classes(request)
                ),
                "opts": self.model._meta,
                "roster_columns": self.roster_columns(),
            }
        )
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context, status=400)

    def get_import_data_kwargs(self, **kwargs):
        import_kwargs = super().get_import_data_kwargs(**kwargs)
        import_kwargs.pop("request", None)
        import_kwargs["rollback_on_validation_errors"] = True
        return import_kwargs

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            # The confirmed import failed (the data changed since the preview): nothing was
            # written; show the rows and their problems as the preview does.
            context = self.admin_site.each_context(request)
            context.update(
                {
                    "title": _("Import"),
                    "form": self.get_import_form_class(request)(
                        self.get_import_formats(), self.get_import_resource_classes(request)
                    ),
                    "opts": self.model._meta,
                    "result": result,
                    "import_error_display": self.import_error_display,
                    "roster_columns": self.roster_columns(),
                }
            )
            request.current_app = self.admin_site.name
            return TemplateResponse(request, [self.import_template_name], context)
        # The rows of the file (already in memory), not of the database.
        touched = Counter(
            committee_id
            for row in result.valid_rows()
            if (committee_id := _row_committee_id(row.instance)) is not None
        )
        roster_import_audit(
            user=request.user,
            object_type=self.model._meta.model_name,
            rows_per_committee=touched,
            request=request,
        )
        return super().process_result(result, request)

    def get_export_data(self, file_format, request, queryset, **kwargs):
        data = super().get_export_data(file_format, request, queryset, **kwargs)
        roster_export_audit(
            user=request.user,
            queryset=queryset,
            file_format=file_format.get_title(),
            committee_when_empty=single_admin_committee(request),
            request=request,
        )
        return data


def _row_committee_id(instance: Any) -> int | None:
    """The committee of an imported row: its own, or its partner's (a contact)."""
    committee_id = getattr(instance, "committee_id", None)
    if committee_id is None and getattr(instance, "partner_id", None) is not None:
        committee_id = instance.partner.committee_id
    return committee_id


class MaskedPhoneFormMixin:
    """A model form whose phone field never carries the stored number to the browser.

    The field starts with the masked number. Sent back still masked (contains ``*``), the
    stored number is kept; a full number replaces it; an empty field clears it.
    """

    masked_phone_help = _(
        "Shown masked. Leave it as it is to keep the stored number, or type a full number "
        "to replace it."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in PHONE_FIELDS & set(self.fields):
            self.initial[name] = mask_phone(getattr(self.instance, name, "") or "")
            self.fields[name].help_text = self.masked_phone_help

    def clean_phone(self) -> str:
        value = (self.cleaned_data.get("phone") or "").strip()
        if is_masked_phone(value):
            return self.instance.phone
        return value
