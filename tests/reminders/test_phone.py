"""The reminders page on a phone, in Chinese: fits the screen, this week's reminders first."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from portal.reminders.services import reminders_send_weekly
from tests.browser.conftest import (  # noqa: F401 (the fixtures)
    browser_page,
    browser_requirements,
    screenshot,
    shared_chromium,
)
from tests.factories import PASSWORD

if TYPE_CHECKING:
    from collections.abc import Iterator

    from playwright.sync_api import Browser, Page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

PHONE_WIDTH = 390


@pytest.fixture(scope="module")
def chromium(browser_requirements) -> Iterator[Browser]:  # noqa: F811
    """The browser tests' Chromium (imported here, a package-scoped fixture would live for the
    whole session)."""
    with shared_chromium() as browser:
        yield browser


def test_secretary_reads_this_weeks_reminders_on_a_phone(
    browser_page: Page,  # noqa: F811
    screenshot,  # noqa: F811
    work,
) -> None:
    reminders_send_weekly(today=work.today)
    page = browser_page
    page.goto("/accounts/login/")
    page.locator("input[name=username]").fill("secretary_a2")
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    screenshot(page, "home-panel")

    page.locator('.site-nav a[href="/reminders/"]').click()
    page.wait_for_url("**/reminders/")
    screenshot(page, "reminders")

    items = page.locator(".reminder")
    assert items.count() == 2
    text = page.locator("main").inner_text()
    assert "宿迁项目公司党支部" in text
    assert "宿迁联建（待补充）" in text
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
