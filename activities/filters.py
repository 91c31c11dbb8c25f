"""The activity list's filters (also applied by the Excel export): one declaration that
validates the query string and narrows the queryset.

Every choice offered comes from the user's own committees, so a forged id of another
committee's branch, measure, goal or partner is an invalid choice, shown as a message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import django_filters
from django import forms
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils.translation import gettext_lazy as _

from activities import selectors
from activities.models import ActivityQuerySet, ActivityStatus, Goal, Measure
from branches.access import scope_for
from branches.models import Branch
from partnerships.models import PartnerOrganisation

CUSTOM_PERIOD = "custom"
PERIOD_CHOICES = [
    *((key, label) for key, (label, _compute) in selectors.PERIOD_PRESETS.items()),
    (CUSTOM_PERIOD, _("Dates below")),
]
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SORT_CHOICES = [("newest", _("Newest first")), ("oldest", _("Oldest first"))]


#: Dates outside these are typing mistakes (and would overflow the time zone arithmetic).
EARLIEST_DATE, LATEST_DATE = dt.date(1900, 1, 1), dt.date(2999, 12, 31)


class ActivityFilterForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name in ("date_from", "date_to"):
            day = cleaned.get(name)
            if day and not EARLIEST_DATE <= day <= LATEST_DATE:
                self.add_error(name, _("Enter a date between 1900 and 2999."))
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned


class ActivityFilter(django_filters.FilterSet):
    """Filters of the activity list. ``user`` scopes the choices of every select."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_text",
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    period = django_filters.ChoiceFilter(
        label=_("Period"), choices=PERIOD_CHOICES, empty_label=_("Any time"), method="filter_noop"
    )
    date_from = django_filters.DateFilter(label=_("From"), method="filter_noop", widget=DATE_INPUT)
    date_to = django_filters.DateFilter(label=_("To"), method="filter_noop", widget=DATE_INPUT)
    branch = django_filters.ModelChoiceFilter(
        label=_("Branch"),
        queryset=Branch.objects.none(),
        empty_label=_("All branches"),
        method="filter_branch",
    )
    measure = django_filters.ModelChoiceFilter(
        label=_("Measure"),
        field_name="measure",
        queryset=Measure.objects.none(),
        empty_label=_("All measures"),
    )
    goal = django_filters.ModelChoiceFilter(
        label=_("Goal"),
        field_name="goals",
        queryset=Goal.objects.none(),
        empty_label=_("All goals"),
    )
    partner = django_filters.ModelChoiceFilter(
        label=_("Partner organisation"),
        field_name="partners",
        queryset=PartnerOrganisation.objects.none(),
        empty_label=_("All partners"),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=ActivityStatus.choices, empty_label=_("All statuses")
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort"), choices=SORT_CHOICES, empty_label=None, method="filter_sort"
    )

    class Meta:
        form = ActivityFilterForm
        fields: list[str] = []

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        queryset: ActivityQuerySet | None = None,
        *,
        user: AbstractBaseUser | AnonymousUser,
        today: dt.date | None = None,
    ) -> None:
        super().__init__(data, queryset)
        self.today = today
        # One query per select: the rows of the user's committees, with what the labels show.
        self.filters["branch"].queryset = (
            Branch.objects.for_user(user)
            .select_related("committee")
            .order_by("committee__name", "sort_order", "name")
        )
        self.filters["measure"].queryset = (
            Measure.objects.for_user(user)
            .select_related("committee")
            .order_by("committee__name", "position")
        )
        self.filters["goal"].queryset = (
            Goal.objects.for_user(user)
            .select_related("committee")
            .order_by("committee__name", "position")
        )
        self.filters["partner"].queryset = (
            PartnerOrganisation.objects.for_user(user)
            .select_related("committee")
            .order_by("committee__name", "name")
        )
        # Somebody who sees several committees (a superuser) needs to know whose branch it is.
        scope = scope_for(user)
        self.several_committees = scope.everything or len(scope.committee_ids) > 1
        for name in ("branch", "measure", "goal", "partner"):
            self.form.fields[name].label_from_instance = self._label

    def _label(self, obj: Branch | Measure | Goal | PartnerOrganisation) -> str:
        coded = isinstance(obj, Measure | Goal)
        text = f"{obj.code} {obj.title_display}" if coded else obj.name
        if self.several_committees:
            return f"{obj.committee.short_name or obj.committee.name} · {text}"
        return text

    # --- Filtering -----------------------------------------------------------------------

    def filter_queryset(self, queryset: ActivityQuerySet) -> ActivityQuerySet:
        queryset = super().filter_queryset(queryset)
        # A preset wins; the dates count when the period is "dates below" or left empty.
        preset = self.form.cleaned_data.get("period")
        if preset and preset != CUSTOM_PERIOD:
            return selectors.starting_in(queryset, selectors.preset_period(preset, self.today))
        start, end = self.form.cleaned_data.get("date_from"), self.form.cleaned_data.get("date_to")
        if start:
            queryset = queryset.filter(starts_at__gte=selectors.local_midnight(start))
        if end:
            next_day = end + dt.timedelta(days=1)
            queryset = queryset.filter(starts_at__lt=selectors.local_midnight(next_day))
        return queryset

    def filter_noop(self, queryset: ActivityQuerySet, name: str, value: Any) -> ActivityQuerySet:
        # The period and its dates depend on each other: ``filter_queryset`` applies them.
        return queryset

    def filter_text(self, queryset: ActivityQuerySet, name: str, value: str) -> ActivityQuerySet:
        return selectors.matching_text(queryset, value)

    def filter_branch(
        self, queryset: ActivityQuerySet, name: str, value: Branch
    ) -> ActivityQuerySet:
        return selectors.involving_branch(queryset, value)

    def filter_sort(self, queryset: ActivityQuerySet, name: str, value: str) -> ActivityQuerySet:
        if value == "oldest":
            return queryset.order_by("starts_at", "pk")
        return queryset.order_by("-starts_at", "-pk")

    # --- For the template ----------------------------------------------------------------

    @property
    def active_count(self) -> int:
        """How many of the filters behind "More filters" are in force (the period counts once)."""
        if not self.is_bound:
            return 0
        cleaned = self.form.cleaned_data
        dated = any(cleaned.get(name) for name in ("period", "date_from", "date_to"))
        others = ("branch", "measure", "goal", "partner", "status")
        return int(dated) + sum(1 for name in others if cleaned.get(name) not in (None, ""))

    @property
    def is_narrowed(self) -> bool:
        """Whether any filter (not the sort order) is in force."""
        if not self.is_bound:
            return False
        return any(
            value not in (None, "")
            for name, value in self.form.cleaned_data.items()
            if name != "sort"
        )
