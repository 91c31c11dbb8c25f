"""The portal in a real browser on a phone: Chinese first, and nothing wider than the screen."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from tests.factories import PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.conftest import Cast

pytestmark = [
    pytest.mark.browser,
    # The live server sees only committed rows. After each test's flush, post_migrate makes
    # the permission groups again (branches.groups.role_groups_sync).
    pytest.mark.django_db(transaction=True),
]

PHONE_WIDTH = 390
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def page_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_login_page_is_chinese_on_a_phone_asking_for_english_and_fits_the_screen(
    browser_page: Page,
) -> None:
    browser_page.goto("/accounts/login/")

    assert browser_page.locator("html").get_attribute("lang").lower().startswith("zh")
    assert CHINESE.search(browser_page.locator("h1").first.inner_text())
    text = browser_page.locator("body").inner_text()
    assert "用户名" in text
    assert "密码" in text
    assert browser_page.get_by_role("button", name="登录").is_visible()
    assert page_width(browser_page) <= PHONE_WIDTH


def test_secretary_logs_in_on_a_phone_and_sees_the_committee_without_sideways_scrolling(
    browser_page: Page, cast: Cast
) -> None:
    browser_page.goto("/accounts/login/")
    browser_page.locator("input[name=username]").fill("secretary_a1")
    browser_page.locator("input[name=password]").fill(PASSWORD)
    browser_page.get_by_role("button", name="登录").click()
    browser_page.wait_for_url(lambda url: "/accounts/login/" not in url)

    assert cast.committee_a.name in browser_page.locator(".page-head").first.inner_text()
    assert cast.committee_b.name not in browser_page.locator("body").inner_text()
    assert page_width(browser_page) <= PHONE_WIDTH
