"""Global sensitivity analysis: estimators, design, stability and the black box."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from veerkracht.analytics.model.periods import parse_period
from veerkracht.analytics.model.sensitivity import (
    Factor,
    apply_choices,
    global_sensitivity,
    radial_matrices,
    saltelli_design,
    sobol_indices,
    uncertain_factors,
)
from veerkracht.io.model_file import load_model

sys.path.insert(0, str(Path(__file__).parent))
from test_model_compute import make_city  # noqa: E402


def _indices_of(f, factors_low_high, n, seed=7):
    lo, hi = np.array(factors_low_high).T
    d = len(lo)
    A, B = saltelli_design(d, n, seed)
    g = lambda u: f(lo + u * (hi - lo))  # noqa: E731
    fab = np.stack([g(ab) for ab in radial_matrices(A, B, [[j] for j in range(d)])])
    return sobol_indices(g(A), g(B), fab)


def test_linear_function_of_uniforms_has_known_indices():
    """f = sum a_i x_i, x_i ~ U(0, 1) independent: S_i = ST_i = a_i^2 / sum a^2."""
    a = np.array([4.0, 2.0, 1.0, 0.0])
    s1, st = _indices_of(lambda x: x @ a, [(0, 1)] * 4, 2**12)
    truth = a**2 / (a**2).sum()
    assert np.allclose(st, truth, atol=0.01)
    assert np.allclose(s1, truth, atol=0.02)


def test_jansen_total_index_on_ishigami_with_interactions():
    """Ishigami (a=7, b=0.1): x1 acts mostly through its interaction with x3.

    Analytic values (Sobol' & Levitan 1999): S = (0.314, 0.442, 0),
    ST = (0.558, 0.442, 0.244).
    """
    def ishigami(x):
        return (np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2
                + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0]))

    s1, st = _indices_of(ishigami, [(-np.pi, np.pi)] * 3, 2**13)
    assert np.allclose(st, [0.558, 0.442, 0.244], atol=0.03)
    assert np.allclose(s1, [0.314, 0.442, 0.0], atol=0.04)


def test_indices_of_a_constant_output_are_nan_not_zero_division():
    fa = np.ones((8, 3))
    s1, st = sobol_indices(fa, fa, np.ones((2, 8, 3)))
    assert np.isnan(s1).all() and np.isnan(st).all()


def test_factors_map_the_unit_interval():
    f = Factor("h", "half_life", "h", low=90, high=365)
    assert f.value(0.0) == 90 and abs(f.value(1.0) - 365) < 1e-6
    lg = Factor("k", "prior", "k", kind="loguniform", low=0.5, high=2)
    assert abs(lg.value(0.5) - 1.0) < 1e-12
    ch = Factor("n", "normalisation", "n", kind="choice", choices=("a", "b", "c"))
    assert [ch.value(u) for u in (0.0, 0.34, 0.99)] == ["a", "b", "c"]


def test_apply_choices_changes_only_what_it_names():
    spec = load_model()
    v = apply_choices(spec, {"normalisation": "rank", "half_life_days": 120.0,
                             "prior_strength": 2.0, "prior_covariates": "nee",
                             "threshold_shift": -0.05})
    assert all(i.normalise == "rank" for i in v.indicators)
    assert v.reference is None and spec.reference is not None
    hl = [i.params["half_life_days"] for i in v.indicators
          if "half_life_days" in i.params]
    assert hl and set(hl) == {120.0}
    lo, hi = spec.estimation.kappa_bounds
    assert v.estimation.kappa_bounds == (2 * lo, 2 * hi)
    assert v.estimation.covariates is False
    assert [c.min for c in v.classes[:-1]] == pytest.approx(
        [c.min - 0.05 for c in spec.classes[:-1]])
    assert [i.weight for i in v.indicators] == [i.weight for i in spec.indicators]
    # the base choices give the model back
    same = apply_choices(spec, {"normalisation": "reference", "threshold_shift": 0.0,
                                "prior_strength": 1.0})
    assert same == spec


# -- a toy composite as the black box ---------------------------------------------
def _toy(scores: dict[str, np.ndarray], dwellings=None):
    """compute(spec): weighted means of fixed scores per group, balance, class.

    Only the weights and the thresholds of the spec act here, so the other
    choices must get indices of zero.
    """
    n = len(next(iter(scores.values())))
    dwellings = np.full(n, 10) if dwellings is None else dwellings
    ids = [f"P{k}" for k in range(n)]

    def compute(spec):
        out = {}
        for group in ("pressure", "resilience"):
            inds = [i for i in spec.group(group) if i.name in scores]
            w = np.array([i.weight for i in inds])
            out[group] = (np.stack([scores[i.name] for i in inds], 1) @ w) / w.sum()
        b = out["resilience"] - out["pressure"]
        names = np.array(spec.class_names, dtype=object)
        return pd.DataFrame({"level": "block", "place_id": ids,
                             "balance": b, "balance_class": names[spec.classify(b)],
                             "n_dwellings": dwellings})

    return compute


def _flat_scores(spec, n, value_p=0.3, value_r=0.6):
    return {i.name: np.full(n, value_p if i.group == "pressure" else value_r)
            for i in spec.indicators}


def test_planted_driver_gets_the_largest_total_index():
    spec = load_model()
    rng = np.random.default_rng(3)
    n = 40
    scores = _flat_scores(spec, n, 0.4, 0.4)
    driver = spec.group("pressure")[0].name
    scores[driver] = rng.uniform(0, 1, n)   # only this score varies between places
    res = global_sensitivity(spec, _toy(scores), n=32, seed=2, n_boot=50)
    bal = res.indices[res.indices["output"] == "balans"].set_index("group")
    assert bal["ST"].idxmax() == f"weight:{driver}"
    assert bal.loc[f"weight:{driver}", "ST"] > 0.3
    # choices the toy does not read have no effect at all
    for g in ("normalisation", "prior", "half_life", "thresholds"):
        assert bal.loc[g, "ST"] == pytest.approx(0, abs=1e-9)


def test_indices_lie_in_the_unit_interval_up_to_monte_carlo_error():
    spec = load_model()
    rng = np.random.default_rng(4)
    scores = {i.name: rng.uniform(0, 1, 25) for i in spec.indicators}
    factors = [f for f in uncertain_factors(spec)
               if f.group == "thresholds" or f.group.startswith("weight:")
               and spec.group("pressure")[0].name in f.group
               or f.name in {f"weight:{i.name}" for i in spec.group("resilience")[:2]}]
    res = global_sensitivity(spec, _toy(scores), n=256, seed=9, factors=factors,
                             n_boot=20)
    ind = res.indices.dropna(subset=["S1", "ST"])
    assert len(ind) == 3 * len(factors)
    assert ind["ST"].between(0, 1.05).all()      # a mean of squares: never < 0
    assert ind["S1"].between(-0.05, 1.05).all()
    assert (ind["S1"] <= ind["ST"] + 0.05).all()


def test_far_from_every_threshold_is_stable_on_a_threshold_is_not():
    spec = load_model()
    edge = spec.classes[0].min            # lower bound of "in balans"
    # place 0: balance 0.6 whatever the weights; place 1: exactly on the edge
    scores = {i.name: (np.array([0.2, 0.45]) if i.group == "pressure"
                       else np.array([0.8, 0.45 + edge])) for i in spec.indicators}
    res = global_sensitivity(spec, _toy(scores), n=32, seed=5, n_boot=20)
    st = res.places.set_index("place_id")["class_stability"]
    assert st["P0"] == 1.0
    assert 0.3 < st["P1"] < 0.7          # a uniform shift of ±0.05 splits it
    lv = res.levels.iloc[0]
    assert lv["stable_places"] == 0.5 and lv["n_places"] == 2
    # the rank range of two places: each is 1st or 2nd
    assert res.places["rank_p05"].min() >= 1 and res.places["rank_p95"].max() <= 2


def test_stability_excluding_the_majority_class():
    spec = load_model()
    edge = [c.min for c in spec.classes]
    # eight places deep "in balans", two just below the edge of "onder druk"
    pb = np.r_[np.full(8, 0.1), np.full(2, 0.5)]
    rb = np.r_[np.full(8, 0.9), np.full(2, 0.5 + edge[2] - 0.01)]
    scores = {i.name: (pb if i.group == "pressure" else rb) for i in spec.indicators}
    res = global_sensitivity(spec, _toy(scores), n=16, seed=1, n_boot=10)
    lv = res.levels.iloc[0]
    assert lv["stable_places"] == pytest.approx(0.8)
    assert lv["n_places_excl"] == 2 and lv["stable_places_excl"] == 0.0


def test_seeded_runs_are_reproducible():
    spec = load_model()
    rng = np.random.default_rng(0)
    scores = {i.name: rng.uniform(0, 1, 30) for i in spec.indicators}
    a = global_sensitivity(spec, _toy(scores), n=8, seed=11, n_boot=20)
    b = global_sensitivity(spec, _toy(scores), n=8, seed=11, n_boot=20)
    c = global_sensitivity(spec, _toy(scores), n=8, seed=12, n_boot=20)
    pd.testing.assert_frame_equal(a.places, b.places)
    pd.testing.assert_frame_equal(a.indices, b.indices)
    assert not a.places["balance_p05"].equals(c.places["balance_p05"])
    assert a.n_runs == 1 + 8 * (len({f.group for f in a.factors}) + 2)


# -- the real pipeline ------------------------------------------------------------
@pytest.fixture(scope="module")
def small_city():
    from veerkracht.analytics.statistics import place_statistics

    inputs = make_city(n_blocks=8, entrances_per_block=3)
    period = parse_period("2024")
    stats = place_statistics(inputs.dwellings, inputs.households, inputs.signals,
                             period)
    return inputs, period, stats


def test_the_cached_adapter_equals_the_pipeline(small_city):
    """Reusing the indicator stage for weight and threshold variants changes nothing."""
    from veerkracht.analytics.model.compute import compute_model
    from veerkracht.jobs.compute import sensitivity_compute

    inputs, period, stats = small_city
    spec = load_model()
    compute = sensitivity_compute(inputs, period, stats)
    compute(spec)                                     # fills the cache
    names = [i.name for i in spec.indicators]
    for choices in ({f"weight:{names[0]}": 1.5, f"weight:{names[-1]}": 0.5,
                     "threshold_shift": 0.04},
                    {"normalisation": "rank", "half_life_days": 100.0}):
        v = apply_choices(spec, choices)
        got = compute(v)
        want = compute_model(v, inputs, period, statistics=stats)
        np.testing.assert_allclose(got["balance"], want["balance"], equal_nan=True)
        assert (got["balance_class"].astype(str).to_numpy()
                == want["balance_class"].astype(str).to_numpy()).all()


def test_global_sensitivity_on_the_pipeline(small_city):
    from veerkracht.jobs.compute import sensitivity_compute

    inputs, period, stats = small_city
    spec = load_model()
    factors = uncertain_factors(spec)
    res = global_sensitivity(spec, sensitivity_compute(inputs, period, stats), n=2,
                             seed=3, factors=factors, levels=["entrance", "block"],
                             n_boot=10)
    assert set(res.places["level"]) == {"entrance", "block"}
    assert res.places["class_stability"].between(0, 1).all()
    assert (res.places["rank_p05"] <= res.places["rank_p95"]).all()
    groups = {f.group for f in factors}
    assert set(res.indices["group"]) == groups
    # the variants really differ: some balance moves between runs
    assert (res.places["balance_p95"] - res.places["balance_p05"]).max() > 0.01
    assert dataclasses.is_dataclass(res)


def test_run_sensitivity_stores_class_stability_per_place(tmp_path):
    import geopandas as gpd
    import shapely

    from veerkracht.jobs.compute import run_sensitivity
    from veerkracht.store.files import FileWorkspace

    city = make_city(n_blocks=6, entrances_per_block=2)
    ws = FileWorkspace(tmp_path / "ws")
    dw = city.dwellings
    geo = gpd.GeoDataFrame(dw.drop(columns=["x", "y"]),
                           geometry=shapely.points(dw["x"], dw["y"]), crs="EPSG:28992")
    with ws.transaction("test", source="test") as tx:
        tx.put("dwellings", geo)
        tx.put("households", city.households)
    ticks = []
    res = run_sensitivity(ws, period="2024", runs=2, seed=4,
                          progress=lambda n, **kw: ticks.append(n))
    # the published path: the period is protected on first use
    assert res.statistics == "protected" and res.period == "2024" and res.seconds > 0
    assert sum(ticks) == res.n_runs
    table = ws.read("sensitivity")
    key = ["level", "place_id", "period", "model_name", "model_version"]
    assert not table.duplicated(key).any()
    assert len(table) == len(res.places)
    assert table["class_stability"].dropna().between(0, 1).all()
    assert set(table["period"]) == {"2024"} and (table["n_runs"] == res.n_runs).all()
    # only places the door publishes for the base model are analysed
    from veerkracht.jobs.publish import current_rules

    assert len(table) > 0
    assert (table["n_dwellings"] >= current_rules(ws).band_min).all()
