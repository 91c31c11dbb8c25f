"""Session limits, the second factor and the forced password change, applied to every
request."""

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
from portal.security.two_factor import TwoFactorState, session_two_factor_state

#: What a user who must change their password may still open. Whoever has a second factor
#: gives it first: a stolen password alone must not be enough to change the password.
OPEN_DURING_PASSWORD_CHANGE = {
    "password_change",
    "two_factor_verify",
    "logout",
    "set_language",
    "admin:logout",
}
#: What a session that owes its second factor may still open, and where it is sent. A login
#: that must set one up changes a password an administrator set first, then sets it up.
OPEN_DURING_TWO_FACTOR = {
    TwoFactorState.VERIFY: {"two_factor_verify", "logout", "set_language", "admin:logout"},
    TwoFactorState.SETUP: {
        "two_factor_setup",
        "password_change",
        "logout",
        "set_language",
        "admin:logout",
    },
}
TWO_FACTOR_PAGE = {
    TwoFactorState.VERIFY: "two_factor_verify",
    TwoFactorState.SETUP: "two_factor_setup",
}


def _view_name(request: HttpRequest) -> str | None:
    try:
        return resolve(request.path_info).view_name
    except Resolver404:
        return None


def _redirect_to(view_name: str, request: HttpRequest) -> HttpResponseRedirect:
    query = urlencode({"next": request.get_full_path()})
    return HttpResponseRedirect(f"{reverse(view_name)}?{query}")


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
        if (
            ChangeReason.of(session.get(PASSWORD_CHANGE))
            and is_logged_in(session)
            and _view_name(request) not in OPEN_DURING_PASSWORD_CHANGE
        ):
            return _redirect_to("password_change", request)
        return self.get_response(request)


def _open_during_two_factor(request: HttpRequest, state: TwoFactorState) -> set[str]:
    """The password page is open before the setup only while a change is due: otherwise
    whoever has just the password could change it before the owner sets up their factor."""
    pages = OPEN_DURING_TWO_FACTOR[state]
    if state is TwoFactorState.SETUP and not ChangeReason.of(request.session.get(PASSWORD_CHANGE)):
        return pages - {"password_change"}
    return pages


class TwoFactorMiddleware:
    """Sends a logged-in user who owes their second factor to the page where they give it
    (or set it up), whatever they ask for — the portal and the admin alike."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # A session whose login was deactivated (or deleted) since holds no user any more.
        if is_logged_in(request.session) and request.user.is_authenticated:
            state = session_two_factor_state(request)
            page = TWO_FACTOR_PAGE.get(state)
            if page and _view_name(request) not in _open_during_two_factor(request, state):
                return _redirect_to(page, request)
        return self.get_response(request)
