"""A wrong current password on the password page counts as a failed login: the same limit, the
same lockout, an audit entry each time — a stolen session cannot guess its way to a new
password (nor through the admin's password page, which is now the portal's)."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django.utils import translation

from branches.models import AuditAction, AuditEntry
from tests import factories
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

IP = "10.9.8.7"
NEW = "Another-Password-2026!"


def change(client: Client, current: str):
    return client.post(
        reverse("password_change"),
        {"old_password": current, "new_password1": NEW, "new_password2": NEW},
        REMOTE_ADDR=IP,
    )


def logged_in_client(user) -> Client:
    client = Client()
    assert (
        client.post(
            reverse("login"), {"username": user.username, "password": PASSWORD}, REMOTE_ADDR=IP
        ).status_code
        == 302
    )
    return client


def zh(text: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(text)


def test_each_wrong_current_password_is_a_failed_login_in_the_audit_log(settings):
    user = factories.UserFactory(username="hz_secretary")
    client = logged_in_client(user)
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        response = change(client, "a-guess-1A!")
        assert response.status_code == 200
    assert SESSION_KEY in client.session
    failed = AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED, object_id=str(user.pk))
    assert failed.count() == settings.LOGIN_FAILURE_LIMIT - 1


def test_the_limit_of_wrong_current_passwords_ends_the_session_and_locks_the_login(settings):
    user = factories.UserFactory(username="hz_secretary")
    client = logged_in_client(user)
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        response = change(client, "a-guess-1A!")
    assert response.status_code == 429
    assert zh("Login locked") in response.content.decode()
    assert SESSION_KEY not in client.session
    assert AuditEntry.objects.filter(action=AuditAction.LOCKOUT, object_id=str(user.pk)).exists()
    # The right password no longer logs in from here, and the password was not changed.
    again = Client().post(
        reverse("login"), {"username": user.username, "password": PASSWORD}, REMOTE_ADDR=IP
    )
    assert again.status_code == 429
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_locked_login_cannot_change_its_password_even_with_the_right_one(settings):
    user = factories.UserFactory(username="hz_secretary")
    client = logged_in_client(user)
    for _ in range(settings.LOGIN_FAILURE_LIMIT):  # somebody else guessing at the login page
        Client().post(
            reverse("login"), {"username": user.username, "password": "x-1A!"}, REMOTE_ADDR=IP
        )
    response = change(client, PASSWORD)
    assert response.status_code == 429
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_the_right_current_password_still_changes_it():
    user = factories.UserFactory(username="hz_secretary")
    client = logged_in_client(user)
    assert change(client, "a-guess-1A!").status_code == 200
    response = change(client, PASSWORD)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW)


def test_the_admins_password_page_is_the_portals(cast):
    response = cast.client_for(cast.admin_a).get("/admin/password_change/")
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change")
