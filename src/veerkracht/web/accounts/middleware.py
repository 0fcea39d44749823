"""Dutch first: the interface language is Dutch unless the user chose English.

Django's ``LocaleMiddleware`` follows the browser's ``Accept-Language``; a
Dutch municipality's application starts in Dutch for everybody, and the
language switch (a cookie) is the only way to English on the site's pages.

The API (``/api/``) is also read by programs that have no cookie: there the
user's choice (the cookie) still comes first, then the request's
``Accept-Language``, then Dutch (ADR 0018).
"""

from __future__ import annotations

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

#: Paths whose answers follow ``Accept-Language`` when no language was chosen.
API_PREFIX = "/api/"


class DutchFirstLocaleMiddleware(LocaleMiddleware):
    """``LocaleMiddleware`` that ignores ``Accept-Language`` outside the API."""

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        if chosen in supported:
            language = chosen
        elif request.path_info.startswith(API_PREFIX):
            # cookie (none here), Accept-Language, then LANGUAGE_CODE
            language = translation.get_language_from_request(request)
        else:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
