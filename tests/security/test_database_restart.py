"""After PostgreSQL restarts (or drops the portal's connection), the next request succeeds
(issue 6, point 6): ``CONN_HEALTH_CHECKS`` makes Django test a kept connection
(``CONN_MAX_AGE``) before a request's first query and open a new one if it is dead.

The connection is killed with ``pg_terminate_backend``, as a restart kills it. Requests go
through Django's real WSGI handler (the test client skips the request_started handling that
decides about kept connections), in this thread, on the test database.
"""

from __future__ import annotations

import time
from io import BytesIO

import psycopg
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import Client, RequestFactory

from tests import factories
from tests.conftest import services_required

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql() -> None:
    if connection.vendor != "postgresql":
        reason = "the database is SQLite: set DATABASE_URL=postgres://… (CI does)"
        if services_required():
            pytest.fail(f"{reason}; this test must run against PostgreSQL here.")
        pytest.skip(f"NOT TESTED: {reason}")


@pytest.fixture
def session_cookie() -> str:
    """A logged-in user's session (a request reads it, and the user, from the database)."""
    client = Client()
    client.force_login(factories.UserFactory(username="returning_user"))
    return client.cookies["sessionid"].value


def get(path: str, cookie: str) -> int:
    """One request through the WSGI handler a server runs, start to finish."""
    environ = RequestFactory()._base_environ(
        PATH_INFO=path, REQUEST_METHOD="GET", HTTP_COOKIE=f"sessionid={cookie}"
    )
    environ["wsgi.input"] = BytesIO(b"")
    status: list[str] = []
    response = WSGIHandler()(environ, lambda s, headers, exc_info=None: status.append(s))
    b"".join(response)
    response.close()  # request_finished: Django decides whether to keep the connection
    return int(status[0].split()[0])


def kill_the_portals_connection() -> None:
    pid = connection.connection.info.backend_pid
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone() == (True,)
        deadline = time.monotonic() + 5
        while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
            assert time.monotonic() < deadline, "the backend did not end"
            time.sleep(0.02)


def keep_a_connection(cookie: str) -> int:
    """A request; the portal keeps its connection afterwards (CONN_MAX_AGE), as in production."""
    assert get("/", cookie) == 200
    assert connection.connection is not None, "the connection was not kept after the request"
    return connection.connection.info.backend_pid


def test_the_first_request_after_the_database_dropped_the_connection_succeeds(session_cookie):
    assert connection.settings_dict["CONN_MAX_AGE"] > 0
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    kept = keep_a_connection(session_cookie)
    kill_the_portals_connection()

    assert get("/", session_cookie) == 200
    assert connection.connection.info.backend_pid != kept  # a new connection

    # Why the setting matters: the same kill with the check turned off costs a user an error
    # (one test, not two: each of these tests empties the whole database afterwards).
    keep_a_connection(session_cookie)
    connection.health_check_enabled = False
    kill_the_portals_connection()
    try:
        assert get("/", session_cookie) == 500
    finally:
        connection.close()
