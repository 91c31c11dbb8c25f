"""Language choice: Simplified Chinese unless the user picked English with the switch."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
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
