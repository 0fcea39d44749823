"""Settings shared by every environment.

Read through :func:`veerkracht.web.conf.config.config`; every variable is
documented in ``docs/config.md``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.utils.translation import gettext_lazy as _

from veerkracht.web.conf.config import REQUIRED, config

WEB_DIR = Path(__file__).resolve().parents[1]

# --- core ---------------------------------------------------------------
SECRET_KEY = config(
    "SECRET_KEY",
    REQUIRED,
    help_text="Django's secret key (signs sessions, CSRF tokens, audit pseudonyms). "
    "Long and random in production; never committed.",
    group="Beveiliging",
)
DEBUG = config("DEBUG", False, help_text="Django debug pages. Never on in production.")
ALLOWED_HOSTS = config(
    "ALLOWED_HOSTS",
    ["127.0.0.1", "localhost"],
    help_text="Host names this site answers to, comma separated "
    "(required in production).",
    group="Beveiliging",
)
CSRF_TRUSTED_ORIGINS = config(
    "CSRF_TRUSTED_ORIGINS",
    [],
    help_text="Origins (https://host) trusted for forms behind a proxy, "
    "comma separated.",
    group="Beveiliging",
)

# --- workspace and database ---------------------------------------------
VEERKRACHT_WORKSPACE = config(
    "VEERKRACHT_WORKSPACE",
    "veerkracht-data",
    help_text="The workspace (folder or postgresql:// URL) whose tables the site "
    "shows; same as `veerkracht --workspace`.",
    group="Werkmap en database",
)
DATABASE_URL = config(
    "DATABASE_URL",
    "",
    help_text="Database of the web application (accounts, audit trail, signals): "
    "`postgresql://user:password@host:5432/name`. Empty: `WORKSPACE/web.sqlite3`, "
    "or the workspace's own PostgreSQL database when the workspace is a URL.",
    group="Werkmap en database",
)


def database_from_url(url: str, workspace: str) -> dict:
    """Django's ``DATABASES['default']`` for ``url`` (or the embedded default)."""
    if not url and workspace.startswith(("postgresql://", "postgres://")):
        url = workspace
    if not url:
        folder = Path(workspace)
        folder.mkdir(parents=True, exist_ok=True)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(folder / "web.sqlite3"),
            # many writers at once (residents' reports under load): WAL lets
            # readers go on while one writes; IMMEDIATE takes the write lock
            # when a transaction starts, so a waiting writer waits (up to the
            # timeout) instead of failing with 'database is locked' when a
            # read lock cannot be upgraded
            # kept per server thread like PostgreSQL's: opening the file and
            # setting WAL for every request was a tenth of a report's time
            "CONN_MAX_AGE": 60,
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres"):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            f"DATABASE_URL moet met postgresql:// beginnen, niet {parts.scheme}://"
        )
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": 60,
    }


DATABASES = {"default": database_from_url(DATABASE_URL, VEERKRACHT_WORKSPACE)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- applications -------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "ninja",
    "veerkracht.web.accounts",
    "veerkracht.web.audit",
    "veerkracht.web.maps",
    "veerkracht.web.places",
    "veerkracht.web.signals",
    "veerkracht.web.stories",
    "veerkracht.web.alerts",  # needs signals (teams, routing)
    "veerkracht.web.allocation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # static files (Leaflet, CSS, JS) from the application server itself,
    # compressed and with long cache headers (no separate web server needed)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "veerkracht.web.accounts.middleware.DutchFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "veerkracht.web.audit.middleware.RefusalAuditMiddleware",
    "veerkracht.web.audit.middleware.AdminAuditMiddleware",
    # axes last, as its documentation asks
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "veerkracht.web.urls"
# an expired form token brings the report form back filled in (nothing lost)
CSRF_FAILURE_VIEW = "veerkracht.web.accounts.views.csrf_failure"
WSGI_APPLICATION = "veerkracht.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [WEB_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "veerkracht.web.accounts.context_processors.role",
                "veerkracht.web.alerts.context_processors.alerts",
            ],
        },
    }
]

# --- authentication -------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AXES_FAILURE_LIMIT = config(
    "AXES_FAILURE_LIMIT",
    5,
    help_text="Failed logins before an account/address combination is locked out.",
    group="Beveiliging",
)
AXES_COOLOFF_TIME = (
    config(
        "AXES_COOLOFF_MINUTES",
        30,
        help_text="Minutes a lock-out lasts.",
        group="Beveiliging",
    )
    / 60
)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = config(
    "AXES_PROXY_COUNT",
    0,
    help_text="Number of reverse proxies in front of the site (for the client address "
    "used by lock-outs and the audit trail).",
    group="Beveiliging",
)

# --- sessions and cookies ---------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = config(
    "SESSION_COOKIE_AGE",
    8 * 3600,
    help_text="Seconds a login stays valid.",
    group="Beveiliging",
)
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- language ---------------------------------------------------------------
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Nederlands")), ("en", _("Engels"))]
LOCALE_PATHS = [WEB_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Amsterdam"
USE_TZ = True

# --- static files -------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [WEB_DIR / "static"]
STATIC_ROOT = (
    config(
        "STATIC_ROOT",
        "",
        help_text="Folder `collectstatic` copies static files to "
        "(production, served by "
        "the web server). Empty: not used.",
        group="Algemeen",
    )
    or None
)
# Without collectstatic (the demo, a plain install) WhiteNoise serves the
# files from the package itself; with STATIC_ROOT set it serves the
# collected copy.
WHITENOISE_USE_FINDERS = STATIC_ROOT is None
WHITENOISE_MAX_AGE = 3600

# --- Veerkracht -----------------------------------------------------------------
VEERKRACHT_DEMO_ACCOUNTS = config(
    "VEERKRACHT_DEMO_ACCOUNTS",
    False,
    help_text="Create the demo accounts (docs/web.md) when the workspace holds the "
    "demo city. Only for the demo; refused in production settings.",
    group="Veerkracht",
)
VEERKRACHT_MAP_MAX_FEATURES = config(
    "VEERKRACHT_MAP_MAX_FEATURES",
    4000,
    help_text="Most places one map request returns; beyond it the map asks to zoom in.",
    group="Veerkracht",
)
VEERKRACHT_MAP_MAX_CONTEXT = config(
    "VEERKRACHT_MAP_MAX_CONTEXT",
    30000,
    help_text="Most base-map features (buildings, streets, outlines) one map request "
    "returns; beyond it the buildings are left out until the user zooms in.",
    group="Veerkracht",
)
VEERKRACHT_IMPORT_MAX_MB = config(
    "VEERKRACHT_IMPORT_MAX_MB",
    2048,  # = veerkracht.io._common.DEFAULT_MAX_MB (checked by a test)
    help_text="Most MiB one input file of `veerkracht import` may hold or expand to "
    "(a .zst is measured as it is unpacked, in a stream); a larger file is refused "
    "with one line (exit code 2 for addresses) instead of running out of memory. "
    "Read by the command line, not by the site.",
    group="Veerkracht",
)
VEERKRACHT_SCAN_MAX_MB = config(
    "VEERKRACHT_SCAN_MAX_MB",
    4096,  # = veerkracht.analytics.warning.scan.DEFAULT_SCAN_MAX_MB (checked by a test)
    help_text="Most MiB the early-warning scan's neighbour lists may take (41 bytes "
    "per pair of a circle centre and a location with signals within the largest "
    "radius; about 100 million pairs). A scan that would need more is refused with "
    "one line before any list is built, naming the largest radius that fits at that "
    "density, instead of running out of memory. Read by `veerkracht warn run`, not "
    "by the site.",
    group="Veerkracht",
)

# --- Signals (docs/signals.md) -------------------------------------------------
VEERKRACHT_REPORT_LIMIT = config(
    "VEERKRACHT_REPORT_LIMIT",
    20,
    help_text="Anonymous reports (form and API) one client address may send per "
    "window; more get 429. Logged-in professionals are not limited. 0: no limit.",
    group="Beveiliging",
)
VEERKRACHT_REPORT_WINDOW_MINUTES = config(
    "VEERKRACHT_REPORT_WINDOW_MINUTES",
    10,
    help_text="The window of VEERKRACHT_REPORT_LIMIT, in minutes.",
    group="Beveiliging",
)
VEERKRACHT_LOGIN_LIMIT = config(
    "VEERKRACHT_LOGIN_LIMIT",
    30,
    help_text="Failed logins one client address may make per window, whatever "
    "the user names (against password spraying; django-axes locks each user "
    "name after AXES_FAILURE_LIMIT); more get 429. 0: no limit.",
    group="Beveiliging",
)
VEERKRACHT_LOGIN_WINDOW_MINUTES = config(
    "VEERKRACHT_LOGIN_WINDOW_MINUTES",
    15,
    help_text="The window of VEERKRACHT_LOGIN_LIMIT, in minutes.",
    group="Beveiliging",
)
VEERKRACHT_SEARCH_LIMIT = config(
    "VEERKRACHT_SEARCH_LIMIT",
    120,
    help_text="Place searches (address, postcode, street or name; the map, the "
    "story forms and /zoeken/) one logged-in user may make per window; more get "
    "429. Slows anyone who would walk the address list through the search. "
    "0: no limit.",
    group="Beveiliging",
)
VEERKRACHT_SEARCH_WINDOW_MINUTES = config(
    "VEERKRACHT_SEARCH_WINDOW_MINUTES",
    1,
    help_text="The window of VEERKRACHT_SEARCH_LIMIT, in minutes.",
    group="Beveiliging",
)
VEERKRACHT_CACHE_DIR = config(
    "VEERKRACHT_CACHE_DIR",
    "",
    help_text="Folder of the site's cache (rate-limit counters), shared by the "
    "server's worker processes. Empty: a folder in the system's temporary folder.",
    group="Algemeen",
)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": VEERKRACHT_CACHE_DIR or str(
            Path(tempfile.gettempdir()) / "veerkracht-web-cache"),
    }
}

VEERKRACHT_SIGNALS_RETENTION_DAYS = config(
    "VEERKRACHT_SIGNALS_RETENTION_DAYS",
    90,
    help_text="Days after a signal is closed before the reporter's contact details and "
    "free text are erased by `python -m veerkracht.web anonymise_signals`.",
    group="Meldingen",
)
VEERKRACHT_SIGNALS_DUPLICATE_METRES = config(
    "VEERKRACHT_SIGNALS_DUPLICATE_METRES",
    50,
    help_text="Open signals of the same category within this distance are suggested "
    "as possible duplicates.",
    group="Meldingen",
)
VEERKRACHT_SIGNALS_DUPLICATE_DAYS = config(
    "VEERKRACHT_SIGNALS_DUPLICATE_DAYS",
    14,
    help_text="How far back (days) possible duplicates are looked for.",
    group="Meldingen",
)
VEERKRACHT_SIGNALS_DEFAULT_TEAM = config(
    "VEERKRACHT_SIGNALS_DEFAULT_TEAM",
    "Centraal meldpunt",
    help_text="Team that receives a signal when no routing rule matches.",
    group="Meldingen",
)
VEERKRACHT_ALERTS_RECENT_DAYS = config(
    "VEERKRACHT_ALERTS_RECENT_DAYS",
    7,
    help_text='Days that count as "this week" in the early-warning list '
    '("Aandacht deze week") and in the weekly e-mail digest.',
    group="Meldingen",
)
VEERKRACHT_SITE_URL = config(
    "VEERKRACHT_SITE_URL",
    "",
    help_text="Public address of the site (https://…), used for the follow link in "
    "status e-mails to reporters. Empty: the link is left out.",
    group="Meldingen",
)
EMAIL_BACKEND = config(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend",
    help_text="Django e-mail backend for status updates to reporters. The default "
    "prints to the console (demo); production uses "
    "django.core.mail.backends.smtp.EmailBackend with EMAIL_HOST and friends.",
    group="Meldingen",
)
EMAIL_HOST = config(
    "EMAIL_HOST", "localhost", help_text="SMTP server for the SMTP backend.",
    group="Meldingen",
)
EMAIL_PORT = config("EMAIL_PORT", 25, help_text="SMTP port.", group="Meldingen")
EMAIL_USE_TLS = config(
    "EMAIL_USE_TLS", False, help_text="STARTTLS to the SMTP server.", group="Meldingen"
)
DEFAULT_FROM_EMAIL = config(
    "DEFAULT_FROM_EMAIL",
    "meldpunt@veerkracht.invalid",
    help_text="Sender address of status e-mails.",
    group="Meldingen",
)

# --- Audit trail (docs/privacy.md, "Audittrail") ------------------------------
VEERKRACHT_AUDIT_KEY = config(
    "VEERKRACHT_AUDIT_KEY",
    "",
    help_text="The audit key ring itself, `id:hex,id:hex` (last = current; 32+ random "
    "bytes each), for secret stores that hand out environment variables. Wins over "
    "VEERKRACHT_AUDIT_KEY_FILE. Never in the database, never committed.",
    group="Auditspoor",
)
VEERKRACHT_AUDIT_KEY_FILE = config(
    "VEERKRACHT_AUDIT_KEY_FILE",
    "",
    help_text="File with the audit key ring (one `id hex` per line, last = current) "
    "that keys the hash chain, the checkpoints and the opaque place keys. Keep it "
    "outside the database and its backups; `veerkracht audit rotate-key` adds a key. "
    "Without a key the trail refuses to write.",
    group="Auditspoor",
)
VEERKRACHT_AUDIT_KEY_CREATE = config(
    "VEERKRACHT_AUDIT_KEY_CREATE",
    False,
    help_text="Create a missing key file with a fresh key (demo and tests only; "
    "refused in production settings).",
    group="Auditspoor",
)
VEERKRACHT_AUDIT_CHECKPOINT_DIR = config(
    "VEERKRACHT_AUDIT_CHECKPOINT_DIR",
    "",
    help_text="Folder (outside the database, ideally write-once or on another host) "
    "where signed checkpoints of the chain are appended to `checkpoints.jsonl`; "
    "`veerkracht audit verify` checks the chain against them.",
    group="Auditspoor",
)
VEERKRACHT_AUDIT_CHECKPOINT_EVERY = config(
    "VEERKRACHT_AUDIT_CHECKPOINT_EVERY",
    100,
    help_text="Write a checkpoint automatically after every this many audit rows "
    "(0: only `veerkracht audit checkpoint`, e.g. from cron every 15 minutes).",
    group="Auditspoor",
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "veerkracht": {"handlers": ["console"], "level": "INFO"},
        "django.security": {"handlers": ["console"], "level": "WARNING"},
        # every 500 with its traceback, also without DEBUG (Django's own
        # console handler only speaks when DEBUG is on); the record names the
        # path, never the form's contents
        "django.request": {"handlers": ["console"], "level": "ERROR"},
    },
}
