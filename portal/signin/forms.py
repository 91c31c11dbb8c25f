"""The sign-in's forms: a guest signing in on their phone (and the officer adding one by hand),
and the six-digit code typed by whoever cannot scan."""

from __future__ import annotations

import unicodedata
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from branches.models import validate_phone
from partnerships.models import PartnerOrganisation

#: The unit choice meaning "a unit that is not among the activity's partners".
OTHER_UNIT = "other"


class GuestForm(forms.Form):
    """Name, unit (one of the activity's partner units, or another named by hand) and an
    optional mobile number. ``partners``: the activity's partner units, in the order shown."""

    name = forms.CharField(
        label=pgettext_lazy("person", "Name"),
        max_length=50,
        error_messages={"required": _("Please give your name.")},
    )
    unit = forms.ChoiceField(
        label=_("Unit"), error_messages={"required": _("Say which unit you are from.")}
    )
    unit_name = forms.CharField(
        label=_("Name of the unit"),
        max_length=100,
        required=False,
        help_text=_("When your unit is not in the list."),
    )
    phone = forms.CharField(
        label=_("Mobile phone (optional)"),
        max_length=20,
        required=False,
        validators=[validate_phone],
        help_text=_("Kept with the sign-in sheet for the organiser; shown to nobody else."),
    )

    def __init__(self, *args: Any, partners: list[PartnerOrganisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.partners = {str(p.pk): p for p in partners}
        self.fields["unit"].choices = [
            ("", _("Choose your unit")),
            *((str(p.pk), p.name) for p in partners),
            (OTHER_UNIT, _("Another unit")),
        ]
        self.fields["name"].widget.attrs.update({"autocomplete": "name"})
        self.fields["phone"].widget.attrs.update(
            {"autocomplete": "tel", "inputmode": "tel", "type": "tel"}
        )

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Please give your name."))
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        unit = data.get("unit")
        data["partner"] = self.partners.get(unit) if unit and unit != OTHER_UNIT else None
        if unit == OTHER_UNIT:
            data["unit_name"] = " ".join((data.get("unit_name") or "").split())
            if not data["unit_name"]:
                self.add_error("unit_name", _("Say which unit you are from."))
        else:
            data["unit_name"] = ""
        return data


class DigitsField(forms.RegexField):
    """Digits as a Chinese keyboard may type them: full-width ones (１２３) read as 123."""

    def to_python(self, value: Any) -> str:
        return unicodedata.normalize("NFKC", super().to_python(value))


class CodeForm(forms.Form):
    code = DigitsField(
        label=_("Sign-in code"),
        # ASCII digits: other scripts' are no code (and hmac.compare_digest refuses them).
        regex=r"^[0-9]{6}$",
        max_length=6,
        error_messages={
            "required": _("Type the six digits shown at the venue."),
            "invalid": _("Type the six digits shown at the venue."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update(
            {"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": r"\d{6}"}
        )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip()


class MemberSearchForm(forms.Form):
    q = forms.CharField(label=_("Member's name"), max_length=50, required=False)
