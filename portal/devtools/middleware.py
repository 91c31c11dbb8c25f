"""Counts each request's SQL queries, for ``manage.py benchmark`` only (``PORTAL_BENCHMARK``).

The count goes out in the ``X-Query-Count`` header, so the benchmark reads it over real HTTP
with ``DEBUG`` off. It wraps the whole middleware stack (it comes first), so the session and
user look-ups count too, as they do for a real request.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connections
from django.http import HttpRequest, HttpResponse

HEADER = "X-Query-Count"


class QueryCountMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        wrapped = [c.execute_wrapper(counter) for c in connections.all()]
        for wrapper in wrapped:
            wrapper.__enter__()
        try:
            response = self.get_response(request)
        finally:
            for wrapper in reversed(wrapped):
                wrapper.__exit__(None, None, None)
        response[HEADER] = str(count)
        return response
