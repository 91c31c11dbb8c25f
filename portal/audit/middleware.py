"""The audit log's middleware: keeps the request for the receivers, and records the pages refused
to a logged-in user."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from branches.models import AuditAction
from portal.audit.receivers import current_request, home_committee_id
from portal.audit.services import audit_record
from portal.core.logs import mask_link_tokens

#: Statuses recorded as "access refused" when answered to a logged-in user.
REFUSED_STATUSES = frozenset({403, 404})


def _sent_away_from_the_admin(request: HttpRequest, response: HttpResponse) -> bool:
    """The admin answers a logged-in login without staff rights with a redirect to its own login
    page, not a 403: a refusal all the same."""
    match = getattr(request, "resolver_match", None)
    user = getattr(request, "user", None)
    return (
        response.status_code == 302
        and match is not None
        and match.namespace == "admin"
        and user is not None
        and user.is_authenticated
        and not user.is_staff
    )


class AuditMiddleware:
    """Keeps the request for the role and permission receivers, and records a 403 or 404
    answered to a logged-in user: one insert, nothing at all on other answers."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_request.set(request)
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(token)
        if response.status_code in REFUSED_STATUSES or _sent_away_from_the_admin(request, response):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                audit_record(
                    user=user,
                    action=AuditAction.ACCESS_REFUSED,
                    committee=None,
                    committee_id=home_committee_id(user),
                    object_type="page",
                    # A refused partner link's path without its token (portal.partners).
                    object_repr=mask_link_tokens(request.path)[:200],
                    detail=f"{request.method} {response.status_code}",
                    request=request,
                )
        return response
