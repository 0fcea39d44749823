"""Production: HTTPS only, no secret defaults, no demo accounts.

A missing ``SECRET_KEY`` or ``ALLOWED_HOSTS`` stops the start with a clear
message. ``python -m veerkracht.web check --deploy`` is clean with these
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
