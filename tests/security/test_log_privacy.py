"""Application logs never contain passwords or members' phone numbers (PIPL, issue 6 point 4).

The logs are read as the configured console handler writes them, at DEBUG level and with SQL
logging on: the most a production operator could turn on.
"""

from __future__ import annotations

import logging

import pytest
from django.db import connection
from django.test import Client

from portal.core.logs import mask_email_addresses, mask_phone_numbers
from tests.conftest import Cast
from tests.security.server_log import server_log

WRONG_PASSWORD = "Wr0ng-Secret-Passw0rd!"


@pytest.fixture
def sql_logged():
    """Django logs every SQL statement with its parameters (django.db.backends, DEBUG)."""
    previous = connection.force_debug_cursor
    connection.force_debug_cursor = True
    try:
        yield
    finally:
        connection.force_debug_cursor = previous


def test_failed_login_and_phone_reveal_leave_no_password_or_phone_in_the_logs(
    cast: Cast, sql_logged
):
    cast.member_a1.refresh_from_db()
    phone = cast.member_a1.phone

    with server_log(logging.DEBUG) as log:
        refused = Client().post(
            "/accounts/login/", {"username": "admin_a", "password": WRONG_PASSWORD}
        )
        revealed = cast.client_for(cast.admin_a).post(
            f"/branches/members/{cast.member_a1.pk}/phone/"
        )

    assert refused.status_code == 200  # the form again, with its error
    assert revealed.status_code == 200
    assert phone in revealed.content.decode()  # the reveal did happen...
    lines = log.getvalue()
    assert "django.db.backends" in lines  # ... and SQL was being logged meanwhile
    assert WRONG_PASSWORD not in lines
    assert phone not in lines


def test_a_phone_number_written_to_the_log_is_masked(db):
    """Whatever writes one by accident (an exception, a database error quoting a row)."""
    with server_log() as log:
        logging.getLogger("portal.anything").warning("Could not save member %s", "13987654321")

    assert "Could not save member 139****4321" in log.getvalue()
    assert "13987654321" not in log.getvalue()


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("13812345678", "138****5678"),
        ("phone=13812345678;", "phone=138****5678;"),
        ("+86 13812345678", "+86 138****5678"),
        ("008613812345678", "0086138****5678"),
        ("电话13812345678。", "电话138****5678。"),
        ("138 1234 5678", "138****5678"),
        ("138-1234-5678", "138****5678"),
        ("0571-88886666", "0571-****6666"),
        ("010 65528888", "010-****8888"),
        # Not mobile numbers: longer digit runs (ids, timestamps) and other prefixes stay.
        ("report 213812345678", "report 213812345678"),
        ("1381234567", "1381234567"),
        ("12812345678", "12812345678"),
        ("2026-11-23 10:00:00,123", "2026-11-23 10:00:00,123"),
        ("report 2026-11230001", "report 2026-11230001"),
    ],
)
def test_mask_phone_numbers(text, masked):
    assert mask_phone_numbers(text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("wang.fang@example.cn", "w***@example.cn"),
        ("{'admin_a@example.cn': (550, b'no')}", "{'a***@example.cn': (550, b'no')}"),
        ("<Li.Na+portal@mail.example.com.cn>", "<L***@mail.example.com.cn>"),
        # Not addresses: no dot after the @ (a Celery worker's name), no @ at all.
        ("celery@worker1", "celery@worker1"),
        ("a report at 10:00", "a report at 10:00"),
    ],
)
def test_mask_email_addresses(text, masked):
    assert mask_email_addresses(text) == masked


def test_a_refused_e_mail_address_quoted_by_the_smtp_error_is_masked_in_the_log(db):
    with server_log() as log:
        logging.getLogger("activities.notifications").warning(
            "Event 7: e-mail to user 3 not sent: %s",
            {"secretary_a1@example.cn": (550, b"mailbox unavailable")},
        )
    assert "s***@example.cn" in log.getvalue()
    assert "secretary_a1@example.cn" not in log.getvalue()


TOKEN = "Zk3Qy7VbN2xLm8Rt0Pw5Hs1Jd4Fg6Ac9"


def test_gunicorn_access_lines_carry_no_partner_link_token():
    """The Procfile's access log goes through gunicorn's own logger, not the portal's
    redacting formatter: its logger class masks the token in every part of the line."""
    import datetime as dt
    from types import SimpleNamespace

    from gunicorn.config import Config

    from portal.core.gunicorn_logging import TokenMaskingLogger

    logger = TokenMaskingLogger(Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/p/{TOKEN}/photo/4/?x=1",
        "PATH_INFO": f"/p/{TOKEN}/photo/4/",
        "QUERY_STRING": f"next=%2Fp%2Fu%2F{TOKEN}%2F",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": f"https://dj.example.cn/p/u/{TOKEN}/",
        "REMOTE_ADDR": "10.0.0.1",
    }
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    request = SimpleNamespace(headers=[("REFERER", f"https://dj.example.cn/p/{TOKEN}/")])
    atoms = logger.atoms(response, request, environ, dt.timedelta(milliseconds=5))
    line = logger.cfg.access_log_format % atoms

    assert TOKEN not in line
    assert TOKEN not in repr(atoms)
    assert '"GET /p/…/photo/4/?x=1 HTTP/1.1"' in line


@pytest.mark.parametrize(
    "text",
    [
        f"GET /p/{TOKEN}/",
        f"/p/u/{TOKEN}/12/",
        f"/accounts/login/?next=%2Fp%2F{TOKEN}%2F",
        f"/accounts/two-factor/?next=%2fp%2fu%2f{TOKEN}%2f",
    ],
)
def test_a_partner_link_token_is_masked_plain_or_quoted(text):
    from portal.core.logs import mask_link_tokens

    assert TOKEN not in mask_link_tokens(text)
