"""The test suite: fast password hashing, a throw-away workspace."""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "ci-only-not-secret-veerkracht-test-key-0123456789")
os.environ.setdefault("VEERKRACHT_WORKSPACE", tempfile.mkdtemp(prefix="vk-ci-"))
os.environ.setdefault("VEERKRACHT_DEMO_ACCOUNTS", "true")

from veerkracht.web.conf.base import *  # noqa: E402,F403

# the audit key of the test run, in a folder of its own; set here and not in the
# environment, so subprocesses started by tests (production checks) never get it
VEERKRACHT_AUDIT_KEY_FILE = os.path.join(
    tempfile.mkdtemp(prefix="vk-ci-audit-"), "audit.key"
)
VEERKRACHT_AUDIT_KEY_CREATE = True
# checkpoints only where a test asks for them (tests point the folder at tmp_path)
VEERKRACHT_AUDIT_CHECKPOINT_EVERY = 0

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AXES_ENABLED = True
# rate limits only where a test asks for them (many tests send many reports
# and failed logins from one address), and a cache of the run's own
VEERKRACHT_REPORT_LIMIT = 0
VEERKRACHT_LOGIN_LIMIT = 0
VEERKRACHT_SEARCH_LIMIT = 0
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
