"""Security headers and deployment checks (issue 6 point 3).

* ``manage.py check --deploy``, run as an operator runs it (a fresh process, DEBUG off, the
  production environment of README.md's "Production" section), finds no issue.
* Every page of the permission matrix, asked by every user of its row over HTTPS (as behind the
  production proxy), answers with the strict Content-Security-Policy, HSTS, frame denial,
  ``nosniff``, a same-origin Referrer-Policy and Cross-Origin-Opener-Policy, and any cookie it
  sets is Secure, HttpOnly and SameSite=Lax. The HTML it sends has nothing the policy would
  refuse: no inline script, no on*= handler, no style= attribute.
* The same holds for every template file of the portal, pages the matrix's users cannot open
  (the superuser's periodic task form) and the overridden third-party pages.

The settings the walk runs with are read from a production start-up, not written here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from http.cookies import Morsel
from pathlib import Path

import pytest
from django.test import Client
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from tests.conftest import Cast
from tests.portal import test_permission_matrix as matrix

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


def test_check_deploy_with_the_production_environment_finds_no_issue() -> None:
    result = manage_in_production("check", "--deploy", "--fail-level", "DEBUG")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # Only HSTS preloading's reminder is silenced, on purpose (see portal/settings.py).
    assert "System check identified no issues (1 silenced)." in result.stdout, output
    assert "WARNING" not in output, output


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


@pytest.fixture(scope="module")
def production_settings() -> dict:
    script = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{k: getattr(settings, k) for k in {PRODUCTION_SETTINGS!r}}}))"
    )
    result = manage_in_production("shell", "-c", script)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_settings_send_hsts_redirect_to_https_and_keep_cookies_secure(
    production_settings: dict,
) -> None:
    assert production_settings["DEBUG"] is False
    assert production_settings["SECURE_SSL_REDIRECT"] is True
    assert production_settings["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert production_settings["SECURE_HSTS_SECONDS"] >= ONE_YEAR
    for cookie in ("SESSION", "CSRF", "LANGUAGE"):
        assert production_settings[f"{cookie}_COOKIE_SECURE"] is True, cookie


# --- Every page of the permission matrix ---------------------------------------------------


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
    policy = response.get("Content-Security-Policy")
    if policy is None:
        problems.append("no Content-Security-Policy")
    else:
        directives = {
            name: value.strip()
            for name, _, value in (part.strip().partition(" ") for part in policy.split(";"))
            if name
        }
        path = response.request["PATH_INFO"]
        uploaded_file = path.startswith("/files/") and response.status_code == 200
        if directives != (FILE_POLICY if uploaded_file else POLICY):
            problems.append(f"Content-Security-Policy {policy!r}")
    expected = {
        "Strict-Transport-Security": f"max-age={ONE_YEAR}; includeSubDomains",
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    for header, value in expected.items():
        if response.get(header) != value:
            problems.append(f"{header}: {response.get(header)!r}")
    for morsel in response.cookies.values():
        problems += cookie_problems(morsel)
    if response.get("Content-Type", "").startswith("text/html") and not response.streaming:
        problems += inline_code(response.content.decode())
    return problems


@pytest.fixture
def production_like(settings, production_settings: dict) -> None:
    """The test run's settings with production's security values (DEBUG stays off)."""
    for name, value in production_settings.items():
        if name != "DEBUG":
            setattr(settings, name, tuple(value) if isinstance(value, list) else value)


@pytest.fixture(scope="module")
def https_client() -> RecordingClient:
    """One client for the walk, like the matrix's own (WhiteNoise scans the static files each
    time a client loads the middleware). Its requests come over HTTPS as the production proxy
    says it; without that the redirect to HTTPS would answer them all."""
    return RecordingClient(HTTP_X_FORWARDED_PROTO="https")


@pytest.mark.parametrize("section", matrix.SECTIONS)
def test_every_page_of_the_permission_matrix_sends_the_security_headers(
    section: str,
    production_like: None,
    https_client: RecordingClient,
    cast: Cast,
    settings,
    tmp_path,
) -> None:
    """Each row of the matrix's section, for each of its users, with production's security
    settings: the row's answer is still the matrix's, and every response has its headers."""
    settings.MEDIA_ROOT = tmp_path
    world = matrix.World(cast, https_client)
    failures: list[str] = []
    responses = 0
    for row in matrix.SECTIONS[section]:
        for route in row.routes:
            for user_name in matrix.USERS:
                https_client.responses.clear()
                mismatch = matrix.ask(row, route, world, user_name)
                if mismatch:
                    failures.append(f"{mismatch} (with production's security settings)")
                for response in https_client.responses:
                    responses += 1
                    where = f"{response.request['REQUEST_METHOD']} {response.request['PATH_INFO']}"
                    failures += [f"{where} as {user_name}: {p}" for p in header_problems(response)]
    assert responses >= len(matrix.USERS), f"only {responses} responses"
    assert not failures, "\n".join(failures)


def test_plain_http_is_redirected_to_https_with_the_headers(production_like: None) -> None:
    response = RecordingClient(HTTP_X_FORWARDED_PROTO="http").get("/accounts/login/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/accounts/login/"


def test_healthz_answers_plain_http_for_monitoring_without_a_redirect(
    production_like: None,
) -> None:
    response = RecordingClient(HTTP_X_FORWARDED_PROTO="http").get("/healthz")
    assert response.status_code in (200, 503)  # the probe's answer, not a 301 to HTTPS
    assert response["Content-Type"].startswith("application/json")


def test_login_page_sets_a_secure_httponly_samesite_csrf_cookie(production_like: None) -> None:
    response = RecordingClient(HTTP_X_FORWARDED_PROTO="https").get("/accounts/login/")
    assert response.status_code == 200
    csrf = response.cookies["csrftoken"]
    assert csrf.value
    assert cookie_problems(csrf) == []


def test_language_switch_sets_a_secure_httponly_samesite_cookie(production_like: None) -> None:
    response = RecordingClient(HTTP_X_FORWARDED_PROTO="https").post(
        "/i18n/setlang/", {"language": "en", "next": "/"}
    )
    language = response.cookies["django_language"]
    assert language.value == "en"
    assert cookie_problems(language) == []


# --- Pages outside the matrix's cast, and the templates themselves -------------------------


def test_periodic_task_form_has_no_inline_script_and_keeps_its_crontab_help(
    production_like: None, cast: Cast
) -> None:
    """django-celery-beat's form has an inline script upstream: ours loads a static file."""
    schedule = CrontabSchedule.objects.create(minute="5", hour="4")
    task = PeriodicTask.objects.create(name="csp", task="portal.tasks.x", crontab=schedule)
    client = RecordingClient(HTTP_X_FORWARDED_PROTO="https")
    client.force_login(cast.superuser)
    response = client.get(f"/admin/django_celery_beat/periodictask/{task.pk}/change/")
    assert response.status_code == 200
    assert header_problems(response) == []
    html = response.content.decode()
    assert "js/admin-periodic-task.js" in html
    assert 'id="readable-crontabs"' in html


def test_roster_export_page_has_no_inline_handler_and_loads_the_select_all_script(
    production_like: None, cast: Cast
) -> None:
    """django-import-export's export page has onchange= and style= upstream."""
    client = RecordingClient(HTTP_X_FORWARDED_PROTO="https")
    client.force_login(cast.admin_a)
    response = client.get("/admin/branches/member/export/")
    assert response.status_code == 200
    assert header_problems(response) == []
    html = response.content.decode()
    assert 'class="select-toggle"' in html
    assert "js/admin-export.js" in html


TEMPLATE_DIRS = [BASE_DIR / "templates", *BASE_DIR.glob("*/templates")]
#: Template syntax that could hide an attribute name ({% if %}…) is read as text: good enough.
INLINE_IN_TEMPLATE = re.compile(
    r"""<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>"""  # an inline script
    r"""|\son[a-z]+\s*=\s*["']"""  # an event handler attribute
    r"""|\sstyle\s*=\s*["']"""  # a style attribute
    r"""|<style[\s>]"""  # a style element
    r"""|javascript:""",
    re.IGNORECASE,
)
# The report's and the activity record's PDFs are laid out by WeasyPrint from HTML, never
# served to a browser.
NOT_SERVED = {"reports/pdf.html", "records/activity_pdf.html"}


def test_no_template_has_inline_script_handlers_or_styles() -> None:
    found = []
    for folder in TEMPLATE_DIRS:
        for path in folder.rglob("*.html"):
            if path.relative_to(folder).as_posix() in NOT_SERVED:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if INLINE_IN_TEMPLATE.search(line):
                    found.append(f"{path.relative_to(BASE_DIR)}:{number}: {line.strip()}")
    assert not found, "the CSP refuses these (move them to static files):\n" + "\n".join(found)
