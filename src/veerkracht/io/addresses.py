"""Read BAG addresses into the ``addresses`` contract (points in RD New).

Two layouts are supported (``docs/data.md``):

``ljpc-csv``
    The LJPc "Nederlandse adressen en postcodes" export: ``;``-separated,
    optionally zstd-compressed, WGS84 ``lat``/``lon``, columns
    ``straat;huisnummer;huisletter;huisnummertoevoeging;postcode;woonplaats;
    gemeente;provincie;lat;lon``. It gives no use class, so every address is
    a dwelling (``is_dwelling=True``).
``bag-gpkg``
    A BAG GeoPackage with layers ``verblijfsobjecten``, ``ligplaatsen`` and
    ``standplaatsen`` in RD New (the PDOK/gokoala layout: ``nummer_id``,
    ``straatnaam``, ``huisnummer``, ``huisletter``, ``toevoeging``, ...).
    Ligplaatsen (houseboats) and standplaatsen (mobile homes) count as
    dwellings; verblijfsobjecten count when they have a ``woonfunctie``, or
    always when the file gives no ``gebruiksdoel``.

Duplicates of the address key (postcode, huisnummer, huisletter,
toevoeging) are handled as decided in ``docs/adr/0002-duplicate-addresses.md``:
rows with the same street and woonplaats within 250 m of each other are one
address (the first row is kept, the others are counted in the summary);
anything else is rejected with every line involved.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd

from veerkracht.io._common import (
    MAX_REJECTED,
    RD,
    WGS84,
    _stopped_hint,
    check_columns,
    check_coordinates,
    clean_str,
    crs_of,
    iter_csv_chunks,
    parse_float,
    raise_if,
    rejected,
    require_file,
    source_name,
    to_rd,
)
from veerkracht.io.validation import (
    ImportRejected,
    ImportResult,
    RejectedRow,
    file_error,
)

FORMATS = ("ljpc-csv", "bag-gpkg")

#: Columns of the ``addresses`` table, in order (plus ``geometry``).
COLUMNS = (
    "address_id", "straat", "huisnummer", "huisletter", "toevoeging", "postcode",
    "woonplaats", "gemeente", "vbo_id", "pand_id", "gebruiksdoel", "is_dwelling",
    "buurtcode", "source",
)

#: Same key, same street and woonplaats, at most this far apart: one address.
DUPLICATE_RADIUS_M = 250.0

LJPC_REQUIRED = ("straat", "huisnummer", "huisletter", "huisnummertoevoeging",
                 "postcode", "woonplaats", "lat", "lon")
LJPC_OPTIONAL = ("gemeente", "provincie")

BAG_LAYERS = ("verblijfsobjecten", "ligplaatsen", "standplaatsen",
              "verblijfsobject", "ligplaats", "standplaats")

#: Accepted field names per contract column in a BAG GeoPackage, first wins.
BAG_FIELDS = {
    "nummer_id": ("nummer_id", "nummeraanduiding_id", "nummeraanduiding",
                  "hoofdadres_identificatie", "nummeraanduiding_identificatie"),
    "straat": ("straatnaam", "openbare_ruimte_naam", "openbareruimtenaam", "straat"),
    "huisnummer": ("huisnummer",),
    "huisletter": ("huisletter",),
    "toevoeging": ("toevoeging", "huisnummertoevoeging"),
    "postcode": ("postcode",),
    "woonplaats": ("woonplaats", "woonplaats_naam", "woonplaatsnaam"),
    "gemeente": ("gemeente", "gemeentenaam", "gemeente_naam"),
    "vbo_id": ("verblijfsobject_id", "vbo_id", "adresseerbaarobject_id"),
    "pand_id": ("pand_id", "pand_identificatie", "pandidentificatie", "pandref"),
    "gebruiksdoel": ("gebruiksdoel", "gebruiksdoelen"),
    "status": ("status",),
    "datum_eind": ("datum_eind", "einddatum", "eind_geldigheid"),
}

Progress = Callable[..., None] | None


def _tick(progress: Progress, n: int = 0, description: str | None = None,
          total: int | None = None) -> None:
    if progress is not None:
        progress(n, description=description, total=total)


def detect_format(path: str | os.PathLike[str]) -> str:
    """``'ljpc-csv'`` or ``'bag-gpkg'``, from the content and the extension."""
    p = require_file(path)
    with p.open("rb") as fh:
        head = fh.read(512)
    if head.startswith(b"SQLite format 3\x00"):
        return "bag-gpkg"
    if head[:4] == b"\x28\xb5\x2f\xfd":
        return "ljpc-csv"
    suffixes = "".join(p.suffixes).lower()
    if suffixes.endswith(".gpkg"):
        return "bag-gpkg"
    first = head.split(b"\n", 1)[0].lower()
    if b"huisnummer" in first and b"lat" in first and b"lon" in first:
        return "ljpc-csv"
    if suffixes.endswith((".csv", ".csv.zst", ".txt")):
        return "ljpc-csv"
    raise file_error(
        "onbekend bestandsformaat voor adressen; gebruik een LJPc-CSV (.csv of "
        ".csv.zst) of een BAG-GeoPackage (.gpkg), of geef --format "
        f"({', '.join(FORMATS)})",
        source=p.name,
    )


def read_addresses(
    path: str | os.PathLike[str],
    format: str | None = None,  # noqa: A002 - matches the CLI option
    progress: Progress = None,
) -> ImportResult:
    """Read one address file into the ``addresses`` contract.

    Parameters
    ----------
    path : path-like
        An LJPc CSV (``.csv`` or ``.csv.zst``) or a BAG GeoPackage.
    format : {'ljpc-csv', 'bag-gpkg'}, optional
        Overrides detection by content and extension.
    progress : callable, optional
        ``advance(n=1, description=None, total=None)``.

    Returns
    -------
    ImportResult
        ``frame`` is a GeoDataFrame in EPSG:28992 with the columns of
        :data:`COLUMNS`; ``summary`` has ``rows_read``, ``rows_written``,
        ``duplicates_merged``, ``crs_in``, ``crs_out`` and more.

    Raises
    ------
    ImportRejected
        With every rejected row, or with one file-level reason.
    """
    if format is None:
        format = detect_format(path)
    elif format not in FORMATS:
        raise file_error(
            f"onbekend formaat {format!r}; kies uit {', '.join(FORMATS)}",
            source=source_name(path),
        )
    if format == "ljpc-csv":
        return _read_ljpc(path, progress)
    return _read_bag_gpkg(path, progress)


# --------------------------------------------------------------------- LJPc


#: Columns kept per chunk while a file streams in.
_KEPT = ("straat", "huisnummer", "huisletter", "toevoeging", "postcode", "woonplaats",
         "gemeente")


def _read_ljpc(path, progress: Progress) -> ImportResult:
    """Stream an LJPc file: decompress, parse and check it chunk by chunk.

    Only the cleaned address fields, the two coordinates and the line of each
    row are kept between chunks; raw text and raw cells of one chunk at a
    time. Every rejected row of the whole file is collected before the file
    is refused, as for the other readers.
    """
    name = source_name(path)
    _tick(progress, description=f"{name}: lezen")
    kept: dict[str, list] = {c: [] for c in (*_KEPT, "lat", "lon", "_line")}
    bad: list[RejectedRow] = []
    n_read = 0
    for raw, lines in iter_csv_chunks(path, name):
        if n_read == 0:
            check_columns(raw.columns, LJPC_REQUIRED, name,
                          "een LJPc-adressenbestand", optional=LJPC_OPTIONAL)
        n_read += len(raw)
        lat, bad_lat = parse_float(raw["lat"])
        lon, bad_lon = parse_float(raw["lon"])
        parts = _address_parts(
            raw["straat"], raw["huisnummer"], raw["huisletter"],
            raw["huisnummertoevoeging"], raw["postcode"], raw["woonplaats"],
            lines=lines,
        )
        bad += parts.pop("_rejected")
        bad += rejected(bad_lat, lines, "lat is geen getal", raw["lat"])
        bad += rejected(bad_lon, lines, "lon is geen getal", raw["lon"])
        missing_xy = (np.isnan(lat) | np.isnan(lon)) & ~(bad_lat | bad_lon)
        bad += rejected(missing_xy, lines, "coördinaat (lat/lon) ontbreekt")
        _tick(progress, len(raw), description=f"{name}: lezen en controleren")
        if bad:  # the file will be refused: keep collecting reasons only
            for v in kept.values():
                v.clear()
            if len(bad) > MAX_REJECTED:
                break
            continue
        parts["gemeente"] = (clean_str(raw["gemeente"]) if "gemeente" in raw
                             else pd.Series(pd.NA, index=raw.index, dtype="str"))
        for c in _KEPT:
            kept[c].append(parts[c])
        kept["lat"].append(lat)
        kept["lon"].append(lon)
        kept["_line"].append(lines)
        del raw, parts
    raise_if(bad, name, _stopped_hint(len(bad)))
    lat = np.concatenate(kept.pop("lat"))
    lon = np.concatenate(kept.pop("lon"))
    lines = np.concatenate(kept.pop("_line"))
    check_coordinates(lon, lat, lines, WGS84, name, labels=("lon", "lat"))
    _tick(progress, description=f"{name}: omrekenen naar RD New")
    x, y = to_rd(lon, lat, WGS84)
    del lat, lon
    columns = {}
    for c in _KEPT:  # one column at a time, freeing its chunks as it goes
        columns[c] = pd.concat(kept.pop(c), ignore_index=True)
    na = pd.Series(pd.NA, index=pd.RangeIndex(n_read), dtype="str")
    frame = pd.DataFrame(
        {
            **columns,
            "vbo_id": na,
            "pand_id": na,
            "gebruiksdoel": na,
            "is_dwelling": np.ones(n_read, dtype=bool),
            "buurtcode": na,
            "source": pd.Series(name, index=na.index, dtype="str"),
        }
    )
    del columns
    frame["address_id"] = _address_key(frame)
    frame, merged, conflicts = _resolve_duplicates(frame, x, y, lines, name)
    _tick(progress, description=f"{name}: klaar")
    gdf = _finish(frame)
    summary = {
        "format": "ljpc-csv",
        "rows_read": n_read,
        "rows_written": len(gdf),
        "dwellings": int(gdf["is_dwelling"].sum()),
        "duplicates_merged": len(merged),
        "duplicate_lines": merged[:100],
        "conflicting_keys": len(conflicts),
        "conflicts": conflicts[:CONFLICTS_LISTED],
        "crs_in": WGS84,
        "crs_out": RD,
        "dwelling_rule": "geen gebruiksdoel in de bron: elk adres telt als woning",
    }
    if conflicts:
        summary["notes"] = _conflict_notes(conflicts)
    return ImportResult(gdf, summary, frame["_line"].to_numpy())


_POSTCODE = r"\d{4}[A-Z]{2}"


def _matches(series: pd.Series, pattern: str) -> np.ndarray:
    """True where the cell fully matches ``pattern``; False for NA."""
    return series.str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool)


def _address_parts(straat, huisnummer, huisletter, toevoeging, postcode, woonplaats,
                   lines=None, has_id=None) -> dict:
    """Clean and check the address fields (vectorised); collect rejected rows.

    ``has_id`` marks rows with a BAG id, which need no postcode for their key.
    """
    n = len(straat)
    if lines is None:
        lines = np.arange(2, n + 2)
    bad: list[RejectedRow] = []
    s_straat = clean_str(straat)
    bad += rejected(s_straat.isna().to_numpy(), lines, "straat ontbreekt")

    hn = huisnummer
    if pd.api.types.is_integer_dtype(hn.dtype):
        num = hn.astype("Int64")
        bad += rejected(num.isna().to_numpy(), lines, "huisnummer ontbreekt")
    else:
        s_hn = hn.astype("str").str.strip()
        ok = _matches(s_hn, r"\d{1,5}")
        miss = s_hn.isna().to_numpy()
        bad += rejected(miss, lines, "huisnummer ontbreekt")
        bad += rejected(~ok & ~miss, lines, "huisnummer is geen geheel getal", hn)
        num = pd.to_numeric(s_hn.where(ok), errors="coerce").astype("Int64")
    bad += rejected((num.fillna(1) < 1).to_numpy(dtype=bool), lines,
                    "huisnummer moet 1 of hoger zijn", hn)

    s_letter = clean_str(huisletter)
    ok = _matches(s_letter, r"[A-Za-z]") | s_letter.isna().to_numpy()
    bad += rejected(~ok, lines, "huisletter moet één letter zijn", s_letter)

    s_toev = clean_str(toevoeging)
    ok = _matches(s_toev, r"[A-Za-z0-9]{1,4}") | s_toev.isna().to_numpy()
    bad += rejected(~ok, lines, "huisnummertoevoeging moet 1-4 letters/cijfers zijn",
                    s_toev)

    s_pc = clean_str(postcode).str.replace(" ", "", regex=False).str.upper()
    miss = s_pc.isna().to_numpy()
    ok = _matches(s_pc, _POSTCODE)
    need = miss if has_id is None else miss & ~has_id
    bad += rejected(need, lines, "postcode ontbreekt (nodig voor het adres-id)")
    bad += rejected(~ok & ~miss, lines, "postcode heeft niet de vorm 1234AB", postcode)

    return {
        "straat": s_straat,
        "huisnummer": num,
        "huisletter": s_letter,
        "toevoeging": s_toev,
        "postcode": s_pc.astype("str"),
        "woonplaats": clean_str(woonplaats),
        "_rejected": bad,
    }


def _address_key(frame: pd.DataFrame) -> pd.Series:
    """``POSTCODE-HUISNUMMER[HUISLETTER][-TOEVOEGING]``, e.g. ``1013AB-12-2``."""
    key = (frame["postcode"] + "-" + frame["huisnummer"].astype("str")
           + frame["huisletter"].fillna(""))
    toev = ("-" + frame["toevoeging"]).fillna("")
    return (key + toev).astype("str")


def _resolve_duplicates(
    frame: pd.DataFrame, x: np.ndarray, y: np.ndarray, lines: np.ndarray, name: str
) -> tuple[pd.DataFrame, list[int], list[dict]]:
    """Merge consistent duplicates; keep conflicting ones apart (ADR 0002, 0009).

    A key whose rows share street and woonplaats and lie within
    :data:`DUPLICATE_RADIUS_M` is one address: the first row is kept. Any
    other repeated key is a register pair: its rows are split into
    :func:`_clusters`, each cluster becomes one dwelling and gets the id of
    :func:`_pair_ids`.

    Returns the frame (with ``x``, ``y`` and ``_line``), the merged lines and
    one record per conflicting key: ``{"key", "lines", "kept"}`` with
    ``kept`` a list of ``[line, address_id]``.
    """
    frame["x"] = x
    frame["y"] = y
    frame["_line"] = lines
    dup = frame["address_id"].duplicated(keep=False).to_numpy()
    if not dup.any():
        return frame, [], []
    d = frame.loc[dup, ["address_id", "straat", "woonplaats", "x", "y", "_line"]]
    g = d.groupby("address_id", sort=False)
    span = np.hypot(g["x"].transform("max") - g["x"].transform("min"),
                    g["y"].transform("max") - g["y"].transform("min"))
    same = (g["straat"].transform("nunique", dropna=False).eq(1)
            & g["woonplaats"].transform("nunique", dropna=False).eq(1))
    conflict = (~same | (span > DUPLICATE_RADIUS_M)).to_numpy()
    drop = np.zeros(len(frame), dtype=bool)
    consistent = d.index[~conflict]
    drop[consistent] = d.loc[consistent, "address_id"].duplicated(keep="first")
    conflicts: list[dict] = []
    if conflict.any():
        ids = frame["address_id"].to_numpy(dtype=object).copy()
        for key, sub in d.loc[conflict].groupby("address_id", sort=False):
            kept = []
            for members, new_id in _pair_ids(key, sub):
                first = min(members, key=lambda i: sub.at[i, "_line"])
                drop[[i for i in members if i != first]] = True
                ids[first] = new_id
                kept.append([int(sub.at[first, "_line"]), new_id])
            if len({k[1] for k in kept}) != len(kept):  # a 32-bit hash collision
                raise_if([RejectedRow(int(v), "adres-id van een registerpaar is niet "
                                      "uniek te maken (meld dit)", key)
                          for v in sub["_line"]], name)
            conflicts.append({"key": key,
                              "lines": sorted(int(v) for v in sub["_line"]),
                              "kept": sorted(kept)})
        frame["address_id"] = pd.Series(ids, index=frame.index, dtype="str")
        conflicts.sort(key=lambda c: c["lines"][0])
    merged = sorted(int(v) for v in lines[drop])
    return frame.loc[~drop].reset_index(drop=True), merged, conflicts


def _clusters(sub: pd.DataFrame) -> list[list]:
    """Rows of one key that are one address: same street and woonplaats, all
    pairwise within :data:`DUPLICATE_RADIUS_M`.

    Rows are taken in content order (street, woonplaats, x, y), never file
    order, so the clusters do not depend on how the file is sorted.
    """
    order = sorted(sub.index, key=lambda i: (
        str(sub.at[i, "straat"]), str(sub.at[i, "woonplaats"]),
        sub.at[i, "x"], sub.at[i, "y"]))
    clusters: list[list] = []
    for i in order:
        for c in clusters:
            j = c[0]
            if (str(sub.at[i, "straat"]) == str(sub.at[j, "straat"])
                    and str(sub.at[i, "woonplaats"]) == str(sub.at[j, "woonplaats"])
                    and all(np.hypot(sub.at[i, "x"] - sub.at[m, "x"],
                                     sub.at[i, "y"] - sub.at[m, "y"])
                            <= DUPLICATE_RADIUS_M for m in c)):
                c.append(i)
                break
        else:
            clusters.append([i])
    return clusters


def _pair_ids(key: str, sub: pd.DataFrame) -> list[tuple[list, str]]:
    """The id of each dwelling of a register pair (ADR 0009).

    Each cluster gets a signature from its own content: street, woonplaats
    and the smallest x and y of its rows in whole metres (for one row: its
    own point). The cluster whose signature sorts first keeps the plain key;
    every other one gets ``KEY~`` plus 8 hex digits of a BLAKE2b hash of its
    signature. Nothing depends on file order or on the other rows.

    Examples
    --------
    >>> sub = pd.DataFrame({"straat": ["Kade", "Kade"], "woonplaats": ["Leek"] * 2,
    ...                     "x": [1000.0, 1500.0], "y": [2000.0, 2000.0],
    ...                     "_line": [7, 3]})
    >>> [(m, i) for m, i in _pair_ids("9351AA-1", sub)]
    [([0], '9351AA-1'), ([1], '9351AA-1~f91ffb6e')]
    """
    out = []
    for members in _clusters(sub):
        sig = (str(sub.loc[members, "straat"].iloc[0]),
               str(sub.loc[members, "woonplaats"].iloc[0]),
               int(round(float(sub.loc[members, "x"].min()))),
               int(round(float(sub.loc[members, "y"].min()))))
        out.append((sig, members))
    out.sort(key=lambda t: t[0])
    ids = []
    for n, (sig, members) in enumerate(out):
        if n == 0:
            ids.append((members, key))
            continue
        digest = hashlib.blake2b("|".join(map(str, sig)).encode(), digest_size=4)
        ids.append((members, f"{key}~{digest.hexdigest()}"))
    return ids


#: Conflicting keys listed in the summary (the count is always complete).
CONFLICTS_LISTED = 1000
#: Conflicting keys printed on the command line.
CONFLICTS_PRINTED = 20


def _conflict_notes(conflicts: list[dict]) -> list[str]:
    """Dutch warning lines for the command line (printed by the importer)."""
    n = len(conflicts)
    return _warning_lines(
        f"waarschuwing: {n} {'adres komt' if n == 1 else 'adressen komen'} in het "
        "register meer dan eens voor met een andere straat/woonplaats of meer dan "
        f"{DUPLICATE_RADIUS_M:.0f} m uit elkaar; als aparte woningen bewaard "
        "(docs/adr/0009-conflicting-address-pairs.md):",
        [f"  {c['key']}: " + ", ".join(f"regel {line} -> {new_id}"
                                       for line, new_id in c["kept"])
         for c in conflicts[:CONFLICTS_PRINTED]], n)


def _warning_lines(header: str, lines: list[str], n: int) -> list[str]:
    """A warning's header, its first :data:`CONFLICTS_PRINTED` keys and how
    many more there are."""
    more = ([f"  ... en nog {n - CONFLICTS_PRINTED} (alle in de samenvatting van "
             "de import)"] if n > CONFLICTS_PRINTED else [])
    return [header, *lines, *more]


def _finish(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    geometry = gpd.points_from_xy(frame["x"].to_numpy(), frame["y"].to_numpy(), crs=RD)
    out = frame.loc[:, list(COLUMNS)]
    out["huisnummer"] = out["huisnummer"].astype("int64")
    out["is_dwelling"] = out["is_dwelling"].astype(bool)
    for col in COLUMNS:
        if col not in ("huisnummer", "is_dwelling"):
            out[col] = out[col].astype("str")
    return gpd.GeoDataFrame(out, geometry=geometry, crs=RD)


# ------------------------------------------------------------------ BAG gpkg


def _pick(columns, names) -> str | None:
    lower = {c.lower(): c for c in columns}
    for n in names:
        if n in lower:
            return lower[n]
    return None


def _read_bag_gpkg(path, progress: Progress) -> ImportResult:
    import pyogrio

    p = require_file(path)
    name = p.name
    try:
        layers = [str(row[0]) for row in pyogrio.list_layers(p)]
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise file_error(f"geen leesbare GeoPackage ({exc})", source=name) from None
    wanted = [lay for lay in layers if lay.lower() in BAG_LAYERS]
    if not wanted:
        raise file_error(
            "geen BAG-adreslagen gevonden; verwacht verblijfsobjecten, ligplaatsen "
            f"en/of standplaatsen, gevonden: {', '.join(layers) or 'geen lagen'}",
            source=name,
        )
    frames, errors, per_layer, dropped_inactive = [], [], {}, 0
    for layer in wanted:
        _tick(progress, description=f"{name}: laag {layer}")
        try:
            gdf = gpd.read_file(p, layer=layer)
        except Exception as exc:
            raise file_error(f"laag {layer} is niet leesbaar ({exc})",
                             source=name) from None
        try:
            part, n_inactive = _bag_layer(gdf, layer, f"{name}:{layer}")
        except ImportRejected as err:
            errors.append(err)
            continue
        per_layer[layer] = len(part)
        dropped_inactive += n_inactive
        frames.append(part)
    if errors:
        raise ImportRejected.combine(errors)
    frame = pd.concat(frames, ignore_index=True)
    frame["source"] = name
    frame, conflicts = _bag_pairs(frame, name)
    gdf = _finish(frame)
    _tick(progress, len(gdf), description=f"{name}: klaar")
    summary = {
        "format": "bag-gpkg",
        "layers": per_layer,
        "rows_read": int(sum(per_layer.values()) + dropped_inactive),
        "rows_written": len(gdf),
        "dropped_inactive": dropped_inactive,
        "dwellings": int(gdf["is_dwelling"].sum()),
        "duplicates_merged": 0,
        "conflicting_keys": len(conflicts),
        "conflicts": conflicts[:CONFLICTS_LISTED],
        "crs_in": RD,
        "crs_out": RD,
        "dwelling_rule": (
            "verblijfsobject met woonfunctie (zonder gebruiksdoel in de bron: "
            "altijd); ligplaatsen en standplaatsen tellen als woning"
        ),
    }
    if conflicts:
        summary["notes"] = _conflict_notes(conflicts)
    return ImportResult(gdf, summary, frame["_line"].to_numpy())


def _object_pair_ids(key: str, objects) -> list[str]:
    """Ids of the objects that share one BAG nummeraanduiding (ADR 0009).

    The object whose own BAG id sorts first keeps the plain id; each other
    gets ``ID~`` + its own object id: stable, because BAG object ids are.

    >>> _object_pair_ids("0363200000039881", ["0363010000000002", "0363010000000001"])
    ['0363200000039881~0363010000000002', '0363200000039881']
    """
    first = min(str(o) for o in objects)
    return [key if str(o) == first else f"{key}~{o}" for o in objects]


def _bag_pairs(frame: pd.DataFrame, name: str) -> tuple[pd.DataFrame, list[dict]]:
    """One nummeraanduiding id on several objects: kept apart (ADR 0009).

    Rows of a repeated id that name different objects (``vbo_id``: the
    verblijfsobject's, ligplaats' or standplaats' own BAG id) are a register
    pair: each is a dwelling with the id of :func:`_object_pair_ids`, a
    warning. The same object twice, or a repeated id without object ids,
    refuses the file with every line, as before.
    """
    dup = frame["address_id"].duplicated(keep=False).to_numpy()
    if not dup.any():
        return frame, []
    d = frame.loc[dup]
    obj = d["vbo_id"].astype("str")
    same = (d["vbo_id"].isna() | d.assign(_o=obj).duplicated(
        ["address_id", "_o"], keep=False)).to_numpy()
    if same.any():
        # every row of such a key: it cannot be told apart
        bad = d["address_id"].isin(set(d.loc[same, "address_id"])).to_numpy()
        rows = [RejectedRow(int(line), "BAG-id komt meer dan eens voor (zelfde of "
                            "onbekend object)", key, src)
                for key, line, src in zip(d.loc[bad, "address_id"],
                                          d.loc[bad, "_line"],
                                          d.loc[bad, "_src"], strict=True)]
        raise ImportRejected(rows, source=name)
    ids = frame["address_id"].to_numpy(dtype=object).copy()
    conflicts = []
    for key, sub in d.groupby("address_id", sort=False):
        new = _object_pair_ids(key, sub["vbo_id"].astype("str").tolist())
        ids[sub.index.to_numpy()] = new
        conflicts.append({"key": key, "lines": sorted(int(v) for v in sub["_line"]),
                          "kept": sorted([int(line), i] for line, i in
                                         zip(sub["_line"], new, strict=True))})
    frame = frame.copy()
    frame["address_id"] = pd.Series(ids, index=frame.index, dtype="str")
    conflicts.sort(key=lambda c: c["lines"][0])
    return frame, conflicts


def _bag_layer(gdf: gpd.GeoDataFrame, layer: str, src: str):
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    pick = {k: _pick(cols, v) for k, v in BAG_FIELDS.items()}
    need = ("straat", "huisnummer", "postcode")
    missing = [BAG_FIELDS[k][0] for k in need if pick[k] is None]
    if missing:
        check_columns(cols, [BAG_FIELDS[k][0] for k in need], src,
                      f"BAG-laag {layer}", optional=cols)
    n = len(gdf)
    lines = np.arange(1, n + 1)

    def col(key):
        c = pick[key]
        if c is None:
            return pd.Series(pd.NA, index=gdf.index, dtype="str")
        return gdf[c]

    # Only current addresses: an end date or a withdrawn status means gone.
    active = np.ones(n, dtype=bool)
    if pick["datum_eind"] is not None:
        active &= gdf[pick["datum_eind"]].isna().to_numpy()
    if pick["status"] is not None:
        st = gdf[pick["status"]].astype("str").str.lower()
        active &= ~st.str.contains("ingetrokken|niet gerealiseerd|ten onrechte",
                                   regex=True).fillna(False).to_numpy(dtype=bool)
    crs = crs_of(gdf)
    if crs is None:
        raise file_error(f"laag {layer} heeft geen coördinatenstelsel", source=src)
    geom = gdf.geometry
    empty = (geom.isna() | geom.is_empty).to_numpy()
    bad = rejected(empty, lines, "geometrie ontbreekt")
    pts = geom.where(~empty).representative_point() if empty.any() or \
        not (geom.geom_type == "Point").all() else geom
    gx = pts.x.to_numpy(dtype=float)
    gy = pts.y.to_numpy(dtype=float)
    nid = clean_str(col("nummer_id"))
    parts = _address_parts(col("straat"), col("huisnummer"), col("huisletter"),
                           col("toevoeging"), col("postcode"), col("woonplaats"),
                           lines=lines, has_id=nid.notna().to_numpy())
    bad += parts.pop("_rejected")
    raise_if([r for r in bad if active[r.line - 1]], src)
    check_coordinates(gx[active], gy[active], lines[active],
                      RD if crs == RD else WGS84, src)
    x, y = to_rd(gx, gy, crs)

    is_vbo = layer.lower().startswith("verblijfsobject")
    gebruik = clean_str(col("gebruiksdoel"))
    if is_vbo and pick["gebruiksdoel"] is not None:
        dwelling = gebruik.str.contains("woon", case=False).fillna(False)
        dwelling = dwelling.to_numpy(dtype=bool)
    else:
        dwelling = np.ones(n, dtype=bool)
    frame = pd.DataFrame({**parts,
                          "gemeente": clean_str(col("gemeente")),
                          "vbo_id": clean_str(col("vbo_id")),
                          "pand_id": clean_str(col("pand_id")),
                          "gebruiksdoel": gebruik.str.replace(",", ";"),
                          "is_dwelling": dwelling,
                          "buurtcode": pd.Series(pd.NA, index=gdf.index, dtype="str"),
                          "source": pd.Series("", index=gdf.index, dtype="str")})
    key = _address_key(frame)
    frame["address_id"] = nid.fillna(key).astype("str")
    frame["x"], frame["y"], frame["_line"], frame["_src"] = x, y, lines, src
    frame = frame.loc[active].reset_index(drop=True)
    return frame, int((~active).sum())


def pairs_across_files(parts: list[tuple[str, pd.DataFrame, np.ndarray | None]]
                       ) -> list[dict]:
    """Register pairs whose halves sit in different files of one import.

    ``parts`` holds ``(file name, frame, lines)`` per file, each frame as
    :func:`read_addresses` returned it (pairs inside one file already
    resolved). A key (its part before ``~``) that occurs in more than one
    file is handled as if all files were one (ADR 0009): when no two of its
    rows in different files are one address (same street and woonplaats
    within :data:`DUPLICATE_RADIUS_M`), every row is a dwelling of its own
    and gets the id :func:`_pair_ids` gives it among all of them — so a file
    per province gives the same ids as the national file. The frames'
    ``address_id`` are changed in place; one record per key is returned
    (``{"key", "kept": [[file, line, id], ...]}``). A key whose rows in two
    files are one address is left alone: it is a real duplicate, which the
    caller refuses, naming both lines.

    >>> a = pd.DataFrame({"address_id": ["9351AA-1"], "straat": ["Kade"],
    ...     "woonplaats": ["Leek"], "geometry": gpd.points_from_xy([1500.0], [2000.0])})
    >>> b = a.assign(geometry=gpd.points_from_xy([1000.0], [2000.0]))
    >>> pairs_across_files([("a.csv", a, np.array([2])), ("b.csv", b, None)])
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'key': '9351AA-1', 'kept': [['a.csv', 2, '9351AA-1~f91ffb6e'],
                                  ['b.csv', 0, '9351AA-1']]}]
    """
    if len(parts) < 2:
        return []
    rows = []
    for p, (_name, frame, lines) in enumerate(parts):
        ids = frame["address_id"].astype("str")
        pts = gpd.GeoSeries(frame["geometry"])
        rows.append(pd.DataFrame({
            "part": p, "row": np.arange(len(frame)),
            "key": ids.str.split("~", n=1).str[0].to_numpy(),
            "straat": frame["straat"].astype("str").to_numpy(),
            "woonplaats": frame["woonplaats"].astype("str").to_numpy(),
            "x": pts.x.to_numpy(), "y": pts.y.to_numpy(),
            "obj": frame["vbo_id"].astype("object").where(frame["vbo_id"].notna(),
                                                          None).to_numpy()
            if "vbo_id" in frame.columns else None,
            "_line": lines if lines is not None else np.zeros(len(frame), np.int64)}))
    allr = pd.concat(rows, ignore_index=True)
    spread = allr.groupby("key", sort=False)["part"].transform("nunique").to_numpy()
    records = []
    for key, sub in allr.loc[spread > 1].groupby("key", sort=False):
        if sub["obj"].notna().all():  # BAG objects: the object-id rule
            if sub["obj"].duplicated().any():
                continue  # one object in two files: a real duplicate
            pairs = [([i], new) for i, new in zip(
                sub.index, _object_pair_ids(key, sub["obj"].tolist()), strict=True)]
        elif any(sub.loc[c, "part"].nunique() > 1 for c in _clusters(sub)):
            continue  # one address in two files: a real duplicate
        else:
            pairs = _pair_ids(key, sub)
        kept = []
        for members, new_id in pairs:
            for i in members:
                p, r = int(sub.at[i, "part"]), int(sub.at[i, "row"])
                name, frame, _ = parts[p]
                frame.iloc[r, frame.columns.get_loc("address_id")] = new_id
                kept.append([name, int(sub.at[i, "_line"]), new_id])
        records.append({"key": key, "kept": sorted(kept)})
    return records


def across_files_notes(records: list[dict]) -> list[str]:
    """Dutch warning lines for register pairs split over files."""
    n = len(records)
    if not n:
        return []
    return _warning_lines(
        f"waarschuwing: {n} {'adres staat' if n == 1 else 'adressen staan'} in meer "
        "dan één bestand van deze import als verschillende objecten (registerpaar "
        "over een bestandsgrens); als aparte woningen bewaard "
        "(docs/adr/0009-conflicting-address-pairs.md):",
        [f"  {r['key']}: " + ", ".join(f"{f} regel {line} -> {i}"
                                       for f, line, i in r["kept"])
         for r in records[:CONFLICTS_PRINTED]], n)


def combine_results(results: list[ImportResult]) -> gpd.GeoDataFrame:
    """Concatenate several address results; helper for multi-file imports."""
    frames = [r.frame for r in results]
    out = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=RD)


__all__ = ["COLUMNS", "FORMATS", "across_files_notes", "combine_results",
           "detect_format", "pairs_across_files", "read_addresses"]
