"""``PartnerAnswer.said``: an answer in one line, as the timeline records it — the service and
the demo data write it through the same method."""

from __future__ import annotations

import pytest
from django.utils import translation

from portal.partners.models import PartnerAnswer, Rating, Verdict


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"verdict": Verdict.CONFIRMED}, "The record is right"),
        (
            {
                "verdict": Verdict.CONFIRMED,
                "partner_head_count": 3,
                "rating": Rating.FAIR,
                "rating_comment": "建议提前一周沟通议程。",
            },
            "The record is right；3 of the unit took part；evaluation: Fairly satisfied；"
            "建议提前一周沟通议程。",
        ),
        (
            {"verdict": Verdict.CORRECTION, "comment": "街道实际来了6人。"},
            "Please correct it；街道实际来了6人。",
        ),
    ],
)
def test_an_answer_reads_verdict_head_count_evaluation_then_the_contacts_words(fields, said):
    with translation.override("en"):
        assert PartnerAnswer(**fields).said() == said
