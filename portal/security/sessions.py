"""Session limits: SESSION_IDLE_MINUTES without a request, SESSION_MAX_HOURS after the login.

Two timestamps in the session say when it logged in and when it was last seen. The session row
in the database expires at the earlier of the two limits, so an abandoned session is dead on the
server too, not only in the browser. "Last seen" is written at most once a minute: a session
saved on every request would cost a database write per page.
"""

from __future__ import annotations

import time
from enum import StrEnum

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest

from portal.security.passwords import password_change_reason

LOGIN_AT = "security:login_at"
SEEN_AT = "security:seen_at"
#: Set while the user must choose a new password (a ``ChangeReason`` value).
PASSWORD_CHANGE = "security:password_change"  # noqa: S105 - a session key
#: "Last seen" is refreshed once this many seconds have passed since it was last written.
SEEN_RESOLUTION_SECONDS = 60


class SessionEnd(StrEnum):
    IDLE = "idle"
    MAX_AGE = "max_age"


def is_logged_in(session: SessionBase) -> bool:
    return SESSION_KEY in session


def session_begin(
    sender: object, request: HttpRequest, user: AbstractBaseUser, **kwargs: object
) -> None:
    """At every login (``user_logged_in``; Django has already given the session a new key)."""
    session = request.session
    now = int(time.time())
    session[LOGIN_AT] = now
    _seen(session, now)
    reason = password_change_reason(user)
    if reason is None:
        session.pop(PASSWORD_CHANGE, None)
    else:
        session[PASSWORD_CHANGE] = reason.value


def session_end_reason(session: SessionBase, now: int) -> SessionEnd | None:
    """Why this logged-in session is over, or None while it may go on."""
    login_at, seen_at = session.get(LOGIN_AT), session.get(SEEN_AT)
    if login_at is None or seen_at is None:
        return None
    if now - login_at >= settings.SESSION_MAX_HOURS * 3600:
        return SessionEnd.MAX_AGE
    if now - seen_at >= settings.SESSION_IDLE_MINUTES * 60:
        return SessionEnd.IDLE
    return None


def session_touch(session: SessionBase, now: int) -> None:
    """A request of a session that may go on: move its idle deadline if a minute has passed."""
    if session.get(LOGIN_AT) is None:  # logged in before these limits were deployed
        session[LOGIN_AT] = now
    seen_at = session.get(SEEN_AT)
    if seen_at is None or now - seen_at >= SEEN_RESOLUTION_SECONDS:
        _seen(session, now)


def _seen(session: SessionBase, now: int) -> None:
    session[SEEN_AT] = now
    left = session[LOGIN_AT] + settings.SESSION_MAX_HOURS * 3600 - now
    session.set_expiry(max(1, min(settings.SESSION_IDLE_MINUTES * 60, left)))
