"""The activity list's filters (also applied by the Excel export): one declaration that
validates the query string and narrows the queryset.

Every choice offered comes from the user's own committees, so a forged id of another
committee's branch, measure, goal or partner is an invalid choice, shown as a message.

Somebody whose reach spans several committees (a superuser, staff of several committees)
first chooses a committee; branches, measures, goals and partners are offered for the chosen
committee only (a group has thousands of them). A link that names a branch, measure, goal or
partner but no committee (the dashboards' cells) stands for that row's committee.
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
from django.db.models import F, Q, Value
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from activities import selectors
from activities.models import ActivityQuerySet, ActivityStatus, Goal, Measure, PartnerCheck
from branches.access import scope_for
from branches.models import Branch, Committee
from partnerships.models import PartnerOrganisation
from portal.core.ids import parse_id

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
# The selects (committee, branch, measure, goal, partner) offer the rows of the user's
# committees — of the chosen one when the user has several. They are read in ONE query of
# plain values (a UNION ALL of the scoped lists), rendered straight to HTML, and a value
# sent back is checked against the same list — no query per select, none per value chosen,
# and no model instance or widget template per option.

#: the selects whose rows belong to one committee (offered once a committee is chosen)
COMMITTEE_ROWS = ("branch", "measure", "goal", "partner")

#: select name -> the model its values are ids of
CHOICE_MODELS: dict[str, type[models.Model]] = {
    "committee": Committee,
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
        if model is Committee:
            return model(pk=self.pk, **self.values)
        return model(pk=self.pk, committee_id=self.committee_id, **self.values)


def _choice_rows(name: str, queryset: models.QuerySet) -> models.QuerySet:
    """The same columns for every list, so that they can be read in one UNION ALL."""
    coded = name in ("measure", "goal")
    committee = "" if name == "committee" else "committee__"
    return (
        queryset.order_by()
        .annotate(
            c_kind=Value(name),
            c_id=F("pk"),
            c_committee=F("pk" if name == "committee" else "committee_id"),
            c_committee_name=F(f"{committee}name"),
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
            "c_code",
            "c_title",
            "c_title_en",
            "c_sort",
        )
    )


def load_choices(querysets: Mapping[str, models.QuerySet]) -> dict[str, list[Choice]]:
    """The options of each select, in the order shown, from one query.

    A queryset that is ``none()`` is left out of the query (its select has no options).
    """
    loaded: dict[str, list[Choice]] = {name: [] for name in querysets}
    parts = [_choice_rows(name, qs) for name, qs in querysets.items() if not qs.query.is_empty()]
    if not parts:
        return loaded
    union = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    union = union.order_by("c_kind", "c_committee_name", "c_committee", "c_sort", "c_title", "c_id")
    english = translation.get_language() == "en"
    for kind, pk, committee_id, _name, code, title, title_en, _sort in union:
        if kind in ("measure", "goal"):
            text = f"{code} {title_en if english and title_en else title}"
            values = {"code": code, "title": title, "title_en": title_en}
        else:
            text = title
            values = {"name": title}
        # One committee's rows at a time: no select needs to say whose a row is.
        loaded[kind].append(Choice(pk, committee_id, text, values))
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


class CommitteeChoiceField(PreloadedChoiceField):
    """The committee of a user who reaches several. Left empty by a link that names a branch,
    measure, goal or partner, it stands for their committee (``inferred``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.inferred: Any = lambda: None

    def to_python(self, value: Any) -> models.Model | None:
        if value in self.empty_values:
            choice = self.inferred()
            return choice.instance(self.queryset.model) if choice else None
        return super().to_python(value)

    def bound_data(self, data: Any, initial: Any) -> Any:
        if data in self.empty_values and (choice := self.inferred()):
            return choice.pk  # shown as chosen
        return super().bound_data(data, initial)


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


class CommitteeChoiceFilter(PreloadedChoiceFilter):
    field_class = CommitteeChoiceField


def _id(value: Any) -> int | None:
    """A query string value as a row id, or None (text, or too large for an id column)."""
    return parse_id(value)


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
    committee = CommitteeChoiceFilter(
        label=_("Committee"),
        field_name="committee",
        queryset=Committee.objects.none(),
        empty_label=_("All committees"),
    )
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
    partner_check = django_filters.ChoiceFilter(
        label=_("Partner confirmation"),
        choices=PartnerCheck.choices,
        empty_label=_("Any confirmation state"),
        method="filter_partner_check",
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
        # Somebody who sees several committees (a superuser) chooses one first.
        scope = scope_for(user)
        self.several_committees = scope.spans_several_committees
        # The rows of the user's committees; read together, once, when a select first needs them.
        choices: dict[str, models.QuerySet] = {
            "branch": Branch.objects.for_user(user).order_by(
                "committee__name", "sort_order", "name"
            ),
            "measure": Measure.objects.for_user(user).order_by("committee__name", "position"),
            "goal": Goal.objects.for_user(user).order_by("committee__name", "position"),
            "partner": PartnerOrganisation.objects.for_user(user).order_by(
                "committee__name", "name"
            ),
        }
        if self.several_committees:
            choices = {
                "committee": Committee.objects.for_user(user).order_by("name"),
                **self._of_one_committee(choices),
            }
        else:
            del self.filters["committee"]  # nothing to choose: the list is one committee's
        for name, queryset in choices.items():
            self.filters[name].queryset = queryset
        self._choice_querysets = choices
        self._loaded: dict[str, list[Choice]] | None = None
        self._inferred: Choice | None = None
        for name in choices:
            self.form.fields[name].loader = lambda name=name: self._choices()[name]
        if self.several_committees:
            self.form.fields["committee"].inferred = self._inferred_committee

    def _raw(self, name: str) -> Any:
        return self.data.get(name) if self.is_bound else None

    def _of_one_committee(self, choices: dict[str, models.QuerySet]) -> dict[str, models.QuerySet]:
        """The branches, measures, goals and partners of the chosen committee only.

        The chosen committee is still the raw value here (it is checked against the loaded
        committees like every choice): rows of a committee outside the user's reach are not
        in the scoped querysets, so a forged committee offers nothing. No committee chosen
        but rows named (a dashboard's link): those rows' committee, inferred in the same query
        (see ``_choices``). Neither: the selects are not offered and nothing is read.
        """
        raw = self._raw("committee")
        committee_id = _id(raw)
        if committee_id is not None:
            return {name: qs.filter(committee_id=committee_id) for name, qs in choices.items()}
        named = {name: _id(self._raw(name)) for name in COMMITTEE_ROWS}
        named = {name: pk for name, pk in named.items() if pk is not None}
        if raw not in (None, "") or not named:
            return {name: qs.none() for name, qs in choices.items()}
        theirs = Q()
        for name, pk in named.items():
            model = CHOICE_MODELS[name]
            theirs |= Q(committee_id__in=model.objects.filter(pk=pk).values("committee_id"))
        return {name: qs.filter(theirs) for name, qs in choices.items()}

    def _inferred_committee(self) -> Choice | None:
        self._choices()
        return self._inferred

    def _choices(self) -> dict[str, list[Choice]]:
        if self._loaded is None:
            loaded = load_choices(self._choice_querysets)
            if self.several_committees and self._raw("committee") in (None, ""):
                # Rows named without a committee stand for it if they are all of one.
                theirs = {c.committee_id for name in COMMITTEE_ROWS for c in loaded[name]}
                if len(theirs) == 1:
                    [committee_id] = theirs
                    self._inferred = next(
                        (c for c in loaded["committee"] if c.pk == committee_id), None
                    )
                if self._inferred is None:
                    loaded.update({name: [] for name in COMMITTEE_ROWS})
            self._loaded = loaded
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

    def filter_partner_check(
        self, queryset: ActivityQuerySet, name: str, value: str
    ) -> ActivityQuerySet:
        return selectors.partner_check_is(queryset, value)

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
        others = ("committee", *COMMITTEE_ROWS, "status", "partner_check")
        return int(dated) + sum(1 for name in others if cleaned.get(name) not in (None, ""))

    @property
    def offers_committee(self) -> bool:
        """Whether the user chooses a committee (their reach spans several)."""
        return self.several_committees

    @property
    def offers_committee_rows(self) -> bool:
        """Whether branches, measures, goals and partners are offered: always for a user of
        one committee, once a committee is chosen for a user of several."""
        if not self.several_committees:
            return True
        if not self.is_bound:
            return False
        self.form.is_valid()  # cleans the form (once)
        return bool(self.form.cleaned_data.get("committee"))

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
