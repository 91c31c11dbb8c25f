"""The activity form on a 390 × 844 phone, in Chinese (issue 15 §2).

A typical record — title, kind, measure, a partner, the branch's members (全选), the summary,
a photo, save — takes at most 12 taps; the form up to its optional sections is at most 2.5
screens tall; the draft is kept on the server as the secretary goes, so reloading the page
(or the phone locking) loses nothing. Screenshots of the empty and the filled form are saved
under $SCREENSHOT_DIR.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import TYPE_CHECKING, Any

import pytest
from django.utils import timezone
from PIL import Image

from activities.models import Activity, ActivityKind, ActivityStatus
from activities.services import activity_create
from tests import factories
from tests.browser.conftest import PHONE, new_phone_context
from tests.browser.test_activity_pages_js import log_in

if TYPE_CHECKING:
    from collections.abc import Iterator

    from playwright.sync_api import Locator, Page

    from tests.conftest import Cast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_TAPS = 12
MAX_HEIGHT = 2.5 * PHONE["height"]
MEASURES = ("理论联学", "组织联建", "工作联动", "业绩联创", "责任联担", "底线联守")
EDIT_URL = re.compile(r"/activities/(\d+)/edit/$")


class Taps:
    """Counts the taps a person makes on the phone: one per touch, two for a drop-down or
    the file picker (open it, choose in it)."""

    def __init__(self) -> None:
        self.count = 0

    def tap(self, target: Locator) -> None:
        target.click()
        self.count += 1

    def type_into(self, target: Locator, text: str) -> None:
        target.click()  # the field gets the keyboard
        self.count += 1
        target.press_sequentially(text) if len(text) < 3 else target.fill(text)

    def choose(self, select: Locator, value: str) -> None:
        select.select_option(value)
        self.count += 2

    def pick_files(self, button: Locator, file_input: Locator, files: list[dict]) -> None:
        with button.page.expect_file_chooser() as chooser:
            button.click()
        chooser.value.set_files(files)
        self.count += 2


@pytest.fixture
def scene(cast: Cast, settings, tmp_path) -> dict[str, Any]:
    settings.MEDIA_ROOT = tmp_path / "media"
    committee = cast.committee_a
    measures = [
        factories.MeasureFactory(
            committee=committee, position=n, code=f"M{n}", title=title, subtitle="联建共建"
        )
        for n, title in enumerate(MEASURES, start=1)
    ]
    factories.GoalFactory(committee=committee, position=1, code="G1", title="夯实基层党建基础")
    for name in ("陈静", "刘洋", "杨帆", "赵磊", "孙丽", "周强", "吴敏", "郑华"):
        factories.MemberFactory(branch=cast.branch_a1, name=name)
    for n in range(40):  # the rest of the committee: found by search, never listed
        factories.MemberFactory(branch=cast.branch_a2, name=f"宿迁党员{n}")
    roster = [
        factories.PartnerFactory(committee=committee, name=f"{city}共建单位{n}", city=city)
        for n, city in enumerate(["宿迁", "肇庆", "资阳", "枣庄", "四川"] * 3)
    ]
    community = factories.PartnerFactory(committee=committee, name="春江街道春南社区")
    court = factories.PartnerFactory(committee=committee, name="富阳区人民法院")
    alliance = factories.PartnershipFactory(
        committee=committee, branch=cast.branch_a1, title="春南区域化党建联盟"
    )
    for unit in (community, court):
        factories.PartnershipMemberFactory(partnership=alliance, partner=unit)
    start = timezone.now() - dt.timedelta(days=20)
    activity_create(  # the branch's last activity: its place is the usual one
        created_by=cast.secretary_a1,
        committee=committee,
        branch=cast.branch_a1,
        title="联盟季度联席会",
        kind=ActivityKind.MEETING,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        location="春江街道党群服务中心",
        measure=measures[1],
        partners=[court],
        summary="联席会",
    )
    return {"measures": measures, "community": community, "roster": roster}


@pytest.fixture
def phone(chromium, live_server, cast: Cast) -> Iterator[Page]:
    """A phone whose browser asks for Chinese, logged in as branch A1's secretary."""
    context = new_phone_context(chromium, live_server, locale="zh-CN")
    log_in(context, live_server, cast.secretary_a1)
    try:
        yield context.new_page()
    finally:
        context.close()


def photo() -> dict[str, Any]:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (196, 30, 40)).save(buffer, "JPEG")
    return {"name": "现场.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def height_before_optional(page: Page) -> float:
    return page.locator(".form-optional").evaluate(
        "el => el.getBoundingClientRect().top + window.scrollY"
    )


def test_a_typical_record_takes_at_most_12_taps_on_a_form_of_at_most_2_5_screens(
    phone: Page, scene, cast: Cast, screenshot
):
    from playwright.sync_api import expect

    phone.goto("/activities/new/")
    expect(phone.locator("h1")).to_have_text("登记活动")
    form = phone.locator("form.activity-form")
    # Prefilled: today, and the branch's usual place.
    today = timezone.localdate().isoformat()
    expect(form.locator("input[name=starts_at]")).to_have_value(re.compile(f"^{today}T"))
    expect(form.locator("input[name=location]")).to_have_value("春江街道党群服务中心")
    empty_height = height_before_optional(phone)
    screenshot(phone, "empty")

    taps = Taps()
    taps.type_into(form.locator("input[name=title]"), "联学党的二十届四中全会精神")
    taps.choose(form.locator("select[name=kind]"), ActivityKind.STUDY.value)
    taps.tap(form.locator(".measure-choice").nth(0))
    taps.tap(form.locator("#partner-list-frequent label").filter(has_text="春江街道春南社区"))
    taps.tap(form.locator("[data-select-all-label]"))
    taps.type_into(form.locator("textarea[name=summary]"), "与春南社区党委联学，交流基层治理经验。")
    taps.pick_files(
        form.locator(".file-pick__button"), form.locator(".file-pick input[type=file]"), [photo()]
    )
    expect(form.locator("[data-files-chosen]")).to_have_text("现场.jpg")
    filled_height = height_before_optional(phone)
    screenshot(phone, "filled")
    taps.tap(form.locator("button[name=submit_for_review]"))

    expect(phone).to_have_url(re.compile(r"/activities/\d+/$"))
    activity = Activity.objects.get(title="联学党的二十届四中全会精神")
    assert activity.status == ActivityStatus.SUBMITTED
    assert [p.name for p in activity.partners.all()] == ["春江街道春南社区"]
    assert activity.attendees.count() == 11  # the branch's current members, all ticked
    assert activity.attachments.count() == 1
    print(
        f"taps {taps.count}; height before the optional sections {empty_height:.0f} px empty, "
        f"{filled_height:.0f} px filled (limit {MAX_HEIGHT:.0f})"
    )
    assert taps.count <= MAX_TAPS
    assert empty_height <= MAX_HEIGHT
    assert filled_height <= MAX_HEIGHT
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_draft_is_saved_as_the_secretary_goes_and_survives_a_reload(
    phone: Page, scene, cast: Cast
):
    from playwright.sync_api import expect

    phone.goto("/activities/new/")
    form = phone.locator("form.activity-form")
    form.locator("input[name=title]").fill("走访春南社区")
    form.locator("select[name=kind]").select_option(ActivityKind.VISIT.value)
    form.locator(".measure-choice").nth(1).click()
    form.locator("#partner-list-frequent label").filter(has_text="春江街道春南社区").click()
    form.locator("textarea[name=summary]").fill("了解安置房交付后的需求。")

    # Saved without a button: the page becomes the draft's own edit page.
    expect(form.locator("[data-autosave-status]")).to_contain_text("已自动保存")
    expect(phone).to_have_url(EDIT_URL)
    phone.reload()
    form = phone.locator("form.activity-form")
    expect(form.locator("input[name=title]")).to_have_value("走访春南社区")
    expect(form.locator("select[name=kind]")).to_have_value(ActivityKind.VISIT.value)
    expect(form.locator("textarea[name=summary]")).to_have_value("了解安置房交付后的需求。")
    expect(form.locator("input[name=measure]").nth(1)).to_be_checked()
    expect(form.locator(f"input[name=partners][value='{scene['community'].pk}']")).to_be_checked()
    (draft,) = Activity.objects.filter(title="走访春南社区")
    assert draft.status == ActivityStatus.DRAFT

    # A later change is saved too, into the same draft, and a page hidden saves at once.
    form.locator("textarea[name=summary]").fill("了解安置房交付后的需求，约定下月再访。")
    phone.evaluate(
        "Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});"
        "document.dispatchEvent(new Event('visibilitychange'))"
    )
    expect(form.locator("[data-autosave-status]")).to_contain_text("已自动保存")
    draft.refresh_from_db()
    assert draft.summary == "了解安置房交付后的需求，约定下月再访。"
    assert Activity.objects.filter(title="走访春南社区").count() == 1


def test_choosing_a_partnership_ticks_its_units_and_a_member_of_another_branch_is_found(
    phone: Page, scene, cast: Cast, screenshot
):
    from playwright.sync_api import expect

    phone.goto("/activities/new/")
    form = phone.locator("form.activity-form")
    alliance = form.locator("select[name=partnership]")
    alliance.select_option(label="春南区域化党建联盟")
    expect(form.locator("#partner-list-frequent input:checked")).to_have_count(2)

    search = form.locator("[data-member-search-input]")
    search.fill("宿迁党员1")
    results = form.locator("[data-member-search-results] li.choice")
    expect(results).to_have_count(11)  # 宿迁党员1, 10–19
    results.first.locator("input").check()
    expect(form.locator("[data-member-found] input:checked")).to_have_count(1)
    expect(form.locator(f"input[name=co_branches][value='{cast.branch_a2.pk}']")).to_be_checked()
    screenshot(phone, "partnership-and-search")
