"""Open a workspace from a folder path or a PostgreSQL URL."""

from __future__ import annotations

import os

from veerkracht.defaults import DEFAULT_DIR, ENV_VAR
from veerkracht.store.base import Workspace


def default_location() -> str:
    """``$VEERKRACHT_WORKSPACE`` or ``./veerkracht-data``."""
    return os.environ.get(ENV_VAR) or DEFAULT_DIR


def open_workspace(location: str | os.PathLike[str] | None = None) -> Workspace:
    """Open (and create when needed) the workspace at ``location``.

    A ``postgresql://`` or ``postgres://`` URL opens the PostgreSQL backend;
    anything else is a folder.
    """
    loc = str(location) if location is not None else default_location()
    if loc.startswith(("postgresql://", "postgres://")):
        from veerkracht.store.postgres import PostgresWorkspace

        return PostgresWorkspace(loc)
    from veerkracht.store.files import FileWorkspace

    return FileWorkspace(loc)
