"""The lockout through the real login form, on a phone, in Chinese."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from django.utils import translation

from tests.factories import PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.conftest import Cast

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def submit(page: Page, username: str, password: str) -> None:
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    # The form posts back to the same address: wait for the answer's page, not the URL.
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()


def test_five_wrong_passwords_lock_the_login_and_the_right_one_is_then_refused_on_a_phone(
    browser_page: Page, cast: Cast, screenshot: Callable
) -> None:
    with translation.override("zh-hans"):
        title = translation.gettext("Login locked")
    browser_page.goto("/accounts/login/")
    for attempt in range(4):
        submit(browser_page, "secretary_a1", f"Wrong-Password-{attempt}")
        assert not browser_page.get_by_text(title).is_visible()

    submit(browser_page, "secretary_a1", "Wrong-Password-5")
    alert = browser_page.get_by_role("alert")
    assert title in alert.inner_text()
    assert "15" in alert.inner_text()

    submit(browser_page, "secretary_a1", PASSWORD)
    assert browser_page.url.endswith("/accounts/login/")
    assert title in browser_page.get_by_role("alert").inner_text()
    assert browser_page.locator("html").get_attribute("lang").lower().startswith("zh")
    assert browser_page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(browser_page, "locked-out")

    browser_page.goto("/")
    assert "/accounts/login/" in browser_page.url  # still not logged in
