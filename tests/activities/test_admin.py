"""Activity and honour admin: relations stay within the committee; who created it is kept."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from activities import services
from activities.models import Activity, ActivityAction, ActivityStatus, Attachment, Honour
from tests import factories
from tests.activities.test_detail import english
from tests.branches.test_history import _form_data


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


# --- Under review or approved: changed through the workflow, never silently here ----------------


def _reviewed(cast, measure, status: str) -> Activity:
    """An activity A1's secretary logged and submitted, approved by staff if ``status`` says."""
    start = timezone.now() - dt.timedelta(days=3)
    activity = services.activity_create(
        created_by=cast.secretary_a1,
        committee=cast.committee_a,
        branch=cast.branch_a1,
        measure=measure,
        title="联合主题党日",
        kind="study",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        beneficiaries=120,
    )
    factories.give_essentials(activity)
    services.activity_transition(activity, action=ActivityAction.SUBMITTED, by=cast.secretary_a1)
    if status == ActivityStatus.APPROVED:
        services.activity_transition(activity, action=ActivityAction.APPROVED, by=cast.staff_a)
    activity.refresh_from_db()
    assert activity.status == status
    return activity


def _counted_beneficiaries() -> int:
    """What the dashboards add up: approved, not archived (``counted_as_done``)."""
    return Activity.objects.approved().aggregate(total=Sum("beneficiaries"))["total"] or 0


def _change_url(activity) -> str:
    return reverse("admin:activities_activity_change", args=[activity.pk])


@pytest.mark.parametrize("status", [ActivityStatus.APPROVED, ActivityStatus.SUBMITTED])
@pytest.mark.parametrize("user", ["admin_a", "superuser"])
def test_an_activity_under_review_or_approved_cannot_be_changed_in_the_admin(cast, status, user):
    """The review's finding: a committee admin set an approved activity's beneficiaries to
    99,999; it stayed approved, the dashboards counted it, the timeline showed nothing."""
    measure = factories.MeasureFactory(committee=cast.committee_a)
    activity = _reviewed(cast, measure, status)
    counted, events = _counted_beneficiaries(), activity.events.count()
    data = _activity_data(cast, measure, title="联合主题党日", beneficiaries="99999")

    response = cast.client_for(getattr(cast, user)).post(_change_url(activity), data)

    assert response.status_code == 403
    activity.refresh_from_db()
    assert (activity.status, activity.beneficiaries) == (status, 120)
    assert _counted_beneficiaries() == counted
    assert activity.events.count() == events


def test_the_admin_shows_an_approved_activity_read_only_and_points_to_the_workflow(cast):
    measure = factories.MeasureFactory(committee=cast.committee_a)
    activity = _reviewed(cast, measure, ActivityStatus.APPROVED)
    Attachment.objects.create(activity=activity, file="activities/x/1.pdf", kind="document")

    response = english(cast.client_for(cast.admin_a)).get(_change_url(activity))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="_save"' not in html
    assert 'name="beneficiaries"' not in html
    assert 'name="attachments-0-caption"' not in html  # its files are the reviewer's evidence
    (message,) = list(response.context["messages"])
    assert "read-only here" in str(message)
    assert f'href="{reverse("activities:detail", args=[activity.pk])}"' in html


def test_reverting_an_approved_activity_to_an_old_version_is_refused(cast):
    """simple_history's revert form would save any version, the draft included."""
    measure = factories.MeasureFactory(committee=cast.committee_a)
    activity = _reviewed(cast, measure, ActivityStatus.APPROVED)
    Activity.history.filter(id=activity.pk).update(beneficiaries=99_999)  # an old version
    version = activity.history.earliest()
    url = reverse(
        "admin:activities_activity_simple_history", args=[activity.pk, version.history_id]
    )
    client = english(cast.client_for(cast.admin_a))

    assert 'name="_save"' not in client.get(url).content.decode()
    response = client.post(url, _activity_data(cast, measure, beneficiaries="99999"))

    assert response.status_code == 403
    activity.refresh_from_db()
    assert (activity.status, activity.beneficiaries) == (ActivityStatus.APPROVED, 120)


def test_after_reopening_the_admin_corrects_it_on_the_timeline_and_cannot_approve_it(cast):
    """The workflow: staff reopen it; the admin's correction is on the timeline with who and
    what; it counts again only once a reviewer other than the corrector approves it."""
    measure = factories.MeasureFactory(committee=cast.committee_a)
    activity = _reviewed(cast, measure, ActivityStatus.APPROVED)
    services.activity_transition(
        activity, action=ActivityAction.REOPENED, by=cast.staff_a, comment="受益人数需更正"
    )
    assert _counted_beneficiaries() == 0

    client = english(cast.client_for(cast.admin_a))
    data = _form_data(client.get(_change_url(activity)))
    data.update(
        {"beneficiaries": "150", "attachments-TOTAL_FORMS": "0", "attachments-INITIAL_FORMS": "0"}
    )
    response = client.post(_change_url(activity), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    edit = activity.events.latest("at", "pk")
    assert (edit.action, edit.actor) == (ActivityAction.EDITED, cast.admin_a)
    assert edit.comment == "In the admin: beneficiaries"
    services.activity_transition(activity, action=ActivityAction.SUBMITTED, by=cast.secretary_a1)
    with pytest.raises(services.FourEyesRefusal):
        services.activity_transition(activity, action=ActivityAction.APPROVED, by=cast.admin_a)
    services.activity_transition(activity, action=ActivityAction.APPROVED, by=cast.staff_a)
    assert _counted_beneficiaries() == 150


def test_an_activity_added_in_the_admin_starts_its_timeline(cast):
    measure = factories.MeasureFactory(committee=cast.committee_a)
    cast.client_for(cast.admin_a).post(
        reverse("admin:activities_activity_add"), _activity_data(cast, measure)
    )
    (event,) = Activity.objects.get().events.all()
    assert (event.action, event.actor) == (ActivityAction.CREATED, cast.admin_a)
