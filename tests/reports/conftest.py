"""Reports are tested on the dashboards' hand-computed committee (Q2 2024): see
``tests/dashboards/conftest.py`` for every figure (``answered``: its partners' answers)."""

from tests.dashboards.conftest import (  # noqa: F401  (the fixtures, shared)
    answered,
    dash,
    module_dash,
)
