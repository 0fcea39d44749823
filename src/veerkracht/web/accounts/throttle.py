"""Rate limits: anonymous reports and failed logins per client address, place
searches per user.

A fixed window per address in Django's cache (``CACHES``: files in a folder
shared by the server's worker processes). django-axes locks a user name
per address after a few failures; this slows the other attack, many user
names from one address (password spraying), and floods of anonymous
reports. Limits are settings (docs/config.md); 0 switches one off.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy


def client_address(request) -> str:
    """The client's address as django-axes sees it (proxies counted)."""
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) or "onbekend"


#: limits counted per logged-in user instead of per address (colleagues of
#: one organisation share an office address)
PER_USER = frozenset({"search"})


def _key(scope: str, request, window_s: int) -> str:
    window = int(time.time() // window_s)
    user = getattr(request, "user", None)
    if scope in PER_USER and getattr(user, "is_authenticated", False):
        who = f"user{user.pk}"
    else:
        who = client_address(request)
    return f"vk-throttle:{scope}:{who}:{window}"


def _limits(scope: str) -> tuple[int, int]:
    if scope == "report":
        return (settings.VEERKRACHT_REPORT_LIMIT,
                settings.VEERKRACHT_REPORT_WINDOW_MINUTES * 60)
    if scope == "login":
        return (settings.VEERKRACHT_LOGIN_LIMIT,
                settings.VEERKRACHT_LOGIN_WINDOW_MINUTES * 60)
    if scope == "search":
        return (settings.VEERKRACHT_SEARCH_LIMIT,
                settings.VEERKRACHT_SEARCH_WINDOW_MINUTES * 60)
    raise ValueError(f"onbekende limiet {scope!r}")


def exceeded(scope: str, request) -> bool:
    """Whether this address has used up ``scope``'s limit in this window."""
    limit, window = _limits(scope)
    if limit <= 0:
        return False
    return (cache.get(_key(scope, request, window)) or 0) >= limit


def count(scope: str, request) -> None:
    """Count one event of ``scope`` (a report sent, a login that failed)."""
    limit, window = _limits(scope)
    if limit <= 0:
        return
    key = _key(scope, request, window)
    cache.add(key, 0, timeout=2 * window)
    try:
        cache.incr(key)
    except ValueError:  # expired in between
        cache.set(key, 1, timeout=2 * window)


MESSAGES = {
    "report": gettext_lazy(
        "Er komen te veel meldingen vanaf dit adres. Probeer het over een "
        "paar minuten opnieuw; bij acuut gevaar: bel 112."),
    "login": gettext_lazy(
        "Te veel mislukte inlogpogingen vanaf dit adres. Probeer het over een "
        "kwartier opnieuw."),
    "search": gettext_lazy("Te veel zoekopdrachten achter elkaar. Wacht een minuut "
                           "en probeer het dan opnieuw."),
}
