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

A second layout, ``politie``, reads police incident registrations as the
Politie publishes them (``id, bronreg, srtcode, srt, straat, huisnr, ...,
b_datum, e_datum, k_datum, ..., x, y, lon, lat``; detected from the header or
chosen with ``format="politie"``). Only ``id``, ``b_datum`` and ``x``/``y``
are read; every other column (street, house number, postcode, object type,
weather, ...) is dropped before anything is stored. Each registration becomes
a signal with category ``unsafety`` and source ``police``; ``reported_at`` is
``b_datum``, the start of the window in which the incident happened.
"""

from __future__ import annotations

import csv
import io
import os

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely import points

from veerkracht.analytics.model.spec import forbidden_message, is_forbidden_field
from veerkracht.analytics.signal_categories import CATEGORIES  # noqa: E402
from veerkracht.io._common import (
    RD,
    WGS84,
    check_columns,
    check_coordinates,
    clean_str,
    decode,
    parse_float,
    raise_if,
    read_bytes,
    read_csv_text,
    rejected,
    require_file,
    sniff_separator,
    source_name,
    to_rd,
)
from veerkracht.io.households import check_allowed_columns
from veerkracht.io.validation import (
    ImportRejected,
    ImportResult,
    RejectedRow,
    file_error,
)

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

FORMATS = ("standaard", "politie")
#: Header columns that together mark a police incident registration file.
POLICE_SIGNATURE = ("id", "bronreg", "srtcode", "b_datum", "k_datum", "x", "y")
#: The only police columns that are read; all others are dropped unread.
POLICE_USED = ("id", "b_datum", "x", "y")
_POLICE_TIME = r"^(\d{8})(?:(\d{2})(\d{2})(\d{2}))?$"


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


def parse_police_time(series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """UTC timestamps from police ``yyyymmddHHMMSS`` (or ``yyyymmdd``) local times.

    The police registration system writes a full minute as second 60
    (``20170920135960``): seconds are added to the minute, so that is 14:00:00.
    A date without a time is midnight. The times are local Dutch time; an
    hour that occurs twice (the night summer time ends) is read as the first
    one (summer time), an hour that does not exist (the night it starts) is
    moved forward to 03:00. Empty cells, other text, hours above 23, minutes
    above 59 and seconds above 60 are bad.

    Returns
    -------
    (pandas.Series, numpy.ndarray)
        The timestamps (``datetime64[ns, UTC]``, NaT where bad or empty) and a
        mask of the cells that are filled but no time.

    Examples
    --------
    >>> t, bad = parse_police_time(pd.Series(
    ...     ["20170920135960", "20170820", "2017-09-20", "20141026015960"]))
    >>> for v in t:
    ...     print(v)
    2017-09-20 12:00:00+00:00
    2017-08-19 22:00:00+00:00
    NaT
    2014-10-26 00:00:00+00:00
    >>> bad.tolist()
    [False, False, True, False]
    """
    s = series.astype("str").str.strip()
    parts = s.str.extract(_POLICE_TIME)
    day = pd.to_datetime(parts[0], format="%Y%m%d", errors="coerce")
    hms = [pd.to_numeric(parts[i].fillna("00"), errors="coerce") for i in (1, 2, 3)]
    ok = (day.notna() & (hms[0] <= 23) & (hms[1] <= 59) & (hms[2] <= 60)).to_numpy()
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns, UTC]")
    if ok.any():
        naive = (day[ok] + pd.to_timedelta(hms[0][ok], unit="h")
                 + pd.to_timedelta(hms[1][ok], unit="min")
                 + pd.to_timedelta(hms[2][ok], unit="s"))
        out[ok] = naive.dt.tz_localize(
            LOCAL_TZ, ambiguous=np.ones(int(ok.sum()), dtype=bool),
            nonexistent="shift_forward").dt.tz_convert("UTC")
    bad = ~ok & s.notna().to_numpy()
    return out, bad


def detect_layout(columns) -> str:
    """``politie`` when the header carries the police registration columns.

    Examples
    --------
    >>> detect_layout(["reported_at", "category", "source", "x", "y"])
    'standaard'
    >>> detect_layout(["id", "bronreg", "srtcode", "b_datum", "k_datum", "x", "y"])
    'politie'
    """
    cols = {str(c).strip().lower() for c in columns}
    return "politie" if set(POLICE_SIGNATURE) <= cols else "standaard"


def _record_lines(text: str, sep: str, n: int, fallback: np.ndarray) -> np.ndarray:
    """The first physical line of each data record (quoted cells may span lines).

    ``read_csv_text`` numbers rows as if every record were one line; the
    police files quote an object type with a line break in it, which would
    shift every later line number. Blank records are skipped as there.
    """
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    starts, end = [], 0
    for rec in reader:
        start, end = end + 1, reader.line_num
        if start > 1 and rec and any(f.strip() for f in rec):
            starts.append(start)
    return np.asarray(starts) if len(starts) == n else fallback


def _codes(series: pd.Series, allowed, aliases) -> pd.Series:
    s = series.astype("str").str.strip().str.lower().str.replace(" ", "_")
    return s.replace(aliases)


def read_signals(path: str | os.PathLike[str], progress=None,
                 format: str | None = None) -> ImportResult:  # noqa: A002
    """Read and validate a signals file; every bad row is reported at once.

    Parameters
    ----------
    path : path-like
        CSV (optionally ``.zst``).
    progress : callable, optional
        ``progress(n, description=...)``.
    format : {'standaard', 'politie'}, optional
        The layout; default detected from the header (``politie`` when it
        has the police registration columns, see :func:`detect_layout`).

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
    if format is not None and format not in FORMATS:
        raise file_error(f"onbekend formaat {format!r}; kies uit "
                         f"{', '.join(FORMATS)}", source=name)
    if progress:
        progress(0, description=f"{name}: lezen")
    text = decode(read_bytes(p), name)
    frame, lines = read_csv_text(text, name)
    if (format or detect_layout(frame.columns)) == "politie":
        return _read_police(frame, lines, text, p, name)
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
    summary["format"] = "standaard"
    return ImportResult(out, summary, lines)


def _read_police(frame: pd.DataFrame, lines: np.ndarray, text: str, p, name: str
                 ) -> ImportResult:
    """The ``politie`` layout: keep id, b_datum and x/y; drop the rest unread."""
    frame.columns = [c.lower() for c in frame.columns]
    forbidden = [c for c in frame.columns if is_forbidden_field(c)]
    if forbidden:
        raise ImportRejected([RejectedRow(0, forbidden_message(c))
                              for c in forbidden], source=name)
    check_columns(frame.columns, POLICE_USED, name, "politieregistraties",
                  optional=frame.columns)
    dropped = [c for c in frame.columns if c not in POLICE_USED]
    frame = frame[list(POLICE_USED)].copy()
    lines = _record_lines(text, sniff_separator(text), len(frame), lines)
    rows: list[RejectedRow] = []
    when, bad_when = parse_police_time(frame["b_datum"])
    rows += rejected(bad_when, lines, "b_datum is geen tijdstip (JJJJMMDDUUMMSS of "
                     "JJJJMMDD)", frame["b_datum"])
    rows += rejected(frame["b_datum"].isna().to_numpy(), lines,
                     "b_datum ontbreekt (begin van de pleegperiode)")
    x, bad_x = parse_float(frame["x"])
    y, bad_y = parse_float(frame["y"])
    rows += rejected(bad_x | bad_y, lines, "coördinaat is geen getal",
                     frame["x"].astype("str") + " " + frame["y"].astype("str"))
    rows += rejected((np.isnan(x) | np.isnan(y)) & ~(bad_x | bad_y), lines,
                     "geen coördinaten (x en y, RD New)")
    ids = clean_str(frame["id"])
    rows += rejected(ids.isna().to_numpy(), lines, "id ontbreekt")
    rows += rejected((ids.duplicated(keep=False) & ids.notna()).to_numpy(), lines,
                     "id komt meer dan eens voor", ids)
    hint = None
    try:
        check_coordinates(x, y, lines, RD, name)
    except ImportRejected as err:
        rows += err.rows
        hint = err.hint
    raise_if(rows, name, hint)
    n = len(frame)
    out = gpd.GeoDataFrame({
        "signal_id": ids.astype("str"),
        "reported_at": when,
        "category": pd.Series(["unsafety"] * n, dtype="str"),
        "source": pd.Series(["police"] * n, dtype="str"),
        "address_id": pd.Series(pd.NA, index=frame.index, dtype="str"),
        "synthetic": np.zeros(n, dtype=bool),
    }, geometry=points(x, y), crs=RD)
    raw = frame["b_datum"].str.strip()
    summary = {
        "rows_read": n, "format": "politie",
        "per_category": {"unsafety": n}, "located_by_address": 0, "crs_in": RD,
        "time_column": "b_datum",
        "date_only_times": int((raw.str.len() == 8).sum()),
        "not_stored_columns": dropped,
        "notes": [
            "politieregistraties: elke rij een melding onveiligheid van de politie",
            "tijdstip = b_datum, het begin van de pleegperiode "
            f"({_count(raw.str.len() == 8)} zonder tijd: middernacht)",
            f"niet opgeslagen: {len(dropped)} kolommen ({', '.join(dropped[:8])}"
            f"{' …' if len(dropped) > 8 else ''})",
        ],
    }
    return ImportResult(out, summary, lines)


def _count(mask) -> str:
    return f"{int(np.sum(mask)):,}".replace(",", ".")
