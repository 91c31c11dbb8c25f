"""Production's security settings and what every response must carry under them.

Shared by the header tests (tests/security/test_headers.py) and the permission matrix
(tests/portal/test_permission_matrix.py), whose walk over every URL and user runs with
production's security settings and checks each response it gets: one walk for both promises.
The settings are read from a production start-up (``manage.py`` in a fresh process with the
environment of README.md's "Production" section), not written here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import cache
from html.parser import HTMLParser
from http.cookies import Morsel
from pathlib import Path

from django.test import Client

BASE_DIR = Path(__file__).resolve().parents[2]

#: The environment README.md's "Production" section exports (secrets made up): nothing else.
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "x7Jq-production-like-key-for-the-deploy-check-9fK2mWv3Lr8TzQ1sYh4Nc6BdPe",
    "ALLOWED_HOSTS": "dj.example.cn",
    "DATABASE_URL": "postgres://portal:secret@db.example.cn:5432/portal",
    "REDIS_URL": "redis://redis.example.cn:6379/0",
    "PORTAL_BASE_URL": "https://dj.example.cn",
    "EMAIL_URL": "smtp+tls://portal%40example.cn:secret@mail.example.cn:587",
}

#: The policy, written out by hand: loosening it in settings fails the tests.
POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
#: Uploaded files (portal/core/files.py) carry a stricter policy of their own: opened in the
#: browser, a file runs no script and loads nothing.
FILE_POLICY = {"default-src": "'none'", "img-src": "'self'", "sandbox": ""}
ONE_YEAR = 31_536_000
#: The pages behind a partner's link (portal/partners/views/public.py): the token in their
#: address never leaves in a Referer, and they are neither indexed nor kept in a cache.
TOKEN_PAGES = "/p/"
TOKEN_PAGE_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "Cache-Control": "no-store",
}

#: The on-site sign-in's public pages (portal/signin/views/public.py): their addresses carry a
#: short-lived code or pass, sent on only to the portal itself (the portal-wide same-origin);
#: neither indexed nor kept in a cache.
SIGNIN_PAGES = "/s/"
SIGNIN_PAGE_HEADERS = {"X-Robots-Tag": "noindex, nofollow", "Cache-Control": "no-store"}


#: What a developer's .env could set that the production environment does not: blanked, since
#: django-environ never overwrites a variable that is set.
NOT_IN_PRODUCTION = (
    "CELERY_BROKER_URL",
    "CONN_MAX_AGE",
    "LOG_LEVEL",
    "DEMO_USERS",
    "MEDIA_ROOT",
    "SECURE_SSL_REDIRECT",
    "SECURE_COOKIES",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
)


def manage_in_production(*args: str) -> subprocess.CompletedProcess[str]:
    """``manage.py`` in a fresh process with PRODUCTION_ENV and little else: not the test run's
    own variables (DEBUG, service URLs, the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE)."""
    environment = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR") if k in os.environ}
    environment.update(dict.fromkeys(NOT_IN_PRODUCTION, ""))
    environment.update(PRODUCTION_ENV)
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


#: The production values of the settings the headers come from.
PRODUCTION_SETTINGS = (
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "X_FRAME_OPTIONS",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SAMESITE",
    "LANGUAGE_COOKIE_SECURE",
    "LANGUAGE_COOKIE_HTTPONLY",
    "LANGUAGE_COOKIE_SAMESITE",
    "CONTENT_SECURITY_POLICY",
)


@cache
def production_settings() -> dict:
    """The production values of PRODUCTION_SETTINGS, read once per test process."""
    script = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{k: getattr(settings, k) for k in {PRODUCTION_SETTINGS!r}}}))"
    )
    result = manage_in_production("shell", "-c", script)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def production_like(settings) -> None:
    """Give pytest-django's ``settings`` production's security values (DEBUG stays off)."""
    for name, value in production_settings().items():
        if name != "DEBUG":
            setattr(settings, name, tuple(value) if isinstance(value, list) else value)


class RecordingClient(Client):
    """A test client that keeps every response it got, for the headers to be read afterwards."""

    def __init__(self, **defaults) -> None:
        super().__init__(**defaults)
        self.responses: list = []

    def request(self, **request):
        response = super().request(**request)
        self.responses.append(response)
        return response


class InlineCode(HTMLParser):
    """Collects what a strict CSP refuses in an HTML page: inline <script> bodies, on*=
    handlers, style= attributes, <style> elements and javascript: links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._script: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if name == "style":
                self.found.append(f"<{tag} style={value!r}>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}={value!r}>")
        if tag == "style":
            self.found.append("<style>")
        if tag == "script" and "src" not in attributes:
            kind = (attributes.get("type") or "").lower()
            self._script = None if kind == "application/json" else ""

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.found.append(f"<script>{self._script.strip()[:60]}…</script>")
            self._script = None


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def cookie_problems(morsel: Morsel) -> list[str]:
    if morsel["max-age"] == 0 or not morsel.value:  # a deletion: nothing is kept
        return []
    problems = []
    if not morsel["secure"]:
        problems.append("not Secure")
    if not morsel["httponly"]:
        problems.append("not HttpOnly")
    if str(morsel["samesite"]).lower() not in ("lax", "strict"):
        problems.append(f"SameSite={morsel['samesite']!r}")
    return [f"cookie {morsel.key}: {p}" for p in problems]


def header_problems(response) -> list[str]:
    """What is missing or wrong in one response's security headers, cookies and markup."""
    problems = []
    path = response.request["PATH_INFO"]
    behind_token = path.startswith(TOKEN_PAGES)
    policy = response.get("Content-Security-Policy")
    if policy is None:
        problems.append("no Content-Security-Policy")
    else:
        directives = {
            name: value.strip()
            for name, _, value in (part.strip().partition(" ") for part in policy.split(";"))
            if name
        }
        uploaded_file = response.status_code == 200 and (
            path.startswith("/files/") or (behind_token and "/photo/" in path)
        )
        if directives != (FILE_POLICY if uploaded_file else POLICY):
            problems.append(f"Content-Security-Policy {policy!r}")
    expected = {
        "Strict-Transport-Security": f"max-age={ONE_YEAR}; includeSubDomains",
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if behind_token:
        expected |= TOKEN_PAGE_HEADERS
    if path.startswith(SIGNIN_PAGES):
        expected |= SIGNIN_PAGE_HEADERS
    for header, value in expected.items():
        if response.get(header) != value:
            problems.append(f"{header}: {response.get(header)!r}")
    for morsel in response.cookies.values():
        problems += cookie_problems(morsel)
    if response.get("Content-Type", "").startswith("text/html") and not response.streaming:
        problems += inline_code(response.content.decode())
    return problems
