"""What the server log may say: the 500 page's reference in, members' phone numbers out.

Wired in ``LOGGING`` (``portal/settings.py``): the filter on the ``django.request`` logger,
the formatter on the console handler that every log line goes through.
"""

from __future__ import annotations

import logging
import re

from portal.core.errors import REFERENCE_ATTRIBUTE


class ErrorReferenceFilter(logging.Filter):
    """Appends the reference shown on the 500 page to ``django.request``'s line of that error.

    Django calls ``handler500`` before it logs the error, so the reference is already on the
    request the record carries. The reference is also kept as ``record.error_reference``.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        reference = getattr(request, REFERENCE_ATTRIBUTE, None)
        # Once per record: each django.setup() (Celery's Django fixup runs it again whenever
        # the task modules are imported, e.g. by the periodic task admin page) configures
        # LOGGING anew, and dictConfig adds the logger's filters again beside the old ones.
        if reference and getattr(record, "error_reference", None) != reference:
            record.msg = f"{record.getMessage()} [reference {reference}]"
            record.args = None
            record.error_reference = reference
        return True


# Mobile numbers (11 digits from 13x to 19x, perhaps grouped 3-4-4 by spaces or dashes, perhaps
# after +86 / 0086) and landlines with their area code (0571-88886666): the forms
# branches.models.validate_phone accepts. Never part of a longer run of digits (ids, timestamps).
MOBILE_NUMBER = re.compile(
    r"(?<![0-9])((?:\+?86|0086)[ -]?)?(1[3-9][0-9])[ -]?([0-9]{4})[ -]?([0-9]{4})(?![0-9])"
)
LANDLINE_NUMBER = re.compile(r"(?<![0-9])(0[0-9]{2,3})[ -]([0-9]{3,4})([0-9]{4})(?![0-9])")


def mask_phone_numbers(text: str) -> str:
    """``13812345678`` → ``138****5678``, ``0571-88886666`` → ``0571-****6666``: the masking
    the portal's pages use (PIPL)."""
    text = MOBILE_NUMBER.sub(lambda match: f"{match[1] or ''}{match[2]}****{match[4]}", text)
    return LANDLINE_NUMBER.sub(lambda match: f"{match[1]}-****{match[3]}", text)


# An e-mail address (an SMTP server's refusal quotes the recipients it refused).
EMAIL_ADDRESS = re.compile(r"(?<![\w.+-])([\w.+-])[\w.+-]*@([\w-]+(?:\.[\w-]+)+)")


def mask_email_addresses(text: str) -> str:
    """``wang.fang@example.cn`` → ``w***@example.cn``."""
    return EMAIL_ADDRESS.sub(lambda match: f"{match[1]}***@{match[2]}", text)


# The secret of a partner's link (portal.partners) in a path: /p/<token>/…, /p/u/<token>/. The
# token is the partner's only key, so a log line that quotes the path (Django's "Not Found: …",
# an audit entry of a refused page) keeps the path's shape without it.
LINK_TOKEN_IN_PATH = re.compile(r"(/p/(?:u/)?|%2Fp%2F(?:u%2F)?)[A-Za-z0-9_-]{8,}", re.IGNORECASE)


def mask_link_tokens(text: str) -> str:
    """``/p/Zk3…q9/photo/4/`` → ``/p/…/photo/4/``; quoted in a ``?next=`` too
    (``%2Fp%2FZk3…`` → ``%2Fp%2F…``)."""
    return LINK_TOKEN_IN_PATH.sub(r"\1…", text)


class PersonalDataRedactingFormatter(logging.Formatter):
    """Masks phone numbers, e-mail addresses and partner link tokens in the whole formatted
    line, traceback included.

    No code logs any of them on purpose; this catches the ones that arrive by accident: a
    database error quoting the row it refused, an exception message (an SMTP refusal), a URL.
    """

    def format(self, record: logging.LogRecord) -> str:
        return mask_link_tokens(mask_email_addresses(mask_phone_numbers(super().format(record))))
