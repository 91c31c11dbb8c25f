"""The audit log page: a committee admin reads their committee's entries, newest first,
filtered and paginated; a superuser reads every committee's, or one chosen.

Who reads which entries is ``AuditEntry.objects.for_admin_user``; everyone else gets a 403.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.access import scope_for
from branches.models import AuditAction, AuditEntry, Committee
from portal.audit.selectors import logins_named, unknown_login_attempts

#: Entries per page.
PER_PAGE = 50


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("All actions")), *AuditAction.choices]
    )
    user = forms.CharField(label=_("User"), required=False, max_length=150)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    q = forms.CharField(label=_("Object contains"), required=False, max_length=100)
    committee = forms.ModelChoiceField(
        label=_("Committee"),
        required=False,
        queryset=Committee.objects.none(),
        empty_label=_("All committees"),
    )

    def __init__(self, *args, offer_committees: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if offer_committees:
            self.fields["committee"].queryset = Committee.objects.order_by("name")
        else:
            del self.fields["committee"]

    def clean_date_from(self) -> dt.date | None:
        return _within_range(self.cleaned_data.get("date_from"))

    def clean_date_to(self) -> dt.date | None:
        return _within_range(self.cleaned_data.get("date_to"))

    def narrow(self, entries: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        """``entries`` with the valid filters applied (an invalid one is left out)."""
        self.is_valid()  # cleaned_data then holds the fields that are valid
        data = self.cleaned_data
        if data.get("action"):
            entries = entries.filter(action=data["action"])
        if data.get("user"):
            entries = entries.filter(user__username__icontains=data["user"])
        if data.get("date_from"):
            entries = entries.filter(created_at__gte=_day_start(data["date_from"]))
        if data.get("date_to"):
            next_day = data["date_to"] + dt.timedelta(days=1)
            entries = entries.filter(created_at__lt=_day_start(next_day))
        if data.get("q"):
            entries = entries.filter(object_repr__icontains=data["q"])
        if data.get("committee"):
            entries = entries.filter(committee=data["committee"])
        return entries


#: The dates a filter may name: the log holds nothing older, and 9999-12-31 + 1 day overflows.
DATE_RANGE = (dt.date(2000, 1, 1), dt.date(2100, 12, 31))


def _within_range(day: dt.date | None) -> dt.date | None:
    if day is not None and not DATE_RANGE[0] <= day <= DATE_RANGE[1]:
        raise forms.ValidationError(
            _("Choose a date between %(first)s and %(last)s.")
            % {"first": DATE_RANGE[0].isoformat(), "last": DATE_RANGE[1].isoformat()}
        )
    return day


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not scope.is_committee_admin:
        raise PermissionDenied
    form = AuditFilterForm(request.GET or None, offer_committees=scope.everything)
    entries = AuditEntry.objects.for_admin_user(request.user).select_related("user", "committee")
    if form.is_bound:
        entries = form.narrow(entries)
    page = Paginator(entries.order_by("-created_at", "-pk"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    attempts = unknown_login_attempts(page.object_list)
    logins = logins_named(page.object_list)
    for entry in page.object_list:
        entry.unknown_login_attempts = attempts.get(entry.pk)
        entry.login = logins.get(entry.pk)
    context = {
        "form": form,
        "page": page,
        "entries": page.object_list,
        "show_committee": scope.everything or len(scope.admin_committee_ids) > 1,
        "filtering": form.is_bound and any(form.data.get(name) for name in form.fields),
    }
    return render(request, "audit/list.html", context)
