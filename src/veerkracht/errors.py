"""Errors the command line catches before any heavy module is loaded.

:class:`WorkspaceError` is defined here, not in :mod:`veerkracht.store.base`
(which re-exports it), so that ``veerkracht.cli.main`` can catch it without
importing the store and with it pandas and geopandas.
"""

from __future__ import annotations

__all__ = ["WorkspaceError"]


class WorkspaceError(RuntimeError):
    """A workspace cannot be opened, read or written."""
