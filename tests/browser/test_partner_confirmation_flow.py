"""Issue 16's "Done when", walked end to end on 390 px phones in Chinese, through the pages only.

Branch A1's secretary submits a draft held with 春江街道, follows the prompt to ask its default
contact 张三 (no e-mail address: a link to copy, no outbox) and copies the link; 张三 opens it
in a browser of their own, without a login, and asks for a correction; the activity is back
with the branch, whose secretary reads the correction, changes the record, submits it again and
asks again; 张三 confirms with their unit's head count and evaluates it, and the first link now
opens the invalid page; committee staff see "已确认" in the review queue and on the activity,
and approve it; the committee dashboard's confirmed share for this quarter (the default period)
moves from 0 of 1 (another branch's approved activity, never confirmed) to 1 of 2, and branch
A1's row from none to 1 of 1.

Only the starting rows are made outside the browser (factories, and the photo uploaded through
the service the form uses); every step under test is a click or a key press. No page scrolls
sideways; none reports a CSP violation or a script error. Each step is saved under
$SCREENSHOT_DIR (``make test``: var/screenshots).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from activities.models import ActivityStatus, AttachmentKind, PartnerCheck
from activities.services import attachment_add
from portal.core.periods import Period, local_today
from portal.partners.models import PartnerAnswer
from tests import factories
from tests.browser.conftest import new_phone_context
from tests.browser.test_activity_pages_js import log_in
from tests.browser.test_csp import Violations
from tests.partners.scene import jpeg

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Browser, Locator, Page

    from tests.conftest import Cast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_WIDTH = 390
TITLE = "春江街道“红色物业”专题联学"
SUMMARY = "与春江街道共同开展“红色物业”专题联学，共 20 人参加。"
CORRECTION = "实际参加 26 人，其中街道干部 6 人，请更正人数。"
FIXED_SUMMARY = "与春江街道共同开展“红色物业”专题联学，共 26 人参加，其中街道干部 6 人。"
RATING_SENTENCE = "联学内容实在，建议每季度开展一次。"
DETAIL_URL = re.compile(r"/activities/\d+/$")
LINK_URL = re.compile(r"^https?://[^/]+/p/[A-Za-z0-9_-]{32}/$")

# The pages' marks (see test_activity_workflow.py and test_partner_asking_phone.py).
STATUS_BADGE = ".activity-head__meta .status"
SECTION = "#partner-confirmation"
SECTION_STATE = "#partner-confirmation .partner-check__state .status"
PROMPT = "下一步：请共建单位确认这条记录"


def this_quarter() -> dt.datetime:
    """A few days ago, but in this quarter: the dashboard shows this quarter by default."""
    now = timezone.now()
    quarter_start = Period.containing("quarter", local_today()).bounds()[0]
    three_days_ago = now - dt.timedelta(days=3)
    return (
        three_days_ago
        if three_days_ago >= quarter_start
        else quarter_start + (now - quarter_start) / 2
    )


def fits_the_phone(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{page.url} scrolls sideways: {width} px"


def ask_the_partner(page: Page, contact_pk: int, screenshot: Callable, step: str) -> str:
    """From the activity page: the section's button, 张三 ticked, the link made and copied.
    Returns the link as its read-only field shows it."""
    from playwright.sync_api import expect

    # "邀请共建单位确认" the first time, "再次邀请确认" after an answer.
    page.locator(SECTION).get_by_role(
        "link", name=re.compile("^(邀请共建单位|再次邀请)确认$")
    ).click()
    expect(page.locator("h1")).to_have_text("邀请共建单位确认")
    box = page.locator(f"input[name=contacts][value='{contact_pk}']")
    expect(box).to_be_checked()  # the default contact, ticked already
    fits_the_phone(page)
    box.check()
    expect(box).to_be_checked()
    screenshot(page, f"{step}-ask")

    page.get_by_role("button", name="生成链接").click()
    card = page.locator(".link-card")
    expect(card).to_have_count(1)
    expect(card.locator(".link-card__contact")).to_have_text("张三")
    expect(card.locator(".link-card__unit")).to_have_text("春江街道")
    field = card.locator("input[readonly]")
    expect(field).to_have_value(LINK_URL)
    card.get_by_role("button", name="复制").click()
    expect(card.locator(".copy-field__status")).to_have_text("已复制")
    link = field.input_value()
    assert page.evaluate("navigator.clipboard.readText()") == link  # what goes into the chat
    fits_the_phone(page)
    screenshot(page, f"{step}-link")
    return link


def confirmation_card(page: Page) -> Locator:
    """The committee's headline card "共建单位确认" (the share, then confirmed / with partners)."""
    return page.locator("#headline-heading ~ .stat-grid .stat--partners")


def branch_row(page: Page, branch_name: str) -> Locator:
    return page.locator(".confirmation-table tbody tr", has_text=branch_name)


@pytest.fixture
def _fresh_rate_limit():
    """The token pages count requests per client address in the cache (Redis in CI, which
    outlives a test run): each run starts from none."""
    cache.clear()
    yield
    cache.clear()


@pytest.mark.usefixtures("_fresh_rate_limit")
def test_a_partner_corrects_then_confirms_and_the_dashboard_counts_it(
    browser_page: Page,
    chromium: Browser,
    cast: Cast,
    live_server: Any,
    settings,
    tmp_path: Path,
    screenshot: Callable,
) -> None:
    from playwright.sync_api import expect

    settings.MEDIA_ROOT = tmp_path
    chunjiang = factories.PartnerFactory(committee=cast.committee_a, name="春江街道")
    zhang = factories.ContactFactory(
        partner=chunjiang, name="张三", title="党工委委员", is_primary=True, email=""
    )
    measure = factories.MeasureFactory(
        committee=cast.committee_a, code="M2", title="思想联学", subtitle="夯实思想根基"
    )
    starts = this_quarter()
    activity = factories.ActivityFactory(
        committee=cast.committee_a,
        branch=cast.branch_a1,
        created_by=cast.secretary_a1,
        title=TITLE,
        measure=measure,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        location="春江街道党群服务中心",
        summary=SUMMARY,
        external_participants=20,
        partners=[chunjiang],
        attendees=[cast.member_a1],
        evidence=False,
    )
    # A real photo, uploaded as the form does (the factory's row has no file nor thumbnail).
    attachment_add(
        activity,
        by=cast.secretary_a1,
        upload=jpeg("联学合影.jpg"),
        kind=AttachmentKind.PHOTO,
        caption="联学合影",
    )
    # Another branch's activity with a partner, approved this quarter and never confirmed:
    # the committee's share starts at 0 of 1.
    factories.ActivityFactory(
        committee=cast.committee_a,
        branch=cast.branch_a2,
        created_by=cast.secretary_a2,
        title="宿迁项目部联学",
        measure=measure,
        starts_at=starts,
        status=ActivityStatus.APPROVED,
        attendees=[cast.member_a2],
    )
    detail = reverse("activities:detail", args=[activity.pk])

    # --- 1. The secretary submits it, follows the prompt and copies 张三's link ---------------
    page = browser_page
    violations = [Violations(page)]
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    log_in(page.context, live_server, cast.secretary_a1)
    page.goto(detail)
    expect(page.locator(STATUS_BADGE)).to_have_text("草稿")
    page.locator("form[action$='/workflow/submit/'] button[type=submit]").click()
    expect(page.locator(STATUS_BADGE)).to_have_text("待审核")
    expect(page.get_by_text(PROMPT)).to_be_visible()
    expect(page.locator(SECTION_STATE)).to_have_text("未邀请")
    fits_the_phone(page)
    screenshot(page, "submitted")
    first_link = ask_the_partner(page, zhang.pk, screenshot, "first")

    # --- 2. 张三, on a phone of their own without a login, asks for a correction ---------------
    partner_context = new_phone_context(chromium, live_server)
    staff_context = new_phone_context(chromium, live_server)
    try:
        partner = partner_context.new_page()
        violations.append(Violations(partner))
        partner.goto(first_link)
        expect(partner.locator("h1")).to_have_text(TITLE)
        record = partner.locator("main")
        expect(record).to_contain_text("春江街道党群服务中心")
        expect(record).to_contain_text(SUMMARY)
        expect(record).to_contain_text(cast.branch_a1.name)
        expect(record).not_to_contain_text(cast.member_a1.name)  # never a member's name
        expect(record).not_to_contain_text(cast.member_a1.phone)
        expect(partner.locator("img.partner-photos__thumb")).to_have_js_property("complete", True)
        partner.get_by_label("需要更正").check()
        partner.get_by_label("意见", exact=True).fill(CORRECTION)
        expect(partner.get_by_label("需要更正")).to_be_checked()
        fits_the_phone(partner)
        screenshot(partner, "partner-correction")
        partner.get_by_role("button", name="提交答复").click()
        expect(partner.locator("h1")).to_have_text("谢谢，您的答复已收到")
        said = partner.locator("section[aria-labelledby=said-heading]")
        expect(said).to_contain_text("需要更正")
        expect(said).to_contain_text(CORRECTION)
        expect(said).to_contain_text("未评价")
        fits_the_phone(partner)
        screenshot(partner, "partner-correction-sent")

        # --- 3. The secretary reads it, changes the record, resubmits and asks again ----------
        page.goto(detail)
        expect(page.locator(STATUS_BADGE)).to_have_text("已退回")
        banner = page.get_by_role("note")
        expect(banner).to_contain_text("共建单位要求更正")
        expect(banner).to_contain_text("张三")
        expect(banner).to_contain_text(CORRECTION)
        expect(page.locator(SECTION_STATE)).to_have_text("需更正")
        expect(page.locator(f"{SECTION} .partner-answers")).to_contain_text(CORRECTION)
        fits_the_phone(page)
        screenshot(page, "returned-by-partner")

        page.locator(f"a[href='/activities/{activity.pk}/edit/']").first.click()
        expect(page.locator(".review-note")).to_contain_text(CORRECTION)
        page.locator("textarea[name=summary]").fill(FIXED_SUMMARY)
        counts = page.locator("details.form-fold:has([name=external_participants])")
        if counts.get_attribute("open") is None:
            counts.locator("summary").click()
        page.locator("input[name=external_participants]").fill("26")
        expect(page.locator("input[name=external_participants]")).to_have_value("26")
        fits_the_phone(page)
        screenshot(page, "edit")
        page.locator("button[name=submit_for_review]").click()
        page.wait_for_url(DETAIL_URL)
        expect(page.locator(STATUS_BADGE)).to_have_text("待审核")
        expect(page.get_by_text(PROMPT)).to_be_visible()
        expect(page.locator("main")).to_contain_text(FIXED_SUMMARY)
        screenshot(page, "resubmitted")
        second_link = ask_the_partner(page, zhang.pk, screenshot, "second")
        assert second_link != first_link

        # --- 4. 张三 confirms the new record and evaluates it; the first link is spent -------
        partner.goto(second_link)
        expect(partner.locator("h1")).to_have_text(TITLE)
        expect(partner.locator("main")).to_contain_text(FIXED_SUMMARY)
        partner.get_by_label("情况属实").check()
        partner.get_by_label("本单位参加人数").fill("6")
        partner.get_by_label("满意", exact=True).check()
        partner.get_by_label("评价说明").fill(RATING_SENTENCE)
        expect(partner.get_by_label("满意", exact=True)).to_be_checked()
        fits_the_phone(partner)
        screenshot(partner, "partner-confirmation")
        partner.get_by_role("button", name="提交答复").click()
        expect(partner.locator("h1")).to_have_text("谢谢，您的答复已收到")
        said = partner.locator("section[aria-labelledby=said-heading]")
        expect(said).to_contain_text("情况属实")
        expect(said.locator(".partner-facts__row", has_text="本单位人数")).to_contain_text("6")
        expect(said).to_contain_text("满意")
        expect(said).to_contain_text(RATING_SENTENCE)
        fits_the_phone(partner)
        screenshot(partner, "partner-confirmed")

        response = partner.goto(first_link)
        assert response is not None
        assert response.status == 404
        expect(partner.locator("h1")).to_have_text("链接无效或已过期")
        fits_the_phone(partner)
        screenshot(partner, "partner-old-link")
        # No page behind a link gave the partner's browser a session (or any cookie).
        assert partner_context.cookies() == []

        # --- 5. Staff read the dashboard, see "已确认" and approve ---------------------------
        log_in(staff_context, live_server, cast.staff_a)
        staff = staff_context.new_page()
        violations.append(Violations(staff))
        staff.goto(reverse("dashboards:committee"))
        card = confirmation_card(staff)
        expect(card.locator(".stat__value")).to_have_text("0.0%")
        expect(card).to_contain_text("0 / 1")
        row = branch_row(staff, cast.branch_a1.name)
        expect(row.locator("td").nth(0)).to_have_text("0")  # with partners
        expect(row.locator("td").nth(2)).to_have_text("—")  # confirmed share
        expect(row.locator("td").nth(3)).to_have_text("0")  # corrections asked
        fits_the_phone(staff)
        screenshot(staff, "dashboard-before")

        staff.goto(reverse("activities:review_queue"))
        item = staff.locator(".review-item", has_text=TITLE)
        expect(item).to_contain_text("已确认")
        fits_the_phone(staff)
        screenshot(staff, "review-queue")
        item.get_by_role("link", name=TITLE).click()
        staff.wait_for_url(DETAIL_URL)
        panel = staff.locator(".action-panel")
        expect(panel.locator(".action-panel__partner .status")).to_have_text("已确认")
        answers = staff.locator(f"{SECTION} .partner-answers > li")
        expect(answers).to_have_count(2)
        confirmed = staff.locator(f"{SECTION} .partner-answer--confirmed")
        expect(confirmed).to_contain_text("张三（春江街道）")
        expect(confirmed).to_contain_text("本单位参加6人")
        expect(confirmed).to_contain_text(RATING_SENTENCE)
        expect(staff.locator(f"{SECTION} .partner-answer--correction")).to_contain_text(CORRECTION)
        fits_the_phone(staff)
        screenshot(staff, "review")
        panel.get_by_role("button", name="审核通过").click()
        staff.wait_for_url(f"**{reverse('activities:review_queue')}")

        # --- 6. The committee's confirmed share has moved --------------------------------------
        staff.goto(reverse("dashboards:committee"))
        card = confirmation_card(staff)
        expect(card.locator(".stat__value")).to_have_text("50.0%")
        expect(card).to_contain_text("1 / 2")
        row = branch_row(staff, cast.branch_a1.name)
        expect(row.locator("td").nth(0)).to_have_text("1")
        expect(row.locator("td").nth(1)).to_have_text("1")
        expect(row.locator("td").nth(2)).to_have_text("100.0%")
        expect(row.locator("td").nth(3)).to_have_text("1")  # 张三's correction, made since
        expect(row.locator("td").nth(4)).to_have_text("1")  # 满意
        fits_the_phone(staff)
        screenshot(staff, "dashboard-after")
    finally:
        partner_context.close()
        staff_context.close()

    assert [found for v in violations for found in v.found] == []
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.APPROVED
    assert activity.partner_check == PartnerCheck.CONFIRMED
    assert activity.reviewed_by == cast.staff_a
    assert activity.summary == FIXED_SUMMARY
    assert list(
        PartnerAnswer.objects.filter(activity=activity)
        .order_by("answered_at")
        .values_list("contact__name", "verdict", "rating")
    ) == [("张三", "correction", ""), ("张三", "confirmed", "satisfied")]
