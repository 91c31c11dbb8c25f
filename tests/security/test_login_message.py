"""A refused login says what to do: how many tries are left before the lockout, whom to ask;
the same for a username no login has (the page tells nobody which usernames exist)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.security.test_login import fail

pytestmark = pytest.mark.django_db


def message(response) -> str:
    """The form's error, its tags and spacing taken out."""
    errors = re.search(r'<div class="form-errors" role="alert">(.*?)</div>', response.text, re.S)
    assert errors is not None, "no error on the page"
    return re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", errors.group(1)))


def test_a_wrong_password_counts_down_to_the_lockout_and_names_the_committee_admin(cast):
    client = Client()

    first = message(fail(client, "secretary_a1", 1))
    fourth = message(fail(client, "secretary_a1", 3))

    assert first == (
        "用户名或密码不正确。再失败4次，该用户名将被锁定15分钟。忘记密码？请联系本党委的管理员重新设置。"
    )
    assert "再失败1次" in fourth


def test_an_unknown_username_gets_the_same_sentence(cast):
    known = message(fail(Client(), "secretary_a1", 2))
    unknown = message(fail(Client(), "nobody-of-this-name", 2, ip="10.9.9.9"))

    assert known == unknown


def test_the_count_is_per_address_as_the_lockout_is(cast):
    fail(Client(), "secretary_a1", 3, ip="10.1.1.1")

    elsewhere = message(fail(Client(), "secretary_a1", 1, ip="10.2.2.2"))

    assert "再失败4次" in elsewhere
