"""Amenities, resident initiatives and frontline professionals.

How much of each a buurt gets follows its :attr:`BuurtSpec.resilience`:

* amenities: every shop unit of a mixed building is a ``shop``; each wijk has
  one ``community_centre`` (in its most resilient buurt); parks get
  ``playground`` and ``bench`` points, more in resilient buurten; resilient
  buurten have ``meeting_place`` points; the old centre and the strongest
  buurt of the second wijk have a ``care_point`` (GP practice). Weak buurten
  end up poorly provided.
* initiatives: Poisson in number (about one per eight blocks, times
  ``exp(0.8 * resilience)``), placed on a block; in tipping buurten more than
  half of them stop during the first two years of the history.
* professionals: per wijk a wijkagent, an opbouwwerker and a wijkteam at the
  community centre; a buurtconciërge in resilient social buurten and, until
  the budget ran out after 14 months, in the first tipping buurt; a
  huismeester where there are galerijflats.

Everything is in city-local metres; dates are numpy ``datetime64[D]``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from veerkracht.synth.layout import Layout
from veerkracht.synth.names import (
    CENTRE_NAMES,
    MEETING_NAMES,
    PLAYGROUND_NAMES,
    SHOP_KINDS,
)
from veerkracht.synth.params import CityParams

INITIATIVE_KINDS = (
    "residents_committee",
    "neighbourhood_watch",
    "garden",
    "coffee_morning",
    "active_residents",
)
_INITIATIVE_SIZE = {
    "residents_committee": (5, 15),
    "neighbourhood_watch": (8, 40),
    "garden": (5, 20),
    "coffee_morning": (8, 30),
    "active_residents": (2, 6),
}


def _centres(layout: Layout, params: CityParams, cells: pd.DataFrame) -> np.ndarray:
    return np.column_stack(
        [
            cells["x0"].to_numpy() + params.cell_w / 2,
            cells["y0"].to_numpy() + params.cell_h / 2,
        ]
    )


def make_amenities(
    params: CityParams,
    layout: Layout,
    addresses: pd.DataFrame,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Amenity points: ``kind``, ``name``, ``x``, ``y``, ``buurt``."""
    rows: list[tuple] = []
    res = np.array([b.resilience for b in params.buurten])
    shops = addresses[~addresses["is_dwelling"]]
    for x, y, bu in zip(shops["x"], shops["y"], shops["buurt"], strict=True):
        rows.append(("shop", SHOP_KINDS[int(rng.integers(len(SHOP_KINDS)))], x, y, bu))
    cells = layout.cells
    parks = cells[cells["block"] < 0]
    half_w, half_h = params.cell_w / 2, params.cell_h / 2
    # one community centre per wijk, in its most resilient buurt
    for w in range(len(params.wijken)):
        members = [i for i, b in enumerate(params.buurten) if b.wijk == w]
        best = max(members, key=lambda i: res[i])
        x, y = _spot_in(best, cells, parks, params, rng)
        rows.append(
            ("community_centre", CENTRE_NAMES[w % len(CENTRE_NAMES)], x, y, best)
        )
    for p in parks.itertuples():
        r = res[int(p.buurt)]
        cx, cy = p.x0 + half_w, p.y0 + half_h
        if rng.random() < np.clip(0.45 + 0.45 * r, 0.1, 0.95):
            rows.append(
                (
                    "playground",
                    PLAYGROUND_NAMES[int(rng.integers(6))],
                    cx + rng.uniform(-30, 30),
                    cy + rng.uniform(-20, 20),
                    int(p.buurt),
                )
            )
        for _ in range(rng.poisson(max(0.5, 3 + 3 * r))):
            rows.append(
                (
                    "bench",
                    "Bank",
                    cx + rng.uniform(-50, 50),
                    cy + rng.uniform(-35, 35),
                    int(p.buurt),
                )
            )
    blocks = cells[cells["block"] >= 0]
    for b_idx, spec in enumerate(params.buurten):
        mine = blocks[blocks["buurt"] == b_idx]
        if not len(mine):
            continue
        n_bench = rng.poisson(len(mine) * 0.5 * np.exp(spec.resilience))
        n_play = rng.poisson(len(mine) * 0.08 * np.exp(spec.resilience))
        n_meet = rng.poisson(1.5) + 1 if spec.resilience > 0.3 else 0
        for kind, n, name in (
            ("bench", n_bench, "Bank"),
            ("playground", n_play, None),
            ("meeting_place", n_meet, None),
        ):
            pick = mine.iloc[rng.integers(len(mine), size=n)]
            for c in pick.itertuples():
                label = name or (
                    PLAYGROUND_NAMES[int(rng.integers(6))]
                    if kind == "playground"
                    else MEETING_NAMES[int(rng.integers(5))]
                )
                rows.append(
                    (
                        kind,
                        label,
                        c.x0 + half_w + rng.uniform(-25, 25),
                        c.y0 + half_h + rng.uniform(-12, 12),
                        b_idx,
                    )
                )
    for b_idx in _care_buurten(params):
        x, y = _spot_in(b_idx, cells, parks, params, rng)
        rows.append(("care_point", "Huisartsenpraktijk en zorgpunt", x + 8, y, b_idx))
    return pd.DataFrame(rows, columns=["kind", "name", "x", "y", "buurt"])


def _care_buurten(params: CityParams) -> list[int]:
    out = [0]
    if len(params.wijken) > 1:
        members = [i for i, b in enumerate(params.buurten) if b.wijk == 1]
        out.append(max(members, key=lambda i: params.buurten[i].resilience))
    return out


def _spot_in(
    b_idx: int,
    cells: pd.DataFrame,
    parks: pd.DataFrame,
    params: CityParams,
    rng: np.random.Generator,
) -> tuple[float, float]:
    """A point in a park of the buurt, else in the courtyard of one of its blocks."""
    pool = parks[parks["buurt"] == b_idx]
    if not len(pool):
        pool = cells[cells["buurt"] == b_idx]
    c = pool.iloc[int(rng.integers(len(pool)))]
    return (
        float(c["x0"] + params.cell_w / 2 + rng.uniform(-10, 10)),
        float(c["y0"] + params.cell_h / 2 + rng.uniform(-6, 6)),
    )


def make_initiatives(
    params: CityParams,
    layout: Layout,
    start: np.datetime64,
    end: np.datetime64,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Initiative points.

    Columns ``kind``, ``size``, ``started``, ``ended``, ``x``, ``y``, ``buurt``.
    """
    rows: list[tuple] = []
    blocks = layout.cells[layout.cells["block"] >= 0]
    span = int((end - start).astype(int))
    for b_idx, spec in enumerate(params.buurten):
        mine = blocks[blocks["buurt"] == b_idx]
        if not len(mine):
            continue
        n = rng.poisson(max(0.5, len(mine) / 8 * np.exp(0.8 * spec.resilience)))
        for _ in range(n):
            c = mine.iloc[int(rng.integers(len(mine)))]
            kind = INITIATIVE_KINDS[int(rng.integers(len(INITIATIVE_KINDS)))]
            lo, hi = _INITIATIVE_SIZE[kind]
            size = max(5, int(round(rng.integers(lo, hi + 1) / 5.0)) * 5)
            started = start + np.timedelta64(
                int(rng.integers(-6 * 365, span - 90)), "D"
            )
            p_end = 0.55 if spec.tipping else 0.08
            ended = np.datetime64("NaT", "D")
            if rng.random() < p_end:
                lo_end = max(int((started - start).astype(int)) + 60, 30)
                hi_end = max(lo_end + 1, min(span - 30, 730))
                ended = start + np.timedelta64(int(rng.integers(lo_end, hi_end)), "D")
            rows.append(
                (
                    kind,
                    size,
                    started,
                    ended,
                    c["x0"] + params.cell_w / 2 + rng.uniform(-20, 20),
                    c["y0"] + params.cell_h / 2 + rng.uniform(-10, 10),
                    b_idx,
                )
            )
    return pd.DataFrame(
        rows, columns=["kind", "size", "started", "ended", "x", "y", "buurt"]
    )


def make_professionals(
    params: CityParams,
    amenities: pd.DataFrame,
    buildings: pd.DataFrame,
    start: np.datetime64,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Presence points of frontline professionals.

    Columns ``role``, ``hours_per_week``, ``started``, ``ended``, ``x``, ``y``,
    ``buurt``.
    """
    rows: list[tuple] = []
    nat = np.datetime64("NaT", "D")

    def since() -> np.datetime64:
        return start - np.timedelta64(int(rng.integers(200, 3000)), "D")

    centres = amenities[amenities["kind"] == "community_centre"].reset_index(drop=True)
    for _, c in centres.iterrows():
        x, y, bu = c["x"], c["y"], int(c["buurt"])
        rows.append(("wijkagent", 36, since(), nat, x + 40, y - 30, bu))
        rows.append(("opbouwwerker", 24, since(), nat, x, y, bu))
        rows.append(("wijkteam", 32, since(), nat, x + 2, y + 2, bu))
    first_tipping = next((i for i, b in enumerate(params.buurten) if b.tipping), None)
    for b_idx, spec in enumerate(params.buurten):
        flats = buildings[
            (buildings["buurt"] == b_idx)
            & buildings["kind"].isin(["portiek", "galerij"])
        ]
        if not len(flats):
            continue
        here = flats.iloc[int(rng.integers(len(flats)))]
        x, y = (here["x0"] + here["x1"]) / 2, here["y0"] - 2
        if spec.social >= 0.8 and spec.resilience > 0.5:
            rows.append(("buurtconcierge", 28, since(), nat, x, y, b_idx))
        if b_idx == first_tipping:
            rows.append(
                (
                    "buurtconcierge",
                    28,
                    since(),
                    start + np.timedelta64(14 * 30, "D"),
                    x,
                    y,
                    b_idx,
                )
            )
        galerij = flats[flats["kind"] == "galerij"]
        if len(galerij) >= 2:
            g = galerij.iloc[int(rng.integers(len(galerij)))]
            rows.append(
                (
                    "huismeester",
                    36,
                    since(),
                    nat,
                    (g["x0"] + g["x1"]) / 2,
                    g["y0"] - 2,
                    b_idx,
                )
            )
    return pd.DataFrame(
        rows, columns=["role", "hours_per_week", "started", "ended", "x", "y", "buurt"]
    )
