"""The embedded demo on this machine: harmless defaults, demo accounts on."""

import os
from pathlib import Path

os.environ.setdefault(
    "SECRET_KEY", "dev-only-not-secret-veerkracht-demo-key-0123456789"
)
os.environ.setdefault("VEERKRACHT_DEMO_ACCOUNTS", "true")


def _audit_home() -> Path:
    """The demo keeps its audit key and checkpoints in the workspace folder."""
    location = os.environ.get("VEERKRACHT_WORKSPACE", "veerkracht-data")
    if location.startswith(("postgresql://", "postgres://")):
        return Path.cwd() / ".veerkracht-audit"
    return Path(location) / "audit"


os.environ.setdefault("VEERKRACHT_AUDIT_KEY_FILE", str(_audit_home() / "audit.key"))
os.environ.setdefault("VEERKRACHT_AUDIT_CHECKPOINT_DIR", str(_audit_home()))
os.environ.setdefault("VEERKRACHT_AUDIT_KEY_CREATE", "true")

from veerkracht.web.conf.base import *  # noqa: E402,F403

DEBUG = False  # the demo runs like production would, only without HTTPS
