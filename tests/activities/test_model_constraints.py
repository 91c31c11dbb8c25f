"""The activity's check constraints hold in Python (no query per constraint) and in the DB."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from activities.models import MAX_PEOPLE_COUNT, Activity
from tests import factories


@pytest.fixture
def activity(cast):
    measure = factories.MeasureFactory(committee=cast.committee_a)
    return factories.ActivityFactory(
        committee=cast.committee_a, branch=cast.branch_a1, measure=measure
    )


def test_validating_the_constraints_asks_the_database_nothing(activity, django_assert_num_queries):
    with django_assert_num_queries(0):
        activity.validate_constraints()


@pytest.mark.parametrize("field", ["external_participants", "volunteers", "beneficiaries"])
def test_an_implausible_head_count_is_refused_in_python_and_by_the_database(activity, field):
    setattr(activity, field, MAX_PEOPLE_COUNT + 1)
    with pytest.raises(ValidationError) as error:
        activity.validate_constraints()
    assert field in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.filter(pk=activity.pk).update(**{field: MAX_PEOPLE_COUNT + 1})


def test_an_unknown_status_is_refused(activity):
    activity.status = "lost"
    with pytest.raises(ValidationError) as error:
        activity.validate_constraints()
    assert "status" in error.value.message_dict
