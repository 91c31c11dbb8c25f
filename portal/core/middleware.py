"""The portal's own middleware: the language choice, and NUL bytes refused."""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils import translation
from django.utils.cache import patch_vary_headers


class ChosenLanguageMiddleware:
    """Like Django's LocaleMiddleware, but it never reads the browser's Accept-Language.

    Staff open the portal on phones and office PCs set to all sorts of languages; the portal
    speaks Chinese to all of them and English only to those who chose it (the choice is kept in
    the language cookie that Django's ``set_language`` view writes).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        # The page depends on the language cookie: caches must not mix the two languages.
        patch_vary_headers(response, ("Cookie",))
        translation.deactivate()
        return response


class RejectNulBytesMiddleware:
    """A NUL byte in the path, a query string or a posted field is answered with 400.

    No page needs one, PostgreSQL refuses to store or compare text that holds one (a 500 in
    every list filter, autocomplete and form that passes it on), and the audit log would try to
    record the path. Files are not looked at: their content is the upload checks' business.
    Placed after the session and language middleware (the 400 page speaks the user's
    language); CSRF reads the posted fields anyway, so reading them here parses nothing extra.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            "\x00" in request.path
            or _holds_nul(request.GET)
            or (request.method == "POST" and _holds_nul(request.POST))
        ):
            raise BadRequest("A NUL byte in the request.")
        return self.get_response(request)


def _holds_nul(data: QueryDict) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in data.lists())
