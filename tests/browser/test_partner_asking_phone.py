"""Asking the partners to confirm, on a 390 px phone in Chinese: the activity's section
"共建单位确认", the page ticking the contacts, and the links shown once with their QR codes (the
copy button works under the strict CSP; printed, the cards stand alone). No page scrolls
sideways; none reports a CSP violation or a script error. Each is saved under $SCREENSHOT_DIR
(``make test``: var/screenshots); docs/screenshots/partner-ask-*.png are these."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from django.urls import reverse

from activities.models import ActivityAction
from activities.services import activity_transition
from portal.partners import services
from portal.partners.models import PartnerLink, Verdict
from tests import factories
from tests.browser.test_activity_pages_js import log_in
from tests.browser.test_csp import Violations

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Page

    from tests.conftest import Cast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_WIDTH = 390


def page_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_asking_the_partners_fits_a_phone_and_shows_each_link_once(
    browser_page: Page,
    cast: Cast,
    live_server: Any,
    settings,
    screenshot: Callable,
    tasks_in_process,
) -> None:
    from playwright.sync_api import expect  # the browser tests skip when it is not installed

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    page = browser_page
    violations = Violations(page)
    chunjiang = factories.PartnerFactory(committee=cast.committee_a, name="春江街道")
    fuchunwan = factories.PartnerFactory(committee=cast.committee_a, name="富春湾集团")
    jiangbin = factories.PartnerFactory(committee=cast.committee_a, name="江滨社区居委会")
    zhang = factories.ContactFactory(
        partner=chunjiang,
        name="张晓燕",
        title="党工委委员",
        is_primary=True,
        email="zhangxy@cj.example.cn",
    )
    factories.ContactFactory(partner=chunjiang, name="王建国", title="党政办主任", email="")
    li = factories.ContactFactory(partner=fuchunwan, name="李卫东", title="党群工作部部长")
    activity = factories.ActivityFactory(
        committee=cast.committee_a,
        branch=cast.branch_a1,
        created_by=cast.secretary_a1,
        title="春南安置房交付前联合检查暨“红色物业”共建活动",
        location="春南安置房东区项目部",
        partners=[chunjiang, fuchunwan, jiangbin],
        attendees=[cast.member_a1],
    )
    activity_transition(activity, action=ActivityAction.SUBMITTED, by=cast.secretary_a1)
    # 李卫东 was asked and answered already: the section shows his answer and his used link.
    (to_li,) = services.partner_links_issue(activity=activity, contacts=[li], by=cast.secretary_a1)
    services.partner_answer_record(
        link=to_li.link,
        activity=activity,
        verdict=Verdict.CONFIRMED,
        partner_head_count=6,
        comment="记录属实，检查发现的问题已逐项整改。",
        rating="satisfied",
        rating_comment="联合检查很有必要，建议每季度开展一次。",
    )
    log_in(page.context, live_server, cast.secretary_a1)

    page.goto(reverse("activities:detail", args=[activity.pk]))
    section = page.locator("#partner-confirmation")
    assert "共建单位确认" in section.inner_text()
    assert "李卫东（富春湾集团）" in section.inner_text()
    assert page_width(page) <= PHONE_WIDTH
    screenshot(section, "section")

    section.get_by_role("link", name="再次邀请确认").click()
    page.wait_for_url(f"**{reverse('partners:ask', args=[activity.pk])}")
    assert page.locator(f'input[value="{zhang.pk}"]').is_checked()
    assert "该单位尚未登记联系人。" in page.inner_text("main")
    assert page_width(page) <= PHONE_WIDTH
    screenshot(page, "form")

    page.get_by_role("button", name="生成链接").click()
    page.wait_for_selector(".link-card")
    cards = page.locator(".link-card")
    assert cards.count() == 2  # 张晓燕 (ticked as the default) and 李卫东 (富春湾集团's only one)
    assert "此链接只显示一次" in page.inner_text("main")
    assert page.locator(".link-card svg.qr-code").count() == 2
    assert page_width(page) <= PHONE_WIDTH
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    first = cards.first
    first.get_by_role("button", name="复制").click()
    expect(first.locator(".copy-field__status")).to_have_text("已复制")
    screenshot(page, "links")

    # Printed: the cards alone, without the header, the notice or the buttons.
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator(".link-once").is_visible()
    assert cards.first.locator(".qr-code").is_visible()
    screenshot(page, "print")
    page.emulate_media(media="screen")

    assert PartnerLink.objects.filter(activity=activity, revoked_at__isnull=True).count() == 4
    assert violations.found == []


def test_the_reviewer_sees_the_partners_answer_and_the_committees_rule_on_a_phone(
    browser_page: Page, cast: Cast, live_server: Any, screenshot: Callable
) -> None:
    """With the rule on, a correction asked: the action panel says why there is no approve
    button; the timeline names the contact who asked, and what they said."""
    page = browser_page
    violations = Violations(page)
    cast.committee_a.partner_confirmation_required = True
    cast.committee_a.save()
    chunjiang = factories.PartnerFactory(committee=cast.committee_a, name="春江街道")
    zhang = factories.ContactFactory(partner=chunjiang, name="张晓燕", is_primary=True)
    activity = factories.ActivityFactory(
        committee=cast.committee_a,
        branch=cast.branch_a1,
        created_by=cast.secretary_a1,
        title="春江街道“红色物业”联学",
        partners=[chunjiang],
        attendees=[cast.member_a1],
    )
    activity_transition(activity, action=ActivityAction.SUBMITTED, by=cast.secretary_a1)
    (link,) = services.partner_links_issue(activity=activity, contacts=[zhang], by=cast.admin_a)
    services.partner_answer_record(
        link=link.link, activity=activity, verdict=Verdict.CONFIRMED, partner_head_count=9
    )
    # Then the branch changed the record: the confirmation no longer stands.
    type(activity).all_objects.filter(pk=activity.pk).update(partner_check="superseded")
    log_in(page.context, live_server, cast.staff_a)

    page.goto(reverse("activities:detail", args=[activity.pk]))
    panel = page.locator(".action-panel")
    assert "确认后已修改" in panel.inner_text()
    assert "须经共建单位确认记录后方可通过" in panel.inner_text()
    assert panel.get_by_role("button", name="通过").count() == 0
    timeline = page.locator(".timeline-section")
    assert "张晓燕（春江街道）" in timeline.inner_text()
    assert "情况属实；本单位参加9人" in timeline.inner_text()
    assert page_width(page) <= PHONE_WIDTH
    screenshot(panel, "review-panel")
    screenshot(timeline, "timeline")
    assert violations.found == []
