"""Production: HTTPS only, no secret defaults, no demo accounts.

A missing ``SECRET_KEY`` or ``ALLOWED_HOSTS``, the demo's or the tests'
committed key, a key under 50 characters or a wildcard host stops the start
with a clear message. ``python -m veerkracht.web check --deploy`` is clean with these
settings (tested in ``tests/web/test_settings.py``).
"""

from django.core.exceptions import ImproperlyConfigured

from veerkracht.web.conf import config as _config_module
from veerkracht.web.conf.base import *  # noqa: F403
from veerkracht.web.conf.config import REQUIRED, config

ALLOWED_HOSTS = config(
    "ALLOWED_HOSTS",
    REQUIRED,
    help_text="Host names this site answers to, comma separated "
    "(required in production).",
    group="Beveiliging",
    cast=list,
)
DEBUG = False
#: Keys committed in this repository (dev and CI settings): never a secret.
_COMMITTED_KEYS = ("dev-only-not-secret-veerkracht-demo-key-0123456789",
                   "ci-only-not-secret-veerkracht-test-key-0123456789")
if not _config_module._DOCUMENTING:
    if "*" in ALLOWED_HOSTS or any(h.strip() in ("", "*") for h in ALLOWED_HOSTS):
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS mag in productie geen '*' (of een lege naam) bevatten: "
            "noem de hostnamen van de site, bijvoorbeeld veerkracht.gemeente.nl")
    if SECRET_KEY in _COMMITTED_KEYS or "not-secret" in SECRET_KEY:  # noqa: F405
        raise ImproperlyConfigured(
            "SECRET_KEY is de sleutel van de demo of de tests, die in de broncode "
            "staat; maak een eigen lange willekeurige sleutel (bijvoorbeeld met "
            "`python -c \"import secrets; print(secrets.token_urlsafe(50))\"`)")
    if len(SECRET_KEY) < 50:  # noqa: F405
        raise ImproperlyConfigured(
            "SECRET_KEY is te kort voor productie (minstens 50 tekens); maak een "
            "lange willekeurige sleutel")
if VEERKRACHT_DEMO_ACCOUNTS and not _config_module._DOCUMENTING:  # noqa: F405
    raise ImproperlyConfigured(
        "VEERKRACHT_DEMO_ACCOUNTS mag in productie niet aan staan"
    )
if VEERKRACHT_AUDIT_KEY_CREATE and not _config_module._DOCUMENTING:  # noqa: F405
    raise ImproperlyConfigured(
        "VEERKRACHT_AUDIT_KEY_CREATE mag in productie niet aan staan: maak de "
        "auditsleutel zelf (`veerkracht audit rotate-key --create`) en bewaar hem "
        "buiten de database"
    )
SECURE_SSL_REDIRECT = config(
    "SECURE_SSL_REDIRECT",
    True,
    help_text="Redirect plain HTTP to HTTPS (production). Switch off only when the "
    "proxy in front already does.",
    group="Beveiliging",
)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = config(
    "SECURE_HSTS_SECONDS",
    31536000,
    help_text="HSTS max-age in seconds (production).",
    group="Beveiliging",
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
