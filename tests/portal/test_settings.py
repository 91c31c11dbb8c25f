"""Settings come from the environment; a bad value stops start-up with a sentence saying why.

Start-up is tested the way an operator meets it: ``manage.py`` in a fresh process, with the
environment under test and the settings that could leak in from ``.env`` blanked out.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(__file__).resolve().parents[2]

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


def assert_refused(result: subprocess.CompletedProcess[str], sentence: str) -> None:
    assert result.returncode != 0, result.stdout
    assert "ImproperlyConfigured" in result.stderr
    assert sentence in result.stderr


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
def test_startup_fails_loudly_on_a_bad_database_url(database_url: str, sentence: str) -> None:
    assert_refused(run_manage("check", DEBUG="1", DATABASE_URL=database_url), sentence)


def test_startup_fails_loudly_on_a_debug_value_that_is_not_a_boolean() -> None:
    assert_refused(
        run_manage("check", DEBUG="sometimes"),
        "DEBUG='sometimes' is not a boolean: set it to 1/true/yes/on or 0/false/no/off.",
    )


def test_startup_fails_loudly_on_a_redis_url_that_is_not_redis() -> None:
    assert_refused(
        run_manage("check", DEBUG="1", REDIS_URL="http://127.0.0.1:6379"),
        "REDIS_URL='http://127.0.0.1:6379' is not understood: it must start with one of "
        "redis://, rediss://.",
    )


def test_startup_requires_a_secret_key_when_debug_is_off() -> None:
    assert_refused(
        run_manage("check", DEBUG="0", ALLOWED_HOSTS="dj.example.cn"),
        "SECRET_KEY is required when DEBUG is off",
    )


def test_startup_requires_the_portal_address_when_debug_is_off() -> None:
    assert_refused(
        run_manage("check", DEBUG="0", ALLOWED_HOSTS="dj.example.cn", SECRET_KEY="x" * 50),
        "PORTAL_BASE_URL is required when DEBUG is off",
    )


@pytest.mark.parametrize(
    ("name", "value", "sentence"),
    [
        ("CONN_MAX_AGE", "a minute", "CONN_MAX_AGE='a minute' is not understood"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL='LOUD' is not understood: use one of CRITICAL"),
        ("EMAIL_URL", "smtp2://mail", "EMAIL_URL='smtp2://mail' is not understood"),
    ],
)
def test_startup_fails_loudly_on_other_bad_values(name: str, value: str, sentence: str) -> None:
    environment = {"DEBUG": "1", name: value}
    if name == "CONN_MAX_AGE":
        environment["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/portal"
    assert_refused(run_manage("check", **environment), sentence)


def test_production_settings_start_with_every_required_value() -> None:
    script = (
        "from django.conf import settings as s; "
        "print(s.PORTAL_BASE_URL, s.CSRF_TRUSTED_ORIGINS[0], s.EMAIL_BACKEND, s.EMAIL_USE_TLS)"
    )
    result = run_manage(
        "shell",
        "-c",
        script,
        DEBUG="0",
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="dj.example.cn",
        PORTAL_BASE_URL="https://dj.example.cn/portal/",
        EMAIL_URL="smtp+tls://portal:secret@mail.example.cn:587",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "https://dj.example.cn/portal",
        "https://dj.example.cn",
        "django.core.mail.backends.smtp.EmailBackend",
        "True",
    ]


def test_local_run_without_services_uses_sqlite_under_var_and_runs_tasks_in_process() -> None:
    script = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], "
        "'name': str(s.DATABASES['default']['NAME']), 'cache': s.CACHES['default']['BACKEND'], "
        "'eager': s.CELERY_TASK_ALWAYS_EAGER, 'broker': s.CELERY_BROKER_URL}))"
    )
    result = run_manage("shell", "-c", script, DEBUG="1")
    assert result.returncode == 0, result.stderr

    embedded = json.loads(result.stdout.strip().splitlines()[-1])
    assert embedded["engine"] == "django.db.backends.sqlite3"
    assert Path(embedded["name"]).parent == BASE_DIR / "var"
    assert embedded["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert embedded["broker"] == ""
    assert embedded["eager"] is True


def test_portal_speaks_simplified_chinese_on_china_time() -> None:
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _name in settings.LANGUAGES] == ["zh-hans", "en"]
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True
