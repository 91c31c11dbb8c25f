"""The activity pages' scripts, in a real browser on a 390 px phone screen (issue 3 §1, §3).

* ``static/js/activity-form.js``: a branch's "select all" box ticks and unticks its members and
  shows a partial choice as indeterminate (and ticking another branch's members ticks that
  branch as co-organiser); the partner search filters the roster, ticked partners stay shown.
* ``static/js/photo-viewer.js``: a thumbnail opens its full image with its caption; the
  previous/next buttons and the arrow keys move; Escape closes, the focus goes back to the
  thumbnail of the photo last shown.
* Without JavaScript the pages still work: a thumbnail is a plain link to its image, the form
  shows every partner and member and saves.

Elements are found by what does not change with the wording (form field names, data-* hooks,
the pages' own classes), never by the Chinese texts the lead translates last. Each state is
saved under $SCREENSHOT_DIR (``make test``: var/screenshots).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image, ImageDraw

from activities.models import Activity, ActivityKind, AttachmentKind
from activities.services import attachment_add
from branches.models import Member
from partnerships.models import PartnerOrganisation
from tests import factories
from tests.browser.conftest import PHONE, new_phone_context

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from playwright.sync_api import BrowserContext, Locator, Page

    from tests.conftest import Cast

pytestmark = [
    pytest.mark.browser,
    # The live server sees only committed rows (see test_smoke.py).
    pytest.mark.django_db(transaction=True),
]

PHONE_WIDTH = PHONE["width"]
DETAIL_URL = re.compile(r"/activities/(\d+)/$")

# Where things are: the scripts' own data-* hooks and the pages' classes.
OWN_GROUP = "#id_attendees > .member-group"  # the organising branch's members
MEMBER_SEARCH = "[data-member-search-input]"  # members of other branches, found by name
MEMBER_RESULTS = "[data-member-search-results]"
MEMBER_FOUND = "[data-member-found]"  # the ticked ones, kept when the search changes
SELECT_ALL = "input[data-select-all]"
SELECT_ALL_LABEL = "[data-select-all-label]"
SEARCH_BOX = "[data-choice-search]"
SEARCH = "#partner-search"
SEARCH_EMPTY = "[data-choice-search-empty]"
PARTNER_ITEM = "#partner-list > li.choice"
THUMBNAIL_LINK = "a[data-photo-viewer-item]"
VIEWER = "dialog.photo-viewer"
VIEWER_IMAGE = ".photo-viewer__image"
VIEWER_CAPTION = ".photo-viewer__caption"
VIEWER_COUNTER = ".photo-viewer__counter"
VIEWER_PREVIOUS = ".photo-viewer__nav--previous"
VIEWER_NEXT = ".photo-viewer__nav--next"
VIEWER_CLOSE = ".photo-viewer__close"

PHOTOS = [  # caption, colour, size: three photos, each recognisable by its size
    ("联学现场合影", (196, 30, 40), (640, 480)),
    ("共建单位交流发言", (30, 90, 180), (600, 450)),
    ("签订共建协议", (40, 140, 70), (560, 420)),
]


# --- The scene ----------------------------------------------------------------------------


@dataclass
class Scene:
    measure: Any
    partners: list[PartnerOrganisation]  # the committee's roster
    a1_members: list[Member]  # every current member of branch A1, as the form lists them
    a2_members: list[Member]


@pytest.fixture
def scene(cast: Cast, settings, tmp_path) -> Scene:
    settings.MEDIA_ROOT = tmp_path / "media"
    committee = cast.committee_a
    measure = factories.MeasureFactory(committee=committee, position=1, code="M2")
    partners = [
        factories.PartnerFactory(committee=committee, name=name, city=city)
        for name, city in (
            ("西湖区春江街道社区", "杭州"),
            ("杭州市建设工程质量监督站", "杭州"),
            ("宿迁市湖滨新区管委会", "宿迁"),
            ("中建三局第一分公司", "武汉"),
        )
    ]
    for name in ("陈静", "刘洋", "杨帆"):
        factories.MemberFactory(branch=cast.branch_a1, name=name)
    return Scene(
        measure=measure,
        partners=partners,
        a1_members=list(Member.objects.filter(branch=cast.branch_a1).current().order_by("pk")),
        a2_members=list(Member.objects.filter(branch=cast.branch_a2).current().order_by("pk")),
    )


def jpeg(colour: tuple[int, int, int], size: tuple[int, int], name: str) -> SimpleUploadedFile:
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.rectangle((w // 6, h * 2 // 3, w * 5 // 6, h - 20), fill=(250, 220, 120))
    draw.ellipse((w // 2 - 60, 60, w // 2 + 60, 180), fill=(255, 240, 200))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def activity_with_photos(cast: Cast, scene: Scene) -> Activity:
    activity = factories.ActivityFactory(
        committee=cast.committee_a,
        branch=cast.branch_a1,
        measure=scene.measure,
        created_by=cast.secretary_a1,
        title="思想联学：三张照片",
        evidence=False,  # its three photos are the real ones below
        partners=[],  # no partner the branch "usually" has: the whole roster shows open
    )
    for n, (caption, colour, size) in enumerate(PHOTOS):
        attachment_add(
            activity,
            by=cast.secretary_a1,
            upload=jpeg(colour, size, f"photo{n}.jpg"),
            kind=AttachmentKind.PHOTO,
            caption=caption,
        )
    return activity


def log_in(context: BrowserContext, live_server: Any, user) -> None:
    """A session made on the server side, handed to the browser as its cookie."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


@pytest.fixture
def no_js_page(browser_page: Page, live_server: Any) -> Iterator[Page]:
    """A second phone-sized page, in a context with JavaScript switched off."""
    context = new_phone_context(
        browser_page.context.browser, live_server, java_script_enabled=False
    )
    try:
        yield context.new_page()
    finally:
        context.close()


def page_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def local_input(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def fill_required(page: Page, scene: Scene, title: str) -> None:
    """Title, kind, times (yesterday), place, summary and the measure."""
    starts = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(days=1)
    page.locator("input[name=title]").fill(title)
    page.locator("select[name=kind]").select_option(ActivityKind.STUDY.value)
    page.locator("input[name=starts_at]").fill(local_input(starts))
    page.locator("input[name=ends_at]").fill(local_input(starts + dt.timedelta(hours=2)))
    page.locator("input[name=location]").fill("项目部党员活动室")
    page.locator("textarea[name=summary]").fill("联学联建")
    page.locator(f"input[name=measure][value='{scene.measure.pk}']").check()


# The scripts answer events, and a busy machine may run them after Playwright's action has
# returned: every check after an action is an auto-retrying ``expect``, read once it holds.


def expect_box(box: Locator, *, checked: bool, indeterminate: bool) -> None:
    """A "select all" box is (un)ticked and (not) shown as a partial choice."""
    from playwright.sync_api import expect

    expect(box).to_be_checked(checked=checked)
    expect(box).to_have_js_property("indeterminate", indeterminate)


def ticked(group: Locator) -> list[int]:
    return [
        int(v)
        for v in group.locator("input[name=attendees]").evaluate_all(
            "boxes => boxes.filter(b => b.checked).map(b => b.value)"
        )
    ]


def expect_ticked(group: Locator, pks: list[int]) -> None:
    """Exactly the members ``pks`` of ``group`` are ticked."""
    from playwright.sync_api import expect

    expect(group.locator("input[name=attendees]:checked")).to_have_count(len(pks))
    assert sorted(ticked(group)) == sorted(pks)


def visible_partners(page: Page) -> list[int]:
    return [
        int(v)
        for v in page.locator(PARTNER_ITEM).evaluate_all(
            "items => items.filter(i => !i.hidden && i.offsetParent !== null)"
            ".map(i => i.querySelector('input').value)"
        )
    ]


def expect_partners_shown(page: Page, pks: list[int]) -> None:
    """Exactly the partners ``pks`` are shown in the roster."""
    from playwright.sync_api import expect

    expect(page.locator(PARTNER_ITEM).filter(visible=True)).to_have_count(len(pks))
    assert sorted(visible_partners(page)) == sorted(pks)


# --- The activity form ----------------------------------------------------------------------


def test_select_all_ticks_unticks_and_shows_a_partial_choice_then_saving_records_it(
    browser_page: Page, live_server: Any, cast: Cast, scene: Scene, screenshot: Callable
) -> None:
    from playwright.sync_api import expect

    page = browser_page
    log_in(page.context, live_server, cast.secretary_a1)
    page.goto("/activities/new/")
    fill_required(page, scene, "组织联建：全选测试")

    group = page.locator(OWN_GROUP)
    members = group.locator("input[name=attendees]")
    expect(members).to_have_count(len(scene.a1_members))
    assert len(scene.a1_members) >= 4
    everyone = sorted(m.pk for m in scene.a1_members)
    select_all = group.locator(SELECT_ALL)
    expect(group.locator(SELECT_ALL_LABEL)).to_be_visible()  # shown by the script
    expect_box(select_all, checked=False, indeterminate=False)
    screenshot(group, "group-none")

    select_all.click()
    expect_ticked(group, everyone)
    expect_box(select_all, checked=True, indeterminate=False)
    screenshot(group, "group-all")

    select_all.click()
    expect_ticked(group, [])
    expect_box(select_all, checked=False, indeterminate=False)

    # Tick two by hand: "select all" is neither ticked nor clear.
    chosen = scene.a1_members[:2]
    for member in chosen:
        group.locator(f"input[name=attendees][value='{member.pk}']").check()
    expect_box(select_all, checked=False, indeterminate=True)
    screenshot(group, "group-partial")
    # Ticking the rest by hand ticks "select all"; unticking one makes it partial again.
    for member in scene.a1_members[2:]:
        group.locator(f"input[name=attendees][value='{member.pk}']").check()
    expect_box(select_all, checked=True, indeterminate=False)
    for member in scene.a1_members[2:]:
        group.locator(f"input[name=attendees][value='{member.pk}']").uncheck()
    expect_box(select_all, checked=False, indeterminate=True)
    expect_ticked(group, [m.pk for m in chosen])
    # A click on a partial "select all" ticks everyone; another clears the group.
    select_all.click()
    expect_ticked(group, everyone)
    select_all.click()
    expect_ticked(group, [])
    for member in chosen:
        group.locator(f"input[name=attendees][value='{member.pk}']").check()

    # Branch A2's members are found by name (the page lists only the organiser's); ticking
    # one ticks A2 as co-organiser.
    co_branch = page.locator(f"input[name=co_branches][value='{cast.branch_a2.pk}']")
    expect(co_branch).not_to_be_checked()
    page.locator(MEMBER_SEARCH).fill(cast.member_a2.name)
    found = page.locator(f"{MEMBER_RESULTS} input[value='{cast.member_a2.pk}']")
    found.check()
    expect(page.locator(f"{MEMBER_FOUND} input[value='{cast.member_a2.pk}']")).to_be_checked()
    expect(co_branch).to_be_checked()
    # The other group's choice leaves A1's partial choice alone.
    expect_box(select_all, checked=False, indeterminate=True)
    assert page_width(page) <= PHONE_WIDTH
    screenshot(page, "form")

    page.locator("button[name=save][value=draft]").click()
    page.wait_for_url(DETAIL_URL)
    activity = Activity.objects.get(title="组织联建：全选测试")
    assert sorted(activity.attendees.values_list("pk", flat=True)) == sorted(
        [m.pk for m in chosen] + [cast.member_a2.pk]
    )
    assert list(activity.co_branches.all()) == [cast.branch_a2]
    screenshot(page, "saved")


def test_partner_search_filters_the_roster_and_keeps_ticked_partners_shown(
    browser_page: Page, live_server: Any, cast: Cast, scene: Scene, screenshot: Callable
) -> None:
    from playwright.sync_api import expect

    page = browser_page
    log_in(page.context, live_server, cast.secretary_a1)
    page.goto("/activities/new/")
    chunjiang, supervision, suqian, wuhan = scene.partners
    everyone = sorted(p.pk for p in scene.partners)
    search = page.locator(SEARCH)
    expect(page.locator(SEARCH_BOX)).to_be_visible()  # shown by the script
    expect_partners_shown(page, everyone)
    expect(page.locator(SEARCH_EMPTY)).to_be_hidden()

    search.fill("杭州")  # by city
    expect_partners_shown(page, [chunjiang.pk, supervision.pk])
    screenshot(page.locator("#id_partners"), "search-city")
    search.fill("杭州 监督")  # every word must match
    expect_partners_shown(page, [supervision.pk])
    search.fill("湖滨")  # by name
    expect_partners_shown(page, [suqian.pk])
    page.locator(f"input[name=partners][value='{suqian.pk}']").check()

    search.fill("中建")  # the ticked partner stays in sight next to the match
    expect_partners_shown(page, [suqian.pk, wuhan.pk])
    screenshot(page.locator("#id_partners"), "search-ticked-stays")
    search.fill("没有这个单位")  # nothing matches, but the ticked one is still shown
    expect_partners_shown(page, [suqian.pk])
    expect(page.locator(SEARCH_EMPTY)).to_be_hidden()

    page.locator(f"input[name=partners][value='{suqian.pk}']").uncheck()
    search.fill("没有这个单位 ")  # typed again: now nothing is shown, and the page says so
    expect_partners_shown(page, [])
    expect(page.locator(SEARCH_EMPTY)).to_be_visible()
    screenshot(page.locator("#id_partners"), "search-nothing")

    search.press("Enter")  # Enter in the search box does not send the form
    page.wait_for_timeout(200)
    assert page.url.endswith("/activities/new/")
    assert not Activity.objects.exists()

    search.fill("")
    expect_partners_shown(page, everyone)
    page.locator(f"input[name=partners][value='{chunjiang.pk}']").check()
    page.locator(f"input[name=partners][value='{wuhan.pk}']").check()
    fill_required(page, scene, "业务联促：搜索测试")
    assert page_width(page) <= PHONE_WIDTH
    screenshot(page, "form")
    page.locator("button[name=save][value=draft]").click()
    page.wait_for_url(DETAIL_URL)
    activity = Activity.objects.get()
    assert sorted(activity.partners.values_list("pk", flat=True)) == sorted(
        [chunjiang.pk, wuhan.pk]
    )


# --- The photo viewer -----------------------------------------------------------------------


def viewer_state(page: Page) -> dict[str, Any]:
    return page.locator(VIEWER).evaluate(
        """d => {
            const img = d.querySelector('.photo-viewer__image');
            return {
                open: d.open,
                src: img.src,
                loaded: img.complete && img.naturalWidth > 0,
                size: [img.naturalWidth, img.naturalHeight],
                alt: img.alt,
                caption: d.querySelector('.photo-viewer__caption').textContent,
                counter: d.querySelector('.photo-viewer__counter').textContent,
                previousDisabled: d.querySelector('.photo-viewer__nav--previous').disabled,
                nextDisabled: d.querySelector('.photo-viewer__nav--next').disabled,
            };
        }"""
    )


def expect_photo(page: Page, links: Locator, index: int) -> None:
    """The viewer is open on photo ``index``: its full image, loaded, with its caption."""
    page.wait_for_function(
        "d => d.open && !d.classList.contains('is-loading')",
        arg=page.locator(VIEWER).element_handle(),
    )
    state = viewer_state(page)
    caption, _colour, size = PHOTOS[index]
    href = links.nth(index).evaluate("a => a.href")
    assert state["open"]
    assert state["src"] == href, "the full image, not the thumbnail"
    assert state["loaded"]
    assert state["size"] == list(size), "the full image's own size"
    assert (state["caption"], state["alt"]) == (caption, caption)
    assert state["counter"] == f"{index + 1} / {len(PHOTOS)}"
    assert state["previousDisabled"] == (index == 0)
    assert state["nextDisabled"] == (index == len(PHOTOS) - 1)


#: The class the viewer puts on <html> while it is open (the page behind does not scroll).
VIEWER_OPEN = re.compile(r"(^|\s)photo-viewer-open(\s|$)")


def test_photo_viewer_opens_moves_with_buttons_and_keys_and_closes_back_to_the_thumbnail(
    browser_page: Page,
    live_server: Any,
    cast: Cast,
    activity_with_photos: Activity,
    screenshot: Callable,
) -> None:
    from playwright.sync_api import expect

    page = browser_page
    log_in(page.context, live_server, cast.secretary_a1)
    page.goto(f"/activities/{activity_with_photos.pk}/")
    links = page.locator(THUMBNAIL_LINK)
    expect(links).to_have_count(len(PHOTOS))
    for n, (caption, _colour, _size) in enumerate(PHOTOS):
        thumb = links.nth(n).locator("img")
        expect(thumb).to_have_attribute("alt", caption)
        thumb.scroll_into_view_if_needed()
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle()
        )
    thumb_width = links.nth(0).locator("img").evaluate("img => img.naturalWidth")
    assert thumb_width < PHOTOS[0][2][0], "the page shows thumbnails, not the full images"
    viewer = page.locator(VIEWER)
    expect(viewer).to_be_hidden()
    assert page_width(page) <= PHONE_WIDTH
    screenshot(page, "detail")

    # The second thumbnail opens the viewer on the second photo.
    links.nth(1).click()
    expect(viewer).to_be_visible()
    expect_photo(page, links, 1)
    expect(page.locator("html")).to_have_class(VIEWER_OPEN)
    assert page_width(page) <= PHONE_WIDTH
    screenshot(viewer, "viewer-second")

    viewer.locator(VIEWER_NEXT).click()
    expect_photo(page, links, 2)
    screenshot(viewer, "viewer-third-last")
    # At the end "next" is disabled; the focus moved to "previous", still in the viewer.
    expect(viewer.locator(VIEWER_PREVIOUS)).to_be_focused()
    viewer.locator(VIEWER_PREVIOUS).click()
    expect_photo(page, links, 1)

    page.keyboard.press("ArrowLeft")
    expect_photo(page, links, 0)
    screenshot(viewer, "viewer-first")
    page.keyboard.press("ArrowLeft")  # nothing before the first
    expect_photo(page, links, 0)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect_photo(page, links, 2)
    page.keyboard.press("ArrowRight")  # nothing after the last
    expect_photo(page, links, 2)

    # Escape closes; the focus is back on the thumbnail of the photo last shown (the third),
    # not on the one that opened the viewer (the browser's own choice for a closed dialog).
    page.keyboard.press("Escape")
    expect(viewer).to_be_hidden()
    expect(page.locator("html")).not_to_have_class(VIEWER_OPEN)
    expect(links.nth(2)).to_be_focused()
    screenshot(page, "closed")

    # Opened with the keyboard from the first thumbnail and closed at once: focus back there.
    links.nth(0).focus()
    page.keyboard.press("Enter")
    expect_photo(page, links, 0)
    page.keyboard.press("Escape")
    expect(viewer).to_be_hidden()
    expect(links.nth(0)).to_be_focused()

    # The close button closes too, back to the thumbnail opened.
    links.nth(2).click()
    expect_photo(page, links, 2)
    viewer.locator(VIEWER_CLOSE).click()
    expect(viewer).to_be_hidden()
    expect(page.locator("html")).not_to_have_class(VIEWER_OPEN)
    expect(links.nth(2)).to_be_focused()
    assert page.url.endswith(f"/activities/{activity_with_photos.pk}/"), "never left the page"


# --- Without JavaScript -----------------------------------------------------------------------


def test_without_javascript_a_thumbnail_is_a_link_to_its_image_and_the_form_saves(
    no_js_page: Page,
    live_server: Any,
    cast: Cast,
    scene: Scene,
    activity_with_photos: Activity,
    screenshot: Callable,
) -> None:
    from playwright.sync_api import expect

    page = no_js_page
    log_in(page.context, live_server, cast.secretary_a1)
    page.goto(f"/activities/{activity_with_photos.pk}/")
    links = page.locator(THUMBNAIL_LINK)
    expect(links).to_have_count(len(PHOTOS))
    expect(page.locator(VIEWER)).to_have_count(0)  # nobody built a viewer
    assert page_width(page) <= PHONE_WIDTH
    screenshot(page, "detail")

    photo = activity_with_photos.attachments.order_by("pk")[1]
    href = links.nth(1).get_attribute("href")
    assert href == f"/files/{photo.file.name}"
    with page.expect_navigation():
        links.nth(1).click()
    assert page.url == f"{live_server.url}{href}"
    image = page.locator("img")
    expect(image).to_have_count(1)  # Chromium's own page for an image
    assert image.evaluate("img => [img.naturalWidth, img.naturalHeight]") == list(PHOTOS[1][2])
    screenshot(page, "image")

    # The form: the search box and "select all" stay hidden, every partner and member shows.
    page.goto("/activities/new/")
    expect(page.locator(SEARCH_BOX)).to_be_hidden()
    expect(page.locator(f"{OWN_GROUP} {SELECT_ALL_LABEL}")).to_be_hidden()
    expect_partners_shown(page, [p.pk for p in scene.partners])
    fill_required(page, scene, "服务联办：无脚本")
    page.locator(f"input[name=partners][value='{scene.partners[2].pk}']").check()
    for member in scene.a1_members[:3]:
        page.locator(f"input[name=attendees][value='{member.pk}']").check()
    assert page_width(page) <= PHONE_WIDTH
    screenshot(page, "form")
    page.locator("button[name=save][value=draft]").click()
    page.wait_for_url(DETAIL_URL)
    activity = Activity.objects.get(title="服务联办：无脚本")
    assert list(activity.partners.all()) == [scene.partners[2]]
    assert sorted(activity.attendees.values_list("pk", flat=True)) == sorted(
        m.pk for m in scene.a1_members[:3]
    )
    assert not activity.co_branches.exists()
    screenshot(page, "saved")
