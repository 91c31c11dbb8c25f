"""A small fixed-window rate limit, counted in the cache: so many requests per key and minute.

For pages that anybody may ask for without a login (the partner links of ``portal.partners``),
keyed by the client's address. A window is one calendar minute of the server's clock; its
counter lives in the cache for a little longer than the window, so nothing needs cleaning up.
With several processes the cache must be shared (Redis, as in production) for the limit to
hold across them; the local-memory cache of a development server counts per process.
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache

#: Seconds in one window.
WINDOW = 60


def _key(scope: str, client: str, now: float) -> str:
    # Hashed: an address (or whatever the key is) is not kept in the cache as it is.
    digest = hashlib.sha256(client.encode()).hexdigest()[:32]
    return f"ratelimit:{scope}:{digest}:{int(now // WINDOW)}"


def rate_limit_hit(scope: str, client: str, *, limit: int, now: float | None = None) -> bool:
    """Count one request of ``client`` in ``scope``; True when it is beyond ``limit`` in the
    current window (the request is to be refused)."""
    key = _key(scope, client, time.time() if now is None else now)
    if cache.add(key, 1, timeout=WINDOW + 5):
        return limit < 1
    try:
        count = cache.incr(key)
    except ValueError:  # expired between the two calls: this request starts the count again
        cache.set(key, 1, timeout=WINDOW + 5)
        count = 1
    return count > limit


def rate_limit_exceeded(scope: str, client: str, *, limit: int, now: float | None = None) -> bool:
    """Whether ``client`` is already beyond ``limit`` in ``scope``'s current window, without
    counting this request."""
    count = cache.get(_key(scope, client, time.time() if now is None else now), 0)
    return count > limit
