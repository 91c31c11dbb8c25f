"""Reports are tested on the dashboards' hand-computed committee (Q2 2024): see
``tests/dashboards/conftest.py`` for every figure."""

from tests.dashboards.conftest import dash, module_dash  # noqa: F401  (the fixtures, shared)
