"""activity_create saves an activity with its relations, or nothing at all."""

import pytest
from django.core.exceptions import ValidationError

from activities.models import Activity
from activities.services import activity_create
from tests import factories


def _fields(cast, **overrides):
    sample = factories.ActivityFactory.build()
    fields = {
        "committee": cast.committee_a,
        "branch": cast.branch_a1,
        "measure": factories.MeasureFactory(committee=cast.committee_a),
        "title": "理论联学：党的二十届三中全会精神宣讲",
        "kind": "lecture",
        "starts_at": sample.starts_at,
        "ends_at": sample.ends_at,
    }
    fields.update(overrides)
    return fields


@pytest.mark.django_db
def test_activity_is_created_with_its_partners_attendees_and_goals(cast):
    partner = factories.PartnerFactory(committee=cast.committee_a, name="春江街道")
    goal = factories.GoalFactory(committee=cast.committee_a)
    activity = activity_create(
        created_by=cast.secretary_a1,
        partners=[partner],
        attendees=[cast.member_a1],
        goals=[goal],
        **_fields(cast),
    )
    activity.refresh_from_db()
    assert list(activity.partners.all()) == [partner]
    assert list(activity.attendees.all()) == [cast.member_a1]
    assert list(activity.goals.all()) == [goal]
    assert activity.created_by == cast.secretary_a1


@pytest.mark.django_db
def test_forged_partner_from_another_committee_saves_nothing(cast):
    foreign = factories.PartnerFactory(committee=cast.committee_b)
    with pytest.raises(ValidationError) as excinfo:
        activity_create(created_by=cast.secretary_a1, partners=[foreign], **_fields(cast))
    assert "partners" in excinfo.value.message_dict
    assert not Activity.objects.exists()


@pytest.mark.django_db
def test_attendee_from_another_branch_saves_nothing(cast):
    with pytest.raises(ValidationError) as excinfo:
        activity_create(created_by=cast.secretary_a1, attendees=[cast.member_a2], **_fields(cast))
    assert "attendees" in excinfo.value.message_dict
    assert not Activity.objects.exists()


@pytest.mark.django_db
def test_end_before_start_saves_nothing(cast):
    fields = _fields(cast)
    fields["ends_at"] = fields["starts_at"].replace(year=fields["starts_at"].year - 1)
    with pytest.raises(ValidationError) as excinfo:
        activity_create(created_by=cast.secretary_a1, **fields)
    assert "ends_at" in excinfo.value.message_dict
    assert not Activity.objects.exists()
