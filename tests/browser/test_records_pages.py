"""The records' pages on a 390 px phone, in Chinese: the activity list's ledger and evidence
buttons, the activity page's 一事一档 downloads, the evidence page and a ready pack. None
scrolls sideways; each is saved under $SCREENSHOT_DIR (``make test``: var/screenshots)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from activities.models import ActivityStatus
from portal.core.periods import Period
from portal.records.models import EvidencePack, EvidencePackStatus
from tests import factories
from tests.browser.test_activity_pages_js import log_in

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Page

    from tests.conftest import Cast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_WIDTH = 390


def page_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_the_records_pages_fit_a_phone_in_chinese(
    browser_page: Page, cast: Cast, live_server: Any, settings, tmp_path, screenshot: Callable
) -> None:
    settings.MEDIA_ROOT = tmp_path
    measure = factories.MeasureFactory(committee=cast.committee_a, code="M1", title="理论联学")
    activity = factories.ActivityFactory(
        committee=cast.committee_a,
        branch=cast.branch_a1,
        measure=measure,
        title="安全生产联学暨“平安工地”共建活动",
        status=ActivityStatus.APPROVED,
        starts_at=timezone.now() - dt.timedelta(days=3),
        ends_at=timezone.now() - dt.timedelta(days=3, hours=-2),
    )
    quarter = Period.quarter(timezone.localdate()).previous()
    name = default_storage.save("evidence/1/pack.zip", ContentFile(b"PK\x05\x06" + b"\0" * 18))
    pack = EvidencePack.objects.create(
        committee=cast.committee_a,
        branch=cast.branch_a1,
        period_kind=quarter.kind,
        period_start=quarter.start,
        period_end=quarter.end,
        requested_by=cast.secretary_a1,
        status=EvidencePackStatus.READY,
        activities_done=12,
        activity_total=12,
        file=name,
        size=48_213_000,
        finished_at=timezone.now(),
        expires_at=timezone.now() + dt.timedelta(hours=72),
    )
    running = EvidencePack.objects.create(
        committee=cast.committee_a,
        branch=cast.branch_a1,
        period_kind=quarter.kind,
        period_start=quarter.previous().start,
        period_end=quarter.previous().end,
        requested_by=cast.secretary_a1,
        status=EvidencePackStatus.RUNNING,
        activities_done=5,
        activity_total=12,
    )
    log_in(browser_page.context, live_server, cast.secretary_a1)

    for path, step, expected in (
        ("/activities/", "activity-list", "导出台账（已审核）"),
        (f"/activities/{activity.pk}/", "activity-detail", "一事一档"),
        ("/records/evidence/", "evidence", "打包一个季度的佐证材料"),
        (f"/records/evidence/{pack.pk}/", "pack-ready", "下载压缩包"),
        (f"/records/evidence/{running.pk}/", "pack-running", "已打包 5 / 12 项活动"),
    ):
        browser_page.goto(path)
        assert expected in browser_page.locator("main").inner_text()
        assert page_width(browser_page) <= PHONE_WIDTH, step
        screenshot(browser_page, step)
