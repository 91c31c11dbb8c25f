"""The password change page (also where a forced or periodic change sends the user)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.security.lockout import lockout_response
from portal.security.passwords import (
    ChangeReason,
    current_password_guess_refused,
    password_change_record,
    password_guessing_locked,
)
from portal.security.sessions import PASSWORD_CHANGE


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    error_messages = {
        **auth_forms.PasswordChangeForm.error_messages,
        "password_unchanged": gettext_lazy("The new password must differ from the current one."),
        "locked": gettext_lazy(
            "Too many wrong passwords: this login is locked for a while. Try again later."
        ),
    }

    def __init__(self, user, *args, request: HttpRequest, **kwargs) -> None:
        super().__init__(user, *args, **kwargs)
        self.request = request
        self.locked = False

    def clean_old_password(self) -> str:
        # A wrong current password counts as a failed login: the same limit, the same lockout.
        if password_guessing_locked(request=self.request, user=self.user):
            self.locked = True
            raise forms.ValidationError(self.error_messages["locked"], code="locked")
        try:
            return super().clean_old_password()
        except forms.ValidationError:
            self.locked = current_password_guess_refused(request=self.request, user=self.user)
            raise

    def clean(self) -> dict:
        cleaned = super().clean()
        new = cleaned.get("new_password2")
        if new and new == cleaned.get("old_password"):
            self.add_error(
                "new_password2",
                forms.ValidationError(
                    self.error_messages["password_unchanged"], code="password_unchanged"
                ),
            )
        return cleaned


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeForm
    template_name = "registration/password_change_form.html"

    def get_context_data(self, **kwargs: object) -> dict:
        context = super().get_context_data(**kwargs)
        context["reason"] = ChangeReason.of(self.request.session.get(PASSWORD_CHANGE))
        context["next"] = self._next_url()
        context["password_max_age_days"] = settings.PASSWORD_MAX_AGE_DAYS
        return context

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "request": self.request}

    def form_invalid(self, form: PasswordChangeForm) -> HttpResponse:
        if form.locked:
            # Whoever holds this session has guessed too often: the session ends, and the
            # login page says that the login is locked (django-axes' lockout response).
            logout(self.request)
            return lockout_response(
                self.request, credentials={"username": form.user.get_username()}
            )
        return super().form_invalid(form)

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)  # saves it; the session stays logged in
        password_change_record(user=form.user)
        self.request.session.pop(PASSWORD_CHANGE, None)
        messages.success(self.request, _("Your password was changed."))
        return response

    def get_success_url(self) -> str:
        return self._next_url() or reverse("home")

    def _next_url(self) -> str:
        url = self.request.POST.get("next") or self.request.GET.get("next") or ""
        allowed = url_has_allowed_host_and_scheme(
            url, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        )
        return url if allowed else ""
