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
    WKT column): the buurt code and name, optionally the wijk and gemeente
    codes and names. Column names differ per year and source; they are
    detected (:func:`detect_columns`): ``buurtcode``/``BU_CODE``/``statcode``,
    ``buurtnaam``/``BU_NAAM``/``statnaam``, ``wijkcode``/``WK_CODE``,
    ``gemeentecode``/``GM_CODE``, ... A wijk or gemeente code that is missing
    follows from the buurt code (CBS codes nest: ``BU GGGG WW BB`` lies in
    ``WK GGGG WW`` and ``GM GGGG``).

:func:`read_wijken` reads CBS wijk polygons the same way (``wijkcode``,
``wijknaam``, ``gemeentecode``, ``gemeentenaam``) into the ``wijken`` table.
Any CRS is accepted; the result is RD New (EPSG:28992).
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
#: Columns of the ``wijken`` table (besides the geometry).
WIJK_COLUMNS = ("wijkcode", "wijknaam", "gemeentecode", "gemeentenaam")

#: Source column names per contract column, most specific first (compared
#: case-insensitively). Generic names (``code``, ``statcode``, ``naam``,
#: ``name``, ``statnaam``) only count for the file's own level, and a code
#: column only when its values have the CBS form.
ALIASES = {
    "buurtcode": ("buurtcode", "bu_code", "buurt_code", "cbs_buurtcode"),
    "buurtnaam": ("buurtnaam", "bu_naam", "buurt_naam"),
    "wijkcode": ("wijkcode", "wk_code", "wijk_code"),
    "wijknaam": ("wijknaam", "wk_naam", "wijk_naam"),
    "gemeentecode": ("gemeentecodegm", "gemeentecode", "gm_code", "gemeente_code"),
    "gemeentenaam": ("gemeentenaam", "gm_naam", "gemeente_naam"),
}
_GENERIC_CODE = ("statcode", "code", "regiocode")
_GENERIC_NAME = ("statnaam", "naam", "name", "regionaam")
#: The CBS form of each code (CBS gives some wijk and buurt parts as letters).
CODE_PATTERNS = {"buurtcode": r"BU\d{4}[0-9A-Z]{4}",
                 "wijkcode": r"WK\d{4}[0-9A-Z]{2}", "gemeentecode": r"GM\d{4}"}
_PATTERN_LABELS = {"buurtcode": "BU + 8 cijfers", "wijkcode": "WK + 6 cijfers",
                   "gemeentecode": "GM + 4 cijfers"}

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
        ``.csv`` with WKT, ``.gpkg`` or ``.geojson``, in any CRS.

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
    if progress:
        progress(0, description=f"{name}: lezen")
    gdf, lines, crs = _read_polygon_file(p, name, "buurt")
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    if "Stadsdeelcode" in cols and "Buurtcode" in cols:
        layout = "amsterdam"
        frame, keep, skipped = _amsterdam(gdf, lines, name)
        detected = {}
    else:
        layout = "cbs"
        frame, detected = _cbs(gdf, lines, name, "buurt")
        keep = np.ones(len(frame), dtype=bool)
        skipped = []
    out, summary = _finish(gdf, frame, keep, lines, crs, name, "buurtcode")
    summary.update({"format": layout, "skipped_without_cbs_code": skipped,
                    "columns_detected": detected})
    if progress:
        progress(len(out), description=f"{name}: klaar", total=len(out))
    return ImportResult(out, summary, lines[keep])


def read_wijken(path: str | os.PathLike[str], progress=None) -> ImportResult:
    """Read CBS wijk polygons into the ``wijken`` table (RD New).

    Parameters
    ----------
    path : path-like
        ``.gpkg``, ``.geojson`` or ``.csv`` with WKT, in any CRS, in a CBS
        layout (column names are detected, see :data:`ALIASES`). Only the
        wijk code is required; a missing gemeente code follows from it.

    Returns
    -------
    ImportResult
        Polygons in EPSG:28992 with the columns of :data:`WIJK_COLUMNS`.

    Raises
    ------
    ImportRejected
        No recognisable wijk code column, bad codes or geometries, duplicate
        wijkcodes.
    """
    p = require_file(path)
    name = source_name(p)
    if progress:
        progress(0, description=f"{name}: lezen")
    gdf, lines, crs = _read_polygon_file(p, name, "wijk")
    frame, detected = _cbs(gdf, lines, name, "wijk")
    keep = np.ones(len(frame), dtype=bool)
    out, summary = _finish(gdf, frame, keep, lines, crs, name, "wijkcode")
    summary.update({"format": "cbs", "columns_detected": detected})
    if progress:
        progress(len(out), description=f"{name}: klaar", total=len(out))
    return ImportResult(out, summary, lines)


def _read_polygon_file(p, name: str, level: str):
    """Features, their lines and CRS from a WKT CSV, GeoPackage or GeoJSON."""
    suffix = p.suffix.lower()
    if suffix in (".csv", ".txt"):
        return _read_wkt_csv(p, name)
    if suffix not in (".gpkg", ".geojson", ".json"):
        raise file_error(f"onbekend bestandsformaat voor {level}en; gebruik CSV "
                         "met WKT, GeoPackage of GeoJSON", source=name)
    layer = None
    if suffix == ".gpkg":
        layers = list_layers(p)
        layer = next((lay for lay in layers if level in lay.lower()),
                     layers[0] if len(layers) == 1 else None)
        if layer is None:
            raise file_error(f"geen laag met {level}en gevonden; lagen: "
                             + ", ".join(layers), source=name)
    gdf, crs = read_vector(p, layer)
    return gdf, np.arange(1, len(gdf) + 1), crs


def _finish(gdf, frame, keep, lines, crs, name, key):
    """Geometry checks, duplicate keys, RD New, repairs; the frame and summary."""
    check_geometries(gdf, lines, crs, name, ("Polygon", "MultiPolygon"))
    dup = frame[key].duplicated(keep=False).to_numpy() & keep
    if dup.any():
        raise_if([RejectedRow(int(lines[i]), f"{key} komt meer dan eens voor",
                              frame[key].iloc[i]) for i in np.flatnonzero(dup)],
                 name)
    geometry = geometry_to_rd(gdf.geometry, crs)[keep].reset_index(drop=True)
    out = gpd.GeoDataFrame(frame.loc[keep].reset_index(drop=True),
                           geometry=geometry, crs=RD)
    invalid = int((~out.geometry.is_valid).sum())
    if invalid:
        out["geometry"] = shapely.make_valid(out.geometry.to_numpy())
        out = out.set_crs(RD, allow_override=True)
    summary = {"rows_read": len(gdf), "rows_written": len(out),
               "geometries_repaired": invalid, "crs_in": crs, "crs_out": RD}
    return out, summary


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


def _matches(values: pd.Series, pattern: str) -> bool:
    """Whether the filled cells of ``values`` mostly have the CBS form."""
    v = clean_str(values.astype("str")).dropna()
    if pattern == CODE_PATTERNS["gemeentecode"]:
        v = normalise_gemeentecode(v)
    return bool(len(v)) and bool(v.str.fullmatch(pattern).mean() >= 0.9)


def normalise_gemeentecode(values: pd.Series) -> pd.Series:
    """``GM0014`` as it is, ``14`` or ``0014`` (CBS's plain number) as ``GM0014``.

    Examples
    --------
    >>> normalise_gemeentecode(pd.Series(["GM0014", "14", "0363", "gm1680", None],
    ...                                  dtype="str")).tolist()
    ['GM0014', 'GM0014', 'GM0363', 'GM1680', nan]
    """
    s = clean_str(values.astype("str")).str.upper()
    digits = s.str.fullmatch(r"\d{1,4}").fillna(False)
    return s.where(~digits, "GM" + s.str.zfill(4)).astype("str")


def detect_columns(gdf: pd.DataFrame, level: str) -> dict[str, str | None]:
    """Which source column holds each contract column, for a file of ``level``.

    Parameters
    ----------
    gdf : pandas.DataFrame
        The features as read.
    level : {"buurt", "wijk", "gemeente"}
        The level the file describes: generic names (``code``, ``statcode``,
        ``naam``, ``name``) stand for that level's code and name.

    Returns
    -------
    dict
        Contract column -> source column (None when absent). A code column
        with a generic name is taken only when at least 90 % of its filled
        values have the CBS form (``BU`` + 8, ``WK`` + 6, ``GM`` + 4 digits;
        plain gemeente numbers count).

    Examples
    --------
    >>> frame = pd.DataFrame({"code": ["WK001400"], "name": ["Centrum"],
    ...                       "province": ["Groningen"]})
    >>> found = detect_columns(frame, "wijk")
    >>> found["wijkcode"], found["wijknaam"], found["gemeentecode"]
    ('code', 'name', None)
    >>> detect_columns(frame, "buurt")["buurtcode"] is None
    True
    """
    geometry = getattr(gdf, "_geometry_column_name", None)
    cols = [str(c) for c in gdf.columns if c not in (geometry, "geometry")]
    own_code, own_name = f"{level}code", f"{level}naam"
    wanted = {"buurt": COLUMNS[:6], "wijk": WIJK_COLUMNS,
              "gemeente": ("gemeentecode", "gemeentenaam")}[level]
    found: dict[str, str | None] = {}
    for c in wanted:
        names = ALIASES[c]
        if c == own_code:
            names = (*names, *_GENERIC_CODE)
        elif c == own_name:
            names = (*names, *_GENERIC_NAME)
        found[c] = None
        for n in names:
            col = pick_column(cols, n)
            if col is None:
                continue
            generic = n in _GENERIC_CODE
            if generic and not _matches(gdf[col], CODE_PATTERNS[c]):
                continue
            found[c] = col
            break
    return found


def _cbs(gdf, lines, name, level):
    """The contract frame of a CBS-layout file of ``level`` and what was detected."""
    names = detect_columns(gdf, level)
    own = f"{level}code"
    required = (own, "buurtnaam") if level == "buurt" else (own,)
    missing = [c for c in required if names[c] is None]
    cols = [str(c) for c in gdf.columns if c != gdf.geometry.name]
    if missing:
        generic = {c: _GENERIC_CODE if c == own else _GENERIC_NAME for c in missing}
        expected = "; ".join(f"{c}: een van {', '.join(ALIASES[c] + generic[c])}"
                             for c in missing)
        known = ", ".join(f"{c} = {v}" for c, v in names.items() if v)
        raise file_error(
            f"verplichte kolom(men) ontbreken voor {level}en (CBS-indeling): "
            f"{', '.join(missing)} ({expected}; een codekolom telt alleen met "
            f"CBS-codes){'; herkend: ' + known if known else ''}; gevonden: "
            f"{', '.join(cols[:20])}", source=name, line=1)

    def col(c):
        if names.get(c) is None:
            return pd.Series(pd.NA, index=gdf.index, dtype="str")
        values = clean_str(gdf[names[c]].astype("str"))
        if c == "gemeentecode":
            return normalise_gemeentecode(values)
        return values.str.upper() if c in CODE_PATTERNS else values

    wanted = COLUMNS[:6] if level == "buurt" else WIJK_COLUMNS
    frame = pd.DataFrame({c: col(c) for c in wanted})
    # CBS codes nest: a missing wijk or gemeente code follows from the code
    if level == "buurt":
        ok = frame["buurtcode"].str.fullmatch(CODE_PATTERNS["buurtcode"]).fillna(False)
        frame["wijkcode"] = frame["wijkcode"].fillna(
            ("WK" + frame["buurtcode"].str.slice(2, 8)).where(ok))
    ok = frame["wijkcode"].str.fullmatch(CODE_PATTERNS["wijkcode"]).fillna(False)
    frame["gemeentecode"] = frame["gemeentecode"].fillna(
        ("GM" + frame["wijkcode"].str.slice(2, 6)).where(ok)).astype("str")
    if level == "buurt":
        frame["source_code"] = pd.Series(pd.NA, index=gdf.index, dtype="str")
    bad = rejected(frame[own].isna().to_numpy(), lines, f"{own} ontbreekt")
    for c, pat in CODE_PATTERNS.items():
        if c not in frame.columns:
            continue
        s = frame[c]
        ok = s.str.fullmatch(pat).fillna(False).to_numpy(dtype=bool)
        bad += rejected(~ok & s.notna().to_numpy(), lines,
                        f"{c} heeft niet de vorm {_PATTERN_LABELS[c]}", s)
    # a (well-formed) code that does not nest in its parent is a broken file
    form = {c: frame[c].str.fullmatch(p).fillna(False).to_numpy(dtype=bool)
            for c, p in CODE_PATTERNS.items() if c in frame.columns}
    for child, parent, digits in (("buurtcode", "wijkcode", 8),
                                  ("wijkcode", "gemeentecode", 6)):
        if child not in form:
            continue
        differ = (frame[child].str.slice(2, digits)
                  != frame[parent].str.slice(2, digits)).fillna(False).to_numpy(bool)
        bad += rejected(differ & form[child] & form[parent], lines,
                        f"{child} ligt niet in de {parent}", frame[child])
    raise_if(bad, name)
    return frame, {c: v for c, v in names.items() if v}
