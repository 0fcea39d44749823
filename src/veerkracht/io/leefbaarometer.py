"""Read Leefbaarometer 2.0 and 3.0 scores into the ``leefbaarometer`` contract.

Columns: ``regiocode`` (``WK…``/``BU…``/``GM…``), ``jaar`` (Int64), ``lbm``
(total score as a deviation from the national mean of its year), ``won``
(dwellings), ``bev`` (residents, 2.0 only), ``vrz`` (amenities), ``vei``
(safety, 2.0 only), ``fys`` (physical environment), ``klasse`` (Int64, 1-9),
``onv`` (safety — *onveiligheid*, higher is safer — 3.0 only), ``soc``
(social cohesion, 3.0 only) and ``versie`` (``"2.0"`` or ``"3.0"``: the two
instruments are different models, so a change over time is only computed
within one version).

Layouts (``docs/data.md``):

``scores``
    Long table ``GBD, JAAR, RLBRMTR, RLBWON, RLBBEV, RLBVRZ, RLBVEI, RLBFYS``
    (the "dimensiescores" workbook, sheet ``data(1)``). The wide sheet with
    the same figures is ignored.
``scores+klassen``
    The same long table with ``KL02 … KL16`` appended (CSV): ``klasse`` is
    the class of the row's own year.
``klassen``
    ``WK_CODE, KL02, KL08, KL12, KL14, KL16`` (+ ``VKL…`` changes, ignored):
    one row per wijk and year with only ``klasse``.

``lbm3``
    Leefbaarometer 3.0 open data per buurt or wijk:
    ``bu_code`` (or ``wk_code``), a name column, ``jaar``, ``lbm`` (absolute
    score), ``afw`` (its deviation from the national mean), ``fys``, ``onv``,
    ``soc``, ``vrz``, ``won``. ``lbm`` of the contract is taken from ``afw``,
    so it means the same as 2.0's ``RLBRMTR``; the absolute score is ``afw``
    plus the national mean of the year, and every row must agree with that
    (``lbm - afw`` is one constant per year, else the row is refused). Ranks
    and rank changes within one gemeente are the same on either scale. Empty
    scores stay NA (years with the total only); a row with no score at all
    is refused.

The "ontwikkeling" workbook holds *changes* between years (``DLB…``), not
scores, and is refused with an explanation.
"""

from __future__ import annotations

import os
import re

import numpy as np
import pandas as pd

from veerkracht.io._common import (
    decode,
    raise_if,
    read_bytes,
    read_csv_text,
    rejected,
    require_file,
    source_name,
)
from veerkracht.io.validation import (
    ImportRejected,
    ImportResult,
    RejectedRow,
    file_error,
)

COLUMNS = ("regiocode", "jaar", "lbm", "won", "bev", "vrz", "vei", "fys", "klasse",
           "onv", "soc", "versie")
#: Leefbaarometer 3.0 score columns (besides the code, name and year).
LBM3 = ("lbm", "afw", "fys", "onv", "soc", "vrz", "won")
SCORES = {"RLBRMTR": "lbm", "RLBWON": "won", "RLBBEV": "bev", "RLBVRZ": "vrz",
          "RLBVEI": "vei", "RLBFYS": "fys"}
_KL = re.compile(r"^KL(\d\d)$")
_CODE = r"(WK\d{4}[0-9A-Z]{2}|BU\d{4}[0-9A-Z]{4}|GM\d{4})"


def read_leefbaarometer(path: str | os.PathLike[str], progress=None) -> ImportResult:
    """Read Leefbaarometer scores and/or classes per wijk (or buurt) and year.

    Returns
    -------
    ImportResult
        The columns of :data:`COLUMNS`; scores are float, ``jaar`` and
        ``klasse`` Int64.

    Raises
    ------
    ImportRejected
        Unknown layout, bad codes, non-numeric scores, classes outside 1-9,
        duplicate (regiocode, jaar).
    """
    p = require_file(path)
    name = source_name(p)
    if progress:
        progress(0, description=f"{name}: lezen")
    raw, lines = _read(p, name)
    cols = list(raw.columns)
    lower = {c.strip().lower(): c for c in cols}
    if ({"bu_code"} & set(lower) or {"wk_code"} & set(lower)) and {
            "jaar", *LBM3} <= set(lower):
        layout = "lbm3"
        frame = _lbm3(raw.rename(columns={v: k for k, v in lower.items()}), lines,
                      name)
    elif {"GBD", "JAAR", *SCORES} <= set(cols):
        layout = "scores+klassen" if any(_KL.match(c) for c in cols) else "scores"
        frame = _scores(raw, lines, name)
    elif "WK_CODE" in cols and any(_KL.match(c) for c in cols):
        layout = "klassen"
        frame = _klassen(raw, lines, name)
    elif any(c.startswith("DLB") for c in cols):
        raise file_error(
            "dit bestand bevat veranderingen tussen jaren (DLB…, 'ontwikkeling'), "
            "geen scores; importeer het bestand met dimensiescores (RLB…) en/of "
            "klassen (KL…)", source=name, line=1)
    else:
        raise file_error(
            "onbekende indeling voor de Leefbaarometer: verwacht GBD, JAAR, "
            "RLBRMTR, RLBWON, RLBBEV, RLBVRZ, RLBVEI, RLBFYS (scores), WK_CODE, "
            "KL02, … (klassen) of bu_code/wk_code, jaar, lbm, afw, fys, onv, soc, "
            f"vrz, won (Leefbaarometer 3.0); gevonden: {', '.join(cols[:12])}",
            source=name, line=1)
    dup = frame[["regiocode", "jaar"]].duplicated(keep=False).to_numpy()
    if dup.any():
        ln = frame["_line"].to_numpy()
        raise_if([RejectedRow(int(ln[i]), "wijk en jaar komen meer dan eens voor",
                              frame["regiocode"].iloc[i]) for i in np.flatnonzero(dup)],
                 name)
    row_lines = frame["_line"].to_numpy()
    frame = frame.loc[:, list(COLUMNS)].reset_index(drop=True)
    summary = {
        "format": layout,
        "rows_read": len(raw),
        "rows_written": len(frame),
        "years": sorted(int(y) for y in frame["jaar"].dropna().unique()),
        "regions": int(frame["regiocode"].nunique()),
    }
    if progress:
        progress(len(frame), description=f"{name}: klaar", total=len(frame))
    return ImportResult(frame, summary, row_lines)


def combine(results: list[ImportResult]) -> pd.DataFrame:
    """Merge several files on (regiocode, jaar): scores from one, classes from another.

    A cell given by two files with different values is rejected.
    """
    frame = results[0].frame
    for r in results[1:]:
        merged = frame.merge(r.frame, on=["regiocode", "jaar"], how="outer",
                             suffixes=("", "_b"), indicator=True)
        bad = []
        for c in COLUMNS[2:]:
            a, b = merged[c], merged[f"{c}_b"]
            if c == "versie":
                clash = a.notna() & b.notna() & (a != b)
            else:
                clash = a.notna() & b.notna() & ~np.isclose(
                    a.astype("float64"), b.astype("float64"), equal_nan=True)
            for code, year in merged.loc[clash, ["regiocode", "jaar"]].itertuples(
                    index=False):
                bad.append(RejectedRow(0, f"{c} verschilt tussen de bestanden "
                                          f"voor {code} {year}", code))
            merged[c] = a.fillna(b) if c != "klasse" else a.fillna(b).astype("Int64")
        if bad:
            raise ImportRejected(bad)
        frame = merged.loc[:, list(COLUMNS)]
    return frame.sort_values(["regiocode", "jaar"]).reset_index(drop=True)


def _read(p, name):
    suffix = p.suffix.lower()
    if suffix in (".csv", ".txt"):
        return read_csv_text(decode(read_bytes(p), name), name)
    if suffix not in (".xlsx", ".xlsm"):
        raise file_error("onbekend bestandsformaat voor de Leefbaarometer; gebruik "
                         ".csv of .xlsx", source=name)
    import zipfile

    try:
        sheets = pd.read_excel(p, sheet_name=None, dtype=object, engine="openpyxl")
    except (zipfile.BadZipFile, ValueError, KeyError, OSError) as exc:
        raise file_error(f"geen leesbaar Excel-bestand ({exc})", source=name) from None
    # Prefer a long sheet (with JAAR/BEGIN) over the wide copy of the same data.
    def is_wide(item):
        return not ({"JAAR", "BEGIN"} & set(map(str, item[1].columns)))

    ordered = sorted(sheets.items(), key=is_wide)
    for _, table in ordered:
        if table.empty:
            continue
        table.columns = [str(c).strip() for c in table.columns]
        text = table.map(lambda v: pd.NA if v is None or
                         (isinstance(v, float) and np.isnan(v)) else str(v))
        return text.astype("str"), np.arange(2, len(text) + 2)
    raise file_error("het Excel-bestand bevat geen gegevens", source=name)


def _codes(s: pd.Series, lines, name) -> pd.Series:
    code = s.astype("str").str.strip().str.upper()
    ok = code.str.fullmatch(_CODE).fillna(False).to_numpy(dtype=bool)
    raise_if(rejected(~ok, lines, "geen CBS-wijk- of buurtcode", s), name)
    return code


def _floats(raw, col, lines, name, bad):
    s = raw[col].astype("str").str.strip()
    num = pd.to_numeric(s.str.replace(",", ".", regex=False), errors="coerce")
    bad += rejected(num.isna().to_numpy() & s.notna().to_numpy(), lines,
                    f"kolom {col}: geen getal", s)
    return num.astype("float64")


def _ints(raw, col, lines, name, bad, lo, hi, what):
    num = _floats(raw, col, lines, name, bad)
    wrong = (num.notna() & ((num % 1 != 0) | (num < lo) | (num > hi))).to_numpy()
    bad += rejected(wrong, lines, f"{what} moet een geheel getal {lo}-{hi} zijn",
                    raw[col])
    return num.where(~wrong).round().astype("Int64")


def _scores(raw, lines, name):
    code = _codes(raw["GBD"], lines, name)
    bad: list[RejectedRow] = []
    jaar = _ints(raw, "JAAR", lines, name, bad, 1990, 2100, "jaar")
    out = pd.DataFrame({"regiocode": code.astype("str"), "jaar": jaar})
    for src, dst in SCORES.items():
        out[dst] = _floats(raw, src, lines, name, bad)
    klasse = pd.Series(pd.NA, index=raw.index, dtype="Int64")
    for c in raw.columns:
        m = _KL.match(c)
        if m:
            k = _ints(raw, c, lines, name, bad, 1, 9, "klasse")
            own = (jaar == 2000 + int(m.group(1))).fillna(False)
            klasse = klasse.where(~own, k)
    raise_if(bad, name)
    out["klasse"] = klasse.astype("Int64")
    out["onv"] = np.nan
    out["soc"] = np.nan
    out["versie"] = "2.0"
    out["_line"] = lines
    return out


def _klassen(raw, lines, name):
    code = _codes(raw["WK_CODE"], lines, name)
    bad: list[RejectedRow] = []
    parts = []
    for c in raw.columns:
        m = _KL.match(c)
        if not m:
            continue
        k = _ints(raw, c, lines, name, bad, 1, 9, "klasse")
        part = pd.DataFrame({"regiocode": code.astype("str"),
                             "jaar": pd.Series(2000 + int(m.group(1)),
                                               index=raw.index, dtype="Int64"),
                             "klasse": k, "_line": lines})
        parts.append(part.loc[k.notna().to_numpy()])
    raise_if(bad, name)
    out = pd.concat(parts, ignore_index=True)
    for dst in (*SCORES.values(), "onv", "soc"):
        out[dst] = np.nan
    out["versie"] = "2.0"
    return out


def _lbm3(raw, lines, name):
    """Leefbaarometer 3.0 (columns already lower-cased)."""
    code_col = "bu_code" if "bu_code" in raw.columns else "wk_code"
    code = _codes(raw[code_col], lines, name)
    bad: list[RejectedRow] = []
    jaar = _ints(raw, "jaar", lines, name, bad, 1990, 2100, "jaar")
    values = {c: _floats(raw, c, lines, name, bad) for c in LBM3}
    # the national file has years with the total only: empty dimensions are
    # kept as NA; a row without any score is refused
    empty = np.logical_and.reduce([raw[c].isna().to_numpy() for c in LBM3])
    bad += rejected(empty, lines, "geen enkele score (lbm, afw, fys, onv, soc, vrz, "
                    "won zijn leeg)")
    if not bad:
        # lbm - afw is the national mean of the year: one value per year
        offset = (values["lbm"] - values["afw"]).round(6)
        mode = offset.groupby(jaar.to_numpy()).transform(
            lambda s: s.mode().iloc[0])
        off = (offset - mode).abs().to_numpy() > 1e-4
        bad += rejected(off, lines, "lbm min afw wijkt af van het landelijk "
                        "gemiddelde van dat jaar (lbm of afw klopt niet)",
                        raw["lbm"])
    raise_if(bad, name)
    out = pd.DataFrame({"regiocode": code.astype("str"), "jaar": jaar,
                        "lbm": values["afw"]})
    for c in ("won", "vrz", "fys", "onv", "soc"):
        out[c] = values[c]
    out["bev"] = np.nan
    out["vei"] = np.nan
    out["klasse"] = pd.Series(pd.NA, index=raw.index, dtype="Int64")
    out["versie"] = "3.0"
    out["_line"] = lines
    return out
