"""The hidden resilience of every entrance, month by month.

Resilience is not a table of Voorbeeldstad; it is the latent quantity the
generator uses so that pressure turns into trouble in some places and not in
others (DESIGN.md section 1). Per entrance and month, on a standardised scale:

``R = buurt resilience + block effect (N(0, 0.35))
      - 0.35 * log(dwellings in the entrance / 6)       (scale)
      + 0.25 * z(amenities within 400 m)                 (meeting places)
      + 0.4 * [an initiative within 250 m is active]     (active residents)
      + 0.3 * [a buurtconciërge or huismeester is present in the buurt]``

centred so that the dwelling-weighted mean at the start is zero.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from veerkracht.synth.params import CityParams


def entrance_table(addresses: pd.DataFrame) -> pd.DataFrame:
    """One row per dwelling entrance: centroid, buurt, block, street point, size."""
    dw = addresses[addresses["is_dwelling"]]
    g = dw.groupby("entrance", sort=True)
    return pd.DataFrame(
        {
            "x": g["x"].mean(),
            "y": g["y"].mean(),
            "sx": g["sx"].first(),
            "sy": g["sy"].first(),
            "buurt": g["buurt"].first(),
            "block": g["block"].first(),
            "n": g.size(),
        }
    )


def _active(started, ended, month_starts: np.ndarray) -> np.ndarray:
    """``(n_items, n_months)``: active at the start of each month."""
    s = np.asarray(started, dtype="datetime64[D]")[:, None]
    e = np.asarray(ended, dtype="datetime64[D]")[:, None]
    m = month_starts[None, :]
    return (s <= m) & (np.isnat(e) | (e > m))


def resilience(
    params: CityParams,
    ents: pd.DataFrame,
    amenities: pd.DataFrame,
    initiatives: pd.DataFrame,
    professionals: pd.DataFrame,
    month_starts: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Resilience per entrance (rows, in ``ents`` order) and month (columns)."""
    n_e, n_m = len(ents), len(month_starts)
    res_b = np.array([b.resilience for b in params.buurten])
    block_eff = rng.normal(0, 0.35, int(ents["block"].max()) + 1)
    xy = ents[["x", "y"]].to_numpy()
    base = (
        res_b[ents["buurt"].to_numpy()]
        + block_eff[ents["block"].to_numpy()]
        - 0.35 * np.log(ents["n"].to_numpy() / 6.0)
    )
    tree = cKDTree(xy)
    if len(amenities):
        near = tree.query_ball_point(amenities[["x", "y"]].to_numpy(), r=400.0)
        counts = np.bincount(
            np.concatenate([np.asarray(n, int) for n in near]), minlength=n_e
        ).astype(float)
        z = (counts - counts.mean()) / (counts.std() or 1.0)
        base += 0.25 * np.clip(z, -2, 2)
    r = np.repeat(base[:, None], n_m, axis=1)
    if len(initiatives):
        act = _active(initiatives["started"], initiatives["ended"], month_starts)
        near = tree.query_ball_point(initiatives[["x", "y"]].to_numpy(), r=250.0)
        e_idx = np.concatenate([np.asarray(n, int) for n in near])
        i_idx = np.repeat(np.arange(len(near)), [len(n) for n in near])
        count = np.zeros((n_e, n_m))
        np.add.at(count, e_idx, act[i_idx].astype(float))
        r += 0.4 * np.minimum(count, 1.0)
    keep = professionals[professionals["role"].isin(["buurtconcierge", "huismeester"])]
    if len(keep):
        act = _active(keep["started"], keep["ended"], month_starts)
        buurt = ents["buurt"].to_numpy()
        for k, b in enumerate(keep["buurt"].to_numpy()):
            r[buurt == b] += 0.3 * act[k]
    w = ents["n"].to_numpy()
    return r - np.average(r[:, 0], weights=w)
