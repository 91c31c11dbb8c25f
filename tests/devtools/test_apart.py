"""The development tooling stays out of production: not installed, not imported, its commands
unknown, unless DEBUG or DEVTOOLS asks for it. Tried as an operator meets it: ``manage.py`` in a
fresh process with the environment under test."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.processes import run_project

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "x" * 50,
    "ALLOWED_HOSTS": "dj.example.cn",
    "PORTAL_BASE_URL": "https://dj.example.cn",
}
# Blank, so that a developer's .env or shell cannot fill them in.
_BLANK = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DEVTOOLS", "PORTAL_BENCHMARK")

WHAT_IS_LOADED = (
    "import json, sys; from django.conf import settings; "
    "print(json.dumps({"
    "'installed': 'portal.devtools' in settings.INSTALLED_APPS, "
    "'imported': sorted(m for m in sys.modules if m.startswith('portal.devtools'))}))"
)


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    environment.update(dict.fromkeys(_BLANK, ""))
    environment.update(env)
    return run_project("manage.py", *args, env=environment)


def loaded(**env: str) -> dict[str, object]:
    result = run_manage("shell", "-c", WHAT_IS_LOADED, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_settings_neither_install_nor_import_the_development_tools() -> None:
    assert loaded(**PRODUCTION) == {"installed": False, "imported": []}


@pytest.mark.parametrize("command", ["load_demo", "generate_group", "benchmark"])
def test_the_development_commands_are_unknown_in_production(command: str) -> None:
    result = run_manage(command, "--help", **PRODUCTION)
    assert result.returncode != 0
    assert f"Unknown command: '{command}'" in result.stderr


def test_a_demonstration_site_turns_them_on_with_devtools() -> None:
    assert loaded(**PRODUCTION, DEVTOOLS="1")["installed"] is True


def test_a_local_run_has_them() -> None:
    assert loaded(DEBUG="1")["installed"] is True


def test_the_benchmark_server_refuses_to_start_without_them() -> None:
    result = run_manage("check", **PRODUCTION, PORTAL_BENCHMARK="1", DEVTOOLS="0")
    assert result.returncode != 0
    assert "PORTAL_BENCHMARK=1 needs the development tooling" in result.stderr
