"""The login form: a wrong username or password says what to do next."""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import ngettext


class LoginForm(AuthenticationForm):
    """Django's form, with a refusal that counts down to the lockout and names whom to ask.

    django-axes counts failures per username and address whether or not the username is a
    login's, so the count (and the whole sentence) is the same for an unknown username: the
    page reveals nothing about which usernames exist. By the time the error is built, axes has
    recorded this failure (``user_login_failed`` fires inside ``authenticate``).
    """

    def get_invalid_login_error(self) -> forms.ValidationError:
        username = self.cleaned_data.get("username") or ""
        failures = AxesProxyHandler.get_failures(self.request, {"username": username})
        remaining = max(settings.LOGIN_FAILURE_LIMIT - failures, 1)
        return forms.ValidationError(
            ngettext(
                "Wrong username or password. After %(remaining)d more failed attempt, this "
                "username is locked for %(minutes)d minutes. Forgotten your password? Ask your "
                "committee's admin to set a new one.",
                "Wrong username or password. After %(remaining)d more failed attempts, this "
                "username is locked for %(minutes)d minutes. Forgotten your password? Ask your "
                "committee's admin to set a new one.",
                remaining,
            )
            % {"remaining": remaining, "minutes": settings.LOGIN_LOCKOUT_MINUTES},
            code="invalid_login",
        )
