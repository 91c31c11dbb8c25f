"""The sign-in's keys: a QR token and a six-digit code that change every minute, the door
poster's token, and the pass a phone gets once it has shown one of them.

* The **QR token** (``scan_token``) names its sheet, the minute it was made for and an HMAC of
  both under the sheet's secret. It is good for its minute and ``SIGNIN_TOKEN_GRACE_SECONDS``
  after (a phone that scanned at the minute's last second still gets in); a photo of the code
  forwarded to a group chat is stale by the time it is opened. Nothing is stored per token.
* The **short code** (``short_code``), six digits, the same for the minute: typed at ``/s/`` by
  whoever cannot scan. Six digits name no sheet: the typed code is compared with the codes of
  the sheets open at that moment (a handful), and guesses are rate-limited.
* The **poster token** (``poster_token``) does not change with the minute (paper cannot): it is
  good while the sheet accepts sign-ins, until the sheet is reopened (``poster_epoch``). The
  sign-ins it lets in say so (扫海报码).
* The **pass** (``make_pass``): scanning or typing leads to the sheet's page with a signed pass
  in the address, good for ``SIGNIN_PASS_MINUTES`` — time to log in or type a name — on that
  phone only (it names the phone's own cookie): a link to the page forwarded to a group chat
  opens nothing elsewhere.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from django.conf import settings
from django.core import signing
from django.utils.crypto import salted_hmac

from portal.signin.models import EntryMethod, SignInSheet

#: Seconds one QR token and one code are shown for.
WINDOW = 60
SIGNING_SALT = "portal.signin.pass"


def window_at(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // WINDOW)


def _mac(sheet: SignInSheet, purpose: str, window: int) -> bytes:
    value = f"{sheet.pk}:{sheet.secret}:{purpose}:{window}"
    return salted_hmac("portal.signin.tokens", value, algorithm="sha256").digest()


def _b32(data: bytes, length: int) -> str:
    return base64.b32encode(data).decode().rstrip("=").lower()[:length]


def scan_token(sheet: SignInSheet, window: int | None = None) -> str:
    """The QR code's token for ``window`` (now's by default)."""
    window = window_at() if window is None else window
    return f"{sheet.public_id}.{window:x}.{_b32(_mac(sheet, 'scan', window), 16)}"


def poster_token(sheet: SignInSheet) -> str:
    return f"{sheet.public_id}.p.{_b32(_mac(sheet, 'poster', sheet.poster_epoch), 16)}"


def short_code(sheet: SignInSheet, window: int | None = None) -> str:
    window = window_at() if window is None else window
    number = int.from_bytes(_mac(sheet, "code", window)[:8], "big") % 1_000_000
    return f"{number:06d}"


def accepted_windows(now: float | None = None) -> list[int]:
    """The minutes whose tokens and codes are still good: this one, and the last one during
    the grace period."""
    now = time.time() if now is None else now
    current = window_at(now)
    windows = [current]
    if now - current * WINDOW < settings.SIGNIN_TOKEN_GRACE_SECONDS:
        windows.append(current - 1)
    return windows


class TokenStale(Exception):
    """The token is the sheet's own but too old: scan the code at the venue again."""


def split_token(token: str) -> tuple[str, str, str] | None:
    """``public_id``, the minute (hex, or ``p`` for the poster) and the HMAC; None when the
    token is not even shaped like one."""
    parts = token.split(".")
    # ASCII only: hmac.compare_digest refuses to compare other text (a TypeError).
    if len(parts) != 3 or not all(parts) or len(token) > 64 or not token.isascii():
        return None
    return parts[0], parts[1], parts[2]


def check_token(sheet: SignInSheet, token: str, now: float | None = None) -> str:
    """How ``token`` (of ``sheet``, per ``split_token``) lets its holder in: ``EntryMethod.SCAN``
    or ``EntryMethod.POSTER``. Raises ``TokenStale`` for a genuine token past its minute and
    grace, ``ValueError`` for anything else."""
    parts = split_token(token)
    if parts is None or parts[0] != sheet.public_id:
        raise ValueError("not this sheet's token")
    _public_id, minute, mac = parts
    if minute == "p":
        if hmac.compare_digest(mac, _b32(_mac(sheet, "poster", sheet.poster_epoch), 16)):
            return EntryMethod.POSTER
        raise ValueError("forged poster token")
    try:
        window = int(minute, 16)
    except ValueError:
        raise ValueError("not a minute") from None
    if not hmac.compare_digest(mac, _b32(_mac(sheet, "scan", window), 16)):
        raise ValueError("forged token")
    if window in accepted_windows(now):
        return EntryMethod.SCAN
    raise TokenStale


def code_matches(sheet: SignInSheet, code: str, now: float | None = None) -> bool:
    return any(hmac.compare_digest(code, short_code(sheet, w)) for w in accepted_windows(now))


def device_tag(device: str) -> str:
    return hashlib.sha256(f"signin-pass:{device}".encode()).hexdigest()[:16]


def make_pass(sheet: SignInSheet, method: str, device: str) -> str:
    """The pass of the phone (its ``device`` cookie) that showed a good token or code, by
    ``method``: good on that phone only — a link to the page forwarded elsewhere opens
    nothing."""
    return signing.dumps(
        {"s": sheet.public_id, "m": method, "d": device_tag(device)},
        salt=SIGNING_SALT,
        compress=False,
    )


def read_pass(sheet: SignInSheet, value: str, device: str) -> str | None:
    """The method of a pass of ``sheet`` for the phone ``device`` still within
    ``SIGNIN_PASS_MINUTES``; None otherwise."""
    if not value or not device or len(value) > 200:
        return None
    try:
        data = signing.loads(value, salt=SIGNING_SALT, max_age=settings.SIGNIN_PASS_MINUTES * 60)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("s") != sheet.public_id:
        return None
    if not hmac.compare_digest(str(data.get("d", "")), device_tag(device)):
        return None
    method = data.get("m")
    return method if method in (EntryMethod.SCAN, EntryMethod.POSTER, EntryMethod.CODE) else None
