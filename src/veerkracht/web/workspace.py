"""Read-only access to the workspace tables the site shows, cached per version.

Tables are read once and kept in memory until the workspace catalogue says a
newer version was committed (the key is the table's version number).
"""

from __future__ import annotations

import threading
from functools import lru_cache

import pandas as pd
from django.conf import settings

from veerkracht.store import Workspace, open_workspace

_lock = threading.Lock()
_workspaces: dict[str, Workspace] = {}


def workspace() -> Workspace:
    """The workspace of ``settings.VEERKRACHT_WORKSPACE`` (opened once)."""
    location = str(settings.VEERKRACHT_WORKSPACE)
    with _lock:
        ws = _workspaces.get(location)
        if ws is None:
            ws = _workspaces[location] = open_workspace(location)
        return ws


def versions() -> dict[str, int]:
    """Table name -> version, from the catalogue (cheap)."""
    return {t.name: t.version for t in workspace().tables()}


def version_of(name: str) -> int | None:
    return versions().get(name)


@lru_cache(maxsize=32)
def _read(location: str, name: str, version: int) -> pd.DataFrame:
    return workspace().read(name)


def table(name: str) -> pd.DataFrame | None:
    """The current version of table ``name`` (shared, do not modify), or ``None``."""
    version = version_of(name)
    if version is None:
        return None
    return _read(str(settings.VEERKRACHT_WORKSPACE), name, version)


def reset() -> None:
    """Forget opened workspaces and cached tables (tests, after a new demo)."""
    with _lock:
        for ws in _workspaces.values():
            ws.close()
        _workspaces.clear()
    _read.cache_clear()
