"""Settings come from the environment; a bad value stops start-up with a sentence saying why.

The settings module is run in this process (``runpy``) with the environment under test and
the settings that could leak in from ``.env`` blanked out: parsing needs no new interpreter.
One test starts ``manage.py check`` in a fresh process, the way an operator meets a bad value.
"""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from portal import settings as settings_module

BASE_DIR = Path(__file__).resolve().parents[2]
SETTINGS_FILE = BASE_DIR / "portal" / "settings.py"

# Blank (not absent) so that a developer's .env cannot fill them in: django-environ never
# overwrites a variable that is already set.
_BLANK = (
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "EMAIL_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "PORTAL_BASE_URL",
    "SECURE_SSL_REDIRECT",
    "SECURE_COOKIES",
    "CONN_MAX_AGE",
    "LOG_LEVEL",
)


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """The process environment with the settings above blanked; restored afterwards, also
    what reading ``.env`` may have added to it."""
    for name in _BLANK:
        monkeypatch.setenv(name, "")
    before = dict(os.environ)
    yield monkeypatch
    os.environ.clear()
    os.environ.update(before)


def load_settings(environment: pytest.MonkeyPatch, **env: str) -> dict[str, Any]:
    """The settings module's names, as a start-up with ``env`` would make them."""
    for name, value in env.items():
        environment.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


def assert_refused(environment: pytest.MonkeyPatch, sentence: str, **env: str) -> None:
    with pytest.raises(ImproperlyConfigured) as refused:
        load_settings(environment, **env)
    assert sentence in str(refused.value)


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    environment.update(dict.fromkeys(_BLANK, ""))
    environment.update(env)
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_manage_py_check_fails_loudly_on_a_bad_value() -> None:
    result = run_manage("check", DEBUG="sometimes")

    assert result.returncode != 0, result.stdout
    assert "ImproperlyConfigured" in result.stderr
    assert (
        "DEBUG='sometimes' is not a boolean: set it to 1/true/yes/on or 0/false/no/off."
        in result.stderr
    )


# --- The typed helpers, one value at a time ------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("", True), ("1", True), (" Yes ", True), ("on", True), ("0", False), ("OFF", False)],
)
def test_a_boolean_is_read_from_its_usual_spellings(environment, raw, expected) -> None:
    environment.setenv("PORTAL_TEST_FLAG", raw)
    assert settings_module._bool("PORTAL_TEST_FLAG", default=True) is expected


def test_a_whole_number_below_its_minimum_or_not_a_number_is_refused(environment) -> None:
    environment.setenv("PORTAL_TEST_NUMBER", " 42 ")
    assert settings_module._int("PORTAL_TEST_NUMBER", default=1, minimum=10) == 42
    for raw in ("9", "ten", "4.5"):
        environment.setenv("PORTAL_TEST_NUMBER", raw)
        with pytest.raises(ImproperlyConfigured, match="whole number of at least 10"):
            settings_module._int("PORTAL_TEST_NUMBER", default=1, minimum=10)
    environment.setenv("PORTAL_TEST_NUMBER", "")
    assert settings_module._int("PORTAL_TEST_NUMBER", default=7, minimum=10) == 7


def test_a_url_needs_one_of_its_schemes_and_a_choice_one_of_its_values(environment) -> None:
    environment.setenv("PORTAL_TEST_URL", " redis://127.0.0.1:6379/1 ")
    assert settings_module._url("PORTAL_TEST_URL", {"redis"}) == "redis://127.0.0.1:6379/1"
    environment.setenv("PORTAL_TEST_URL", "")
    assert settings_module._url("PORTAL_TEST_URL", {"redis"}) == ""
    environment.setenv("PORTAL_TEST_URL", "http://x")
    with pytest.raises(ImproperlyConfigured, match="must start with one of redis://"):
        settings_module._url("PORTAL_TEST_URL", {"redis"})
    environment.setenv("PORTAL_TEST_CHOICE", "warning")
    assert settings_module._choice("PORTAL_TEST_CHOICE", "INFO", {"INFO", "WARNING"}) == "WARNING"
    environment.setenv("PORTAL_TEST_CHOICE", "LOUD")
    with pytest.raises(ImproperlyConfigured, match="use one of INFO, WARNING"):
        settings_module._choice("PORTAL_TEST_CHOICE", "INFO", {"INFO", "WARNING"})


# --- The settings module, as start-up runs it ------------------------------------------------


@pytest.mark.parametrize(
    ("database_url", "sentence"),
    [
        (
            "mysql://portal@127.0.0.1/portal",
            "DATABASE_URL='mysql://portal@127.0.0.1/portal' is not understood: it must start "
            "with one of pgsql://, postgres://, postgresql://, sqlite://.",
        ),
        (
            "127.0.0.1:5432/portal",
            "DATABASE_URL='127.0.0.1:5432/portal' is not understood",
        ),
        (
            "postgres://postgres@127.0.0.1:5432",
            "DATABASE_URL names no database: add it after the host",
        ),
    ],
    ids=["mysql", "no-scheme", "no-database-name"],
)
def test_startup_fails_loudly_on_a_bad_database_url(
    environment, database_url: str, sentence: str
) -> None:
    assert_refused(environment, sentence, DEBUG="1", DATABASE_URL=database_url)


def test_startup_fails_loudly_on_a_debug_value_that_is_not_a_boolean(environment) -> None:
    assert_refused(
        environment,
        "DEBUG='sometimes' is not a boolean: set it to 1/true/yes/on or 0/false/no/off.",
        DEBUG="sometimes",
    )


def test_startup_fails_loudly_on_a_redis_url_that_is_not_redis(environment) -> None:
    assert_refused(
        environment,
        "REDIS_URL='http://127.0.0.1:6379' is not understood: it must start with one of "
        "redis://, rediss://.",
        DEBUG="1",
        REDIS_URL="http://127.0.0.1:6379",
    )


def test_startup_requires_a_secret_key_when_debug_is_off(environment) -> None:
    assert_refused(
        environment,
        "SECRET_KEY is required when DEBUG is off",
        DEBUG="0",
        ALLOWED_HOSTS="dj.example.cn",
    )


def test_startup_requires_the_portal_address_when_debug_is_off(environment) -> None:
    assert_refused(
        environment,
        "PORTAL_BASE_URL is required when DEBUG is off",
        DEBUG="0",
        ALLOWED_HOSTS="dj.example.cn",
        SECRET_KEY="x" * 50,
    )


@pytest.mark.parametrize(
    ("name", "value", "sentence"),
    [
        ("CONN_MAX_AGE", "a minute", "CONN_MAX_AGE='a minute' is not understood"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL='LOUD' is not understood: use one of CRITICAL"),
        ("EMAIL_URL", "smtp2://mail", "EMAIL_URL='smtp2://mail' is not understood"),
    ],
)
def test_startup_fails_loudly_on_other_bad_values(
    environment, name: str, value: str, sentence: str
) -> None:
    env = {"DEBUG": "1", name: value}
    if name == "CONN_MAX_AGE":
        env["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/portal"
    assert_refused(environment, sentence, **env)


def test_production_settings_start_with_every_required_value(environment) -> None:
    s = load_settings(
        environment,
        DEBUG="0",
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="dj.example.cn",
        PORTAL_BASE_URL="https://dj.example.cn/portal/",
        EMAIL_URL="smtp+tls://portal:secret@mail.example.cn:587",
    )

    assert [
        s["PORTAL_BASE_URL"],
        s["CSRF_TRUSTED_ORIGINS"][0],
        s["EMAIL_BACKEND"],
        s["EMAIL_USE_TLS"],
    ] == [
        "https://dj.example.cn/portal",
        "https://dj.example.cn",
        "django.core.mail.backends.smtp.EmailBackend",
        True,
    ]


def test_local_run_without_services_uses_sqlite_under_var_and_runs_tasks_in_process(
    environment,
) -> None:
    s = load_settings(environment, DEBUG="1")

    assert s["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert Path(s["DATABASES"]["default"]["NAME"]).parent == BASE_DIR / "var"
    assert s["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert s["CELERY_BROKER_URL"] == ""
    assert s["CELERY_TASK_ALWAYS_EAGER"] is True


def test_portal_speaks_simplified_chinese_on_china_time() -> None:
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _name in settings.LANGUAGES] == ["zh-hans", "en"]
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True
