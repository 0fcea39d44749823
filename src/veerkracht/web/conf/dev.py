"""The embedded demo on this machine: harmless defaults, demo accounts on."""

import os

os.environ.setdefault(
    "SECRET_KEY", "dev-only-not-secret-veerkracht-demo-key-0123456789"
)
os.environ.setdefault("VEERKRACHT_DEMO_ACCOUNTS", "true")

from veerkracht.web.conf.base import *  # noqa: E402,F403

DEBUG = False  # the demo runs like production would, only without HTTPS
