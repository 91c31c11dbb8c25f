"""The second factor: a TOTP authenticator app (django-otp), with single-use recovery codes.

Who must have one: superusers and current committee admins (``branches.access``), while
``TWO_FACTOR_REQUIRED`` is on. Anybody else may set one up, and whoever has one gives a code
after the password at every login.

What a logged-in session still owes is decided at the login and kept in the session, like the
forced password change (``TwoFactorState``): pages then cost no query for the many users with
nothing to prove. A session that proved its second factor checks each request that its device
still exists (django-otp's ``OTPMiddleware`` loads it): when a superuser resets the factor, the
session is asked again at once.

Every change and every refused code goes into the audit log (``two_factor_audit``).

Wrong codes are throttled per device by django-otp (``OTP_TOTP_THROTTLE_FACTOR``): after n
failures in a row the next code is not even checked for 2^(n-1) seconds, in every session.
"""

from __future__ import annotations

import math
from base64 import b32encode
from dataclasses import dataclass
from enum import StrEnum

import django_otp
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from branches.access import scope_for
from branches.models import AuditAction
from portal.audit.receivers import two_factor_audit
from portal.core import qr

#: What this session still owes (a ``TwoFactorState`` value).
TWO_FACTOR = "security:two_factor"
#: The names the devices get (the user never sees them).
AUTHENTICATOR = "authenticator app"
RECOVERY_CODES = "recovery codes"


class TwoFactorState(StrEnum):
    NONE = "none"  # nothing asked of this login
    VERIFY = "verify"  # has an authenticator: must give a code before going on
    SETUP = "setup"  # must set an authenticator up before going on
    VERIFIED = "verified"  # gave a code (or set an authenticator up) in this session

    @classmethod
    def of(cls, value: object) -> TwoFactorState | None:
        try:
            return cls(value)
        except ValueError:
            return None


@dataclass(frozen=True)
class Verification:
    """The answer to a code: the device that accepted it, or None; when the device refuses
    any code for now (too many wrong ones), how many seconds are left."""

    device: Device | None = None
    retry_in_seconds: int = 0

    @property
    def throttled(self) -> bool:
        return self.retry_in_seconds > 0

    def refusal(self) -> str:
        """Why the code was refused, for the form."""
        if self.throttled:
            return _(
                "Too many wrong codes. Wait %(seconds)d seconds, then try again with a new code."
            ) % {"seconds": self.retry_in_seconds}
        return _("That code is not right. Check the time on your phone and try the newest code.")


# --- Reading --------------------------------------------------------------------------------


def two_factor_required(user: AbstractBaseUser) -> bool:
    """Whether ``user`` must have a second factor: a superuser or a current committee admin,
    while the setting asks for it."""
    return settings.TWO_FACTOR_REQUIRED and scope_for(user).is_committee_admin


def authenticator_of(user: AbstractBaseUser) -> TOTPDevice | None:
    """The user's confirmed authenticator app, or None."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


def recovery_codes_left(user: AbstractBaseUser) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def two_factor_state(user: AbstractBaseUser) -> TwoFactorState:
    """What a session of ``user`` that has not given a code owes."""
    if authenticator_of(user) is not None:
        return TwoFactorState.VERIFY
    if two_factor_required(user):
        return TwoFactorState.SETUP
    return TwoFactorState.NONE


def session_two_factor_state(request: HttpRequest) -> TwoFactorState:
    """What the logged-in session of ``request`` owes now."""
    session = request.session
    state = TwoFactorState.of(session.get(TWO_FACTOR))
    verified = getattr(request.user, "is_verified", None)
    # Logged in before this was deployed, its authenticator was reset since, or it became a
    # committee admin during the session (the scope is the request's own, cached: most pages
    # compute it anyway; with the setting off nothing is read).
    stale = (
        state is None
        or (state is TwoFactorState.VERIFIED and not (verified and verified()))
        or (state is TwoFactorState.VERIFY and authenticator_of(request.user) is None)
        or (state is TwoFactorState.NONE and two_factor_required(request.user))
    )
    if stale:
        state = two_factor_state(request.user)
        session[TWO_FACTOR] = state.value
    return state


def secret_groups(device: TOTPDevice) -> str:
    """The secret as typed into an app by hand: base32 in groups of four."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_svg(device: TOTPDevice) -> SafeString:
    """The otpauth:// URI as an inline SVG QR code (``portal.core.qr``): the username is only in
    the modules' pattern, never in text."""
    return qr.qr_code_svg(device.config_url, title=_("QR code for your authenticator app"))


def recovery_code_display(token: str) -> str:
    """A recovery code as shown: two groups of four (``abcd-efgh``)."""
    return f"{token[:4]}-{token[4:]}"


def _normalised(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _is_app_code(code: str) -> bool:
    # ASCII digits only: "²" passes isdigit(), and int() reads other scripts' digits.
    return code.isascii() and code.isdecimal() and len(code) == 6


# --- Writing --------------------------------------------------------------------------------


def two_factor_begin(
    sender: object, request: HttpRequest, user: AbstractBaseUser, **kwargs: object
) -> None:
    """At every login (``user_logged_in``): the second factor is asked again, whatever the
    session proved before."""
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    request.session[TWO_FACTOR] = two_factor_state(user).value


def _login(request: HttpRequest, device: Device) -> None:
    # A new session id for the session that proved both factors, as at the password step.
    request.session.cycle_key()
    django_otp.login(request, device)  # the device's id goes into the session
    request.session[TWO_FACTOR] = TwoFactorState.VERIFIED.value


def _check(model: type[Device], pk: int, code: str) -> Verification:
    """Check ``code`` against one device, locked for the check so that two requests racing
    cannot both pass a throttle or both use one recovery code."""
    with transaction.atomic():
        device = model.objects.select_for_update().filter(pk=pk).first()
        if device is None:
            return Verification()
        allowed, why = device.verify_is_allowed()
        if not allowed:
            return _throttled(why)
        return Verification(device=device if device.verify_token(code) else None)


def _throttled(why: dict | None) -> Verification:
    left = (why or {}).get("locked_until", timezone.now()) - timezone.now()
    return Verification(retry_in_seconds=max(1, math.ceil(left.total_seconds())))


def authenticator_pending(*, user: AbstractBaseUser) -> TOTPDevice:
    """The authenticator being set up: the same secret on every visit of the setup page until
    a code confirms it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR, confirmed=False)
    return device


def authenticator_confirm(
    *, request: HttpRequest, device: TOTPDevice, code: str
) -> tuple[Verification, list[str]]:
    """Confirm the pending ``device`` with a code from the app. Right: the device is the
    user's authenticator (any other goes), the session has given its second factor, and new
    recovery codes are returned to be shown once."""
    code = _normalised(code)
    verification = _check(TOTPDevice, device.pk, code) if _is_app_code(code) else Verification()
    if verification.device is None:
        _refused(request, verification, "setup")
        return verification, []
    with transaction.atomic():
        confirmed = verification.device
        confirmed.confirmed = True
        confirmed.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=confirmed.user).exclude(pk=confirmed.pk).delete()
        codes = recovery_codes_replace(user=confirmed.user)
        two_factor_audit(
            action=AuditAction.TWO_FACTOR_ENROLLED, user=confirmed.user, request=request
        )
    _login(request, confirmed)
    return verification, codes


def _refused(request: HttpRequest, verification: Verification, where: str) -> None:
    # Read in the reader's language on the audit page (branches.models.AUDIT_DETAIL_WORDS).
    detail = (
        f"{where} throttled {verification.retry_in_seconds} s" if verification.throttled else where
    )
    two_factor_audit(
        action=AuditAction.TWO_FACTOR_FAILED, user=request.user, request=request, detail=detail
    )


def two_factor_verify(*, request: HttpRequest, code: str) -> Verification:
    """The second step of a login: a code of the user's app, or one of their recovery codes
    (used up by it)."""
    code = _normalised(code)
    user = request.user
    if _is_app_code(code):
        device = authenticator_of(user)
        model: type[Device] = TOTPDevice
    else:
        device = StaticDevice.objects.filter(user=user, confirmed=True).first()
        model = StaticDevice
    if device is None or not code or len(code) > 16:
        verification = Verification()
    else:
        verification = _check(model, device.pk, code)
    if verification.device is None:
        _refused(request, verification, "login")
        return verification
    _login(request, verification.device)
    if model is StaticDevice:
        two_factor_audit(
            action=AuditAction.RECOVERY_CODE_USED,
            user=user,
            request=request,
            detail=f"left {recovery_codes_left(user)}",
        )
    return verification


def recovery_codes_replace(*, user: AbstractBaseUser) -> list[str]:
    """A new set of recovery codes for ``user``; the old ones stop working."""
    with transaction.atomic():
        device, _created = StaticDevice.objects.get_or_create(
            user=user, name=RECOVERY_CODES, defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(settings.TWO_FACTOR_RECOVERY_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return [recovery_code_display(c) for c in codes]


def recovery_codes_renew(
    *, request: HttpRequest, confirmation: str
) -> tuple[Verification, list[str]]:
    """New recovery codes for the user of ``request``, once ``confirmation`` (their password
    or a current code) confirms it is them."""
    user = request.user
    verification = password_or_code_confirms(user=user, value=confirmation)
    if verification.device is None:
        _refused(request, verification, "new recovery codes")
        return verification, []
    codes = recovery_codes_replace(user=user)
    two_factor_audit(action=AuditAction.RECOVERY_CODES_NEW, user=user, request=request)
    return verification, codes


def password_or_code_confirms(*, user: AbstractBaseUser, value: str) -> Verification:
    """Whether ``value`` — the user's password, or a current code of their app — confirms a
    sensitive change by the person at the keyboard. (A password is never six digits only.)"""
    device = authenticator_of(user)
    if device is None:
        return Verification()
    code = _normalised(value)
    if _is_app_code(code):
        return _check(TOTPDevice, device.pk, code)
    # A wrong password counts against the authenticator's throttle like a wrong code: the
    # page must not become a way to guess the password without django-axes' lockout.
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        allowed, why = device.verify_is_allowed()
        if not allowed:
            return _throttled(why)
        if user.check_password(value):
            return Verification(device=device)
        device.throttle_increment()
    return Verification()


def two_factor_reset(
    *, user: AbstractBaseUser, by: AbstractBaseUser, request: HttpRequest | None = None
) -> None:
    """Take ``user``'s authenticator and recovery codes away (a lost phone): they set up a new
    one at their next page if they must have one, and their sessions that gave a code are
    asked again."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        two_factor_audit(action=AuditAction.TWO_FACTOR_RESET, user=user, by=by, request=request)
