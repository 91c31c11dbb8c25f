"""The activity form a secretary fills in on a phone, and the rows that carry its files.

The form only offers what the organiser may pick: the committee's measures, goals, partner
roster, partnerships and branches, and the current members of the committee's branches.
A forged id in the POST is therefore "not one of the available choices"; the services check
the same rules again before anything is written (``Activity.validate_relations``).
"""

from __future__ import annotations

import datetime as dt
import html
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db.models import Q
from django.forms.models import ModelChoiceIteratorValue
from django.utils import timezone
from django.utils.choices import BaseChoiceIterator
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from activities.access import Organiser
from activities.models import (
    MAX_PEOPLE_COUNT,
    Activity,
    ActivityKind,
    AttachmentKind,
    Goal,
    Measure,
)
from activities.uploads import max_files_per_request
from branches.models import Branch, Member
from partnerships.models import PartnerOrganisation, Partnership, PartnershipMember, PlanItem
from portal.core.ids import parse_ids

#: Fields handed to the services as plain values (the rest are many-to-many relations).
SCALAR_FIELDS = (
    "title",
    "kind",
    "starts_at",
    "ends_at",
    "location",
    "measure",
    "partnership",
    "plan_item",
    "no_partner_reason",
    "external_participants",
    "volunteers",
    "beneficiaries",
    "summary",
    "outcome",
)
RELATION_FIELDS = ("partners", "attendees", "co_branches", "goals")
COUNT_FIELDS = ("external_participants", "volunteers", "beneficiaries")
#: File rows shown on the form; each row takes several files of one kind.
ATTACHMENT_ROWS = 1
#: What a phone offers in its file picker (the server checks the content anyway): without
#: ``capture``, a phone offers both the camera and the album.
ACCEPTED_FILES = "image/*,application/pdf"


#: The create form's one-time token (``CreateFormToken``): a form sent twice saves once.
FORM_TOKEN_FIELD = "form_token"  # noqa: S105 - a field name
_FORM_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def new_form_token() -> str:
    return secrets.token_urlsafe(24)


def posted_form_token(data: Mapping[str, Any]) -> str:
    """The token a create form sent, or "" when it sent none or not one of ours (such a form
    is saved as before, without the guard)."""
    value = data.get(FORM_TOKEN_FIELD, "")
    return value if isinstance(value, str) and _FORM_TOKEN.fullmatch(value) else ""


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's date-and-time picker; values are shown and read in the portal's zone."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class CheckboxList(forms.CheckboxSelectMultiple):
    """Checkboxes whose markup the template writes itself (grouped, searchable)."""


class MemberCheckboxes(CheckboxList):
    """Each member's box names its branch, so that the page can tick it as a co-organiser."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        member = getattr(value, "instance", None)
        if member is not None:
            option["attrs"]["data-branch"] = member.branch_id
        return option


class PartnershipSelect(forms.Select):
    """The partnerships, each option naming its partner units (``data-partners``): choosing
    one ticks them (static/js/activity-form.js)."""

    def optgroups(self, name, value, attrs=None):
        # Read when the page is drawn (one query), not when a POST is checked.
        queryset = getattr(self.choices, "queryset", None)
        self.units = partnership_units(queryset) if queryset is not None else {}
        return super().optgroups(name, value, attrs)

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        partnership_id = getattr(value, "value", None)
        units = getattr(self, "units", {})
        if partnership_id in units:
            option["attrs"]["data-partners"] = " ".join(map(str, units[partnership_id]))
        return option


class CachedChoices(BaseChoiceIterator):
    """A widget's choices read from the database once, when the page is drawn (a form
    only checked, in a POST that saves, never reads them), then kept."""

    def __init__(self, build: Callable[[], list], queryset: Any = None) -> None:
        self.build = build
        #: What the choices are made of (``PartnershipSelect`` reads its units from it).
        self.queryset = queryset
        self._choices: list | None = None

    def __iter__(self):
        if self._choices is None:
            self._choices = self.build()
        return iter(self._choices)


def copied_values(activity: Activity) -> dict[str, Any]:
    """A new form's values taken from ``activity`` ("copy a previous activity"): everything
    but its dates, attendees and files, which belong to the day it took place."""
    values: dict[str, Any] = {
        name: getattr(activity, name)
        for name in SCALAR_FIELDS
        # A plan item is fulfilled once: the copy does not fulfil it again.
        if name not in {"starts_at", "ends_at", "measure", "partnership", "plan_item"}
    }
    values["measure"] = activity.measure_id
    values["partnership"] = activity.partnership_id
    for name in ("partners", "goals", "co_branches"):
        values[name] = [obj.pk for obj in getattr(activity, name).all()]
    return values


def default_times(now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """A new record's times: today, the two hours before the current hour (a secretary logs
    an activity once it is over; one that has not started yet cannot be submitted)."""
    now = timezone.localtime(now)
    end = now.replace(minute=0, second=0, microsecond=0)
    start = max(end - dt.timedelta(hours=2), end.replace(hour=0))
    return start, end


class ActivityForm(forms.ModelForm):
    """Log or change an activity of one organiser (a branch, or the committee itself)."""

    class Meta:
        model = Activity
        fields = (
            "title",
            "kind",
            "starts_at",
            "ends_at",
            "location",
            "measure",
            "goals",
            "partners",
            "partnership",
            "plan_item",
            "no_partner_reason",
            "co_branches",
            "attendees",
            "external_participants",
            "volunteers",
            "beneficiaries",
            "summary",
            "outcome",
        )
        field_classes = {"starts_at": forms.DateTimeField, "ends_at": forms.DateTimeField}
        widgets = {
            "starts_at": DateTimeLocalInput(),
            "ends_at": DateTimeLocalInput(),
            "measure": forms.RadioSelect,
            "goals": CheckboxList,
            "partners": CheckboxList,
            "co_branches": CheckboxList,
            "attendees": MemberCheckboxes,
            "partnership": PartnershipSelect,
            "summary": forms.Textarea(
                attrs={"rows": 3, "placeholder": _("What was done, with whom, and how.")}
            ),
            "outcome": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "summary": _("What was done, with whom, and how."),
            "no_partner_reason": _("Only when no partner organisation took part."),
            "outcome": _("Results worth reporting: problems solved, homes delivered, honours."),
        }

    def __init__(
        self,
        *args: Any,
        user: AbstractBaseUser,
        organiser: Organiser,
        **kwargs: Any,
    ) -> None:
        instance = kwargs.get("instance")
        if instance is None:
            kwargs["instance"] = Activity(committee=organiser.committee, branch=organiser.branch)
        super().__init__(*args, **kwargs)
        self.organiser = organiser
        committee = organiser.committee
        editing = self.instance.pk is not None

        self.fields["measure"].queryset = Measure.objects.for_user(user).filter(committee=committee)
        self.fields["measure"].empty_label = None
        self.fields["goals"].queryset = Goal.objects.for_user(user).filter(committee=committee)

        partners = PartnerOrganisation.objects.for_user(user).filter(committee=committee)
        keep = Q(is_active=True)
        if editing:  # a partner taken off the roster stays on the activities that had it
            keep |= Q(pk__in=self.instance.partners.values("pk"))
        self.fields["partners"].queryset = partners.filter(keep)

        # A branch's activity serves the committee's own agreements or the branch's; another
        # branch's agreement would count this activity in that branch's partnership figures.
        # An archived partnership is offered no more, but one the activity already serves stays
        # chosen (saving the form must not drop it).
        current = Q(pk__in=[])
        if editing and self.instance.partnership_id:
            current = Q(pk=self.instance.partnership_id)
        partnerships = (
            Partnership.all_objects.for_user(user)
            .filter(committee=committee)
            .filter(Q(archived_at__isnull=True) | current)
        )
        if organiser.branch is not None:
            partnerships = partnerships.filter(
                Q(branch__isnull=True) | Q(branch=organiser.branch) | current
            )
        self._offer_partnerships(user, partnerships, current)
        self.fields["no_partner_reason"].widget.attrs.update(
            {"autocomplete": "off", "placeholder": _("e.g. a study session of the branch alone")}
        )

        branches = Branch.objects.for_user(user).filter(committee=committee)
        if organiser.branch is not None:
            branches = branches.exclude(pk=organiser.branch.pk)
        self.fields["co_branches"].queryset = branches

        members = Member.objects.for_user(user).filter(committee=committee)
        keep = Q(pk__in=Member.objects.current().values("pk"))
        if editing:  # attendees who left since stay ticked and can be unticked
            keep |= Q(pk__in=self.instance.attendees.values("pk"))
        # Hundreds of members in a big committee: only what the boxes and the checks read.
        self.fields["attendees"].queryset = (
            members.filter(keep)
            .select_related("branch")
            .only(
                "pk",
                "committee_id",
                "branch_id",
                "name",
                "branch__id",
                "branch__committee_id",
                "branch__name",
                "branch__sort_order",
            )
        )

        for name in COUNT_FIELDS:
            count = self.fields[name]
            count.required = False
            count.validators.append(MaxValueValidator(MAX_PEOPLE_COUNT))
            count.widget.attrs.update({"min": 0, "max": MAX_PEOPLE_COUNT, "inputmode": "numeric"})
        self.fields["kind"].choices = [("", _("— choose —")), *ActivityKind.choices]
        self.fields["title"].widget.attrs["autocomplete"] = "off"
        self.fields["location"].widget.attrs["autocomplete"] = "off"

        if editing:
            self.fields["version"] = forms.IntegerField(
                widget=forms.HiddenInput, initial=self.instance.version
            )
        else:
            # A new form gets a fresh token; a form sent back with mistakes keeps its own.
            self.fields[FORM_TOKEN_FIELD] = forms.CharField(
                widget=forms.HiddenInput, required=False, initial=new_form_token
            )

    # --- Partnerships and their plan items ---------------------------------------------------
    def activity_day(self) -> dt.date:
        """The day the partnerships offered must be in force on: the activity's start date (as
        sent, on a form sent back), or today when it has none yet."""
        if self.is_bound:
            try:
                sent = self.fields["starts_at"].to_python(
                    self.data.get(self.add_prefix("starts_at"))
                )
            except ValidationError:
                sent = None
            if sent:
                return timezone.localdate(sent)
        if self.instance.starts_at:
            return timezone.localdate(self.instance.starts_at)
        return timezone.localdate()

    def _sent_id(self, name: str) -> int | None:
        if not self.is_bound:
            return None
        ids = parse_ids([self.data.get(self.add_prefix(name)) or ""])
        return ids[0] if ids else None

    def _offer_partnerships(self, user: AbstractBaseUser, accepted: Any, current: Q) -> None:
        """Accept any partnership the organiser may serve; offer those in force on the
        activity's day (and the one it already serves, or the one sent back).

        Whether the activity falls within the chosen one's term is the model's rule
        (``Activity.clean``), with its own message. Each offered partnership's plan items for
        the activity's year are offered as ``plan_item``, grouped by partnership; any item of
        an accepted partnership's plans is accepted, and the model checks it belongs to the
        chosen one.
        """
        day = self.activity_day()
        kept = current
        sent = self._sent_id("partnership")
        if sent is not None:
            kept |= Q(pk=sent)
        in_force = Q(starts_on__lte=day) & (Q(ends_on__isnull=True) | Q(ends_on__gte=day))
        field = self.fields["partnership"]
        field.queryset = accepted
        field.empty_label = _("— none —")
        offered = accepted.filter(in_force | kept)

        def partnership_choices() -> list:
            return [
                ("", field.empty_label),
                *((ModelChoiceIteratorValue(p.pk, p), str(p)) for p in offered),
            ]

        field.widget.choices = CachedChoices(partnership_choices, queryset=offered)

        items = self.fields["plan_item"]
        items.queryset = PlanItem.objects.for_user(user).filter(plan__partnership__in=accepted)
        items.error_messages["invalid_choice"] = _(
            "Choose an item of the plan of the chosen partnership."
        )
        kept_ids = [
            pk for pk in (self.instance.plan_item_id, self._sent_id("plan_item")) if pk is not None
        ]

        def item_choices() -> list:
            # The partnerships offered are read by then (drawn first, on the same page).
            offered_ids = [value.value for value, _label in field.widget.choices if value]
            if not offered_ids and not kept_ids:
                return [("", _("— none —"))]
            shown = (
                items.queryset.filter(
                    Q(plan__partnership__in=offered_ids, plan__year=day.year) | Q(pk__in=kept_ids)
                )
                .select_related("plan__partnership")
                .order_by(
                    "plan__partnership__title",
                    "plan__partnership_id",
                    "-plan__year",
                    "position",
                    "pk",
                )
            )
            groups: dict[int, tuple[str, list[tuple[int, str]]]] = {}
            for item in shown:
                partnership = item.plan.partnership
                label = str(item)
                if item.plan.year != day.year:
                    label = f"{label} · {item.plan.year}"
                group = groups.setdefault(partnership.pk, (partnership.title, []))
                group[1].append((item.pk, label))
            return [("", _("— none —")), *groups.values()]

        items.widget.choices = CachedChoices(item_choices)

    @property
    def partnership_offered(self) -> bool:
        """Whether any partnership is offered (read when the page is drawn, then kept)."""
        return len(list(self.fields["partnership"].widget.choices)) > 1

    @property
    def plan_items_offered(self) -> bool:
        return len(list(self.fields["plan_item"].widget.choices)) > 1

    # --- Cleaning ----------------------------------------------------------------------------
    def clean_form_token(self) -> str:
        return posted_form_token(self.data)

    def _clean_count(self, name: str) -> int:
        value = self.cleaned_data.get(name)
        return 0 if value is None else value

    def clean_external_participants(self) -> int:
        return self._clean_count("external_participants")

    def clean_volunteers(self) -> int:
        return self._clean_count("volunteers")

    def clean_beneficiaries(self) -> int:
        return self._clean_count("beneficiaries")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        item = cleaned.get("plan_item")
        if item is not None and not cleaned.get("partnership") and "partnership" not in self.errors:
            # An item names its partnership: choosing the item is enough.
            cleaned["partnership"] = (
                self.fields["partnership"].queryset.filter(pk=item.plan.partnership_id).first()
            )
        branch = self.organiser.branch
        attendees = cleaned.get("attendees")
        if branch is not None and attendees and "co_branches" in cleaned:
            allowed = {branch.pk} | {b.pk for b in cleaned["co_branches"]}
            outside = [m for m in attendees if m.branch_id not in allowed]
            if outside:
                self.add_error(
                    "attendees",
                    _(
                        "%(names)s belong to another branch: tick their branch as a "
                        "co-organiser, or untick them."
                    )
                    % {"names": "、".join(m.name for m in outside)},
                )
        return cleaned

    # --- What the services get -------------------------------------------------------------
    def scalar_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in SCALAR_FIELDS}

    def relation_values(self) -> dict[str, list]:
        return {name: list(self.cleaned_data[name]) for name in RELATION_FIELDS}

    # --- What the template shows -----------------------------------------------------------
    def attendee_groups(self) -> list[MemberGroup]:
        """Checkboxes of the members the page shows: the organising branch's current members
        (with "select all"), the ticked co-organisers' and anyone else already ticked.

        Members of the rest of the committee are found by a search on the server
        (``views.edit.member_search``): the page does not grow with the committee. A
        committee-level activity shows the members already ticked and the search.

        Each box is plain values that the template writes out (the markup Django's widget
        would make), instead of a widget rendered through its own template per member.
        """
        bound = self["attendees"]
        ticked = self.selected_ids("attendees")
        ticked_ids = parse_ids(ticked)
        branch = self.organiser.branch
        shown_branches = set(self._ticked_co_branch_ids())
        if branch is not None:
            shown_branches.add(branch.pk)
        current = Member.objects.current().values("pk")
        members = (
            self.fields["attendees"]
            .queryset.filter(Q(branch_id__in=shown_branches, pk__in=current) | Q(pk__in=ticked_ids))
            .order_by("branch__sort_order", "branch__name", "branch_id", "name", "pk")
        )
        groups: dict[int, MemberGroup] = {}
        for member in members:
            group = groups.get(member.branch_id)
            if group is None:
                group = groups[member.branch_id] = MemberGroup(
                    branch=member.branch, organising=member.branch_id in shown_branches
                )
            group.checkboxes.append(
                MemberCheckbox(
                    name=bound.html_name,
                    value=member.pk,
                    label=str(member),
                    id=f"{bound.auto_id}_{member.pk}" if bound.auto_id else "",
                    branch_id=member.branch_id,
                    checked=str(member.pk) in ticked,
                )
            )
        if branch is not None and branch.pk not in groups:
            groups[branch.pk] = MemberGroup(branch=branch, organising=True)
        own = [groups.pop(branch.pk)] if branch is not None else []
        return own + list(groups.values())

    def _ticked_co_branch_ids(self) -> list[int]:
        return parse_ids(self.selected_ids("co_branches"))

    def partner_boxes(self, ranking: Any) -> tuple[list[PartnerBox], list[PartnerBox]]:
        """The roster's boxes in the organiser's order: (those it works with, the rest)."""
        bound = self["partners"]
        ticked = self.selected_ids("partners")
        partners = {p.pk: p for p in self.fields["partners"].queryset}
        first, rest = [], []
        for pk in ranking.order:
            partner = partners.get(pk)
            if partner is None:
                continue
            box = PartnerBox(
                partner=partner,
                id=f"{bound.auto_id}_{pk}",
                name=bound.html_name,
                checked=str(pk) in ticked,
            )
            (first if pk in ranking.frequent or box.checked else rest).append(box)
        return first, rest

    def selected_ids(self, name: str) -> set[str]:
        """The ticked values of a checkbox list, as the strings the checkboxes carry."""
        value = self[name].value() or []
        return {str(getattr(v, "pk", v)) for v in value}


@dataclass(frozen=True)
class MemberCheckbox:
    """One member's box, as ``form_member_group.html`` writes it."""

    name: str
    value: int
    label: str
    id: str
    branch_id: int
    checked: bool


@dataclass(frozen=True)
class PartnerBox:
    """One partner unit's box on the form."""

    partner: PartnerOrganisation
    id: str
    name: str
    checked: bool


def partnership_units(partnerships: Any) -> dict[int, list[int]]:
    """Each offered partnership's partner units (one query)."""
    units: dict[int, list[int]] = {}
    rows = PartnershipMember.objects.filter(partnership__in=partnerships).values_list(
        "partnership_id", "partner_id"
    )
    for partnership_id, partner_id in rows:
        units.setdefault(partnership_id, []).append(partner_id)
    return units


@dataclass
class MemberGroup:
    branch: Branch
    #: The organising branch (or a ticked co-organiser): its members all shown, with "all".
    organising: bool = True
    checkboxes: list[MemberCheckbox] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"branch-{self.branch.pk}"

    def items_html(self) -> SafeString:
        """The group's ``<li>`` boxes, written here: hundreds of members render in about a
        millisecond (a template loop takes tens). Same markup as Django's checkbox widget."""
        escape = html.escape
        items = []
        for box in self.checkboxes:
            box_id = escape(box.id)
            items.append(
                f'<li class="choice"><label class="choice__label" for="{box_id}">'
                f'<input type="checkbox" name="{escape(box.name)}" value="{box.value}"'
                + (f' id="{box_id}"' if box.id else "")
                + f' data-branch="{box.branch_id}"'
                + (" checked" if box.checked else "")
                + f'> <span class="choice__text">{escape(box.label)}</span></label></li>'
            )
        return mark_safe("\n".join(items))  # noqa: S308 -- every value escaped above

    def any_checked(self) -> bool:
        return any(c.checked for c in self.checkboxes)


# --- Files --------------------------------------------------------------------------------


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file input that takes several files; cleans to a list (empty when none)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPTED_FILES}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class AttachmentRowForm(forms.Form):
    """One row of the file picker: what the files are, a caption, and the files."""

    kind = forms.ChoiceField(
        label=_("kind"), choices=AttachmentKind.choices, initial=AttachmentKind.PHOTO
    )
    caption = forms.CharField(label=_("caption"), max_length=200, required=False)
    files = MultipleFileField(label=_("files"), required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("caption") and not cleaned.get("files") and not self.errors:
            self.add_error("files", _("Choose the file this caption belongs to."))
        return cleaned


class BaseAttachmentRows(forms.BaseFormSet):
    """The file rows together: at most ``ATTACHMENT_MAX_FILES_PER_REQUEST`` files in all, so
    that one request cannot keep a worker decoding pictures for long."""

    def clean(self) -> None:
        super().clean()
        files = self.files if hasattr(self.files, "getlist") else None
        if files is None:
            return
        chosen = sum(len(files.getlist(row.add_prefix("files"))) for row in self.forms)
        limit = max_files_per_request()
        if chosen > limit:
            raise forms.ValidationError(
                _(
                    "%(count)s files were chosen, but at most %(limit)s can be sent at once. "
                    "None of them was taken: choose fewer, and add the rest afterwards."
                )
                % {"count": chosen, "limit": limit},
                code="too_many_files",
            )


AttachmentRowFormSet = forms.formset_factory(
    AttachmentRowForm,
    formset=BaseAttachmentRows,
    extra=ATTACHMENT_ROWS,
    max_num=20,
    absolute_max=20,
    validate_max=True,
)


def attachment_rows(data: Any = None, files: Any = None) -> forms.BaseFormSet:
    """The file rows of the activity form (bound when ``data`` is given)."""
    return AttachmentRowFormSet(data, files, prefix="attachments")


@dataclass(frozen=True)
class PickedFile:
    kind: str
    caption: str
    upload: Any


def picked_files(rows: forms.BaseFormSet) -> tuple[list[PickedFile], list[str]]:
    """The files chosen in valid rows, and the messages of the rows that are not valid.

    When the rows as a whole are refused (too many files or rows), no file is taken.
    """
    if not rows.is_valid():
        errors = list(rows.non_form_errors())
        if errors:
            return [], errors
        for row in rows.forms:
            for messages in row.errors.values():
                errors.extend(messages)
        # Valid rows still count: a secretary should not lose the photos of a good row.
        valid = [row for row in rows.forms if row.is_bound and not row.errors]
    else:
        errors = []
        valid = list(rows.forms)
    picked = [
        PickedFile(kind=row.cleaned_data["kind"], caption=row.cleaned_data["caption"], upload=f)
        for row in valid
        if getattr(row, "cleaned_data", None)
        for f in row.cleaned_data.get("files") or []
    ]
    return picked, errors
