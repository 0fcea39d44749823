"""The workspace interface shared by the file and PostgreSQL backends."""

from __future__ import annotations

import abc
import contextlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import geopandas as gpd
import pandas as pd

from veerkracht.errors import WorkspaceError

__all__ = ["OperationRecord", "TableInfo", "Transaction", "Workspace",
           "WorkspaceError"]


@dataclass(frozen=True)
class TableInfo:
    """One table in the catalogue."""

    name: str
    rows: int
    version: int
    crs: str | None
    updated_at: str
    operation_id: int


@dataclass(frozen=True)
class OperationRecord:
    """One committed operation (an import, a derivation, a computation)."""

    id: int
    action: str
    source: str | None
    started_at: str
    finished_at: str
    tables: tuple[str, ...]
    summary: dict = field(default_factory=dict)


def utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Transaction:
    """Collects table replacements; nothing is visible until the commit.

    Use through :meth:`Workspace.transaction`. ``put`` replaces a whole table;
    ``append`` adds rows to an existing one (for results kept per period).
    """

    def __init__(self, workspace: Workspace, action: str, source: str | None):
        self.workspace = workspace
        self.action = action
        self.source = source
        self.started_at = utcnow()
        self.frames: dict[str, pd.DataFrame] = {}
        self.summary: dict = {}

    def put(self, name: str, frame: pd.DataFrame) -> None:
        _check_name(name)
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"table {name!r}: expected a DataFrame, got {type(frame)}")
        if isinstance(frame, gpd.GeoDataFrame) and frame.crs is None:
            raise WorkspaceError(f"table {name!r}: geometry without a CRS")
        self.frames[name] = frame

    def append(self, name: str, frame: pd.DataFrame) -> None:
        """Add rows to a table (the staged version, else the stored one)."""
        if name in self.frames:
            base = self.frames[name]
        elif self.workspace.has(name):
            base = self.workspace.read(name)
        else:
            self.put(name, frame)
            return
        combined = pd.concat([base, frame], ignore_index=True)
        if isinstance(base, gpd.GeoDataFrame):
            combined = gpd.GeoDataFrame(
                combined, geometry=base.geometry.name, crs=base.crs
            )
        self.put(name, combined)


class Workspace(abc.ABC):
    """A place where tables live, with a catalogue and an operation log."""

    location: str

    @abc.abstractmethod
    def tables(self) -> list[TableInfo]:
        """The catalogue: every table, its size and version."""

    def has(self, name: str) -> bool:
        return any(t.name == name for t in self.tables())

    def info(self, name: str) -> TableInfo:
        for t in self.tables():
            if t.name == name:
                return t
        raise WorkspaceError(
            f"de tabel {name!r} bestaat niet in {self.location}; "
            "importeer of bereken die eerst"
        )

    @abc.abstractmethod
    def columns(self, name: str) -> list[str]:
        """The column names of a table, in order, without reading its rows."""

    @abc.abstractmethod
    def read(self, name: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Read a whole table (a GeoDataFrame when it has geometry)."""

    @abc.abstractmethod
    def operations(self) -> list[OperationRecord]:
        """The log of committed operations, oldest first."""

    @abc.abstractmethod
    def _commit(self, tx: Transaction) -> int:
        """Make every staged table visible at once; return the operation id."""

    @contextlib.contextmanager
    def transaction(
        self, action: str, source: str | None = None
    ) -> Iterator[Transaction]:
        """All-or-nothing: commit on a clean exit, discard on any exception."""
        tx = Transaction(self, action, source)
        yield tx
        if tx.frames:
            self._commit(tx)

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _check_name(name: str) -> None:
    if not name or not all(c.isalnum() or c == "_" for c in name) or name[0].isdigit():
        raise WorkspaceError(f"invalid table name {name!r}: use letters, digits and _")


def dumps_summary(summary: dict) -> str:
    return json.dumps(summary, ensure_ascii=False, default=str, sort_keys=True)
