"""A Redis of the test's own (``redis-server`` on a free port, no persistence) that a test stops
and starts again, and the portal's Celery app pointed at it while the test runs.

Fixtures ``own_redis`` and ``broker_is_own_redis``: import them into a test module. Without
``redis-server`` the tests skip, or fail when ``services_required()`` (CI, or a service URL set).
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from portal.celery import app
from tests.conftest import services_required

#: The queue the portal's tasks go to (Celery's default).
QUEUE = "celery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class OwnRedis:
    port: int
    directory: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=1)

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 (a fixed binary and our own arguments)
            [
                shutil.which("redis-server") or "redis-server",
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--dir", str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if self.client().ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.02)
        raise AssertionError(f"redis-server on port {self.port} did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def queued(self) -> list[dict]:
        """The task messages waiting in the portal's queue: Celery's headers (task, id, args)."""
        messages = [json.loads(raw) for raw in self.client().lrange(QUEUE, 0, -1)]
        return [m["headers"] for m in messages]


@pytest.fixture
def own_redis(tmp_path) -> Iterator[OwnRedis]:
    if shutil.which("redis-server") is None:
        reason = "redis-server is not installed (apt-get install redis-server)"
        if services_required():
            pytest.fail(f"{reason}: the broker fault tests must run here.")
        pytest.skip(f"NOT TESTED: {reason}")
    server = OwnRedis(port=_free_port(), directory=tmp_path)
    server.start()
    yield server
    server.stop()


def _forget_broker_connections() -> None:
    """Celery keeps a pool of connections (and producers on them) to the broker it first used.

    The pools live in kombu's process-wide registry, keyed by broker: closing one there and
    leaving it registered would hand the closed pool back to the next test that uses the same
    broker ("Acquire on closed pool", e.g. tests/reports/test_worker.py), so they are dropped
    from the registry too."""
    from kombu import pools

    pools.reset()
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@pytest.fixture
def broker_is_own_redis(own_redis: OwnRedis) -> Iterator[OwnRedis]:
    """The portal's Celery app sends to ``own_redis`` (not eager, whatever the environment)."""
    keys = ("broker_url", "task_always_eager")
    before = {key: app.conf[key] for key in keys}
    app.conf.broker_url = own_redis.url
    app.conf.task_always_eager = False
    _forget_broker_connections()
    yield own_redis
    for key, value in before.items():
        app.conf[key] = value
    _forget_broker_connections()
