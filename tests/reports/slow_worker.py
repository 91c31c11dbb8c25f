"""The portal's Celery app for one worker of ``test_worker.py``: rendering the Word file first
waits ``PORTAL_TEST_RENDER_DELAY`` seconds, so that the test can kill the worker mid-report
(after the PDF is written aside, before the report is complete). Nothing else differs.

Started as ``celery -A tests.reports.slow_worker worker``.
"""

import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
django.setup()

from portal.celery import app  # noqa: E402
from portal.reports import services  # noqa: E402

_real_renderers = services._renderers


def _slowed_renderers() -> dict:
    renderers = _real_renderers()
    render_docx = renderers["docx"]

    def slow_docx(content: dict) -> bytes:
        time.sleep(float(os.environ.get("PORTAL_TEST_RENDER_DELAY", "0")))
        return render_docx(content)

    renderers["docx"] = slow_docx
    return renderers


services._renderers = _slowed_renderers

__all__ = ["app"]
