"""Security headers and deployment checks (issue 6 point 3).

* ``manage.py check --deploy``, run as an operator runs it (a fresh process, DEBUG off, the
  production environment of README.md's "Production" section), finds no issue.
* Every page of the permission matrix, asked by every user of its row over HTTPS (as behind the
  production proxy), answers with the strict Content-Security-Policy, HSTS, frame denial,
  ``nosniff``, a same-origin Referrer-Policy and Cross-Origin-Opener-Policy, and any cookie it
  sets is Secure, HttpOnly and SameSite=Lax; the HTML it sends has nothing the policy would
  refuse. That is checked by the matrix's own walk (tests/portal/test_permission_matrix.py),
  which runs with production's security settings and reads every response with
  ``tests.security.headers.header_problems``: the URLs are walked once for both promises.
* The same holds for every template file of the portal, pages the matrix's users cannot open
  (the superuser's periodic task form) and the overridden third-party pages.

The settings are read from a production start-up, not written here.
"""

from __future__ import annotations

import re

import pytest
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from tests.conftest import Cast
from tests.security.headers import (
    BASE_DIR,
    ONE_YEAR,
    RecordingClient,
    cookie_problems,
    header_problems,
    manage_in_production,
)
from tests.security.headers import production_like as apply_production_settings
from tests.security.headers import production_settings as read_production_settings


def test_check_deploy_with_the_production_environment_finds_no_issue() -> None:
    result = manage_in_production("check", "--deploy", "--fail-level", "DEBUG")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # Only HSTS preloading's reminder is silenced, on purpose (see portal/settings.py).
    assert "System check identified no issues (1 silenced)." in result.stdout, output
    assert "WARNING" not in output, output


@pytest.fixture(scope="module")
def production_settings() -> dict:
    return read_production_settings()


def test_production_settings_send_hsts_redirect_to_https_and_keep_cookies_secure(
    production_settings: dict,
) -> None:
    assert production_settings["DEBUG"] is False
    assert production_settings["SECURE_SSL_REDIRECT"] is True
    assert production_settings["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert production_settings["SECURE_HSTS_SECONDS"] >= ONE_YEAR
    for cookie in ("SESSION", "CSRF", "LANGUAGE"):
        assert production_settings[f"{cookie}_COOKIE_SECURE"] is True, cookie


@pytest.fixture
def production_like(settings) -> None:
    """The test run's settings with production's security values (DEBUG stays off)."""
    apply_production_settings(settings)


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
