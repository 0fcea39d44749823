"""Read signals (reports) into the ``signals`` contract (points in RD New).

CSV (``;``, ``,`` or tab; UTF-8; optionally ``.zst``), one row per signal
(docs/data.md, "Meldingen"):

===============  ========  ===================================================
column           required  values
===============  ========  ===================================================
reported_at      yes       ``YYYY-MM-DD HH:MM[:SS]`` or ``YYYY-MM-DD``; local
                           Dutch time unless it carries an offset (``Z``,
                           ``+01:00``); stored in UTC
category         yes       noise, neighbour_conflict, unsafety, neglect,
                           care_worry, indifference (or geluid, burenruzie,
                           onveiligheid, verwaarlozing, zorgsignaal,
                           onverschilligheid)
source           yes       resident, corporation, welfare, area_broker, police
                           (or bewoner, corporatie, welzijn, gebiedsmakelaar,
                           politie)
address_id       one of    as in ``addresses.address_id``
x, y             one of    RD New metres
lat, lon         one of    WGS84 degrees
signal_id        no        the source's own reference; else ``<file>-<line>``
===============  ========  ===================================================

Free text (a description, a name, contact details) never enters the
workspace: such columns refuse the file, as does any column not listed.
"""

from __future__ import annotations

import os

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely import points

from veerkracht.analytics.signal_categories import CATEGORIES  # noqa: E402
from veerkracht.io._common import (
    RD,
    WGS84,
    check_coordinates,
    clean_str,
    decode,
    parse_float,
    raise_if,
    read_bytes,
    read_csv_text,
    rejected,
    require_file,
    source_name,
    to_rd,
)
from veerkracht.io.households import check_allowed_columns
from veerkracht.io.validation import ImportRejected, ImportResult, RejectedRow

SOURCES = ("resident", "corporation", "welfare", "area_broker", "police")
_CATEGORY_ALIASES = {
    "geluid": "noise", "geluidsoverlast": "noise", "overlast": "noise",
    "burenruzie": "neighbour_conflict", "burenconflict": "neighbour_conflict",
    "onveiligheid": "unsafety", "onveilig": "unsafety", "verwaarlozing": "neglect",
    "vervuiling": "neglect", "zorgsignaal": "care_worry", "zorg": "care_worry",
    "onverschilligheid": "indifference",
}
_SOURCE_ALIASES = {
    "bewoner": "resident", "corporatie": "corporation", "woningcorporatie":
    "corporation", "welzijn": "welfare", "wijkteam": "welfare",
    "gebiedsmakelaar": "area_broker", "politie": "police", "wijkagent": "police",
}
REQUIRED = ("reported_at", "category", "source")
ALLOWED = (*REQUIRED, "signal_id", "address_id", "x", "y", "lat", "lon")
COLUMNS = ("signal_id", "reported_at", "category", "source", "address_id",
           "synthetic")
LOCAL_TZ = "Europe/Amsterdam"


def parse_timestamps(series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """UTC timestamps (local Dutch time when no offset) and a mask of bad cells."""
    s = series.astype("str").str.strip()
    has_offset = s.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True).fillna(False)
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns, UTC]")
    if has_offset.any():
        out[has_offset] = pd.to_datetime(s[has_offset], utc=True, errors="coerce",
                                         format="ISO8601")
    local = ~has_offset & s.notna()
    if local.any():
        naive = pd.to_datetime(s[local], errors="coerce", format="ISO8601")
        out[local] = naive.dt.tz_localize(LOCAL_TZ, ambiguous="NaT",
                                          nonexistent="NaT").dt.tz_convert("UTC")
    bad = out.isna().to_numpy() & s.notna().to_numpy()
    return out, bad


def _codes(series: pd.Series, allowed, aliases) -> pd.Series:
    s = series.astype("str").str.strip().str.lower().str.replace(" ", "_")
    return s.replace(aliases)


def read_signals(path: str | os.PathLike[str], progress=None) -> ImportResult:
    """Read and validate a signals file; every bad row is reported at once.

    Returns
    -------
    ImportResult
        A GeoDataFrame in EPSG:28992 (geometry empty for signals located only
        by ``address_id``), ``synthetic=False``.

    Raises
    ------
    ImportRejected
        A forbidden or unknown column, or no location columns (whole file);
        rows with an unreadable time, an unknown category or source, no
        location, coordinates outside the Netherlands, or a duplicate id.
    """
    p = require_file(path)
    name = source_name(p)
    if progress:
        progress(0, description=f"{name}: lezen")
    frame, lines = read_csv_text(decode(read_bytes(p), name), name)
    check_allowed_columns(frame.columns, ALLOWED, REQUIRED, name, "meldingen")
    cols = set(frame.columns)
    xy_cols = ("x", "y") if {"x", "y"} <= cols else (
        ("lon", "lat") if {"lat", "lon"} <= cols else None)
    if xy_cols is None and "address_id" not in cols:
        raise_if([RejectedRow(0, "geen locatie: geef address_id, of x en y (RD New), "
                                 "of lat en lon (WGS84)")], name)
    rows: list[RejectedRow] = []
    when, bad_when = parse_timestamps(frame["reported_at"])
    rows += rejected(bad_when | frame["reported_at"].isna().to_numpy(), lines,
                     "reported_at is geen tijdstip (JJJJ-MM-DD UU:MM)",
                     frame["reported_at"])
    cat = _codes(frame["category"], CATEGORIES, _CATEGORY_ALIASES)
    rows += rejected(~cat.isin(CATEGORIES).to_numpy(), lines,
                     f"onbekende category (toegestaan: {', '.join(CATEGORIES)})",
                     frame["category"])
    src = _codes(frame["source"], SOURCES, _SOURCE_ALIASES)
    rows += rejected(~src.isin(SOURCES).to_numpy(), lines,
                     f"onbekende source (toegestaan: {', '.join(SOURCES)})",
                     frame["source"])
    addr = (clean_str(frame["address_id"]) if "address_id" in cols
             else pd.Series(pd.NA, index=frame.index, dtype="str"))
    x = y = np.full(len(frame), np.nan)
    if xy_cols is not None:
        x, bad_x = parse_float(frame[xy_cols[0]])
        y, bad_y = parse_float(frame[xy_cols[1]])
        rows += rejected(bad_x | bad_y, lines, "coördinaat is geen getal",
                         frame[xy_cols[0]].astype("str") + " " +
                         frame[xy_cols[1]].astype("str"))
    no_loc = addr.isna().to_numpy() & (np.isnan(x) | np.isnan(y))
    rows += rejected(no_loc, lines, "geen locatie (address_id of coördinaten)")
    ids = (clean_str(frame["signal_id"]) if "signal_id" in cols
           else pd.Series(pd.NA, index=frame.index, dtype="str"))
    stem = p.name.split(".")[0]
    ids = ids.fillna(pd.Series([f"{stem}-{ln}" for ln in lines], index=frame.index))
    rows += rejected(ids.duplicated(keep=False).to_numpy(), lines,
                     "signal_id komt meer dan eens voor", ids)
    hint = None
    if xy_cols is not None:
        crs = RD if xy_cols == ("x", "y") else WGS84
        has = ~(np.isnan(x) | np.isnan(y))
        try:
            check_coordinates(x, y, lines, crs, name, labels=xy_cols)
        except ImportRejected as err:
            rows += err.rows
            hint = err.hint
    raise_if(rows, name, hint)
    if xy_cols is not None and has.any():
        rx, ry = to_rd(x[has], y[has], crs)
        x, y = x.copy(), y.copy()
        x[has], y[has] = rx, ry
    geom = points(x, y)
    geom[np.isnan(x) | np.isnan(y)] = None
    out = gpd.GeoDataFrame({
        "signal_id": ids.astype("str"),
        "reported_at": when,
        "category": cat.astype("str"),
        "source": src.astype("str"),
        "address_id": addr.astype("str"),
        "synthetic": np.zeros(len(frame), dtype=bool),
    }, geometry=geom, crs=RD)
    summary = {"rows_read": len(frame),
               "per_category": {k: int(v) for k, v in cat.value_counts().items()},
               "located_by_address": int(addr.notna().sum())}
    if xy_cols is not None:
        summary["crs_in"] = RD if xy_cols == ("x", "y") else WGS84
    return ImportResult(out, summary, lines)
