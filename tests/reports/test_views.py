"""The reports' pages: the list with its request form, a report's page and its downloads —
for the committee's staff and admins, and refused to everybody else."""

from __future__ import annotations

import datetime as dt
import os
import re

import pytest
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.html import strip_tags

from branches.models import AuditAction, AuditEntry
from portal.core.periods import Period
from portal.reports.content import report_content
from portal.reports.models import Report, ReportKind, ReportStatus
from tests.dashboards.conftest import Q2_2024

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.LANGUAGE_CODE = "en"


def ready_report(committee, period: Period = Q2_2024, content=None) -> Report:
    report = Report.objects.create(
        committee=committee,
        kind=period.kind,
        period_start=period.start,
        period_end=period.end,
        status=ReportStatus.READY,
        generated_at=timezone.now(),
        content=content or {},
    )
    for fmt, data in (("pdf", b"%PDF-1.7 report"), ("docx", b"PK docx"), ("xlsx", b"PK xlsx")):
        name = default_storage.save(f"reports/{committee.pk}/run/report.{fmt}", ContentFile(data))
        report.file_for(fmt).name = name
    report.save()
    return report


def test_staff_see_their_committees_reports_and_not_another_committees(cast):
    mine = ready_report(cast.committee_a)
    ready_report(cast.committee_b)
    response = cast.client_for(cast.staff_a).get("/reports/")
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [mine]
    assert f"/reports/{mine.pk}/download/pdf/" in response.text


def test_the_list_says_so_when_there_is_no_report(cast):
    response = cast.client_for(cast.admin_a).get("/reports/")
    assert "No report has been generated for this committee yet." in response.text


def test_a_branch_secretary_is_refused_the_reports(cast):
    report = ready_report(cast.committee_a)
    client = cast.client_for(cast.secretary_a1)
    assert client.get("/reports/").status_code == 403
    assert client.get(f"/reports/{report.pk}/").status_code == 404
    assert client.get(f"/reports/{report.pk}/download/pdf/").status_code == 404
    assert client.post(f"/reports/{report.pk}/regenerate/").status_code == 404
    assert not AuditEntry.objects.filter(action=AuditAction.REPORT_DOWNLOAD).exists()


def test_another_committees_admin_gets_404(cast):
    report = ready_report(cast.committee_a)
    client = cast.client_for(cast.admin_b)
    assert client.get(f"/reports/{report.pk}/").status_code == 404
    assert client.get(f"/reports/{report.pk}/download/xlsx/").status_code == 404
    assert client.get(f"/reports/?committee={cast.committee_a.pk}").status_code == 404


def test_staff_download_the_file_and_the_download_is_audited(cast):
    report = ready_report(cast.committee_a)
    response = cast.client_for(cast.staff_a).get(f"/reports/{report.pk}/download/pdf/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.7 report"
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    entry = AuditEntry.objects.get(action=AuditAction.REPORT_DOWNLOAD)
    assert (entry.user, entry.committee, entry.object_id, entry.detail) == (
        cast.staff_a,
        cast.committee_a,
        str(report.pk),
        "pdf",
    )


def test_an_unknown_format_or_a_report_without_a_version_is_404(cast):
    report = ready_report(cast.committee_a)
    client = cast.client_for(cast.staff_a)
    assert client.get(f"/reports/{report.pk}/download/html/").status_code == 404
    queued = Report.objects.create(
        committee=cast.committee_a,
        kind=ReportKind.MONTH,
        period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 2, 1),
    )
    assert client.get(f"/reports/{queued.pk}/download/pdf/").status_code == 404


def test_the_report_page_shows_the_hand_computed_figures(cast, dash, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    report = ready_report(cast.committee_a, content=report_content(cast.committee_a, Q2_2024))
    response = cast.client_for(cast.staff_a).get(f"/reports/{report.pk}/")
    assert response.status_code == 200
    text = re.sub(r"\s+", " ", strip_tags(response.text))
    # Q2 2024 of the dashboards' fixture: 4 approved activities (1 / 3 / 1 before), 5 member
    # attendances, 15 volunteers, 100 people served; 9 gaps in the coverage matrix.
    assert "各支部共开展经审核通过的联建共建活动4项，党员参加5人次，志愿者15人次" in text
    for heading in ("总体情况", "各举措活动数", "各支部举措覆盖情况", "本期活动清单"):
        assert heading in text
    assert "本期共有9处空白" in text
    assert "下载 PDF" in text
    assert 'http-equiv="refresh"' not in response.text


def test_a_report_being_generated_shows_its_progress_and_refreshes(cast):
    report = Report.objects.create(
        committee=cast.committee_a,
        kind=ReportKind.QUARTER,
        period_start=Q2_2024.start,
        period_end=Q2_2024.end,
        status=ReportStatus.RUNNING,
        step="pdf",
        started_at=timezone.now(),
    )
    response = cast.client_for(cast.staff_a).get(f"/reports/{report.pk}/")
    assert "Being generated" in response.text
    assert "writing the PDF" in response.text
    assert 'http-equiv="refresh"' in response.text


def test_a_failed_report_shows_the_reason(cast):
    report = Report.objects.create(
        committee=cast.committee_a,
        kind=ReportKind.QUARTER,
        period_start=Q2_2024.start,
        period_end=Q2_2024.end,
        status=ReportStatus.FAILED,
        error="OSError: No space left on device",
    )
    response = cast.client_for(cast.staff_a).get(f"/reports/{report.pk}/")
    assert "The last attempt failed." in response.text
    assert "No space left on device" in response.text
    assert "Try again" in response.text


def test_asking_for_a_report_queues_one_row_and_sends_it_after_commit(
    cast, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr("portal.reports.services._enqueue_generation", sent.append)
    client = cast.client_for(cast.staff_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/reports/", {"period": "quarter:2024-04-01"})
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/reports/{report.pk}/"
    assert (report.committee, report.kind, report.period_start, report.status) == (
        cast.committee_a,
        "quarter",
        dt.date(2024, 4, 1),
        ReportStatus.QUEUED,
    )
    assert report.requested_by == cast.staff_a
    assert sent == [report.pk]
    # Asked again while it is queued: still one row, nothing sent twice.
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/reports/", {"period": "quarter:2024-04-01"})
    assert Report.objects.count() == 1
    assert sent == [report.pk]


def test_a_forged_or_future_period_is_refused_and_nothing_saved(cast):
    client = cast.client_for(cast.staff_a)
    for value in ("quarter:2099-01-01", "week:2024-01-01", "month:not-a-date", "<script>"):
        response = client.post("/reports/", {"period": value})
        assert response.status_code == 200
        assert response.context["form"].errors
    assert not Report.objects.exists()


def test_the_list_pins_its_query_count_whatever_the_number_of_reports(
    cast, django_assert_num_queries
):
    client = cast.client_for(cast.staff_a)
    ready_report(cast.committee_a, Period.month(dt.date(2023, 1, 1)))
    client.get("/reports/")  # warm the session
    with django_assert_num_queries(8) as one:
        client.get("/reports/")
    for month in range(2, 13):
        ready_report(cast.committee_a, Period.month(dt.date(2023, month, 1)))
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get("/reports/")
    assert len(response.context["page"].object_list) == 12


def test_generating_a_ready_period_from_the_list_keeps_the_ready_version(cast):
    report = ready_report(cast.committee_a)
    response = cast.client_for(cast.staff_a).post("/reports/", {"period": "quarter:2024-04-01"})
    assert response["Location"] == f"/reports/{report.pk}/"
    report.refresh_from_db()
    assert report.status == ReportStatus.READY
    assert "already there" in str(next(iter(get_messages(response.wsgi_request))))


def test_a_title_with_control_characters_pasted_from_word_still_makes_a_report(cast, dash):
    from portal.reports.word import render_docx

    dash.activities["may"].title = "五月\x0b联学\x07"
    dash.activities["may"].save()
    content = report_content(cast.committee_a, Q2_2024)
    assert "五月联学" in [a["title"] for a in content["activities"]]
    assert render_docx(content).startswith(b"PK")


def test_without_a_broker_a_failing_generation_shows_its_reason_not_a_crash(
    cast, django_capture_on_commit_callbacks, monkeypatch, settings
):
    """``make run`` runs tasks in-process: the request that asked for the report survives."""
    from portal.celery import app

    def broken(content: dict) -> bytes:
        raise ValueError("no East-Asian font installed")

    monkeypatch.setattr("portal.reports.services._renderers", lambda: {"pdf": broken})
    client = cast.client_for(cast.staff_a)
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/reports/", {"period": "quarter:2024-04-01"})
    finally:
        app.conf.task_always_eager = eager
    report = Report.objects.get()
    assert response.status_code == 302
    assert report.status == ReportStatus.FAILED
    assert "internal error" in report.error
    page = client.get(f"/reports/{report.pk}/")
    assert "internal error" in page.text
    assert "no East-Asian font installed" not in page.text  # details stay in the log
    assert not [files for _dir, _subdirs, files in os.walk(settings.MEDIA_ROOT) if files]
