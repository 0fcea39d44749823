"""Read BAG panden (building footprints) into the ``buildings`` contract.

Supported (``docs/data.md``):

* a BAG GeoPackage as made by NLExtract (layer ``pand``: ``identificatie``,
  ``bouwjaar``, ``status``, ``voorkomen``, ``eind_geldigheid``; RD New). All
  statuses are kept, demolished panden included: derivation decides what
  counts. When a pand has several voorkomens (versions), the current one (no
  end date, highest ``voorkomen``) is kept.
* a GeoJSON/GeoPackage with ``id``/``identificatie``/``pand_id`` and
  ``bouwjaar`` (e.g. Amsterdam's BAG API export; WGS84 is reprojected).

BAG pand ids are 16 digits (4-digit gemeente code, object type ``10``,
10-digit serial). Amsterdam exports that drop the type code (14 digits) are
restored by inserting ``10``. Placeholder years (``9999`` nationally,
``1005`` in Amsterdam) become NA.
"""

from __future__ import annotations

import os

import geopandas as gpd
import numpy as np
import pandas as pd

from veerkracht.io._common import (
    RD,
    check_geometries,
    clean_str,
    geometry_to_rd,
    list_layers,
    pick_column,
    raise_if,
    read_vector,
    rejected,
    require_file,
    source_name,
)
from veerkracht.io.validation import ImportResult, RejectedRow, file_error

COLUMNS = ("pand_id", "bouwjaar", "status", "source")

ID_NAMES = ("pand_id", "identificatie", "id", "pandidentificatie", "pand_identificatie")
YEAR_NAMES = ("bouwjaar", "oorspronkelijkbouwjaar", "oorspronkelijk_bouwjaar")
STATUS_NAMES = ("status", "pandstatus")
PLACEHOLDER_YEARS = (1005, 9999)
MAX_YEAR = 2100


def read_buildings(path: str | os.PathLike[str], progress=None) -> ImportResult:
    """Read BAG panden from a GeoPackage or GeoJSON file.

    Parameters
    ----------
    path : path-like
        ``.gpkg`` (layer ``pand``, or the only polygon layer) or ``.geojson``.
    progress : callable, optional
        ``advance(n=1, description=None, total=None)``.

    Returns
    -------
    ImportResult
        Polygons in EPSG:28992 with ``pand_id``, ``bouwjaar`` (Int64),
        ``status`` and ``source``.

    Raises
    ------
    ImportRejected
        With every rejected row (line = 1-based feature index).
    """
    p = require_file(path)
    name = source_name(p)
    suffix = p.suffix.lower()
    if suffix not in (".gpkg", ".geojson", ".json"):
        raise file_error("onbekend bestandsformaat voor panden; gebruik een "
                         "GeoPackage (.gpkg) of GeoJSON (.geojson)", source=name)
    layer = None
    if suffix == ".gpkg":
        layers = list_layers(p)
        layer = next((lay for lay in layers if lay.lower() in ("pand", "panden")),
                     layers[0] if len(layers) == 1 else None)
        if layer is None:
            raise file_error("geen laag 'pand' gevonden; lagen: " + ", ".join(layers),
                             source=name)
    if progress:
        progress(0, description=f"{name}: lezen")
    gdf, crs = read_vector(p, layer)
    n_read = len(gdf)
    lines = np.arange(1, n_read + 1)
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    id_col = pick_column(cols, *ID_NAMES)
    if id_col is None:
        raise file_error(
            "kolom met de pand-id ontbreekt (verwacht een van: "
            f"{', '.join(ID_NAMES)}); gevonden: {', '.join(cols)}",
            source=name, line=1)
    year_col = pick_column(cols, *YEAR_NAMES)
    status_col = pick_column(cols, *STATUS_NAMES)

    ids = clean_str(gdf[id_col].astype("str"))
    short = ids.str.fullmatch(r"\d{14}").fillna(False).to_numpy(dtype=bool)
    restored = int(short.sum())
    if restored:
        ids = ids.where(~short, ids.str[:4] + "10" + ids.str[4:])
    bad = rejected(ids.isna().to_numpy(), lines, "pand-id ontbreekt")
    ok = ids.str.fullmatch(r"\d{16}").fillna(False).to_numpy(dtype=bool)
    bad += rejected(~ok & ids.notna().to_numpy(), lines,
                    "pand-id is geen BAG-id van 16 cijfers", ids)

    placeholders = 0
    if year_col is not None:
        raw_year = gdf[year_col]
        year = pd.to_numeric(raw_year.astype("str").str.strip(), errors="coerce")
        not_number = year.isna().to_numpy() & raw_year.notna().to_numpy() & \
            raw_year.astype("str").str.strip().ne("").fillna(False).to_numpy(dtype=bool)
        bad += rejected(not_number, lines, "bouwjaar is geen jaartal", raw_year)
        frac = (year % 1 != 0).fillna(False).to_numpy(dtype=bool)
        bad += rejected(frac, lines, "bouwjaar is geen geheel getal", raw_year)
        is_placeholder = year.isin(PLACEHOLDER_YEARS).to_numpy()
        placeholders = int(is_placeholder.sum())
        out_of_range = ((year < 1000) | (year > MAX_YEAR)).fillna(False)
        out_of_range = out_of_range.to_numpy(dtype=bool) & ~is_placeholder
        bad += rejected(out_of_range, lines, "bouwjaar valt buiten 1000-2100", raw_year)
        year = year.where(~is_placeholder)
        bouwjaar = year.round().astype("Int64")
    else:
        bouwjaar = pd.Series(pd.NA, index=gdf.index, dtype="Int64")
    raise_if(bad, name)
    check_geometries(gdf, lines, crs, name, ("Polygon", "MultiPolygon"))

    frame = pd.DataFrame({
        "pand_id": ids.astype("str"),
        "bouwjaar": bouwjaar,
        "status": (clean_str(gdf[status_col]) if status_col
                   else pd.Series(pd.NA, index=gdf.index, dtype="str")),
        "source": pd.Series(name, index=gdf.index, dtype="str"),
    })
    keep = np.ones(n_read, dtype=bool)
    versions_dropped = 0
    dup = frame["pand_id"].duplicated(keep=False).to_numpy()
    if dup.any():
        vcol = pick_column(cols, "voorkomen", "voorkomenidentificatie")
        if vcol is None:
            key = frame["pand_id"]
            rows = [RejectedRow(int(lines[i]), "pand-id komt meer dan eens voor",
                                key.iloc[i]) for i in np.flatnonzero(dup)]
            raise_if(rows, name)
        else:
            version = pd.to_numeric(gdf[vcol], errors="coerce").fillna(-1)
            order = np.lexsort((-version.to_numpy(), frame["pand_id"].to_numpy()))
            first = ~frame["pand_id"].iloc[order].duplicated().to_numpy()
            keep = np.zeros(n_read, dtype=bool)
            keep[order[first]] = True
            versions_dropped = int((~keep).sum())
    geometry = geometry_to_rd(gdf.geometry, crs)
    out = gpd.GeoDataFrame(frame.loc[keep].reset_index(drop=True),
                           geometry=geometry[keep].reset_index(drop=True), crs=RD)
    if progress:
        progress(len(out), description=f"{name}: klaar", total=len(out))
    summary = {
        "format": "bag-panden",
        "rows_read": n_read,
        "rows_written": len(out),
        "older_versions_dropped": versions_dropped,
        "ids_restored_from_14_digits": restored,
        "placeholder_years_to_na": placeholders,
        "status_counts": {("onbekend" if pd.isna(k) else str(k)): int(v) for k, v in
                          out["status"].value_counts(dropna=False).items()},
        "crs_in": crs,
        "crs_out": RD,
    }
    return ImportResult(out, summary, lines[keep])
