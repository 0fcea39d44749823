"""Read CBS "Kerncijfers wijken en buurten" (and police figures) into ``kerncijfers``.

One row per region and year: ``regiocode`` (``BU…``/``WK…``/``GM…``/``NL00``),
``regioniveau`` (``buurt|wijk|gemeente|land``, from the code prefix),
``regionaam``, ``jaar``, then float columns named by CBS's own kwb variable
codes (``a_inw``, ``p_wcorpw``, ...) and a few explicitly named non-kwb
figures (``misdrijven_per_1000``, ``misdrijven_totaal``, ...). Every mapping
per layout is listed in ``docs/data.md``.

Layouts, detected from the header:

``kwb``
    CBS's own layout with short codes (``gwb_code_10``, ``regio``, ``a_inw``,
    ...), as ``.xlsx`` or ``.csv``; ``.`` marks a missing value.
``amsterdam-kwb2021``
    A 2021 extract with long Dutch column names (``aantal_inwoners``, ...).
    Upstream replaced CBS's missing/secret markers by ``0``: zeros are kept
    as they are but counted per column in the summary.
``woonikveilig``
    CBS 2024 figures plus police-registered crime per wijk/buurt (``code``,
    ``type``, ``demo_*``, ``misdrijven_*``).

CBS's missing and secret markers (``.``, ``x``, ``-``, ``?``, ``-99999999``,
``-99999997``, empty) become NA, never 0. Columns on migration background,
country of birth, nationality or ethnicity are dropped on import and never
stored (DESIGN.md §6); the summary names them.
"""

from __future__ import annotations

import os
import re

import numpy as np
import pandas as pd

from veerkracht.io._common import (
    MISSING_MARKERS,
    check_columns,
    clean_str,
    decode,
    raise_if,
    read_bytes,
    read_csv_text,
    rejected,
    require_file,
    source_name,
)
from veerkracht.io.validation import ImportResult, RejectedRow, file_error

ID_COLUMNS = ("regiocode", "regioniveau", "regionaam", "jaar")

#: Columns that describe persons by origin: never read, never stored.
_ORIGIN_CODE = re.compile(
    r"^[apg]_(nl_all|eur_al|neu_al|geb_(nl|eu|ne|bu)\w*|gbl_\w+|w_all|nw_all|"
    r"marok|antaru|surina|turk|ov_nw|wal\w*|nwal\w*|mig\w*|her\w*|nat\w*)$"
)
_ORIGIN_WORDS = re.compile(
    r"migratie|herkomst|nationalit|geboorteland|westers|allochto|autochto|"
    r"etnic|ethnic|marokk|turk|surinam|antill|europ|origin|nationality|"
    r"country_of_birth|born_in",
    re.IGNORECASE,
)


def is_origin_column(name: str) -> bool:
    """True for a column on migration background, birth country or nationality.

    Examples
    --------
    >>> [is_origin_column(c) for c in ("a_nl_all", "a_gbl_eu", "a_geb", "a_inw")]
    [True, True, False, False]
    >>> is_origin_column("percentage_met_migratieachtergrond")
    True
    """
    return bool(_ORIGIN_CODE.match(name) or _ORIGIN_WORDS.search(name))


#: kwb columns that identify the region or are no figure.
KWB_META = {"gwb_code_10", "gwb_code_8", "gwb_code", "regio", "gm_naam", "recs",
            "ind_wbi", "pst_mvp", "wk_code", "bu_code", "gm_code", "bu_naam",
            "wk_naam", "water", "postcode", "dek_perc", "pst_dekp", "jaar",
            "regiocode", "regionaam", "regioniveau"}

#: amsterdam-kwb2021 long names -> kwb codes (percentages as in kwb 2021).
AMSTERDAM_2021 = {
    "bevolkingsdichtheid_inwoners_per_km2": "bev_dich",
    "aantal_inwoners": "a_inw",
    "mannen": "a_man",
    "vrouwen": "a_vrouw",
    "percentage_personen_0_tot_15_jaar": "p_00_14_jr",
    "percentage_personen_15_tot_25_jaar": "p_15_24_jr",
    "percentage_personen_25_tot_45_jaar": "p_25_44_jr",
    "percentage_personen_45_tot_65_jaar": "p_45_64_jr",
    "percentage_personen_65_jaar_en_ouder": "p_65_eo_jr",
    "percentage_ongehuwd": "p_ongehuw",
    "percentage_gehuwd": "p_gehuwd",
    "percentage_gescheid": "p_gescheid",
    "percentage_verweduwd": "p_verweduw",
    "geboortes_per_1000_inwoners": "p_geb",
    "aantal_huishoudens": "a_hh",
    "gemiddelde_huishoudsgrootte": "g_hhgro",
    "woningvoorraad": "a_woning",
    "gemiddelde_woningwaarde": "g_woz",
    "personenautos_per_huishouden": "g_pau_hh",
    "motortweewielers_totaal": "a_mot",
    "bouwjaarklasse_tot_2000": "a_bjj2k",
}
AMSTERDAM_META = {"stadsdeel", "buurtcode", "buurtnaam"}

#: woonikveilig columns -> kwb codes (CBS 85984NED, 2024) or explicit names.
WOONIKVEILIG = {
    "demo_inwoners": "a_inw",
    "demo_inwoners65plus": "a_65_oo",
    "demo_inwoners0tot15": "a_00_14",
    "demo_dichtheid": "bev_dich",
    "demo_huishoudensgrootte": "g_hhgro",
    "demo_huishoudens": "a_hh",
    "demo_wozWaarde": "g_wozbag",
    "demo_koopwoningen": "p_koopw",
    "demo_eengezinswoning": "p_1gezw",
    "demo_inkomenPerInwoner": "g_ink_pi",
    "demo_stedelijkheid": "ste_mvs",
    "demo_adressendichtheid": "ste_oad",
    "demo_oppervlakteLandHa": "a_lan_ha",
    "demo_afstandHuisarts": "g_afs_hp",
    "demo_afstandSupermarkt": "g_afs_gs",
    "demo_afstandSchool": "g_afs_sc",
    "demo_scholenBinnen3km": "g_3km_sc",
    "misdrijven_per1000": "misdrijven_per_1000",
    "misdrijven_12mnd": "misdrijven_12mnd",
    "goed_ervaren_gezondheid": "p_gezond_goed",
}
WOONIKVEILIG_META = {"code", "type", "name", "wijkCode", "demo_postcode",
                     "demo_stedelijkheidLabel", "demo_oppervlakteLandKm2"}
_YEARLY_CRIME = re.compile(r"^misdrijven_(20\d\d)$")

_LEVELS = {"BU": "buurt", "WK": "wijk", "GM": "gemeente", "NL": "land"}
_REGIOCODE = r"(BU\d{4}[0-9A-Z]{4}|WK\d{4}[0-9A-Z]{2}|GM\d{4}|NL\d{2})"


def read_kerncijfers(
    path: str | os.PathLike[str], year: int | None = None, progress=None
) -> ImportResult:
    """Read one kerncijfers file (kwb xlsx/csv, Amsterdam 2021 csv, woonikveilig).

    Parameters
    ----------
    path : path-like
        ``.xlsx`` or ``.csv``.
    year : int, optional
        The year of the figures; detected from the sheet name or file name
        (``kwb2023``, ``_2024``) when not given.

    Returns
    -------
    ImportResult
        ``regiocode``, ``regioniveau``, ``regionaam``, ``jaar`` (Int64) and
        float figure columns; ``summary['dropped_columns']`` lists the
        origin columns that were dropped.

    Raises
    ------
    ImportRejected
        Unknown layout, bad codes, non-numeric figures, duplicate regions.
    """
    p = require_file(path)
    name = source_name(p)
    if progress:
        progress(0, description=f"{name}: lezen")
    raw, lines, sheet = _read_table(p, name)
    cols = list(raw.columns)
    if "gwb_code_10" in cols or ("gwb_code" in cols and "a_inw" in cols):
        layout = "kwb"
    elif "aantal_inwoners" in cols and "buurtcode" in cols:
        layout = "amsterdam-kwb2021"
    elif "demo_inwoners" in cols and "code" in cols:
        layout = "woonikveilig"
    elif "regiocode" in cols and "a_inw" in cols:
        layout = "kwb"
    else:
        raise file_error(
            "onbekende indeling voor kerncijfers: verwacht CBS-codes (gwb_code_10, "
            "regio, a_inw, ...), de Amsterdamse kwb-2021-indeling (buurtcode, "
            "aantal_inwoners, ...) of woonikveilig (code, type, demo_inwoners, "
            f"...); gevonden: {', '.join(map(str, cols[:12]))}",
            source=name, line=1)
    if year is None:
        year = _detect_year(name, sheet)
        if year is None:
            raise file_error("het jaar van de cijfers is niet te bepalen uit de "
                             "bladnaam of bestandsnaam; geef het jaar op (--jaar)",
                             source=name)
    dropped = [c for c in cols if is_origin_column(str(c))]
    raw = raw.drop(columns=dropped)
    if layout == "kwb":
        frame, notes = _kwb(raw, lines, name, year)
    elif layout == "amsterdam-kwb2021":
        frame, notes = _amsterdam(raw, lines, name, year)
    else:
        frame, notes = _woonikveilig(raw, lines, name, year)
    key = frame[["regiocode", "jaar"]]
    dup = key.duplicated(keep=False).to_numpy()
    if dup.any():
        row_lines = frame["_line"].to_numpy()
        raise_if([RejectedRow(int(row_lines[i]),
                              "regio en jaar komen meer dan eens voor",
                              frame["regiocode"].iloc[i]) for i in np.flatnonzero(dup)],
                 name)
    row_lines = frame["_line"].to_numpy()
    frame = frame.drop(columns="_line").reset_index(drop=True)
    figures = [c for c in frame.columns if c not in ID_COLUMNS]
    summary = {
        "format": layout,
        "rows_read": len(raw),
        "rows_written": len(frame),
        "jaar": int(year),
        "columns": figures,
        "dropped_columns": dropped,
        "dropped_reason": "herkomst/migratieachtergrond/nationaliteit wordt "
        "nooit opgeslagen (DESIGN.md §6)",
        "missing_values": int(frame[figures].isna().sum().sum()),
        "levels": {str(k): int(v) for k, v in
                   frame["regioniveau"].value_counts().items()},
        **notes,
    }
    if progress:
        progress(len(frame), description=f"{name}: klaar", total=len(frame))
    return ImportResult(frame, summary, row_lines)


def _read_table(p, name):
    suffix = p.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(p, name)
    if suffix in (".csv", ".txt") or p.name.lower().endswith(".csv.zst"):
        text = decode(read_bytes(p), name)
        raw, lines = read_csv_text(text, name)
        return raw, lines, None
    raise file_error("onbekend bestandsformaat voor kerncijfers; gebruik .xlsx of "
                     ".csv", source=name)


def _read_xlsx(p, name):
    import zipfile

    try:
        sheets = pd.read_excel(p, sheet_name=None, dtype=object, header=None,
                               engine="openpyxl")
    except (zipfile.BadZipFile, ValueError, KeyError, OSError) as exc:
        raise file_error(f"geen leesbaar Excel-bestand ({exc})", source=name) from None
    for sheet, table in sheets.items():
        if table.empty:
            continue
        header = [str(v).strip() if v is not None and not pd.isna(v) else ""
                  for v in table.iloc[0]]
        if not any(h in header for h in ("gwb_code_10", "gwb_code", "regiocode",
                                          "buurtcode", "code")):
            continue
        body = table.iloc[1:].reset_index(drop=True)
        body.columns = header
        body = body.loc[:, [h != "" for h in header]]
        text = body.map(lambda v: pd.NA if v is None or
                        (isinstance(v, float) and np.isnan(v)) else str(v))
        text = text.astype("str")
        lines = np.arange(2, len(text) + 2)
        blank = text.isna().all(axis=1).to_numpy()
        text, lines = text.loc[~blank].reset_index(drop=True), lines[~blank]
        if text.empty:
            raise file_error("het werkblad bevat geen gegevens", source=name)
        return text, lines, str(sheet)
    raise file_error("geen werkblad met een kopregel van kerncijfers gevonden "
                     f"(bladen: {', '.join(map(str, sheets))})", source=name)


def _detect_year(name: str, sheet: str | None) -> int | None:
    for text in (sheet or "", name):
        m = re.search(r"kwb[-_ ]?((?:19|20)\d\d)", text, re.IGNORECASE) or \
            re.search(r"(?<!\d)((?:19|20)\d\d)(?!\d)", text)
        if m:
            return int(m.group(1))
    return None


def _numbers(raw: pd.DataFrame, columns: dict[str, str], lines: np.ndarray,
             name: str) -> pd.DataFrame:
    """Parse figure columns to float; markers -> NA; reject anything else."""
    out = {}
    bad: list[RejectedRow] = []
    for src, dst in columns.items():
        s = raw[src].astype("str").str.strip()
        marker = s.isin(MISSING_MARKERS).to_numpy() | s.isna().to_numpy()
        num = pd.to_numeric(s.where(~marker).str.replace(",", ".", regex=False),
                            errors="coerce").astype("float64")
        wrong = num.isna().to_numpy() & ~marker
        bad += rejected(wrong, lines, f"kolom {src}: geen getal", s)
        out[dst] = num.where(~pd.Series(marker, index=num.index)).astype("float64")
    raise_if(bad, name)
    return pd.DataFrame(out, index=raw.index)


def _ids(codes: pd.Series, names: pd.Series, year: int, lines, name) -> pd.DataFrame:
    code = clean_str(codes).str.upper().str.replace(" ", "", regex=False)
    ok = code.str.fullmatch(_REGIOCODE).fillna(False).to_numpy(dtype=bool)
    bad = rejected(code.isna().to_numpy(), lines, "regiocode ontbreekt")
    bad += rejected(~ok & code.notna().to_numpy(), lines,
                    "regiocode is geen CBS-code (BU…, WK…, GM… of NL00)", codes)
    raise_if(bad, name)
    level = code.str[:2].map(_LEVELS).astype("str")
    return pd.DataFrame({
        "regiocode": code.astype("str"),
        "regioniveau": level,
        "regionaam": clean_str(names),
        "jaar": pd.Series(year, index=codes.index, dtype="Int64"),
        "_line": lines,
    })


def _kwb(raw, lines, name, year):
    cols = list(raw.columns)
    code_col = "gwb_code_10" if "gwb_code_10" in cols else (
        "regiocode" if "regiocode" in cols else "gwb_code")
    name_col = "regio" if "regio" in cols else ("regionaam" if "regionaam" in cols
                                               else code_col)
    check_columns(cols, [code_col, name_col, "a_inw"], name, "CBS-kerncijfers",
                  optional=cols)
    figures = {c: c for c in cols if c not in KWB_META and c.strip()}
    ignored = [c for c in cols if c in KWB_META and c not in (code_col, name_col)]
    frame = pd.concat([_ids(raw[code_col], raw[name_col], year, lines, name),
                       _numbers(raw, figures, lines, name)], axis=1)
    return frame, {"ignored_columns": ignored}


def _amsterdam(raw, lines, name, year):
    cols = list(raw.columns)
    check_columns(cols, ["buurtcode", "buurtnaam", "aantal_inwoners"], name,
                  "Amsterdamse kerncijfers 2021", optional=cols)
    unknown = [c for c in cols if c not in AMSTERDAM_2021 and c not in AMSTERDAM_META]
    mapping = {c: AMSTERDAM_2021[c] for c in cols if c in AMSTERDAM_2021}
    figures = _numbers(raw, mapping, lines, name)
    zeros = {c: int(v) for c, v in (figures == 0).sum().items() if v}
    frame = pd.concat([_ids(raw["buurtcode"], raw["buurtnaam"], year, lines, name),
                       figures], axis=1)
    notes = {
        "ignored_columns": ["stadsdeel", *unknown],
        "zeros_possibly_missing": zeros,
        "zeros_note": "in deze bron zijn ontbrekende en geheime CBS-waarden door 0 "
        "vervangen; een 0 kan dus 'onbekend' betekenen",
    }
    return frame, notes


def _woonikveilig(raw, lines, name, year):
    cols = list(raw.columns)
    check_columns(cols, ["code", "type", "name", "demo_inwoners"], name,
                  "woonikveilig-kerncijfers", optional=cols)
    mapping = {c: WOONIKVEILIG[c] for c in cols if c in WOONIKVEILIG}
    yearly = {c: int(m.group(1)) for c in cols if (m := _YEARLY_CRIME.match(c))}
    ignored = [c for c in cols if c not in mapping and c not in yearly
               and c not in ("code", "name")]
    ids = _ids(raw["code"], raw["name"], year, lines, name)
    levels = raw["type"].astype("str").str.strip().str.lower()
    wrong = (levels.notna() & levels.ne(ids["regioniveau"])).to_numpy(dtype=bool)
    raise_if(rejected(wrong, lines, "type past niet bij de regiocode", raw["type"]),
             name)
    base = pd.concat([ids, _numbers(raw, mapping, lines, name)], axis=1)
    crime = _numbers(raw, {c: str(y) for c, y in yearly.items()}, lines, name)
    frames = []
    if str(year) in crime:
        base["misdrijven_totaal"] = crime[str(year)]
    frames.append(base)
    # Earlier years only carry the police count; later ones repeat the
    # rolling 12-month figure and are left out.
    for y in sorted(yearly.values()):
        if y >= year:
            continue
        extra = ids.copy()
        extra["jaar"] = pd.Series(y, index=ids.index, dtype="Int64")
        extra["misdrijven_totaal"] = crime[str(y)]
        frames.append(extra)
    frame = pd.concat(frames, ignore_index=True)
    later = [c for c, y in yearly.items() if y > year]
    return frame, {"ignored_columns": ignored + later,
                   "crime_years": sorted(y for y in yearly.values() if y <= year)}
