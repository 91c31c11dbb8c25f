"""The answer a partner's contact gives about one activity, on a phone, without a login."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from activities.models import MAX_PEOPLE_COUNT
from portal.partners.models import Rating, Verdict

#: The longest comment taken: a few paragraphs typed on a phone.
COMMENT_MAX_LENGTH = 2000


class PartnerAnswerForm(forms.Form):
    """Whether the record is right (a correction needs a comment), the unit's own head count,
    and, if the contact likes, an evaluation of the joint work with a sentence about it.

    The templates lay the fields out themselves (``partners/public/includes/answer_form.html``);
    the service (``partner_answer_record``) checks the same rules again before writing."""

    verdict = forms.ChoiceField(
        label=pgettext_lazy("partner page", "Is the record right?"),
        choices=Verdict.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Say whether the record is right."),
            "invalid_choice": _("Say whether the record is right."),
        },
    )
    partner_head_count = forms.IntegerField(
        label=pgettext_lazy("partner page", "People of your unit who took part"),
        required=False,
        min_value=0,
        max_value=MAX_PEOPLE_COUNT,
        help_text=_("Optional: if the record's figures leave your unit out or count it wrongly."),
    )
    comment = forms.CharField(
        label=pgettext_lazy("partner page", "Comment"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed when the record should be corrected: say what is not right."),
    )
    rating = forms.ChoiceField(
        label=pgettext_lazy("partner page", "How useful was the joint work?"),
        choices=[("", pgettext_lazy("partner page", "No evaluation")), *Rating.choices],
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose one of the evaluations.")},
    )
    rating_comment = forms.CharField(
        label=pgettext_lazy("partner page", "A sentence about the joint work"),
        required=False,
        max_length=300,
        help_text=pgettext_lazy("partner page", "Optional."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("verdict") == Verdict.CORRECTION and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Please say what should be corrected."))
        return data
