"""The test city with stored model results, protected statistics and profiles.

What ``veerkracht compute`` and ``veerkracht protect`` would store, written
directly so the web tests exercise the real publication door
(:mod:`veerkracht.jobs.publish`) on known protected counts: a block whose
protected household count is exactly 10, a band-sized block (7 households),
single-dwelling entrances, figures with many decimals and signal counts on
both sides of the threshold.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from tests.web.cityfixture import build_city

from veerkracht.store import open_workspace

MODEL = {"model_name": "veerkracht", "model_version": "2.0-test",
         "model_hash": "ab12cd34ef56ab12cd34ef56ab12cd34"}
CLASSES = ("in balans", "kwetsbaar evenwicht", "onder druk", "overbelast",
           "kraan open")
PERIODS = {"2024": "2025-01-01", "2025": "2026-01-01"}
LEVELS = ("gemeente", "wijk", "buurt", "street", "block", "building", "entrance")


def _pick(blocks: pd.DataFrame, n: int, buurt: str, skip=()) -> str:
    rows = blocks[(blocks["n_dwellings"] == n) & (blocks["buurtcode"] == buurt)
                  & ~blocks["place_id"].isin(list(skip))]
    return str(rows.sort_values("place_id")["place_id"].iloc[0])


def build_published_city(folder: Path) -> tuple[str, dict]:
    """Build the city in ``folder`` and store results; return (folder, ids)."""
    build_city(folder)
    ws = open_workspace(folder)
    blocks = ws.read("place_block")
    buurt1 = str(sorted(blocks["buurtcode"].unique())[0])
    ten = _pick(blocks, 12, buurt1)  # 12 dwellings, 10 protected households
    band = _pick(blocks, 7, buurt1)  # 7 households: a band at most
    entrances = ws.read("place_entrance")
    single = str(entrances.loc[entrances["n_dwellings"] == 1, "place_id"]
                 .sort_values().iloc[0])
    ids = {"ten_block": ten, "band_block": band, "single_entrance": single,
           "buurt1": buurt1}
    rng = np.random.default_rng(2026)
    frames, stats, profiles = [], [], []
    for period, end in PERIODS.items():
        for level in LEVELS:
            places = ws.read(f"place_{level}")
            n = len(places)
            pid = places["place_id"].astype("str").to_numpy()
            dw = places["n_dwellings"].to_numpy(dtype="float64")
            hh = dw + rng.normal(0, 0.4, n)  # protected: noisy
            hh[pid == ten] = 10.0
            hh[pid == band] = 7.0
            balance = rng.uniform(-0.6, 0.4, n) + 1e-9 * np.pi
            cls = np.array(CLASSES, dtype=object)[
                np.clip(((0.4 - balance) / 0.2).astype(int), 0, 4)]
            lo = np.array(CLASSES, dtype=object)[
                np.clip(((0.5 - balance) / 0.2).astype(int), 0, 4)]
            hi = np.array(CLASSES, dtype=object)[
                np.clip(((0.3 - balance) / 0.2).astype(int), 0, 4)]
            frame = pd.DataFrame({
                "level": level, "place_id": pid, "period": period,
                "period_end": pd.Timestamp(end), **MODEL,
                "computed_at": f"{period}-12-31T00:00:00",
                "statistics": "protected",
                "n_dwellings": dw, "n_households": hh,
                "pressure": rng.uniform(0, 1, n) / 3, "pressure_lo": 0.0123456,
                "pressure_hi": 0.9876543,
                "resilience": rng.uniform(0, 1, n) / 3, "resilience_lo": 0.01,
                "resilience_hi": 0.99,
                "balance": balance, "balance_lo": balance - 0.1234567,
                "balance_hi": balance + 0.1234567,
                "balance_class": cls, "class_lo": lo, "class_hi": hi,
                "class_band": [f"{a} – {b}" if a != b else a
                               for a, b in zip(lo, hi, strict=True)],
                "ind_turnover": rng.uniform(0, 0.3, n) / 3,
                "count_turnover": np.maximum(hh * 0.5, 0),
            })
            for c in CLASSES:
                frame["p_" + c.replace(" ", "_")] = 0.2 + 1e-7 * np.pi
            frames.append(frame)
            st = pd.DataFrame({"level": level, "period": period, "place_id": pid,
                               "n_dwellings": dw, "n_households": hh,
                               "needs_0": hh * 0.6})
            for q in range(4):
                st[f"sig_pressure_q{q}"] = rng.choice([3.4, 12.6, 27.2], n)
                st[f"sig_attentiveness_q{q}"] = rng.choice([1.1, 16.3], n)
            stats.append(st)
            if period == "2025":
                for k in (25, 50, 100):
                    profiles.append(pd.DataFrame({
                        "level": level, "place_id": pid, "period": period, "k": k,
                        "share": 0.4 + 1e-6 * np.pi, "n_members": dw,
                        "n_households": hh, **MODEL}))
    with ws.transaction("compute", source="test results") as tx:
        tx.put("results", pd.concat(frames, ignore_index=True))
        tx.put("protected_statistics", pd.concat(stats, ignore_index=True))
        tx.put("profiles", pd.concat(profiles, ignore_index=True))
    ws.close()
    return str(folder), ids
