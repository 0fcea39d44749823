"""Gemeente names to CBS codes: the shipped list, another year's list, matching.

The address files of LJPc carry the gemeente's *name* but no CBS code. The
code comes from a list of gemeenten:

* the package list ``veerkracht/data/gemeenten_2023.csv`` (CBS "Gemeenten
  alfabetisch 2023", CC-BY 4.0; code and name only: docs/adr/0011), plus
  ``veerkracht/data/gemeenten_vroeger.csv``: former names (the mergers in
  Groningen 2018-2021, Oldambt 2010, Noardeast-Fryslân 2019) and common
  alternative names (Den Haag, Den Bosch, Bergen NH/L);
* or a list imported with ``veerkracht import gemeenten FILE`` (the
  ``gemeenten`` table), which then wins over the package list.

Names are compared after :func:`normalise_name` (case, accents, hyphens,
apostrophes, dots and brackets do not count).
"""

from __future__ import annotations

import os
import re
import unicodedata
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

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
from veerkracht.io.validation import ImportResult, file_error

__all__ = ["COLUMNS", "PACKAGE_LIST", "match_names", "normalise_name",
           "package_aliases", "package_list", "read_gemeenten"]

#: Columns of the ``gemeenten`` table (a polygon file adds ``geometry``).
COLUMNS = ("gemeentecode", "gemeentenaam")
#: The list shipped with the package (year 2023).
PACKAGE_LIST = "gemeenten_2023.csv"
_ALIAS_LIST = "gemeenten_vroeger.csv"
_NON_WORD = re.compile(r"[^0-9a-z]+")


def normalise_name(name: object) -> str | None:
    """A gemeente name as compared: lower case, no accents, words only.

    Examples
    --------
    >>> normalise_name("'s-Gravenhage"), normalise_name("Súdwest-Fryslân")
    ('s gravenhage', 'sudwest fryslan')
    >>> normalise_name("  Bergen (NH.) "), normalise_name("Gemeente Het Hogeland")
    ('bergen nh', 'het hogeland')
    >>> normalise_name(None) is None, normalise_name(" - ") is None
    (True, True)
    """
    if name is None or (not isinstance(name, str) and pd.isna(name)):
        return None
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = text.replace("’", "'").replace("'", " ")
    text = _NON_WORD.sub(" ", text).strip()
    if text.startswith("gemeente "):
        text = text[len("gemeente "):]
    return text or None


def _read_package_csv(filename: str) -> pd.DataFrame:
    with resources.files("veerkracht.data").joinpath(filename).open(
            encoding="utf-8") as fh:
        return pd.read_csv(fh, comment="#", dtype="str", keep_default_na=False)


@lru_cache(maxsize=1)
def _package_list() -> pd.DataFrame:
    return _read_package_csv(PACKAGE_LIST)[list(COLUMNS)]


def package_list() -> pd.DataFrame:
    """The gemeenten shipped with the package: ``gemeentecode``, ``gemeentenaam``.

    Examples
    --------
    >>> gm = package_list()
    >>> len(gm), gm.set_index("gemeentecode").loc["GM0014", "gemeentenaam"]
    (342, 'Groningen')
    """
    return _package_list().copy()


def package_aliases() -> pd.DataFrame:
    """Former and alternative names: ``naam``, ``gemeentecode``, ``sinds``, ...

    Examples
    --------
    >>> al = package_aliases().set_index("naam")
    >>> al.loc["Haren", "gemeentecode"], al.loc["Den Haag", "gemeentecode"]
    ('GM0014', 'GM0518')
    """
    return _read_package_csv(_ALIAS_LIST)


def match_names(names: pd.Series | np.ndarray | list,
                gemeenten: pd.DataFrame | None = None) -> pd.Series:
    """The CBS code (``GM`` + 4 digits) of each gemeente name; NA when unknown.

    Parameters
    ----------
    names : sequence of str
        Gemeente names as the address source spells them.
    gemeenten : pandas.DataFrame, optional
        A list with ``gemeentecode`` and ``gemeentenaam`` (the workspace's
        ``gemeenten`` table). Its names win; the package list and the former
        names fill in what it does not know.

    Returns
    -------
    pandas.Series
        ``str`` codes aligned with ``names``.

    Examples
    --------
    >>> match_names(["Groningen", "GRONINGEN", "Den Haag", "Sudwest Fryslan",
    ...              "Ten Boer", "Atlantis", None]).tolist()
    ['GM0014', 'GM0014', 'GM0518', 'GM1900', 'GM0014', nan, nan]
    >>> own = pd.DataFrame({"gemeentecode": ["GM9999"], "gemeentenaam": ["Groningen"]})
    >>> match_names(["Groningen", "Almere"], own).tolist()
    ['GM9999', 'GM0034']
    """
    names = pd.Series(names, dtype="str") if not isinstance(names, pd.Series) \
        else names.astype("str")
    lookup: dict[str, str] = {}
    aliases = package_aliases()
    sources = [
        (aliases["naam"], aliases["gemeentecode"]),
        (_package_list()["gemeentenaam"], _package_list()["gemeentecode"]),
    ]
    if gemeenten is not None and len(gemeenten):
        sources.append((gemeenten["gemeentenaam"], gemeenten["gemeentecode"]))
    for name_col, code_col in sources:  # later sources win
        for n, c in zip(name_col.to_numpy(dtype=object),
                        code_col.to_numpy(dtype=object), strict=True):
            key = normalise_name(n)
            if key is not None and isinstance(c, str):
                lookup[key] = c
    # few distinct names: normalise each once
    uniques = pd.unique(names.dropna().to_numpy(dtype=object))
    table = {u: lookup.get(normalise_name(u)) for u in uniques}
    return names.map(table).astype("str")


def read_gemeenten(path: str | os.PathLike[str], progress=None) -> ImportResult:
    """Read a list of gemeenten (CBS layout) for the ``gemeenten`` table.

    Parameters
    ----------
    path : path-like
        CSV (``,`` or ``;``), ``.xlsx``, or a GeoPackage/GeoJSON with gemeente
        polygons (any CRS; kept in RD New). Column names are detected: the
        code from ``GemeentecodeGM``, ``Gemeentecode`` (plain numbers become
        ``GM`` + 4 digits), ``GM_CODE``, ``statcode`` or ``code``; the name
        from ``Gemeentenaam``, ``GM_NAAM``, ``statnaam``, ``naam`` or ``name``.

    Returns
    -------
    ImportResult
        ``gemeentecode``, ``gemeentenaam`` (and the geometry for a polygon
        file).

    Raises
    ------
    ImportRejected
        No code or name column, a code not of the form ``GM`` + 4 digits, a
        missing name, a code or a name twice.
    """
    import geopandas as gpd

    from veerkracht.io.buurten import (
        _cbs,
        _finish,
        _read_polygon_file,
        detect_columns,
    )

    p = require_file(path)
    name = source_name(p)
    suffix = p.suffix.lower()
    if progress:
        progress(0, description=f"{name}: lezen")
    if suffix in (".gpkg", ".geojson", ".json"):
        gdf, lines, crs = _read_polygon_file(p, name, "gemeente")
        frame, detected = _cbs(gdf, lines, name, "gemeente")
        frame = frame[list(COLUMNS)]
        layout = "polygons"
    elif suffix in (".csv", ".txt", ".xlsx"):
        if suffix == ".xlsx":
            try:
                raw = pd.read_excel(p, dtype="str")
            except Exception as exc:  # openpyxl raises many kinds
                raise file_error(f"het Excel-bestand is niet leesbaar ({exc})",
                                 source=name) from None
            raw.columns = [str(c).strip() for c in raw.columns]
            lines = np.arange(2, len(raw) + 2)
        else:
            raw, lines = read_csv_text(decode(read_bytes(p), name), name)
        detected = detect_columns(raw, "gemeente")
        gdf = None
        layout = "list"
        if detected["gemeentecode"] is None:
            raise file_error(
                "kolom met de gemeentecode ontbreekt (verwacht GemeentecodeGM, "
                "Gemeentecode, GM_CODE, statcode of code met CBS-codes); "
                f"gevonden: {', '.join(map(str, raw.columns[:20]))}",
                source=name, line=1)
        from veerkracht.io.buurten import normalise_gemeentecode

        frame = pd.DataFrame({
            "gemeentecode": normalise_gemeentecode(raw[detected["gemeentecode"]]),
            "gemeentenaam": (clean_str(raw[detected["gemeentenaam"]])
                             if detected["gemeentenaam"] else
                             pd.Series(pd.NA, index=raw.index, dtype="str")),
        })
        bad = rejected(~frame["gemeentecode"].str.fullmatch(r"GM\d{4}")
                       .fillna(False).to_numpy(dtype=bool), lines,
                       "gemeentecode heeft niet de vorm GM + 4 cijfers",
                       frame["gemeentecode"])
        raise_if(bad, name)
        detected = {c: v for c, v in detected.items() if v}
    else:
        raise file_error("onbekend bestandsformaat voor gemeenten; gebruik CSV, "
                         "xlsx, GeoPackage of GeoJSON", source=name)
    missing_name = frame["gemeentenaam"].isna().to_numpy()
    bad = rejected(missing_name, lines, "gemeentenaam ontbreekt",
                   frame["gemeentecode"])
    key = frame["gemeentenaam"].map(normalise_name, na_action="ignore")
    bad += rejected(key.duplicated(keep=False).to_numpy() & ~missing_name, lines,
                    "gemeentenaam komt meer dan eens voor", frame["gemeentenaam"])
    if gdf is None:
        bad += rejected(frame["gemeentecode"].duplicated(keep=False).to_numpy(),
                        lines, "gemeentecode komt meer dan eens voor",
                        frame["gemeentecode"])
    raise_if(bad, name)
    if gdf is not None:
        out, summary = _finish(gdf, frame, np.ones(len(frame), dtype=bool), lines,
                               crs, name, "gemeentecode")
    else:
        out = frame.reset_index(drop=True)
        summary = {"rows_read": len(frame), "rows_written": len(frame)}
    out["gemeentecode"] = out["gemeentecode"].astype("str")
    out["gemeentenaam"] = out["gemeentenaam"].astype("str")
    if isinstance(out, gpd.GeoDataFrame):
        out = out[[*COLUMNS, "geometry"]]
    summary.update({"format": layout, "columns_detected": detected})
    if progress:
        progress(len(out), description=f"{name}: klaar", total=len(out))
    return ImportResult(out, summary, lines)
