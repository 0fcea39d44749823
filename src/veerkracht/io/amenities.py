"""Read amenity points (meeting places, benches, shops, ...) into ``amenities``.

Columns: ``amenity_id``, ``kind``, ``name``, ``source`` and point geometry in
RD New. Layouts (``docs/data.md``):

``repaircafes``
    Amsterdam's repair-café list (``name,address,district,lat,lon,open_nl,
    rrule,website,orgpage``): every row is ``kind='repair_cafe'`` (a
    community meeting place, usually in a community centre).
``generic``
    CSV with ``kind``, ``name`` and either ``lat``/``lon`` (WGS84) or
    ``x``/``y`` (RD New), optionally ``id``; or a GeoJSON/GeoPackage with
    ``kind`` and ``name`` properties (non-point features become a point
    inside them).

Without an ``id`` column the id is ``<file stem>-<line>``, stable for the
same file.
"""

from __future__ import annotations

import os

import geopandas as gpd
import numpy as np
import pandas as pd

from veerkracht.io._common import (
    RD,
    WGS84,
    check_columns,
    check_coordinates,
    check_geometries,
    clean_str,
    decode,
    geometry_to_rd,
    list_layers,
    parse_float,
    pick_column,
    raise_if,
    read_bytes,
    read_csv_text,
    read_vector,
    rejected,
    require_file,
    source_name,
    to_rd,
)
from veerkracht.io.validation import ImportResult, RejectedRow, file_error

COLUMNS = ("amenity_id", "kind", "name", "source")

#: Kinds the model knows; other snake_case kinds are accepted and counted.
KNOWN_KINDS = ("bench", "shop", "supermarket", "community_centre", "playground",
               "meeting_place", "repair_cafe", "care_point", "library", "park",
               "sports", "school", "gp", "pharmacy", "cafe")

REPAIRCAFE_COLUMNS = ("name", "address", "lat", "lon")


def read_amenities(path: str | os.PathLike[str], progress=None) -> ImportResult:
    """Read amenity points from CSV or GeoJSON/GeoPackage.

    Returns
    -------
    ImportResult
        Points in EPSG:28992 with ``amenity_id``, ``kind``, ``name``,
        ``source``.

    Raises
    ------
    ImportRejected
        Missing columns, bad coordinates or kinds, duplicate ids.
    """
    p = require_file(path)
    name = source_name(p)
    suffix = p.suffix.lower()
    if progress:
        progress(0, description=f"{name}: lezen")
    if suffix in (".csv", ".txt"):
        raw, lines = read_csv_text(decode(read_bytes(p), name), name)
        cols = list(raw.columns)
        if "kind" not in cols and all(c in cols for c in REPAIRCAFE_COLUMNS) \
                and "rrule" in cols:
            layout = "repaircafes"
            kind = pd.Series("repair_cafe", index=raw.index, dtype="str")
        else:
            layout = "generic"
            check_columns(cols, ["kind", "name"], name, "voorzieningen",
                          optional=cols)
            kind = clean_str(raw["kind"]).str.lower()
        x, y, crs = _xy(raw, lines, name)
        geometry = gpd.points_from_xy(*to_rd(x, y, crs), crs=RD)
        names = clean_str(raw["name"])
        ids = raw[pick_column(cols, "id", "amenity_id")] if pick_column(
            cols, "id", "amenity_id") else None
    elif suffix in (".geojson", ".json", ".gpkg"):
        layout = "generic"
        layer = None
        if suffix == ".gpkg":
            layers = list_layers(p)
            layer = layers[0]
        gdf, crs = read_vector(p, layer)
        lines = np.arange(1, len(gdf) + 1)
        cols = [c for c in gdf.columns if c != gdf.geometry.name]
        check_columns(cols, ["kind", "name"], name, "voorzieningen", optional=cols)
        check_geometries(gdf, lines, crs, name,
                         ("Point", "MultiPoint", "Polygon", "MultiPolygon",
                          "LineString", "MultiLineString"))
        pts = geometry_to_rd(gdf.geometry, crs)
        if not (pts.geom_type == "Point").all():
            pts = pts.representative_point()
        geometry = pts.to_numpy()
        kind = clean_str(gdf["kind"]).str.lower()
        names = clean_str(gdf["name"])
        id_col = pick_column(cols, "id", "amenity_id")
        ids = gdf[id_col] if id_col else None
        raw = gdf
    else:
        raise file_error("onbekend bestandsformaat voor voorzieningen; gebruik "
                         ".csv, .geojson of .gpkg", source=name)
    bad = rejected(kind.isna().to_numpy(), lines, "kind ontbreekt")
    snake = kind.str.fullmatch(r"[a-z][a-z0-9_]*").fillna(False).to_numpy(dtype=bool)
    bad += rejected(~snake & kind.notna().to_numpy(), lines,
                    "kind moet een code zijn zoals meeting_place of bench", kind)
    raise_if(bad, name)
    if ids is None:
        ids = pd.Series([f"{p.name.split('.')[0]}-{n}" for n in lines],
                        index=raw.index, dtype="str")
    ids = clean_str(ids.astype("str"))
    bad = rejected(ids.isna().to_numpy(), lines, "id ontbreekt")
    dup = ids.duplicated(keep=False).to_numpy() & ids.notna().to_numpy()
    bad += rejected(dup, lines, "id komt meer dan eens voor", ids)
    raise_if(bad, name)
    frame = pd.DataFrame({"amenity_id": ids.to_numpy(), "kind": kind.to_numpy(),
                          "name": names.to_numpy()})
    frame = frame.astype("str")
    frame["source"] = pd.Series(name, index=frame.index, dtype="str")
    out = gpd.GeoDataFrame(frame, geometry=geometry, crs=RD)
    summary = {
        "format": layout,
        "rows_read": len(raw),
        "rows_written": len(out),
        "kinds": {str(k): int(v) for k, v in out["kind"].value_counts().items()},
        "unknown_kinds": sorted(set(out["kind"]) - set(KNOWN_KINDS)),
        "crs_in": crs,
        "crs_out": RD,
    }
    if progress:
        progress(len(out), description=f"{name}: klaar", total=len(out))
    return ImportResult(out, summary, np.asarray(lines))


def _xy(raw: pd.DataFrame, lines, name):
    cols = list(raw.columns)
    if "lat" in cols and "lon" in cols:
        xc, yc, crs = "lon", "lat", WGS84
    elif "x" in cols and "y" in cols:
        xc, yc, crs = "x", "y", RD
    else:
        raise file_error("coördinaten ontbreken: verwacht kolommen lat en lon "
                         "(WGS84) of x en y (RD New)", source=name, line=1)
    x, bad_x = parse_float(raw[xc])
    y, bad_y = parse_float(raw[yc])
    bad: list[RejectedRow] = []
    bad += rejected(bad_x, lines, f"{xc} is geen getal", raw[xc])
    bad += rejected(bad_y, lines, f"{yc} is geen getal", raw[yc])
    bad += rejected((np.isnan(x) | np.isnan(y)) & ~(bad_x | bad_y), lines,
                    "coördinaat ontbreekt")
    raise_if(bad, name)
    check_coordinates(x, y, lines, crs, name, labels=(xc, yc))
    return x, y, crs
