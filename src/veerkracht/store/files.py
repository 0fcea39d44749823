"""The embedded workspace: a folder with a SQLite catalogue and GeoParquet tables.

Layout::

    DIR/workspace.sqlite        catalogue (tables) and operation log (operations)
    DIR/tables/NAME-VERSION.parquet
    DIR/tables/.staging-*/      files of commits being written
    DIR/writers.lock            held shared by every writer while it stages
    DIR/exclusive.lock          held by :meth:`FileWorkspace.lock`

A commit writes every new table file into its own staging folder first, then,
under SQLite's write lock, checks that no table it replaces changed since this
thread read it (ADR 0010), moves the files into place under fresh version
names and switches the catalogue in one SQLite transaction. Readers only ever
follow the catalogue, so they see the old state or the new one, never a mix.
Files that the catalogue no longer names (superseded versions, leftovers of an
interrupted commit) are removed after the switch and when the folder is
opened; staging folders of a killed run are removed at the next open, but
only while no writer holds ``writers.lock`` (the kernel releases the lock of a
killed process, so a live writer's folder is never touched).
A full disk ends in one Dutch :class:`WorkspaceError` and the folder as it was.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

try:  # POSIX; elsewhere staging folders are swept by age only
    import fcntl
except ImportError:  # pragma: no cover - not on the supported platforms
    fcntl = None

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from veerkracht.store.base import (
    OperationRecord,
    TableInfo,
    Transaction,
    Workspace,
    WorkspaceError,
    disk_full_error,
    dumps_summary,
    is_disk_full,
    points_xy,
    utcnow,
)

#: Without ``fcntl``, staging folders older than this are taken as abandoned.
STAGING_MAX_AGE_S = 86400
#: A superseded file can vanish between finding and opening it; read again.
_READ_ATTEMPTS = 5

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


class _Reader:
    """A thread's kept connection to the catalogue and what it read last."""

    def __init__(self, ident: tuple[int, int, int], con: sqlite3.Connection):
        self.ident = ident
        self.con = con
        self.version: int | None = None
        self.tables: list[TableInfo] | None = None


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
            # two processes may create it at once (exist_ok: not an error)
            self.path.mkdir(parents=True, exist_ok=True)
        self.db_path = self.path / "workspace.sqlite"
        try:
            (self.path / "tables").mkdir(exist_ok=True)
            con = self._connect()
            try:
                con.executescript(_SCHEMA)
            finally:
                con.close()
            self._sweep()
        except (OSError, sqlite3.Error) as exc:
            if is_disk_full(exc):
                raise disk_full_error(self.location) from None
            raise

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.db_path, timeout=30, isolation_level=None)
        # Switching a new file to WAL needs an exclusive lock, and SQLite does
        # not wait for it through the busy timeout: two processes opening a
        # new workspace at once got "database is locked". WAL is kept in the
        # file, so only the first switch can meet that; it is retried.
        deadline = time.monotonic() + 30
        while True:
            try:
                con.execute("PRAGMA journal_mode=WAL")
                return con
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    con.close()
                    raise
                time.sleep(0.05)

    # -- reading -----------------------------------------------------------
    def tables(self) -> list[TableInfo]:
        """The catalogue. Each thread keeps a connection and the catalogue as
        it last read it, and reads it again only when SQLite's
        ``data_version`` says another connection committed since: the web
        site asks for every report and map request, and opening the file
        each time was most of that."""
        kept = self._catalogue_reader()
        if kept is None:
            con = self._connect()
            try:
                return self._read_catalogue(con)
            finally:
                con.close()
        version = kept.con.execute("PRAGMA data_version").fetchone()[0]
        if kept.tables is None or kept.version != version:
            # read after the version: a commit in between only makes the
            # next call read again
            kept.tables = self._read_catalogue(kept.con)
            kept.version = version
        return list(kept.tables)

    @staticmethod
    def _read_catalogue(con: sqlite3.Connection) -> list[TableInfo]:
        rows = con.execute(
            "SELECT name, rows, version, crs, updated_at, operation_id "
            "FROM tables ORDER BY name"
        ).fetchall()
        return [TableInfo(*r) for r in rows]

    def _catalogue_reader(self) -> _Reader | None:
        """This thread's reading connection to the catalogue, opened again
        after a fork or when the file was replaced; ``None`` when the file is
        gone (the caller opens it the usual way, which creates it again)."""
        try:
            st = os.stat(self.db_path)
        except OSError:
            return None
        local = self.__dict__.get("_readers")
        if local is None:
            local = self.__dict__.setdefault("_readers", threading.local())
        kept = getattr(local, "reader", None)
        ident = (os.getpid(), st.st_dev, st.st_ino)
        if kept is None or kept.ident != ident:
            if kept is not None and kept.ident[0] == os.getpid():
                kept.con.close()
            kept = local.reader = _Reader(ident, self._connect())
        return kept

    def _file_of(self, name: str) -> tuple[Path, int]:
        con = self._connect()
        try:
            row = con.execute(
                "SELECT file, version FROM tables WHERE name = ?", (name,)
            ).fetchone()
        finally:
            con.close()
        if row is None:
            self.info(name)  # raises the friendly error
        return self.path / "tables" / row[0], int(row[1])

    def columns(self, name: str) -> list[str]:
        for attempt in range(_READ_ATTEMPTS):
            file, _ = self._file_of(name)
            try:
                return list(pq.read_schema(file).names)
            except FileNotFoundError:  # superseded by a commit meanwhile
                if attempt == _READ_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def read(self, name: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
        return self._read_table(name, columns, self._read_file)

    def read_points(self, name: str, columns: Sequence[str] | None = None
                    ) -> pd.DataFrame:
        return self._read_table(name, columns, _read_file_points)

    def _read_table(self, name: str, columns, reader) -> pd.DataFrame:
        for attempt in range(_READ_ATTEMPTS):
            file, version = self._file_of(name)
            try:
                frame = reader(file, columns)
            except FileNotFoundError:  # superseded by a commit meanwhile
                if attempt == _READ_ATTEMPTS - 1:
                    raise
                continue
            self._remember(name, version)
            return frame
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _read_file(file: Path, columns: Sequence[str] | None) -> pd.DataFrame:
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
        try:
            return self._commit_staged(tx)
        except (OSError, sqlite3.Error) as exc:
            if is_disk_full(exc):
                raise disk_full_error(self.location) from None
            raise

    def _commit_staged(self, tx: Transaction) -> int:
        tables = self.path / "tables"
        with self._writer(), self._staging() as staging:
            staged = []
            for name, frame in tx.frames.items():
                _write_parquet(frame, staging / f"{name}.parquet")
                crs = (
                    frame.crs.to_string()
                    if isinstance(frame, gpd.GeoDataFrame)
                    else None
                )
                staged.append((name, len(frame), crs))
            con = self._connect()
            moved: list[Path] = []
            try:
                # SQLite's write lock: one commit at a time, and the versions
                # read now are the ones committed.
                con.execute("BEGIN IMMEDIATE")
                now = dict(con.execute("SELECT name, version FROM tables").fetchall())
                self._check_unchanged(tx.frames, now)
                cur = con.execute(
                    "INSERT INTO operations "
                    "(action, source, started_at, finished_at, tables, "
                    "summary) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        tx.action,
                        tx.source,
                        tx.started_at,
                        utcnow(),
                        json.dumps([n for n, *_ in staged]),
                        dumps_summary(tx.summary),
                    ),
                )
                op_id = cur.lastrowid
                versions = {}
                for name, rows, crs in staged:
                    version = now.get(name, 0) + 1
                    fname = f"{name}-{version}.parquet"
                    (staging / f"{name}.parquet").replace(tables / fname)
                    moved.append(tables / fname)
                    con.execute(
                        "INSERT OR REPLACE INTO tables (name, file, rows, version, "
                        "crs, updated_at, operation_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (name, fname, rows, version, crs, utcnow(), op_id),
                    )
                    versions[name] = version
                con.execute("COMMIT")
            except BaseException:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                for f in moved:
                    f.unlink(missing_ok=True)
                raise
            finally:
                con.close()
        tx.versions.update(versions)
        # Committed: a failed clean-up must not report a failure (superseded
        # files then go at the next commit or open).
        with contextlib.suppress(OSError, sqlite3.Error):
            self._sweep()
        return int(op_id)

    @contextlib.contextmanager
    def _staging(self) -> Iterator[Path]:
        """A fresh staging folder, removed afterwards whatever happens."""
        staging = self.path / "tables" / f".staging-{uuid.uuid4().hex}"
        staging.mkdir()
        try:
            yield staging
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    @contextlib.contextmanager
    def _writer(self) -> Iterator[None]:
        """Hold ``writers.lock`` shared while staging (many writers at once).

        The sweep removes staging folders only when it gets the lock
        exclusively, i.e. when no writer of any process is staging.
        """
        if fcntl is None:  # pragma: no cover
            yield
            return
        fd = os.open(self.path / "writers.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
            yield
        finally:
            os.close(fd)  # releases the lock

    @contextlib.contextmanager
    def lock(self, purpose: str) -> Iterator[None]:
        """Hold ``exclusive.lock`` (waits while another process holds it)."""
        if fcntl is None:  # pragma: no cover
            yield
            return
        fd = os.open(self.path / "exclusive.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()} {purpose}\n".encode())
            yield
        finally:
            os.close(fd)

    def _sweep(self) -> None:
        """Remove table files the catalogue does not name, and dead staging.

        Table files are removed under SQLite's write lock, so the sweep never
        races a commit that is moving its files into place. Staging folders
        (of a killed or crashed run) are removed only when ``writers.lock``
        can be had exclusively at once: then no writer is staging, since each
        holds it shared from before it creates its folder until after it
        removes it. Without ``fcntl`` a folder a day old counts as abandoned.
        """
        tables = self.path / "tables"
        con = self._connect()
        try:
            con.execute("BEGIN IMMEDIATE")
            live = {r[0] for r in con.execute("SELECT file FROM tables")}
            for f in tables.iterdir():
                if f.is_file() and not f.name.startswith(".") and f.name not in live:
                    f.unlink(missing_ok=True)
            con.execute("COMMIT")
        finally:
            if con.in_transaction:
                con.execute("ROLLBACK")
            con.close()
        stale = [f for f in tables.iterdir()
                 if f.is_dir() and f.name.startswith(".staging-")]
        if not stale:
            return
        if fcntl is None:  # pragma: no cover
            cutoff = time.time() - STAGING_MAX_AGE_S
            for f in stale:
                if f.stat().st_mtime < cutoff:
                    shutil.rmtree(f, ignore_errors=True)
            return
        fd = os.open(self.path / "writers.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return  # a writer is staging; the next open sweeps
            for f in tables.iterdir():
                if f.is_dir() and f.name.startswith(".staging-"):
                    shutil.rmtree(f, ignore_errors=True)
        finally:
            os.close(fd)


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    if isinstance(frame, gpd.GeoDataFrame):
        frame.to_parquet(
            path, index=False, compression="zstd", write_covering_bbox=False
        )
    else:
        frame.to_parquet(path, index=False, compression="zstd")


#: Bytes of one 2-D point in little-endian WKB: order (1), type (4), x, y.
_WKB_POINT_BYTES = 21


def _wkb_points_xy(column) -> tuple[np.ndarray, np.ndarray] | None:
    """x and y of a WKB column of plain 2-D little-endian points, read
    straight from Arrow's buffers; None when any value is something else
    (null, another byte order or shape, a Z value, an SRID)."""
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if isinstance(arr, pa.ExtensionArray):
        arr = arr.storage
    if arr.null_count or not (pa.types.is_binary(arr.type)
                              or pa.types.is_large_binary(arr.type)):
        return None
    n = len(arr)
    if n == 0:
        return np.zeros(0), np.zeros(0)
    width = np.int64 if pa.types.is_large_binary(arr.type) else np.int32
    offsets = np.frombuffer(arr.buffers()[1], dtype=width)
    offsets = offsets[arr.offset:arr.offset + n + 1]
    if not (np.diff(offsets) == _WKB_POINT_BYTES).all():
        return None
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)
    rec = data[offsets[0]:offsets[-1]].reshape(n, _WKB_POINT_BYTES)
    head = rec[:, :5].copy()
    if not ((head[:, 0] == 1).all() and (head[:, 1:].view("<u4")[:, 0] == 1).all()):
        return None
    return (rec[:, 5:13].copy().view("<f8")[:, 0].astype(np.float64),
            rec[:, 13:21].copy().view("<f8")[:, 0].astype(np.float64))


def _read_file_points(file: Path, columns: Sequence[str] | None) -> pd.DataFrame:
    """:func:`~veerkracht.store.base.points_xy` of a table file, without a
    geometry object per row when the geometry holds plain points."""
    meta = pq.read_metadata(file).metadata or {}
    cols = list(columns) if columns is not None else None
    if b"geo" not in meta:
        return points_xy(pd.read_parquet(file, columns=cols))
    geom_col = json.loads(meta[b"geo"])["primary_column"]
    if geom_col != "geometry" or (cols is not None and geom_col not in cols):
        return points_xy(FileWorkspace._read_file(file, cols))
    xy = _wkb_points_xy(pq.read_table(file, columns=[geom_col]).column(geom_col))
    if xy is None:
        return points_xy(FileWorkspace._read_file(file, cols))
    names = cols if cols is not None else list(pq.read_schema(file).names)
    out = pd.read_parquet(file, columns=[c for c in names if c != geom_col])
    out["x"], out["y"] = xy
    return out
