"""The partners' steps on an activity's timeline have a contact and no login (``actor`` empty):
every place that reads the timeline names the contact and their unit, and none mistakes a
partner's step — or the branch asking them — for somebody's own work."""

from __future__ import annotations

import html

import pytest
from django.core import mail
from django.urls import reverse

from activities import access
from activities.models import ActivityAction, ActivityStatus
from activities.notifications import activity_event_notify
from activities.selectors import review_queue
from portal.partners import services
from portal.partners.models import Verdict
from portal.records.content import record_content
from portal.records.selectors import activity_for_record

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def ask_and_answer(cast, activity, contact, verdict, *, by=None, **fields):
    (link,) = services.partner_links_issue(
        activity=activity, contacts=[contact], by=by or cast.secretary_a1
    )
    return services.partner_answer_record(
        link=link.link, activity=activity, verdict=verdict, **fields
    )


def timeline_of(response) -> str:
    text = text_of(response)
    return text[text.index('id="timeline-heading"') :]


def test_the_timeline_names_the_contact_and_what_they_said(cast, activity, zhang):
    ask_and_answer(cast, activity, zhang, Verdict.CONFIRMED, partner_head_count=8, rating="fair")

    timeline = timeline_of(
        cast.client_for(cast.secretary_a1).get(reverse("activities:detail", args=[activity.pk]))
    )

    assert "邀请共建单位确认" in timeline
    assert '<span class="timeline__actor">张三（春江街道）</span>' in timeline
    assert "情况属实；本单位参加8人；评价：基本满意" in timeline


def test_a_partners_correction_reads_as_theirs_on_the_page_home_record_and_email(
    cast, activity, zhang, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    ask_and_answer(cast, activity, zhang, Verdict.CORRECTION, comment="参加人数应为 20 人")
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.RETURNED
    client = cast.client_for(cast.secretary_a1)

    page = text_of(client.get(reverse("activities:detail", args=[activity.pk])))
    banner = page[page.index('id="review-banner-title"') : page.index("</section>")]
    assert "共建单位要求更正" in banner
    assert "张三（春江街道）" in banner
    assert "张三（春江街道）要求更正：参加人数应为 20 人" in banner
    assert "请按共建单位的意见更正记录" in banner

    home = text_of(client.get(reverse("home")))
    assert "共建单位意见" in home
    assert "张三（春江街道）要求更正：参加人数应为 20 人" in home

    record = record_content(activity_for_record(cast.secretary_a1, activity.pk))
    returned = next(e for e in record["events"] if e["action"] == "退回修改")
    assert returned["actor"] == "张三（春江街道）"
    assert record["review"]["by"] == "张三（春江街道）"

    event = activity.events.get(action=ActivityAction.RETURNED)
    assert activity_event_notify(event.pk) == 1
    (message,) = mail.outbox
    assert message.to == ["secretary_a1@example.cn"]
    assert "张三（春江街道）" in message.body


def test_asking_the_partners_does_not_make_the_activity_the_askers_own_work(cast, activity, zhang):
    """A committee admin who asked the partners still approves it (four eyes count only
    creating, changing and submitting); a partner's step is nobody's work."""
    ask_and_answer(cast, activity, zhang, Verdict.CONFIRMED, by=cast.admin_a)
    activity.refresh_from_db()

    for reviewer in (cast.admin_a, cast.staff_a):
        assert not access.is_own_work(reviewer, activity)
        queued = review_queue(reviewer).get(pk=activity.pk)
        assert queued.own_work is False
    page = text_of(
        cast.client_for(cast.admin_a).get(reverse("activities:detail", args=[activity.pk]))
    )
    assert reverse("activities:transition", args=[activity.pk, "approve"]) in page
