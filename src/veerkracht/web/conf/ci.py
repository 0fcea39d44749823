"""The test suite: fast password hashing, a throw-away workspace."""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "ci-only-not-secret-veerkracht-test-key-0123456789")
os.environ.setdefault("VEERKRACHT_WORKSPACE", tempfile.mkdtemp(prefix="vk-ci-"))
os.environ.setdefault("VEERKRACHT_DEMO_ACCOUNTS", "true")
_audit = tempfile.mkdtemp(prefix="vk-ci-audit-")
os.environ.setdefault("VEERKRACHT_AUDIT_KEY_FILE", os.path.join(_audit, "audit.key"))
os.environ.setdefault("VEERKRACHT_AUDIT_KEY_CREATE", "true")
# checkpoints only where a test asks for them (tests point the folder at tmp_path)
os.environ.setdefault("VEERKRACHT_AUDIT_CHECKPOINT_EVERY", "0")

from veerkracht.web.conf.base import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AXES_ENABLED = True
