"""Empirical-Bayes shrinkage of small places toward the place that encloses them.

Three conjugate families, each with a method-of-moments prior:

* **beta-binomial** for shares (``y`` of ``n`` households have a support
  need): prior ``Beta(kappa * m, kappa * (1 - m))`` with ``m`` the parent's
  (already shrunk) share and ``kappa`` estimated once per level from how far
  sibling places scatter around their parents;
* **gamma-Poisson** for rates (recency-weighted signals ``y`` over an
  exposure ``e`` of dwelling-years): prior ``Gamma(a, a / lambda)`` with
  ``lambda`` the parent's rate;
* **Dirichlet-multinomial** for the household-type mix: prior
  ``A * q`` pseudo-households with ``q`` the parent's composition.

Everything is vectorised over all places of a level; the functions return
posterior means and standard deviations (the intervals are built from these
by :mod:`veerkracht.analytics.model.compute`, see docs/method.md).

Examples
--------
>>> import numpy as np
>>> post = shrink_binomial(np.array([1.0, 30.0]), np.array([2.0, 100.0]),
...                        np.array([0.1, 0.1]), kappa=20.0)
>>> np.round(post.mean, 3).tolist()  # 1 of 2 moves little, 30 of 100 a lot
[0.136, 0.267]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EPS = 1e-4


@dataclass(frozen=True)
class Posterior:
    """Posterior mean and standard deviation per place, and the prior strength."""

    mean: np.ndarray
    sd: np.ndarray
    strength: float


def estimate_kappa(y: np.ndarray, n: np.ndarray, prior_mean: np.ndarray,
                   kappa_min: float = 2.0, kappa_max: float = 500.0) -> float:
    """Beta prior concentration from sibling scatter, pooled over all parents.

    Under a beta-binomial model a place's share ``p = y / n`` has variance
    ``m (1 - m) (1 / n + (1 - 1 / n) rho)`` around its parent's share ``m``,
    with intra-place correlation ``rho = 1 / (kappa + 1)``. Solving the pooled
    moment equation for ``rho`` gives ``kappa``, clipped to the bounds; when
    the places scatter no more than binomial noise, ``kappa_max``.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> p = rng.beta(5, 45, 4000)              # true kappa = 50, mean 0.1
    >>> n = np.full(4000, 40.0)
    >>> y = rng.binomial(40, p).astype(float)
    >>> 35 < estimate_kappa(y, n, np.full(4000, 0.1)) < 70
    True
    """
    m = np.clip(prior_mean, EPS, 1 - EPS)
    ok = n >= 1
    if ok.sum() < 2:
        return float(kappa_max)
    p = y[ok] / n[ok]
    v = m[ok] * (1 - m[ok])
    num = np.sum((p - m[ok]) ** 2 / v - 1.0 / n[ok])
    den = np.sum(1.0 - 1.0 / n[ok])
    if den <= 0 or not np.isfinite(num) or num <= 0:
        return float(kappa_max)
    rho = num / den
    return float(np.clip(1.0 / rho - 1.0, kappa_min, kappa_max))


def shrink_binomial(y: np.ndarray, n: np.ndarray, prior_mean: np.ndarray,
                    kappa: float) -> Posterior:
    """Beta posterior of a share: ``(kappa m + y) / (kappa + n)``."""
    m = np.clip(prior_mean, EPS, 1 - EPS)
    a = kappa * m + y
    b = kappa * (1 - m) + (n - y)
    s = a + b
    mean = a / s
    sd = np.sqrt(a * b / (s * s * (s + 1)))
    return Posterior(mean, sd, float(kappa))


def estimate_gamma_shape(y: np.ndarray, e: np.ndarray, prior_rate: np.ndarray,
                         shape_min: float = 2.0, shape_max: float = 500.0) -> float:
    """Gamma prior shape from sibling scatter of rates (method of moments).

    ``Var(y / e) = lambda / e + lambda**2 / a``; pooled over places with
    exposure, ``1 / a = mean((r - lambda)**2 / lambda**2 - 1 / (lambda e))``.
    """
    lam = np.maximum(prior_rate, 1e-9)
    ok = e > 0
    if ok.sum() < 2:
        return float(shape_max)
    r = y[ok] / e[ok]
    inv = np.mean((r - lam[ok]) ** 2 / lam[ok] ** 2 - 1.0 / (lam[ok] * e[ok]))
    if not np.isfinite(inv) or inv <= 0:
        return float(shape_max)
    return float(np.clip(1.0 / inv, shape_min, shape_max))


def shrink_poisson(y: np.ndarray, e: np.ndarray, prior_rate: np.ndarray,
                   shape: float) -> Posterior:
    """Gamma posterior of a rate: ``(a + y) / (a / lambda + e)``."""
    lam = np.maximum(prior_rate, 1e-9)
    a = shape + y
    b = shape / lam + e
    return Posterior(a / b, np.sqrt(a) / b, float(shape))


def shrink_mix(counts: np.ndarray, prior_comp: np.ndarray, strength: float
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dirichlet posterior of a composition and its normalised entropy.

    Parameters
    ----------
    counts : (places, K) array of household counts per type
    prior_comp : (places, K) array, the parent's composition (rows sum to 1)
    strength : float
        Prior pseudo-households ``A``.

    Returns
    -------
    comp, entropy, entropy_sd
        Posterior mean composition, normalised entropy (0..1) and its
        approximate standard deviation (Basharin's variance with ``n``
        replaced by the posterior concentration + 1).

    Examples
    --------
    >>> c, h, sd = shrink_mix(np.array([[5.0, 5.0]]), np.array([[0.5, 0.5]]), 10)
    >>> float(np.round(h[0], 6))
    1.0
    """
    k = counts.shape[1]
    alpha = counts + strength * prior_comp
    total = alpha.sum(axis=1, keepdims=True)
    comp = alpha / np.where(total > 0, total, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        logp = np.where(comp > 0, np.log(comp), 0.0)
    h = -(comp * logp).sum(axis=1)
    var = ((comp * logp**2).sum(axis=1) - h**2) / (total[:, 0] + 1)
    norm = np.log(k)
    return comp, h / norm, np.sqrt(np.maximum(var, 0)) / norm
