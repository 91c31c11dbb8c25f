"""A joint activity from a secretary's phone to its approval, in a real browser (issue 3 §6).

A branch secretary logs in through the login form on a 390 px phone screen, logs an activity
with two partners, five attending members and a photo, and submits it; committee staff return
it with a comment; the secretary reads the comment, fixes the activity and submits it again;
staff approve it; the activity page shows it approved, with its timeline.

The UI is the default Chinese one, whose wording the lead translates last: elements are found
by what does not change with the wording — form field names, the URLs forms post to, roles,
heading ids, a photo's caption and a few of the pages' own classes, all named at the top — and
the pages' texts are compared with the translation of their msgids.
Each page is saved under $SCREENSHOT_DIR (``make test``: var/screenshots).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.text import capfirst
from PIL import Image, ImageDraw

from activities.models import Activity, ActivityAction, ActivityKind, ActivityStatus
from branches.models import Member
from partnerships.models import PartnerOrganisation
from tests import factories
from tests.factories import PASSWORD

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Page

    from tests.conftest import Cast

pytestmark = [
    pytest.mark.browser,
    # The live server sees only committed rows (see test_smoke.py).
    pytest.mark.django_db(transaction=True),
]

PHONE_WIDTH = 390
TITLE = "“三联三促”联学：新质生产力专题党课"
RETURN_COMMENT = "请补充活动成效，并写明共建单位参加人数。"
PHOTO_CAPTION = "联学合影.jpg"  # the one file button takes no caption: its name shows
FIXED_OUTCOME = "形成共建问题清单3项，已明确责任人和完成时限。"
DETAIL_URL = re.compile(r"/activities/(\d+)/$")

# Where things are. Form fields by their name, workflow forms by the URL they post to, page
# sections by the heading ids they are labelled by, photos by their caption (alt text); the
# pages' own class names only where nothing else marks the spot, and all of them here.
STATUS_BADGE = ".activity-head__meta .status"  # under the activity's title
LIST_ROW = ".activity-row"
REVIEW_LIST = ".review-list"
PEOPLE = "section[aria-labelledby=people-heading]"
TIMELINE = "section[aria-labelledby=timeline-heading]"

MEASURES = [
    ("M1", "组织联建", "建强战斗堡垒"),
    ("M2", "思想联学", "夯实思想根基"),
    ("M3", "业务联促", "推动项目建设"),
    ("M4", "人才联育", "锻造过硬队伍"),
    ("M5", "服务联办", "解决急难愁盼"),
    ("M6", "文化联创", "凝聚发展合力"),
]


@dataclass
class Scene:
    """What the secretary picks from: committee A's framework, roster and branch A1."""

    measure: object
    partners: list[PartnerOrganisation]  # the two of the activity
    other_partner: PartnerOrganisation
    attendees: list[Member]  # the five who attended
    photo: Path


@pytest.fixture
def scene(cast: Cast, settings, tmp_path: Path) -> Scene:
    settings.MEDIA_ROOT = tmp_path / "media"
    committee = cast.committee_a
    measures = [
        factories.MeasureFactory(
            committee=committee, position=i, code=code, title=title, subtitle=subtitle
        )
        for i, (code, title, subtitle) in enumerate(MEASURES, start=1)
    ]
    factories.GoalFactory(committee=committee, title="项目建设提质增效")
    partners = [
        factories.PartnerFactory(committee=committee, name=name, city="杭州")
        for name in ("西湖区春江街道社区", "杭州市建设工程质量监督站", "中建三局杭州分公司")
    ]
    attendees = [
        factories.MemberFactory(branch=cast.branch_a1, name=name)
        for name in ("陈静", "刘洋", "杨帆", "赵磊", "周敏")
    ]
    photo = tmp_path / "联学合影.jpg"
    image = Image.new("RGB", (800, 600), (196, 30, 40))
    draw = ImageDraw.Draw(image)
    draw.rectangle((120, 380, 680, 560), fill=(250, 220, 120))
    draw.ellipse((330, 90, 470, 230), fill=(255, 240, 200))
    image.save(photo, "JPEG", quality=85)
    return Scene(
        measure=measures[1],
        partners=partners[:2],
        other_partner=partners[2],
        attendees=attendees,
        photo=photo,
    )


def zh(label: Promise) -> str:
    """A lazy label as the Chinese UI shows it (its msgid until the lead translates it)."""
    with translation.override("zh-hans"):
        return str(label)


def page_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def nav_link(page: Page, path: str):
    """A link of the site's main navigation (in the page header)."""
    return page.locator(f".site-header nav a[href='{path}']")


def log_in(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def log_out(page: Page) -> None:
    page.locator(".site-header form[action='/accounts/logout/'] button[type=submit]").click()
    page.wait_for_url("**/accounts/login/")


def status_of(page: Page):
    """The status badge under the activity's title."""
    return page.locator(STATUS_BADGE)


def expect_status(page: Page, status: str) -> None:
    from playwright.sync_api import expect

    expect(status_of(page)).to_have_class(re.compile(rf"\bstatus--{status}\b"))
    expect(status_of(page)).to_have_text(zh(ActivityStatus(status).label))


def local_input(moment: dt.datetime) -> str:
    """A datetime-local input's value, in the portal's time zone (Asia/Shanghai)."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def fill_the_form(page: Page, scene: Scene) -> None:
    """What the secretary types and ticks: a study session three days ago, with a photo."""
    from playwright.sync_api import expect

    starts = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(days=3)
    page.locator("input[name=title]").fill(TITLE)
    page.locator("select[name=kind]").select_option(ActivityKind.STUDY.value)
    page.locator("input[name=starts_at]").fill(local_input(starts))
    page.locator("input[name=ends_at]").fill(local_input(starts + dt.timedelta(hours=2)))
    page.locator("input[name=location]").fill("杭州项目部二楼党员活动室")
    page.locator(f"input[name=measure][value='{scene.measure.pk}']").check()
    # The partner picker searches the roster as the secretary types.
    search = page.locator("#partner-search")
    for partner in scene.partners:
        search.fill(partner.name[:4])
        page.locator(f"input[name=partners][value='{partner.pk}']").check()
    search.fill(scene.partners[0].name[:4])
    other = page.locator(f"input[name=partners][value='{scene.other_partner.pk}']")
    expect(other).to_be_hidden()  # the search hides partners that do not match
    search.fill("")
    for member in scene.attendees:
        page.locator(f"input[name=attendees][value='{member.pk}']").check()
    open_fold(page, "external_participants")
    page.locator("input[name=external_participants]").fill("12")
    page.locator("input[name=volunteers]").fill("3")
    page.locator("input[name=beneficiaries]").fill("40")
    page.locator("textarea[name=summary]").fill(
        "两家共建单位与支部党员围绕新质生产力开展专题联学。"
    )
    page.locator("select[name=attachments-0-kind]").select_option("photo")
    page.locator("input[name=attachments-0-files]").set_input_files(str(scene.photo))


def open_fold(page: Page, field: str) -> None:
    """Unfold the optional section that holds ``field`` (the form folds them away)."""
    fold = page.locator(f"details.form-fold:has([name={field}])")
    if not fold.evaluate("el => el.open"):
        fold.locator("summary").click()


def open_from_review_queue(page: Page, screenshot: Callable) -> None:
    nav_link(page, "/activities/review/").click()
    page.wait_for_url("**/activities/review/")
    assert page_width(page) <= PHONE_WIDTH
    screenshot(page, "review-queue")
    page.locator(REVIEW_LIST).get_by_role("link", name=TITLE).first.click()
    page.wait_for_url(DETAIL_URL)


def test_secretary_logs_an_activity_staff_return_it_then_approve_the_fixed_one(
    browser_page: Page, cast: Cast, scene: Scene, screenshot: Callable
) -> None:
    from playwright.sync_api import expect

    page = browser_page

    # --- The secretary logs the activity on her phone and submits it -----------------------
    log_in(page, "secretary_a1")
    nav_link(page, "/activities/new/").click()
    page.wait_for_url("**/activities/new/**")
    fill_the_form(page, scene)
    assert page_width(page) <= PHONE_WIDTH
    screenshot(page, "form")
    page.locator("button[name=save][value=draft]").click()
    page.wait_for_url(DETAIL_URL)

    activity = Activity.objects.get(title=TITLE)
    expect(page.locator("h1")).to_have_text(TITLE)
    expect_status(page, ActivityStatus.DRAFT)
    for partner in scene.partners:
        expect(page.locator("body")).to_contain_text(partner.name)
    people = page.locator(PEOPLE)
    for member in scene.attendees:
        expect(people).to_contain_text(member.name)
    expect(people).not_to_contain_text(cast.member_a1.name)  # on the roster, not ticked
    thumbnail = page.get_by_role("img", name=PHOTO_CAPTION)
    expect(thumbnail).to_have_count(1)
    # The thumbnail loads once in view (it is lazy: the sections above may push it below).
    thumbnail.scroll_into_view_if_needed()
    expect(thumbnail).to_have_js_property("complete", True)
    expect(thumbnail).not_to_have_js_property("naturalWidth", 0)
    assert page_width(page) <= PHONE_WIDTH
    screenshot(page, "detail-draft")

    page.locator("form[action$='/workflow/submit/'] button[type=submit]").click()
    expect_status(page, ActivityStatus.SUBMITTED)
    screenshot(page, "detail-submitted")

    nav_link(page, "/activities/").click()
    page.wait_for_url("**/activities/")
    row = page.locator(LIST_ROW, has_text=TITLE)
    expect(row).to_contain_text(zh(ActivityStatus.SUBMITTED.label))
    assert page_width(page) <= PHONE_WIDTH
    screenshot(page, "list")
    log_out(page)

    # --- Committee staff return it with a comment --------------------------------------------
    log_in(page, "staff_a")
    open_from_review_queue(page, screenshot)
    assert page.url.endswith(f"/activities/{activity.pk}/")
    page.locator("form[action$='/workflow/return/'] textarea[name=comment]").fill(RETURN_COMMENT)
    page.locator("form[action$='/workflow/return/'] button[type=submit]").click()
    # Nothing else waits for review: the reviewer is taken back to the (empty) queue.
    page.wait_for_url("**/activities/review/")
    page.goto(f"/activities/{activity.pk}/")
    expect_status(page, ActivityStatus.RETURNED)
    screenshot(page, "detail-returned-by-staff")
    log_out(page)

    # --- The secretary sees it returned with the comment, fixes it and resubmits -------------
    log_in(page, "secretary_a1")
    list_link = nav_link(page, "/activities/")
    expect(list_link.locator(".count-badge")).to_have_text("已退回 1")
    list_link.click()
    page.wait_for_url("**/activities/")
    row = page.locator(LIST_ROW, has_text=TITLE)
    expect(row).to_contain_text(zh(ActivityStatus.RETURNED.label))
    screenshot(page, "list-returned")
    row.get_by_role("link", name=TITLE).click()
    page.wait_for_url(DETAIL_URL)
    expect_status(page, ActivityStatus.RETURNED)
    expect(page.get_by_role("note")).to_contain_text(RETURN_COMMENT)
    screenshot(page, "detail-returned")

    page.locator(f"a[href='/activities/{activity.pk}/edit/']").first.click()
    page.wait_for_url(f"**/activities/{activity.pk}/edit/")
    expect(page.locator("body")).to_contain_text(RETURN_COMMENT)
    open_fold(page, "outcome")
    page.locator("textarea[name=outcome]").fill(FIXED_OUTCOME)
    assert page_width(page) <= PHONE_WIDTH
    screenshot(page, "form-returned")
    page.locator("button[name=submit_for_review]").click()
    page.wait_for_url(DETAIL_URL)
    expect_status(page, ActivityStatus.SUBMITTED)
    expect(page.locator("body")).to_contain_text(FIXED_OUTCOME)
    screenshot(page, "detail-resubmitted")
    log_out(page)

    # --- Staff approve; the page shows it approved with its timeline -------------------------
    log_in(page, "staff_a")
    open_from_review_queue(page, screenshot)
    page.locator("form[action$='/workflow/approve/'] button[type=submit]").click()
    page.wait_for_url("**/activities/review/")
    page.goto(f"/activities/{activity.pk}/")
    expect_status(page, ActivityStatus.APPROVED)

    timeline = page.locator(TIMELINE).locator("ol > li")
    actions = timeline.evaluate_all(
        "items => items.map(i => [...i.classList].find(c => c.startsWith('timeline__item--'))"
        ".slice('timeline__item--'.length))"
    )
    workflow = [a for a in actions if a not in (ActivityAction.CREATED, ActivityAction.EDITED)]
    assert workflow == ["submitted", "returned", "submitted", "approved"], actions
    returned = timeline.nth(actions.index("returned"))
    expect(returned).to_contain_text(RETURN_COMMENT)
    expect(returned).to_contain_text(capfirst(zh(ActivityAction.RETURNED.label)))
    assert page_width(page) <= PHONE_WIDTH
    screenshot(page, "detail-approved")
    screenshot(page.locator(TIMELINE), "timeline")

    # What the pages said is what was stored.
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.APPROVED
    assert activity.created_by == cast.secretary_a1
    assert activity.reviewed_by == cast.staff_a
    assert set(activity.partners.all()) == set(scene.partners)
    assert set(activity.attendees.all()) == set(scene.attendees)
    assert activity.outcome == FIXED_OUTCOME
    (photo,) = activity.attachments.all()
    assert photo.is_image
    assert photo.original_name == PHOTO_CAPTION
    events = list(activity.events.values_list("action", "actor__username", "comment"))
    assert [e for e in events if e[0] not in ("created", "edited")] == [
        ("submitted", "secretary_a1", ""),
        ("returned", "staff_a", RETURN_COMMENT),
        ("submitted", "secretary_a1", ""),
        ("approved", "staff_a", ""),
    ]
