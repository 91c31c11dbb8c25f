"""Every page of the permission matrix on a 390 × 844 phone, in Chinese, with data on it.

The pages are the GET rows of ``tests/portal/test_permission_matrix.py`` that answer 200 to a
user of committee A (or to nobody logged in): each is opened once, by the first of
``ROLE_ORDER`` whose answer there is 200, with the matrix's own objects behind its URL. A
page fails when

* the document scrolls sideways (a wide table must scroll inside its own wrapper);
* a table cell or header is squeezed to one character per line ("杭 / 州 / 项 / 目");
* axe-core finds a serious or critical accessibility violation.

The walk runs in three parts, each a test (and a pytest-xdist group) of its own, so that the
processes share them out: the portal's pages, and Django admin's in two halves. Every failure of
every page of a part is reported at once. One browser context per role a part needs, logged in
once (a session cookie of Django's test client); the data is made once, for the part's walk.
"""

from __future__ import annotations

import datetime as dt
import time
from importlib import resources
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from activities.models import ActivityStatus
from portal.core.periods import Period
from portal.reports.content import report_content
from portal.reports.models import Report
from tests import factories
from tests.browser.conftest import new_phone_context
from tests.conftest import SIGNIN_TEST_DEVICE
from tests.portal.test_permission_matrix import GET, MATRIX, OK, USERS, Row, World, build_url

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from tests.conftest import Cast

#: Who opens a page: the first of these whose answer there is 200. Committee staff see the
#: widest pages (every branch of the committee); the secretary has the pages only editors
#: open; the admin the audit log and Django's admin; nobody logged in, the login pages.
ROLE_ORDER = ("staff_a", "secretary_a1", "admin_a", "anonymous")

#: Rows that answer with a file or a fragment, not a page.
NOT_PAGES = (
    "files/",  # stored photos, agreements, evidence
    "p/<str:token>/photo/",  # a partner link's photos
    "activities/export.xlsx",
    "reports/<int:pk>/download/<slug:fmt>/",
    "records/activity/<int:pk>/record.<slug:fmt>",  # an activity's 一事一档, PDF or Word
    "records/evidence/<int:pk>/download/",  # an evidence pack's zip
    "healthz",  # JSON for monitoring
    "activities/members/search/",  # a fragment the activity form puts into its own page
    "activities/<int:pk>/signin/live/",  # JSON the sign-in page refreshes itself with
    "admin/jsi18n/",  # a script
    "admin/autocomplete/",  # JSON
)

#: axe-core's impacts that fail a page.
FAILING_IMPACTS = {"serious", "critical"}


def axe_script() -> str:
    """axe-core's axe.min.js, from the Python package that ships it (a dev dependency): never
    fetched at test time. Missing, the test fails: it cannot check what it is for."""
    try:
        return (resources.files("axe_playwright_python") / "axe.min.js").read_text()
    except (ModuleNotFoundError, FileNotFoundError):
        pytest.fail(
            "axe-core is missing: the dev dependency axe-playwright-python ships axe.min.js "
            "(make install, or .venv/bin/pip install -e '.[dev]')"
        )


def phone_pages() -> list[tuple[str, str, Row]]:
    """(role, route, row) for every route of a GET row that answers a page with 200, in the
    walk's order: role by role (``ROLE_ORDER``), each in the matrix's order."""
    pages = []
    for row in MATRIX:
        if row.method != GET:
            continue
        role = next((r for r in ROLE_ORDER if row.outcomes[USERS.index(r)] is OK), None)
        if role is None:
            continue
        pages += [(role, route, row) for route in row.routes if not route.startswith(NOT_PAGES)]
    return sorted(pages, key=lambda page: ROLE_ORDER.index(page[0]))  # stable


#: The parts of the walk, each a test of its own in a pytest-xdist group of its own: the
#: longest browser walk, it runs beside the other browser tests (the "browser" group), on
#: whichever process is free, each part with a Chromium of its process's own.
PARTS = ("portal", "admin-1", "admin-2")


def walk_part(part: str) -> list[tuple[str, str, Row, bool]]:
    """(role, route, row, run_axe) for the pages of ``part``: the portal's, or the first or
    second half of Django admin's. axe-core runs on the first page of each route in the whole
    walk's order (the same view asked another way, ?committee=… or a filter, has the same
    markup), whichever part that page falls in: every route is checked by axe once, as when
    the walk was one test."""
    walk, checked_by_axe = [], set()
    for role, route, row in phone_pages():
        walk.append((role, route, row, route not in checked_by_axe))
        checked_by_axe.add(route)
    portal = [page for page in walk if not page[1].startswith("admin/")]
    admin = [page for page in walk if page[1].startswith("admin/")]
    half = (len(admin) + 1) // 2
    return {"portal": portal, "admin-1": admin[:half], "admin-2": admin[half:]}[part]


class PhoneWorld(World):
    """The matrix's objects; its reports have content (this quarter's), as a generated one."""

    def report(self) -> Report:
        report = super().report()
        report.content = report_content(self.cast.committee_a, Period.quarter(timezone.localdate()))
        report.save(update_fields=["content"])
        return report


def build_dataset(cast: Cast, world: World) -> None:
    """Committee A this quarter: long Chinese branch and partner names, an approved activity
    of every measure with partners and attendees, a partnership ending soon."""
    a = cast.committee_a
    measures = [
        factories.MeasureFactory(committee=a, position=i, code=f"M{i}") for i in range(1, 7)
    ]
    goals = [factories.GoalFactory(committee=a, position=i, code=f"G{i}") for i in range(1, 4)]
    world.measure = measures[0]  # the matrix's own activities use the first measure
    world.goal = goals[0]
    branches = [
        cast.branch_a1,
        cast.branch_a2,
        factories.BranchFactory(committee=a, name="杭州城北项目公司党支部", short_name="杭州城北"),
        factories.BranchFactory(committee=a, name="宿迁城市更新与安置房建设项目公司第二党支部"),
        factories.BranchFactory(committee=a, name="湖州南太湖新区基础设施投资建设运营公司党支部"),
    ]
    partners = [
        factories.PartnerFactory(committee=a, name="杭州市上城区四季青街道江滨社区党委"),
        factories.PartnerFactory(committee=a, name="中国建设银行股份有限公司宿迁分行营业部党支部"),
        factories.PartnerFactory(committee=a, name="湖州市南太湖新区管理委员会机关第一党支部"),
    ]
    ending = factories.PartnershipFactory(
        committee=a,
        branch=branches[3],
        title="城市更新与安置房建设结对共建协议（二〇二四至二〇二六年）",
        starts_on=timezone.localdate() - dt.timedelta(days=400),
        ends_on=timezone.localdate() + dt.timedelta(days=10),
    )
    factories.PartnershipMemberFactory(partnership=ending, partner=partners[1])
    hour = dt.timedelta(hours=1)
    for number, measure in enumerate(measures):
        branch = branches[number % len(branches)]
        member = factories.MemberFactory(branch=branch, name=f"王{'一二三四五六'[number]}明")
        starts_at = timezone.now() - (number + 2) * hour
        activity = factories.ActivityFactory(
            committee=a,
            branch=branch,
            measure=measure,
            title=f"“{measure.code}”联学联建：{branch.name}与共建单位开展主题党日活动",
            status=ActivityStatus.APPROVED,
            starts_at=starts_at,
            ends_at=starts_at + hour,
            volunteers=number,
            beneficiaries=10 * number,
        )
        activity.partners.set(partners[: 1 + number % 3])
        activity.attendees.set([member])
        activity.goals.set(goals[: 1 + number % 3])
    for status in (ActivityStatus.SUBMITTED, ActivityStatus.RETURNED):
        factories.ActivityFactory(
            committee=a, branch=branches[2], measure=measures[1], status=status,
            title="江滨社区联学：城市更新政策宣讲与安置房质量监督志愿服务",
            submitted_at=timezone.now() - dt.timedelta(days=9),
        )  # fmt: skip


#: Table cells squeezed to one character per line: a cell whose text has at least two CJK
#: characters, runs over two lines or more, and whose widest line is narrower than two
#: characters of its font. The lines are those of the cell's text nodes (Range rectangles,
#: one per line fragment), so a badge or a link inside the cell counts with its text.
SQUEEZED_CELLS = """() => {
  const CJK = /[\\u3400-\\u9fff\\uf900-\\ufaff]/g;
  const squeezed = [];
  for (const cell of document.querySelectorAll(
      'th, td, [role=cell], [role=columnheader], [role=rowheader]')) {
    const text = cell.innerText.trim();
    if ((text.match(CJK) || []).length < 2) continue;
    const lines = new Map();
    let fontSize = 0;
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.textContent.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      fontSize = Math.max(fontSize, parseFloat(getComputedStyle(node.parentElement).fontSize));
      for (const rect of range.getClientRects()) {
        if (rect.width === 0) continue;
        const top = Math.round(rect.top);
        lines.set(top, (lines.get(top) || 0) + rect.width);
      }
    }
    if (lines.size < 2) continue;
    const widest = Math.max(...lines.values());
    if (widest < 1.9 * fontSize) {
      squeezed.push(`${cell.tagName.toLowerCase()} "${text.slice(0, 20)}" in ${lines.size} `
                    + `lines of at most ${Math.round(widest)} px`);
    }
  }
  return squeezed;
}"""

#: Every rule, the experimental ones too (label-content-name-mismatch is one).
AXE_RUN = """async () => {
  const experimental = Object.fromEntries(
    axe.getRules(['experimental']).map(rule => [rule.ruleId, {enabled: true}]));
  const results = await axe.run(document, {resultTypes: ['violations'], rules: experimental});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact,
    targets: v.nodes.slice(0, 3).map(n => n.target.join(' ')),
  }));
}"""


def page_problems(page: Page, script: str, *, run_axe: bool) -> list[str]:
    """What is wrong with the page on a phone; axe-core (a second or so a page) only when
    ``run_axe``."""
    problems = []
    width = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    if width[0] > width[1]:
        problems.append(f"scrolls sideways: {width[0]} px wide in a {width[1]} px screen")
    problems += [f"squeezed {cell}" for cell in page.evaluate(SQUEEZED_CELLS)]
    if not run_axe:
        return problems
    page.evaluate(script)
    for violation in page.evaluate(AXE_RUN):
        if violation["impact"] in FAILING_IMPACTS:
            problems.append(
                f"axe {violation['impact']} {violation['id']}: {', '.join(violation['targets'])}"
            )
    return problems


def logged_in_context(browser: Browser, live_server: Any, world: World, role: str):
    context = new_phone_context(browser, live_server, locale="zh-CN")
    # The phone the matrix's sign-in passes were made for (tests/conftest.py).
    context.add_cookies(
        [{"name": "signin_device", "value": SIGNIN_TEST_DEVICE, "url": live_server.url}]
    )
    user = world.user(role)
    if user is not None:
        client = Client()
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
        )
    return context


def test_the_walk_s_parts_open_every_page_once_and_run_axe_once_per_route() -> None:
    """The parts together are the whole walk: each page in one part, axe on each route once."""
    parts = [page for part in PARTS for page in walk_part(part)]
    pages = phone_pages()
    assert sorted((role, route, row.id) for role, route, row, _ in parts) == sorted(
        (role, route, row.id) for role, route, row in pages
    )
    axed = [route for _, route, _, run_axe in parts if run_axe]
    assert sorted(axed) == sorted({route for _, route, _ in pages})
    assert all(walk_part(part) for part in PARTS), "a part with no page"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "part",
    [pytest.param(part, marks=pytest.mark.xdist_group(f"phone-walk-{part}")) for part in PARTS],
)
def test_every_page_of_the_permission_matrix_fits_a_phone_and_passes_axe(
    part: str, chromium: Browser, live_server: Any, cast: Cast, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    script = axe_script()
    world = PhoneWorld(cast, Client())
    build_dataset(cast, world)
    pages = walk_part(part)
    failures: list[str] = []
    started = time.monotonic()
    for role in ROLE_ORDER:
        if not any(page_role == role for page_role, *_ in pages):
            continue
        context = logged_in_context(chromium, live_server, world, role)
        page = context.new_page()
        try:
            for page_role, route, row, run_axe in pages:
                if page_role != role:
                    continue
                args = row.target(world)
                path = build_url(route, args) + (
                    f"?{row.query.format(**args)}" if row.query else ""
                )
                response = page.goto(path)
                assert response is not None
                content_type = response.headers.get("content-type", "")
                if response.status != 200 or not content_type.startswith("text/html"):
                    failures.append(f"{path} as {role}: {response.status} {content_type}")
                    continue
                problems = page_problems(page, script, run_axe=run_axe)
                failures += [f"{path} as {role}: {problem}" for problem in problems]
        finally:
            context.close()
    elapsed = time.monotonic() - started
    print(f"{len(pages)} pages walked in {elapsed:.1f} s")  # shown with -s
    assert not failures, f"{len(failures)} problems on a 390 px phone:\n" + "\n".join(failures)
