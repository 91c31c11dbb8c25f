"""Three identical create POSTs at once, on PostgreSQL: one activity (the form token's claim).

A transactional test (its requests commit, on threads of their own): apart from
test_create_edit.py, whose tests then share one cast per module (tests/conftest.py)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection
from django.urls import reverse

from activities import services
from activities.models import Activity, CreateFormToken
from tests.activities.test_create_edit import (
    CREATE,
    _data,
    _form_token,
    _media_in_tmp_and_english,
    framework,
)
from tests.conftest import require_postgresql

# The fixtures of test_create_edit.py the test below runs with.
__all__ = ["_media_in_tmp_and_english", "framework"]


@pytest.mark.django_db(transaction=True)
def test_three_identical_create_posts_at_once_make_one_activity(cast, framework, monkeypatch):
    """The review's three concurrent POSTs, on PostgreSQL: the first holds its transaction
    (slowed down here, after claiming the token) while the others reach the claim; they wait
    for it, fail on the token's unique constraint, undo their own save and land on its
    activity."""
    require_postgresql("concurrent requests need PostgreSQL (SQLite serialises them)")
    adopt, claim = services._adopt_staged, services._claim_form_token
    claims: list[str] = []

    def slow_adopt(*args, **kwargs):
        time.sleep(1)
        adopt(*args, **kwargs)

    def counted_claim(*args, **kwargs):
        claims.append(kwargs["token"])
        claim(*args, **kwargs)

    monkeypatch.setattr(services, "_adopt_staged", slow_adopt)
    monkeypatch.setattr(services, "_claim_form_token", counted_claim)
    token = _form_token(cast.client_for(cast.secretary_a1).get(CREATE))
    data = _data(framework, form_token=token)
    clients = [cast.client_for(cast.secretary_a1) for _ in range(3)]
    start = threading.Barrier(len(clients))
    responses: list = []

    def send(client) -> None:
        try:
            start.wait(timeout=10)
            responses.append(client.post(CREATE, data))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    activity = Activity.objects.get()
    detail = reverse("activities:detail", args=[activity.pk])
    assert sorted((r.status_code, r["Location"]) for r in responses) == [(302, detail)] * 3
    assert activity.events.count() == 1
    assert CreateFormToken.objects.get().activity == activity
    # They did race: at least two reached the claim before the first had committed (a later
    # one may have found the activity before saving anything).
    assert len(claims) >= 2
