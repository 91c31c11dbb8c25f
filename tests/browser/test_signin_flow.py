"""The on-site sign-in's "Done when", walked on three 390 px phones in Chinese.

Branch A1's secretary opens the sign-in of a draft taking place now (held with 春江街道) from the
activity page and shows its QR code and six-digit code. On a second phone a member of A1 opens
the address the QR code holds, is sent to log in, comes back and taps 签到. On a third phone
春江街道's 钱多多 signs in with name, unit and phone number, and 孙小美 of 江滨社区 types the
code at /s/ and signs in with her unit's name. The secretary's page counts them without a
reload (static/js/signin-live.js asks every 4 s). A QR code of a minute long past is refused
(二维码已过期). The secretary removes 孙小美 (she was at another activity), adds 张伟 by hand
(补录), closes the sign-in after checking its numbers and submits the activity, whose attendees
are now the list and whose 签到表 PDF (names, units, 补录, no phone number) is its evidence.

Only the starting rows are made outside the browser; no page scrolls sideways, none reports a
CSP violation or a script error. Each step is saved under $SCREENSHOT_DIR (``make test``:
var/screenshots). With ``SIGNIN_DOCS_SCREENSHOTS=1`` the pages of the documentation are written
to ``docs/screenshots/signin-*.png`` as well:

    SIGNIN_DOCS_SCREENSHOTS=1 DEBUG=1 .venv/bin/pytest -n 0 tests/browser/test_signin_flow.py
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from activities.models import ActivityStatus, AttachmentKind
from portal.signin import tokens
from portal.signin.models import EntryKind, EntryMethod, SignInSheet
from tests import factories
from tests.browser.conftest import new_phone_context
from tests.browser.test_activity_pages_js import log_in
from tests.browser.test_csp import Violations
from tests.factories import PASSWORD

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Browser, Page

    from tests.conftest import Cast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCS = Path(django_settings.BASE_DIR) / "docs" / "screenshots"
TITLE = "春江街道联建主题党日"
PLACE = "春江街道党群服务中心"
PARTNER_PHONE = "13900001234"
STATUS_BADGE = ".activity-head__meta .status"
DETAIL_URL = re.compile(r"/activities/\d+/$")
SIGN_URL = re.compile(r"/s/in/[0-9a-f]+/\?pass=")
#: The live counts lag the sign-ins by up to one refresh (4 s) and a slow answer.
LIVE_TIMEOUT = 12_000


def fits_the_phone(page: Page) -> None:
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{page.url} scrolls sideways: {width}"


def in_chinese(page: Page) -> None:
    """No English word left untranslated on the page (its addresses aside)."""
    text = re.sub(r"https?://\S+", "", page.locator("main").inner_text())
    words = [w for w in re.findall(r"[A-Za-z]{3,}", text) if w not in {"PDF"}]
    assert not words, f"{page.url}: {words}"


def looked_at(page: Page, screenshot: Callable, step: str, docs: str | None = None) -> None:
    """The page fits the phone and speaks Chinese; saved as the step (and for the docs)."""
    fits_the_phone(page)
    in_chinese(page)
    screenshot(page, step)
    if docs and os.environ.get("SIGNIN_DOCS_SCREENSHOTS"):
        page.screenshot(path=str(DOCS / f"signin-{docs}.png"), full_page=True, scale="css")


def count(page: Page, name: str):
    return page.locator(f'[data-signin-count="{name}"]')


def pdf_text(attachment) -> tuple[str, str]:
    """The PDF's text as extracted, and the same without white space (the title's letters
    are spaced apart on the page)."""
    with attachment.file.open("rb") as stored:
        reader = PdfReader(io.BytesIO(stored.read()))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return text, "".join(text.split())


@pytest.fixture
def _fresh_rate_limit():
    """The public pages count requests per client address in the cache: from none."""
    cache.clear()
    yield
    cache.clear()


@pytest.mark.usefixtures("_fresh_rate_limit")
def test_members_and_partners_sign_in_on_their_phones_and_the_list_becomes_the_record(
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
    now = timezone.now()
    activity = factories.ActivityFactory(
        committee=cast.committee_a,
        branch=cast.branch_a1,
        created_by=cast.secretary_a1,
        title=TITLE,
        starts_at=now - dt.timedelta(minutes=10),
        ends_at=now + dt.timedelta(hours=2),
        location=PLACE,
        status=ActivityStatus.DRAFT,
        partners=[chunjiang],
        attendees=[],
        evidence=False,
    )
    liu = factories.MemberFactory(
        branch=cast.branch_a1, name="刘洋", user=factories.UserFactory(username="liuyang")
    )
    zhang = cast.member_a1  # 张伟: no login, added by hand
    detail = reverse("activities:detail", args=[activity.pk])

    officer_context = new_phone_context(chromium, live_server, locale="zh-CN")
    member_context = new_phone_context(chromium, live_server, locale="zh-CN")
    guest_context = new_phone_context(chromium, live_server, locale="zh-CN")
    try:
        # --- 1. The secretary opens the sign-in from the activity page ------------------------
        log_in(officer_context, live_server, cast.secretary_a1)
        officer = officer_context.new_page()
        violations = [Violations(officer)]
        officer.goto(detail)
        section = officer.locator("section[aria-labelledby=signin-heading]")
        expect(section.locator("h2")).to_have_text("现场签到")
        section.get_by_role("link", name="发起现场签到").click()
        expect(officer.locator("h1")).to_have_text("现场签到")
        looked_at(officer, screenshot, "intro", docs="intro")
        officer.get_by_role("button", name="发起签到").click()
        expect(officer.locator("[data-signin-state]")).to_have_text("签到中")
        expect(officer.locator("[data-signin-qr] svg")).to_be_visible()
        expect(officer.locator("[data-signin-code]")).to_have_text(re.compile(r"^\d{6}$"))
        expect(count(officer, "total")).to_have_text("0")
        sheet = SignInSheet.objects.get(activity=activity)
        looked_at(officer, screenshot, "officer", docs="officer")

        # The address in the QR code: what the page's live address gives its script.
        live = officer.request.get(reverse("signin:live", args=[activity.pk]) + "?w=").json()
        scan_url = live["url"]
        assert scan_url.startswith(f"{live_server.url}/s/{sheet.public_id}.")

        # --- 2. A member scans it, logs in, comes back and taps 签到 ---------------------------
        member = member_context.new_page()
        violations.append(Violations(member))
        member.goto(scan_url)
        expect(member).to_have_url(SIGN_URL)
        expect(member.locator("h1")).to_have_text(TITLE)
        looked_at(member, screenshot, "public", docs="public")
        member.get_by_role("link", name="登录后签到").click()
        member.wait_for_url("**/accounts/login/**")
        member.locator("input[name=username]").fill("liuyang")
        member.locator("input[name=password]").fill(PASSWORD)
        member.get_by_role("button", name="登录").click()
        expect(member).to_have_url(SIGN_URL)
        expect(member.get_by_text("刘洋（杭州项目公司党支部）")).to_be_visible()
        looked_at(member, screenshot, "member-logged-in", docs="member")
        member.locator("form:has(input[name=as][value=member])").get_by_role(
            "button", name="签到"
        ).click()
        expect(member.locator("h1")).to_have_text("刘洋，签到成功")
        looked_at(member, screenshot, "done", docs="done")

        # The secretary's page counts it without a reload.
        expect(count(officer, "total")).to_have_text("1", timeout=LIVE_TIMEOUT)
        expect(count(officer, "attendees")).to_have_text("1")
        expect(officer.locator("[data-signin-reload]")).to_be_visible()

        # --- 3. A partner's staff member signs in with name, unit and phone -------------------
        guest = guest_context.new_page()
        violations.append(Violations(guest))
        guest.goto(scan_url)
        expect(guest).to_have_url(SIGN_URL)
        guest.get_by_label("姓名").fill("钱多多")
        guest.get_by_label("单位", exact=True).select_option(label="春江街道")
        guest.get_by_label("手机号码（选填）").fill(PARTNER_PHONE)
        looked_at(guest, screenshot, "partner-form")
        guest.locator("form:has(input[name=guest-name])").get_by_role("button", name="签到").click()
        expect(guest.locator("h1")).to_have_text("钱多多，签到成功")
        expect(guest.locator("main")).not_to_contain_text(PARTNER_PHONE)

        # Another guest on the same phone types the code shown at the venue.
        code = officer.locator("[data-signin-code]").inner_text()
        guest.goto(reverse("signin:code"))
        expect(guest.locator("h1")).to_have_text("输入签到码")
        guest.get_by_label("签到码", exact=True).fill(code)
        looked_at(guest, screenshot, "code", docs="code")
        guest.get_by_role("button", name="继续").click()
        expect(guest).to_have_url(SIGN_URL)
        guest.get_by_label("姓名").fill("孙小美")
        guest.get_by_label("单位", exact=True).select_option(label="其他单位")
        guest.get_by_label("单位名称").fill("江滨社区")
        guest.locator("form:has(input[name=guest-name])").get_by_role("button", name="签到").click()
        expect(guest.locator("h1")).to_have_text("孙小美，签到成功")

        expect(count(officer, "total")).to_have_text("3", timeout=LIVE_TIMEOUT)
        expect(count(officer, "external")).to_have_text("2")

        # --- 4. A photo of a code long past is refused ------------------------------------------
        stale = f"/s/{tokens.scan_token(sheet, tokens.window_at() - 5)}/"
        response = guest.goto(stale)
        assert response is not None
        assert response.status == 410
        expect(guest.locator("h1")).to_have_text("二维码已过期")
        expect(guest.locator("main")).to_contain_text(TITLE)
        looked_at(guest, screenshot, "stale", docs="stale")

        # --- 5. The list; 孙小美 removed, 张伟 added by hand -----------------------------------
        officer.reload()
        rows = officer.locator(".signin-entry")
        expect(rows).to_have_count(3)
        expect(rows.nth(0)).to_contain_text("刘洋")
        expect(rows.nth(1)).to_contain_text("钱多多")
        expect(rows.nth(1)).to_contain_text("139****1234")
        expect(rows.nth(2)).to_contain_text("江滨社区")
        expect(officer.locator("main")).not_to_contain_text(PARTNER_PHONE)
        looked_at(officer, screenshot, "officer-list", docs="list")

        rows.nth(2).get_by_role("link", name=re.compile("^移除")).click()
        expect(officer.locator("h1")).to_have_text("从签到名单删除")
        expect(officer.locator("h2")).to_have_text("孙小美")
        looked_at(officer, screenshot, "remove", docs="remove")
        officer.get_by_role("button", name="移除").click()
        expect(officer.locator("h1")).to_have_text("现场签到")
        expect(rows).to_have_count(2)
        expect(officer.locator(".signin-list")).not_to_contain_text("孙小美")

        officer.get_by_role("link", name="手动补录").click()
        expect(officer.locator("h1")).to_have_text("手动补录")
        officer.get_by_label("党员姓名").fill("张伟")
        officer.get_by_role("button", name="搜索").click()
        found = officer.locator(".signin-found__row", has_text="张伟")
        expect(found).to_have_count(1)
        looked_at(officer, screenshot, "add", docs="add")
        found.get_by_role("button", name=re.compile("^添加")).click()
        expect(officer.locator(".messages")).to_contain_text("张伟")
        officer.get_by_role("link", name="返回现场签到").last.click()
        expect(rows).to_have_count(3)
        expect(rows.nth(2)).to_contain_text("张伟")
        expect(rows.nth(2)).to_contain_text("补录")

        officer.get_by_role("link", name="打印门口海报").click()
        expect(officer.locator("h1")).to_have_text(TITLE)
        expect(officer.locator(".signin-poster__qr svg")).to_be_visible()
        looked_at(officer, screenshot, "poster", docs="poster")
        officer.get_by_role("link", name="返回现场签到").click()

        # --- 6. Closed after checking the numbers; the activity submitted ----------------------
        officer.get_by_role("link", name="结束签到").click()
        expect(officer.locator("h1")).to_have_text("结束签到")
        numbers = officer.locator(".signin-counts")
        expect(numbers.locator("div", has_text="参加党员").locator("dd")).to_have_text("2")
        expect(numbers.locator("div", has_text="外部参与人数").locator("dd")).to_have_text("1")
        expect(numbers.locator("div", has_text="其他支部党员").locator("dd")).to_have_text("0")
        looked_at(officer, screenshot, "close", docs="close")
        officer.get_by_role("button", name="结束签到并写入活动").click()
        officer.wait_for_url(DETAIL_URL)
        expect(officer.locator(STATUS_BADGE)).to_have_text("草稿")
        expect(section.locator(".signin-badge")).to_have_text("已结束")
        fits_the_phone(officer)  # not a page of the sign-in: its usernames, 下载 Word…
        screenshot(officer, "activity-closed")
        officer.locator("form[action$='/workflow/submit/'] button[type=submit]").click()
        expect(officer.locator(STATUS_BADGE)).to_have_text("待审核")
        screenshot(officer, "submitted")
    finally:
        guest_context.close()
        member_context.close()
        officer_context.close()

    assert [found for v in violations for found in v.found] == []
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.SUBMITTED
    assert set(activity.attendees.all()) == {liu, zhang}
    assert activity.external_participants == 1
    assert list(sheet.entries.values_list("name", "kind", "method")) == [
        ("刘洋", EntryKind.ATTENDEE, EntryMethod.SCAN),
        ("钱多多", EntryKind.PARTNER, EntryMethod.SCAN),
        ("张伟", EntryKind.ATTENDEE, EntryMethod.HAND),
    ]
    [attachment] = activity.attachments.filter(kind=AttachmentKind.SIGN_IN_SHEET)
    text, squeezed = pdf_text(attachment)
    for words in ("签到表", TITLE, PLACE, "刘洋", "钱多多", "春江街道", "张伟", "补录", "扫码"):
        assert words in squeezed, words
    assert cast.branch_a1.name in squeezed
    assert "孙小美" not in squeezed
    assert PARTNER_PHONE not in squeezed
    assert "****" not in text  # not even masked
