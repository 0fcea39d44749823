"""Dutch first: the interface language is Dutch unless the user chose English.

Django's ``LocaleMiddleware`` follows the browser's ``Accept-Language``; a
Dutch municipality's application starts in Dutch for everybody, and the
language switch (a cookie) is the only way to English.
"""

from __future__ import annotations

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class DutchFirstLocaleMiddleware(LocaleMiddleware):
    """``LocaleMiddleware`` that ignores ``Accept-Language``."""

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
