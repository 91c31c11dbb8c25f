"""The records: one activity's 一事一档 as PDF or Word, and the evidence packs of a period.

Who sees what: a record goes to whoever may read the activity (``Activity.objects.for_user``:
404 for anyone else, as every activity page); an evidence pack to the person who asked for it
while the branch or committee it packs is still theirs (404 otherwise).
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override
from django.views.decorators.http import require_safe

from branches.access import scope_for
from branches.models import AuditAction, Branch, Committee
from portal.audit.services import audit_record
from portal.core.downloads import attachment_disposition
from portal.core.periods import Period, local_today
from portal.records.content import record_content, record_file_name
from portal.records.selectors import activity_for_record, packs_for
from portal.records.services import evidence_pack_request, pack_scope_allowed

#: How many quarters back the evidence page offers.
QUARTERS_OFFERED = 8
PACKS_SHOWN = 10
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _download(body: bytes, *, name: str, fallback: str, content_type: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = attachment_disposition(name, fallback=fallback)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"  # shared office PCs keep no copy
    return response


@require_safe
@login_required
def activity_record(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The activity's record 一事一档, made when asked for (it is one page or a few)."""
    if fmt not in CONTENT_TYPES:
        raise Http404
    activity = activity_for_record(request.user, pk)
    content = record_content(activity)
    if fmt == "pdf":
        from portal.records.pdf import render_record_pdf  # WeasyPrint takes a second to load

        body = render_record_pdf(content)
    else:
        from portal.records.word import render_record_docx

        body = render_record_docx(content)
    audit_record(
        user=request.user,
        action=AuditAction.EXPORT,
        committee=activity.committee,
        object_type="activity",
        object_id=activity.pk,
        object_repr=activity.title,
        detail=fmt,
        request=request,
    )
    return _download(
        body,
        name=record_file_name(content, fmt),
        fallback=f"activity-record-{activity.pk}.{fmt}",
        content_type=CONTENT_TYPES[fmt],
    )


# --- Evidence packs ------------------------------------------------------------------------------


def scope_choices(user) -> list[tuple[str, str]]:
    """What ``user`` may pack: each committee they review (all of it, then each branch), and
    the branches they hold an office in. Values: ``c<id>`` / ``b<id>``."""
    scope = scope_for(user)
    choices: list[tuple[str, str]] = []
    reviewed = Committee.objects.for_user(user).order_by("name")
    for committee in reviewed:
        if scope.reviews_committee(committee.pk):
            choices.append(
                (f"c{committee.pk}", _("%(committee)s (all branches)") % {"committee": committee})
            )
    branches = (
        Branch.objects.for_user(user)
        .select_related("committee")
        .order_by("committee__name", "sort_order", "name")
    )
    for branch in branches:
        if scope.follows_branch(branch.committee_id, branch.pk):
            choices.append((f"b{branch.pk}", branch.name))
    return choices


def quarter_choices(today: dt.date) -> list[tuple[str, str]]:
    period, choices = Period.quarter(today), []
    for _i in range(QUARTERS_OFFERED):
        label = period.label
        if today in period:
            label = _("%(period)s (so far)") % {"period": label}
        choices.append((period.start.isoformat(), label))
        period = period.previous()
    return choices


class EvidencePackForm(forms.Form):
    scope = forms.ChoiceField(label=gettext_lazy("Whose evidence"))
    quarter = forms.ChoiceField(label=gettext_lazy("Quarter"))

    def __init__(self, *args, user, today: dt.date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = scope_choices(user)
        self.fields["quarter"].choices = quarter_choices(today)
        # The last quarter that is over: what an inspection asks for.
        self.fields["quarter"].initial = Period.quarter(today).previous().start.isoformat()

    def committee_and_branch(self) -> tuple[Committee, Branch | None]:
        value = self.cleaned_data["scope"]
        pk = int(value[1:])
        if value.startswith("b"):
            branch = Branch.objects.select_related("committee").get(pk=pk)
            return branch.committee, branch
        return Committee.objects.get(pk=pk), None

    def period(self) -> Period:
        return Period.quarter(dt.date.fromisoformat(self.cleaned_data["quarter"]))


@login_required
def evidence(request: HttpRequest) -> HttpResponse:
    """Ask for the evidence of a quarter; the packs asked for, with their progress."""
    today = local_today()
    form = EvidencePackForm(request.POST or None, user=request.user, today=today)
    if not form.fields["scope"].choices:
        return render(request, "records/evidence.html", {"form": None, "packs": []}, status=403)
    if request.method == "POST" and form.is_valid():
        committee, branch = form.committee_and_branch()
        try:
            pack = evidence_pack_request(
                user=request.user, committee=committee, branch=branch, period=form.period()
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("The evidence of %(period)s is being packed; this page shows its progress.")
                % {"period": pack.period.label},
            )
            return redirect("records:pack", pk=pack.pk)
    packs = list(packs_for(request.user)[:PACKS_SHOWN])
    return render(request, "records/evidence.html", {"form": form, "packs": packs})


def _pack_for(request: HttpRequest, pk: int):
    pack = get_object_or_404(packs_for(request.user), pk=pk)
    if not pack_scope_allowed(request.user, pack.committee, pack.branch):
        raise Http404  # the office that made it theirs has ended
    return pack


@require_safe
@login_required
def evidence_pack(request: HttpRequest, pk: int) -> HttpResponse:
    """One pack: its progress while it is made, then its download."""
    return render(request, "records/pack.html", {"pack": _pack_for(request, pk)})


@require_safe
@login_required
def evidence_pack_download(request: HttpRequest, pk: int) -> FileResponse:
    pack = _pack_for(request, pk)
    if not pack.is_available:
        raise Http404
    try:
        handle = pack.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    audit_record(
        user=request.user,
        action=AuditAction.EXPORT,
        committee=pack.committee,
        object_type="activity",
        object_repr=str(pack),
        detail=f"{pack.activity_total} rows, zip",
        request=request,
    )
    with override("zh-hans"):
        name = pack.download_name()
    response = FileResponse(handle, content_type="application/zip")
    response["Content-Disposition"] = attachment_disposition(
        name, fallback=f"evidence-{pack.period_start:%Y%m%d}.zip"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
