"""The workspace interface shared by the file and PostgreSQL backends."""

from __future__ import annotations

import abc
import contextlib
import errno
import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from veerkracht.errors import WorkspaceError

__all__ = ["ConcurrentChange", "OperationRecord", "TableInfo", "Transaction",
           "Workspace", "WorkspaceError", "concat_rows", "disk_full_error",
           "is_disk_full", "points_xy"]

#: What a writer sees when another one committed a table it read in between
#: (docs/adr/0010-concurrent-writers.md).
CONCURRENT_MESSAGE = (
    "de werkmap is intussen gewijzigd door een andere opdracht ({detail}); er is "
    "niets opgeslagen. Voer de opdracht opnieuw uit"
)
#: What a writer sees when the disk (or the user's quota) is full.
DISK_FULL_MESSAGE = (
    "de schijf van de werkmap {location} is vol (of het schijfquotum is op); er "
    "is niets opgeslagen en de werkmap is ongewijzigd. Maak ruimte vrij en voer "
    "de opdracht opnieuw uit"
)
_DISK_FULL_ERRNOS = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
#: Texts of a full disk in errors that carry no errno (Arrow's OSError).
_DISK_FULL_TEXTS = ("no space left on device", "disk quota exceeded",
                    "database or disk is full")


def points_xy(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame without geometry, with plain ``x``/``y`` columns.

    A point gives its coordinates, another shape a point on its surface;
    NaN where the geometry is empty or missing. A frame without geometry
    keeps its ``x``/``y`` (NaN when it has none).
    """
    out = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
    if "geometry" in frame.columns:
        geoms = np.asarray(frame["geometry"].array, dtype=object)
        pts = shapely.point_on_surface(geoms)
        # GEOS refuses the coordinates of an empty point: NaN for those
        none = shapely.is_missing(pts) | shapely.is_empty(pts)
        pts[none] = None
        out["x"] = shapely.get_x(pts)
        out["y"] = shapely.get_y(pts)
    elif not {"x", "y"} <= set(out.columns):
        out["x"], out["y"] = np.nan, np.nan
    return out


def concat_rows(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """The rows of ``frames`` one after another (a new 0..n-1 index).

    A column that is categorical in every frame stays categorical, over the
    union of the categories. ``pd.concat`` turns categoricals with different
    categories into one string per row: for the results of a second period
    at national size (1.8 million rows, nine such columns, one of them the
    provenance JSON) that was over 10 GiB of strings. A text column beside
    a categorical one (an older table read back as text) becomes categorical
    too.

    >>> a = pd.DataFrame({"p": pd.Categorical(["2025", "2025"])})
    >>> b = pd.DataFrame({"p": pd.Categorical(["2026"])})
    >>> out = concat_rows([a, b])
    >>> str(out["p"].dtype), out["p"].tolist()
    ('category', ['2025', '2025', '2026'])
    """
    frames = list(frames)
    if len(frames) < 2:
        return pd.concat(frames, ignore_index=True)
    shared = set(frames[0].columns).intersection(*(f.columns for f in frames[1:]))
    for col in [c for c in frames[0].columns if c in shared]:
        is_cat = [isinstance(f[col].dtype, pd.CategoricalDtype) for f in frames]
        if not any(is_cat):
            continue
        if not all(is_cat):
            # text from a store that kept no categories (or an empty frame's
            # object column): made categorical, else one string per row
            if not all(c or pd.api.types.is_string_dtype(f[col].dtype)
                       or pd.api.types.is_object_dtype(f[col].dtype)
                       for c, f in zip(is_cat, frames, strict=True)):
                continue
            frames = [f if c else f.assign(**{col: f[col].astype("category")})
                      for c, f in zip(is_cat, frames, strict=True)]
        cats = frames[0][col].cat.categories
        for f in frames[1:]:
            extra = f[col].cat.categories.difference(cats, sort=False)
            if len(extra):
                cats = cats.append(extra)
        frames = [f.assign(**{col: f[col].cat.set_categories(cats)}) for f in frames]
    return pd.concat(frames, ignore_index=True)


class ConcurrentChange(WorkspaceError):
    """Another writer committed a table this one read; nothing was written."""


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` says the disk or the quota is full.

    >>> import errno
    >>> is_disk_full(OSError(errno.ENOSPC, "No space left on device"))
    True
    >>> is_disk_full(OSError("IOError: [errno 28] No space left on device"))
    True
    >>> is_disk_full(OSError(errno.EACCES, "Permission denied"))
    False
    """
    if isinstance(exc, OSError) and exc.errno in _DISK_FULL_ERRNOS:
        return True
    text = str(exc).lower()
    return any(t in text for t in _DISK_FULL_TEXTS)


def disk_full_error(location: str) -> WorkspaceError:
    """The one-line Dutch error for a full disk under ``location``."""
    return WorkspaceError(DISK_FULL_MESSAGE.format(location=location))


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
        #: Table -> version written, filled by the commit.
        self.versions: dict[str, int] = {}

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
        combined = concat_rows([base, frame])
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
        """Whether the table exists.

        A table found absent is remembered as read-absent: a later commit of
        it by this thread fails when another writer created it meanwhile.
        """
        found = any(t.name == name for t in self.tables())
        if not found:
            self._seen.setdefault(name, None)
        return found

    # -- what this handle read (the optimistic check, ADR 0010) -------------
    @property
    def _seen(self) -> dict[str, int | None]:
        """Table -> version this thread last read or committed (None: absent)."""
        local = self.__dict__.setdefault("_tls", threading.local())
        if not hasattr(local, "seen"):
            local.seen = {}
        return local.seen

    def _remember(self, name: str, version: int | None) -> None:
        self._seen[name] = version

    def _check_unchanged(self, names, current: dict[str, int]) -> None:
        """Refuse a commit that replaces a table changed since it was read.

        Run under the backend's write lock with the versions committed now.
        Tables never read by this thread are replaced blindly (last writer
        wins: a replace does not depend on what was there).
        """
        seen = self._seen
        changed = [n for n in names if n in seen and current.get(n) != seen[n]]
        if not changed:
            return
        detail = ", ".join(
            f"tabel {n}: "
            + ("nog niet aanwezig" if seen[n] is None else f"versie {seen[n]}")
            + " gelezen, nu "
            + ("weg" if current.get(n) is None else f"versie {current[n]}")
            for n in changed)
        for n in changed:  # a retry with this handle reads afresh
            seen.pop(n, None)
        raise ConcurrentChange(CONCURRENT_MESSAGE.format(detail=detail))

    @abc.abstractmethod
    @contextlib.contextmanager
    def lock(self, purpose: str) -> Iterator[None]:
        """Hold the workspace's exclusive lock (wait for it when taken).

        For a read-modify-write that must not even start twice at once (a
        privacy draw): holders of this lock run one after the other, across
        processes. Plain transactions do not take it; the optimistic check
        guards them (docs/adr/0010-concurrent-writers.md).
        """

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

    def read_points(self, name: str, columns: Sequence[str] | None = None
                    ) -> pd.DataFrame:
        """Read a table with its geometry as ``x``/``y`` (:func:`points_xy`).

        For jobs that only need coordinates; a backend may do it without
        building a geometry object per row (the file backend does, for
        tables of plain points).
        """
        return points_xy(self.read(name, columns))

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
            for name in tx.frames:
                self._remember(name, tx.versions.get(name))

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
