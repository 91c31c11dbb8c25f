"""Sessions: a new id at login, ended on the server at logout, after SESSION_IDLE_MINUTES
without a request and SESSION_MAX_HOURS after the login."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from portal.security.sessions import LOGIN_AT, SEEN_AT
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def log_in(client: Client, username: str = "secretary_a1") -> None:
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302


def session_key(client: Client) -> str:
    return client.cookies[django_settings.SESSION_COOKIE_NAME].value


def shift(client: Client, **minutes: int) -> None:
    """Move the session's login and last-request times back by that many minutes."""
    session = client.session
    for key, name in ((LOGIN_AT, "login"), (SEEN_AT, "seen")):
        session[key] -= minutes.get(name, 0) * 60
    session.save()


def test_the_limits_are_30_minutes_idle_and_12_hours_by_default(settings):
    assert settings.SESSION_IDLE_MINUTES == 30
    assert settings.SESSION_MAX_HOURS == 12


def test_logging_in_gives_the_session_a_new_id(cast):
    client = Client()
    before = client.session
    before["planted"] = "by somebody else"  # a session id an attacker could have planted
    before.save()
    planted = session_key(client)

    log_in(client)

    assert session_key(client) != planted
    assert not Session.objects.filter(session_key=planted).exists()
    assert Client(cookies={}).get("/").status_code == 302
    replay = Client()
    replay.cookies[django_settings.SESSION_COOKIE_NAME] = planted
    assert replay.get("/").status_code == 302


def test_logging_out_deletes_the_session_on_the_server(cast):
    client = Client()
    log_in(client)
    key = session_key(client)
    assert Session.objects.filter(session_key=key).exists()

    client.post("/accounts/logout/")

    assert not Session.objects.filter(session_key=key).exists()
    replay = Client()
    replay.cookies[django_settings.SESSION_COOKIE_NAME] = key
    response = replay.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_session_row_and_cookie_expire_after_the_idle_time(cast):
    client = Client()
    log_in(client)

    stored = Session.objects.get(session_key=session_key(client))
    assert stored.expire_date <= timezone.now() + dt.timedelta(minutes=30)
    assert stored.expire_date > timezone.now() + dt.timedelta(minutes=29)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == 30 * 60


def test_29_minutes_without_a_request_keep_the_session_and_move_its_deadline(cast):
    client = Client()
    log_in(client)
    shift(client, login=29, seen=29)

    assert client.get("/").status_code == 200

    stored = Session.objects.get(session_key=session_key(client))
    assert stored.expire_date > timezone.now() + dt.timedelta(minutes=29)
    assert timezone.now().timestamp() - client.session[SEEN_AT] < 5


def test_30_minutes_without_a_request_end_the_session_on_the_server(cast):
    client = Client()
    log_in(client)
    key = session_key(client)
    shift(client, login=30, seen=30)

    response = client.get("/activities/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/activities/"
    assert not Session.objects.filter(session_key=key).exists()
    assert SESSION_KEY not in client.session
    page = client.get(response["Location"]).content.decode()
    assert "30" in page  # "logged out after 30 minutes without activity"


def test_12_hours_after_the_login_the_session_ends_however_active(cast):
    client = Client()
    log_in(client)
    key = session_key(client)
    shift(client, login=12 * 60 - 1, seen=1)
    assert client.get("/").status_code == 200

    shift(client, login=1)
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Session.objects.filter(session_key=key).exists()


def test_the_last_minutes_before_12_hours_shorten_the_session_row(cast):
    client = Client()
    log_in(client)
    shift(client, login=12 * 60 - 10, seen=5)

    client.get("/")

    stored = Session.objects.get(session_key=session_key(client))
    assert stored.expire_date <= timezone.now() + dt.timedelta(minutes=10)
