"""Common review comments on the activity page, in a real browser (issue 15 §7): a tapped
phrase goes into the comment box; without JavaScript the phrases stay hidden and the reviewer
types; after the return the reviewer is taken on (here: back to the queue, nothing is left)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from django.utils import timezone

from activities.models import Activity, ActivityStatus
from tests import factories
from tests.browser.test_activity_pages_js import log_in

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [
    pytest.mark.browser,
    # The live server sees only committed rows (see test_smoke.py).
    pytest.mark.django_db(transaction=True),
]

FIRST = "请补充活动照片或签到表。"
SECOND = "请补充参加活动的共建单位。"


def _waiting(cast) -> Activity:
    return factories.ActivityFactory(
        committee=cast.committee_a,
        branch=cast.branch_a1,
        status=ActivityStatus.SUBMITTED,
        submitted_at=timezone.now(),
        title="等待审核的联学活动",
    )


def test_tapped_phrases_fill_the_return_box_and_the_reviewer_moves_on(
    browser_page: Page, live_server: Any, cast
):
    activity = _waiting(cast)
    log_in(browser_page.context, live_server, cast.staff_a)
    browser_page.context.add_cookies(
        [{"name": "django_language", "value": "zh-hans", "url": live_server.url}]
    )
    page = browser_page
    page.goto(f"/activities/{activity.pk}/")

    box = page.locator("#return-comment")
    page.get_by_role("button", name=FIRST).click()
    page.get_by_role("button", name=SECOND).click()
    page.get_by_role("button", name=FIRST).click()  # once is enough
    assert box.input_value() == f"{FIRST}\n{SECOND}"

    page.locator("form.action-form--return button[type=submit]").click()
    page.wait_for_url("**/activities/review/")
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.RETURNED
    assert activity.review_comment.replace("\r\n", "\n") == f"{FIRST}\n{SECOND}"
    assert "待审核的活动已全部处理完毕" in page.content()


def test_without_javascript_the_phrases_stay_hidden_and_typing_works(
    browser_page: Page, live_server: Any, cast
):
    activity = _waiting(cast)
    context = browser_page.context.browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, java_script_enabled=False
    )
    try:
        log_in(context, live_server, cast.staff_a)
        page = context.new_page()
        page.goto(f"/activities/{activity.pk}/")
        assert not page.locator(".comment-phrases").is_visible()
        page.fill("#return-comment", "请补充签到表")
        page.locator("form.action-form--return button[type=submit]").click()
        page.wait_for_url("**/activities/review/")
    finally:
        context.close()
    activity.refresh_from_db()
    assert activity.review_comment == "请补充签到表"
