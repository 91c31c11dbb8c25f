from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from branches.models import Committee
from portal.core.ids import parse_id
from portal.home.selectors import committee_framework, committee_home


def _committee_id(request: HttpRequest) -> int | None:
    """``?committee=<id>`` (the chooser); a value that is no id is a 404."""
    raw = request.GET.get("committee", "")
    committee_id = parse_id(raw)
    if raw and committee_id is None:
        raise Http404
    return committee_id


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The user's to-dos in their committee, by role (``?committee=<id>`` to switch)."""
    try:
        overview = committee_home(request.user, _committee_id(request))
    except Committee.DoesNotExist as exc:
        raise Http404 from exc
    context = {
        "overview": overview,
        "role_labels": overview.role_labels if overview else [],
    }
    return render(request, "home.html", context)


@login_required
def framework(request: HttpRequest) -> HttpResponse:
    """The committee's framework (main line, goals, measures) and its branches."""
    try:
        overview = committee_framework(request.user, _committee_id(request))
    except Committee.DoesNotExist as exc:
        raise Http404 from exc
    return render(request, "framework.html", {"overview": overview})
