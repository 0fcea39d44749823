"""The embedded workspace: a folder with a SQLite catalogue and GeoParquet tables.

Layout::

    DIR/workspace.sqlite        catalogue (tables) and operation log (operations)
    DIR/tables/NAME-VERSION.parquet

A commit writes every new table file under a fresh version name first, then
switches the catalogue in one SQLite transaction. Readers only ever follow the
catalogue, so they see the old state or the new one, never a mix. Files that
the catalogue no longer names (superseded versions, leftovers of an
interrupted commit) are removed after the switch and when the folder is opened.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq

from veerkracht.store.base import (
    OperationRecord,
    TableInfo,
    Transaction,
    Workspace,
    WorkspaceError,
    dumps_summary,
    utcnow,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tables (
    name TEXT PRIMARY KEY,
    file TEXT NOT NULL,
    rows INTEGER NOT NULL,
    version INTEGER NOT NULL,
    crs TEXT,
    updated_at TEXT NOT NULL,
    operation_id INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS operations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    action TEXT NOT NULL,
    source TEXT,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    tables TEXT NOT NULL,
    summary TEXT NOT NULL
);
"""


class FileWorkspace(Workspace):
    """A workspace folder (created when missing)."""

    def __init__(self, path: str | os.PathLike[str], *, create: bool = True):
        self.path = Path(path)
        self.location = str(self.path)
        if self.path.exists() and not self.path.is_dir():
            raise WorkspaceError(f"{self.path} is geen map")
        if not self.path.exists():
            if not create:
                raise WorkspaceError(f"werkmap {self.path} bestaat niet")
            self.path.mkdir(parents=True)
        (self.path / "tables").mkdir(exist_ok=True)
        self.db_path = self.path / "workspace.sqlite"
        with self._connect() as con:
            con.executescript(_SCHEMA)
        self._sweep()

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.db_path, timeout=30, isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")
        return con

    # -- reading -----------------------------------------------------------
    def tables(self) -> list[TableInfo]:
        con = self._connect()
        try:
            rows = con.execute(
                "SELECT name, rows, version, crs, updated_at, operation_id "
                "FROM tables ORDER BY name"
            ).fetchall()
        finally:
            con.close()
        return [TableInfo(*r) for r in rows]

    def _file_of(self, name: str) -> Path:
        con = self._connect()
        try:
            row = con.execute(
                "SELECT file FROM tables WHERE name = ?", (name,)
            ).fetchone()
        finally:
            con.close()
        if row is None:
            self.info(name)  # raises the friendly error
        return self.path / "tables" / row[0]

    def columns(self, name: str) -> list[str]:
        return list(pq.read_schema(self._file_of(name)).names)

    def read(self, name: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
        file = self._file_of(name)
        meta = pq.read_metadata(file).metadata or {}
        cols = list(columns) if columns is not None else None
        if b"geo" in meta:
            geo = json.loads(meta[b"geo"])
            geom_col = geo["primary_column"]
            if cols is not None and geom_col not in cols:
                return pd.read_parquet(file, columns=cols)
            return gpd.read_parquet(file, columns=cols)
        return pd.read_parquet(file, columns=cols)

    def operations(self) -> list[OperationRecord]:
        con = self._connect()
        try:
            rows = con.execute(
                "SELECT id, action, source, started_at, finished_at, tables, summary "
                "FROM operations ORDER BY id"
            ).fetchall()
        finally:
            con.close()
        return [
            OperationRecord(
                r[0], r[1], r[2], r[3], r[4], tuple(json.loads(r[5])), json.loads(r[6])
            )
            for r in rows
        ]

    # -- writing -----------------------------------------------------------
    def _commit(self, tx: Transaction) -> int:
        staging = self.path / "tables" / f".staging-{uuid.uuid4().hex}"
        staging.mkdir()
        con = self._connect()
        moved: list[Path] = []
        try:
            current = dict(con.execute("SELECT name, version FROM tables").fetchall())
            plan = []
            for name, frame in tx.frames.items():
                version = current.get(name, 0) + 1
                fname = f"{name}-{version}.parquet"
                _write_parquet(frame, staging / fname)
                crs = (
                    frame.crs.to_string()
                    if isinstance(frame, gpd.GeoDataFrame)
                    else None
                )
                plan.append((name, fname, len(frame), version, crs))
            con.execute("BEGIN IMMEDIATE")
            # Re-check versions under the write lock: a concurrent writer loses.
            now = dict(con.execute("SELECT name, version FROM tables").fetchall())
            if any(now.get(n) != current.get(n) for n, *_ in plan):
                raise WorkspaceError(
                    "de werkmap is intussen door een ander proces gewijzigd"
                )
            for _, fname, *_ in plan:
                (staging / fname).replace(self.path / "tables" / fname)
                moved.append(self.path / "tables" / fname)
            cur = con.execute(
                "INSERT INTO operations "
                "(action, source, started_at, finished_at, tables, "
                "summary) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    tx.action,
                    tx.source,
                    tx.started_at,
                    utcnow(),
                    json.dumps([p[0] for p in plan]),
                    dumps_summary(tx.summary),
                ),
            )
            op_id = cur.lastrowid
            for name, fname, rows, version, crs in plan:
                con.execute(
                    "INSERT OR REPLACE INTO tables (name, file, rows, version, crs, "
                    "updated_at, operation_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (name, fname, rows, version, crs, utcnow(), op_id),
                )
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            for f in moved:
                f.unlink(missing_ok=True)
            raise
        finally:
            con.close()
            shutil.rmtree(staging, ignore_errors=True)
        self._sweep()
        return int(op_id)

    def _sweep(self) -> None:
        """Remove table files the catalogue does not name.

        Runs under the write lock, so it never races a commit that is moving
        its files into place; staging folders of other writers are left alone
        unless a day old (an interrupted process).
        """
        con = self._connect()
        try:
            con.execute("BEGIN IMMEDIATE")
            live = {r[0] for r in con.execute("SELECT file FROM tables")}
            cutoff = time.time() - 86400
            for f in (self.path / "tables").iterdir():
                if f.is_dir():
                    if f.name.startswith(".staging-") and f.stat().st_mtime < cutoff:
                        shutil.rmtree(f, ignore_errors=True)
                elif f.name not in live:
                    f.unlink(missing_ok=True)
            con.execute("COMMIT")
        finally:
            if con.in_transaction:
                con.execute("ROLLBACK")
            con.close()


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    if isinstance(frame, gpd.GeoDataFrame):
        frame.to_parquet(
            path, index=False, compression="zstd", write_covering_bbox=False
        )
    else:
        frame.to_parquet(path, index=False, compression="zstd")
