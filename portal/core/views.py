"""``/healthz``: for monitoring, no login (it shows states and ages only)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal.core.health import health_check


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database, the broker and a worker answer; 503 (with the same JSON, naming
    what fails) otherwise."""
    health = health_check()
    return JsonResponse(health.as_json(), status=200 if health.healthy else 503)
