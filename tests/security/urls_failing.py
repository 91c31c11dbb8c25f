"""The portal's own URLs and error handlers, plus one view that fails (error page tests only)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from portal.urls import handler500
from portal.urls import urlpatterns as portal_urlpatterns

__all__ = ["handler500", "urlpatterns"]

# What a database error says when it refuses a row: the values, a phone number among them.
FAILURE_MESSAGE = (
    'duplicate key value violates unique constraint "member_phone" '
    "DETAIL: Key (phone)=(13812345678) already exists."
)


def failing_view(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(FAILURE_MESSAGE)


urlpatterns = [*portal_urlpatterns, path("failing/", failing_view, name="failing")]
