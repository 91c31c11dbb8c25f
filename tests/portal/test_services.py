"""The real services are really used when configured: PostgreSQL, the Redis cache, the broker.

Without DATABASE_URL / REDIS_URL these tests skip with a reason saying how to run them; in CI,
or whenever one of the services is configured, a service that is missing or unreachable fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from portal.celery import app as celery_app
from tests.conftest import services_required

BASE_DIR = Path(__file__).resolve().parents[2]


def require_env(name: str, example: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        reason = (
            f"NOT TESTED against the real service: {name} is not set. "
            f"Run e.g. `{name}={example} make test` (CI does)."
        )
        if services_required():
            pytest.fail(f"{reason} CI=true or another service URL is set, so this must not skip.")
        pytest.skip(reason)
    return value


@pytest.mark.django_db
def test_database_url_postgres_gives_a_real_postgresql_test_database() -> None:
    url = require_env("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal")
    if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        reason = f"DATABASE_URL={url!r} is not PostgreSQL, the database production and CI use."
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(f"NOT TESTED against PostgreSQL: {reason}")

    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database(), current_setting('server_version_num')::int")
        database, version = cursor.fetchone()
    assert database == connection.settings_dict["NAME"]
    assert database.startswith("test_"), "tests must never run on the configured database"
    assert version >= 140000, "PostgreSQL 14 or newer is expected"


def test_redis_url_makes_the_django_cache_round_trip_through_redis() -> None:
    url = require_env("REDIS_URL", "redis://127.0.0.1:6379/0")
    import redis

    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    key = f"portal-test-{uuid.uuid4().hex}"
    value = {"committee": "投资公司党委", "branches": 7}
    try:
        cache.set(key, value, timeout=60)
        assert cache.get(key) == value
        # Seen from Redis itself, not only through Django's client: the key is really there.
        assert redis.Redis.from_url(url).exists(cache.make_key(key)) == 1
    finally:
        cache.delete(key)
    assert cache.get(key) is None


def test_redis_url_gives_celery_a_reachable_broker_that_carries_messages() -> None:
    require_env("REDIS_URL", "redis://127.0.0.1:6379/0")

    assert settings.CELERY_BROKER_URL
    assert celery_app.conf.task_always_eager is False, "with a broker, tasks go to the worker"
    queue_name = f"portal-test-{uuid.uuid4().hex}"
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1)
        queue = conn.SimpleQueue(queue_name)
        try:
            queue.put({"report": "2024-Q2"})
            message = queue.get(timeout=5)
            assert message.payload == {"report": "2024-Q2"}
            message.ack()
        finally:
            queue.queue.delete()
            queue.close()


def test_without_a_broker_celery_tasks_run_eagerly_in_process() -> None:
    # A fresh process, because the broker is chosen once, when settings load.
    environment = {
        **os.environ,
        "DEBUG": "1",
        "REDIS_URL": "",  # blank rather than absent, so that .env cannot fill them in
        "CELERY_BROKER_URL": "",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
    }
    script = (
        "import django; django.setup(); from portal.celery import app; "
        "print(app.conf.task_always_eager, app.conf.task_eager_propagates)"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", script],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]
