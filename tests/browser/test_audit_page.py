"""The audit log page on a phone: Chinese, every entry readable, nothing wider than the screen."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.utils import translation

from branches.models import AuditAction
from portal.audit.services import audit_record
from tests.factories import PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.conftest import Cast

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

PHONE_WIDTH = 390


def test_a_committee_admin_reads_the_audit_log_on_a_phone(
    browser_page: Page, cast: Cast, screenshot
) -> None:
    audit_record(
        user=cast.admin_a,
        action=AuditAction.PHONE_REVEAL,
        committee=cast.committee_a,
        object_type="member",
        object_id=cast.member_a1.pk,
        object_repr="张伟（杭州项目公司党支部）",
    )
    browser_page.goto("/accounts/login/?next=/audit/")
    browser_page.locator("input[name=username]").fill("admin_a")
    browser_page.locator("input[name=password]").fill(PASSWORD)
    browser_page.get_by_role("button", name="登录").click()
    browser_page.wait_for_url("**/audit/")

    text = browser_page.locator("main").inner_text()
    with translation.override("zh-hans"):
        assert translation.gettext("Audit log") in browser_page.locator("h1").inner_text()
        assert translation.gettext("Phone number revealed") in text
    assert "张伟（杭州项目公司党支部）" in text
    assert browser_page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    screenshot(browser_page, "audit-log")
