"""A partner confirmed the record as it then stood: changing its facts afterwards — in the
portal's form or in the Django admin — marks the confirmation superseded (确认后已修改); a save
that changes none of them (the form's autosave, a field partners do not see) leaves it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from activities import services as activity_services
from activities.models import ActivityAction, ActivityStatus, PartnerCheck
from portal.partners import services
from portal.partners.models import Verdict
from tests.partners.conftest import new_activity

pytestmark = pytest.mark.django_db

#: The form's fields keep minutes: an activity starting on a whole minute round-trips unchanged.
STARTS = (timezone.now() - dt.timedelta(days=3)).replace(second=0, microsecond=0)


@pytest.fixture
def confirmed(cast, chunjiang, zhang):
    """Confirmed by 张三, then returned by staff for a change (editable again)."""
    activity = new_activity(
        cast,
        partners=[chunjiang],
        starts_at=STARTS,
        ends_at=STARTS + dt.timedelta(hours=2),
        external_participants=12,
    )
    (link,) = services.partner_links_issue(
        activity=activity, contacts=[zhang], by=cast.secretary_a1
    )
    services.partner_answer_record(link=link.link, activity=activity, verdict=Verdict.CONFIRMED)
    activity_services.activity_transition(
        activity, action=ActivityAction.RETURNED, by=cast.staff_a, comment="请补充活动成效"
    )
    activity.refresh_from_db()
    assert (activity.status, activity.partner_check) == (
        ActivityStatus.RETURNED,
        PartnerCheck.CONFIRMED,
    )
    return activity


def form_of(activity, **changes) -> dict:
    """The activity's edit form as the page sends it, with ``changes``."""
    local = timezone.localtime
    data = {
        "title": activity.title,
        "kind": activity.kind,
        "starts_at": local(activity.starts_at).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": local(activity.ends_at).strftime("%Y-%m-%dT%H:%M"),
        "location": activity.location,
        "measure": activity.measure_id,
        "goals": list(activity.goals.values_list("pk", flat=True)),
        "partners": list(activity.partners.values_list("pk", flat=True)),
        "attendees": list(activity.attendees.values_list("pk", flat=True)),
        "external_participants": str(activity.external_participants),
        "volunteers": str(activity.volunteers),
        "beneficiaries": str(activity.beneficiaries),
        "summary": activity.summary,
        "outcome": activity.outcome,
        "version": str(activity.version),
        "attachments-TOTAL_FORMS": "0",
        "attachments-INITIAL_FORMS": "0",
    }
    return data | changes


def check_of(activity) -> str:
    activity.refresh_from_db()
    return activity.partner_check


def test_changing_a_confirmed_records_facts_in_the_form_supersedes_the_confirmation(
    cast, confirmed
):
    client = cast.client_for(cast.secretary_a1)

    response = client.post(
        reverse("activities:edit", args=[confirmed.pk]),
        form_of(confirmed, external_participants="20", save="draft"),
        follow=True,
    )

    assert response.status_code == 200
    assert check_of(confirmed) == PartnerCheck.SUPERSEDED
    assert "确认后已修改" in response.content.decode()


def test_an_autosave_that_changes_no_fact_keeps_the_confirmation(cast, confirmed):
    client = cast.client_for(cast.secretary_a1)

    response = client.post(reverse("activities:autosave", args=[confirmed.pk]), form_of(confirmed))

    assert response.json()["saved"] is True
    assert check_of(confirmed) == PartnerCheck.CONFIRMED


def test_an_autosave_that_changes_the_summary_supersedes_it(cast, confirmed):
    client = cast.client_for(cast.secretary_a1)
    client.post(
        reverse("activities:autosave", args=[confirmed.pk]),
        form_of(confirmed, summary="与春江街道开展理论联学，并走访困难党员。"),
    )
    assert check_of(confirmed) == PartnerCheck.SUPERSEDED


def test_a_reopened_approved_activity_changed_afterwards_is_superseded(cast, chunjiang, zhang):
    activity = new_activity(cast, partners=[chunjiang], starts_at=STARTS)
    (link,) = services.partner_links_issue(
        activity=activity, contacts=[zhang], by=cast.secretary_a1
    )
    services.partner_answer_record(link=link.link, activity=activity, verdict=Verdict.CONFIRMED)
    activity_services.activity_transition(activity, action=ActivityAction.APPROVED, by=cast.staff_a)
    activity_services.activity_transition(
        activity, action=ActivityAction.REOPENED, by=cast.staff_a, comment="活动地点有误"
    )
    activity.refresh_from_db()

    activity_services.activity_update(
        activity,
        by=cast.secretary_a1,
        expected_version=activity.version,
        partners=[chunjiang],
        attendees=[cast.member_a1],
        location="春江街道党群服务中心",
    )

    assert check_of(activity) == PartnerCheck.SUPERSEDED


def admin_form(activity, **changes) -> dict:
    """The Django admin's change form of ``activity`` as sent, with ``changes``."""
    local = timezone.localtime
    data = {
        "committee": activity.committee_id,
        "title": activity.title,
        "kind": activity.kind,
        "branch": activity.branch_id,
        "starts_at_0": local(activity.starts_at).strftime("%Y-%m-%d"),
        "starts_at_1": local(activity.starts_at).strftime("%H:%M:%S"),
        "ends_at_0": local(activity.ends_at).strftime("%Y-%m-%d"),
        "ends_at_1": local(activity.ends_at).strftime("%H:%M:%S"),
        "location": activity.location,
        "measure": activity.measure_id,
        "partners": list(activity.partners.values_list("pk", flat=True)),
        "attendees": list(activity.attendees.values_list("pk", flat=True)),
        "external_participants": str(activity.external_participants),
        "volunteers": str(activity.volunteers),
        "beneficiaries": str(activity.beneficiaries),
        "summary": activity.summary,
        "outcome": activity.outcome,
        "no_partner_reason": activity.no_partner_reason,
        "attachments-TOTAL_FORMS": "0",
        "attachments-INITIAL_FORMS": str(activity.attachments.count()),
        "attachments-MIN_NUM_FORMS": "0",
        "attachments-MAX_NUM_FORMS": "1000",
    }
    initial = list(activity.attachments.order_by("pk"))
    data["attachments-TOTAL_FORMS"] = str(len(initial))
    for n, attachment in enumerate(initial):
        data |= {
            f"attachments-{n}-id": attachment.pk,
            f"attachments-{n}-activity": activity.pk,
            f"attachments-{n}-kind": attachment.kind,
            f"attachments-{n}-caption": attachment.caption,
        }
    return data | changes


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"title": "春江社区理论联学（更正）"}, PartnerCheck.SUPERSEDED),
        ({"kind": "lecture"}, PartnerCheck.CONFIRMED),  # partners confirm no activity kind
    ],
    ids=["a fact", "not a fact"],
)
def test_a_change_in_the_admin_supersedes_it_when_it_changes_a_fact(
    cast, confirmed, changes, expected
):
    client = cast.client_for(cast.admin_a)
    url = reverse("admin:activities_activity_change", args=[confirmed.pk])

    response = client.post(url, admin_form(confirmed, **changes))

    assert response.status_code == 302, (
        response.context["adminform"].form.errors,
        [fs.formset.errors for fs in response.context["inline_admin_formsets"]],
        [fs.formset.non_form_errors() for fs in response.context["inline_admin_formsets"]],
    )
    assert check_of(confirmed) == expected
    assert confirmed.events.filter(action=ActivityAction.EDITED, actor=cast.admin_a).exists()
