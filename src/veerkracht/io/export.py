"""Write tables to files: CSV, GeoJSON, GeoPackage, GeoParquet.

Every writer is all-or-nothing: the file is written under a temporary name in
the target folder and renamed into place only when complete, so a failed
export never leaves a half file (or damages an existing one).

Formats
-------
``csv``
    UTF-8, comma-separated, header row, missing values empty. Geometry:
    point tables get ``x`` and ``y`` columns (EPSG:28992, metres, 3
    decimals); other geometries one ``geometry_wkt`` column (WKT in
    EPSG:28992, 3 decimals).
``geojson``
    RFC 7946: WGS84 longitude/latitude (reprojected from RD New), polygons
    wound counter-clockwise, 7 decimals.
``gpkg``
    GeoPackage in EPSG:28992, one layer named after the file.
``parquet``
    GeoParquet (geometry as WKB with CRS metadata, EPSG:28992); a table
    without geometry becomes plain Parquet.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from veerkracht.defaults import EXPORT_FORMATS as FORMATS

__all__ = ["FORMATS", "ExportError", "format_of", "write_table"]

_SUFFIXES = {".csv": "csv", ".geojson": "geojson", ".json": "geojson",
             ".gpkg": "gpkg", ".parquet": "parquet", ".geoparquet": "parquet"}


class ExportError(Exception):
    """An export cannot be written; the message is for the user (Dutch)."""


def format_of(path: str | os.PathLike[str]) -> str:
    """The format a file name asks for (by its extension).

    Examples
    --------
    >>> format_of("portieken.geojson")
    'geojson'
    """
    suffix = Path(path).suffix.lower()
    if suffix not in _SUFFIXES:
        raise ExportError(
            f"kan het formaat niet afleiden uit {Path(path).name!r}; geef "
            f"--format {'|'.join(FORMATS)}"
        )
    return _SUFFIXES[suffix]


def write_table(frame: pd.DataFrame, path: str | os.PathLike[str],
                format: str | None = None) -> Path:
    """Write ``frame`` to ``path`` in ``format``, all or nothing.

    Parameters
    ----------
    frame : pandas.DataFrame or geopandas.GeoDataFrame
        Geometry, when present, in EPSG:28992.
    path : path-like
        The file to (over)write; its folder must exist.
    format : {'csv', 'geojson', 'gpkg', 'parquet'}, optional
        Taken from the extension of ``path`` when omitted.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    ExportError
        Unknown format, a format that needs geometry for a table without it,
        or a path that cannot be written.
    """
    path = Path(path)
    fmt = format_of(path) if format is None else str(format).lower()
    if fmt not in FORMATS:
        raise ExportError(
            f"onbekend exportformaat {format!r}; kies uit {', '.join(FORMATS)}"
        )
    has_geometry = isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in frame
    if fmt in ("geojson", "gpkg") and not has_geometry:
        raise ExportError(f"{fmt} vraagt om geometrie; deze tabel heeft die niet, "
                          "kies csv of parquet")
    if has_geometry and frame.crs is None:
        raise ExportError("de geometrie heeft geen coördinatenstelsel (CRS)")
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise ExportError(f"{path} is een map; geef een bestandsnaam")
    if not folder.is_dir():
        raise ExportError(f"de map {folder} bestaat niet")
    if not os.access(folder, os.W_OK):
        raise ExportError(f"kan niet schrijven in de map {folder}")
    if path.exists() and not os.access(path, os.W_OK):
        raise ExportError(f"kan {path} niet overschrijven")
    tmp = folder / f".{path.stem}.{uuid.uuid4().hex[:8]}.tmp{path.suffix}"
    try:
        _WRITERS[fmt](frame, tmp, path.stem)
        os.replace(tmp, path)
    except ExportError:
        _cleanup(tmp)
        raise
    except (OSError, RuntimeError, ValueError) as exc:
        _cleanup(tmp)
        raise ExportError(f"schrijven naar {path} is mislukt: {exc}") from exc
    except BaseException:
        _cleanup(tmp)
        raise
    return path


def _cleanup(tmp: Path) -> None:
    for f in (tmp, Path(f"{tmp}-journal"), Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        f.unlink(missing_ok=True)


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop the geometry: ``x``/``y`` for points, else ``geometry_wkt``."""
    if not isinstance(frame, gpd.GeoDataFrame):
        return frame
    geoms = frame.geometry.values
    out = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    kinds = shapely.get_type_id(geoms)
    present = kinds >= 0
    if present.any() and (kinds[present] == 0).all():
        xy = np.full((len(frame), 2), np.nan)
        xy[present] = shapely.get_coordinates(geoms[present])
        out["x"] = np.round(xy[:, 0], 3)
        out["y"] = np.round(xy[:, 1], 3)
    else:
        wkt = shapely.to_wkt(np.asarray(geoms), rounding_precision=3, trim=True)
        out["geometry_wkt"] = pd.Series(wkt, index=out.index, dtype="str")
    return out


def _write_csv(frame: pd.DataFrame, tmp: Path, layer: str) -> None:
    _plain(frame).to_csv(tmp, index=False, encoding="utf-8")


def _write_geojson(frame: gpd.GeoDataFrame, tmp: Path, layer: str) -> None:
    pyogrio.write_dataframe(frame.to_crs(4326), tmp, driver="GeoJSON", layer=layer,
                            layer_options={"RFC7946": "YES",
                                           "COORDINATE_PRECISION": 7})


def _write_gpkg(frame: gpd.GeoDataFrame, tmp: Path, layer: str) -> None:
    kinds = set(frame.geometry.dropna().geom_type.unique())
    geometry_type = kinds.pop() if len(kinds) == 1 else "Unknown"
    pyogrio.write_dataframe(frame, tmp, driver="GPKG", layer=layer,
                            geometry_type=geometry_type)


def _write_parquet(frame: pd.DataFrame, tmp: Path, layer: str) -> None:
    frame.to_parquet(tmp, index=False, compression="zstd")


_WRITERS = {"csv": _write_csv, "geojson": _write_geojson, "gpkg": _write_gpkg,
            "parquet": _write_parquet}
