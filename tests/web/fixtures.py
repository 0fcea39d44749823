"""Fixtures for the web tests (re-exported by conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fresh_workspace_cache():
    from veerkracht.web import workspace
    from veerkracht.web.accounts import scoping

    workspace.reset()
    scoping.clear_cache()
    yield
    workspace.reset()
    scoping.clear_cache()
