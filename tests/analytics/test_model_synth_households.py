"""Synthetic households for real dwellings: contract, calibration, determinism."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from veerkracht.synth.households_for_dwellings import households_for_dwellings

REF = date(2026, 1, 1)


def dwellings(n=24_000):
    i = np.arange(n)
    return pd.DataFrame({
        "address_id": [f"A{k}" for k in i],
        "entrance_id": [f"E{k // 8}" for k in i],
        "buurtcode": np.where(i < n // 2, "BU00000001", "BU00000002"),
        "gemeentecode": "GM0001",
    })


KERN = pd.DataFrame({
    "regiocode": ["BU00000001", "BU00000001", "GM0001"],
    "jaar": [2020, 2023, 2023],
    "a_hh": [1.0, 900.0, 5000.0], "a_woning": [1.0, 1000.0, 5200.0],
    "a_1p_hh": [1.0, 600.0, 1500.0], "p_hh_li": [1.0, 25.0, 5.0],
    "p_wcorpw": [1.0, 80.0, 10.0], "a_65_oo": [1.0, 100.0, 1000.0],
    "a_inw": [1.0, 1500.0, 10000.0],
})


def test_contract_and_marking():
    hh, sig = households_for_dwellings(dwellings(2000), KERN, seed=3,
                                       reference_date=REF, with_signals=True)
    assert list(hh.columns) == [
        "household_key", "address_id", "tenure_start", "tenure_end",
        "household_type", "need_care", "need_income", "need_outflow",
        "need_frail_elderly", "urgency", "source", "synthetic"]
    assert hh["synthetic"].all() and sig["synthetic"].all()
    assert hh["household_key"].is_unique and sig["signal_id"].is_unique
    assert (hh["tenure_end"].dropna() > hh.loc[hh["tenure_end"].notna(),
                                               "tenure_start"]).all()
    assert (hh["tenure_start"] < pd.Timestamp(REF)).all()
    # at most one current household per dwelling
    assert not hh.loc[hh["tenure_end"].isna(), "address_id"].duplicated().any()
    assert set(sig["category"]) <= {"noise", "neighbour_conflict", "unsafety",
                                     "neglect", "care_worry", "indifference"}
    assert sig["reported_at"].min() >= pd.Timestamp("2023-01-01", tz="UTC")
    assert sig["reported_at"].max() < pd.Timestamp(REF, tz="UTC")


def test_calibrated_on_latest_kerncijfers_with_gemeente_fallback():
    dw = dwellings()
    hh, _ = households_for_dwellings(dw, KERN, seed=5, reference_date=REF)
    now = hh[hh["tenure_end"].isna()].merge(dw, on="address_id")
    b1 = now[now["buurtcode"] == "BU00000001"]
    b2 = now[now["buurtcode"] == "BU00000002"]  # no buurt figures: gemeente's
    assert abs(len(b1) / 12_000 - 0.90) < 0.02      # a_hh / a_woning of 2023
    assert abs(len(b2) / 12_000 - 5000 / 5200) < 0.02
    assert abs((b1["household_type"] == "single").mean() - 600 / 900) < 0.03
    assert abs((b2["household_type"] == "single").mean() - 0.30) < 0.03
    assert b1["need_income"].mean() > 3 * b2["need_income"].mean()
    assert b1["need_care"].mean() > b2["need_care"].mean()


def test_needs_cluster_by_stairwell():
    dw = dwellings()
    hh, _ = households_for_dwellings(dw, None, seed=8, reference_date=REF)
    now = hh[hh["tenure_end"].isna()].merge(dw, on="address_id")
    now["any_need"] = now[["need_care", "need_income", "need_outflow",
                           "urgency"]].any(axis=1)
    per = now.groupby("entrance_id")["any_need"].agg(["mean", "size"])
    p = now["any_need"].mean()
    binomial_var = (p * (1 - p) / per["size"]).mean()
    # stairwells differ well beyond chance: the shrinkage has something to find
    assert per["mean"].var() > 1.5 * binomial_var


def test_same_seed_same_households():
    a, _ = households_for_dwellings(dwellings(500), seed=2, reference_date=REF)
    b, _ = households_for_dwellings(dwellings(500), seed=2, reference_date=REF)
    c, _ = households_for_dwellings(dwellings(500), seed=3, reference_date=REF)
    pd.testing.assert_frame_equal(a, b)
    assert not a["need_care"].equals(c["need_care"]) or len(a) != len(c)
