"""When a login must choose a new password, read from who set its current one and when.

There is no column for it: the admin's history of the user (``LogEntry``) already records every
password an administrator sets (adding the login, or "Change password" on it), and the portal's
own password change page adds an entry of the same form there for the user's own changes. So
the user's admin history shows every password change, and:

* the latest password was set by somebody else (an administrator added the login or reset its
  password): the user must choose their own at the next login;
* it is older than ``PASSWORD_MAX_AGE_DAYS`` (when that is not 0): likewise.
"""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum

from django.conf import settings
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.signals import user_login_failed
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

#: The change message Django's admin writes when it sets a password ("Changed password.").
PASSWORD_CHANGED = [{"changed": {"fields": ["password"]}}]


class ChangeReason(StrEnum):
    SET_BY_ADMIN = "set_by_admin"
    EXPIRED = "expired"

    @classmethod
    def of(cls, value: object) -> ChangeReason | None:
        """The reason a session holds, or None (also for a value this version does not know)."""
        try:
            return cls(value)
        except ValueError:
            return None


def _password_entries(user: AbstractBaseUser):
    return LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(user, for_concrete_model=False),
        object_id=str(user.pk),
    ).filter(
        Q(action_flag=ADDITION) | Q(action_flag=CHANGE, change_message=json.dumps(PASSWORD_CHANGED))
    )


def password_change_record(*, user: AbstractBaseUser) -> None:
    """Record in the user's admin history that they chose a new password themselves."""
    LogEntry.objects.log_actions(
        user_id=user.pk,
        queryset=[user],
        action_flag=CHANGE,
        change_message=PASSWORD_CHANGED,
        single_object=True,
    )


def password_change_reason(
    user: AbstractBaseUser, *, now: dt.datetime | None = None
) -> ChangeReason | None:
    """Why ``user`` must choose a new password before going on, or None."""
    latest = _password_entries(user).order_by("-action_time", "-pk").first()
    if latest is not None and latest.user_id != user.pk:
        return ChangeReason.SET_BY_ADMIN
    max_age = settings.PASSWORD_MAX_AGE_DAYS
    if max_age:
        set_at = latest.action_time if latest is not None else user.date_joined
        if (now or timezone.now()) - set_at > dt.timedelta(days=max_age):
            return ChangeReason.EXPIRED
    return None


def current_password_guess_refused(*, request: HttpRequest, user: AbstractBaseUser) -> bool:
    """Count a wrong current password given on the password change page as a failed login of
    ``user`` from this client (django-axes counts it, the audit log records it), so that a
    stolen session cannot guess its way to a new password. True once the login is locked."""
    user_login_failed.send(
        sender=__name__, credentials={"username": user.get_username()}, request=request
    )
    return bool(getattr(request, "axes_locked_out", False))


def password_guessing_locked(*, request: HttpRequest, user: AbstractBaseUser) -> bool:
    """Whether ``user``'s login is locked for this client, as the login page would find it."""
    from axes.handlers.proxy import AxesProxyHandler

    return AxesProxyHandler.is_locked(request, {"username": user.get_username()})
