"""The fixed-window rate limit (portal/core/ratelimit.py) that holds back guessers of partner
links: counted per key and minute, in the cache, forgotten with the minute."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from portal.core.ratelimit import WINDOW, rate_limit_exceeded, rate_limit_hit


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_requests_beyond_the_limit_in_one_minute_are_refused() -> None:
    now = 1_000 * WINDOW + 5

    hits = [rate_limit_hit("test", "10.0.0.1", limit=3, now=now + n) for n in range(5)]

    assert hits == [False, False, False, True, True]
    assert rate_limit_exceeded("test", "10.0.0.1", limit=3, now=now)


def test_the_next_minute_starts_afresh_and_other_keys_and_scopes_count_apart() -> None:
    now = 1_000 * WINDOW
    for _ in range(4):
        rate_limit_hit("test", "10.0.0.1", limit=3, now=now)

    assert rate_limit_hit("test", "10.0.0.1", limit=3, now=now + WINDOW) is False
    assert rate_limit_hit("test", "10.0.0.2", limit=3, now=now) is False
    assert rate_limit_hit("other", "10.0.0.1", limit=3, now=now) is False
    assert not rate_limit_exceeded("test", "10.0.0.1", limit=3, now=now + WINDOW)


def test_looking_does_not_count() -> None:
    now = 1_000 * WINDOW
    for _ in range(10):
        assert not rate_limit_exceeded("test", "10.0.0.1", limit=3, now=now)

    assert rate_limit_hit("test", "10.0.0.1", limit=3, now=now) is False


def test_the_address_is_not_kept_in_the_cache_as_it_is(settings) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    rate_limit_hit("test", "203.0.113.9", limit=3, now=1_000 * WINDOW)

    assert not any("203.0.113.9" in str(key) for key in cache._cache)
