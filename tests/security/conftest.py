"""Fixtures shared by the security and resilience tests."""

# A Redis of the test's own, and the portal's Celery app sending to it (the fault tests).
from tests.security.broker import broker_is_own_redis, own_redis  # noqa: F401
