"""Synthetic control for one large place: known truth, an independent solver,
and the coverage of its placebo interval on a linear factor model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import nnls

from veerkracht.analytics.evaluation.evaluate import LARGE_PLACE, evaluate
from veerkracht.analytics.evaluation.synth import (
    min_donors,
    placebo_in_time,
    synthetic_att,
    synthetic_weights,
)


def _factor_panel(rng, periods=8, donors=24, effect=0.0, first=6) -> pd.DataFrame:
    """Places that follow two common trends with their own loadings."""
    trends = rng.normal(size=(periods, 2)).cumsum(axis=0) * 0.3
    loadings = rng.uniform(0, 1, size=(donors + 1, 2))
    y = trends @ loadings.T + rng.normal(scale=0.1, size=(periods, donors + 1))
    y[first - 1:, 0] += effect
    return pd.DataFrame(y, index=range(1, periods + 1),
                        columns=["treated"] + [f"d{i}" for i in range(donors)])


def test_a_place_that_is_a_mix_of_donors_gets_their_weights_and_the_exact_effect():
    rng = np.random.default_rng(3)
    # more periods before the start than donors: the weights are unique
    donors = rng.normal(size=(30, 20)).cumsum(axis=0)
    treated = 0.6 * donors[:, 3] + 0.4 * donors[:, 7]
    treated[25:] += 0.5
    wide = pd.DataFrame(np.column_stack([treated, donors]),
                        columns=["t"] + [f"d{i}" for i in range(20)])
    effect, weights = synthetic_att(wide, "t", 26, level=0.90)
    assert weights["d3"] == pytest.approx(0.6, abs=2e-3)
    assert weights["d7"] == pytest.approx(0.4, abs=2e-3)
    assert weights.sum() == pytest.approx(1.0)
    assert effect.att == pytest.approx(0.5, abs=5e-3)
    assert effect.method == "synth" and effect.n_treated == 1
    lo, hi = effect.interval
    assert lo <= effect.att <= hi
    # a perfect fit before the start: no placebo fits better
    assert effect.pretrend_p == pytest.approx(1.0)


def test_the_weights_solve_the_same_problem_as_an_independent_solver():
    """NNLS with a heavily weighted row of ones (the simplex constraint) on the
    same scaled predictors: the loss of pysyncon's weights is no worse."""
    rng = np.random.default_rng(11)
    for _ in range(5):
        donors = rng.normal(size=(6, 25))
        treated = rng.normal(size=6)
        w = synthetic_weights(treated, donors)
        x = np.column_stack([donors, treated])
        x = x / x.std(axis=1, keepdims=True)
        a, b = x[:, :-1], x[:, -1]
        big = 1e4
        ref, _ = nnls(np.vstack([a, big * np.ones(a.shape[1])]),
                      np.append(b, big))
        ref = ref / ref.sum()
        loss = float(np.sum((b - a @ w) ** 2))
        loss_ref = float(np.sum((b - a @ ref) ** 2))
        assert (w >= 0).all() and w.sum() == pytest.approx(1.0)
        assert loss <= loss_ref * (1 + 1e-3) + 1e-8, (loss, loss_ref)


def test_bad_input_is_refused():
    wide = _factor_panel(np.random.default_rng(0))
    with pytest.raises(ValueError, match="twee periodes"):
        synthetic_att(wide, "treated", 2)
    with pytest.raises(ValueError, match="niet in het panel"):
        synthetic_att(wide, "elders", 6)
    with pytest.raises(ValueError, match="nodig: 19"):
        synthetic_att(wide.iloc[:, :10], "treated", 6)
    assert min_donors(0.95) == 39


@pytest.mark.slow
def test_the_placebo_interval_covers_the_planted_effect_as_often_as_it_says():
    """200 linear factor models (24 donors, 5 periods before, 3 after): the
    90 % interval covers a planted −0.10, and the placebo in time covers
    zero, in at least 85 % of them; the mean estimate is within ±0.03."""
    rng = np.random.default_rng(20261202)
    est, cover, fake = [], [], []
    for _ in range(200):
        wide = _factor_panel(rng, effect=-0.10)
        e, _ = synthetic_att(wide, "treated", 6, level=0.90)
        est.append(e.att)
        cover.append(e.covers(-0.10))
        fake.append(placebo_in_time(wide, "treated", 6, level=0.90).covers(0.0))
    print(f"synthetic control: mean {np.mean(est):.4f}, coverage "
          f"{np.mean(cover):.3f}, placebo in time {np.mean(fake):.3f}")
    assert abs(np.mean(est) + 0.10) <= 0.03
    assert np.mean(cover) >= 0.85
    assert np.mean(fake) >= 0.85


def test_one_large_place_gets_a_synthetic_control_and_a_small_one_does_not():
    rng = np.random.default_rng(5)
    wide = _factor_panel(rng, effect=-0.5, donors=30)
    periods = [f"{y}Q{q}" for y in (2024, 2025) for q in (1, 2, 3, 4)]
    long = wide.set_axis(periods, axis=0).rename_axis("period").reset_index().melt(
        id_vars="period", var_name="place_id", value_name="outcome")
    long["n_dwellings"] = 80.0
    starts = pd.Series({"treated": pd.Timestamp("2025-02-01")})
    ev = evaluate(long, starts, "balance", rng=rng)
    assert ev.status == "ok", ev.message
    assert ev.effect.method == "synth" and ev.treated == ("treated",)
    assert len(ev.comparison) == 30
    assert ev.effect.covers(-0.5) and not ev.effect.covers(0.0)
    assert ev.placebo is not None and ev.placebo.method == "synth"
    small = long.assign(n_dwellings=LARGE_PLACE - 1)
    ev = evaluate(small, starts, "balance", rng=rng)
    assert ev.status == "te_weinig_plaatsen" and "synthetische controle" in ev.message
