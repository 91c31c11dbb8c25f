from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from branches.models import Committee
from portal.core.ids import parse_id
from portal.home.selectors import committee_home


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The user's committee: its framework and its branches (``?committee=<id>`` to switch)."""
    raw = request.GET.get("committee", "")
    committee_id = parse_id(raw)
    if raw and committee_id is None:
        raise Http404
    try:
        overview = committee_home(request.user, committee_id)
    except Committee.DoesNotExist as exc:
        raise Http404 from exc
    context = {
        "overview": overview,
        "role_labels": overview.role_labels if overview else [],
    }
    return render(request, "home.html", context)
