"""Blocks and the buildings on them, in block-local metres.

A block is one cell of the street grid. Buildings stand along its south side
(fronting the street below) and its north side (fronting the street above),
with the gardens or a courtyard in between. Per block kind:

``portiek``
    portiekflats: 3–4 storeys, 2–4 entrances of 12 m, two flats per floor, so
    6–8 flats per entrance.
``galerij``
    a galerijflat of 6–10 storeys and 8–12 flats per floor (7.5 m each) on the
    north side; another one or portiekflats on the south side.
``rows``
    rows of 4–10 single-family houses, 5.4 m wide; every house is its own
    pand and the footprints of one row share their walls.
``semi``
    detached houses and semi-detached pairs (two panden that touch).
``mixed``
    buildings with 3–5 shop units on the ground floor and flats above
    (addressed ``24A``, ``24B``) on the south side; rows or portiekflats north.

Each buurt gets blocks, drawn from its :attr:`BuurtSpec.blocks` mix, until its
share of ``n_dwellings`` is reached.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from veerkracht.synth.params import CityParams

ENTRANCE_W = 12.0
GALLERY_FLAT_W = 7.5
ROW_HOUSE_W = 5.4
SHOP_W = 8.0

_COLUMNS = (
    "block",
    "side",
    "kind",
    "x0",
    "x1",
    "y0",
    "y1",
    "storeys",
    "n_entrances",
    "flats_per_floor",
    "n_units",
    "group",
    "n_dwellings",
)


def generate_blocks(
    params: CityParams, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Blocks per buurt and their buildings (local coordinates within the block).

    Returns
    -------
    blocks : DataFrame
        ``block``, ``buurt`` (index into ``params.buurten``), ``kind``,
        ``bouwjaar``, ``n_dwellings``.
    buildings : DataFrame
        One row per pand: ``block``, ``side`` (``S``/``N``), ``kind``
        (``portiek``, ``galerij``, ``row``, ``semi``, ``detached``, ``mixed``),
        footprint ``x0 x1 y0 y1`` in block-local metres, ``storeys``,
        ``n_entrances``, ``flats_per_floor``, ``n_units`` (shop units),
        ``group`` (row or pair whose footprints touch, -1 if none),
        ``n_dwellings``.
    """
    weights = np.array([b.weight for b in params.buurten], dtype=float)
    targets = params.n_dwellings * weights / weights.sum()
    half = params.street_width / 2
    frame = _Frame(x0=half, x1=params.cell_w - half, y0=half, y1=params.cell_h - half)
    block_rows: list[tuple] = []
    rows: list[tuple] = []
    group = 0
    for b_idx, spec in enumerate(params.buurten):
        kinds = list(spec.blocks)
        probs = np.array([spec.blocks[k] for k in kinds], dtype=float)
        probs /= probs.sum()
        done = 0
        while done < targets[b_idx] - 20:
            block = len(block_rows)
            kind = kinds[rng.choice(len(kinds), p=probs)]
            new, group = _fill_block(rng, kind, block, frame, group)
            n = sum(r[-1] for r in new)
            rows.extend(new)
            year = int(rng.integers(spec.bouwjaar[0], spec.bouwjaar[1] + 1))
            block_rows.append((block, b_idx, kind, year, n))
            done += n
    blocks = pd.DataFrame(
        block_rows, columns=["block", "buurt", "kind", "bouwjaar", "n_dwellings"]
    )
    buildings = pd.DataFrame(rows, columns=list(_COLUMNS))
    return blocks, buildings


class _Frame:
    """The buildable rectangle of a block (inside the half streets)."""

    def __init__(self, x0: float, x1: float, y0: float, y1: float):
        self.x0, self.x1, self.y0, self.y1 = x0, x1, y0, y1


def _fill_block(rng, kind: str, block: int, f: _Frame, group: int):
    sides = {
        "portiek": ("portiek", "portiek"),
        "galerij": ("portiek" if rng.random() < 0.5 else "galerij", "galerij"),
        "rows": ("rows", "rows"),
        "semi": ("semi", "semi"),
        "mixed": ("mixed", "rows" if rng.random() < 0.5 else "portiek"),
    }[kind]
    out: list[tuple] = []
    for side, what in zip(("S", "N"), sides, strict=True):
        new, group = _SIDE[what](rng, block, side, f, group)
        out.extend(new)
    return out, group


def _ys(f: _Frame, side: str, setback: float, depth: float) -> tuple[float, float]:
    if side == "S":
        return f.y0 + setback, f.y0 + setback + depth
    return f.y1 - setback - depth, f.y1 - setback


def _portiek(rng, block, side, f, group):
    out = []
    y0, y1 = _ys(f, side, 3.0, 10.0)
    x = f.x0 + rng.uniform(2, 6)
    while True:
        n_e = int(rng.integers(2, 5))
        while n_e >= 2 and x + n_e * ENTRANCE_W > f.x1 - 2:
            n_e -= 1
        if n_e < 2:
            break
        storeys = int(rng.integers(3, 5))
        x1 = x + n_e * ENTRANCE_W
        out.append(
            (
                block,
                side,
                "portiek",
                x,
                x1,
                y0,
                y1,
                storeys,
                n_e,
                0,
                0,
                -1,
                n_e * storeys * 2,
            )
        )
        x = x1 + rng.uniform(4, 8)
    return out, group


def _galerij(rng, block, side, f, group):
    fpf = int(rng.integers(8, 13))
    storeys = int(rng.integers(6, 11))
    length = fpf * GALLERY_FLAT_W
    x = f.x0 + rng.uniform(2, max(2.5, f.x1 - f.x0 - length - 2))
    y0, y1 = _ys(f, side, 4.0, 11.0)
    row = (
        block,
        side,
        "galerij",
        x,
        x + length,
        y0,
        y1,
        storeys,
        1,
        fpf,
        0,
        -1,
        fpf * storeys,
    )
    return [row], group


def _rows(rng, block, side, f, group):
    out = []
    y0, y1 = _ys(f, side, 4.0, 9.0)
    x = f.x0 + rng.uniform(1, 4)
    while True:
        n = int(rng.integers(4, 11))
        n = min(n, int((f.x1 - 1 - x) // ROW_HOUSE_W))
        if n < 3:
            break
        edges = x + np.arange(n + 1) * ROW_HOUSE_W
        for i in range(n):
            out.append(
                (
                    block,
                    side,
                    "row",
                    edges[i],
                    edges[i + 1],
                    y0,
                    y1,
                    2,
                    1,
                    0,
                    0,
                    group,
                    1,
                )
            )
        group += 1
        x = edges[-1] + rng.uniform(4, 7)
    return out, group


def _semi(rng, block, side, f, group):
    out = []
    y0, y1 = _ys(f, side, 6.0, 10.0)
    x = f.x0 + rng.uniform(2, 6)
    while True:
        if rng.random() < 0.6:  # a semi-detached pair: two panden that touch
            if x + 16 > f.x1 - 2:
                break
            for i in range(2):
                out.append(
                    (
                        block,
                        side,
                        "semi",
                        x + 8 * i,
                        x + 8 * (i + 1),
                        y0,
                        y1,
                        2,
                        1,
                        0,
                        0,
                        group,
                        1,
                    )
                )
            group += 1
            x += 16
        else:
            if x + 11 > f.x1 - 2:
                break
            out.append(
                (block, side, "detached", x, x + 11, y0 - 1, y1 + 1, 2, 1, 0, 0, -1, 1)
            )
            x += 11
        x += rng.uniform(7, 11)
    return out, group


def _mixed(rng, block, side, f, group):
    out = []
    y0, y1 = _ys(f, side, 2.0, 14.0)
    x = f.x0 + rng.uniform(1, 3)
    while True:
        n_u = int(rng.integers(3, 6))
        while n_u >= 3 and x + n_u * SHOP_W > f.x1 - 1:
            n_u -= 1
        if n_u < 3:
            break
        storeys = int(rng.integers(3, 5))
        x1 = x + n_u * SHOP_W
        out.append(
            (
                block,
                side,
                "mixed",
                x,
                x1,
                y0,
                y1,
                storeys,
                0,
                0,
                n_u,
                -1,
                n_u * (storeys - 1),
            )
        )
        x = x1 + rng.uniform(3, 6)
    return out, group


_SIDE = {
    "portiek": _portiek,
    "galerij": _galerij,
    "rows": _rows,
    "semi": _semi,
    "mixed": _mixed,
}
