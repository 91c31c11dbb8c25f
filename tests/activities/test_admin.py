"""Activity and honour admin: relations stay within the committee; who created it is kept."""

from __future__ import annotations

from django.urls import reverse

from activities.models import Activity, Honour
from tests import factories


def _activity_data(cast, measure, **extra) -> dict:
    data = {
        "committee": cast.committee_a.pk,
        "title": "联合主题党日",
        "kind": "study",
        "status": "draft",
        "branch": cast.branch_a1.pk,
        "starts_at_0": "2024-05-10",
        "starts_at_1": "09:00:00",
        "ends_at_0": "2024-05-10",
        "ends_at_1": "11:00:00",
        "measure": measure.pk,
        "external_participants": "10",
        "volunteers": "0",
        "beneficiaries": "0",
        "attachments-TOTAL_FORMS": "0",
        "attachments-INITIAL_FORMS": "0",
    }
    data.update(extra)
    return data


def test_admin_adds_an_activity_and_is_recorded_as_its_creator(cast):
    measure = factories.MeasureFactory(committee=cast.committee_a)
    response = cast.client_for(cast.admin_a).post(
        reverse("admin:activities_activity_add"),
        _activity_data(cast, measure, attendees=[cast.member_a1.pk]),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    activity = Activity.objects.get(title="联合主题党日")
    assert activity.committee == cast.committee_a
    assert activity.created_by == cast.admin_a
    assert list(activity.attendees.all()) == [cast.member_a1]


def test_attendees_must_come_from_the_organising_branches(cast):
    measure = factories.MeasureFactory(committee=cast.committee_a)
    response = cast.client_for(cast.admin_a).post(
        reverse("admin:activities_activity_add"),
        _activity_data(cast, measure, attendees=[cast.member_a2.pk]),
    )
    assert response.status_code == 200
    assert "attendees" in response.context["adminform"].form.errors
    assert not Activity.objects.exists()


def test_measure_and_attendees_of_another_committee_are_not_choices(cast):
    foreign_measure = factories.MeasureFactory(committee=cast.committee_b)
    response = cast.client_for(cast.admin_a).post(
        reverse("admin:activities_activity_add"),
        _activity_data(cast, foreign_measure, attendees=[cast.member_b1.pk]),
    )
    errors = response.context["adminform"].form.errors
    assert "measure" in errors
    assert "attendees" in errors
    assert not Activity.objects.exists()


def test_honour_links_only_own_activities(cast):
    foreign = factories.ActivityFactory(committee=cast.committee_b, branch=cast.branch_b1)
    response = cast.client_for(cast.admin_a).post(
        reverse("admin:activities_honour_add"),
        {
            "committee": cast.committee_a.pk,
            "branch": cast.branch_a1.pk,
            "title": "西湖杯",
            "level": "municipal",
            "awarding_body": "杭州市建设局",
            "awarded_on": "2023-12-01",
            "activities": [foreign.pk],
        },
    )
    assert response.status_code == 200
    assert "activities" in response.context["adminform"].form.errors
    assert not Honour.objects.exists()


def test_admin_cannot_approve_by_editing_the_status(cast):
    measure = factories.MeasureFactory(committee=cast.committee_a)
    response = cast.client_for(cast.admin_a).post(
        reverse("admin:activities_activity_add"), _activity_data(cast, measure, status="approved")
    )
    assert response.status_code == 302
    assert Activity.objects.get().status == "draft"


def test_superuser_cannot_tie_an_honour_to_another_committees_or_a_later_activity(cast):
    foreign = factories.ActivityFactory(committee=cast.committee_b, branch=cast.branch_b1)
    own = factories.ActivityFactory(committee=cast.committee_a, branch=cast.branch_a1)
    client = cast.client_for(cast.superuser)
    data = {
        "committee": cast.committee_a.pk,
        "branch": cast.branch_a1.pk,
        "title": "西湖杯",
        "level": "municipal",
        "awarding_body": "杭州市建设局",
        "awarded_on": "2023-12-01",  # before ``own``, which the factory dates three days ago
    }

    for activities in ([foreign.pk], [own.pk]):
        response = client.post(
            reverse("admin:activities_honour_add"), {**data, "activities": activities}
        )
        assert response.status_code == 200
        assert "activities" in response.context["adminform"].form.errors
    assert not Honour.objects.exists()


# --- Four eyes: the committee's own setting -----------------------------------------------------


def _committee_data(committee, **extra) -> dict:
    data = {
        "name": committee.name,
        "short_name": committee.short_name,
        "organisation": committee.organisation,
        "founded_on": "",
        "description": committee.description,
    }
    data.update(extra)
    return data


def test_a_committee_admin_allows_self_review_for_their_committee_only(cast):
    """Off by default; the committee's admins tick it in the admin; another committee's admin
    cannot reach it."""
    url = reverse("admin:branches_committee_change", args=[cast.committee_a.pk])
    assert cast.committee_a.allow_self_review is False
    page = cast.client_for(cast.admin_a).get(url)
    assert 'name="allow_self_review"' in page.content.decode()

    refused = cast.client_for(cast.admin_b).post(
        url, _committee_data(cast.committee_a, allow_self_review="on")
    )
    # Django's answer to a row outside the admin's queryset: back to the list, "not found".
    assert refused.status_code == 302
    assert refused["Location"] == reverse("admin:index")
    cast.committee_a.refresh_from_db()
    assert cast.committee_a.allow_self_review is False

    response = cast.client_for(cast.admin_a).post(
        url, _committee_data(cast.committee_a, allow_self_review="on")
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    cast.committee_a.refresh_from_db()
    assert cast.committee_a.allow_self_review is True
