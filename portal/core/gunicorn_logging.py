"""gunicorn's access log without partner link tokens (``Procfile``: ``--logger-class``).

gunicorn writes its access lines through its own logger, which the portal's redacting formatter
(``portal.core.logs``) never sees: a ``GET /p/<token>/`` would be written in full, and anyone
reading the log could open the partner's page. Every value of an access line that carries a
URL (the request line, path, query, referer and the request's headers) is masked first.
"""

from __future__ import annotations

from gunicorn.glogging import Logger

from portal.core.logs import mask_link_tokens


class TokenMaskingLogger(Logger):
    def atoms(self, resp, req, environ, request_time) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: mask_link_tokens(value) if isinstance(value, str) else value
            for key, value in atoms.items()
        }
