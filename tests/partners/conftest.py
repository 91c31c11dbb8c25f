"""The scene of the tests of the pages behind partner links (``tests/partners/scene.py``)."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.conftest import Cast
from tests.partners.scene import Scene, build_scene


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    """Each test starts with an empty request count (the limit counts per minute)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def scene(cast: Cast, settings, tmp_path) -> Scene:
    """Branch A1's submitted activity with 春江街道社区, a photo, a sign-in sheet and a PDF,
    its members and contact with distinctive names (``tests/partners/scene.py``)."""
    settings.MEDIA_ROOT = tmp_path
    return build_scene(cast)
