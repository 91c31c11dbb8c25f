"""The error pages on a phone: Chinese, nothing wider than the screen, a button that leads home,
and on a 500 the error reference big enough to read out."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from tests.factories import PASSWORD

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Page

    from tests.conftest import Cast

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

PHONE_WIDTH = 390
REFERENCE = re.compile(r"^[0-9A-F]{4}-[0-9A-F]{4}$")


def page_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_404_page_on_a_phone_is_chinese_and_its_button_leads_home(
    browser_page: Page, screenshot: Callable
) -> None:
    response = browser_page.goto("/activities/no-such-page/")

    assert response.status == 404
    assert browser_page.locator("h1").inner_text() == "页面不存在"
    assert page_width(browser_page) <= PHONE_WIDTH
    screenshot(browser_page, "404")
    browser_page.get_by_role("link", name="返回首页").click()
    browser_page.wait_for_url(re.compile(r"/accounts/login/"))  # home, which asks to log in


def test_403_page_on_a_phone_is_chinese_for_a_secretary_opening_the_committee_dashboard(
    browser_page: Page, cast: Cast, screenshot: Callable
) -> None:
    browser_page.goto("/accounts/login/")
    browser_page.locator("input[name=username]").fill("secretary_a1")
    browser_page.locator("input[name=password]").fill(PASSWORD)
    browser_page.get_by_role("button", name="登录").click()
    browser_page.wait_for_url(lambda url: "/accounts/login/" not in url)

    response = browser_page.goto("/dashboard/")

    assert response.status == 403
    assert browser_page.locator("h1").inner_text() == "无权访问"
    assert page_width(browser_page) <= PHONE_WIDTH
    screenshot(browser_page, "403")
    browser_page.get_by_role("link", name="返回首页").click()
    browser_page.wait_for_url(re.compile(r"^https?://[^/]+/$"))
    assert cast.committee_a.name in browser_page.locator(".page-head").first.inner_text()


def test_500_page_on_a_phone_is_chinese_with_a_readable_reference(
    browser_page: Page, settings, screenshot: Callable
) -> None:
    settings.ROOT_URLCONF = "tests.security.urls_failing"

    response = browser_page.goto("/failing/")

    assert response.status == 500
    assert browser_page.locator("h1").inner_text() == "系统出错"
    reference = browser_page.locator("[data-error-reference]")
    assert reference.is_visible()
    assert REFERENCE.match(reference.inner_text())
    assert "Traceback" not in browser_page.content()
    assert page_width(browser_page) <= PHONE_WIDTH
    screenshot(browser_page, "500")
