"""django-axes hooks: the client's address, and the login page a locked-out login gets."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from portal.security.forms import LoginForm


def client_ip(request: HttpRequest) -> str | None:
    """The address failed logins are counted against (``LOGIN_CLIENT_IP_HEADER``).

    A forwarded-for list ends with the address the nearest proxy saw: that one is trusted.
    """
    value = request.META.get(settings.LOGIN_CLIENT_IP_HEADER, "")
    return value.split(",")[-1].strip() or None


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """The login page again, saying that this username is locked out and for how long.

    Status 429 (Too Many Requests). The password is never checked while locked out, so the
    page says the same whether or not it was right.
    """
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    context = {
        "form": LoginForm(request, initial={"username": username}),
        "locked_out": True,
        "lockout_minutes": settings.LOGIN_LOCKOUT_MINUTES,
        "next": next_url,
    }
    return render(request, "registration/login.html", context, status=429)


#: The longest username a login has (Django's User.username); anything longer is no login's.
USERNAME_MAX_LENGTH = 150


def client_username(request, credentials: dict | None = None) -> str:
    """The username a login attempt names, cut to the longest a login can have: django-axes
    stores it in a 255-character column, and a forged 10,000-character one made PostgreSQL
    refuse the insert (a 500 on the login page, found by the hostile crawl)."""
    if credentials:
        value = credentials.get("username")
    else:
        value = request.POST.get("username") if request is not None else None
    return str(value or "")[:USERNAME_MAX_LENGTH]
