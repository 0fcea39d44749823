"""Helpers shared by the readers: opening, decoding, columns, coordinates.

Every check here is vectorised; :class:`RejectedRow` objects are built only
for the rows that fail, so validating half a million addresses stays cheap.
"""

from __future__ import annotations

import io
import os
import re
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from veerkracht.io.validation import ImportRejected, RejectedRow, file_error

RD = "EPSG:28992"
WGS84 = "EPSG:4326"

#: Generous boxes around the Netherlands (land, Wadden, border strips).
WGS84_BOUNDS = (3.2, 50.7, 7.3, 53.7)  # lon_min, lat_min, lon_max, lat_max
RD_BOUNDS = (0.0, 300_000.0, 300_000.0, 640_000.0)  # x_min, y_min, x_max, y_max

#: CBS and common markers for a missing or secret value.
MISSING_MARKERS = frozenset(
    {"", ".", "x", "X", "-", "?", "-99999999", "-99999997", "-99999998", "nan",
     "NaN", "NA", "n.v.t.", "<NA>", "None"}
)

_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def source_name(path: str | os.PathLike[str]) -> str:
    return Path(path).name


def require_file(path: str | os.PathLike[str]) -> Path:
    """The path, or a file-level rejection when it is missing or a folder."""
    p = Path(path)
    if not p.exists():
        raise file_error(f"bestand niet gevonden: {p}", source=p.name)
    if p.is_dir():
        raise file_error(f"{p} is een map, geen bestand", source=p.name)
    return p


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    """The file's bytes, decompressed when it is a zstd archive.

    A truncated or corrupt ``.zst`` file is refused (``zstandard`` would
    otherwise silently return the part before the damage).
    """
    p = require_file(path)
    raw = p.read_bytes()
    if raw[:4] == _ZSTD_MAGIC or p.suffix.lower() in (".zst", ".zstd"):
        return _unzstd(raw, p.name)
    return raw


def _unzstd(raw: bytes, name: str) -> bytes:
    import zstandard

    if raw[:4] != _ZSTD_MAGIC:
        raise file_error("dit is geen geldig zstd-archief (.zst)", source=name)
    parts: list[bytes] = []
    data = raw
    try:
        while data:
            dobj = zstandard.ZstdDecompressor().decompressobj()
            parts.append(dobj.decompress(data))
            if not dobj.eof:
                raise file_error(
                    "het zstd-archief is afgebroken (onvolledig gedownload of "
                    "beschadigd); download het bestand opnieuw",
                    source=name,
                )
            data = dobj.unused_data
    except zstandard.ZstdError as exc:
        raise file_error(
            f"het zstd-archief is beschadigd ({exc}); download het bestand opnieuw",
            source=name,
        ) from None
    return b"".join(parts)


def decode(raw: bytes, name: str) -> str:
    """UTF-8 text (a byte-order mark is dropped); a clear message otherwise."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        bad = raw[exc.start : exc.start + 4]
        raise file_error(
            "het bestand is geen UTF-8-tekst (tekencodering); sla het op als "
            "UTF-8 (in Excel: 'CSV UTF-8') en probeer opnieuw",
            source=name,
            line=line,
            value=bad.hex(" "),
        ) from None


def sniff_separator(text: str, candidates: str = ";,\t") -> str:
    """The separator that splits the header line into the most columns."""
    header = text.split("\n", 1)[0]
    counts = {c: header.count(c) for c in candidates}
    sep = max(counts, key=counts.get)
    return sep if counts[sep] > 0 else ";"


_BAD_LINE = re.compile(r"[Ll]ine (\d+)[^\d]*expected (\d+) fields, saw (\d+)")


def read_csv_text(
    text: str, name: str, sep: str | None = None
) -> tuple[pd.DataFrame, np.ndarray]:
    """Parse CSV text into string columns; return the frame and each row's line.

    Every cell is a ``str`` (NA for an empty cell) so that readers can check
    types themselves and report the line of every bad value. Blank lines are
    skipped; rows with too many fields are rejected with their line.
    """
    if not text.strip():
        raise file_error("het bestand is leeg", source=name)
    sep = sep or sniff_separator(text)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            frame = pd.read_csv(
                io.StringIO(text),
                sep=sep,
                dtype=str,
                keep_default_na=False,
                na_values=[""],
                skip_blank_lines=False,
                on_bad_lines="warn",
                engine="c",
            )
        except pd.errors.EmptyDataError:
            raise file_error("het bestand is leeg", source=name) from None
        except pd.errors.ParserError as exc:
            raise file_error(f"het bestand is geen geldige CSV ({exc})",
                             source=name) from None
    bad: list[RejectedRow] = []
    for w in caught:
        for m in _BAD_LINE.finditer(str(w.message)):
            bad.append(RejectedRow(int(m.group(1)),
                                   f"{m.group(3)} velden in plaats van {m.group(2)}"))
    if bad:
        raise ImportRejected(sorted(bad, key=lambda r: r.line), source=name)
    frame.columns = [str(c).strip() for c in frame.columns]
    # Without blank lines and multi-line cells, row i sits on line i + 2.
    lines = np.arange(2, len(frame) + 2)
    blank = frame.isna().all(axis=1).to_numpy()
    if blank.any():
        frame = frame.loc[~blank].reset_index(drop=True)
        lines = lines[~blank]
    if frame.empty:
        raise file_error("het bestand bevat alleen een kopregel, geen gegevens",
                         source=name)
    return frame, lines


def check_columns(
    columns: Iterable[str],
    required: Sequence[str],
    name: str,
    layout: str,
    optional: Sequence[str] = (),
) -> None:
    """Refuse a file whose header lacks required columns (naming them all)."""
    present = [str(c) for c in columns]
    missing = [c for c in required if c not in present]
    if not missing:
        return
    unexpected = [c for c in present if c not in required and c not in optional]
    reason = f"verplichte kolom(men) ontbreken voor {layout}: {', '.join(missing)}"
    if unexpected:
        reason += f"; onverwachte kolom(men): {', '.join(unexpected[:15])}"
    reason += f". Verwacht: {', '.join(required)}"
    raise ImportRejected([RejectedRow(1, reason)], source=name)


def rejected(
    mask: np.ndarray, lines: np.ndarray, reason: str, values: pd.Series | None = None
) -> list[RejectedRow]:
    """Rejected rows for every True in ``mask`` (built only for those rows)."""
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return []
    if values is None:
        return [RejectedRow(int(lines[i]), reason) for i in idx]
    vals = values.to_numpy(dtype=object)[idx]
    return [
        RejectedRow(int(lines[i]), reason, None if pd.isna(v) else str(v))
        for i, v in zip(idx, vals, strict=True)
    ]


def raise_if(rows: list[RejectedRow], name: str, hint: str | None = None) -> None:
    if rows:
        rows.sort(key=lambda r: r.line)
        raise ImportRejected(rows, source=name, hint=hint)


def parse_float(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Floats (decimal comma allowed) and a mask of filled cells that are no number."""
    s = series.astype("str")
    if s.str.contains(",", regex=False).any():
        s = s.str.replace(",", ".", regex=False)
    num = pd.to_numeric(s.str.strip(), errors="coerce")
    values = num.to_numpy(dtype="float64", na_value=np.nan)
    bad = np.isnan(values) & series.notna().to_numpy()
    return values, bad


def in_bounds(x: np.ndarray, y: np.ndarray, crs: str) -> np.ndarray:
    """True where (x, y) lies in the Netherlands for ``crs`` (lon/lat for WGS84)."""
    x0, y0, x1, y1 = RD_BOUNDS if crs == RD else WGS84_BOUNDS
    return (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)


def check_coordinates(
    x: np.ndarray, y: np.ndarray, lines: np.ndarray, crs: str, name: str,
    labels: tuple[str, str] = ("x", "y"),
) -> None:
    """Refuse points outside the Netherlands; explain a file in the wrong CRS.

    When most points fall outside the box for ``crs`` but inside the box of
    the other CRS, the whole file is refused with a hint that names it.
    """
    valid = ~(np.isnan(x) | np.isnan(y))
    inside = in_bounds(x, y, crs)
    bad = valid & ~inside
    if not bad.any():
        return
    other = WGS84 if crs == RD else RD
    hint = None
    if crs == WGS84:
        fits_other = in_bounds(x[bad], y[bad], RD).mean()
        swapped = in_bounds(y[bad], x[bad], WGS84).mean()
        if fits_other > 0.5:
            hint = ("De coördinaten lijken in RD New (EPSG:28992, meters) te staan, "
                    "maar dit bestandstype verwacht graden (WGS84 lat/lon).")
        elif swapped > 0.5:
            hint = "De coördinaten lijken verwisseld: lat en lon staan omgekeerd."
    else:
        if in_bounds(x[bad], y[bad], other).mean() > 0.5:
            hint = ("De coördinaten lijken in graden (WGS84 lat/lon) te staan, "
                    "maar dit bestand verklaart RD New (EPSG:28992, meters).")
    unit = "RD New" if crs == RD else "WGS84"
    reason = f"coördinaat ligt buiten Nederland ({unit})"
    idx = np.flatnonzero(bad)
    rows = [RejectedRow(int(lines[i]), reason,
                        f"{labels[0]}={x[i]:g} {labels[1]}={y[i]:g}") for i in idx]
    raise_if(rows, name, hint)


def to_rd(x: np.ndarray, y: np.ndarray, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """Reproject lon/lat (or any CRS) to RD New; RD passes through unchanged."""
    if crs == RD:
        return x, y
    from pyproj import Transformer

    tr = Transformer.from_crs(crs, RD, always_xy=True)
    return tr.transform(x, y)


def clean_str(series: pd.Series) -> pd.Series:
    """Strip cells; empty or marker-only cells become NA; dtype ``str``."""
    s = series.astype("str").str.strip()
    return s.where(s.ne("") & s.notna(), pd.NA).astype("str")


def crs_of(frame) -> str | None:
    crs = getattr(frame, "crs", None)
    if crs is None:
        return None
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.to_string()


def list_layers(path: Path) -> list[str]:
    """Layer names of a vector file; a file-level rejection when unreadable."""
    import pyogrio

    try:
        return [str(row[0]) for row in pyogrio.list_layers(path)]
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise file_error(f"geen leesbaar GeoPackage/GeoJSON-bestand ({exc})",
                         source=path.name) from None


def read_vector(path: Path, layer: str | None = None):
    """A GeoDataFrame with its CRS checked (GeoJSON without one is WGS84).

    Returns the frame and its CRS as ``EPSG:NNNN``.
    """
    import geopandas as gpd

    name = path.name if layer is None else f"{path.name}:{layer}"
    try:
        gdf = gpd.read_file(path, layer=layer)
    except Exception as exc:
        raise file_error(f"bestand/laag is niet leesbaar ({exc})",
                         source=name) from None
    if gdf.empty:
        raise file_error("het bestand bevat geen objecten", source=name)
    if "geometry" not in gdf or gdf.geometry.name not in gdf:
        raise file_error("het bestand heeft geen geometrie", source=name)
    crs = crs_of(gdf)
    if crs is None:
        if path.suffix.lower() in (".geojson", ".json"):
            crs = WGS84
            gdf = gdf.set_crs(WGS84)
        else:
            raise file_error("het bestand heeft geen coördinatenstelsel (CRS)",
                             source=name)
    if crs not in (RD, WGS84, "EPSG:4258", "EPSG:3857"):
        # Any other CRS is accepted but brought to WGS84 first for the check.
        gdf = gdf.to_crs(WGS84)
        crs = WGS84
    return gdf, crs


def check_geometries(gdf, lines: np.ndarray, crs: str, name: str,
                     kinds: tuple[str, ...]) -> None:
    """Refuse missing/empty/wrong-type geometries and ones outside the Netherlands."""
    import shapely

    geom = gdf.geometry.to_numpy()
    missing = shapely.is_missing(geom) | shapely.is_empty(geom)
    types = gdf.geometry.geom_type.to_numpy(dtype=object)
    wrong = ~missing & ~np.isin(types, list(kinds))
    bad = rejected(missing, lines, "geometrie ontbreekt")
    bad += rejected(wrong, lines, f"geometrie is geen {'/'.join(kinds)}",
                    pd.Series(types))
    raise_if(bad, name)
    check_crs = RD if crs == RD else WGS84
    bounds = shapely.bounds(geom)
    if crs == "EPSG:3857":
        from pyproj import Transformer

        tr = Transformer.from_crs(crs, WGS84, always_xy=True)
        bx, by = tr.transform(bounds[:, 0], bounds[:, 1])
    else:
        bx, by = bounds[:, 0], bounds[:, 1]
    check_coordinates(np.asarray(bx), np.asarray(by), lines, check_crs, name)


def geometry_to_rd(gdf, crs: str):
    return gdf if crs == RD else gdf.to_crs(RD)


def pick_column(columns: Iterable[str], *names: str) -> str | None:
    """The first of ``names`` present in ``columns`` (case-insensitive)."""
    lower = {str(c).lower(): str(c) for c in columns}
    for n in names:
        if n.lower() in lower:
            return lower[n.lower()]
    return None
