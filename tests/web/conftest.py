"""Django for the web tests only: the pure-core tests stay Django-free.

pytest-django picks the settings up lazily, when the first test that needs
Django runs, so setting the variable here (and not in pyproject.toml) is
enough.
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "veerkracht.web.conf.ci")

import django  # noqa: E402

django.setup()  # so test modules may import models at the top

from tests.web.fixtures import *  # noqa: E402,F401,F403
