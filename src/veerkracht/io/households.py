"""Read pseudonymised households (confidential) into the ``households`` contract.

The file is a CSV (``;``, ``,`` or tab; UTF-8; optionally ``.zst``) with one
row per household *per address and tenure* (docs/data.md, "Huishoudens"):

=====================  ========  ==============================================
column                 required  values
=====================  ========  ==============================================
household_key          yes       pseudonym (never a name, BSN or client number)
address_id             yes       as in ``addresses.address_id``
tenure_start           yes       date ``YYYY-MM-DD`` (or ``DD-MM-YYYY``)
tenure_end             no        date, empty while the household lives there
household_type         yes       single, couple, family, single_parent, other
                                 (or alleenstaand, paar, gezin, eenoudergezin,
                                 overig)
need_care              yes       ja/nee, 1/0, true/false
need_income            yes       idem
need_outflow           yes       idem
need_frail_elderly     yes       idem
urgency                yes       idem
=====================  ========  ==============================================

Columns are an allow-list: a column on nationality, ethnicity, country of
birth or migration background refuses the whole file with the reason, and so
does any other column that is not listed above (DESIGN.md section 6).

Examples
--------
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "hh.csv"
>>> _ = p.write_text("household_key;address_id;tenure_start;household_type;"
...     "need_care;need_income;need_outflow;need_frail_elderly;urgency;"
...     "geboorteland\\nH1;1013AB-12-2;2020-01-01;single;ja;nee;nee;nee;nee;NL\\n")
>>> read_households(p)
Traceback (most recent call last):
...
veerkracht.io.validation.ImportRejected: hh.csv: het veld 'geboorteland' is verboden: \
nationaliteit, etniciteit, geboorteland en migratieachtergrond zijn nooit een invoer \
van Veerkracht (zie docs/privacy.md); er is niets opgeslagen.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from veerkracht.analytics.model.spec import forbidden_message, is_forbidden_field
from veerkracht.io._common import (
    clean_str,
    decode,
    raise_if,
    read_bytes,
    read_csv_text,
    rejected,
    require_file,
    source_name,
)
from veerkracht.io.validation import ImportRejected, ImportResult, RejectedRow

NEEDS = ("need_care", "need_income", "need_outflow", "need_frail_elderly", "urgency")
REQUIRED = ("household_key", "address_id", "tenure_start", "household_type", *NEEDS)
OPTIONAL = ("tenure_end",)
COLUMNS = (*REQUIRED, "tenure_end", "source", "synthetic")
HOUSEHOLD_TYPES = ("single", "couple", "family", "single_parent", "other")
_TYPE_ALIASES = {
    "alleenstaand": "single", "eenpersoons": "single", "paar": "couple",
    "stel": "couple", "gezin": "family", "eenoudergezin": "single_parent",
    "eenouder": "single_parent", "overig": "other", "anders": "other",
}
TRUE = frozenset({"1", "ja", "j", "true", "waar", "yes", "y", "t", "x"})
FALSE = frozenset({"0", "nee", "n", "false", "onwaar", "no", "f"})


def check_allowed_columns(columns, allowed, required, name: str, what: str) -> None:
    """Refuse forbidden columns and any column not on the allow-list (file level)."""
    cols = [str(c) for c in columns]
    forbidden = [c for c in cols if is_forbidden_field(c)]
    if forbidden:
        raise ImportRejected([RejectedRow(0, forbidden_message(c)) for c in forbidden],
                             source=name)
    extra = [c for c in cols if c not in allowed]
    if extra:
        raise ImportRejected([RejectedRow(
            0, f"kolom(men) {', '.join(repr(c) for c in extra)} staan niet op de lijst "
            f"van toegestane velden voor {what} ({', '.join(allowed)}); haal ze uit "
            "het bestand")], source=name)
    missing = [c for c in required if c not in cols]
    if missing:
        raise ImportRejected([RejectedRow(
            0, f"verplichte kolom(men) ontbreken voor {what}: {', '.join(missing)}")],
            source=name)


def parse_bool(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Booleans from ja/nee, 1/0, true/false; and a mask of cells that are neither."""
    s = series.astype("str").str.strip().str.lower()
    t = s.isin(TRUE).to_numpy()
    f = s.isin(FALSE).to_numpy()
    return t, ~(t | f)


def parse_date(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Dates (``YYYY-MM-DD`` or ``DD-MM-YYYY``) and a mask of unreadable cells."""
    s = series.astype("str").str.strip()
    iso = pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")
    nl = pd.to_datetime(s, format="%d-%m-%Y", errors="coerce")
    d = iso.fillna(nl)
    bad = d.isna().to_numpy() & s.notna().to_numpy()
    return d.to_numpy(dtype="datetime64[ns]"), bad


def read_households(path: str | os.PathLike[str], progress=None) -> ImportResult:
    """Read and validate a households file; every bad row is reported at once.

    Returns
    -------
    ImportResult
        The ``households`` contract, ``synthetic=False``, ``source`` = file name.

    Raises
    ------
    ImportRejected
        A forbidden or unknown column (whole file), or rows with a missing key
        or address, an unreadable date, an end before the start, an unknown
        household type, a need that is not ja/nee, or a duplicate
        (household_key, tenure_start).
    """
    p = require_file(path)
    name = source_name(p)
    if progress:
        progress(0, description=f"{name}: lezen")
    frame, lines = read_csv_text(decode(read_bytes(p), name), name)
    check_allowed_columns(frame.columns, (*REQUIRED, *OPTIONAL), REQUIRED, name,
                          "huishoudens")
    rows: list[RejectedRow] = []
    key = clean_str(frame["household_key"])
    addr = clean_str(frame["address_id"])
    rows += rejected(key.isna().to_numpy(), lines, "household_key ontbreekt")
    rows += rejected(addr.isna().to_numpy(), lines, "address_id ontbreekt")
    start, bad_start = parse_date(frame["tenure_start"])
    rows += rejected(bad_start, lines, "tenure_start is geen datum (JJJJ-MM-DD)",
                     frame["tenure_start"])
    rows += rejected(np.isnat(start) & ~bad_start, lines, "tenure_start ontbreekt")
    if "tenure_end" in frame.columns:
        end, bad_end = parse_date(frame["tenure_end"])
        rows += rejected(bad_end, lines, "tenure_end is geen datum (JJJJ-MM-DD)",
                         frame["tenure_end"])
        before = ~np.isnat(end) & ~np.isnat(start) & (end < start)
        rows += rejected(before, lines, "tenure_end ligt voor tenure_start",
                         frame["tenure_end"])
    else:
        end = np.full(len(frame), np.datetime64("NaT"), dtype="datetime64[ns]")
    htype = frame["household_type"].astype("str").str.strip().str.lower()
    htype = htype.replace(_TYPE_ALIASES)
    rows += rejected(~htype.isin(HOUSEHOLD_TYPES).to_numpy(), lines,
                     "onbekend household_type (toegestaan: "
                     f"{', '.join(HOUSEHOLD_TYPES)})",
                     frame["household_type"])
    needs = {}
    for col in NEEDS:
        values, bad = parse_bool(frame[col])
        rows += rejected(bad, lines, f"{col} moet ja of nee zijn", frame[col])
        needs[col] = values
    dup = pd.DataFrame({"k": key, "s": start}).duplicated(keep=False).to_numpy()
    rows += rejected(dup & key.notna().to_numpy(), lines,
                     "dubbel: household_key met dezelfde tenure_start", key)
    raise_if(rows, name)
    out = pd.DataFrame({
        "household_key": key.astype("str"),
        "address_id": addr.astype("str"),
        "tenure_start": start,
        "tenure_end": end,
        "household_type": htype.astype("str"),
        **needs,
        "source": pd.array([name] * len(frame), dtype="str"),
        "synthetic": np.zeros(len(frame), dtype=bool),
    })
    present = np.isnat(end)
    summary = {"rows_read": len(frame), "households": int(key.nunique()),
               "living_now": int(present.sum()),
               "needs": {c: int(v.sum()) for c, v in needs.items()}}
    return ImportResult(out, summary, lines)
