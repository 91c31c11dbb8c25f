"""The portal's URLs plus the framework's floor, served only by the benchmark's gunicorn."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import path

from portal.urls import urlpatterns as portal_urlpatterns


@login_required
def floor(request: HttpRequest) -> HttpResponse:
    """The least a portal page costs: the middleware stack, the session and the login."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("__benchmark__/floor/", floor, name="benchmark_floor"), *portal_urlpatterns]
