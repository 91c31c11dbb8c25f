"""``/healthz`` tells monitoring whether the database, the broker and a worker answer, within
seconds whatever is down, and gives away nothing secret (issue 6, point 6)."""

from __future__ import annotations

import datetime as dt
import json
import time
from unittest import mock

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.utils import timezone

from portal.celery import app
from portal.core.health import heartbeat_record
from portal.core.outbox import outbox_enqueue
from portal.core.tasks import worker_heartbeat
from portal.reports.tasks import report_deliver

pytestmark = pytest.mark.django_db

KEYS = {
    "status",
    "database",
    "broker",
    "worker",
    "worker_heartbeat_age_seconds",
    "outbox_waiting",
    "outbox_oldest_waiting_age_seconds",
}


def healthz(client):
    started = time.perf_counter()
    response = client.get("/healthz")
    seconds = time.perf_counter() - started
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    return response, response.json(), seconds


def test_all_well_is_200_with_the_heartbeat_the_beat_task_wrote(client, broker_is_own_redis):
    worker_heartbeat.apply()  # what beat has a worker run every minute
    response, body, _seconds = healthz(client)
    assert response.status_code == 200
    assert set(body) == KEYS
    assert (body["status"], body["database"], body["broker"], body["worker"]) == (
        "ok",
        "ok",
        "ok",
        "ok",
    )
    assert body["worker_heartbeat_age_seconds"] < 5
    assert (body["outbox_waiting"], body["outbox_oldest_waiting_age_seconds"]) == (0, None)


def test_nothing_secret_in_the_answer(client, broker_is_own_redis):
    heartbeat_record()
    text = healthz(client)[0].content.decode()
    database = connection.settings_dict
    secrets = [
        settings.SECRET_KEY,
        broker_is_own_redis.url,
        str(broker_is_own_redis.port),
        database["NAME"],
        "127.0.0.1",
        "localhost",
        "redis",
        "postgres",
        "Traceback",
    ]
    assert [s for s in secrets if s and s.lower() in text.lower()] == []


def test_redis_stopped_is_503_naming_the_broker_within_2_seconds(client, broker_is_own_redis):
    heartbeat_record()
    broker_is_own_redis.stop()
    response, body, seconds = healthz(client)
    assert response.status_code == 503
    assert (body["status"], body["database"], body["broker"]) == ("failing", "ok", "failing")
    assert seconds < 2


def test_no_heartbeat_for_longer_than_the_setting_is_503_naming_the_worker(
    client, broker_is_own_redis
):
    limit = settings.HEALTHZ_HEARTBEAT_MAX_AGE_SECONDS
    heartbeat_record(now=timezone.now() - dt.timedelta(seconds=limit + 5))
    response, body, _seconds = healthz(client)
    assert response.status_code == 503
    assert (body["status"], body["broker"], body["worker"]) == ("failing", "ok", "stale")
    assert body["worker_heartbeat_age_seconds"] >= limit + 5

    heartbeat_record()  # a worker is back
    assert healthz(client)[0].status_code == 200


def test_a_worker_that_never_beat_is_503(client, broker_is_own_redis):
    response, body, _seconds = healthz(client)
    assert response.status_code == 503
    assert (body["worker"], body["worker_heartbeat_age_seconds"]) == ("stale", None)


def test_the_database_not_answering_is_503_naming_it_not_a_server_error(
    client, broker_is_own_redis
):
    heartbeat_record()
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("gone")):
        response = client.get("/healthz")
    body = json.loads(response.content)
    assert response.status_code == 503
    assert (body["status"], body["database"], body["broker"]) == ("failing", "failing", "ok")
    assert "gone" not in response.content.decode()


def test_tasks_waiting_in_the_outbox_are_counted_with_the_oldest_ones_age(
    client, broker_is_own_redis
):
    heartbeat_record()
    broker_is_own_redis.stop()
    outbox_enqueue(report_deliver.name, 7)  # no commit in this test: it simply waits
    body = healthz(client)[1]
    assert body["outbox_waiting"] == 1
    assert body["outbox_oldest_waiting_age_seconds"] is not None


def test_without_a_broker_tasks_run_in_process_and_healthz_is_200(client, monkeypatch):
    """``make run``: no Redis, no worker; nothing to report as failing."""
    monkeypatch.setitem(app.conf, "task_always_eager", True)
    response, body, _seconds = healthz(client)
    assert response.status_code == 200
    assert (body["broker"], body["worker"]) == ("in-process", "in-process")
