"""What the reviewer sees of the partners' confirmation, and the committee's rule
(``Committee.partner_confirmation_required``): with it on, an activity with partners that no
partner has confirmed is not approved — the page says why instead of offering the button, and
a forced approval is refused with a message, nothing changed."""

from __future__ import annotations

import html

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from activities.models import ActivityStatus
from portal.partners import services
from portal.partners.models import Verdict

pytestmark = pytest.mark.django_db

GATE_NOTE = "本党委规定：有共建单位参加的活动，须经共建单位确认记录后方可通过"


@pytest.fixture
def gate(cast):
    cast.committee_a.partner_confirmation_required = True
    cast.committee_a.save()


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def approve(client, activity):
    return client.post(
        reverse("activities:transition", args=[activity.pk, "approve"]),
        {"version": activity.version},
        follow=True,
    )


def test_the_review_page_shows_the_partners_confirmation_state(cast, activity, zhang):
    services.partner_links_issue(activity=activity, contacts=[zhang], by=cast.secretary_a1)
    client = cast.client_for(cast.staff_a)

    detail = text_of(client.get(reverse("activities:detail", args=[activity.pk])))
    panel = detail[detail.index('id="actions-heading"') :]
    assert "共建单位确认" in panel
    assert 'class="status status--pc-pending">待确认' in panel

    queue = text_of(client.get(reverse("activities:review_queue")))
    assert 'class="status status--pc-pending">待确认' in queue
    assert "须经共建单位确认后方可通过" not in queue  # the rule is off


def test_with_the_rule_on_an_unconfirmed_activity_is_not_approved(cast, activity, gate):
    client = cast.client_for(cast.staff_a)

    page = text_of(client.get(reverse("activities:detail", args=[activity.pk])))
    assert GATE_NOTE in page
    assert reverse("activities:transition", args=[activity.pk, "approve"]) not in page
    assert reverse("activities:transition", args=[activity.pk, "return"]) in page
    queue = text_of(client.get(reverse("activities:review_queue")))
    assert "须经共建单位确认后方可通过" in queue

    response = approve(client, activity)

    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert messages == [
        "本党委规定：有共建单位参加的活动，须经共建单位确认记录后方可通过；这条活动目前为“未邀请”。"
    ]
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.SUBMITTED


def test_with_the_rule_on_a_confirmed_activity_is_approved(cast, activity, zhang, gate):
    (link,) = services.partner_links_issue(
        activity=activity, contacts=[zhang], by=cast.secretary_a1
    )
    services.partner_answer_record(link=link.link, activity=activity, verdict=Verdict.CONFIRMED)
    activity.refresh_from_db()
    client = cast.client_for(cast.staff_a)

    page = text_of(client.get(reverse("activities:detail", args=[activity.pk])))
    assert GATE_NOTE not in page
    approve(client, activity)

    activity.refresh_from_db()
    assert activity.status == ActivityStatus.APPROVED


def test_with_the_rule_off_an_unconfirmed_activity_is_approved(cast, activity):
    approve(cast.client_for(cast.staff_a), activity)
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.APPROVED


def test_the_rule_is_set_in_the_committees_admin_form(cast):
    client = cast.client_for(cast.admin_a)
    page = text_of(
        client.get(reverse("admin:branches_committee_change", args=[cast.committee_a.pk]))
    )
    assert 'name="partner_confirmation_required"' in page
    assert "须经共建单位确认后方可通过" in page
    assert "勾选后，有共建单位参加的活动" in page
