"""Model 2.0 pipeline: statistics in, signals by meaning, going quiet, fixed
reference, the inflow rule of "kraan open" and protected statistics."""

from __future__ import annotations

import dataclasses
import sys
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from veerkracht.analytics.model.compute import (
    compute_indicators,
    compute_model,
    reference_quantiles,
    reference_reporting,
)
from veerkracht.analytics.model.periods import parse_period
from veerkracht.analytics.model.spec import parse_model
from veerkracht.analytics.statistics import QUARTER_DAYS, place_statistics
from veerkracht.io.model_file import default_model_bytes, load_model, with_reference

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_model_compute import make_city  # noqa: E402

PERIOD = parse_period("2024")
END = pd.Timestamp("2025-01-01", tz="UTC")


@pytest.fixture(scope="module")
def spec():
    return load_model()


def steady_signals(city, per_quarter=3, quiet_blocks=(), quiet_factor=1.0,
                   category="noise", seed=7):
    """``per_quarter`` signals per block and quarter for 8 quarters back from
    the end of 2024; in ``quiet_blocks`` the last four quarters get
    ``quiet_factor`` times as many."""
    rng = np.random.default_rng(seed)
    dw = city.dwellings
    rows = []
    for block, addr in dw.groupby("block_id")["address_id"]:
        for q in range(8):
            n = per_quarter
            if block in quiet_blocks and q < 4:
                n = int(round(per_quarter * quiet_factor))
            for _ in range(n):
                age = (q + rng.uniform(0.05, 0.95)) * QUARTER_DAYS
                rows.append({"reported_at": END - pd.Timedelta(days=age),
                             "category": category,
                             "address_id": rng.choice(addr.to_numpy())})
    sig = pd.DataFrame(rows)
    sig["signal_id"] = [f"S{i}" for i in range(len(sig))]
    sig["source"] = "resident"
    sig["x"] = np.nan
    sig["y"] = np.nan
    sig["address_id"] = sig["address_id"].astype("str")
    return sig


def with_fixed_reference(spec, inputs):
    """The spec with a [reference] taken from ``inputs`` in 2024."""
    values = compute_indicators(spec, inputs, PERIOD)
    q = reference_quantiles(spec, values)
    text = with_reference(default_model_bytes().decode(), "2024", "block", "test", q,
                          reference_reporting(values))
    return parse_model(tomllib.loads(text), "test")


def street_row(res, street):
    return res[(res.level == "street") & (res.place_id == street)].iloc[0]


def test_needs_rise_and_reports_halve_is_no_improvement_and_goes_quiet(spec):
    base = make_city()
    base.signals = steady_signals(base, per_quarter=4)
    spec_ref = with_fixed_reference(spec, base)
    before = compute_model(spec_ref, base, PERIOD)

    worse = make_city()
    street_blocks = ("B03", "B04", "B05")          # street S1
    worse.signals = steady_signals(worse, per_quarter=4, quiet_blocks=street_blocks,
                                   quiet_factor=0.5)
    hh = worse.households.copy()
    in_street = hh["address_id"].str[1:3].isin(["03", "04", "05"]).to_numpy()
    rng = np.random.default_rng(3)
    extra = in_street & (rng.random(len(hh)) < 0.3)
    hh.loc[extra, "need_care"] = True
    hh.loc[extra, "need_income"] = True
    worse.households = hh
    after = compute_model(spec_ref, worse, PERIOD)

    b, a = street_row(before, "S1"), street_row(after, "S1")
    assert a["ind_stacked_needs"] > b["ind_stacked_needs"]
    assert a["ind_signals"] < b["ind_signals"]            # fewer pressure reports
    assert a["ind_reporting"] < b["ind_reporting"]        # ... than expected
    assert a["balance"] <= b["balance"]                   # no improvement
    assert a["going_quiet"] and not b["going_quiet"]
    assert a["reporting_trend_hi"] < 0 < b["reporting_trend_hi"]
    # the other streets did not go quiet
    other = after[(after.level == "street") & (after.place_id != "S1")]
    assert not other["going_quiet"].any()


def test_model_1_would_call_that_street_better(spec):
    """The flaw model 2.0 repairs: with all reports pooled as pressure and
    per-period scaling, the quiet street improves (documents the contrast)."""
    from veerkracht.io.model_file import MODEL_1, shipped_model_path

    spec1 = load_model(shipped_model_path(MODEL_1))
    base = make_city()
    base.signals = steady_signals(base, per_quarter=4)
    worse = make_city()
    worse.signals = steady_signals(worse, per_quarter=4,
                                   quiet_blocks=("B03", "B04", "B05"),
                                   quiet_factor=0.5)
    b = street_row(compute_model(spec1, base, PERIOD), "S1")
    a = street_row(compute_model(spec1, worse, PERIOD), "S1")
    assert a["ind_signals"] < b["ind_signals"]
    assert a["pressure"] < b["pressure"]


def test_uniform_rise_in_needs_raises_pressure_everywhere(spec):
    base = make_city()
    base.signals = steady_signals(base)
    spec_ref = with_fixed_reference(spec, base)
    before = compute_model(spec_ref, base, PERIOD)
    more = make_city()
    more.signals = base.signals
    hh = more.households.copy()
    # one household in four gets an (extra) income need, in every entrance
    pick = (np.arange(len(hh)) % 4) == 0
    hh.loc[pick, "need_income"] = True
    more.households = hh
    after = compute_model(spec_ref, more, PERIOD)
    m = before.merge(after, on=["level", "place_id"], suffixes=("_0", "_1"))
    assert (m["pressure_1"] >= m["pressure_0"] - 1e-12).all()
    # strictly higher wherever the stacked needs were not already beyond the
    # reference's q95 (a score is clipped at 1 there)
    q95 = spec_ref.reference.quantiles["stacked_needs"][1]
    free = m["ind_stacked_needs_0"] < q95
    assert free.mean() > 0.8
    assert (m.loc[free, "pressure_1"] > m.loc[free, "pressure_0"]).all()
    # per-period scaling (no [reference]) hides most of the rise
    plain = dataclasses.replace(spec_ref, reference=None)
    p0 = compute_model(plain, base, PERIOD)
    p1 = compute_model(plain, more, PERIOD)
    rise_fixed = (m["pressure_1"] - m["pressure_0"]).mean()
    rise_plain = (p1["pressure"] - p0["pressure"]).mean()
    assert rise_fixed > rise_plain


def test_care_worries_count_as_resilience_never_pressure(spec):
    city = make_city()
    city.signals = steady_signals(city, per_quarter=2, category="care_worry")
    res = compute_model(spec, city, PERIOD)
    noise = make_city()
    noise.signals = steady_signals(noise, per_quarter=2, category="noise")
    res_noise = compute_model(spec, noise, PERIOD)
    b = res[res.level == "block"]
    bn = res_noise[res_noise.level == "block"]
    assert (b["ind_attentiveness"] > bn["ind_attentiveness"].to_numpy()).all()
    assert (b["ind_signals"].to_numpy() < bn["ind_signals"].to_numpy()).all()


def test_kraan_open_needs_inflow_beyond_its_interval(spec):
    city = make_city()
    res = compute_model(spec, city, PERIOD)
    b00 = res[(res.level == "block") & (res.place_id == "B00")].iloc[0]
    assert b00["inflow_net_lo"] > 0 and b00["balance"] < -0.40
    assert b00["balance_class"] == "kraan open"
    # the same place, but as many households with a need left in the year as
    # came: the net inflow is not above zero, so the tap is not open
    old = make_city()
    hh = old.households
    since = pd.Timestamp("2024-01-01")
    need = hh[["need_care", "need_income", "need_outflow",
               "need_frail_elderly"]].any(axis=1)
    came = hh[need & (hh["tenure_start"] >= since)]
    left = came.assign(household_key=came["household_key"] + "-weg",
                       tenure_start=pd.Timestamp("2019-01-01"),
                       tenure_end=pd.Timestamp("2024-03-01"))
    old.households = pd.concat([hh, left, left.assign(
        household_key=left["household_key"] + "2")], ignore_index=True)
    res2 = compute_model(spec, old, PERIOD)
    rows = res2[res2["balance"] < -0.40]
    assert len(rows) and (rows["inflow_net_lo"] <= 0).all()
    assert (rows["balance_class"] == "overbelast").all()
    assert (res2["p_kraan_open"] == 0).all()
    cols = [c for c in res2.columns if c.startswith("p_")]
    np.testing.assert_allclose(res2[cols].sum(axis=1), 1.0, atol=1e-6)


def test_rows_only_for_places_in_the_statistics_and_noise_widens(spec):
    city = make_city()
    exact = place_statistics(city.dwellings, city.households, city.signals, PERIOD)
    # drop two entrances, add noise of sd 2 to every count (raw integer
    # noise, unclipped: what the privacy step stores)
    rng = np.random.default_rng(0)
    noisy = {}
    sd = {}
    for lv, f in exact.items():
        f = f.copy()
        if lv == "entrance":
            f = f[~f["place_id"].isin(["E000", "E011"])]
        cols = [c for c in f.columns if c not in ("place_id", "n_dwellings")]
        f[cols] = f[cols] + np.rint(rng.normal(0, 2.0, (len(f), len(cols)))
                                    ).astype("int64")
        noisy[lv] = f.reset_index(drop=True)
        sd[lv] = dict.fromkeys(cols, 2.0)
    res = compute_model(spec, city, PERIOD, statistics=noisy, noise_sd=sd)
    base = compute_model(spec, city, PERIOD, statistics=exact)
    ent = res[res.level == "entrance"]
    assert len(ent) == 46 and not ent["place_id"].isin(["E000", "E011"]).any()
    assert res["balance"].notna().all()
    m = res.merge(base, on=["level", "place_id"], suffixes=("", "_exact"))
    width = (m["balance_hi"] - m["balance_lo"]).mean()
    width_exact = (m["balance_hi_exact"] - m["balance_lo_exact"]).mean()
    assert width > width_exact
    # the statistics default to the exact ones
    pd.testing.assert_frame_equal(base, compute_model(spec, city, PERIOD))


def test_protected_statistics_of_the_privacy_step_are_read(spec):
    dp = pytest.importorskip("veerkracht.analytics.dp")
    city = make_city()
    exact = place_statistics(city.dwellings, city.households, city.signals, PERIOD)
    plan = dp.NoisePlan()
    exact = {lv: f for lv, f in exact.items() if lv in plan.levels}
    stats, sd = dp.protect_statistics(exact, plan, seed=1)
    res = compute_model(spec, city, PERIOD, statistics=stats, noise_sd=sd)
    assert set(res["level"]) == set(stats)
    assert res["pressure"].between(0, 1).all()
    assert (res["balance_lo"] <= res["balance"]).all()


def test_draws_are_seeded_and_class_probabilities_are_not_certain(spec):
    city = make_city()
    a = compute_model(spec, city, PERIOD)
    b = compute_model(spec, city, PERIOD)
    pd.testing.assert_frame_equal(a, b)
    ent = a[a.level == "entrance"]
    cols = [c for c in a.columns if c.startswith("p_")]
    # small places are uncertain: not every stairwell is 100 % one class
    assert (ent[cols].max(axis=1) < 0.999).mean() > 0.2


def test_reference_is_written_and_used(spec, tmp_path):
    city = make_city()
    spec_ref = with_fixed_reference(spec, city)
    assert spec_ref.reference.period == "2024"
    assert "stacked_needs" in spec_ref.reference.quantiles
    lo, hi = spec_ref.reference.quantiles["stacked_needs"]
    assert 0 <= lo < hi <= 1
    res = compute_model(spec_ref, city, PERIOD)
    assert "reference_from_period" not in str(res["fallbacks"].iloc[0])
    plain = compute_model(dataclasses.replace(spec, reference=None), city, PERIOD)
    assert "stacked_needs:reference_from_period" in str(plain["fallbacks"].iloc[0])
    # same period as the reference: the same scores
    np.testing.assert_allclose(res["pressure"], plain["pressure"], atol=1e-6)


def test_shipped_reference_is_from_the_demo_city(spec):
    assert spec.reference is not None and spec.reference.period == "2025"
    assert "Voorbeeldstad" in spec.reference.source
    assert spec.reference.reporting_beta is not None
    scored = {i.name for i in spec.indicators if i.normalise == "robust_minmax"}
    assert scored == set(spec.reference.quantiles)
