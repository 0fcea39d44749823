"""Read buurt polygons into the ``buurten`` contract (CBS codes, RD New).

Two layouts (``docs/data.md``):

``amsterdam``
    Gemeente Amsterdam's own buurt file (CSV with ``;``, a byte-order mark and
    WKT in ``WKT_LNG_LAT``, or the GeoPackage built from it), with Amsterdam's
    codes (``A00b``: stadsdeel letter, 2-digit wijk, buurt letter). The CBS
    code is derived as ``BU0363`` + wijk digits + the buurt letter's position
    (a=00, b=01, ...): ``A00b`` -> ``BU03630001``. This reproduces CBS's
    2015-2021 Amsterdam codes (479 of 479 kwb-2021 buurten). Codes that do not
    follow the pattern (Weesp's ``SAA1`` ...) have no CBS counterpart: those
    buurten are left out and listed in the summary.
``cbs``
    CBS "Wijk- en buurtkaart" layout in a GeoPackage/GeoJSON (or CSV with a
    WKT column): ``buurtcode``, ``buurtnaam``, ``wijkcode``, ``gemeentecode``
    and optionally ``wijknaam``, ``gemeentenaam``.
"""

from __future__ import annotations

import os
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from veerkracht.io._common import (
    RD,
    WGS84,
    check_geometries,
    clean_str,
    decode,
    geometry_to_rd,
    list_layers,
    pick_column,
    raise_if,
    read_bytes,
    read_csv_text,
    read_vector,
    rejected,
    require_file,
    source_name,
)
from veerkracht.io.validation import ImportResult, RejectedRow, file_error

COLUMNS = ("buurtcode", "buurtnaam", "wijkcode", "wijknaam", "gemeentecode",
           "gemeentenaam", "source_code")

_AMS_CODE = re.compile(r"^[A-Z]\d{2}[a-z]$")
_WKT_NAMES = ("WKT_LNG_LAT", "wkt", "geometry", "geom", "the_geom")


def amsterdam_to_cbs(code: str) -> str | None:
    """Derive the CBS buurtcode from Amsterdam's own code.

    Examples
    --------
    >>> amsterdam_to_cbs("A00b"), amsterdam_to_cbs("N61d"), amsterdam_to_cbs("SAA1")
    ('BU03630001', 'BU03636103', None)
    """
    if not isinstance(code, str) or not _AMS_CODE.match(code):
        return None
    return f"BU0363{code[1:3]}{ord(code[3]) - ord('a'):02d}"


def read_buurten(path: str | os.PathLike[str], progress=None) -> ImportResult:
    """Read buurt polygons (Amsterdam's layout or CBS's) into RD New.

    Parameters
    ----------
    path : path-like
        ``.csv`` with WKT, ``.gpkg`` or ``.geojson``.

    Returns
    -------
    ImportResult
        Polygons in EPSG:28992 with the columns of :data:`COLUMNS`.

    Raises
    ------
    ImportRejected
        Missing columns, bad codes or geometries, duplicate buurtcodes.
    """
    p = require_file(path)
    name = source_name(p)
    suffix = p.suffix.lower()
    if progress:
        progress(0, description=f"{name}: lezen")
    if suffix in (".csv", ".txt"):
        gdf, lines, crs = _read_wkt_csv(p, name)
    elif suffix in (".gpkg", ".geojson", ".json"):
        layer = None
        if suffix == ".gpkg":
            layers = list_layers(p)
            layer = next((lay for lay in layers if "buurt" in lay.lower()),
                         layers[0] if len(layers) == 1 else None)
            if layer is None:
                raise file_error("geen laag met buurten gevonden; lagen: "
                                 + ", ".join(layers), source=name)
        gdf, crs = read_vector(p, layer)
        lines = np.arange(1, len(gdf) + 1)
    else:
        raise file_error("onbekend bestandsformaat voor buurten; gebruik CSV met "
                         "WKT, GeoPackage of GeoJSON", source=name)
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    if "Stadsdeelcode" in cols and "Buurtcode" in cols:
        layout = "amsterdam"
        frame, keep, skipped = _amsterdam(gdf, lines, name)
    else:
        layout = "cbs"
        frame, keep = _cbs(gdf, lines, name, cols)
        skipped = []
    check_geometries(gdf, lines, crs, name, ("Polygon", "MultiPolygon"))
    dup = frame["buurtcode"].duplicated(keep=False).to_numpy() & keep
    if dup.any():
        raise_if([RejectedRow(int(lines[i]), "buurtcode komt meer dan eens voor",
                              frame["buurtcode"].iloc[i]) for i in np.flatnonzero(dup)],
                 name)
    geometry = geometry_to_rd(gdf.geometry, crs)[keep].reset_index(drop=True)
    out = gpd.GeoDataFrame(frame.loc[keep].reset_index(drop=True),
                           geometry=geometry, crs=RD)
    invalid = int((~out.geometry.is_valid).sum())
    if invalid:
        out["geometry"] = shapely.make_valid(out.geometry.to_numpy())
        out = out.set_crs(RD, allow_override=True)
    summary = {
        "format": layout,
        "rows_read": len(gdf),
        "rows_written": len(out),
        "skipped_without_cbs_code": skipped,
        "geometries_repaired": invalid,
        "crs_in": crs,
        "crs_out": RD,
    }
    if progress:
        progress(len(out), description=f"{name}: klaar", total=len(out))
    return ImportResult(out, summary, lines[keep])


def _read_wkt_csv(p, name):
    text = decode(read_bytes(p), name)
    raw, lines = read_csv_text(text, name)
    raw = raw.loc[:, [c for c in raw.columns if not c.startswith("Unnamed")]]
    wkt_col = pick_column(raw.columns, *_WKT_NAMES)
    if wkt_col is None:
        raise file_error("kolom met de geometrie (WKT) ontbreekt; verwacht een van: "
                         + ", ".join(_WKT_NAMES), source=name, line=1)
    wkt = raw[wkt_col]
    geom = shapely.from_wkt(wkt.to_numpy(dtype=object), on_invalid="ignore")
    bad = shapely.is_missing(geom) & wkt.notna().to_numpy()
    raise_if(rejected(bad, lines, "geometrie (WKT) is niet leesbaar", wkt), name)
    # Decide lon/lat vs lat/lon vs RD from the first valid point.
    first = next((g for g in geom if g is not None and not g.is_empty), None)
    crs = WGS84
    if first is not None:
        x, y = first.representative_point().coords[0]
        if x > 1000:
            crs = RD
        elif x > y:  # lat first
            raise file_error(
                f"de WKT in kolom {wkt_col} staat in lat/lon-volgorde; gebruik "
                "lon/lat (x = lengtegraad)", source=name, line=int(lines[0]))
    gdf = gpd.GeoDataFrame(raw.drop(columns=[c for c in raw.columns
                                             if c.upper().startswith("WKT")]),
                           geometry=geom, crs=crs)
    return gdf, lines, crs


def _amsterdam(gdf, lines, name):
    own = clean_str(gdf["Buurtcode"])
    derived = own.map(amsterdam_to_cbs, na_action="ignore").astype("str")
    keep = derived.notna().to_numpy()
    missing = own.isna().to_numpy()
    raise_if(rejected(missing, lines, "Buurtcode ontbreekt"), name)
    wijk = derived.str[2:8].where(derived.notna())
    frame = pd.DataFrame({
        "buurtcode": derived,
        "buurtnaam": clean_str(gdf["Buurtnaam"]) if "Buurtnaam" in gdf
        else pd.Series(pd.NA, index=gdf.index, dtype="str"),
        "wijkcode": ("WK" + wijk).astype("str"),
        "wijknaam": pd.Series(pd.NA, index=gdf.index, dtype="str"),
        "gemeentecode": pd.Series("GM0363", index=gdf.index, dtype="str"),
        "gemeentenaam": pd.Series("Amsterdam", index=gdf.index, dtype="str"),
        "source_code": own,
    })
    skipped = own[~keep].tolist()
    return frame, keep, skipped


def _cbs(gdf, lines, name, cols):
    names = {c: pick_column(cols, c) for c in COLUMNS if c != "source_code"}
    required = ("buurtcode", "buurtnaam", "wijkcode", "gemeentecode")
    missing = [c for c in required if names[c] is None]
    if missing:
        raise file_error(
            "verplichte kolom(men) ontbreken voor buurten (CBS-indeling): "
            f"{', '.join(missing)}; gevonden: {', '.join(cols[:20])}",
            source=name, line=1)

    def col(c):
        if names[c] is None:
            return pd.Series(pd.NA, index=gdf.index, dtype="str")
        return clean_str(gdf[names[c]].astype("str"))

    frame = pd.DataFrame({c: col(c) for c in COLUMNS if c != "source_code"})
    frame["source_code"] = pd.Series(pd.NA, index=gdf.index, dtype="str")
    bad = []
    for c, pat, label in (("buurtcode", r"BU\d{8}", "BU + 8 cijfers"),
                          ("wijkcode", r"WK\d{6}", "WK + 6 cijfers"),
                          ("gemeentecode", r"GM\d{4}", "GM + 4 cijfers")):
        s = frame[c]
        ok = s.str.fullmatch(pat).fillna(False).to_numpy(dtype=bool)
        if c == "buurtcode":
            bad += rejected(s.isna().to_numpy(), lines, "buurtcode ontbreekt")
        bad += rejected(~ok & s.notna().to_numpy(), lines,
                        f"{c} heeft niet de vorm {label}", s)
    raise_if(bad, name)
    return frame, np.ones(len(frame), dtype=bool)
