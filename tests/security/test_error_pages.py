"""Error pages: Chinese 400/403/404/500 pages with a way home, no stack trace, and on a 500 a
reference that the server log's line of the same error carries too.

The tests run as production does, with DEBUG off (pytest-django's default).
"""

from __future__ import annotations

import re

import django
import pytest
from django.conf import settings
from django.test import Client, RequestFactory, override_settings

from portal.core import errors
from tests.conftest import Cast
from tests.security.server_log import server_log
from tests.security.urls_failing import FAILURE_MESSAGE

FAILING_URLS = override_settings(ROOT_URLCONF="tests.security.urls_failing")
REFERENCE = re.compile(r"data-error-reference>([0-9A-F]{4}-[0-9A-F]{4})<")
HOME_LINK = '<a class="button button--primary" href="/">返回首页</a>'


def page_reference(html: str) -> str:
    match = REFERENCE.search(html)
    assert match, f"no error reference on the page:\n{html}"
    return match[1]


def test_debug_is_off_as_in_production():
    """Guards the tests below: with DEBUG on, Django shows its technical pages instead."""
    assert settings.DEBUG is False


@FAILING_URLS
def test_server_error_page_shows_the_reference_that_the_server_log_line_carries(cast: Cast, caplog):
    client = Client(raise_request_exception=False)
    client.force_login(cast.secretary_a1)

    with server_log() as log:
        response = client.get("/failing/")

    assert response.status_code == 500
    html = response.content.decode()
    reference = page_reference(html)
    assert "系统出错" in html
    assert "错误编号" in html
    assert HOME_LINK in html
    # The log line of this very error ends with the reference shown to the user...
    [record] = [r for r in caplog.records if r.name == "django.request" and r.levelname == "ERROR"]
    assert record.error_reference == reference
    assert record.getMessage() == f"Internal Server Error: /failing/ [reference {reference}]"
    assert f"Internal Server Error: /failing/ [reference {reference}]" in log.getvalue()
    # ... and carries the traceback the page leaves out.
    assert "Traceback" in log.getvalue()
    assert "failing_view" in log.getvalue()


@FAILING_URLS
def test_the_log_line_carries_the_reference_once_after_logging_was_configured_again(
    cast: Cast,
):
    """django.setup() runs again whenever Celery imports the task modules (the periodic task
    admin page does): LOGGING is applied again and the logger's filter is there twice."""
    django.setup()
    client = Client(raise_request_exception=False)
    client.force_login(cast.secretary_a1)

    with server_log() as log:
        response = client.get("/failing/")

    reference = page_reference(response.content.decode())
    assert f"Internal Server Error: /failing/ [reference {reference}]" in log.getvalue()
    assert log.getvalue().count(f"[reference {reference}]") == 1, log.getvalue()[:500]


@FAILING_URLS
def test_each_server_error_gets_its_own_reference(cast: Cast):
    client = Client(raise_request_exception=False)

    first = page_reference(client.get("/failing/").content.decode())
    second = page_reference(client.get("/failing/").content.decode())

    assert first != second


@FAILING_URLS
def test_server_error_page_shows_no_stack_trace_or_exception_text(cast: Cast):
    client = Client(raise_request_exception=False)
    client.force_login(cast.admin_a)

    html = client.get("/failing/").content.decode()

    for leak in ("Traceback", "RuntimeError", "failing_view", "duplicate key", "13812345678"):
        assert leak not in html
    assert "/failing/" not in html  # not even the path: the page is the same for every failure


@FAILING_URLS
def test_server_error_log_masks_a_phone_number_quoted_by_the_failure(cast: Cast):
    client = Client(raise_request_exception=False)

    with server_log() as log:
        client.get("/failing/")

    assert FAILURE_MESSAGE.replace("13812345678", "138****5678") in log.getvalue()
    assert "13812345678" not in log.getvalue()


def test_server_error_page_needs_neither_database_nor_session():
    """The 500 page must render when the database is what failed: without the ``db`` fixture
    any query raises here, and the page uses no context processor (the navigation counts),
    no session and no user."""
    request = RequestFactory().get("/anything/")  # no session, no user attached

    response = errors.server_error(request)

    assert response.status_code == 500
    assert page_reference(response.content.decode()) == request.error_reference


@FAILING_URLS
def test_server_error_page_falls_back_to_fixed_text_when_its_template_fails(
    cast: Cast, monkeypatch, caplog
):
    def broken_template(*args, **kwargs):
        raise ValueError("Missing staticfiles manifest entry for 'css/errors.css'")

    monkeypatch.setattr(errors.loader, "render_to_string", broken_template)
    client = Client(raise_request_exception=False)

    response = client.get("/failing/")

    assert response.status_code == 500
    html = response.content.decode()
    reference = re.search(r"Reference: <strong>([0-9A-F]{4}-[0-9A-F]{4})</strong>", html)[1]
    assert "系统错误" in html
    assert "Missing staticfiles" not in html
    assert [r.error_reference for r in caplog.records if r.name == "django.request"] == [reference]


def test_missing_page_is_a_chinese_404_with_a_way_home(db):
    response = Client().get("/no-such-page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="zh-Hans">' in html
    assert "<title>页面不存在 · 党建联建共建管理平台</title>" in html
    assert "页面不存在" in html
    assert HOME_LINK in html
    assert "no-such-page" not in html  # Django's technical 404 lists the path and the URLconf


def test_object_outside_the_users_reach_gets_the_same_404_page(cast: Cast):
    """A committee the user does not review answers 404 as if it did not exist."""
    response = cast.client_for(cast.staff_a).get(f"/dashboard/?committee={cast.committee_b.pk}")

    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()
    assert HOME_LINK in response.content.decode()


def test_refused_page_is_a_chinese_403_with_a_way_home(cast: Cast):
    """A branch secretary is refused the committee dashboard."""
    response = cast.client_for(cast.secretary_a1).get("/dashboard/")

    assert response.status_code == 403
    html = response.content.decode()
    assert '<html lang="zh-Hans">' in html
    assert "无权访问" in html
    assert "联系所在党委" in html
    assert HOME_LINK in html


def test_error_pages_follow_a_user_who_chose_english(cast: Cast):
    client = cast.client_for(cast.secretary_a1)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    not_found = client.get("/no-such-page/").content.decode()
    refused = client.get("/dashboard/").content.decode()

    assert "Page not found" in not_found
    assert "Access denied" in refused
    assert ">Back to the home page</a>" in refused


def test_expired_form_is_a_chinese_403_that_says_to_reload(db):
    client = Client(enforce_csrf_checks=True)

    response = client.post("/accounts/login/", {"username": "x", "password": "y"})

    assert response.status_code == 403
    html = response.content.decode()
    assert "表单已失效" in html
    assert "刷新" in html
    assert "CSRF" not in html  # Django's own page explains the mechanism, in English
    assert HOME_LINK in html


def test_malformed_request_is_a_chinese_400_page(db):
    response = Client().get("/", HTTP_HOST="not-this-portal.example")

    assert response.status_code == 400
    html = response.content.decode()
    assert "请求无效" in html
    assert "Bad Request (400)" not in html  # Django's bare default
    assert HOME_LINK in html


@pytest.mark.parametrize(
    "template", ["400.html", "403.html", "403_csrf.html", "404.html", "500.html"]
)
def test_error_templates_use_the_minimal_layout(template):
    """Not the site's base.html: its header runs {% url %} and the navigation's queries."""
    source = (settings.BASE_DIR / "templates" / template).read_text(encoding="utf-8")

    assert source.startswith('{% extends "errors/layout.html" %}')
