"""Session limits and the forced password change, applied to every request."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _

from portal.security.passwords import ChangeReason
from portal.security.sessions import (
    PASSWORD_CHANGE,
    SessionEnd,
    is_logged_in,
    session_end_reason,
    session_touch,
)

#: What a user who must change their password may still open.
OPEN_DURING_PASSWORD_CHANGE = {
    "password_change",
    "logout",
    "set_language",
    "admin:logout",
}


class SessionLimitsMiddleware:
    """Logs out (and deletes on the server) a session idle or logged in for too long."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if is_logged_in(session):
            now = int(time.time())
            ended = session_end_reason(session, now)
            if ended is None:
                session_touch(session, now)
            else:
                logout(request)  # flushes the session: its row is deleted
                if ended is SessionEnd.IDLE:
                    message = _(
                        "You were logged out after %(minutes)d minutes without activity."
                    ) % {"minutes": settings.SESSION_IDLE_MINUTES}
                else:
                    message = _("You were logged out %(hours)d hours after logging in.") % {
                        "hours": settings.SESSION_MAX_HOURS
                    }
                messages.info(request, message)
        return self.get_response(request)


class PasswordChangeRequiredMiddleware:
    """Sends a user whose password must change to the password change page, whatever they ask
    for, until they have changed it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if ChangeReason.of(session.get(PASSWORD_CHANGE)) and is_logged_in(session):
            try:
                view_name = resolve(request.path_info).view_name
            except Resolver404:
                view_name = None
            if view_name not in OPEN_DURING_PASSWORD_CHANGE:
                query = urlencode({"next": request.get_full_path()})
                return HttpResponseRedirect(f"{reverse('password_change')}?{query}")
        return self.get_response(request)
