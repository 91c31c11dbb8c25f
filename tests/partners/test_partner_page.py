"""A partner's own page (``/p/u/<token>/``): this year's joint activities of its unit with the
committee — the approved ones and those waiting for the contact's answer — and the answers
given there, one activity at a time (``/p/u/<token>/<activity_id>/``)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from activities.models import Activity, ActivityAction, ActivityStatus, PartnerCheck
from activities.services import activity_transition
from branches.models import AuditAction, AuditEntry
from portal.core.periods import Period, local_today
from portal.partners.models import PartnerAnswer, PartnerLink, token_hash
from portal.partners.selectors import PARTNER_PAGE_SIZE
from tests import factories
from tests.partners.scene import (
    ATTENDEES,
    CONTACT_NAME,
    CONTACT_PHONE,
    REVIEW_COMMENT,
    Scene,
)

pytestmark = pytest.mark.django_db

INVALID = "链接无效或已过期"


def confirm(prefix: str, **more) -> dict:
    return {f"{prefix}-verdict": "confirmed", f"{prefix}-rating": "", **more}


def assert_invalid(response) -> None:
    assert response.status_code == 404
    assert INVALID in response.content.decode()


@pytest.fixture
def page(scene: Scene) -> str:
    return scene.page_token()


def last_year() -> dt.datetime:
    start = Period.year(local_today()).bounds()[0]
    return start - dt.timedelta(days=30)


def test_the_page_lists_this_years_approved_and_waiting_activities_of_the_unit(
    scene: Scene, page: str, client: Client
) -> None:
    scene.ask()  # the scene's submitted activity waits for the contact
    approved = scene.new_activity(title="已通过：联合开展消防演练", status=ActivityStatus.APPROVED)
    hidden = {
        "不等待本联系人答复的已提交活动": scene.new_activity(
            title="不等待本联系人答复的已提交活动"
        ),
        "去年已通过的活动": scene.new_activity(
            title="去年已通过的活动", starts_at=last_year(), status=ActivityStatus.APPROVED
        ),
        "其他共建单位的活动": scene.new_activity(
            title="其他共建单位的活动",
            status=ActivityStatus.APPROVED,
            partners=[factories.PartnerFactory(committee=scene.cast.committee_a)],
        ),
        "已归档的活动": scene.new_activity(title="已归档的活动", status=ActivityStatus.APPROVED),
    }
    Activity.objects.filter(title="已归档的活动").update(archived_at=timezone.now())
    other_contact = factories.ContactFactory(partner=scene.partner, name="另一位联系人")
    scene.ask(hidden["不等待本联系人答复的已提交活动"], contact=other_contact)

    response = client.get(f"/p/u/{page}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert f"春江街道社区 {local_today().year}年联建活动" in html
    assert "1项待您确认" in html
    assert "1项已通过" in html
    titles = [a.title for a in response.context["rows"]]
    assert titles == [scene.activity.title, approved.title]  # the waiting one first
    for title in hidden:
        assert title not in html
    # The waiting one has its form, posting to its own address; the approved one has none.
    assert f'action="/p/u/{page}/{scene.activity.pk}/"' in html
    assert f'action="/p/u/{page}/{approved.pk}/"' not in html
    assert html.count(f'name="a{scene.activity.pk}-verdict"') == 2  # its two radio buttons


def test_nothing_personal_is_on_the_page(scene: Scene, page: str, client: Client) -> None:
    scene.ask()
    scene.new_activity(title="已通过的活动", status=ActivityStatus.APPROVED)

    html = client.get(f"/p/u/{page}/").content.decode()

    for secret in (
        *(name for name, _phone in ATTENDEES),
        *(phone for _name, phone in ATTENDEES),
        CONTACT_NAME,
        CONTACT_PHONE,
        REVIEW_COMMENT,
        "/activities/",
    ):
        assert secret not in html, secret


def test_an_approved_activity_shows_what_the_unit_answered(
    scene: Scene, page: str, client: Client
) -> None:
    activity = scene.new_activity(title="先确认后审核的活动")
    token = scene.ask(activity)
    client.post(f"/p/{token}/", {"verdict": "confirmed", "rating": "satisfied"})

    activity_transition(activity, action=ActivityAction.APPROVED, by=scene.cast.staff_a)
    scene.new_activity(title="未答复的已通过活动", status=ActivityStatus.APPROVED)

    html = client.get(f"/p/u/{page}/").content.decode()

    day = timezone.localdate().isoformat()
    assert f"本单位已于{day}答复：情况属实" in html
    assert "满意" in html
    assert "本单位尚未答复。" in html


def test_a_pending_activity_is_answered_from_the_page(
    scene: Scene, page: str, client: Client
) -> None:
    token = scene.ask()
    prefix = f"a{scene.activity.pk}"

    response = client.post(
        f"/p/u/{page}/{scene.activity.pk}/",
        confirm(prefix, **{f"{prefix}-rating": "fair", f"{prefix}-partner_head_count": "4"}),
    )

    assert response.status_code == 303
    assert response["Location"] == f"/p/u/{page}/?answered={scene.activity.pk}#answered"
    answer = PartnerAnswer.objects.get()
    assert (answer.activity, answer.contact, answer.verdict) == (
        scene.activity,
        scene.contact,
        "confirmed",
    )
    assert answer.link == PartnerLink.objects.get(token_hash=token_hash(page))
    assert (answer.rating, answer.partner_head_count) == ("fair", 4)
    assert Activity.objects.get(pk=scene.activity.pk).partner_check == PartnerCheck.CONFIRMED
    assert AuditEntry.objects.filter(action=AuditAction.PARTNER_ANSWER).count() == 1
    # The link about the activity is used up; the page says the answer was received.
    assert_invalid(client.get(f"/p/{token}/"))
    after = client.get(response["Location"]).content.decode()
    assert f"谢谢，您对“{scene.activity.title}”的答复已收到" in after
    assert "基本满意" in after
    assert f'action="/p/u/{page}/{scene.activity.pk}/"' not in after


def test_several_pending_activities_are_answered_in_one_go(
    scene: Scene, page: str, client: Client
) -> None:
    activities = [scene.activity, scene.new_activity(title="第二项待确认的活动")]
    for activity in activities:
        scene.ask(activity)

    for activity in activities:
        prefix = f"a{activity.pk}"
        assert client.post(f"/p/u/{page}/{activity.pk}/", confirm(prefix)).status_code == 303

    assert PartnerAnswer.objects.count() == 2
    assert client.get(f"/p/u/{page}/").context["counts"]["waiting"] == 0


def test_an_activity_not_waiting_for_this_contact_cannot_be_answered_from_the_page(
    scene: Scene, page: str, client: Client
) -> None:
    """Not asked, asked of another contact, already answered, another unit's, archived: the
    invalid page, nothing saved."""
    not_asked = scene.new_activity(title="没有邀请确认的活动")
    other_contact = factories.ContactFactory(partner=scene.partner, name="另一位联系人")
    asked_another = scene.new_activity(title="邀请了另一位联系人的活动")
    scene.ask(asked_another, contact=other_contact)
    other_partner = factories.PartnerFactory(committee=scene.cast.committee_a)
    other_unit = scene.new_activity(title="其他单位的活动", partners=[other_partner])
    scene.ask(other_unit, contact=factories.ContactFactory(partner=other_partner))
    answered = scene.new_activity(title="已答复的活动")
    client.post(f"/p/{scene.ask(answered)}/", {"verdict": "confirmed", "rating": ""})
    archived = scene.new_activity(title="已归档的待确认活动")
    scene.ask(archived)
    Activity.objects.filter(pk=archived.pk).update(archived_at=timezone.now())
    before = PartnerAnswer.objects.count()

    for activity in (not_asked, asked_another, other_unit, answered, archived):
        prefix = f"a{activity.pk}"
        assert_invalid(client.post(f"/p/u/{page}/{activity.pk}/", confirm(prefix)))
    assert_invalid(client.post(f"/p/u/{page}/999999/", confirm("a999999")))
    assert PartnerAnswer.objects.count() == before


def test_bad_input_from_the_page_shows_that_activity_with_its_messages(
    scene: Scene, page: str, client: Client
) -> None:
    scene.ask()
    prefix = f"a{scene.activity.pk}"

    response = client.post(
        f"/p/u/{page}/{scene.activity.pk}/",
        {f"{prefix}-verdict": "correction", f"{prefix}-comment": ""},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "请说明需要更正的内容。" in html
    assert scene.activity.title in html
    assert f'href="/p/u/{page}/"' in html  # back to the list
    assert f'action="/p/u/{page}/{scene.activity.pk}/"' in html
    assert not PartnerAnswer.objects.exists()


def test_the_page_token_rules(scene: Scene, page: str, client: Client) -> None:
    """An answer link is no page link; a withdrawn or expired page link opens nothing; a
    page link stays usable after answering (it answers many activities)."""
    answer_token = scene.ask()
    assert_invalid(client.get(f"/p/u/{answer_token}/"))
    assert_invalid(
        client.post(f"/p/u/{answer_token}/{scene.activity.pk}/", confirm(f"a{scene.activity.pk}"))
    )
    assert not PartnerAnswer.objects.exists()

    newer = scene.page_token()  # a new page link withdraws the earlier one
    assert_invalid(client.get(f"/p/u/{page}/"))
    assert client.get(f"/p/u/{newer}/").status_code == 200

    PartnerLink.objects.filter(token_hash=token_hash(newer)).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert_invalid(client.get(f"/p/u/{newer}/"))
    assert client.get(f"/p/u/{newer}/{scene.activity.pk}/").status_code == 404


def test_getting_the_answer_route_is_not_allowed(scene: Scene, page: str, client: Client) -> None:
    scene.ask()

    response = client.get(f"/p/u/{page}/{scene.activity.pk}/")

    assert response.status_code == 405
    assert response["Referrer-Policy"] == "no-referrer"


def test_the_page_is_paginated(scene: Scene, page: str, client: Client, settings) -> None:
    settings.PARTNER_LINK_RATE_PER_MINUTE = 1000
    for n in range(PARTNER_PAGE_SIZE + 1):
        scene.new_activity(title=f"已通过活动{n:02d}", status=ActivityStatus.APPROVED)

    first = client.get(f"/p/u/{page}/")
    second = client.get(f"/p/u/{page}/?page=2")
    hostile = client.get(f"/p/u/{page}/?page=<script>&answered=' OR 1=1 --")

    assert len(first.context["rows"]) == PARTNER_PAGE_SIZE
    assert len(second.context["rows"]) == 1
    assert "下一页" in first.content.decode()
    assert hostile.status_code == 200


def test_the_page_takes_a_fixed_number_of_queries_whatever_its_rows(
    scene: Scene, page: str, client: Client, django_assert_num_queries
) -> None:
    """The link, the counts, the paginator's count, the rows, their partner units and their
    unit's answers: six queries for 2 rows and for 12."""

    def load() -> int:
        response = client.get(f"/p/u/{page}/")
        assert response.status_code == 200
        return len(response.context["rows"])

    scene.ask()
    scene.new_activity(title="已通过活动", status=ActivityStatus.APPROVED)
    with django_assert_num_queries(6):
        assert load() == 2
    for n in range(5):
        scene.ask(scene.new_activity(title=f"待确认活动{n}"))
        scene.new_activity(title=f"已通过活动{n}", status=ActivityStatus.APPROVED)
    with django_assert_num_queries(6):
        assert load() == 12


def test_the_audit_log_names_the_links_in_chinese_without_ids(scene: Scene, page: str) -> None:
    """Giving the page link and asking about an activity are in the audit log, read in Chinese
    by the committee admin, the contact by name (no internal id)."""
    scene.ask()

    html = scene.cast.client_for(scene.cast.admin_a).get("/audit/").content.decode()

    assert "共建单位专属页面链接" in html
    assert f"{scene.activity.title} · {CONTACT_NAME}（春江街道社区）" in html
    assert f"contact {scene.contact.pk}" not in html
