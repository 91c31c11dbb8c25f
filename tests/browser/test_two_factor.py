"""The second factor through the real pages, on a phone, in Chinese: a committee admin sets up
the authenticator from the QR page's key, sees the recovery codes, and gives a code at the next
login. No page is wider than the phone or breaks the Content-Security-Policy."""

from __future__ import annotations

import time
from base64 import b32decode
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from django_otp.oath import TOTP

from tests.factories import PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.conftest import Cast

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def app_code(secret: str, *, steps_ahead: int = 0) -> str:
    """What an authenticator app given ``secret`` (as the page shows it) displays."""
    totp = TOTP(b32decode(secret.replace(" ", "")))
    totp.time = time.time() + steps_ahead * 30
    return f"{totp.token():06d}"


def log_in(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    # A click only starts the form's navigation: wait for the page it leads to.
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()


def fits_the_phone(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_committee_admin_sets_it_up_saves_the_codes_and_gives_a_code_at_the_next_login(
    browser_page: Page, cast: Cast, settings, screenshot: Callable
) -> None:
    from playwright.sync_api import expect

    settings.TWO_FACTOR_REQUIRED = True
    page = browser_page
    refused: list[str] = []

    def note_refusal(message) -> None:
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    page.on("console", note_refusal)

    log_in(page, "admin_a")
    assert "/accounts/two-factor/setup/" in page.url
    assert page.locator("svg.qr-code").is_visible()
    assert page.locator("svg.qr-code").bounding_box()["width"] <= 13 * 16 + 1
    assert fits_the_phone(page)
    screenshot(page, "setup")

    page.get_by_label("应用中的 6 位验证码").fill("000000")
    with page.expect_navigation():
        page.get_by_role("button", name="确认并开启").click()
    expect(page.get_by_role("alert").first).to_be_visible()  # wrong (or, rarely, throttled)
    secret = page.locator(".two-factor-secret code").inner_text()
    time.sleep(1.1)  # the throttle's wait after one wrong code
    page.get_by_label("应用中的 6 位验证码").fill(app_code(secret))
    with page.expect_navigation():
        page.get_by_role("button", name="确认并开启").click()

    expect(page.locator(".recovery-codes code")).to_have_count(10)
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    assert fits_the_phone(page)
    screenshot(page, "recovery-codes")
    with page.expect_navigation():
        page.get_by_role("link", name="我已保存，继续").click()

    page.goto("/accounts/two-factor/")
    assert "还剩 10 个恢复码。" in page.content()
    assert fits_the_phone(page)
    screenshot(page, "account")

    with page.expect_navigation():
        page.get_by_role("button", name="退出登录").click()
    log_in(page, "admin_a")
    assert "/accounts/two-factor/verify/" in page.url
    assert fits_the_phone(page)
    screenshot(page, "verify")
    page.get_by_label("6 位验证码或恢复码").fill(app_code(secret, steps_ahead=1))
    with page.expect_navigation():
        page.get_by_role("button", name="验证").click()
    assert page.url.rstrip("/") == page.url.split("/accounts")[0].rstrip("/")  # home
    assert refused == []
