"""A partner's contact answers on a 390 px phone whose browser runs no script and asks for
English: the page behind the link (Chinese, with its photos), the answer, the same link again
(the invalid page), and the partner's own page with its pending activity answered there.
None scrolls sideways, none breaks the CSP, axe finds nothing serious.

Each step is saved under $SCREENSHOT_DIR (``make test``: var/screenshots). With
``PARTNER_DOCS_SCREENSHOTS=1`` the four pages of the documentation are written to
``docs/screenshots/partner-*.png`` as well:

    PARTNER_DOCS_SCREENSHOTS=1 DEBUG=1 .venv/bin/pytest -n 0 tests/browser/test_partner_pages.py
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from activities.models import ActivityAction, ActivityStatus, AttachmentKind, PartnerCheck
from activities.services import activity_transition, attachment_add
from portal.partners.models import LinkPurpose, PartnerAnswer
from portal.partners.services import partner_answer_record, partner_link_find
from tests import factories
from tests.browser.conftest import new_phone_context
from tests.browser.test_phone_pages import axe_script, page_problems
from tests.partners.scene import Scene, build_scene

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Browser, Page

    from tests.conftest import Cast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCS = Path(settings.BASE_DIR) / "docs" / "screenshots"
THUMBS = "img.partner-photos__thumb"


def picture(name: str, sky: tuple[int, int, int], ground: tuple[int, int, int]):
    """A photo-like JPEG: a sky, a ground and a few figures (a plain colour reads as broken)."""
    image = Image.new("RGB", (960, 720), sky)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 430, 960, 720), fill=ground)
    draw.rectangle((120, 250, 420, 430), fill=(235, 228, 214))
    draw.polygon([(100, 250), (270, 150), (440, 250)], fill=(160, 40, 40))
    for x in range(520, 900, 70):
        draw.ellipse((x, 330, x + 40, 370), fill=(60, 45, 40))
        draw.rectangle((x + 5, 370, x + 35, 470), fill=(178, 22, 28))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def the_scene(cast: Cast) -> tuple[Scene, str, str]:
    """The 春江街道社区 scene with a real measure; its contact asked about the scene's
    activity and about a second one with two photos (the answer link returned), an approved
    activity confirmed earlier, another approved without an answer; the partner page's link."""
    measure = factories.MeasureFactory(
        committee=cast.committee_a, code="M5", title="责任联担", subtitle="共担社会责任"
    )
    scene = build_scene(cast, measure=measure)
    draft = scene.new_activity(
        title="联合开展“爱心助考”志愿服务",
        status=ActivityStatus.DRAFT,
        measure=measure,
        location="春江中学考点",
        external_participants=8,
        volunteers=15,
        beneficiaries=300,
        summary="在春江中学考点设立爱心服务站，为考生和家长提供饮水、指路和应急药品。",
        outcome="服务考生及家长 300 余人次，协助处理突发情况 3 起。",
    )
    for name, sky, ground in (
        ("考点服务站.jpg", (150, 190, 220), (120, 150, 90)),
        ("志愿者合影.jpg", (210, 200, 185), (140, 110, 80)),
    ):
        attachment_add(
            draft,
            by=cast.secretary_a1,
            upload=picture(name, sky, ground),
            kind=AttachmentKind.PHOTO,
            caption=name.removesuffix(".jpg"),
        )
    activity_transition(draft, action=ActivityAction.SUBMITTED, by=cast.secretary_a1)
    earlier = scene.new_activity(title="安置房交付前联合消防演练", measure=measure)
    answered = scene.ask(earlier)
    partner_answer_record(
        link=partner_link_find(answered, purpose=LinkPurpose.ANSWER),
        activity=earlier,
        verdict="confirmed",
        rating="satisfied",
        rating_comment="演练组织有序。",
    )
    activity_transition(earlier, action=ActivityAction.APPROVED, by=cast.staff_a)
    scene.new_activity(
        title="社区“红色讲堂”联学党课", status=ActivityStatus.APPROVED, measure=measure
    )
    scene.ask(scene.activity)
    return scene, scene.ask(draft), scene.page_token()


def save_for_docs(page: Page, name: str) -> None:
    if os.environ.get("PARTNER_DOCS_SCREENSHOTS"):
        page.screenshot(path=str(DOCS / f"partner-{name}.png"), full_page=True, scale="css")


def fits_a_phone(page: Page) -> None:
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{page.url} scrolls sideways: {width}"


def test_a_partner_answers_on_a_phone_without_script(
    chromium: Browser,
    live_server: Any,
    cast: Cast,
    settings,
    tmp_path,
    screenshot: Callable,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    scene, token, page_token = the_scene(cast)
    context = new_phone_context(chromium, live_server, java_script_enabled=False)
    page = context.new_page()
    try:
        # The page behind the link: Chinese although the browser asks for English.
        page.goto(f"/p/{token}/")
        main = page.locator("main").inner_text()
        assert "联合开展“爱心助考”志愿服务" in main
        assert "情况属实" in main
        assert "需要更正" in main
        assert page.locator(THUMBS).count() == 2
        fits_a_phone(page)
        screenshot(page, "answer")
        save_for_docs(page, "answer-phone")

        # A correction without saying what: the page again, with the message.
        page.get_by_label("需要更正").check()
        page.get_by_role("button", name="提交答复").click()
        assert "请说明需要更正的内容。" in page.locator("main").inner_text()
        fits_a_phone(page)
        screenshot(page, "answer-sent-back")

        # The confirmation, with the unit's head count and an evaluation.
        page.get_by_label("情况属实").check()
        page.get_by_label("本单位参加人数").fill("6")
        page.get_by_label("满意", exact=True).check()
        page.get_by_label("评价说明").fill("考点服务周到，家长和考生都很满意。")
        page.get_by_role("button", name="提交答复").click()
        main = page.locator("main").inner_text()
        assert "谢谢，您的答复已收到" in main
        assert "考点服务周到，家长和考生都很满意。" in main
        fits_a_phone(page)
        screenshot(page, "answered")
        save_for_docs(page, "answered-phone")

        # The same link again: used up, the invalid page.
        response = page.goto(f"/p/{token}/")
        assert response is not None
        assert response.status == 404
        assert "链接无效或已过期" in page.locator("main").inner_text()
        fits_a_phone(page)
        screenshot(page, "invalid")
        save_for_docs(page, "invalid-phone")

        # The partner's own page: the scene's activity waits, answered right there.
        page.goto(f"/p/u/{page_token}/")
        main = page.locator("main").inner_text()
        assert "1项待您确认" in main
        assert "本单位已于" in main
        fits_a_phone(page)
        screenshot(page, "partner-page")
        save_for_docs(page, "page-phone")
        item = page.locator(".partner-item--waiting")
        item.get_by_label("情况属实").check()
        item.get_by_label("基本满意").check()
        item.get_by_role("button", name="提交答复").click()
        assert "的答复已收到" in page.locator("main").inner_text()
        fits_a_phone(page)
        screenshot(page, "partner-page-answered")
    finally:
        context.close()

    answers = PartnerAnswer.objects.filter(contact=scene.contact)
    assert answers.count() == 3  # the earlier one, the link's, the page's
    scene.activity.refresh_from_db()
    assert scene.activity.partner_check == PartnerCheck.CONFIRMED


def test_the_partner_pages_pass_axe_and_the_csp_with_their_photos_shown(
    chromium: Browser, live_server: Any, cast: Cast, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    _scene, token, page_token = the_scene(cast)
    context = new_phone_context(chromium, live_server, locale="zh-CN")
    page = context.new_page()
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    script = axe_script()
    problems: list[str] = []
    try:
        for path in (f"/p/{token}/", f"/p/u/{page_token}/", "/p/not-a-token/"):
            page.goto(path)
            page.wait_for_load_state("load")
            problems += [f"{path}: {p}" for p in page_problems(page, script, run_axe=True)]
        page.goto(f"/p/{token}/")
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")  # lazy thumbnails
        for _ in range(100):  # page.wait_for_function evaluates a string: the CSP refuses it
            if page.evaluate(f"[...document.querySelectorAll('{THUMBS}')].every(i => i.complete)"):
                break
            page.wait_for_timeout(50)
        loaded = page.evaluate(
            f"[...document.querySelectorAll('{THUMBS}')].map(i => i.complete && i.naturalWidth > 0)"
        )
    finally:
        context.close()

    assert not problems, "\n".join(problems)
    assert loaded == [True, True]
    assert not refused, refused
