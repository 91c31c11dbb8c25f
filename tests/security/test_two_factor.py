"""The second factor (issue 6 point 2): a TOTP authenticator app that superusers and committee
admins must set up and give a code of after the password while TWO_FACTOR_REQUIRED is on,
with single-use recovery codes; anybody may set one up, and whoever has one is asked for it.

Codes are computed as the app computes them, from the device's secret (django-otp's own
tests do the same).
"""

from __future__ import annotations

import datetime as dt
import time
from base64 import b32encode
from urllib.parse import quote

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone, translation
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from branches.models import AuditAction, AuditEntry
from branches.services import committee_role_grant
from portal.security.sessions import SEEN_AT
from portal.security.two_factor import recovery_codes_left, recovery_codes_replace
from tests import factories
from tests.factories import PASSWORD
from tests.security.headers import inline_code, manage_in_production

pytestmark = pytest.mark.django_db

SETUP = "/accounts/two-factor/setup/"
VERIFY = "/accounts/two-factor/verify/"
ACCOUNT = "/accounts/two-factor/"
NEW_CODES = "/accounts/two-factor/recovery-codes/"


def zh(message: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(message)


WRONG_CODE = "That code is not right. Check the time on your phone and try the newest code."
THROTTLED = "Too many wrong codes. Wait %(seconds)d seconds, then try again with a new code."


def code_of(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The six digits the user's app shows now (or that many time steps later)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def wrong_code_for(device: TOTPDevice) -> str:
    """Six digits that none of the codes currently accepted (now, or a step either side) is."""
    accepted = {code_of(device, steps_ahead=s) for s in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in accepted)


def log_in(client: Client, username: str) -> None:
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content


def enrol(user) -> tuple[TOTPDevice, list[str]]:
    """An authenticator app set up and confirmed, and its recovery codes."""
    device = TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=True)
    return device, recovery_codes_replace(user=user)


def redirected_to(response, path: str, next_url: str) -> bool:
    return response.status_code == 302 and response["Location"] == (
        f"{path}?next={quote(next_url, safe='')}"
    )


@pytest.fixture
def required(settings):
    settings.TWO_FACTOR_REQUIRED = True


# --- The setting ------------------------------------------------------------------------------


def test_it_is_required_by_default_in_production_and_the_example_turns_it_on(settings):
    script = "from django.conf import settings; print(settings.TWO_FACTOR_REQUIRED)"
    result = manage_in_production("shell", "-c", script)
    assert result.stdout.strip().splitlines()[-1] == "True", result.stderr
    assert settings.TWO_FACTOR_REQUIRED is False  # the tests run with DEBUG=1, like make run
    example = (settings.BASE_DIR / ".env.example").read_text()
    assert "\n#TWO_FACTOR_REQUIRED=1\n" in example


# --- Who must set it up -----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin_a", "superuser"])
def test_a_committee_admin_or_superuser_without_it_is_sent_to_set_it_up_from_every_page(
    cast, required, who
):
    client = Client()
    log_in(client, getattr(cast, who).username)

    for path in ("/", "/activities/", "/admin/", "/admin/branches/member/", ACCOUNT, VERIFY):
        assert redirected_to(client.get(path), SETUP, path), path
    page = client.get(f"{SETUP}?next=/activities/")
    assert page.status_code == 200
    lead = zh(
        "Administrators give a code from their phone after the password. Set it up once "
        "before you go on."
    )
    assert lead in page.content.decode()
    # Logging out and the language switch still work.
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302
    assert client.post("/accounts/logout/")["Location"] == "/accounts/login/"


def test_the_setup_page_shows_the_secret_and_a_qr_code_the_csp_allows(cast, required):
    client = Client()
    log_in(client, "admin_a")

    html = client.get(SETUP).content.decode()

    device = TOTPDevice.objects.get(user=cast.admin_a, confirmed=False)

    secret = b32encode(device.bin_key).decode()
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in html
    assert '<svg viewBox="0 0 ' in html
    assert 'class="qr-code"' in html
    assert inline_code(html) == []  # no style=, no inline script
    assert f"issuer={quote('党建联建平台')}" in device.config_url
    # The same secret on a second visit, until a code confirms it.
    client.get(SETUP)
    assert TOTPDevice.objects.filter(user=cast.admin_a).count() == 1


def test_a_wrong_code_at_setup_is_refused_in_chinese_and_turns_nothing_on(cast, required):
    client = Client()
    log_in(client, "admin_a")
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=cast.admin_a)

    response = client.post(SETUP, {"code": wrong_code_for(device), "next": "/"})

    assert response.status_code == 200
    assert zh(WRONG_CODE) in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed is False
    assert not StaticDevice.objects.filter(user=cast.admin_a).exists()
    assert redirected_to(client.get("/"), SETUP, "/")


def test_the_right_code_turns_it_on_shows_ten_recovery_codes_once_and_opens_the_portal(
    cast, required
):
    client = Client()
    log_in(client, "admin_a")
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=cast.admin_a)

    response = client.post(SETUP, {"code": code_of(device), "next": "/activities/"})

    assert response.status_code == 200
    assert response.context["codes"] == [
        f"{t[:4]}-{t[4:]}"
        for t in StaticToken.objects.filter(device__user=cast.admin_a).values_list(
            "token", flat=True
        )
    ]
    assert len(response.context["codes"]) == 10
    html = response.content.decode()
    assert all(code in html for code in response.context["codes"])
    assert zh("Save them now: they are shown only this once.") in html
    assert 'href="/activities/"' in html  # "I have saved them, continue"
    device.refresh_from_db()
    assert device.confirmed is True
    assert client.get("/activities/").status_code == 200
    assert client.get("/admin/").status_code == 200
    # Shown once: the setup page now sends the user on, with no codes.
    again = client.get(SETUP)
    assert again.status_code == 302
    assert again["Location"] == ACCOUNT


# --- Giving a code at login -------------------------------------------------------------------


def test_a_user_with_it_gives_a_code_after_the_password_before_any_page_or_the_admin(
    cast, required
):
    device, _codes = enrol(cast.admin_a)
    client = Client()
    log_in(client, "admin_a")

    for path in ("/", "/admin/", ACCOUNT, SETUP):
        assert redirected_to(client.get(path), VERIFY, path), path
    response = client.post(VERIFY, {"code": code_of(device), "next": "/admin/"})

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/").status_code == 200
    assert client.get("/admin/").status_code == 200


def test_giving_the_code_gives_the_session_a_new_id(cast, required):
    device, _codes = enrol(cast.admin_a)
    client = Client()
    log_in(client, "admin_a")
    after_password = client.cookies["sessionid"].value

    client.post(VERIFY, {"code": code_of(device)})

    assert client.cookies["sessionid"].value != after_password
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("verified", [False, True])
def test_a_login_deactivated_during_its_session_is_logged_out_not_a_server_error(
    cast, required, verified
):
    device, _codes = enrol(cast.admin_a)
    client = Client()
    client.raise_request_exception = False
    log_in(client, "admin_a")
    if verified:
        client.post(VERIFY, {"code": code_of(device)})
    cast.admin_a.is_active = False
    cast.admin_a.save()

    home = client.get("/")
    assert (home.status_code, home["Location"]) == (302, "/accounts/login/?next=/")
    assert client.post("/accounts/logout/").status_code == 302
    login_page = client.get("/accounts/login/")
    assert login_page.status_code == 200
    assert 'name="password"' in login_page.content.decode()


def test_a_wrong_code_is_refused_and_repeated_wrong_codes_make_even_the_right_one_wait(
    cast, required
):
    device, _codes = enrol(cast.admin_a)
    client = Client()
    log_in(client, "admin_a")

    response = client.post(VERIFY, {"code": wrong_code_for(device), "next": "/"})
    assert response.status_code == 200
    assert zh(WRONG_CODE) in response.content.decode()
    # Straight after a wrong code, not even the right one is checked.
    response = client.post(VERIFY, {"code": code_of(device), "next": "/"})
    assert response.status_code == 200
    throttled = zh(THROTTLED)
    assert throttled % {"seconds": 1} in response.content.decode()

    # Guessing as fast as the throttle lets: each wrong code doubles the wait.
    for _ in range(9):
        TOTPDevice.objects.filter(pk=device.pk).update(
            throttling_failure_timestamp=timezone.now() - dt.timedelta(days=1)
        )
        client.post(VERIFY, {"code": wrong_code_for(device), "next": "/"})
    device.refresh_from_db()
    assert device.throttling_failure_count == 10

    response = client.post(VERIFY, {"code": code_of(device), "next": "/"})
    assert throttled % {"seconds": 512} in response.content.decode()
    assert redirected_to(client.get("/"), VERIFY, "/")
    # Another session (an attacker's second browser) waits just the same.
    other = Client()
    log_in(other, "admin_a")
    response = other.post(VERIFY, {"code": code_of(device), "next": "/"})
    assert throttled % {"seconds": 512} in response.content.decode()


def test_a_recovery_code_stands_in_for_the_code_once_and_not_twice(cast, required):
    _device, codes = enrol(cast.admin_a)
    client = Client()
    log_in(client, "admin_a")

    response = client.post(VERIFY, {"code": codes[3].upper(), "next": "/"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert recovery_codes_left(cast.admin_a) == 9

    client.post("/accounts/logout/")
    log_in(client, "admin_a")
    response = client.post(VERIFY, {"code": codes[3], "next": "/"})
    assert response.status_code == 200
    assert zh(WRONG_CODE) in response.content.decode()
    assert redirected_to(client.get("/"), VERIFY, "/")


def test_every_password_login_asks_for_the_code_again(cast, required):
    device, _codes = enrol(cast.admin_a)
    client = Client()
    log_in(client, "admin_a")
    client.post(VERIFY, {"code": code_of(device), "next": "/"})
    assert client.get("/").status_code == 200

    # Logged in again in the same session (the login pages send a logged-in user on, so a
    # direct login() stands for it): the session's earlier code does not count.
    client.force_login(cast.admin_a)

    assert redirected_to(client.get("/"), VERIFY, "/")


def test_a_next_url_to_another_site_is_refused(cast, required):
    device, _codes = enrol(cast.admin_a)
    client = Client()
    log_in(client, "admin_a")

    response = client.post(VERIFY, {"code": code_of(device), "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == "/"

    client.get(SETUP, {"next": "//evil.example/"})  # already set up: sent on, not away
    assert client.get(SETUP, {"next": "//evil.example/"})["Location"] == ACCOUNT

    setup_client = Client()
    log_in(setup_client, cast.superuser.username)
    setup_client.get(SETUP)
    pending = TOTPDevice.objects.get(user=cast.superuser)
    response = setup_client.post(SETUP, {"code": code_of(pending), "next": "//evil.example/x"})
    assert response.status_code == 200
    assert response.context["next"] == "/"
    assert "evil.example" not in response.content.decode()


# --- Who is not forced ------------------------------------------------------------------------


def test_a_branch_secretary_is_not_asked_but_may_set_it_up_and_is_then_asked(cast, required):
    client = Client()
    log_in(client, "secretary_a1")
    assert client.get("/").status_code == 200
    account = client.get(ACCOUNT)
    assert account.status_code == 200
    assert f'href="{SETUP}?next={ACCOUNT}"' in account.content.decode()

    client.get(SETUP)
    device = TOTPDevice.objects.get(user=cast.secretary_a1)
    response = client.post(SETUP, {"code": code_of(device), "next": ACCOUNT})
    assert len(response.context["codes"]) == 10
    assert client.get(ACCOUNT).status_code == 200

    client.post("/accounts/logout/")
    log_in(client, "secretary_a1")
    assert redirected_to(client.get("/"), VERIFY, "/")


def test_with_the_setting_off_a_committee_admin_is_not_asked(cast, settings):
    settings.TWO_FACTOR_REQUIRED = False
    client = Client()
    log_in(client, "admin_a")

    assert client.get("/").status_code == 200
    assert client.get("/admin/").status_code == 200


def test_a_committee_admin_role_granted_during_a_session_asks_for_the_setup_at_once(cast, required):
    client = Client()
    log_in(client, "secretary_a2")
    assert client.get("/").status_code == 200

    committee_role_grant(user=cast.secretary_a2, committee=cast.committee_a, role="admin")

    assert redirected_to(client.get("/"), SETUP, "/")
    assert redirected_to(client.get("/admin/"), SETUP, "/admin/")


def test_whoever_has_it_is_asked_even_with_the_setting_off(cast, settings):
    settings.TWO_FACTOR_REQUIRED = False
    enrol(cast.secretary_a1)
    client = Client()
    log_in(client, "secretary_a1")

    assert redirected_to(client.get("/"), VERIFY, "/")


# --- The order against the forced password change, sessions ----------------------------------


def admin_sets_password(cast, user, password: str = "Temp-Password-2026") -> str:  # noqa: S107
    admin = cast.client_for(cast.superuser)  # the setting is off while the admin acts
    response = admin.post(
        f"/admin/auth/user/{user.pk}/password/",
        {"password1": password, "password2": password, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content
    return password


def test_the_code_comes_before_a_forced_password_change(cast, settings):
    device, _codes = enrol(cast.admin_a)
    temporary = admin_sets_password(cast, cast.admin_a)
    settings.TWO_FACTOR_REQUIRED = True
    client = Client()
    client.post("/accounts/login/", {"username": "admin_a", "password": temporary})

    assert client.get("/", follow=True).redirect_chain[-1][0].startswith(VERIFY)
    assert redirected_to(client.get("/accounts/password/"), VERIFY, "/accounts/password/")

    client.post(VERIFY, {"code": code_of(device), "next": "/"})
    assert redirected_to(client.get("/"), "/accounts/password/", "/")


def test_without_a_change_due_the_password_page_waits_for_the_setup(cast, required):
    client = Client()
    log_in(client, "admin_a")
    assert redirected_to(client.get("/accounts/password/"), SETUP, "/accounts/password/")
    response = client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Another-Pass-2026",
            "new_password2": "Another-Pass-2026",
        },
    )
    assert response.status_code == 302
    cast.admin_a.refresh_from_db()
    assert cast.admin_a.check_password(PASSWORD)  # unchanged


def test_a_forced_password_change_comes_before_setting_it_up(cast, settings):
    temporary = admin_sets_password(cast, cast.admin_a)
    settings.TWO_FACTOR_REQUIRED = True
    client = Client()
    client.post("/accounts/login/", {"username": "admin_a", "password": temporary})

    final = client.get("/", follow=True)
    assert final.request["PATH_INFO"] == "/accounts/password/"
    new = "Brand-New-Password-2026"
    response = client.post(
        "/accounts/password/",
        {
            "old_password": temporary,
            "new_password1": new,
            "new_password2": new,
            "next": "/",
        },
    )
    assert response["Location"] == "/"
    assert redirected_to(client.get("/"), SETUP, "/")


def test_giving_the_code_does_not_lift_the_idle_limit_and_logout_ends_it(cast, required):
    device, _codes = enrol(cast.admin_a)
    client = Client()
    log_in(client, "admin_a")
    client.post(VERIFY, {"code": code_of(device), "next": "/"})
    session = client.session
    session[SEEN_AT] -= 31 * 60
    session.save()

    assert client.get("/")["Location"].startswith("/accounts/login/")

    log_in(client, "admin_a")
    client.post(VERIFY, {"code": code_of(device, steps_ahead=1), "next": "/"})
    assert client.get("/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/")["Location"].startswith("/accounts/login/")


# --- The account page and new recovery codes -------------------------------------------------


def verified_client(cast, user) -> tuple[Client, TOTPDevice, list[str]]:
    device, codes = enrol(user)
    client = Client()
    log_in(client, user.username)
    client.post(VERIFY, {"code": code_of(device), "next": "/"})
    return client, device, codes


def test_the_account_page_shows_how_many_recovery_codes_are_left(cast, required):
    client, _device, codes = verified_client(cast, cast.admin_a)
    StaticToken.objects.filter(token=codes[0].replace("-", "")).delete()

    html = client.get(ACCOUNT).content.decode()

    with translation.override("zh-hans"):
        left = translation.ngettext(
            "%(left)s recovery code left.", "%(left)s recovery codes left.", 9
        ) % {"left": 9}
    assert left in html


def test_new_recovery_codes_need_the_password_or_a_current_code_and_void_the_old_ones(
    cast, required
):
    client, device, old = verified_client(cast, cast.admin_a)

    refused = client.post(NEW_CODES, {"confirmation": "not-the-password-1A"})
    assert refused.status_code == 200
    assert zh("Neither your password nor a current code.") in refused.content.decode()
    assert recovery_codes_left(cast.admin_a) == 10
    assert StaticToken.objects.filter(token=old[0].replace("-", "")).exists()

    # Straight after a wrong password, even the right one waits (the authenticator's throttle).
    throttled = client.post(NEW_CODES, {"confirmation": PASSWORD})
    assert "codes" not in throttled.context
    assert zh(THROTTLED).split("%")[0] in throttled.content.decode()
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - dt.timedelta(minutes=1)
    )

    response = client.post(NEW_CODES, {"confirmation": PASSWORD})
    new = response.context["codes"]
    assert len(new) == 10
    assert not set(new) & set(old)
    assert response.context["next"] == ACCOUNT

    with_code = client.post(NEW_CODES, {"confirmation": code_of(device, steps_ahead=1)})
    assert len(with_code.context["codes"]) == 10

    other = Client()
    log_in(other, "admin_a")
    assert other.post(VERIFY, {"code": new[0], "next": "/"}).status_code == 200  # voided too
    StaticDevice.objects.filter(user=cast.admin_a).update(  # the second's wait after a miss
        throttling_failure_timestamp=timezone.now() - dt.timedelta(minutes=1)
    )
    assert other.post(VERIFY, {"code": with_code.context["codes"][0]}).status_code == 302


def test_new_recovery_codes_are_a_post_of_a_login_that_has_it(cast):
    client = cast.client_for(cast.secretary_a1)
    assert client.get(NEW_CODES).status_code == 405
    response = client.post(NEW_CODES, {"confirmation": PASSWORD})
    assert response["Location"] == ACCOUNT
    assert not StaticDevice.objects.exists()


# --- Resetting it in the admin ------------------------------------------------------------------


def reset_action(client: Client, user, *, confirmed: bool):
    data = {"action": "two_factor_reset_selected", "_selected_action": [user.pk]}
    if confirmed:
        data["post"] = "yes"
    return client.post("/admin/auth/user/", data)


def test_a_superuser_resets_another_logins_second_factor_after_a_confirmation(cast, settings):
    settings.TWO_FACTOR_REQUIRED = True
    victim, _device, _codes = verified_client(cast, cast.admin_a)
    root, _root_device, _ = verified_client(cast, cast.superuser)

    confirm = reset_action(root, cast.admin_a, confirmed=False)
    assert confirm.status_code == 200
    assert "admin_a" in confirm.content.decode()
    assert TOTPDevice.objects.filter(user=cast.admin_a).exists()

    done = reset_action(root, cast.admin_a, confirmed=True)

    assert done.status_code == 302
    assert not TOTPDevice.objects.filter(user=cast.admin_a).exists()
    assert not StaticDevice.objects.filter(user=cast.admin_a).exists()
    assert TOTPDevice.objects.filter(user=cast.superuser).exists()
    # The session that had given a code is asked to set it up again at once.
    assert redirected_to(victim.get("/"), SETUP, "/")
    changelist = root.get("/admin/auth/user/").content.decode()
    assert "has_two_factor" in changelist


def test_a_reset_while_the_code_is_asked_sends_the_login_to_set_it_up_again(cast, required):
    enrol(cast.admin_a)
    client = Client()
    log_in(client, "admin_a")
    assert redirected_to(client.get("/"), VERIFY, "/")

    root, _device, _codes = verified_client(cast, cast.superuser)
    reset_action(root, cast.admin_a, confirmed=True)

    assert redirected_to(client.get("/"), SETUP, "/")
    assert client.get(VERIFY)["Location"].startswith(SETUP)


@pytest.mark.parametrize("outsider", ["admin_a", "secretary_a1", "auth_staff"])
def test_nobody_but_a_superuser_resets_a_second_factor(cast, outsider):
    enrol(cast.admin_b)
    if outsider == "auth_staff":  # staff with every permission on logins, yet no superuser
        user = factories.UserFactory(username="auth_staff", is_staff=True)
        user.user_permissions.set(Permission.objects.filter(content_type__app_label="auth"))
    else:
        user = getattr(cast, outsider)
    client = cast.client_for(user)

    response = reset_action(client, cast.admin_b, confirmed=True)

    assert response.status_code in (302, 403)
    assert TOTPDevice.objects.filter(user=cast.admin_b).exists()
    assert StaticDevice.objects.filter(user=cast.admin_b).exists()
    if outsider == "auth_staff":  # sees the logins, but is not offered the action
        changelist = client.get("/admin/auth/user/")
        assert changelist.status_code == 200
        assert "two_factor_reset_selected" not in changelist.content.decode()


def test_django_otps_device_admin_pages_with_the_secrets_are_not_there(cast):
    client = cast.client_for(cast.superuser)
    enrol(cast.admin_a)
    for path in ("/admin/otp_totp/totpdevice/", "/admin/otp_static/staticdevice/"):
        assert client.get(path).status_code == 404, path
    assert "otp_totp" not in client.get("/admin/").content.decode()


# --- The audit log ------------------------------------------------------------------------------


def audit_entries(action: AuditAction) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("pk"))


def test_setting_it_up_refused_codes_recovery_codes_and_resets_go_into_the_audit_log(
    cast, required
):
    client = Client()
    log_in(client, "admin_a")
    client.get(SETUP)
    pending = TOTPDevice.objects.get(user=cast.admin_a)
    client.post(SETUP, {"code": code_of(pending), "next": "/"})
    (enrolled,) = audit_entries(AuditAction.TWO_FACTOR_ENROLLED)
    assert (enrolled.user, enrolled.object_id) == (cast.admin_a, str(cast.admin_a.pk))
    assert enrolled.committee == cast.committee_a  # its admins read it

    other = Client()
    log_in(other, "admin_a")
    other.post(VERIFY, {"code": wrong_code_for(pending), "next": "/"}, REMOTE_ADDR="10.6.6.6")
    (refused,) = audit_entries(AuditAction.TWO_FACTOR_FAILED)
    assert (refused.user, refused.ip_address, refused.detail) == (
        cast.admin_a,
        "10.6.6.6",
        "login",
    )

    TOTPDevice.objects.filter(user=cast.admin_a).update(throttling_failure_timestamp=None)
    codes = client.post(NEW_CODES, {"confirmation": PASSWORD}).context["codes"]
    assert len(audit_entries(AuditAction.RECOVERY_CODES_NEW)) == 1
    StaticDevice.objects.filter(user=cast.admin_a).update(throttling_failure_timestamp=None)
    other.post(VERIFY, {"code": codes[0], "next": "/"})
    (used,) = audit_entries(AuditAction.RECOVERY_CODE_USED)
    assert (used.user, used.detail) == (cast.admin_a, "left 9")
    assert codes[0] not in used.detail
    with translation.override("zh-hans"):
        assert used.detail_display() == "剩余恢复码 9"
        assert refused.detail_display() == "登录时"

    root, _device, _codes = verified_client(cast, cast.superuser)
    reset_action(root, cast.admin_a, confirmed=True)
    (reset,) = audit_entries(AuditAction.TWO_FACTOR_RESET)
    assert (reset.user, reset.object_id) == (cast.superuser, str(cast.admin_a.pk))
    assert reset.committee == cast.committee_a
