"""Addresses: house numbers along each street, suffixes, letters and postcodes.

Numbering follows Dutch practice: odd numbers on one side of a street, even
on the other, rising from west to east. What gets a number:

* a portiek entrance gets one number; its flats share it with a suffix
  (``toevoeging``): ``12-1, 12-2, …`` or, in some entrances, ``12-H`` for the
  ground floor then ``12-1, 12-2, …``;
* every flat of a galerijflat gets its own number, floor by floor; the flats
  of one building share one access point (the lift and stairs);
* every single-family house gets its own number;
* a shop unit in a mixed building gets a number (``winkelfunctie``), the flats
  above it the same number with a letter (``24A``, ``24B``).

A postcode covers one side of a street within one block (a street segment),
as real postcodes do; the numeric part is shared by a buurt and starts at
:attr:`CityParams.postcode_start`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from veerkracht.synth.buildings import ENTRANCE_W, GALLERY_FLAT_W, SHOP_W
from veerkracht.synth.layout import Layout
from veerkracht.synth.params import CityParams

_PC_LETTERS = "ABCDEGHJKLMNPRSTVWXZ"
PC_PAIRS = tuple(
    a + b for a in _PC_LETTERS for b in _PC_LETTERS if a + b not in ("SA", "SD", "SS")
)


def place_buildings(
    params: CityParams, layout: Layout, blocks: pd.DataFrame, buildings: pd.DataFrame
) -> pd.DataFrame:
    """Buildings in city-local metres, with their block, buurt, wijk and street.

    Adds ``pand``, ``pand_id``, ``buurt``, ``wijk``, ``bouwjaar``, ``street``
    and ``street_side`` (0: the odd side, north of the street; 1: the even side)
    and moves the footprint to city-local coordinates.
    """
    cells = layout.cells[layout.cells["block"] >= 0].set_index("block")
    b = buildings.copy()
    cell = cells.loc[b["block"].to_numpy()]
    for axis in ("x", "y"):
        off = cell[f"{axis}0"].to_numpy()
        b[f"{axis}0"] = b[f"{axis}0"].to_numpy() + off
        b[f"{axis}1"] = b[f"{axis}1"].to_numpy() + off
    b["buurt"] = cell["buurt"].to_numpy()
    b["wijk"] = cell["wijk"].to_numpy()
    b["bouwjaar"] = blocks.set_index("block").loc[b["block"], "bouwjaar"].to_numpy()
    row = cell["row"].to_numpy()
    line = np.where(b["side"].to_numpy() == "S", row, row + 1)
    b["street"] = [
        layout.h_street[(w, ln)] for w, ln in zip(b["wijk"], line, strict=True)
    ]
    b["street_side"] = np.where(b["side"].to_numpy() == "S", 0, 1)
    b["pand"] = np.arange(len(b))
    b["pand_id"] = [f"{params.gemeentecode[2:]}10{i + 1:010d}" for i in range(len(b))]
    return b.reset_index(drop=True)


def make_addresses(
    params: CityParams,
    layout: Layout,
    buildings: pd.DataFrame,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Every address (dwellings and shops) in city-local coordinates.

    Returns one row per address with ``pand``, ``entrance`` (the true shared
    front door: a portiek entrance, a galerijflat, a house, the stairs above
    a shop), ``x``, ``y``, ``straat``, ``huisnummer``, ``huisletter``,
    ``toevoeging``, ``postcode``, ``is_dwelling``, ``buurt``, ``wijk``,
    ``street`` and the street point in front (``sx``, ``sy``).
    """
    parts = [
        _portiek(buildings[buildings["kind"] == "portiek"], rng),
        _galerij(buildings[buildings["kind"] == "galerij"]),
        _houses(buildings[buildings["kind"].isin(["row", "semi", "detached"])]),
        _mixed(buildings[buildings["kind"] == "mixed"]),
    ]
    a = pd.concat([p for p in parts if len(p)], ignore_index=True)
    b = buildings.set_index("pand")
    bb = b.loc[a["pand"].to_numpy()]
    for col in ("street", "street_side", "buurt", "wijk", "block"):
        a[col] = bb[col].to_numpy()
    a["bx0"] = bb["x0"].to_numpy()
    a = _number(a)
    a = _postcodes(params, a)
    street_y = layout.streets.set_index("street").loc[a["street"], "y0"].to_numpy()
    a["sx"] = a["slot_x"].to_numpy()
    a["sy"] = street_y + np.where(a["street_side"].to_numpy() == 0, 3.0, -3.0)
    a["straat"] = (
        layout.streets.set_index("street").loc[a["street"], "straat"].to_numpy()
    )
    # Entrances: one id per shared front door or access point.
    ent_key = a["pand"].to_numpy().astype("int64") * 10_000 + a["ent_seq"].to_numpy()
    a["entrance"] = pd.factorize(ent_key)[0]
    return a.drop(columns=["bx0", "slot_key", "seq", "ent_seq"])


def _expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Parent index and position within the parent for ``counts`` children each."""
    parent = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    return parent, np.arange(int(counts.sum())) - starts[parent]


def _frame(
    pand, slot_seq, slot_x, x, y, letter, toev, dwelling, seq, ent_seq=None
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "pand": pand,
            "slot_seq": slot_seq,
            "ent_seq": slot_seq if ent_seq is None else ent_seq,
            "slot_x": slot_x,
            "x": x,
            "y": y,
            "huisletter": pd.array(letter, dtype="str"),
            "toevoeging": pd.array(toev, dtype="str"),
            "is_dwelling": dwelling,
            "seq": seq,
        }
    )


def _portiek(b: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    if not len(b):
        return pd.DataFrame()
    bi, ent = _expand(b["n_entrances"].to_numpy())
    x0 = b["x0"].to_numpy()[bi]
    slot_x = x0 + (ent + 0.5) * ENTRANCE_W
    h_style = rng.random(len(bi)) < 0.4
    flats = 2 * b["storeys"].to_numpy()[bi]
    si, f = _expand(flats)
    toev = np.where(
        h_style[si] & (f == 0),
        "H",
        np.where(h_style[si], f.astype(str), (f + 1).astype(str)),
    )
    ymid = ((b["y0"] + b["y1"]) / 2).to_numpy()[bi][si]
    x = slot_x[si] + np.where(f % 2 == 0, -3.0, 3.0)
    n = len(si)
    return _frame(
        b["pand"].to_numpy()[bi][si],
        ent[si],
        slot_x[si],
        x,
        ymid,
        [pd.NA] * n,
        toev,
        np.ones(n, bool),
        f,
    )


def _galerij(b: pd.DataFrame) -> pd.DataFrame:
    if not len(b):
        return pd.DataFrame()
    fpf = b["flats_per_floor"].to_numpy()
    bi, k = _expand(fpf * b["storeys"].to_numpy())
    col = k % fpf[bi]
    x = b["x0"].to_numpy()[bi] + (col + 0.5) * GALLERY_FLAT_W
    y = ((b["y0"] + b["y1"]) / 2).to_numpy()[bi]
    n = len(bi)
    return _frame(
        b["pand"].to_numpy()[bi],
        k,
        x,
        x,
        y,
        [pd.NA] * n,
        [pd.NA] * n,
        np.ones(n, bool),
        np.zeros(n, int),
        ent_seq=np.zeros(n, int),
    )


def _houses(b: pd.DataFrame) -> pd.DataFrame:
    if not len(b):
        return pd.DataFrame()
    x = ((b["x0"] + b["x1"]) / 2).to_numpy()
    y = ((b["y0"] + b["y1"]) / 2).to_numpy()
    n = len(b)
    return _frame(
        b["pand"].to_numpy(),
        np.zeros(n, int),
        x,
        x,
        y,
        [pd.NA] * n,
        [pd.NA] * n,
        np.ones(n, bool),
        np.zeros(n, int),
    )


def _mixed(b: pd.DataFrame) -> pd.DataFrame:
    if not len(b):
        return pd.DataFrame()
    bi, unit = _expand(b["n_units"].to_numpy())
    slot_x = b["x0"].to_numpy()[bi] + (unit + 0.5) * SHOP_W
    si, level = _expand(b["storeys"].to_numpy()[bi])  # level 0 = the shop
    letters = np.array([pd.NA, "A", "B", "C", "D"], dtype=object)[level]
    ymid = ((b["y0"] + b["y1"]) / 2).to_numpy()[bi][si]
    y = ymid + np.where(level == 0, -3.0, 2.0)
    return _frame(
        b["pand"].to_numpy()[bi][si],
        unit[si],
        slot_x[si],
        slot_x[si],
        y,
        letters,
        [pd.NA] * len(si),
        level > 0,
        level,
    )


def _number(a: pd.DataFrame) -> pd.DataFrame:
    """House numbers: odd on side 0, even on side 1, rising from west to east."""
    # A number belongs to a slot: a portiek entrance, a galerij flat, a house, a
    # shop unit; all addresses of one slot share it.
    a["slot_key"] = (a["pand"].astype("int64") * 10_000 + a["slot_seq"]).to_numpy()
    slots = a.drop_duplicates("slot_key")[
        ["slot_key", "street", "street_side", "bx0", "slot_x", "slot_seq"]
    ]
    slots = slots.sort_values(
        ["street", "street_side", "bx0", "slot_seq", "slot_x"], kind="stable"
    )
    rank = slots.groupby(["street", "street_side"]).cumcount().to_numpy()
    number = pd.Series(
        1 + 2 * rank + slots["street_side"].to_numpy(),
        index=slots["slot_key"].to_numpy(),
    )
    a["huisnummer"] = number.loc[a["slot_key"].to_numpy()].to_numpy().astype("int64")
    a["slot_x"] = a["slot_x"].astype(float)
    return a


def _postcodes(params: CityParams, a: pd.DataFrame) -> pd.DataFrame:
    """One postcode per street side per block; numeric part shared by a buurt."""
    seg = a.drop_duplicates(["street", "street_side", "block"])[
        ["buurt", "street", "street_side", "block", "bx0"]
    ]
    seg = seg.sort_values(["buurt", "street", "street_side", "bx0"], kind="stable")
    seg["k"] = seg.groupby("buurt").cumcount().to_numpy()
    per_code = len(PC_PAIRS)
    needed = seg.groupby("buurt")["k"].max().to_numpy() // per_code + 1
    codes = _numeric_codes(params.postcode_start, int(needed.sum()))
    first = np.cumsum(needed) - needed
    buurt_pos = (
        seg["buurt"]
        .map(dict(zip(sorted(seg["buurt"].unique()), range(len(needed)), strict=True)))
        .to_numpy()
    )
    num = codes[first[buurt_pos] + seg["k"].to_numpy() // per_code]
    letters = np.array(PC_PAIRS)[seg["k"].to_numpy() % per_code]
    seg["postcode"] = [f"{n}{lt}" for n, lt in zip(num, letters, strict=True)]
    key = ["street", "street_side", "block"]
    return a.merge(seg[[*key, "postcode"]], on=key, how="left", validate="many_to_one")


def _numeric_codes(start: int, n: int) -> np.ndarray:
    """``start, start+1, …`` up to the next multiple of ten, then the decades below.

    Examples
    --------
    >>> _numeric_codes(9990, 12).tolist()[-3:]
    [9999, 9980, 9981]
    """
    decade = start - start % 10
    out: list[int] = list(range(start, decade + 10))
    d = decade - 10
    while len(out) < n:
        if d < 1000:
            raise ValueError("te weinig postcodes; verklein n_dwellings")
        out.extend(range(d, d + 10))
        d -= 10
    return np.array(out[:n])
