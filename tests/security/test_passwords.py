"""Password rules, the forced change after an administrator sets a password, and the periodic
change (PASSWORD_MAX_AGE_DAYS)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone, translation

from portal.devtools.demo_data import DEMO_PASSWORD
from portal.security.validators import character_classes
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Spring-Harvest-2026"


def codes(password: str, user=None) -> set[str]:
    try:
        validate_password(password, user)
    except ValidationError as error:
        return {e.code for e in error.error_list}
    return set()


def log_in(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


def change_password(client: Client, old: str, new: str, next_url: str = ""):
    return client.post(
        "/accounts/password/",
        {"old_password": old, "new_password1": new, "new_password2": new, "next": next_url},
    )


# --- The rules ------------------------------------------------------------------------------


def test_a_password_shorter_than_12_characters_is_refused():
    assert "password_too_short" in codes("Ab3$efgh-jk")  # 11
    assert "password_too_short" not in codes("Ab3$efgh-jkl")  # 12


def test_a_common_password_is_refused():
    assert "password_too_common" in codes("password1234")


def test_a_password_like_the_username_is_refused(cast):
    assert "password_too_similar" in codes("Secretary_a1!", cast.secretary_a1)


def test_a_password_of_only_two_kinds_of_character_is_refused():
    assert "password_too_simple" in codes("harvestmoon2026")  # lower case and digits
    assert "password_too_simple" not in codes("Harvestmoon2026")  # + upper case
    assert "password_too_simple" not in codes("harvest-moon-2026")  # + symbols
    assert character_classes("春季丰收Harvest") == 3  # a Chinese character counts as a symbol


def test_the_demo_password_and_the_tests_password_pass_every_rule(cast):
    assert codes(DEMO_PASSWORD) == set()
    assert codes(PASSWORD, cast.secretary_a1) == set()


def test_the_complexity_rule_is_on_by_default_and_a_setting_turns_it_off():
    names = [v["NAME"] for v in django_settings.AUTH_PASSWORD_VALIDATORS]
    assert "portal.security.validators.CharacterClassValidator" in names

    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print([v['NAME'].rsplit('.', 1)[1] for v in settings.AUTH_PASSWORD_VALIDATORS])"
    )
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DEBUG": "1",
        "PASSWORD_REQUIRE_3_CLASSES": "0",
    }
    output = subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "-c", code],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "CharacterClassValidator" not in output
    assert "MinimumLengthValidator" in output


# --- Changing one's password ----------------------------------------------------------------


def test_the_password_page_refuses_a_weak_new_password_and_keeps_the_old_one(cast):
    client = cast.client_for(cast.secretary_a1)

    response = change_password(client, PASSWORD, "short1")

    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    cast.secretary_a1.refresh_from_db()
    assert cast.secretary_a1.check_password(PASSWORD)


def test_the_new_password_must_differ_from_the_current_one(cast):
    client = cast.client_for(cast.secretary_a1)

    response = change_password(client, PASSWORD, PASSWORD)

    assert response.status_code == 200
    assert "password_unchanged" in {
        e.code for e in response.context["form"].errors.as_data()["new_password2"]
    }


def test_a_user_changes_their_password_stays_logged_in_and_logs_in_with_it(cast):
    client = cast.client_for(cast.secretary_a1)

    response = change_password(client, PASSWORD, NEW_PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert log_in(Client(), "secretary_a1", NEW_PASSWORD).status_code == 302


# --- An administrator sets a password: changed at the next login -----------------------------


def admin_sets_password(cast, user, password: str = "Temp-Password-2026") -> str:  # noqa: S107
    admin = cast.client_for(cast.superuser)
    response = admin.post(
        f"/admin/auth/user/{user.pk}/password/",
        {"password1": password, "password2": password, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content
    return password


def test_after_an_admin_resets_a_password_every_page_leads_to_the_password_page(cast):
    temporary = admin_sets_password(cast, cast.secretary_a1)
    client = Client()

    assert log_in(client, "secretary_a1", temporary).status_code == 302
    for path in ("/", "/activities/", "/dashboard/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == f"/accounts/password/?next={path.replace('/', '%2F')}"

    page = client.get("/accounts/password/?next=/activities/")
    with translation.override("zh-hans"):
        reason = translation.gettext(
            "An administrator set your password. Choose your own before you go on."
        )
    assert reason in page.content.decode()

    response = change_password(client, temporary, NEW_PASSWORD, next_url="/activities/")
    assert response["Location"] == "/activities/"
    assert client.get("/activities/").status_code == 200


def test_after_changing_it_the_next_login_is_not_sent_to_the_password_page(cast):
    temporary = admin_sets_password(cast, cast.secretary_a1)
    first = Client()
    log_in(first, "secretary_a1", temporary)
    change_password(first, temporary, NEW_PASSWORD)

    later = Client()
    log_in(later, "secretary_a1", NEW_PASSWORD)
    assert later.get("/").status_code == 200


def test_a_user_who_must_change_their_password_can_still_log_out(cast):
    temporary = admin_sets_password(cast, cast.secretary_a1)
    client = Client()
    log_in(client, "secretary_a1", temporary)

    assert client.post("/accounts/logout/")["Location"] == "/accounts/login/"
    assert SESSION_KEY not in client.session


def test_a_login_added_by_an_admin_changes_its_password_at_the_first_login(cast):
    admin = cast.client_for(cast.superuser)
    response = admin.post(
        "/admin/auth/user/add/",
        {
            "username": "new_secretary",
            "password1": "First-Password-2026",
            "password2": "First-Password-2026",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content
    client = Client()

    log_in(client, "new_secretary", "First-Password-2026")

    assert client.get("/")["Location"].startswith("/accounts/password/")


# --- Periodic change ------------------------------------------------------------------------


def test_periodic_change_is_off_by_default(cast, settings):
    assert settings.PASSWORD_MAX_AGE_DAYS == 0
    get_user_model().objects.filter(pk=cast.secretary_a1.pk).update(
        date_joined=timezone.now() - dt.timedelta(days=3650)
    )
    client = Client()
    log_in(client, "secretary_a1", PASSWORD)
    assert client.get("/").status_code == 200


def test_a_password_older_than_the_maximum_age_must_be_changed_at_login(cast, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    users = get_user_model().objects
    users.filter(pk=cast.secretary_a1.pk).update(date_joined=timezone.now() - dt.timedelta(91))
    users.filter(pk=cast.secretary_a2.pk).update(date_joined=timezone.now() - dt.timedelta(89))

    old = Client()
    log_in(old, "secretary_a1", PASSWORD)
    assert old.get("/")["Location"].startswith("/accounts/password/")
    assert "90" in old.get("/accounts/password/").content.decode()
    fresh = Client()
    log_in(fresh, "secretary_a2", PASSWORD)
    assert fresh.get("/").status_code == 200

    change_password(old, PASSWORD, NEW_PASSWORD)
    again = Client()
    log_in(again, "secretary_a1", NEW_PASSWORD)
    assert again.get("/").status_code == 200
