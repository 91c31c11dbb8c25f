"""The UI speaks Simplified Chinese whatever the browser says; English only by choice."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import PASSWORD

LANGUAGE_COOKIE = settings.LANGUAGE_COOKIE_NAME


def _login_page(client, **headers):
    response = client.get(reverse("login"), headers=headers)
    assert response.status_code == 200
    return response


@pytest.mark.django_db
def test_login_page_is_chinese_even_when_the_browser_asks_for_english(client):
    response = _login_page(client, accept_language="en-US,en;q=0.9")
    html = response.content.decode()

    assert response["Content-Language"] == "zh-hans"
    assert '<html lang="zh-Hans">' in html
    assert "党建联建共建管理平台" in html
    assert "用户名" in html
    assert "Joint Party-Building Portal" not in html


@pytest.mark.django_db
def test_login_page_is_english_when_the_language_cookie_says_en(client):
    client.cookies[LANGUAGE_COOKIE] = "en"

    response = _login_page(client)
    html = response.content.decode()

    assert response["Content-Language"] == "en"
    assert '<html lang="en">' in html
    assert "Joint Party-Building Portal" in html
    assert "Username" in html
    assert "党建联建共建管理平台" not in html


@pytest.mark.django_db
def test_unknown_language_cookie_falls_back_to_chinese(client):
    client.cookies[LANGUAGE_COOKIE] = "fr"

    html = _login_page(client, accept_language="fr").content.decode()

    assert "党建联建共建管理平台" in html


@pytest.mark.django_db
def test_pages_vary_on_the_cookie_that_carries_the_language(client):
    response = _login_page(client)

    assert "Cookie" in response["Vary"]


def test_switching_language_through_set_language_persists(cast):
    client = cast.client_for(cast.secretary_a1)

    response = client.post(
        reverse("set_language"), {"language": "en", "next": "/"}, headers={"accept_language": "zh"}
    )
    assert response.status_code == 302
    assert response.url == "/"
    assert client.cookies[LANGUAGE_COOKIE].value == "en"
    # Later requests stay in English, whatever the browser says.
    for _ in range(2):
        html = client.get("/", headers={"accept_language": "zh-CN"}).content.decode()
        assert "Log out" in html
        assert "退出登录" not in html

    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    html = client.get("/", headers={"accept_language": "en"}).content.decode()
    assert "退出登录" in html
    assert "Log out" not in html


def test_language_switch_is_a_form_posting_to_set_language_on_every_page(cast):
    html = cast.client_for(cast.secretary_a1).get("/").content.decode()
    login_html = cast.client_for(None).get(reverse("login")).content.decode()

    for page in (html, login_html):
        assert f'action="{reverse("set_language")}"' in page
        assert 'name="language" value="en"' in page
        assert 'name="language" value="zh-hans"' in page
        # Each language is offered in its own name.
        assert ">English</button>" in page
        assert ">简体中文</button>" in page
        assert "<script" not in page
        assert "style=" not in page


def test_login_with_the_form_then_logout_with_a_post(cast):
    client = cast.client_for(None)

    response = client.post(
        reverse("login"), {"username": "secretary_a1", "password": PASSWORD, "next": "/"}
    )
    assert response.status_code == 302
    assert response.url == "/"
    assert client.get("/").status_code == 200

    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response.url == reverse("login")
    assert client.get("/").status_code == 302


def test_wrong_password_shows_a_chinese_error(cast):
    response = cast.client_for(None).post(
        reverse("login"), {"username": "secretary_a1", "password": "wrong"}
    )

    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_header_shows_admin_link_only_to_users_with_admin_access(cast):
    secretary_html = cast.client_for(cast.secretary_a1).get("/").content.decode()
    admin_html = cast.client_for(cast.admin_a).get("/").content.decode()

    assert reverse("admin:index") not in secretary_html
    assert reverse("admin:index") in admin_html
    assert "党委管理员" in admin_html
    assert "书记" in secretary_html
