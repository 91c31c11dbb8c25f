"""The activity list's filters (also applied by the Excel export): one declaration that
validates the query string and narrows the queryset.

Every choice offered comes from the user's own committees, so a forged id of another
committee's branch, measure, goal or partner is an invalid choice, shown as a message.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import django_filters
from django import forms
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Coalesce, NullIf
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
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


# --- Choices loaded once, as plain values ------------------------------------------------------
# The four selects (branch, measure, goal, partner) offer the rows of the user's committees:
# a few dozen for committee staff, thousands for a superuser. They are read in ONE query of
# plain values (a UNION ALL of the four scoped lists), rendered straight to HTML, and a value
# sent back is checked against the same list — no query per select, none per value chosen,
# and no model instance or widget template per option.

#: select name -> the model its values are ids of
CHOICE_MODELS: dict[str, type[models.Model]] = {
    "branch": Branch,
    "measure": Measure,
    "goal": Goal,
    "partner": PartnerOrganisation,
}


@dataclass(frozen=True)
class Choice:
    """One option: enough to label it and to stand for the row once chosen."""

    pk: int
    committee_id: int
    label: str
    values: dict[str, Any]

    def instance(self, model: type[models.Model]) -> models.Model:
        """The row as a model instance with the columns loaded (no query)."""
        return model(pk=self.pk, committee_id=self.committee_id, **self.values)


def _choice_rows(name: str, queryset: models.QuerySet) -> models.QuerySet:
    """The same columns for every list, so that the four can be read in one UNION ALL."""
    coded = name in ("measure", "goal")
    return (
        queryset.order_by()
        .annotate(
            c_kind=Value(name),
            c_id=F("pk"),
            c_committee=F("committee_id"),
            c_committee_name=F("committee__name"),
            c_committee_label=Coalesce(
                NullIf("committee__short_name", Value("")), "committee__name"
            ),
            c_code=F("code") if coded else Value(""),
            c_title=F("title") if coded else F("name"),
            c_title_en=F("title_en") if coded else Value(""),
            c_sort=F("position") if coded else F("sort_order") if name == "branch" else Value(0),
        )
        .values_list(
            "c_kind",
            "c_id",
            "c_committee",
            "c_committee_name",
            "c_committee_label",
            "c_code",
            "c_title",
            "c_title_en",
            "c_sort",
        )
    )


def load_choices(
    querysets: Mapping[str, models.QuerySet], *, several_committees: bool
) -> dict[str, list[Choice]]:
    """The options of each select, in the order shown, from one query."""
    parts = [_choice_rows(name, qs) for name, qs in querysets.items()]
    union = (
        parts[0]
        .union(*parts[1:], all=True)
        .order_by("c_kind", "c_committee_name", "c_committee", "c_sort", "c_title", "c_id")
    )
    english = translation.get_language() == "en"
    loaded: dict[str, list[Choice]] = {name: [] for name in querysets}
    for kind, pk, committee_id, _name, committee_label, code, title, title_en, _sort in union:
        if kind in ("measure", "goal"):
            text = f"{code} {title_en if english and title_en else title}"
            values = {"code": code, "title": title, "title_en": title_en}
        else:
            text = title
            values = {"name": title}
        label = f"{committee_label} · {text}" if several_committees else text
        loaded[kind].append(Choice(pk, committee_id, label, values))
    return loaded


class PreloadedChoiceIterator(ModelChoiceIterator):
    """The options of a ``PreloadedChoiceField``: (id, label) pairs, no query of its own."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for choice in self.field.loaded():
            yield (choice.pk, choice.label)

    def __len__(self) -> int:
        return len(self.field.loaded()) + (self.field.empty_label is not None)

    def __bool__(self) -> bool:
        return self.field.empty_label is not None or bool(self.field.loaded())


class PreloadedChoiceField(forms.ModelChoiceField):
    """A model choice whose options come from ``load_choices`` (set as ``loader``).

    ``queryset`` still says which rows are allowed (and tests read it); a value sent back is
    looked up among the loaded options and cleans to a model instance built from them.
    """

    iterator = PreloadedChoiceIterator

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.loader = lambda: []

    def loaded(self) -> list[Choice]:
        return self.loader()

    def to_python(self, value: Any) -> models.Model | None:
        if value in self.empty_values:
            return None
        text = str(getattr(value, "pk", value))
        for choice in self.loaded():
            if str(choice.pk) == text:
                return choice.instance(self.queryset.model)
        raise forms.ValidationError(
            self.error_messages["invalid_choice"],
            code="invalid_choice",
            params={"value": value},
        )


class FastSelect(forms.Select):
    """Django's select markup, written in Python: thousands of options in milliseconds."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        selected = {str(v) for v in self.format_value(value)}
        escape = html.escape  # the standard library's: Django's lazy-aware one costs 5x here
        options = [
            f'<option value="{escape(str(key))}"{" selected" if str(key) in selected else ""}>'
            f"{escape(str(label))}</option>"
            for key, label in self.choices
        ]
        markup = f"<select{flatatt(final)}>\n" + "\n".join(options) + "\n</select>"
        return mark_safe(markup)  # noqa: S308 -- every value and label escaped above


class PreloadedChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = PreloadedChoiceField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", FastSelect)
        super().__init__(*args, **kwargs)


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
    branch = PreloadedChoiceFilter(
        label=_("Branch"),
        queryset=Branch.objects.none(),
        empty_label=_("All branches"),
        method="filter_branch",
    )
    measure = PreloadedChoiceFilter(
        label=_("Measure"),
        field_name="measure",
        queryset=Measure.objects.none(),
        empty_label=_("All measures"),
    )
    goal = PreloadedChoiceFilter(
        label=_("Goal"),
        field_name="goals",
        queryset=Goal.objects.none(),
        empty_label=_("All goals"),
    )
    partner = PreloadedChoiceFilter(
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
        # The rows of the user's committees; read together, once, when a select first needs them.
        choices = {
            "branch": Branch.objects.for_user(user).order_by(
                "committee__name", "sort_order", "name"
            ),
            "measure": Measure.objects.for_user(user).order_by("committee__name", "position"),
            "goal": Goal.objects.for_user(user).order_by("committee__name", "position"),
            "partner": PartnerOrganisation.objects.for_user(user).order_by(
                "committee__name", "name"
            ),
        }
        for name, queryset in choices.items():
            self.filters[name].queryset = queryset
        # Somebody who sees several committees (a superuser) needs to know whose branch it is.
        scope = scope_for(user)
        self.several_committees = scope.everything or len(scope.committee_ids) > 1
        self._choice_querysets = choices
        self._loaded: dict[str, list[Choice]] | None = None
        for name in choices:
            self.form.fields[name].loader = lambda name=name: self._choices()[name]

    def _choices(self) -> dict[str, list[Choice]]:
        if self._loaded is None:
            self._loaded = load_choices(
                self._choice_querysets, several_committees=self.several_committees
            )
        return self._loaded

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
