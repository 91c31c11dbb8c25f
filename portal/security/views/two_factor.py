"""The second factor's pages: set up an authenticator, give a code after the password, and the
account page (recovery codes left, a new set of them)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from portal.security.two_factor import (
    TwoFactorState,
    authenticator_confirm,
    authenticator_of,
    authenticator_pending,
    qr_code_svg,
    recovery_codes_left,
    recovery_codes_renew,
    secret_groups,
    session_two_factor_state,
    two_factor_required,
    two_factor_verify,
)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )


class AppCodeForm(CodeForm):
    """The six digits the app shows (setting it up)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].label = _("Six-digit code from the app")
        self.fields["code"].widget.attrs.update({"inputmode": "numeric", "maxlength": "7"})


class VerifyForm(CodeForm):
    """The six digits of the app, or a recovery code."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].label = _("Six-digit code, or a recovery code")


class ConfirmForm(forms.Form):
    confirmation = forms.CharField(
        label=gettext_lazy("Your password, or the app's current code"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


def _next_url(request: HttpRequest) -> str:
    """The page asked for before the second factor, if it is one of the portal's own."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if allowed else ""


def _recovery_codes_page(
    request: HttpRequest, codes: list[str], *, next_url: str, first_time: bool
) -> HttpResponse:
    """The codes, once: rendered as the answer to the POST that made them, kept nowhere."""
    context = {"codes": codes, "next": next_url, "first_time": first_time}
    return render(request, "registration/two_factor_recovery_codes.html", context)


@never_cache
@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """Scan the QR code (or type the secret), confirm with a code, see the recovery codes."""
    next_url = _next_url(request)
    if authenticator_of(request.user) is not None:
        messages.info(request, _("Your authenticator app is already set up."))
        return redirect(next_url or "two_factor_account")
    device = authenticator_pending(user=request.user)
    form = AppCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        verification, codes = authenticator_confirm(
            request=request, device=device, code=form.cleaned_data["code"]
        )
        if verification.device is not None:
            return _recovery_codes_page(
                request, codes, next_url=next_url or reverse("home"), first_time=True
            )
        form.add_error("code", verification.refusal())
    context = {
        "form": form,
        "next": next_url,
        "secret": secret_groups(device),
        "qr_code": qr_code_svg(device),
        "required": session_two_factor_state(request) is TwoFactorState.SETUP,
    }
    return render(request, "registration/two_factor_setup.html", context)


@never_cache
@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of a login."""
    next_url = _next_url(request)
    if session_two_factor_state(request) is not TwoFactorState.VERIFY:
        return HttpResponseRedirect(next_url or reverse("home"))
    form = VerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        verification = two_factor_verify(request=request, code=form.cleaned_data["code"])
        if verification.device is not None:
            return HttpResponseRedirect(next_url or reverse("home"))
        form.add_error("code", verification.refusal())
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": next_url})


@never_cache
@login_required
def account(request: HttpRequest) -> HttpResponse:
    """The login's second factor: set up or not, recovery codes left, a new set."""
    device = authenticator_of(request.user)
    context = {
        "device": device,
        "required": two_factor_required(request.user),
        "codes_left": recovery_codes_left(request.user) if device else 0,
        "form": ConfirmForm(),
    }
    return render(request, "registration/two_factor_account.html", context)


@never_cache
@login_required
@require_POST
def recovery_codes_new(request: HttpRequest) -> HttpResponse:
    """A new set of recovery codes, the old ones void: a session that gave its second factor,
    confirmed again with the password or a current code."""
    device = authenticator_of(request.user)
    if device is None or not request.user.is_verified():
        messages.error(request, _("Set up an authenticator app first."))
        return redirect("two_factor_account")
    form = ConfirmForm(request.POST)
    if form.is_valid():
        verification, codes = recovery_codes_renew(
            request=request, confirmation=form.cleaned_data["confirmation"]
        )
        if verification.device is not None:
            return _recovery_codes_page(
                request, codes, next_url=reverse("two_factor_account"), first_time=False
            )
        if verification.throttled:
            form.add_error("confirmation", verification.refusal())
        else:
            form.add_error("confirmation", _("Neither your password nor a current code."))
    context = {
        "device": device,
        "required": two_factor_required(request.user),
        "codes_left": recovery_codes_left(request.user),
        "form": form,
    }
    return render(request, "registration/two_factor_account.html", context)
