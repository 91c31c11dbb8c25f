"""The activity list ("my branch's activities" / "all activities"), its Excel export and the
review queue. Scoping comes from ``access.activities_for`` through the selectors."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from activities import selectors
from activities.exports import (
    ALL_STATUSES_PARAM,
    ALL_STATUSES_VALUE,
    XLSX_CONTENT_TYPE,
    activity_ledger_workbook,
    ledger_heading,
    workbook_bytes,
)
from activities.filters import ActivityFilter
from branches.access import scope_for
from branches.models import Branch, Committee
from branches.services import roster_export_audit
from portal.core.downloads import attachment_disposition

#: rows fetched per round trip while the workbook is written (partners etc. prefetched per chunk)
EXPORT_CHUNK_SIZE = 500


def _filter_errors(filterset: ActivityFilter) -> list[str]:
    """ "Label: message" for each filter value that could not be used."""
    form = filterset.form
    if not filterset.is_bound or form.is_valid():
        return []
    return [
        f"{form.fields[name].label}: {' '.join(errors)}"
        if name in form.fields
        else " ".join(errors)
        for name, errors in form.errors.items()
    ]


@require_safe
@login_required
def activity_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    filterset = ActivityFilter(
        request.GET or None, queryset=selectors.activity_ids(user), user=user
    )
    paginator = selectors.ActivityPaginator(filterset.qs, settings.ACTIVITY_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    scope = scope_for(user)
    context = {
        "title": _("All activities") if scope.is_committee_staff else _("My branch's activities"),
        "filterset": filterset,
        "filter_errors": _filter_errors(filterset),
        "page": page,
        "activities": page.object_list,
        "show_organiser_committee": scope.spans_several_committees,
    }
    return render(request, "activities/list.html", context)


@require_safe
@login_required
def activity_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as the Excel ledger 台账; every export is written to the audit log.

    Approved activities only, unless the status filter asks for another status or the link
    asks for every status (``?statuses=all``, labelled as such on the list page).
    """
    user = request.user
    filterset = ActivityFilter(
        request.GET or None, queryset=selectors.activity_ledger(user), user=user
    )
    if _filter_errors(filterset):
        # Exporting with a filter dropped would hand over more rows than asked for.
        messages.error(request, _("Correct the filters before exporting."))
        return redirect(reverse("activities:list") + "?" + request.GET.urlencode())
    activities = filterset.qs
    cleaned = filterset.form.cleaned_data if filterset.is_bound else {}
    all_statuses = request.GET.get(ALL_STATUSES_PARAM) == ALL_STATUSES_VALUE
    if not cleaned.get("status") and not all_statuses:
        activities = activities.approved()
    committees = list(Committee.objects.for_user(user).order_by("name"))
    scope = scope_for(user)
    only_branch = None
    if not scope.is_committee_staff and len(scope.editable_branch_ids) == 1:
        only_branch = (
            Branch.objects.filter(pk__in=scope.editable_branch_ids)
            .values_list("name", flat=True)
            .first()
        )
    today = timezone.localdate()
    heading = ledger_heading(
        cleaned=cleaned,
        period_of_preset=lambda preset: selectors.preset_period(preset, today),
        committees=[c.name for c in committees],
        only_branch=only_branch,
        all_statuses=all_statuses,
        today=today,
    )
    roster_export_audit(
        user=user,
        queryset=activities,
        file_format="xlsx",
        committee_when_empty=committees[0] if committees else None,
        request=request,
    )
    workbook = activity_ledger_workbook(activities.iterator(chunk_size=EXPORT_CHUNK_SIZE), heading)
    response = HttpResponse(workbook_bytes(workbook), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = attachment_disposition(
        heading.file_name, fallback=heading.ascii_file_name
    )
    response["Cache-Control"] = "private, no-store"  # shared office PCs keep no copy
    return response


@require_safe
@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    """Submitted activities waiting for this reviewer, the longest waiting first."""
    user = request.user
    if not selectors.reviews_activities(user):
        raise PermissionDenied
    queue = selectors.review_queue(user)
    page = Paginator(queue, settings.ACTIVITY_PAGE_SIZE).get_page(request.GET.get("page"))
    scope = scope_for(user)
    context = {
        "page": page,
        "activities": page.object_list,
        "now": timezone.now(),
        "show_organiser_committee": scope.spans_several_committees,
    }
    return render(request, "activities/review_queue.html", context)
