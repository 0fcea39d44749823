"""The production workspace: tables in a PostgreSQL schema.

Each table version is a real table ``veerkracht."NAME__vN"`` (geometry as WKB
in a ``bytea`` column, so PostGIS is optional); the catalogue
``veerkracht.vk_tables`` names the live version. A commit creates and loads
the new versions, switches the catalogue and drops the old versions in one
PostgreSQL transaction: DDL is transactional there, so an error anywhere
leaves the database exactly as it was (a killed client leaves nothing
behind: the server rolls its transaction back).

Concurrent writers (ADR 0010): a commit locks the catalogue exclusively and
refuses, in Dutch, to replace a table that another writer committed since
this thread read it; :meth:`PostgresWorkspace.lock` is a session advisory
lock for work that must not run twice at once. A full disk (SQLSTATE 53100)
ends in one Dutch :class:`WorkspaceError`.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from veerkracht.store.base import (
    OperationRecord,
    TableInfo,
    Transaction,
    Workspace,
    WorkspaceError,
    disk_full_error,
    dumps_summary,
    points_xy,
    utcnow,
)

SCHEMA = "veerkracht"
#: Key of the advisory lock taken by :meth:`PostgresWorkspace.lock`.
LOCK_KEY = 0x7665_6572_6B72_6368  # "veerkrch"
#: Key of the transaction lock around the catalogue's creation.
_DDL_LOCK_KEY = LOCK_KEY + 1
#: A superseded version can be dropped between finding and copying it.
_READ_ATTEMPTS = 5
#: Rows per slice of CSV text sent to ``COPY ... FROM STDIN``.
_COPY_ROWS = 100_000

_DDL = f"""
CREATE SCHEMA IF NOT EXISTS {SCHEMA};
CREATE TABLE IF NOT EXISTS {SCHEMA}.vk_tables (
    name TEXT PRIMARY KEY,
    physical TEXT NOT NULL,
    rows BIGINT NOT NULL,
    version INTEGER NOT NULL,
    crs TEXT,
    geometry_column TEXT,
    dtypes JSONB NOT NULL,
    updated_at TEXT NOT NULL,
    operation_id BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS {SCHEMA}.vk_operations (
    id BIGSERIAL PRIMARY KEY,
    action TEXT NOT NULL,
    source TEXT,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    tables JSONB NOT NULL,
    summary JSONB NOT NULL
);
"""


class _CopyStream(io.RawIOBase):
    """The blocks of a ``COPY ... TO STDOUT`` as a readable binary file."""

    def __init__(self, copy) -> None:
        self._blocks = iter(copy)
        self._rest = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        out = memoryview(buffer).cast("B")
        n = 0
        while n < len(out):
            if not len(self._rest):
                block = next(self._blocks, None)
                if block is None:
                    break
                self._rest = memoryview(block).cast("B")
            k = min(len(out) - n, len(self._rest))
            out[n:n + k] = self._rest[:k]
            self._rest = self._rest[k:]
            n += k
        return n


def _arrow_type(dt: str):
    """The Arrow type a stored column is parsed as (text where pandas
    converts afterwards)."""
    import pyarrow as pa

    if dt in ("bool", "boolean"):
        return pa.bool_()
    if dt == "category":  # an older catalogue entry: no dictionary of its own
        return pa.dictionary(pa.int32(), pa.string())
    if dt.startswith("datetime64") or dt in ("object", "string", "str", "geometry"):
        # dates as text, parsed by pandas: PostgreSQL writes whole seconds
        # without a fraction ("04:11:30+00" beside "04:11:30.5+00")
        return pa.string()
    try:
        return pa.from_numpy_dtype(np.dtype(dt.lower()))  # Int64 -> int64 too
    except TypeError:
        return pa.string()


def _parse_copy(copy, cols: list[str], dtypes: dict[str, str],
                dictionaries: dict[str, list[str]], geom_col: str | None
                ) -> pd.DataFrame:
    """A ``COPY ... TO STDOUT (FORMAT csv)`` stream as a frame of the stored
    dtypes, parsed by Arrow's multithreaded CSV reader (7 times pandas's C
    parser on the dwellings of a 500,000-address replica). NULL is the
    unquoted empty field and an empty string the quoted one, as PostgreSQL
    writes them."""
    import pyarrow as pa

    types = {c: pa.int32() if c in dictionaries
             else _arrow_type("geometry" if c == geom_col else dtypes[c])
             for c in cols}
    if copy is None:  # no rows: Arrow's reader refuses an empty input
        table = pa.table({c: pa.array([], type=t) for c, t in types.items()})
    else:
        table = _read_arrow_csv(copy, cols, types)
    # Arrow's buffers are freed column by column as pandas takes them over,
    # so a table is not held twice (places on the national replica peaked
    # at 8.6 GiB with both)
    frame = table.to_pandas(self_destruct=True, split_blocks=True)
    del table
    for c in cols:
        dt = dtypes[c]
        if c == geom_col:
            continue
        if c in dictionaries:
            codes = frame[c].fillna(-1).to_numpy(dtype="int32")
            frame[c] = pd.Categorical.from_codes(
                codes, categories=pd.Index(dictionaries[c], dtype="str"))
        elif dt.startswith("datetime64"):
            parsed = pd.to_datetime(frame[c], utc="UTC" in dt, format="ISO8601")
            try:
                frame[c] = parsed.astype(dt)
            except (TypeError, ValueError):  # a dtype string pandas cannot make
                frame[c] = parsed
        elif dt == "category":
            frame[c] = frame[c].astype("category")
        elif str(frame[c].dtype) != dt:
            frame[c] = frame[c].astype(dt)
    return frame


def _storable(frame: pd.DataFrame, geom_col: str | None,
              dictionaries: dict[str, list[str]]) -> pd.DataFrame:
    """Rows as they are stored: a dictionary column's codes (NULL for a
    missing value), other categoricals as their values, the geometry as
    ``\\x``-prefixed hex WKB (NULL where missing)."""
    out = pd.DataFrame(frame, copy=False)
    changed = {}
    for c in frame.columns:
        if c in dictionaries:
            k = frame[c].cat.codes.astype("int32")
            changed[c] = pd.array(k.where(k >= 0), dtype="Int32")
        elif c != geom_col and isinstance(frame[c].dtype, pd.CategoricalDtype):
            changed[c] = frame[c].astype(object)  # categories that are not text
    if geom_col:
        wkb = shapely.to_wkb(frame[geom_col].to_numpy(), hex=True)
        has = pd.notna(wkb)
        hexed = np.full(len(wkb), None, dtype=object)
        hexed[has] = np.char.add("\\x", wkb[has].astype(str)).astype(object)
        changed[geom_col] = hexed
    return out.assign(**changed) if changed else out


def _csv_text(frame: pd.DataFrame) -> bytes:
    """Rows as PostgreSQL's CSV: NULL the unquoted empty field, every text
    quoted (so an empty string is ``""``), written by Arrow (10 to 20 times
    pandas's ``to_csv`` on the households and results of a replica)."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    # mixed Python objects in a text column are refused, as Parquet does
    table = pa.Table.from_pandas(frame, preserve_index=False)
    sink = io.BytesIO()
    pcsv.write_csv(table, sink, pcsv.WriteOptions(include_header=False,
                                                   quoting_style="needed"))
    return sink.getvalue()


def _read_arrow_csv(copy, cols: list[str], types: dict):
    import pyarrow.csv as pcsv

    return pcsv.read_csv(
        io.BufferedReader(_CopyStream(copy), buffer_size=1 << 20),
        read_options=pcsv.ReadOptions(column_names=cols, block_size=1 << 24),
        parse_options=pcsv.ParseOptions(newlines_in_values=True),
        convert_options=pcsv.ConvertOptions(
            column_types=types, null_values=[""], strings_can_be_null=True,
            quoted_strings_can_be_null=False, true_values=["t"],
            false_values=["f"]),
    )


#: hex WKB of a little-endian 2-D point: byte order 01, type 1, x, y
_POINT_HEX = "0101000000"
_POINT_HEX_LEN = 42


def _points_from_hex(frame: pd.DataFrame, geom_col: str | None, crs
                     ) -> pd.DataFrame:
    """The frame with plain ``x``/``y`` for its hex-WKB geometry column.

    Little-endian 2-D points (what shapely writes) are decoded as bytes, all
    at once; any other shape goes through shapely and
    :func:`~veerkracht.store.base.points_xy`, so the result is the same.
    """
    if geom_col is None:
        return points_xy(frame)
    hexes = frame[geom_col]
    out = pd.DataFrame(frame.drop(columns=geom_col))
    n = len(hexes)
    x, y = np.full(n, np.nan), np.full(n, np.nan)
    plain = (hexes.str.len().eq(_POINT_HEX_LEN)
             & hexes.str.startswith(_POINT_HEX)).fillna(False).to_numpy(bool)
    if plain.any():
        raw = bytes.fromhex("".join(hexes[plain].tolist()))
        xy = np.frombuffer(raw, dtype=np.uint8).reshape(-1, _POINT_HEX_LEN // 2)
        xy = np.ascontiguousarray(xy[:, 5:]).view("<f8")
        x[plain], y[plain] = xy[:, 0], xy[:, 1]
    rest = ~plain & hexes.notna().to_numpy(bool)
    if rest.any():
        geoms = gpd.GeoSeries(shapely.from_wkb(hexes[rest].to_numpy(dtype=object)),
                              crs=crs)
        other = points_xy(gpd.GeoDataFrame({"geometry": geoms}))
        x[rest], y[rest] = other["x"].to_numpy(), other["y"].to_numpy()
    out["x"], out["y"] = x, y
    return out


def _dictionary(series: pd.Series) -> list[str] | None:
    """The categories of a categorical text column, stored once in the
    catalogue with a code per row (as Parquet's dictionary pages do); None
    for any other column. A run's constant columns (compute's 5 kB
    provenance JSON on every result) were otherwise written, stored and read
    once per row."""
    dtype = series.dtype
    if not isinstance(dtype, pd.CategoricalDtype):
        return None
    cats = dtype.categories
    if not all(isinstance(c, str) for c in cats):
        return None  # numbers, dates: written as text, read back as category
    return [str(c) for c in cats]


def _pg_type(dtype) -> str:
    if pd.api.types.is_bool_dtype(dtype):
        return "BOOLEAN"
    if pd.api.types.is_integer_dtype(dtype):
        return "BIGINT"
    if pd.api.types.is_float_dtype(dtype):
        return "DOUBLE PRECISION"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "TIMESTAMPTZ" if getattr(dtype, "tz", None) else "TIMESTAMP"
    return "TEXT"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class PostgresWorkspace(Workspace):
    """A workspace in a PostgreSQL database (``postgresql://user@host/db``)."""

    def __init__(self, url: str):
        import psycopg  # imported here: the embedded default does not need it

        self.location = url
        try:
            self.con = psycopg.connect(url, autocommit=False)
        except psycopg.OperationalError as exc:
            raise WorkspaceError(f"kan geen verbinding maken met {url}: {exc}") from exc
        with self.con.transaction():
            # CREATE ... IF NOT EXISTS is not safe against a concurrent
            # creator (a unique violation in pg_namespace): one at a time
            self.con.execute("SELECT pg_advisory_xact_lock(%s)", (_DDL_LOCK_KEY,))
            self.con.execute(_DDL)

    def close(self) -> None:
        self.con.close()

    def tables(self) -> list[TableInfo]:
        with self.con.transaction():
            rows = self.con.execute(
                f"SELECT name, rows, version, crs, updated_at, operation_id "
                f"FROM {SCHEMA}.vk_tables ORDER BY name"
            ).fetchall()
        return [TableInfo(*r) for r in rows]

    def columns(self, name: str) -> list[str]:
        with self.con.transaction():
            row = self.con.execute(
                f"SELECT dtypes FROM {SCHEMA}.vk_tables WHERE name = %s", (name,)
            ).fetchone()
        if row is None:
            self.info(name)  # raises the friendly error
        return [entry[0] for entry in row[0]]

    def read(self, name: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
        return self._read(name, columns, points=False)

    def read_points(self, name: str, columns: Sequence[str] | None = None
                    ) -> pd.DataFrame:
        """As :func:`~veerkracht.store.base.points_xy` of :meth:`read`, but a
        2-D point's coordinates come straight from its WKB bytes, without a
        geometry object per row."""
        return self._read(name, columns, points=True)

    def _read(self, name: str, columns: Sequence[str] | None, points: bool
              ) -> pd.DataFrame:
        import psycopg

        for attempt in range(_READ_ATTEMPTS):
            try:
                frame, version = self._read_once(name, columns, points)
            except psycopg.errors.UndefinedTable:  # dropped by a commit meanwhile
                if attempt == _READ_ATTEMPTS - 1:
                    raise
                continue
            self._remember(name, version)
            return frame
        raise AssertionError("unreachable")  # pragma: no cover

    def _read_once(self, name: str, columns: Sequence[str] | None,
                   points: bool = False) -> tuple[pd.DataFrame, int]:
        with self.con.transaction():
            row = self.con.execute(
                "SELECT physical, crs, geometry_column, dtypes, version, rows "
                f"FROM {SCHEMA}.vk_tables "
                "WHERE name = %s",
                (name,),
            ).fetchone()
            if row is None:
                self.info(name)
            physical, crs, geom_col, pairs, version, n_rows = row
            # stored as pairs: JSONB does not keep key order; a dictionary-
            # encoded categorical has its categories as a third element
            dtypes = {entry[0]: entry[1] for entry in pairs}
            dictionaries = {entry[0]: entry[2] for entry in pairs if len(entry) > 2}
            cols = list(columns) if columns is not None else list(dtypes)
            unknown = [c for c in cols if c not in dtypes]
            if unknown:
                raise WorkspaceError(f"tabel {name!r} heeft geen kolom(men) {unknown}")
            select = ", ".join(
                f"encode({_ident(c)}, 'hex')" if c == geom_col else _ident(c)
                for c in cols
            )
            frame = pd.DataFrame()
            if cols and not n_rows:
                frame = _parse_copy(None, cols, dtypes, dictionaries, geom_col)
            elif cols:
                with self.con.cursor().copy(
                    f"COPY (SELECT {select} FROM {SCHEMA}.{_ident(physical)}) "
                    "TO STDOUT WITH (FORMAT csv, HEADER false)"
                ) as copy:
                    # parsed as it arrives: the table's text is never held whole
                    frame = _parse_copy(copy, cols, dtypes, dictionaries, geom_col)
        if points:
            return _points_from_hex(frame, geom_col if geom_col in cols else None,
                                    crs), int(version)
        if geom_col and geom_col in cols:
            geoms = shapely.from_wkb(
                frame[geom_col].to_numpy(dtype=object, na_value=None)
            )
            frame[geom_col] = gpd.GeoSeries(geoms, index=frame.index, crs=crs)
            frame = gpd.GeoDataFrame(frame, geometry=geom_col, crs=crs)
        return frame, int(version)

    def operations(self) -> list[OperationRecord]:
        with self.con.transaction():
            rows = self.con.execute(
                f"SELECT id, action, source, started_at, finished_at, tables, summary "
                f"FROM {SCHEMA}.vk_operations ORDER BY id"
            ).fetchall()
        return [
            OperationRecord(r[0], r[1], r[2], r[3], r[4], tuple(r[5]), r[6])
            for r in rows
        ]

    @contextlib.contextmanager
    def lock(self, purpose: str) -> Iterator[None]:
        """A session advisory lock (waits while another session holds it)."""
        with self.con.transaction():
            self.con.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
        try:
            yield
        finally:
            if not self.con.closed:
                with self.con.transaction():
                    self.con.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))

    def _commit(self, tx: Transaction) -> int:
        import psycopg

        try:
            return self._commit_locked(tx)
        except psycopg.errors.DiskFull:
            raise disk_full_error(self.location) from None

    def _commit_locked(self, tx: Transaction) -> int:
        versions = {}
        with self.con.transaction():
            self.con.execute(f"LOCK TABLE {SCHEMA}.vk_tables IN EXCLUSIVE MODE")
            current = dict(
                self.con.execute(
                    f"SELECT name, version FROM {SCHEMA}.vk_tables"
                ).fetchall()
            )
            self._check_unchanged(tx.frames, current)
            olds = dict(
                self.con.execute(
                    f"SELECT name, physical FROM {SCHEMA}.vk_tables"
                ).fetchall()
            )
            op_id = self.con.execute(
                f"INSERT INTO {SCHEMA}.vk_operations (action, source, started_at, "
                "finished_at, tables, summary) "
                "VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
                (
                    tx.action,
                    tx.source,
                    tx.started_at,
                    utcnow(),
                    json.dumps(list(tx.frames)),
                    dumps_summary(tx.summary),
                ),
            ).fetchone()[0]
            for name, frame in tx.frames.items():
                version = current.get(name, 0) + 1
                physical = f"{name}__v{version}"
                geom_col = None
                crs = None
                if isinstance(frame, gpd.GeoDataFrame):
                    geom_col = frame.geometry.name
                    crs = frame.crs.to_string()
                dictionaries = {
                    c: d for c in frame.columns
                    if c != geom_col and (d := _dictionary(frame[c])) is not None
                }
                self._load(physical, frame, geom_col, dictionaries)
                dtypes = [
                    [c, "geometry" if c == geom_col else str(frame[c].dtype)]
                    + ([dictionaries[c]] if c in dictionaries else [])
                    for c in frame.columns
                ]
                self.con.execute(
                    f"INSERT INTO {SCHEMA}.vk_tables "
                    "(name, physical, rows, version, crs, "
                    "geometry_column, dtypes, updated_at, operation_id) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
                    "ON CONFLICT (name) DO UPDATE SET physical = EXCLUDED.physical, "
                    "rows = EXCLUDED.rows, version = EXCLUDED.version, "
                    "crs = EXCLUDED.crs, geometry_column = EXCLUDED.geometry_column, "
                    "dtypes = EXCLUDED.dtypes, updated_at = EXCLUDED.updated_at, "
                    "operation_id = EXCLUDED.operation_id",
                    (
                        name,
                        physical,
                        len(frame),
                        version,
                        crs,
                        geom_col,
                        json.dumps(dtypes),
                        utcnow(),
                        op_id,
                    ),
                )
                if name in olds:
                    self.con.execute(f"DROP TABLE {SCHEMA}.{_ident(olds[name])}")
                versions[name] = version
        tx.versions.update(versions)
        return int(op_id)

    def _load(self, physical: str, frame: pd.DataFrame, geom_col: str | None,
              dictionaries: dict[str, list[str]]) -> None:
        def pg_type(c: str) -> str:
            if c == geom_col:
                return "BYTEA"
            return "INTEGER" if c in dictionaries else _pg_type(frame[c].dtype)

        coldefs = ", ".join(f"{_ident(c)} {pg_type(c)}" for c in frame.columns)
        self.con.execute(f"DROP TABLE IF EXISTS {SCHEMA}.{_ident(physical)}")
        self.con.execute(f"CREATE TABLE {SCHEMA}.{_ident(physical)} ({coldefs})")
        if frame.empty or not len(frame.columns):
            return
        cols = ", ".join(_ident(c) for c in frame.columns)
        with self.con.cursor().copy(
            f"COPY {SCHEMA}.{_ident(physical)} ({cols}) FROM STDIN WITH (FORMAT csv)"
        ) as copy:
            # in slices, each converted on its own: neither the text of a whole
            # table (a national results table is gigabytes of CSV) nor a
            # converted copy of it (codes, hex WKB) is ever held
            for start in range(0, len(frame), _COPY_ROWS):
                part = _storable(frame.iloc[start:start + _COPY_ROWS], geom_col,
                                 dictionaries)
                copy.write(_csv_text(part))
