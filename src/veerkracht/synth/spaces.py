"""Shared spaces in complexes and their condition.

One ``stairwell`` per portiek entrance (``entrance_code`` is the front-door
address ``POSTCODE-HUISNUMMER``), a ``gallery`` and a ``storage`` per
galerijflat, a ``courtyard`` per block of flats (on the first flat building of
the block). Condition (1 bad – 5 good) at the last inspection, within the
final year:

``round(3.4 − 5 · (P − P̄) + 0.7 · R + N(0, 0.6))`` clipped to 1–5,

with ``P`` the mean pressure of the space's entrances over the last six
months and ``R`` their resilience at the end: spaces are worse where pressure
is high.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def make_spaces(
    buildings: pd.DataFrame,
    dwellings: pd.DataFrame,
    pressure_end: np.ndarray,
    res_end: np.ndarray,
    end: np.datetime64,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """``pand``, ``entrance_code``, ``kind``, ``condition``, ``inspected_at``.

    ``dwellings`` needs ``pand``, ``entrance``, ``postcode``, ``huisnummer``.
    """
    ent_p = pd.Series(pressure_end)
    ent_r = pd.Series(res_end)
    kind_of = buildings.set_index("pand")["kind"]
    dw = dwellings.assign(kind=kind_of.loc[dwellings["pand"]].to_numpy())
    rows: list[pd.DataFrame] = []
    port = dw[dw["kind"] == "portiek"].drop_duplicates("entrance")
    rows.append(
        pd.DataFrame(
            {
                "pand": port["pand"].to_numpy(),
                "entrance_code": (
                    port["postcode"] + "-" + port["huisnummer"].astype(str)
                ).to_numpy(),
                "kind": "stairwell",
                "p": ent_p.loc[port["entrance"]].to_numpy(),
                "r": ent_r.loc[port["entrance"]].to_numpy(),
            }
        )
    )
    gal = dw[dw["kind"] == "galerij"].drop_duplicates("entrance")
    for kind in ("gallery", "storage"):
        rows.append(
            pd.DataFrame(
                {
                    "pand": gal["pand"].to_numpy(),
                    "entrance_code": pd.NA,
                    "kind": kind,
                    "p": ent_p.loc[gal["entrance"]].to_numpy(),
                    "r": ent_r.loc[gal["entrance"]].to_numpy(),
                }
            )
        )
    flats = dw[dw["kind"].isin(["portiek", "galerij", "mixed"])].copy()
    flats["p"] = ent_p.loc[flats["entrance"]].to_numpy()
    flats["r"] = ent_r.loc[flats["entrance"]].to_numpy()
    court = (
        flats.groupby("block")
        .agg(pand=("pand", "min"), p=("p", "mean"), r=("r", "mean"))
        .reset_index(drop=True)
    )
    court["entrance_code"] = pd.NA
    court["kind"] = "courtyard"
    rows.append(court)
    out = pd.concat(rows, ignore_index=True)
    p_bar = np.average(out["p"].to_numpy())
    score = 3.4 - 5 * (out["p"].to_numpy() - p_bar) + 0.7 * out["r"].to_numpy()
    score += rng.normal(0, 0.6, len(out))
    out["condition"] = np.clip(np.round(score), 1, 5).astype("int64")
    out["inspected_at"] = end - rng.integers(10, 360, len(out)).astype("timedelta64[D]")
    out["pressure"] = out["p"]
    return out.drop(columns=["p", "r"])
