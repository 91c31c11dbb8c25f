"""What the server writes to its log, as the configured handler formats it."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from portal.core.logs import PersonalDataRedactingFormatter


@contextmanager
def server_log(level: int = logging.INFO) -> Iterator[io.StringIO]:
    """The lines ``LOGGING``'s console handler writes while the block runs, at ``level``.

    ``level`` applies to the root logger and to Django's own (which Django keeps at INFO):
    ``logging.DEBUG`` turns on everything, SQL statements with their parameters included.

    The handler is the one ``portal/settings.py`` configures (found on the root logger by its
    formatter), so the text is exactly what gunicorn or Celery would pass to the journal.
    """
    root = logging.getLogger()
    handlers = [
        handler
        for handler in root.handlers
        if isinstance(handler, logging.StreamHandler)
        and isinstance(handler.formatter, PersonalDataRedactingFormatter)
    ]
    assert len(handlers) == 1, (
        f"LOGGING should give the root logger one console handler: {root.handlers}"
    )
    handler = handlers[0]
    buffer = io.StringIO()
    previous_stream = handler.setStream(buffer)
    loggers = [root, logging.getLogger("django")]
    previous_levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(level)
    try:
        yield buffer
    finally:
        for logger, previous_level in zip(loggers, previous_levels, strict=True):
            logger.setLevel(previous_level)
        handler.setStream(previous_stream)
