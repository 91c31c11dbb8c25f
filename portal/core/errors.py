"""The page shown when the portal fails: no stack trace, a reference to quote instead.

Django renders ``403.html``, ``404.html``, ``400.html`` and ``403_csrf.html`` itself. The 500
page is this module's ``server_error`` (``handler500`` in ``portal.urls``): it gives the
failure a short reference, shows it to the user and leaves it on the request, where
``portal.core.logs.ErrorReferenceFilter`` adds it to the server's log line of the same error. A
user who reads the reference out on the phone leads the administrator to the traceback.
"""

from __future__ import annotations

import logging
import secrets

from django.http import HttpRequest, HttpResponseServerError
from django.template import loader

logger = logging.getLogger(__name__)

#: The request attribute the log filter reads.
REFERENCE_ATTRIBUTE = "error_reference"

# Shown only when the 500 template itself cannot be rendered (a broken template, a missing
# static manifest, a failing translation catalogue): nothing here can fail, so it is a fixed
# text in both of the portal's languages rather than a translated template.
FALLBACK_PAGE = (
    '<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    "<title>系统错误 · Server error</title></head><body>"
    "<h1>系统错误 · Server error</h1>"
    "<p>请稍后再试。如问题再次出现，请把错误编号告知系统管理员。</p>"
    "<p>Please try again later. If it happens again, tell the administrator the reference.</p>"
    "<p>错误编号 · Reference: <strong>{reference}</strong></p></body></html>"
)


def new_reference() -> str:
    """Eight hexadecimal digits in two groups (``3F9A-0C1B``): easy to read out and to grep."""
    digits = secrets.token_hex(4).upper()
    return f"{digits[:4]}-{digits[4:]}"


def server_error(request: HttpRequest) -> HttpResponseServerError:
    """The 500 page, with a reference that the server log's line of this error also carries.

    The template is rendered without the request, so no context processor runs: the page
    needs neither the database nor the session, which may be what just failed.
    """
    reference = new_reference()
    setattr(request, REFERENCE_ATTRIBUTE, reference)
    try:
        body = loader.render_to_string("500.html", {"reference": reference})
    except Exception:
        logger.exception("The 500 page could not be rendered [reference %s]", reference)
        body = FALLBACK_PAGE.format(reference=reference)
    return HttpResponseServerError(body)
