"""Lockout after failed logins: per username and IP, for LOGIN_LOCKOUT_MINUTES, the right
password refused too, with a clear message on the login page (django-axes)."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.utils import timezone, translation

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

WRONG = "not-the-password-1A"


def log_in(client: Client, username: str, password: str, *, ip: str = "10.1.2.3", path=None):
    return client.post(
        path or "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
    )


def fail(client: Client, username: str, times: int, *, ip: str = "10.1.2.3"):
    response = None
    for _ in range(times):
        response = log_in(client, username, WRONG, ip=ip)
    return response


def logged_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def lockout_title() -> str:
    with translation.override("zh-hans"):
        return translation.gettext("Login locked")


def test_the_limits_are_five_failures_and_fifteen_minutes_by_default(settings):
    assert settings.LOGIN_FAILURE_LIMIT == 5
    assert settings.LOGIN_LOCKOUT_MINUTES == 15
    assert settings.AXES_FAILURE_LIMIT == settings.LOGIN_FAILURE_LIMIT
    assert dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES) == settings.AXES_COOLOFF_TIME
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


def test_four_failures_still_let_the_right_password_in(cast):
    client = Client()
    response = fail(client, "secretary_a1", 4)
    assert response.status_code == 200
    assert lockout_title() not in response.content.decode()

    assert log_in(client, "secretary_a1", PASSWORD).status_code == 302
    assert logged_in(client)


def test_fifth_failure_shows_the_lockout_message_on_the_login_page_in_chinese(cast):
    response = fail(Client(), "secretary_a1", 5)

    assert response.status_code == 429
    page = response.content.decode()
    assert '<html lang="zh-Hans"' in page
    assert lockout_title() in page
    assert "15" in page  # the minutes the lockout lasts
    assert 'name="password"' in page  # the login form is still there
    assert 'value="secretary_a1"' in page


def test_the_right_password_is_refused_during_the_lockout(cast):
    client = Client()
    fail(client, "secretary_a1", 5)

    response = log_in(client, "secretary_a1", PASSWORD)

    assert response.status_code == 429
    assert lockout_title() in response.content.decode()
    assert not logged_in(client)
    assert Client().get("/", REMOTE_ADDR="10.1.2.3").status_code == 302


def test_the_lockout_is_for_that_username_from_that_ip_only(cast):
    fail(Client(), "secretary_a1", 5, ip="10.1.2.3")

    other_ip = Client()
    assert log_in(other_ip, "secretary_a1", PASSWORD, ip="10.9.9.9").status_code == 302
    assert logged_in(other_ip)
    other_user = Client()
    assert log_in(other_user, "secretary_a2", PASSWORD, ip="10.1.2.3").status_code == 302
    assert logged_in(other_user)


def test_the_lockout_ends_after_the_lockout_minutes(cast):
    fail(Client(), "secretary_a1", 5)
    attempt = AccessAttempt.objects.get(username="secretary_a1")

    attempt.attempt_time = timezone.now() - dt.timedelta(minutes=14)
    attempt.save()
    assert log_in(Client(), "secretary_a1", PASSWORD).status_code == 429

    attempt.attempt_time = timezone.now() - dt.timedelta(minutes=15, seconds=1)
    attempt.save()
    client = Client()
    assert log_in(client, "secretary_a1", PASSWORD).status_code == 302
    assert logged_in(client)


def test_tries_during_the_lockout_do_not_prolong_it(cast):
    fail(Client(), "secretary_a1", 5)
    attempt = AccessAttempt.objects.get(username="secretary_a1")
    attempt.attempt_time = timezone.now() - dt.timedelta(minutes=10)
    attempt.save()

    fail(Client(), "secretary_a1", 3)

    attempt.refresh_from_db()
    assert timezone.now() - attempt.attempt_time >= dt.timedelta(minutes=10)


def test_the_admin_login_page_is_locked_out_too(cast):
    client = Client()
    fail(client, "root", 5)

    response = log_in(client, "root", PASSWORD, path="/admin/login/?next=/admin/")

    assert response.status_code == 429
    assert lockout_title() in response.content.decode()
    assert not logged_in(client)


def test_a_superuser_unlocks_a_login_by_deleting_its_access_attempt(cast):
    fail(Client(), "secretary_a1", 5)
    admin = cast.client_for(cast.superuser)
    attempt = AccessAttempt.objects.get(username="secretary_a1")

    response = admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    client = Client()
    assert log_in(client, "secretary_a1", PASSWORD).status_code == 302
    assert logged_in(client)


def test_the_stored_attempt_never_holds_the_password(cast):
    fail(Client(), "secretary_a1", 2)
    attempt = AccessAttempt.objects.get(username="secretary_a1")
    assert WRONG not in attempt.post_data


def test_a_forged_username_longer_than_any_login_is_refused_without_a_server_error(cast):
    """The failed attempt is recorded under the username cut to 150 characters (the column
    holds 255: PostgreSQL refused the whole insert before)."""
    from axes.models import AccessAttempt

    response = Client().post("/accounts/login/", {"username": "x" * 10_000, "password": "y"})
    assert response.status_code == 200
    assert AccessAttempt.objects.get().username == "x" * 150
