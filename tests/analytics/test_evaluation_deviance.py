"""Positive deviance: shrinkage, intervals and stability, against known truth."""

import numpy as np
import pandas as pd
import pytest

from veerkracht.analytics.evaluation.deviance import (
    composition,
    positive_deviance,
    rank_stability,
)


def _places(rng, n=400, tau=0.10):
    """Balance = composition effect + a true deviation u + noise of known se."""
    ids = [f"P{i}" for i in range(n)]
    cov = pd.DataFrame({"share_need": rng.uniform(0, 0.6, n),
                        "share_new": rng.uniform(0, 0.3, n)}, index=ids)
    u = rng.normal(0, tau, n)
    se = rng.uniform(0.03, 0.25, n)
    y = 0.3 - 0.8 * cov["share_need"] - 0.5 * cov["share_new"] + u
    y = y + rng.normal(0, se)
    return pd.Series(y, index=ids), pd.Series(se, index=ids), cov, pd.Series(u, ids)


def test_intervals_cover_the_true_deviation_and_shrinkage_helps():
    rng = np.random.default_rng(3)
    cover, mse_raw, mse_shrunk, taus = [], [], [], []
    for _ in range(20):
        y, se, cov, u = _places(rng)
        d = positive_deviance(y, se, cov, level=0.90)
        truth = u.loc[d.index]
        cover.append(((d.deviation_lo <= truth) & (truth <= d.deviation_hi)).mean())
        mse_raw.append(((d.residual - truth) ** 2).mean())
        mse_shrunk.append(((d.deviation - truth) ** 2).mean())
        taus.append(d.attrs["tau"])
    print(f"coverage {np.mean(cover):.3f}, mse raw {np.mean(mse_raw):.4f} "
          f"shrunk {np.mean(mse_shrunk):.4f}, tau {np.mean(taus):.3f} "
          f"({min(taus):.3f}-{max(taus):.3f})")
    # noisy per draw (Paule-Mandel), right on average
    assert np.mean(np.square(taus)) == pytest.approx(0.01, abs=0.002)
    assert 0.86 <= np.mean(cover) <= 0.94
    assert np.mean(mse_shrunk) < 0.7 * np.mean(mse_raw)


def test_planted_bright_spots_are_listed_and_noisy_ones_are_not():
    rng = np.random.default_rng(4)
    y, se, cov, u = _places(rng, n=300, tau=0.05)
    y.iloc[:10] += 0.5  # ten places far better than their composition predicts
    se.iloc[:10] = 0.05
    y.iloc[10:20] += 0.5  # as much better, but measured with huge noise
    se.iloc[10:20] = 2.0
    d = positive_deviance(y, se, cov)
    listed = set(d.index[d.positive])
    assert {f"P{i}" for i in range(10)} <= listed
    assert not {f"P{i}" for i in range(10, 20)} & listed
    assert d["rank"].tolist() == list(range(1, len(d) + 1))


def test_the_ranking_is_stable_when_the_places_are():
    rng = np.random.default_rng(5)
    y, se, cov, u = _places(rng)
    a = positive_deviance(y, se, cov)
    again = 0.3 - 0.8 * cov["share_need"] - 0.5 * cov["share_new"] + u
    b = positive_deviance(again + rng.normal(0, se), se, cov)
    rho, n = rank_stability(a, b)
    # the same true deviations measured twice, with noise of about 1.5 times
    # their spread: the reliability tau^2 / (tau^2 + se^2) is about 0.4
    assert n == len(y) and rho > 0.35
    fresh = positive_deviance(y.sample(frac=1, random_state=1).set_axis(y.index),
                              se, cov)
    assert abs(rank_stability(a, fresh)[0]) < 0.2  # a shuffled city is not stable


def test_too_few_places_and_bad_shares():
    rng = np.random.default_rng(6)
    y, se, cov, _ = _places(rng, n=8)
    with pytest.raises(ValueError, match="te weinig plaatsen"):
        positive_deviance(y, se, cov)
    st = pd.DataFrame({"place_id": ["a"], "n_households": [3], "n_dwellings": [5],
                       "needs_1": [-2], "needs_2p": [9], "tenure_lt1": [1],
                       "inflow_need": [0]})
    c = composition(st).iloc[0]
    assert 0 <= c["share_need"] <= 1 and c["share_two_needs"] == 1.0
