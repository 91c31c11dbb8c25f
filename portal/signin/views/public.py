"""The pages people sign in on, with their own phones, at the venue (``/s/…``).

* ``scan``: the QR code's address. A good token (``portal.signin.tokens``) leads on to the
  sheet's page with a pass; a genuine but stale one (a forwarded photo of the code) is refused
  with a page that says to scan the code at the venue; anything else gets the not-valid page.
* ``code``: whoever cannot scan types the six digits shown at the venue.
* ``sign``: the sheet's page, with the pass. A member logs in (or is logged in) and taps 签到;
  a partner's staff member or another guest gives name and unit. It shows nobody's name but
  the signer's own, and no phone number.

Every answer is counted per client address (``SIGNIN_RATE_PER_MINUTE``; typed codes also
``SIGNIN_CODE_RATE_PER_MINUTE``), is not indexed nor cached, and sends its Referer only to the
portal itself. The pages are in Chinese whatever the browser says. The forms keep Django's
CSRF check: a member signs in with their session, which a cross-site page must not use.
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from branches.models import Member
from portal.audit.services import client_ip
from portal.core.ratelimit import rate_limit_exceeded, rate_limit_hit
from portal.signin import selectors, services, tokens
from portal.signin.forms import CodeForm, GuestForm
from portal.signin.models import EntryMethod, SheetState, SignInSheet

PUBLIC_LANGUAGE = "zh-hans"
RATE_SCOPE = "signin"
CODE_RATE_SCOPE = "signin-code"
#: The phone's own random id (a cookie): one phone signs one name in once.
DEVICE_COOKIE = "signin_device"
DEVICE_COOKIE_AGE = 12 * 3600


def _headers(response: HttpResponse) -> HttpResponse:
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    response["Content-Language"] = PUBLIC_LANGUAGE
    return response


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The rules every page here follows (module docstring)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with translation.override(PUBLIC_LANGUAGE):
            client = client_ip(request) or "unknown"
            if rate_limit_hit(RATE_SCOPE, client, limit=settings.SIGNIN_RATE_PER_MINUTE):
                response = too_many_requests(request)
            else:
                response = view(request, *args, **kwargs)
        return _headers(response)

    return wrapper


def too_many_requests(request: HttpRequest) -> HttpResponse:
    response = render(request, "signin/public/limited.html", status=429)
    response["Retry-After"] = "60"
    return response


def not_valid(request: HttpRequest) -> HttpResponse:
    """The one page for an address that opens no sign-in: the same whatever was asked."""
    return render(request, "signin/public/invalid.html", status=404)


def _device(request: HttpRequest) -> str:
    device = request.COOKIES.get(DEVICE_COOKIE, "")
    return device if 0 < len(device) <= 64 else ""


def _to_sheet(request: HttpRequest, sheet: SignInSheet, method: str) -> HttpResponseRedirect:
    """On to the sheet's page with a pass for this phone (its cookie, set here if new)."""
    device = _device(request) or secrets.token_urlsafe(16)
    query = urlencode({"pass": tokens.make_pass(sheet, method, device)})
    response = HttpResponseRedirect(
        f"{reverse('signin:sign', kwargs={'public_id': sheet.public_id})}?{query}"
    )
    return _with_device(request, response, device)


@public_page
@require_http_methods(["GET"])
def scan(request: HttpRequest, token: str) -> HttpResponse:
    parts = tokens.split_token(token)
    sheet = selectors.sheet_by_public_id(parts[0]) if parts else None
    if sheet is None:
        return not_valid(request)
    try:
        method = tokens.check_token(sheet, token)
    except tokens.TokenStale:
        return render(request, "signin/public/stale.html", {"activity": sheet.activity}, status=410)
    except ValueError:
        return not_valid(request)
    return _to_sheet(request, sheet, method)


@public_page
@require_http_methods(["GET", "POST"])
def code(request: HttpRequest) -> HttpResponse:
    """Type the six digits shown at the venue."""
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        # Only wrong codes count: a venue's Wi-Fi is one address for everybody typing there.
        client = _network_of(client_ip(request) or "unknown")
        limit = settings.SIGNIN_CODE_RATE_PER_MINUTE
        if rate_limit_exceeded(CODE_RATE_SCOPE, client, limit=limit - 1):
            return too_many_requests(request)
        if form.is_valid():
            typed = form.cleaned_data["code"]
            for sheet in selectors.accepting_sheets():
                if tokens.code_matches(sheet, typed):
                    return _to_sheet(request, sheet, EntryMethod.CODE)
        rate_limit_hit(CODE_RATE_SCOPE, client, limit=limit)
        if form.is_valid():
            form.add_error(
                "code",
                _(
                    "This code opens no sign-in now. Codes change every minute: type the one "
                    "shown at the venue now."
                ),
            )
    return render(request, "signin/public/code.html", {"form": form})


def _network_of(address: str) -> str:
    """Whom a limit counts: an IPv4 address, or an IPv6 address's /64 (one client holds a
    whole /64 and could otherwise change its address at every try)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _member_of(request: HttpRequest, sheet: SignInSheet) -> Member | None:
    """The logged-in user's member row in the sheet's committee, while on its roll."""
    if not request.user.is_authenticated:
        return None
    return (
        Member.objects.current()
        .filter(user=request.user, committee_id=sheet.committee_id)
        .select_related("branch")
        .first()
    )


@public_page
@require_http_methods(["GET", "POST"])
def sign(request: HttpRequest, public_id: str) -> HttpResponse:
    """The sheet's page: sign in as a member (logged in) or as a guest (name and unit)."""
    sheet = selectors.sheet_by_public_id(public_id)
    if sheet is None:
        return not_valid(request)
    pass_value = request.POST.get("pass") or request.GET.get("pass", "")
    device = _device(request)
    method = tokens.read_pass(sheet, pass_value, device)
    activity = sheet.activity
    if method is None:
        return render(request, "signin/public/stale.html", {"activity": activity}, status=410)
    member = _member_of(request, sheet)
    partners = list(activity.partners.order_by("name", "pk"))
    guest_form = GuestForm(partners=partners, prefix="guest")
    refusal = None
    if request.method == "POST":
        try:
            as_member = request.POST.get("as") == "member"
            if as_member and not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if as_member and member is not None:
                done = services.member_sign_in(sheet, member, method=method)
                return _done(request, sheet, done, device)
            # A login of no member of the committee asking to sign in as a member gets the page
            # again, which says to sign in with name and unit (the login page would send it on).
            guest_form = GuestForm(
                None if as_member else request.POST, partners=partners, prefix="guest"
            )
            if guest_form.is_valid():
                data = guest_form.cleaned_data
                done = services.guest_sign_in(
                    sheet,
                    name=data["name"],
                    partner=data["partner"],
                    unit_name=data["unit_name"],
                    phone=data["phone"],
                    method=method,
                    device=device,
                )
                return _done(request, sheet, done, device)
        except services.SignInRefused as exc:
            refusal = " ".join(exc.messages)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    guest_form.add_error(field if field in guest_form.fields else None, errors)
            else:
                guest_form.add_error(None, exc.messages)
    state = sheet.state()
    if refusal is None and state != SheetState.OPEN:
        refusal = _refusal(sheet, state)
    login_url = f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': request.get_full_path()})}"
    response = render(
        request,
        "signin/public/sign.html",
        {
            "sheet": sheet,
            "activity": activity,
            "pass_value": pass_value,
            "member": member,
            "logged_in_elsewhere": request.user.is_authenticated and member is None,
            "guest_form": guest_form,
            "refusal": refusal,
            "login_url": login_url,
        },
        status=409 if refusal is not None and request.method == "POST" else 200,
    )
    return _with_device(request, response, device)


def _refusal(sheet: SignInSheet, state: str) -> str:
    if state == SheetState.NOT_YET:
        opens, _ends = sheet.window()
        return _("Sign-in opens at %(time)s.") % {
            "time": timezone.localtime(opens).strftime("%m-%d %H:%M")
        }
    return _("This sign-in has closed. Please see the organiser at the venue.")


def _with_device(request: HttpRequest, response: HttpResponse, device: str) -> HttpResponse:
    """The phone's own id (``DEVICE_COOKIE``) set to ``device`` where it is new."""
    if device and request.COOKIES.get(DEVICE_COOKIE) != device:
        response.set_cookie(
            DEVICE_COOKIE,
            device,
            max_age=DEVICE_COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    return response


def _done(
    request: HttpRequest, sheet: SignInSheet, done: services.SignedIn, device: str
) -> HttpResponse:
    response = render(
        request,
        "signin/public/done.html",
        {
            "activity": sheet.activity,
            "entry": done.entry,
            "created": done.created,
            "signed_at": timezone.localtime(done.entry.signed_at),
        },
    )
    return _with_device(request, response, device)
