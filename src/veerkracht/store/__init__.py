"""The workspace: where imported and derived tables live.

Two backends share one interface (:class:`~veerkracht.store.base.Workspace`):

* a folder with SQLite (the catalogue and operation log) and GeoParquet files
  (the tables) — the embedded default, nothing to install;
* a PostgreSQL database, addressed by a ``postgresql://`` URL.

Every change happens in a transaction: either all tables of an import are
replaced, or none is (``docs/architecture.md``, "All-or-nothing").
"""

from veerkracht.store.base import (
    OperationRecord,
    TableInfo,
    Transaction,
    Workspace,
    WorkspaceError,
    concat_rows,
    points_xy,
)
from veerkracht.store.open import default_location, open_workspace

__all__ = [
    "OperationRecord",
    "TableInfo",
    "Transaction",
    "Workspace",
    "WorkspaceError",
    "concat_rows",
    "default_location",
    "open_workspace",
    "points_xy",
]
