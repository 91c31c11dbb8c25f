"""The strict Content-Security-Policy in Chromium: nothing on the portal's pages is refused.

The policy (portal/settings.py, "Security headers") allows scripts, styles, images and fonts
only from the portal's own static files. A page that still relied on an inline script, an on*=
handler, a style= attribute or eval would lose that part silently: here Chromium reports it
as a CSP violation, and any violation or script error fails the test. The pages with the most
script are walked and their scripts made to run: the dashboards' ECharts charts (and their
tooltips), the activity form's helpers, the photo viewer, a report page, and Django's admin
(a change form with its widgets, the roster export with its "select all" box, the superuser's
periodic task form).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from activities.models import AttachmentKind
from activities.services import attachment_add
from portal.reports.models import Report, ReportFormat, ReportKind, ReportStatus
from tests.browser.test_activity_pages_js import jpeg, log_in
from tests.dashboards.conftest import Dashboard, dash  # noqa: F401 - the dashboards' fixture

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.conftest import Cast

pytestmark = [
    pytest.mark.browser,
    # The live server sees only committed rows (see test_smoke.py).
    pytest.mark.django_db(transaction=True),
]

Q2_2024 = "period=quarter&anchor=2024-05-01"


class Violations:
    """Every CSP violation and script error the page reports, as text."""

    def __init__(self, page: Page) -> None:
        self.found: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.found.append(f"script error: {error}"))
        # Also the violations' own events (the console wording may change between versions).
        page.add_init_script(
            """document.addEventListener("securitypolicyviolation", function (e) {
                console.error("CSP violation: " + e.violatedDirective + " " + e.blockedURI);
            });"""
        )

    def _console(self, message) -> None:
        text = message.text
        if message.type == "error" and (
            "Content Security Policy" in text or "CSP violation" in text
        ):
            self.found.append(f"{message.page.url if message.page else ''}: {text}")


@pytest.fixture
def csp_page(browser_page: Page) -> tuple[Page, Violations]:
    return browser_page, Violations(browser_page)


def visit(page: Page, path: str) -> None:
    response = page.goto(path)
    assert response is not None
    assert response.status == 200, f"{path}: {response.status}"
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy, f"{path}: {policy!r}"
    page.wait_for_load_state("load")


def hover_every_chart(page: Page) -> int:
    """Points at the middle of each chart: ECharts shows its tooltip, HTML with a marker."""
    charts = page.locator("[data-chart]:not([hidden])")
    count = charts.count()
    for n in range(count):
        chart = charts.nth(n)
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        assert box is not None
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_timeout(150)
    return count


def test_dashboards_draw_their_charts_and_tooltips_under_the_csp(
    csp_page: tuple[Page, Violations],
    live_server: Any,
    cast: Cast,
    dash: Dashboard,  # noqa: F811 - the fixture imported above
    screenshot,
) -> None:
    page, violations = csp_page
    log_in(page.context, live_server, cast.admin_a)
    charts = 0
    for path in (
        "/dashboard/",
        "/dashboard/coverage/",
        "/dashboard/trends/",
        "/dashboard/partners/",
    ):
        visit(page, f"{path}?{Q2_2024}")
        page.wait_for_timeout(300)  # ECharts draws after DOMContentLoaded
        drawn = page.locator("[data-chart]:not([hidden]) canvas").count()
        charts += drawn
        hover_every_chart(page)
    visit(page, f"/dashboard/branches/{cast.branch_a1.pk}/?{Q2_2024}")
    charts += page.locator("[data-chart]:not([hidden]) canvas").count()
    hover_every_chart(page)
    screenshot(page, "dashboard-tooltip")
    assert charts >= 3, f"only {charts} charts drawn: is ECharts loaded?"
    assert not violations.found, "\n".join(violations.found)


def test_activity_pages_run_their_scripts_under_the_csp(
    csp_page: tuple[Page, Violations],
    live_server: Any,
    cast: Cast,
    dash: Dashboard,  # noqa: F811 - the fixture imported above
    settings,
    tmp_path,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    page, violations = csp_page
    activity = dash.activities["draft"]
    for n in range(2):
        attachment_add(
            activity,
            by=cast.secretary_a1,
            upload=jpeg((180, 40, 40), (320, 240), f"p{n}.jpg"),
            kind=AttachmentKind.PHOTO,
            caption=f"照片{n}",
        )
    log_in(page.context, live_server, cast.secretary_a1)
    visit(page, "/activities/")
    visit(page, f"/activities/{activity.pk}/")
    page.locator("a[data-photo-viewer-item]").first.click()
    page.locator("dialog.photo-viewer").wait_for(state="visible")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Escape")
    visit(page, f"/activities/{activity.pk}/edit/")
    # The changed form saves its draft a few seconds later (activity-form.js): wait for that
    # answer, which would otherwise meet this test's end (on SQLite, "database table is
    # locked" and a 500).
    with page.expect_response(lambda response: "/autosave/" in response.url) as saved:
        page.locator("input[data-select-all]").first.check()
        search = page.locator("#partner-search")
        if search.count():
            search.fill("P1")
    assert saved.value.status == 200
    visit(page, "/activities/new/")
    assert not violations.found, "\n".join(violations.found)


def test_report_page_and_admin_pages_work_under_the_csp(
    csp_page: tuple[Page, Violations], live_server: Any, cast: Cast, settings, tmp_path, screenshot
) -> None:
    from playwright.sync_api import expect

    settings.MEDIA_ROOT = tmp_path
    page, violations = csp_page
    report = Report.objects.create(
        committee=cast.committee_a,
        kind=ReportKind.QUARTER,
        period_start=dt.date(2024, 4, 1),
        period_end=dt.date(2024, 7, 1),
        status=ReportStatus.READY,
        generated_at=timezone.now(),
    )
    for fmt in ReportFormat.values:
        report.file_for(fmt).save(f"report.{fmt}", ContentFile(b"report"), save=False)
    report.save()

    log_in(page.context, live_server, cast.admin_a)
    visit(page, "/reports/")
    visit(page, f"/reports/{report.pk}/")
    visit(page, "/admin/")
    visit(page, f"/admin/branches/member/{cast.member_a1.pk}/change/")
    visit(page, "/admin/activities/activity/add/")
    visit(page, "/admin/branches/member/export/")
    # "Select all" (upstream's inline onchange=, js/admin-export.js here) still works.
    toggle = page.locator("input.select-toggle")
    toggle.uncheck()
    fields = page.locator('.selectable-field-export-row input[type="checkbox"]')
    assert fields.count() > 0
    for n in range(fields.count()):
        expect(fields.nth(n)).not_to_be_checked()
    toggle.check()
    for n in range(fields.count()):
        expect(fields.nth(n)).to_be_checked()
    screenshot(page, "admin-export")

    schedule = CrontabSchedule.objects.create(minute="5", hour="4")
    task = PeriodicTask.objects.create(name="csp", task="portal.tasks.x", crontab=schedule)
    page.context.clear_cookies()
    log_in(page.context, live_server, cast.superuser)
    visit(page, f"/admin/django_celery_beat/periodictask/{task.pk}/change/")
    page.locator("#id_crontab").select_option(str(schedule.pk))
    page.locator("#id_crontab").dispatch_event("change")
    expect(page.locator(".field-crontab .help")).to_contain_text("Translation:")
    assert not violations.found, "\n".join(violations.found)
