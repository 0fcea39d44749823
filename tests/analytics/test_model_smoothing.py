"""Empirical-Bayes shrinkage: it estimates the prior and its intervals cover."""

from __future__ import annotations

import numpy as np

from veerkracht.analytics.model.smoothing import (
    estimate_gamma_shape,
    estimate_kappa,
    shrink_binomial,
    shrink_mix,
    shrink_poisson,
)

SEED = 12345
Z90 = 1.6448536269514722


def simulate_shares(kappa=40.0, m=0.15, places=6000, seed=SEED):
    rng = np.random.default_rng(seed)
    n = rng.integers(1, 60, places).astype(float)   # stairwells to blocks
    p = rng.beta(kappa * m, kappa * (1 - m), places)
    y = rng.binomial(n.astype(int), p).astype(float)
    return n, p, y


def test_kappa_is_recovered():
    n, _, y = simulate_shares(kappa=40.0)
    k = estimate_kappa(y, n, np.full(len(n), 0.15), 2, 1000)
    assert 30 < k < 55


def test_no_scatter_beyond_chance_gives_the_cap():
    rng = np.random.default_rng(SEED)
    n = np.full(3000, 20.0)
    y = rng.binomial(20, 0.2, 3000).astype(float)
    assert estimate_kappa(y, n, np.full(3000, 0.2), 2, 200) == 200


def test_posterior_intervals_cover_the_truth():
    n, p, y = simulate_shares()
    m = np.full(len(n), 0.15)
    post = shrink_binomial(y, n, m, estimate_kappa(y, n, m, 2, 1000))
    covered = np.abs(post.mean - p) <= Z90 * post.sd
    assert 0.87 < covered.mean() < 0.93
    # shrinkage beats the raw share in mean squared error, most for small places
    raw = y / n
    small = n <= 5
    assert np.mean((post.mean - p)[small] ** 2) < 0.5 * np.mean((raw - p)[small] ** 2)
    assert np.mean((post.mean - p) ** 2) < np.mean((raw - p) ** 2)
    # and the interval widens as places get smaller
    assert post.sd[n <= 5].mean() > post.sd[n >= 40].mean()


def test_gamma_poisson_rates():
    rng = np.random.default_rng(SEED)
    e = rng.uniform(1, 50, 5000)
    lam = rng.gamma(8.0, 0.5 / 8.0, 5000)     # mean 0.5, shape 8
    y = rng.poisson(lam * e).astype(float)
    a = estimate_gamma_shape(y, e, np.full(5000, 0.5), 1, 1000)
    assert 5 < a < 12
    post = shrink_poisson(y, e, np.full(5000, 0.5), a)
    assert 0.86 < (np.abs(post.mean - lam) <= Z90 * post.sd).mean() < 0.94


def test_mix_entropy_pulls_toward_the_parent():
    counts = np.array([[3.0, 0, 0, 0, 0], [60.0, 0, 0, 0, 0]])
    prior = np.full((2, 5), 0.2)
    _, h, sd = shrink_mix(counts, prior, 10.0)
    assert h[0] > h[1] > 0          # 3 singles say less than 60 singles
    assert (sd > 0).all()


def test_model_one_posteriors_expose_their_parameters():
    """The 1.0 functions keep their signatures; Posterior gained a and b."""
    post = shrink_binomial(np.array([1.0]), np.array([4.0]), np.array([0.2]), 10.0)
    assert post.a.tolist() == [3.0] and post.b.tolist() == [11.0]
    assert post.strength == 10.0
    rate = shrink_poisson(np.array([3.0]), np.array([2.0]), np.array([0.5]), 4.0)
    assert rate.a.tolist() == [7.0] and rate.b.tolist() == [10.0]


def test_ml_prior_strength_is_not_capped_where_the_moment_estimator_is():
    """Small low-need places push the moment estimator to its cap, not ML.

    Half the places are single households with a tenth of the parent's
    need, half stairwells of 12 that scatter around it (kappa 8).
    """
    rng = np.random.default_rng(SEED)
    from veerkracht.analytics.model.smoothing import fit_beta_binomial

    m = 0.1
    n = np.r_[np.ones(4000), np.full(4000, 12.0)]
    p = np.r_[np.full(4000, m / 10), rng.beta(8 * m, 8 * (1 - m), 4000)]
    y = rng.binomial(n.astype(int), p).astype(float)
    prior = np.full(len(y), m)
    assert estimate_kappa(y, n, prior, 2, 200) == 200
    fit = fit_beta_binomial(y, n, prior, covariates=np.log(n)[:, None])
    assert fit.fallbacks == ()
    assert 3 < fit.kappa < 20
