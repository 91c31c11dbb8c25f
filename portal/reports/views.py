"""The committees' progress reports: the list with a request form, one report's page (its
progress while it is generated, then the report itself) and its downloads.

Who sees what (``Report.objects.for_user``, i.e. ``branches.access.reviewed``): committee staff
and admins of the report's committee, and superusers. A branch officer gets 403 on the list
and 404 on a report, like any outsider: the reports are the committee office's documents.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from branches.models import AuditAction
from portal.audit.services import audit_record
from portal.core.periods import Period, local_today
from portal.dashboards.views import reviewed_committees
from portal.reports.models import Report, ReportFormat, ReportKind, ReportStatus
from portal.reports.services import report_request

REPORTS_PER_PAGE = 20
#: How far back the request form offers periods.
OFFERED = {ReportKind.MONTH: 24, ReportKind.QUARTER: 12, ReportKind.YEAR: 5}

CONTENT_TYPES = {
    ReportFormat.PDF: "application/pdf",
    ReportFormat.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ReportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


#: What a running generation is doing (``Report.step``).
STEP_LABELS = {
    "figures": gettext_lazy("collecting the figures"),
    ReportFormat.PDF: gettext_lazy("writing the PDF"),
    ReportFormat.DOCX: gettext_lazy("writing the Word document"),
    ReportFormat.XLSX: gettext_lazy("writing the Excel workbook"),
}


def _recent_periods(kind: str, today: dt.date) -> list[Period]:
    period, periods = Period.containing(kind, today), []
    for _i in range(OFFERED[kind]):
        periods.append(period)
        period = period.previous()
    return periods


def period_choices(today: dt.date) -> list[tuple[str, list[tuple[str, str]]]]:
    """The request form's options, grouped by kind, newest first; the current period is marked
    as not over yet."""
    groups = []
    for kind, label in ReportKind.choices:
        options = []
        for period in _recent_periods(kind, today):
            text = period.label
            if today in period:
                text = _("%(period)s (so far)") % {"period": text}
            options.append((f"{kind}:{period.start.isoformat()}", text))
        groups.append((label, options))
    return groups


class ReportRequestForm(forms.Form):
    period = forms.ChoiceField(label=gettext_lazy("Period"))

    def __init__(self, *args, today: dt.date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = period_choices(today)
        # The last month that is over: what staff most often ask for.
        self.fields["period"].initial = f"month:{Period.month(today).previous().start}"

    def cleaned_period(self) -> tuple[str, dt.date]:
        kind, start = self.cleaned_data["period"].split(":")
        return kind, dt.date.fromisoformat(start)


def _report_for(request: HttpRequest, pk: int) -> Report:
    return get_object_or_404(
        Report.objects.for_user(request.user).select_related("committee", "requested_by"), pk=pk
    )


@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    """A committee's reports, newest period first, and the form to ask for one."""
    committee, committees = reviewed_committees(request)
    today = local_today()
    form = ReportRequestForm(request.POST or None, today=today)
    if request.method == "POST" and committee is not None and form.is_valid():
        kind, day = form.cleaned_period()
        try:
            # A ready report is not replaced from here (staff may have sent it up already):
            # its own page has "generate again".
            report = report_request(
                committee=committee, kind=kind, day=day, requested_by=request.user
            )
        except ValidationError as exc:
            form.add_error("period", exc)
        else:
            if report.status == ReportStatus.READY:
                message = _(
                    "The report for %(period)s is already there. To include later changes, "
                    "use “Generate again” below."
                )
            else:
                message = _(
                    "The report for %(period)s has been queued; this page shows its progress."
                )
            messages.success(request, message % {"period": report.period.label})
            return redirect("reports:detail", pk=report.pk)
    reports = Paginator(
        Report.objects.for_user(request.user)
        .filter(committee=committee)
        .order_by("-period_start", "kind", "pk"),
        REPORTS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/list.html",
        {
            "committee": committee,
            "committees": committees,
            "form": form,
            "page": reports,
            "formats": ReportFormat.choices,
        },
    )


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The report as a web page, with its downloads; its progress while a run is on it."""
    report = _report_for(request, pk)
    return render(
        request,
        "reports/detail.html",
        {
            "report": report,
            "content": report.content if report.is_available else None,
            "formats": ReportFormat.choices,
            "step_label": STEP_LABELS.get(report.step, ""),
        },
    )


@login_required
@require_POST
def report_regenerate(request: HttpRequest, pk: int) -> HttpResponse:
    """Generate the report again (e.g. after late approvals); the ready version stays
    downloadable until the new one replaces it."""
    report = _report_for(request, pk)
    report_request(
        committee=report.committee,
        kind=report.kind,
        day=report.period_start,
        requested_by=request.user,
        regenerate=True,
    )
    messages.success(request, _("The report will be generated again."))
    return redirect("reports:detail", pk=report.pk)


@login_required
def report_download(request: HttpRequest, pk: int, fmt: str) -> FileResponse:
    if fmt not in ReportFormat.values:
        raise Http404
    report = _report_for(request, pk)
    stored = report.file_for(fmt)
    if not report.is_available or not stored:
        raise Http404
    try:
        handle = stored.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    audit_record(
        user=request.user,
        action=AuditAction.REPORT_DOWNLOAD,
        committee=report.committee,
        object_type="report",
        object_id=report.pk,
        object_repr=str(report),
        detail=fmt,
        request=request,
    )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=report.download_name(fmt),
        content_type=CONTENT_TYPES[fmt],
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
