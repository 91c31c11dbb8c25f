"""The portal's Celery app for the workers of ``test_worker.py`` that a test kills mid-report:
rendering the Word file (the PDF is written aside by then, the report not complete) first

* waits ``PORTAL_TEST_RENDER_DELAY`` seconds, long enough for the test to kill the worker;
* kills its own process while the number in the file ``PORTAL_TEST_KILLS_FILE`` is above
  zero (counting it down), as the kernel's OOM killer would.

Nothing else differs. Started as ``celery -A tests.reports.slow_worker worker``.
"""

import os
import signal
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
django.setup()

from portal.celery import app  # noqa: E402
from portal.reports import services  # noqa: E402

_real_renderers = services._renderers
_real_renderers()  # WeasyPrint loaded once in a prefork parent, not again in each new child


def _kill_myself_if_asked() -> None:
    kills = Path(os.environ.get("PORTAL_TEST_KILLS_FILE", "/nonexistent"))
    if kills.exists() and (left := int(kills.read_text() or 0)) > 0:
        kills.write_text(str(left - 1))
        os.kill(os.getpid(), signal.SIGKILL)


def _slowed_renderers() -> dict:
    renderers = _real_renderers()
    render_docx = renderers["docx"]

    def slow_docx(content: dict) -> bytes:
        time.sleep(float(os.environ.get("PORTAL_TEST_RENDER_DELAY", "0")))
        _kill_myself_if_asked()
        return render_docx(content)

    renderers["docx"] = slow_docx
    return renderers


services._renderers = _slowed_renderers

__all__ = ["app"]
