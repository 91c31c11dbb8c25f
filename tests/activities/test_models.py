"""Integrity rules of joint activities: dates, counts and who may be linked to them."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from activities.models import MAX_PEOPLE_COUNT
from tests import factories


@pytest.mark.django_db
def test_activity_cannot_end_before_it_starts():
    activity = factories.ActivityFactory()
    activity.ends_at = activity.starts_at - dt.timedelta(minutes=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        activity.save()


@pytest.mark.django_db
def test_activity_clean_reports_end_before_start_on_the_end_field():
    activity = factories.ActivityFactory()
    activity.ends_at = activity.starts_at - dt.timedelta(hours=1)
    with pytest.raises(ValidationError) as excinfo:
        activity.full_clean()
    assert "ends_at" in excinfo.value.message_dict


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["external_participants", "volunteers", "beneficiaries"])
def test_negative_counts_are_refused_by_the_database(field):
    activity = factories.ActivityFactory()
    setattr(activity, field, -1)
    with pytest.raises(IntegrityError), transaction.atomic():
        activity.save()


@pytest.mark.django_db
def test_absurd_counts_are_refused_by_the_database():
    activity = factories.ActivityFactory()
    activity.volunteers = MAX_PEOPLE_COUNT + 1
    with pytest.raises(IntegrityError), transaction.atomic():
        activity.save()


@pytest.mark.django_db
def test_measure_of_another_committee_is_refused():
    activity = factories.ActivityFactory()
    activity.measure = factories.MeasureFactory()  # another committee's framework
    with pytest.raises(ValidationError) as excinfo:
        activity.full_clean()
    assert "measure" in excinfo.value.message_dict


@pytest.mark.django_db
def test_partners_must_come_from_the_committees_roster(cast):
    activity = factories.ActivityFactory(committee=cast.committee_a, branch=cast.branch_a1)
    own = factories.PartnerFactory(committee=cast.committee_a)
    foreign = factories.PartnerFactory(committee=cast.committee_b)
    activity.validate_relations(partners=[own], attendees=[], co_branches=[], goals=[])
    with pytest.raises(ValidationError) as excinfo:
        activity.validate_relations(partners=[own, foreign], attendees=[], co_branches=[], goals=[])
    assert "partners" in excinfo.value.message_dict


@pytest.mark.django_db
def test_attendees_come_from_organising_or_co_organising_branches(cast):
    activity = factories.ActivityFactory(committee=cast.committee_a, branch=cast.branch_a1)
    activity.validate_relations(partners=[], attendees=[cast.member_a1], co_branches=[], goals=[])
    with pytest.raises(ValidationError) as excinfo:
        activity.validate_relations(
            partners=[], attendees=[cast.member_a1, cast.member_a2], co_branches=[], goals=[]
        )
    assert "attendees" in excinfo.value.message_dict
    # once A2 co-organises, its members may attend
    activity.validate_relations(
        partners=[],
        attendees=[cast.member_a1, cast.member_a2],
        co_branches=[cast.branch_a2],
        goals=[],
    )
    with pytest.raises(ValidationError) as excinfo:
        activity.validate_relations(
            partners=[], attendees=[cast.member_b1], co_branches=[cast.branch_a2], goals=[]
        )
    assert "attendees" in excinfo.value.message_dict


@pytest.mark.django_db
def test_co_organisers_and_goals_come_from_the_same_committee(cast):
    activity = factories.ActivityFactory(committee=cast.committee_a, branch=cast.branch_a1)
    with pytest.raises(ValidationError) as excinfo:
        activity.validate_relations(
            partners=[],
            attendees=[],
            co_branches=[cast.branch_b1, cast.branch_a1],
            goals=[factories.GoalFactory(committee=cast.committee_b)],
        )
    assert set(excinfo.value.message_dict) == {"co_branches", "goals"}


@pytest.mark.django_db
def test_honour_is_earned_by_earlier_activities_of_its_own_committee(cast):
    activity = factories.ActivityFactory(committee=cast.committee_a, branch=cast.branch_a1)
    honour = factories.HonourFactory(
        committee=cast.committee_a,
        branch=cast.branch_a1,
        awarded_on=activity.local_start_date + dt.timedelta(days=30),
    )
    honour.validate_relations(activities=[activity])

    foreign = factories.ActivityFactory(committee=cast.committee_b, branch=cast.branch_b1)
    with pytest.raises(ValidationError) as excinfo:
        honour.validate_relations(activities=[activity, foreign])
    assert "activities" in excinfo.value.message_dict

    honour.awarded_on = activity.local_start_date - dt.timedelta(days=1)
    with pytest.raises(ValidationError) as excinfo:
        honour.validate_relations(activities=[activity])
    assert "activities" in excinfo.value.message_dict
