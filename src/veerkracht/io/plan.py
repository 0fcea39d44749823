"""Read a year's allocation plan (PLAN.csv) — docs/allocation.md, "Het planbestand".

One CSV file (``;`` or ``,``, UTF-8; lines starting with ``#`` are comments),
one row per expected vacancy, stock rule or group of households, told
apart by the column ``soort``:

==================  =========================================================
soort               columns
==================  =========================================================
``woning``          ``postcode`` + ``huisnummer`` (+ ``huisletter``,
                    ``toevoeging``) or ``adres_id``; ``aantal`` (default 1);
                    ``gelijkvloers`` (ja/nee); ``oppervlakte_m2``
``voorraad``        ``verhuisgraad`` (0..1, expected yearly turnover);
                    ``corporatie`` (optional: only that corporation's stock)
``huishoudens``     ``categorie`` (a need category), ``aantal``; optional
                    ``urgentie``, ``gelijkvloers`` (ja: needs one),
                    ``min_oppervlakte_m2``, ``zorg_binnen_m``, ``gebied``
                    (buurt or wijk codes, ``|``-separated)
==================  =========================================================

A cell filled in for a column that does not belong to the row's ``soort``
is an error (nothing is silently dropped); every bad row is reported at
once with its line in the file (:class:`veerkracht.io.validation.ImportRejected`).
A group speaks of households by category and count only: there is no column
for a person, a name or a household id (and none is accepted).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from veerkracht.analytics.allocation.categories import CODES, category
from veerkracht.analytics.allocation.plan import Group
from veerkracht.io._common import (
    clean_str,
    decode,
    parse_float,
    raise_if,
    read_bytes,
    read_csv_text,
    rejected,
    require_file,
    source_name,
)
from veerkracht.io.households import check_allowed_columns, parse_bool
from veerkracht.io.validation import ImportRejected, RejectedRow, file_error

KINDS = ("woning", "voorraad", "huishoudens")
#: The columns each kind may fill (``soort`` always).
FIELDS = {
    "woning": (
        "postcode",
        "huisnummer",
        "huisletter",
        "toevoeging",
        "adres_id",
        "aantal",
        "gelijkvloers",
        "oppervlakte_m2",
    ),
    "voorraad": ("verhuisgraad", "corporatie"),
    "huishoudens": (
        "categorie",
        "aantal",
        "urgentie",
        "gelijkvloers",
        "min_oppervlakte_m2",
        "zorg_binnen_m",
        "gebied",
    ),
}
COLUMNS = ("soort", *dict.fromkeys(c for cols in FIELDS.values() for c in cols))
_AREA = re.compile(r"(BU\d{8}|WK\d{6})")


@dataclass
class PlanFile:
    """A read plan: vacancies by address, stock rules and groups."""

    source: str
    woningen: pd.DataFrame  # line, adres_id, postcode, huisnummer, huisletter,
    #                          toevoeging, aantal, gelijkvloers, oppervlakte_m2
    voorraad: pd.DataFrame  # line, verhuisgraad, corporatie
    groups: list[Group]


def _strip_comments(text: str) -> tuple[str, np.ndarray]:
    """The text without ``#`` lines, and each kept line's number in the file."""
    kept, numbers = [], []
    for i, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("#"):
            continue
        kept.append(line)
        numbers.append(i)
    return "\n".join(kept) + "\n", np.array(numbers or [1], dtype=np.int64)


def read_plan(path: str | os.PathLike[str]) -> PlanFile:
    """Read and check PLAN.csv (every error at once, with its line)."""
    p = require_file(path)
    name = source_name(p)
    text, numbers = _strip_comments(decode(read_bytes(p), name))
    if not text.strip():
        raise file_error("het planbestand is leeg", source=name)
    try:
        frame, lines = read_csv_text(text, name)
    except ImportRejected as exc:  # lines of the text without comments
        raise ImportRejected(
            [
                RejectedRow(
                    int(numbers[r.line - 1]) if 0 < r.line <= len(numbers) else r.line,
                    r.reason,
                    r.value,
                )
                for r in exc.rows
            ],
            source=name,
        ) from None
    lines = numbers[lines - 1]
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    check_allowed_columns(frame.columns, COLUMNS, ("soort",), name, "een plan")
    for c in COLUMNS:
        if c not in frame.columns:
            frame[c] = pd.NA
    rows: list[RejectedRow] = []
    kind = clean_str(frame["soort"]).str.lower()
    rows += rejected(
        kind.isna().to_numpy(),
        lines,
        "soort ontbreekt (woning, voorraad of huishoudens)",
    )
    bad = ~kind.isin(KINDS).to_numpy() & kind.notna().to_numpy()
    rows += rejected(
        bad,
        lines,
        "onbekende soort; kies woning, voorraad of huishoudens",
        frame["soort"],
    )
    for k, allowed in FIELDS.items():
        mine = (kind == k).to_numpy()
        for c in COLUMNS[1:]:
            if c in allowed:
                continue
            filled = clean_str(frame[c]).notna().to_numpy() & mine
            rows += rejected(
                filled,
                lines,
                f"kolom {c} hoort niet bij soort {k}; laat die cel leeg",
                frame[c],
            )
    wo = (kind == "woning").to_numpy()
    vo = (kind == "voorraad").to_numpy()
    hh = (kind == "huishoudens").to_numpy()

    def number(col, mask, what, integer=False, lo=None, hi=None, required=False):
        vals, notnum = parse_float(frame[col])
        nonlocal rows
        rows += rejected(notnum & mask, lines, f"{col} is geen getal", frame[col])
        if required:
            rows += rejected(
                np.isnan(vals) & ~notnum & mask, lines, f"{col} ontbreekt ({what})"
            )
        ok = ~np.isnan(vals) & mask
        if integer:
            rows += rejected(
                ok & (vals % 1 != 0),
                lines,
                f"{col} moet een geheel getal zijn",
                frame[col],
            )
        if lo is not None:
            rows += rejected(
                ok & (vals < lo), lines, f"{col} moet minstens {lo} zijn", frame[col]
            )
        if hi is not None:
            rows += rejected(
                ok & (vals > hi), lines, f"{col} mag hoogstens {hi} zijn", frame[col]
            )
        return vals

    def yes_no(col, mask):
        s = clean_str(frame[col])
        vals, bad_ = parse_bool(s)
        nonlocal rows
        rows += rejected(
            bad_ & s.notna().to_numpy() & mask,
            lines,
            f"{col} moet ja of nee zijn",
            frame[col],
        )
        return vals

    # woning
    addr = clean_str(frame["adres_id"])
    pc = clean_str(frame["postcode"]).str.replace(" ", "", regex=False).str.upper()
    hn = clean_str(frame["huisnummer"])
    has_id = addr.notna().to_numpy()
    has_pc = pc.notna().to_numpy() | hn.notna().to_numpy()
    rows += rejected(
        wo & has_id & has_pc,
        lines,
        "geef adres_id of postcode en huisnummer, niet allebei",
    )
    rows += rejected(
        wo & ~has_id & ~has_pc,
        lines,
        "adres ontbreekt: geef postcode en huisnummer (of adres_id)",
    )
    need_pc = wo & ~has_id & has_pc
    rows += rejected(need_pc & pc.isna().to_numpy(), lines, "postcode ontbreekt")
    rows += rejected(need_pc & hn.isna().to_numpy(), lines, "huisnummer ontbreekt")
    pc_ok = pc.str.fullmatch(r"\d{4}[A-Z]{2}").fillna(False).to_numpy(dtype=bool)
    rows += rejected(
        need_pc & pc.notna().to_numpy() & ~pc_ok,
        lines,
        "postcode heeft niet de vorm 1234AB",
        frame["postcode"],
    )
    hn_ok = hn.str.fullmatch(r"\d{1,5}").fillna(False).to_numpy(dtype=bool)
    rows += rejected(
        need_pc & hn.notna().to_numpy() & ~hn_ok,
        lines,
        "huisnummer is geen geheel getal",
        frame["huisnummer"],
    )
    letter = clean_str(frame["huisletter"])
    toev = clean_str(frame["toevoeging"])
    rows += rejected(
        wo
        & letter.notna().to_numpy()
        & ~letter.str.fullmatch(r"[A-Za-z]").fillna(False).to_numpy(bool),
        lines,
        "huisletter moet één letter zijn",
        frame["huisletter"],
    )
    rows += rejected(
        wo
        & toev.notna().to_numpy()
        & ~toev.str.fullmatch(r"[A-Za-z0-9]{1,4}").fillna(False).to_numpy(bool),
        lines,
        "toevoeging moet 1-4 letters/cijfers zijn",
        frame["toevoeging"],
    )
    count = number(
        "aantal", wo | hh, "hoeveel huishoudens", integer=True, lo=1, required=False
    )
    rows += rejected(
        hh & np.isnan(count) & clean_str(frame["aantal"]).isna().to_numpy(),
        lines,
        "aantal ontbreekt (hoeveel huishoudens)",
    )
    ground = yes_no("gelijkvloers", wo | hh)
    ground_known = clean_str(frame["gelijkvloers"]).notna().to_numpy()
    area = number("oppervlakte_m2", wo, "m²", lo=1)
    # voorraad
    turnover = number(
        "verhuisgraad",
        vo,
        "de verwachte verhuisgraad per jaar, 0 tot 1",
        lo=0,
        hi=1,
        required=True,
    )
    # huishoudens
    cat = clean_str(frame["categorie"]).str.strip().str.lower()
    rows += rejected(
        hh & cat.isna().to_numpy(),
        lines,
        f"categorie ontbreekt; kies uit: {', '.join(CODES)}",
    )
    known = cat.map(lambda c: _is_category(c), na_action="ignore").fillna(False)
    rows += rejected(
        hh & cat.notna().to_numpy() & ~known.to_numpy(dtype=bool),
        lines,
        f"onbekende categorie; kies uit: {', '.join(CODES)}",
        frame["categorie"],
    )
    urgent = yes_no("urgentie", hh)
    min_area = number("min_oppervlakte_m2", hh, "m²", lo=1)
    care = number("zorg_binnen_m", hh, "meters", lo=1)
    area_txt = clean_str(frame["gebied"])
    areas: list[tuple[str, ...]] = []
    for i, txt in enumerate(area_txt.to_numpy(dtype=object)):
        if not hh[i] or pd.isna(txt):
            areas.append(())
            continue
        codes = tuple(c.strip().upper() for c in str(txt).split("|") if c.strip())
        wrong = [c for c in codes if not _AREA.fullmatch(c)]
        if wrong or not codes:
            rows.append(
                RejectedRow(
                    int(lines[i]),
                    "gebied moet buurtcodes (BU12345678) "
                    "of wijkcodes (WK123456) zijn, gescheiden door |",
                    str(txt),
                )
            )
        areas.append(codes)
    if not rows:
        if not hh.any():
            rows.append(
                RejectedRow(
                    0,
                    "het plan bevat geen regel met soort "
                    "huishoudens: wie moet er geplaatst worden?",
                )
            )
        if not (wo | vo).any():
            rows.append(
                RejectedRow(
                    0,
                    "het plan bevat geen vrijkomende woningen (soort "
                    "woning of voorraad)",
                )
            )
    raise_if(rows, name)
    woningen = pd.DataFrame(
        {
            "line": lines[wo],
            "adres_id": addr[wo].to_numpy(dtype=object),
            "postcode": pc[wo].to_numpy(dtype=object),
            "huisnummer": pd.to_numeric(hn[wo], errors="coerce")
            .astype("Int64")
            .to_numpy(),
            "huisletter": letter[wo].str.upper().to_numpy(dtype=object),
            "toevoeging": toev[wo].str.upper().to_numpy(dtype=object),
            "aantal": np.where(np.isnan(count[wo]), 1, count[wo]).astype(np.int64),
            "gelijkvloers": np.where(ground_known[wo], ground[wo], False),
            "oppervlakte_m2": area[wo],
        }
    )
    voorraad = pd.DataFrame(
        {
            "line": lines[vo],
            "verhuisgraad": turnover[vo],
            "corporatie": clean_str(frame["corporatie"])[vo].to_numpy(dtype=object),
        }
    )
    groups = [
        Group(
            category=category(cat.iloc[i]),
            count=int(count[i]),
            urgent=bool(urgent[i]),
            ground_floor=bool(ground[i]),
            min_area_m2=None if np.isnan(min_area[i]) else float(min_area[i]),
            care_within_m=None if np.isnan(care[i]) else float(care[i]),
            areas=areas[i],
            line=int(lines[i]),
        )
        for i in np.flatnonzero(hh)
    ]
    return PlanFile(name, woningen, voorraad, groups)


def _is_category(code) -> bool:
    try:
        category(code)
    except ValueError:
        return False
    return True


def address_keys(addresses: pd.DataFrame) -> pd.Series:
    """``address_id`` by the key ``POSTCODE|NUMMER|LETTER|TOEVOEGING`` (upper case)."""

    def part(c):
        return addresses[c].astype("string").fillna("").str.strip().str.upper()

    hn = pd.to_numeric(addresses["huisnummer"], errors="coerce").astype("Int64")
    key = (
        part("postcode").str.replace(" ", "", regex=False)
        + "|"
        + hn.astype("string").fillna("")
        + "|"
        + part("huisletter")
        + "|"
        + part("toevoeging")
    )
    return pd.Series(
        addresses["address_id"].astype(str).to_numpy(), index=key.to_numpy()
    )


def resolve_addresses(
    plan: PlanFile, addresses: pd.DataFrame, dwellings: pd.DataFrame
) -> pd.Series:
    """The dwelling ``address_id`` of every ``woning`` row (in row order).

    An address that is not in the workspace, or is no dwelling there, is an
    error with its line (all of them at once).
    """
    w = plan.woningen
    keys = address_keys(addresses)
    keys = keys[~keys.index.duplicated()]
    key = (
        w["postcode"].fillna("").astype(str)
        + "|"
        + w["huisnummer"].astype("string").fillna("")
        + "|"
        + w["huisletter"].fillna("").astype(str)
        + "|"
        + w["toevoeging"].fillna("").astype(str)
    )
    by_key = keys.reindex(key.to_numpy()).to_numpy(dtype=object)
    ids = np.where(
        w["adres_id"].notna().to_numpy(), w["adres_id"].to_numpy(dtype=object), by_key
    )
    rows: list[RejectedRow] = []
    known = set(dwellings["address_id"].astype(str))
    all_addr = set(addresses["address_id"].astype(str))
    for line, i, pc, hn, hl, tv in zip(
        w["line"],
        ids,
        w["postcode"],
        w["huisnummer"],
        w["huisletter"],
        w["toevoeging"],
        strict=True,
    ):
        label = (
            str(i)
            if pd.isna(pc)
            else f"{pc} {hn}{'' if pd.isna(hl) else hl}"
            f"{'' if pd.isna(tv) else '-' + str(tv)}"
        )
        if (
            i is None
            or (not isinstance(i, str) and pd.isna(i))
            or str(i) not in all_addr
        ):
            rows.append(
                RejectedRow(int(line), "adres niet gevonden in de werkmap", label)
            )
        elif str(i) not in known:
            rows.append(
                RejectedRow(int(line), "dit adres is geen woning in de werkmap", label)
            )
    raise_if(rows, plan.source, hint="controleer postcode, huisnummer en toevoeging")
    return pd.Series([str(i) for i in ids], name="address_id")


EXAMPLE_HEADER = """\
# Voorbeeldplan voor Voorbeeldstad (synthetisch): een jaar vrijkomende woningen
# en de huishoudens die daarin geplaatst moeten worden. Regels met # zijn
# commentaar. Eén kolom 'soort' per regel:
#   woning      - een verwachte vrijkomende woning (postcode, huisnummer,
#                 huisletter, toevoeging of adres_id; aantal; gelijkvloers
#                 ja/nee; oppervlakte_m2)
#   voorraad    - de voorraad van een corporatie in de werkmap met een
#                 verwachte verhuisgraad per jaar (0 tot 1); optioneel corporatie
#   huishoudens - een groep om te plaatsen: categorie (zorg, inkomen,
#                 uitstroom, kwetsbare_oudere, meervoudig), aantal, en
#                 eventueel urgentie, gelijkvloers, min_oppervlakte_m2,
#                 zorg_binnen_m en gebied (buurt- of wijkcodes, gescheiden door |)
# Nooit namen, BSN of huishoudnummers: alleen categorieën en aantallen.
# Uitleg: docs/allocation.md, "Het planbestand".
"""


def example_plan(
    addresses: pd.DataFrame,
    dwellings: pd.DataFrame,
    stock: pd.DataFrame | None = None,
    voorraad: bool = True,
) -> str:
    """A commented example plan on the workspace's own addresses (``;``);
    without ``voorraad`` no stock line."""
    cols = list(COLUMNS)
    dw = set(dwellings["address_id"].astype(str))
    a = addresses[addresses["address_id"].astype(str).isin(dw)].sort_values(
        "address_id"
    )
    pick = (
        a.iloc[np.linspace(0, len(a) - 1, num=min(6, len(a))).astype(int)]
        if len(a)
        else a
    )
    lines = [";".join(cols)]

    def row(**kw):
        lines.append(";".join("" if kw.get(c) is None else str(kw[c]) for c in cols))

    for j, (_, r) in enumerate(pick.iterrows()):
        row(
            soort="woning",
            postcode=r["postcode"],
            huisnummer=int(r["huisnummer"]),
            huisletter=None if pd.isna(r["huisletter"]) else r["huisletter"],
            toevoeging=None if pd.isna(r["toevoeging"]) else r["toevoeging"],
            aantal=1,
            gelijkvloers="ja" if j % 2 == 0 else "nee",
            oppervlakte_m2=[55, 72, 48, 90, 63, 80][j % 6],
        )
    corp = None
    if (
        stock is not None
        and "corporatie" in stock
        and stock["corporatie"].notna().any()
    ):
        corp = str(stock["corporatie"].dropna().astype(str).value_counts().index[0])
    if voorraad:
        row(soort="voorraad", verhuisgraad="0,08", corporatie=corp)
    buurt = (
        str(dwellings["buurtcode"].dropna().astype(str).value_counts().index[0])
        if "buurtcode" in dwellings and dwellings["buurtcode"].notna().any()
        else None
    )
    scale = len(dw) / 12000  # the counts fit a city of this size

    def n(c):
        return max(1, round(c * scale))

    row(soort="huishoudens", categorie="zorg", aantal=n(12))
    row(soort="huishoudens", categorie="inkomen", aantal=n(15), urgentie="ja")
    row(soort="huishoudens", categorie="uitstroom", aantal=n(6))
    row(
        soort="huishoudens",
        categorie="kwetsbare_oudere",
        aantal=n(2),
        gelijkvloers="ja",
        zorg_binnen_m=1500,
    )
    row(soort="huishoudens", categorie="meervoudig", aantal=n(4), gebied=buurt)
    return EXAMPLE_HEADER + "\n".join(lines) + "\n"
