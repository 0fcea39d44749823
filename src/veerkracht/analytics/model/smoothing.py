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

Model 2.0 (docs/method.md, chapter 3, ADR 0005) replaces the moment
estimators by maximum likelihood with covariates in the prior mean, handles
differential-privacy noise on the counts and propagates the uncertainty of
the prior by a parametric bootstrap:

* :func:`fit_beta_binomial`, :func:`shrink_beta`,
  :func:`bootstrap_beta_binomial`, :func:`posterior_with_prior_uncertainty`;
* :func:`fit_gamma_poisson`, :func:`shrink_gamma`;
* :func:`fit_dirichlet_multinomial` for one-hot compositions.

The model-1.0 functions (:func:`estimate_kappa`, :func:`shrink_binomial`,
:func:`estimate_gamma_shape`, :func:`shrink_poisson`, :func:`shrink_mix`) are
kept unchanged for the model-1.0 pipeline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numba
import numpy as np
from scipy.optimize import minimize
from scipy.special import betaincinv, digamma, expit, gammaln, logit, logsumexp

EPS = 1e-4


@dataclass(frozen=True)
class Posterior:
    """Posterior mean and standard deviation per place, and the prior strength.

    ``a`` and ``b`` are the posterior parameters when the family has them
    (beta: ``Beta(a, b)``; gamma: shape ``a`` and rate ``b``).
    """

    mean: np.ndarray
    sd: np.ndarray
    strength: float
    a: np.ndarray | None = None
    b: np.ndarray | None = None


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
    return Posterior(mean, sd, float(kappa), a, b)


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
    return Posterior(a / b, np.sqrt(a) / b, float(shape), a, b)


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


# ---------------------------------------------------------------------------
# Model 2.0: maximum likelihood, covariates, DP noise, prior uncertainty
# ---------------------------------------------------------------------------

#: Places used to fit one prior at most (a seeded subsample beyond this): the
#: information about a handful of parameters saturates long before.
MAX_FIT_PLACES = 10_000
#: Fewer places with data than this: covariates are dropped ("few_places").
MIN_PLACES_COVARIATES = 10
#: Fewer places with data than this: no fit at all ("few_places").
MIN_PLACES_FIT = 3
_LOG_KAPPA_GRID = 9


@dataclass(frozen=True)
class BetaBinomialFit:
    """A fitted beta-binomial prior of one level and one share.

    Attributes
    ----------
    kappa : float
        Prior strength ("prior households"): the prior of place ``i`` is
        ``Beta(kappa m_i, kappa (1 - m_i))``.
    coef : ndarray, shape (k,)
        Covariate coefficients on the logit scale (per unit of each covariate).
    prior_mean : ndarray
        ``m_i = expit(logit(prior_mean_i) + (X_i - centre) . coef)`` per place.
    fallbacks : tuple of str
        Every bound or fallback that was hit (empty in normal data):
        ``kappa_upper_bound``, ``kappa_lower_bound``, ``few_places``,
        ``no_variation``, ``constant_covariate``, ``subsampled``,
        ``not_converged``.
    loglik : float
        Log-likelihood at the estimate (over the fitted places).
    n_places : int
        Places the fit used (``n >= 1``; at most :data:`MAX_FIT_PLACES`).
    base_mean : ndarray
        The prior mean given (the parent's estimate), clipped.
    centre : ndarray, shape (k,)
        Covariate means over the fitted places (NaN covariates take it).
    covariates : ndarray or None
        The covariates, NaN filled, *not* centred (for the bootstrap).
    noise_var : ndarray or None
        Noise variance on ``y`` per place the fit assumed.
    cov : ndarray or None
        Inverse observed information of ``(log kappa, coef)``, if regular
        (of the fitted places; see ``n_available``).
    n_available : int
        Places with households (more than ``n_places`` when subsampled).
    """

    kappa: float
    coef: np.ndarray
    prior_mean: np.ndarray
    fallbacks: tuple[str, ...]
    loglik: float
    n_places: int
    base_mean: np.ndarray = field(repr=False, default=None)
    centre: np.ndarray = field(repr=False, default=None)
    covariates: np.ndarray | None = field(repr=False, default=None)
    noise_var: np.ndarray | None = field(repr=False, default=None)
    cov: np.ndarray | None = field(repr=False, default=None)
    n_available: int = 0

    def prior_mean_for(self, kappa_coef: np.ndarray) -> np.ndarray:
        """Prior means under other coefficients ``(kappa, *coef)`` (bootstrap)."""
        coef = np.asarray(kappa_coef, dtype="float64")[1:]
        if self.covariates is None or len(coef) == 0:
            return self.base_mean
        eta = logit(self.base_mean) + (self.covariates - self.centre) @ coef
        return np.clip(expit(eta), EPS, 1 - EPS)


@dataclass(frozen=True)
class GammaPoissonFit:
    """A fitted gamma-Poisson (negative-binomial) prior of one level and rate.

    The prior of place ``i`` is ``Gamma(shape, shape / lambda_i)`` with
    ``lambda_i = prior_rate_i``: mean ``lambda_i``, variance
    ``lambda_i**2 / shape``. Fields as :class:`BetaBinomialFit`
    (``kappa`` and ``prior_mean`` are aliases of ``shape`` and
    ``prior_rate``).
    """

    shape: float
    coef: np.ndarray
    prior_rate: np.ndarray
    fallbacks: tuple[str, ...]
    loglik: float
    n_places: int
    base_rate: np.ndarray = field(repr=False, default=None)
    centre: np.ndarray = field(repr=False, default=None)
    covariates: np.ndarray | None = field(repr=False, default=None)
    noise_var: np.ndarray | None = field(repr=False, default=None)

    @property
    def kappa(self) -> float:
        return self.shape

    @property
    def prior_mean(self) -> np.ndarray:
        return self.prior_rate


@dataclass(frozen=True)
class MixturePosterior:
    """Posterior of each place's share integrated over the prior's uncertainty.

    ``mean`` and ``sd`` are those of the mixture of the beta posteriors over
    the bootstrap draws of ``(kappa, coef)`` (and, if given, of the parent's
    estimate); ``a``, ``b`` the beta with the same mean and variance (what
    :func:`veerkracht.analytics.model.joint.draw_shares` takes); ``lo``,
    ``hi`` its central interval (NaN when not asked for).
    """

    mean: np.ndarray
    sd: np.ndarray
    a: np.ndarray
    b: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    interval: float | None


# -- helpers -----------------------------------------------------------------

def _f64(x) -> np.ndarray:
    return np.asarray(x, dtype="float64")


def _noise(noise_var, size: int) -> np.ndarray | None:
    if noise_var is None:
        return None
    v = np.broadcast_to(_f64(noise_var), (size,)).copy()
    v[~np.isfinite(v)] = 0.0
    v = np.maximum(v, 0.0)
    return v if np.any(v > 0) else None


def effective_counts(y, n, noise_var, p) -> tuple[np.ndarray, np.ndarray]:
    """Counts with additive noise as binomial counts of an effective size.

    A noisy count ``y = Y + e`` with ``Y ~ Binomial(n, p)`` and
    ``Var(e) = v`` has a share ``y / n`` with variance
    ``p (1 - p) / n + v / n**2``. The binomial count of size

    ``n_eff = n / (1 + v / (n p (1 - p)))``

    and ``y_eff = clip(y / n, 0, 1) n_eff`` has the same share and variance,
    so the beta-binomial machinery applies unchanged (non-integer counts are
    fine for :func:`scipy.special.betaln`). ``p`` is the place's share
    without the noise taken into account (its posterior mean from the
    clipped counts): the approximation is exact in the first two moments at
    that ``p`` and ignores the skewness of the binomial. Without noise
    (``v = 0``) the counts are returned clipped to ``0..n``.

    Examples
    --------
    >>> ne, ye = effective_counts(np.array([6.0]), np.array([12.0]), 9.0,
    ...                           np.array([0.5]))
    >>> round(float(ne[0]), 3), round(float(ye[0]), 3)   # 12 / (1 + 9 / 3)
    (3.0, 1.5)
    """
    y, n = _f64(y), _f64(n)
    nc = np.maximum(n, 0.0)
    share = np.clip(np.divide(y, nc, out=np.zeros_like(y), where=nc > 0), 0, 1)
    v = _noise(noise_var, len(y))
    if v is None:
        return nc, share * nc
    pq = np.clip(_f64(p), EPS, 1 - EPS)
    pq = pq * (1 - pq)
    n_eff = nc / (1.0 + v / np.maximum(nc * pq, 1e-12))
    return n_eff, share * n_eff


def effective_exposure(y, e, noise_var, rate) -> tuple[np.ndarray, np.ndarray]:
    """The Poisson analogue of :func:`effective_counts`.

    ``Var(y / e) = lambda / e + v / e**2`` equals ``lambda / e_eff`` with
    ``e_eff = e / (1 + v / (lambda e))``; ``y_eff = max(y, 0) / e * e_eff``.
    """
    y, e = _f64(y), _f64(e)
    ec = np.maximum(e, 0.0)
    rate_obs = np.maximum(np.divide(y, ec, out=np.zeros_like(y), where=ec > 0), 0)
    v = _noise(noise_var, len(y))
    if v is None:
        return ec, rate_obs * ec
    lam = np.maximum(_f64(rate), 1e-12)
    e_eff = ec / (1.0 + v / np.maximum(lam * ec, 1e-12))
    return e_eff, rate_obs * e_eff


def _prepare_covariates(covariates, fit_rows: np.ndarray, size: int):
    """Fill NaN with the fitted places' mean; drop constant columns."""
    if covariates is None:
        return None, np.zeros(0), np.zeros(0, dtype=bool), ()
    X = np.array(covariates, dtype="float64", copy=True)
    if X.ndim == 1:
        X = X[:, None]
    if X.shape[0] != size:
        raise ValueError("covariates moeten een rij per plaats hebben")
    if X.shape[1] == 0:
        return None, np.zeros(0), np.zeros(0, dtype=bool), ()
    sub = X[fit_rows]
    with np.errstate(invalid="ignore"):
        centre = np.nanmean(sub, axis=0) if len(sub) else np.zeros(X.shape[1])
    centre = np.where(np.isfinite(centre), centre, 0.0)
    bad = ~np.isfinite(X)
    X[bad] = np.broadcast_to(centre, X.shape)[bad]
    sd = X[fit_rows].std(axis=0) if len(fit_rows) else np.zeros(X.shape[1])
    varies = sd > 1e-12
    flags = () if varies.all() else ("constant_covariate",)
    return X, centre, varies, flags


class _BetaBinomialLik:
    """Batched beta-binomial log-likelihood in ``theta = (log kappa, beta)``.

    ``y``, ``n`` have shape (B, M) (B independent data sets, e.g. bootstrap
    replicates), ``eta0`` (M,) the logit prior mean, ``Z`` (M, k) the
    standardised covariates; ``theta`` has shape (B, 1 + k).
    """

    def __init__(self, y, n, eta0, Z):
        self.y, self.n = np.atleast_2d(y), np.atleast_2d(n)
        self.eta0, self.Z = eta0, Z
        self.const = (gammaln(self.n + 1) - gammaln(self.y + 1)
                      - gammaln(self.n - self.y + 1))

    def _ab(self, theta):
        kappa = np.exp(theta[:, :1])
        eta = self.eta0[None, :] + (theta[:, 1:] @ self.Z.T if self.Z.shape[1]
                                    else 0.0)
        m = np.clip(expit(eta), EPS, 1 - EPS)
        return kappa, m, kappa * m, kappa * (1 - m)

    def loglik(self, theta) -> np.ndarray:
        # betaln via gammaln: ~3x faster than scipy's betaln, and the
        # cancellation (1e-10 absolute at kappa 1e5) is harmless here
        _, _, A, B = self._ab(theta)
        y, n = self.y, self.n
        ll = (gammaln(y + A) + gammaln(n - y + B) - gammaln(n + A + B)
              - gammaln(A) - gammaln(B) + gammaln(A + B) + self.const)
        return ll.sum(axis=1)

    def grad(self, theta, with_ll: bool = True):
        """``(loglik, gradient)``; the log-likelihood is NaN unless asked for."""
        kappa, m, A, B = self._ab(theta)
        y, n = self.y, self.n
        d_ab = digamma(A + B) - digamma(n + A + B)
        gA = digamma(y + A) - digamma(A) + d_ab
        gB = digamma(n - y + B) - digamma(B) + d_ab
        g0 = (A * gA + B * gB).sum(axis=1, keepdims=True)
        c = kappa * m * (1 - m) * (gA - gB)
        gb = c @ self.Z if self.Z.shape[1] else np.zeros((len(theta), 0))
        ll = self.loglik(theta) if with_ll else np.full(len(theta), np.nan)
        return ll, np.hstack([g0, gb])


#: Half-width of the window of true counts, in noise sds (5 sd: the
#: Gaussian weight left out is below 1e-6).
NOISE_WINDOW_SD = 5.0
#: Places whose noisy fit or bootstrap is simulated at most (the convolution
#: costs a window of ~10 sd per place).
MAX_NOISY_PLACES = 3000


def _excl_cumsum(r: np.ndarray) -> np.ndarray:
    c = np.cumsum(r, axis=-1)
    out = np.empty_like(c)
    out[..., 0] = 0.0
    out[..., 1:] = c[..., :-1]
    return out


class _Windows:
    """Candidate true counts ``k`` behind noisy counts, and their weights.

    ``y`` (..., M) noisy counts, ``n`` (M,) households (rounded), ``sd`` (M,)
    noise sds. The window of place ``i`` is ``k = lo_i .. hi_i`` within
    :data:`NOISE_WINDOW_SD` sds of ``y_i`` and inside ``0..n_i``; a place
    without noise has the single "count" ``clip(y, 0, n)`` (which may be
    non-integer). The beta-binomial terms over a window are built by the
    recurrence ``BB(k + 1) / BB(k) = (n - k) (k + A) / ((k + 1) (n - k - 1 +
    B))`` (logs and cumulative sums instead of a ``gammaln`` per term; the
    digammas likewise), which makes the exact noisy likelihood cheap.
    """

    def __init__(self, y, n, sd, width: float = NOISE_WINDOW_SD):
        y = np.asarray(y, dtype="float64")
        nn = np.broadcast_to(np.maximum(np.round(_f64(n)), 0), y.shape)
        sdb = np.broadcast_to(_f64(sd), y.shape)
        noisy = sdb > 0
        lo = np.where(noisy, np.clip(np.floor(y - width * sdb), 0, nn),
                      np.clip(y, 0, nn))
        hi = np.where(noisy, np.clip(np.ceil(y + width * sdb), 0, nn), lo)
        size = hi - lo
        K = int(np.max(size)) + 1 if y.size else 1
        j = np.arange(K, dtype="float64")
        self.k = lo[..., None] + j
        self.valid = j <= size[..., None] + 1e-9
        self.step = j + 1 <= size[..., None] + 1e-9   # k -> k + 1 inside
        n3 = nn[..., None]
        with np.errstate(divide="ignore", invalid="ignore"):
            lphi = -((y[..., None] - self.k) ** 2) / (
                2 * np.where(noisy, sdb, 1.0)[..., None] ** 2)
            lphi = np.where(noisy[..., None], lphi, 0.0)
            r = np.where(self.step, np.log(np.maximum(n3 - self.k, 1e-300))
                         - np.log(self.k + 1), 0.0)
        self.lphi = np.where(self.valid, lphi, -np.inf)
        self.lc = (gammaln(nn + 1) - gammaln(lo + 1) - gammaln(nn - lo + 1)
                   )[..., None] + _excl_cumsum(r)
        self.lo, self.n, self.n3 = lo, nn, n3

    def log_terms(self, A, B) -> np.ndarray:
        """``log BB(k) + log phi(y - k)`` over the windows (..., M, K)."""
        A3, B3 = A[..., None], B[..., None]
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(self.step, np.log(self.k + A3)
                         - np.log(np.maximum(self.n3 - self.k - 1 + B3, 1e-300)),
                         0.0)
        head = (gammaln(self.lo + A) + gammaln(self.n - self.lo + B)
                - gammaln(self.n + A + B) - gammaln(A) - gammaln(B)
                + gammaln(A + B))
        return self.lc + self.lphi + head[..., None] + _excl_cumsum(r)

    def digammas(self, A, B):
        """``digamma(k + A)`` and ``digamma(n - k + B)`` over the windows."""
        A3, B3 = A[..., None], B[..., None]
        with np.errstate(divide="ignore", invalid="ignore"):
            ra = np.where(self.step, 1.0 / (self.k + A3), 0.0)
            rb = np.where(self.step, 1.0 / np.maximum(self.n3 - self.k - 1 + B3,
                                                      1e-300), 0.0)
        dA = digamma(self.lo + A)[..., None] + _excl_cumsum(ra)
        dB = digamma(self.n - self.lo + B)[..., None] - _excl_cumsum(rb)
        return dA, dB

    def posterior(self, A, B):
        """Mean and variance of the exact posterior mixture per place."""
        lt = self.log_terms(A, B)
        w = np.exp(lt - logsumexp(lt, axis=-1, keepdims=True))
        w = np.where(self.valid, w, 0.0)
        s_ = (A + B + self.n)[..., None]
        mu_k = (A[..., None] + self.k) / s_
        var_k = mu_k * (1 - mu_k) / (s_ + 1)
        mean = (w * mu_k).sum(axis=-1)
        var = np.maximum((w * (var_k + mu_k**2)).sum(axis=-1) - mean**2, 1e-14)
        return mean, var


@numba.njit(cache=True, nogil=True)
def _window_sums(fixed, lo, size, n, A, B, head, dA0, dB0):  # pragma: no cover
    """Per place: the log of the window's sum of terms, and the term-weighted
    means of ``digamma(k + A)`` and ``digamma(n - k + B)``, in one pass.

    What :meth:`_Windows.log_terms`, ``logsumexp`` and
    :meth:`_Windows.digammas` compute as whole (B, M, K) arrays, fused: the
    recurrences run along each window and the sum is taken online
    (rescaled whenever a larger term comes), so a place costs two
    logarithms, one exponential and two divisions per candidate count.
    ``fixed`` (Bw, M, K) is ``lc + lphi``; ``lo``, ``size``, ``n`` (Bw, M);
    ``A``, ``B`` (Bt, M); ``head``, ``dA0``, ``dB0`` (max(Bw, Bt), M): the
    window heads. Releases the GIL (the fits of two indicators run side by
    side in threads).
    """
    nb = max(fixed.shape[0], A.shape[0])
    M = A.shape[1]
    L = np.empty((nb, M))
    wA = np.empty((nb, M))
    wB = np.empty((nb, M))
    for b in range(nb):
        bw = b if fixed.shape[0] > 1 else 0
        bt = b if A.shape[0] > 1 else 0
        for i in range(M):
            a = A[bt, i]
            bb = B[bt, i]
            nn = n[bw, i]
            k = lo[bw, i]
            steps = int(size[bw, i] + 0.5)
            h = head[b, i]
            cum = 0.0
            ca = dA0[b, i]
            cb = dB0[b, i]
            top = -np.inf
            tot = 0.0
            sa = 0.0
            sb = 0.0
            for j in range(steps + 1):
                lt = fixed[bw, i, j] + h + cum
                if lt > top:
                    r = math.exp(top - lt) if tot > 0.0 else 0.0
                    tot = tot * r + 1.0
                    sa = sa * r + ca
                    sb = sb * r + cb
                    top = lt
                else:
                    e = math.exp(lt - top)
                    tot += e
                    sa += e * ca
                    sb += e * cb
                if j < steps:
                    kj = k + j
                    ra = kj + a
                    rb = max(nn - kj - 1.0 + bb, 1e-300)
                    cum += math.log(ra) - math.log(rb)
                    ca += 1.0 / ra
                    cb -= 1.0 / rb
            L[b, i] = top + math.log(tot)
            wA[b, i] = sa / tot
            wB[b, i] = sb / tot
    return L, wA, wB


class _NoisyBetaBinomialLik(_BetaBinomialLik):
    """Beta-binomial likelihood of counts observed with Gaussian noise.

    ``P(y | kappa, m) = sum_k BB(k; n, kappa m, kappa (1 - m)) phi((y - k) /
    sd)`` over the true counts ``k`` of :class:`_Windows` (the discrete
    Gaussian of the privacy mechanism has exactly this form on the integers;
    its normalising constant does not depend on the parameters). The sums
    over the windows run in :func:`_window_sums` (the same terms as
    :meth:`_Windows.log_terms`, fused; tested against them).
    """

    def __init__(self, y, n, sd, eta0, Z):
        self.win = _Windows(np.atleast_2d(y), n, sd)
        w = self.win
        self._fixed = np.ascontiguousarray(w.lc + w.lphi)
        self._lo = np.ascontiguousarray(np.broadcast_to(w.lo, w.k.shape[:-1]))
        size = np.broadcast_to(w.valid.sum(axis=-1) - 1, w.k.shape[:-1])
        self._size = np.ascontiguousarray(size, dtype="float64")
        self._n = np.ascontiguousarray(np.broadcast_to(w.n, w.k.shape[:-1]))
        self.eta0, self.Z = eta0, Z

    def _sums(self, A, B):
        lo, n = self._lo, self._n
        head = (gammaln(lo + A) + gammaln(n - lo + B) - gammaln(n + A + B)
                - gammaln(A) - gammaln(B) + gammaln(A + B))
        shape = head.shape
        dA0 = np.broadcast_to(digamma(lo + A), shape)
        dB0 = np.broadcast_to(digamma(n - lo + B), shape)
        return _window_sums(self._fixed, lo, self._size, n,
                            np.ascontiguousarray(A), np.ascontiguousarray(B),
                            np.ascontiguousarray(head), np.ascontiguousarray(dA0),
                            np.ascontiguousarray(dB0))

    def loglik(self, theta) -> np.ndarray:
        _, _, A, B = self._ab(theta)
        return self._sums(A, B)[0].sum(axis=1)

    def grad(self, theta, with_ll: bool = True):
        kappa, m, A, B = self._ab(theta)
        L, wA, wB = self._sums(A, B)
        common = digamma(A + B) - digamma(self._n + A + B)
        gA = wA - digamma(A) + common
        gB = wB - digamma(B) + common
        g0 = (A * gA + B * gB).sum(axis=1, keepdims=True)
        c = kappa * m * (1 - m) * (gA - gB)
        gb = c @ self.Z if self.Z.shape[1] else np.zeros((len(theta), 0))
        ll = L.sum(axis=1) if with_ll else np.full(len(theta), np.nan)
        return ll, np.hstack([g0, gb])


class _NegBinLik:
    """Batched negative-binomial log-likelihood in ``theta = (log shape, beta)``."""

    def __init__(self, y, e, eta0, Z):
        self.y, self.e = np.atleast_2d(y), np.atleast_2d(e)
        self.eta0, self.Z = eta0, Z
        self.const = -gammaln(self.y + 1)

    def grad(self, theta, with_ll: bool = True) -> tuple[np.ndarray, np.ndarray]:
        a = np.exp(theta[:, :1])
        eta = self.eta0[None, :] + (theta[:, 1:] @ self.Z.T if self.Z.shape[1]
                                    else 0.0)
        mu = np.exp(eta) * self.e
        y = self.y
        ll = (gammaln(y + a) - gammaln(a) + a * np.log(a / (a + mu))
              + y * np.log(np.maximum(mu, 1e-300) / (a + mu)) + self.const)
        da = (digamma(y + a) - digamma(a) + np.log(a / (a + mu)) + 1
              - (a + y) / (a + mu))
        g0 = (da * a).sum(axis=1, keepdims=True)
        dmu = a * (y - mu) / (a + mu)   # d ll / d log mu
        gb = dmu @ self.Z if self.Z.shape[1] else np.zeros((len(theta), 0))
        return ll.sum(axis=1), np.hstack([g0, gb])

    def loglik(self, theta) -> np.ndarray:
        return self.grad(theta)[0]


class _PoissonWindows:
    """Candidate true counts behind noisy Poisson counts (cf. :class:`_Windows`).

    ``k = lo .. hi`` within :data:`NOISE_WINDOW_SD` sds of ``y`` (at least
    0, no upper limit but the window). Terms by the recurrence
    ``NB(k + 1) / NB(k) = (k + a) / (k + 1) * mu e / (a + mu e)``.
    """

    def __init__(self, y, sd, width: float = NOISE_WINDOW_SD):
        y = np.asarray(y, dtype="float64")
        sdb = np.broadcast_to(_f64(sd), y.shape)
        lo = np.maximum(np.floor(y - width * sdb), 0)
        hi = np.maximum(np.ceil(y + width * sdb), lo)
        size = hi - lo
        K = int(np.max(size)) + 1 if y.size else 1
        j = np.arange(K, dtype="float64")
        self.k = lo[..., None] + j
        self.j = j
        self.valid = j <= size[..., None] + 1e-9
        self.step = j + 1 <= size[..., None] + 1e-9
        lphi = -((y[..., None] - self.k) ** 2) / (2 * sdb[..., None] ** 2)
        self.lphi = np.where(self.valid, lphi, -np.inf)
        r = np.where(self.step, np.log(self.k + 1), 0.0)
        self.lc = -gammaln(lo + 1)[..., None] - _excl_cumsum(r)
        self.lo = lo

    def log_terms(self, a, mue):
        a3 = a[..., None]
        q = np.log(mue / (a + mue))
        r = np.where(self.step, np.log(self.k + a3), 0.0)
        head = (gammaln(self.lo + a) - gammaln(a) + a * np.log(a / (a + mue))
                + self.lo * q)
        return self.lc + self.lphi + head[..., None] + _excl_cumsum(r) \
            + self.j * q[..., None]

    def weights(self, a, mue):
        lt = self.log_terms(a, mue)
        L = logsumexp(lt, axis=-1)
        return np.where(self.valid, np.exp(lt - L[..., None]), 0.0), L

    def digamma_k(self, a):
        r = np.where(self.step, 1.0 / (self.k + a[..., None]), 0.0)
        return digamma(self.lo + a)[..., None] + _excl_cumsum(r)


class _NoisyNegBinLik(_NegBinLik):
    """Negative-binomial likelihood of integer counts observed with noise."""

    def __init__(self, y, e, sd, eta0, Z):
        self.win = _PoissonWindows(np.atleast_2d(y), sd)
        self.e = np.atleast_2d(e)
        self.eta0, self.Z = eta0, Z

    def grad(self, theta, with_ll: bool = True):
        a = np.exp(theta[:, :1])
        eta = self.eta0[None, :] + (theta[:, 1:] @ self.Z.T if self.Z.shape[1]
                                    else 0.0)
        mue = np.exp(eta) * self.e
        a2 = np.broadcast_to(a, mue.shape)
        w, L = self.win.weights(a2, mue)
        k = self.win.k
        d_a = (self.win.digamma_k(a2) - digamma(a2)[..., None]
               + np.log(a2 / (a2 + mue))[..., None] + 1
               - (a2[..., None] + k) / (a2 + mue)[..., None])
        g0 = ((w * d_a).sum(axis=2) * a2).sum(axis=1, keepdims=True)
        dmu = (w * (a2[..., None] * (k - mue[..., None])
                    / (a2 + mue)[..., None])).sum(axis=2)
        gb = dmu @ self.Z if self.Z.shape[1] else np.zeros((len(theta), 0))
        return L.sum(axis=1), np.hstack([g0, gb])


def _ml(lik, log_bounds: tuple[float, float], n_coef: int):
    """Maximise one likelihood: a grid over log kappa, then L-BFGS-B."""
    lo, hi = log_bounds
    grid = np.linspace(lo, hi, _LOG_KAPPA_GRID)
    thetas = np.zeros((len(grid), 1 + n_coef))
    thetas[:, 0] = grid
    lls = np.array([lik.loglik(t[None, :])[0] for t in thetas])
    start = thetas[int(np.nanargmax(np.where(np.isfinite(lls), lls, -np.inf)))]

    def nll(theta):
        ll, g = lik.grad(theta[None, :])
        if not np.isfinite(ll[0]):
            return 1e300, np.zeros_like(theta)
        return -float(ll[0]), -g[0]

    res = minimize(nll, start, jac=True, method="L-BFGS-B",
                   bounds=[(lo, hi)] + [(-20.0, 20.0)] * n_coef,
                   options={"maxiter": 500})
    return res.x, -float(res.fun), bool(res.success)


def _hessian(lik, theta: np.ndarray, g: np.ndarray | None = None,
             h: float = 1e-5) -> np.ndarray:
    """Finite differences of the analytic gradient, batched: (B, d, d).

    Forward differences when the gradient at ``theta`` is given (``d``
    gradient calls), central otherwise (``2 d``).
    """
    B, d = theta.shape
    H = np.empty((B, d, d))
    for j in range(d):
        step = np.zeros(d)
        step[j] = h
        gp = lik.grad(theta + step, with_ll=False)[1]
        gm = g if g is not None else lik.grad(theta - step, with_ll=False)[1]
        H[:, :, j] = (gp - gm) / (h if g is not None else 2 * h)
    return 0.5 * (H + np.transpose(H, (0, 2, 1)))


def _newton(lik, theta: np.ndarray, log_bounds, iterations: int = 25,
            tol: float = 1e-4) -> tuple[np.ndarray, np.ndarray]:
    """Batched damped Newton ascent from ``theta`` (B, d); returns theta, done.

    Stops per replicate when the Newton step is below ``tol`` (or pushes
    ``log kappa`` against a bound); every accepted step raises the
    log-likelihood (step halving).
    """
    lo, hi = log_bounds
    theta = theta.copy()
    theta[:, 0] = np.clip(theta[:, 0], lo, hi)
    ll, g = lik.grad(theta)
    done = np.zeros(len(theta), dtype=bool)
    for _ in range(iterations):
        H = _hessian(lik, theta, g)
        step = np.zeros_like(theta)
        for b in np.flatnonzero(~done):
            w = np.linalg.eigvalsh(H[b])
            if w.max() < 0:
                step[b] = np.linalg.solve(-H[b], g[b])
            else:  # not concave here: a scaled gradient step
                step[b] = g[b] / (np.abs(np.diag(H[b])) + 1.0)
        step = np.clip(step, -2.0, 2.0)
        push = ((theta[:, 0] <= lo + 1e-9) & (step[:, 0] < 0)) | (
            (theta[:, 0] >= hi - 1e-9) & (step[:, 0] > 0))
        step[push, 0] = 0.0
        done |= np.abs(step).max(axis=1) < tol
        if done.all():
            break
        t = np.where(done, 0.0, 1.0)
        accepted = done.copy()
        new = theta.copy()
        for _half in range(12):
            cand = theta + t[:, None] * step
            cand[:, 0] = np.clip(cand[:, 0], lo, hi)
            ll_c = lik.loglik(cand)
            good = (ll_c >= ll - 1e-9) & ~accepted
            new[good] = cand[good]
            accepted |= good
            if accepted.all():
                break
            t = np.where(accepted, t, t / 2)
        done |= ~accepted          # no ascent found: stay
        theta = new
        ll, g = lik.grad(theta, with_ll=False)
        ll = lik.loglik(theta)
    return theta, done


def _subsample(rows: np.ndarray, max_places: int | None, seed: int):
    if max_places is None or len(rows) <= max_places:
        return rows, False
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(rows, max_places, replace=False)), True


def _bound_fallbacks(log_kappa: float, log_bounds) -> tuple[str, ...]:
    lo, hi = log_bounds
    if log_kappa >= hi - 1e-3:
        return ("kappa_upper_bound",)
    if log_kappa <= lo + 1e-3:
        return ("kappa_lower_bound",)
    return ()


def _standardise(X, centre, varies, rows):
    """Centred covariates of the varying columns, divided by their sd."""
    if X is None or not varies.any():
        return np.zeros((len(rows), 0)), np.zeros(0)
    Xc = X[rows][:, varies] - centre[varies]
    sd = Xc.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    return Xc / sd, sd


# -- beta-binomial -------------------------------------------------------------

def fit_beta_binomial(y, n, prior_mean, covariates=None, noise_var=None,
                      bounds=(0.5, 1e5), *, max_places: int | None = MAX_FIT_PLACES,
                      seed: int = 0) -> BetaBinomialFit:
    """Maximum-likelihood beta-binomial prior of the places of one level.

    Model: ``y_i ~ Binomial(n_i, p_i)``, ``p_i ~ Beta(kappa m_i,
    kappa (1 - m_i))`` with ``logit m_i = logit(prior_mean_i) +
    (X_i - centre) . coef``. The marginal likelihood of ``(kappa, coef)`` is

    ``sum_i log C(n_i, y_i) + betaln(y_i + kappa m_i, n_i - y_i +
    kappa (1 - m_i)) - betaln(kappa m_i, kappa (1 - m_i))``,

    maximised over ``log kappa`` in ``log(bounds)`` (a grid, then L-BFGS-B
    with the analytic gradient). Non-integer ``y``, ``n`` are fine without
    noise (``y`` clipped to ``0..n``). With ``noise_var`` (variance of the
    additive, discrete-Gaussian privacy noise on ``y``, per place or one
    value) the likelihood is the exact convolution
    ``sum_k BB(k; n_i, kappa m_i, kappa (1 - m_i)) phi((y_i - k) / sd_i)``
    over the true counts ``k`` within 5 sd of ``y_i`` (:class:`_Windows`);
    ``n`` is taken as exact (rounded).

    Places with ``n < 1`` are left out of the fit but get a prior mean.
    More than ``max_places`` places (:data:`MAX_NOISY_PLACES` with noise): a
    seeded subsample is fitted (``subsampled``).

    Parameters
    ----------
    y, n : array_like
        Households with the flag and households present, per place.
    prior_mean : array_like
        The parent's estimate per place (clipped to ``EPS .. 1 - EPS``).
    covariates : array_like, shape (places, k), optional
        Public covariates known for every place (NaN: the mean).
    noise_var : float or array_like, optional
        Variance of the (differential-privacy) noise on ``y``.
    bounds : (float, float)
        Bounds of ``kappa``; reaching one is recorded in ``fallbacks``.

    Examples
    --------
    >>> rng = np.random.default_rng(5)
    >>> n = rng.integers(1, 40, 5000).astype(float)
    >>> size = np.log(n)[:, None]
    >>> m = expit(logit(0.1) + 0.5 * (size[:, 0] - size.mean()))
    >>> p = rng.beta(10 * m, 10 * (1 - m))
    >>> y = rng.binomial(n.astype(int), p).astype(float)
    >>> fit = fit_beta_binomial(y, n, np.full(5000, 0.1), covariates=size)
    >>> 7 < fit.kappa < 14, bool(0.35 < fit.coef[0] < 0.65), fit.fallbacks
    (True, True, ())
    """
    y, n = _f64(y), _f64(n)
    size = len(y)
    base = np.clip(np.broadcast_to(_f64(prior_mean), (size,)), EPS, 1 - EPS).copy()
    bounds = (float(bounds[0]), float(bounds[1]))
    log_bounds = (np.log(bounds[0]), np.log(bounds[1]))
    noise = _noise(noise_var, size)
    ok = np.flatnonzero(np.isfinite(y) & np.isfinite(n) & (n >= 1))
    if noise is not None and max_places is not None:
        max_places = min(max_places, MAX_NOISY_PLACES)
    rows, sub = _subsample(ok, max_places, seed)
    fallbacks: list[str] = ["subsampled"] if sub else []
    X, centre, varies, cflags = _prepare_covariates(covariates, rows, size)
    k = 0 if X is None else X.shape[1]
    fallbacks.extend(cflags)
    if len(rows) < MIN_PLACES_FIT:
        kappa = bounds[0]
        return BetaBinomialFit(kappa, np.zeros(k), base, ("few_places",), np.nan,
                               len(rows), base, centre, X, noise)
    if X is not None and len(rows) < max(MIN_PLACES_COVARIATES, 5 * k):
        varies = np.zeros(k, dtype=bool)
        fallbacks.append("few_places")
    Z, sd = _standardise(X, centre, varies, rows)
    eta0 = logit(base[rows])
    yc = np.clip(y[rows], 0, n[rows])
    nn = n[rows]
    if np.all(yc <= 0) or np.all(yc >= nn):
        fallbacks.append("no_variation")

    if noise is None:
        lik = _BetaBinomialLik(yc, nn, eta0, Z)
    else:
        lik = _NoisyBetaBinomialLik(y[rows], nn, np.sqrt(noise[rows]), eta0, Z)
    theta, ll, conv = _ml(lik, log_bounds, Z.shape[1])
    if not conv:
        fallbacks.append("not_converged")
    fallbacks.extend(_bound_fallbacks(theta[0], log_bounds))
    coef = np.zeros(k)
    if k:
        coef[varies] = theta[1:] / sd
    cov = None
    try:
        H = _hessian(lik, theta[None, :])[0]
        if np.all(np.linalg.eigvalsh(H) < 0):
            c = np.linalg.inv(-H)
            scale = np.r_[1.0, 1.0 / sd]
            cov_std = c * np.outer(scale, scale)
            cov = np.zeros((1 + k, 1 + k))
            idx = np.r_[0, 1 + np.flatnonzero(varies)]
            cov[np.ix_(idx, idx)] = cov_std
    except np.linalg.LinAlgError:  # pragma: no cover - degenerate data
        cov = None
    fit = BetaBinomialFit(float(np.exp(theta[0])), coef, base, tuple(fallbacks),
                          float(ll), int(len(rows)), base, centre, X, noise, cov,
                          int(len(ok)))
    return dataclass_replace(fit, prior_mean=fit.prior_mean_for(np.r_[fit.kappa, coef]))


def dataclass_replace(obj, **changes):
    import dataclasses

    return dataclasses.replace(obj, **changes)


def _fit_parts(fit, size: int):
    """``kappa``, prior mean and noise of any fit-like object (duck typing)."""
    kappa = float(fit.kappa)
    m = np.clip(np.broadcast_to(_f64(fit.prior_mean), (size,)),
                EPS, 1 - EPS)
    return kappa, m, getattr(fit, "noise_var", None)


def _beta_post(y, n, kappa, m, noise):
    """Posterior ``Beta(a, b)`` per place; with noise, moment-matched.

    Without noise: ``a = kappa m + y``, ``b = kappa (1 - m) + n - y``
    (``y`` clipped to ``0..n``). With noise the exact posterior is the
    mixture ``sum_k w_k Beta(kappa m + k, kappa (1 - m) + n - k)`` over the
    true counts ``k`` (weights from the beta-binomial prior and the noise
    density); it is returned as the beta with the mixture's mean and
    variance.
    """
    nc = np.maximum(n, 0)
    if noise is None:
        yc = np.clip(y, 0, nc)
        return kappa * m + yc, kappa * (1 - m) + nc - yc
    groups = noise if isinstance(noise, _WindowGroups) else _WindowGroups(y, nc, noise)
    A, B = kappa * m, kappa * (1 - m)
    yc = np.clip(y, 0, nc)
    a, b = A + yc, B + nc - yc            # rows without noise (or households)
    for rows, win in groups.items:
        mean, var = win.posterior(A[rows], B[rows])
        mc = np.clip(mean, 1e-9, 1 - 1e-9)
        var = np.minimum(var, mc * (1 - mc) * 0.999)
        conc = mc * (1 - mc) / var - 1
        a[rows], b[rows] = mc * conc, (1 - mc) * conc
    return a, b


class _WindowGroups:
    """:class:`_Windows` of the noisy places with households, by window size.

    Places are grouped by the width of their window (up to 8, 16, 32 and
    more counts) so that short windows are not padded to the longest one.
    """

    def __init__(self, y, n, noise_var):
        v = np.broadcast_to(_f64(noise_var), (len(y),))
        sd = np.sqrt(v)
        nn = np.maximum(np.round(n), 0)
        width = np.minimum(np.ceil(2 * NOISE_WINDOW_SD * sd) + 1, nn + 1)
        noisy = (sd > 0) & (n >= 1)
        self.items = []
        edges = [0, 8, 16, 32, np.inf]
        for lo, hi in zip(edges[:-1], edges[1:], strict=True):
            rows = np.flatnonzero(noisy & (width > lo) & (width <= hi))
            if len(rows):
                self.items.append((rows, _Windows(y[rows], nn[rows], sd[rows])))


def _beta_moments(a, b):
    s = a + b
    return a / s, a * b / (s * s * (s + 1))


def shrink_beta(y, n, fit, *, noise_var=None) -> Posterior:
    """Beta posterior of each place's share under a fitted prior.

    Without noise ``a = kappa m + y``, ``b = kappa (1 - m) + n - y`` (``y``
    clipped to ``0..n``). With noise (``noise_var``, else the fit's) the
    exact posterior is a mixture of betas over the true counts; ``a``, ``b``
    are then the beta with its mean and variance. ``fit`` is a
    :class:`BetaBinomialFit` or any object with ``kappa`` and
    ``prior_mean``. Places with ``n < 1`` get the prior.

    Examples
    --------
    >>> fit = fit_beta_binomial(np.array([0.0, 1, 2, 6]), np.array([12.0] * 4),
    ...                         np.full(4, 0.1))
    >>> post = shrink_beta(np.array([6.0]), np.array([12.0]),
    ...                    dataclass_replace(fit, prior_mean=np.array([0.02])))
    >>> bool(post.mean[0] > 0.02), bool(np.isclose(post.a + post.b,
    ...                                            fit.kappa + 12)[0])
    (True, True)
    """
    y, n = _f64(y), _f64(n)
    kappa, m, noise = _fit_parts(fit, len(y))
    if noise_var is not None:
        noise = noise_var
    noise = _noise(noise, len(y))
    a, b = _beta_post(y, n, kappa, m, noise)
    mean, var = _beta_moments(a, b)
    return Posterior(mean, np.sqrt(var), kappa, a, b)


def bootstrap_beta_binomial(y, n, prior_mean, covariates, fit: BetaBinomialFit,
                            n_boot: int = 50, seed: int = 0, noise_var=None, *,
                            max_places: int = 500, max_noisy_places: int = 200,
                            bounds=(0.5, 1e5), method: str = "auto") -> np.ndarray:
    """Parametric bootstrap of ``(kappa, coef)``: simulate the fitted model, refit.

    ``method="parametric"``: each replicate draws ``p_i ~ Beta(kappa m_i,
    kappa (1 - m_i))``, ``y*_i ~ Binomial(round(n_i), p_i)`` (plus rounded
    ``N(0, noise_var)`` noise when given) for the places the fit used, and
    refits ``(log kappa, coef)`` by a batched damped Newton ascent from the
    estimate (all replicates at once; the noisy likelihood when there is
    noise). To stay cheap, at most ``max_places`` places
    (``max_noisy_places`` with noise) are simulated; with more, the
    deviations from the estimate are scaled by ``sqrt(simulated / places)``
    (the estimator is root-n regular), which gives the spread the full set
    of places would have. ``method="normal"``: draws from the normal
    approximation ``N(theta_hat, I^-1)`` with the observed information of
    the fit (``fit.cov``) — on noise-free data it agrees with the bootstrap
    (see the tests), and it costs nothing. ``"auto"`` (default): the
    bootstrap without noise, the normal approximation with noise (where
    refitting the exact noisy likelihood 50 times would cost seconds).

    ``prior_mean`` and ``covariates`` must be those of the fit (the
    covariates are taken from ``fit.covariates``, NaN filled as there; the
    argument is checked for its shape only).

    Returns
    -------
    ndarray, shape (n_boot, 1 + k)
        ``kappa`` and the coefficients of every replicate (in the units of
        ``fit.coef``).

    Examples
    --------
    >>> rng = np.random.default_rng(2)
    >>> n = rng.integers(5, 50, 400).astype(float)
    >>> y = rng.binomial(n.astype(int), rng.beta(2, 18, 400)).astype(float)
    >>> fit = fit_beta_binomial(y, n, np.full(400, 0.1))
    >>> draws = bootstrap_beta_binomial(y, n, np.full(400, 0.1), None, fit, 20)
    >>> draws.shape, bool(np.all(draws[:, 0] > 0))
    ((20, 1), True)
    """
    y, n = _f64(y), _f64(n)
    size = len(y)
    k = len(fit.coef)
    if covariates is not None and np.reshape(covariates, (size, -1)).shape[1] != k:
        raise ValueError("covariates passen niet bij de fit")
    theta_hat = np.r_[np.log(fit.kappa), fit.coef]
    if n_boot <= 0:
        return np.empty((0, 1 + k))
    ok = np.flatnonzero(np.isfinite(n) & (n >= 1))
    if len(ok) < MIN_PLACES_FIT or "few_places" in fit.fallbacks:
        return np.tile(np.r_[fit.kappa, fit.coef], (n_boot, 1))
    noise = _noise(noise_var if noise_var is not None else fit.noise_var, size)
    rng = np.random.default_rng(seed)
    if method == "auto":
        method = "normal" if noise is not None and fit.cov is not None else "parametric"
    if method == "normal":
        if fit.cov is None:
            raise ValueError("geen informatiematrix: gebruik method='parametric'")
        # a subsampled fit's information is that of its subsample: scale it
        # to all places with households, as the parametric bootstrap does
        share = fit.n_places / max(fit.n_available, fit.n_places, 1)
        theta = rng.multivariate_normal(theta_hat, fit.cov * share, size=n_boot)
        out = theta.copy()
        out[:, 0] = np.exp(np.clip(theta[:, 0], np.log(bounds[0]), np.log(bounds[1])))
        return out
    if noise is not None:
        max_places = min(max_places, max_noisy_places)
    rows = ok if len(ok) <= max_places else np.sort(
        rng.choice(ok, max_places, replace=False))
    scale = np.sqrt(len(rows) / len(ok))
    m = np.clip(_f64(fit.prior_mean)[rows], EPS, 1 - EPS)
    base = np.clip(np.broadcast_to(_f64(prior_mean), (size,)), EPS, 1 - EPS)[rows]
    X = fit.covariates
    varies = np.zeros(k, dtype=bool) if X is None else np.abs(fit.coef) > 0
    if X is not None and k:
        Xc = X[rows][:, varies] - fit.centre[varies]
        sd = Xc.std(axis=0)
        sd = np.where(sd > 0, sd, 1.0)
        Z = Xc / sd
    else:
        Z, sd = np.zeros((len(rows), 0)), np.zeros(0)
    nn = np.round(n[rows])
    a0, b0 = fit.kappa * m, fit.kappa * (1 - m)
    p = rng.beta(np.broadcast_to(a0, (n_boot, len(rows))),
                 np.broadcast_to(b0, (n_boot, len(rows))))
    ys = rng.binomial(nn.astype(np.int64), p).astype("float64")
    if noise is not None:
        sd_noise = np.sqrt(noise[rows])
        # the privacy mechanism's discrete Gaussian, approximated by a rounded one
        ys = ys + np.round(rng.normal(size=ys.shape) * sd_noise)
        lik = _NoisyBetaBinomialLik(ys, nn, sd_noise, logit(base), Z)
    else:
        lik = _BetaBinomialLik(ys, np.broadcast_to(nn, ys.shape), logit(base), Z)
    start = np.tile(np.r_[theta_hat[0], fit.coef[varies] * sd], (n_boot, 1))
    log_bounds = (np.log(bounds[0]), np.log(bounds[1]))
    theta, _ = _newton(lik, start, log_bounds)
    theta = start + (theta - start) * scale
    out = np.zeros((n_boot, 1 + k))
    out[:, 0] = np.exp(np.clip(theta[:, 0], *log_bounds))
    if k:
        out[:, 1 + np.flatnonzero(varies)] = theta[:, 1:] / sd
    return out


def posterior_with_prior_uncertainty(y, n, fit: BetaBinomialFit, draws=None,
                                     prior_sd=None, interval: float | None = 0.9,
                                     seed: int = 0, noise_var=None, *,
                                     max_draws: int = 16, max_noisy_draws: int = 4
                                     ) -> MixturePosterior:
    """Each place's posterior integrated over the uncertainty of its prior.

    For every bootstrap draw ``(kappa_b, coef_b)`` (rows of ``draws``, from
    :func:`bootstrap_beta_binomial`; the estimate itself when ``None``) the
    place's beta posterior is formed with the prior mean under ``coef_b``.
    The result is the mixture over the draws: mean ``E_b[mean_b]``,
    variance ``E_b[var_b] + Var_b[mean_b]``. With ``prior_sd`` (the parent's
    posterior sd) the parent's uncertainty is added to first order:
    ``(d mean / d m)**2 prior_sd**2`` (``kappa / (kappa + n)`` without
    noise; by central differences). The result is summarised as the beta
    with that mean and variance (``a``, ``b``) and its central ``interval``
    (skipped when ``None``; ``betaincinv`` costs ~3 µs a place). At most
    ``max_draws`` draws (``max_noisy_draws`` with noise), evenly spaced in
    the order of ``kappa``, are used: each costs a pass over all places.

    Examples
    --------
    >>> rng = np.random.default_rng(4)
    >>> n = rng.integers(5, 50, 300).astype(float)
    >>> y = rng.binomial(n.astype(int), rng.beta(2, 18, 300)).astype(float)
    >>> fit = fit_beta_binomial(y, n, np.full(300, 0.1))
    >>> d = bootstrap_beta_binomial(y, n, np.full(300, 0.1), None, fit, 20)
    >>> mix = posterior_with_prior_uncertainty(y, n, fit, d)
    >>> plain = shrink_beta(y, n, fit)
    >>> close = np.allclose(mix.mean, plain.mean, atol=0.01)
    >>> bool(close), bool(np.all(mix.lo < mix.hi))
    (True, True)
    """
    y, n = _f64(y), _f64(n)
    size = len(y)
    noise = _noise(noise_var if noise_var is not None else fit.noise_var, size)
    if draws is None or len(draws) == 0:
        draws = np.r_[fit.kappa, fit.coef][None, :]
    draws = np.atleast_2d(_f64(draws))
    keep = max_noisy_draws if noise is not None else max_draws
    if len(draws) > keep:
        # evenly spaced in the order of kappa: a stratified subset (each draw
        # costs a pass over all places; the exact noisy posterior a window
        # of counts per place)
        order = np.argsort(draws[:, 0], kind="stable")
        draws = draws[order[np.linspace(0, len(draws) - 1, keep).round().astype(int)]]
    base = fit.base_mean if fit.base_mean is not None else fit.prior_mean
    s1 = np.zeros(size)
    s2 = np.zeros(size)
    if noise is not None:
        noise = _WindowGroups(y, np.maximum(n, 0), noise)   # once for all draws
    for d in draws:
        a, b = _beta_post(y, n, float(d[0]), fit.prior_mean_for(d), noise)
        mu, var = _beta_moments(a, b)
        s1 += mu
        s2 += var + mu * mu
    mean = s1 / len(draws)
    var = np.maximum(s2 / len(draws) - mean * mean, 1e-14)
    if prior_sd is not None:
        # the parent's estimate is uncertain too: to first order the place's
        # posterior mean moves by d mean / d m times its error (exactly
        # kappa / (kappa + n) without noise); central differences at the fit
        psd = np.nan_to_num(np.broadcast_to(_f64(prior_sd), (size,)))
        h = np.clip(0.5 * psd, 1e-6, None)
        lo_m = np.clip(base - h, EPS, 1 - EPS)
        hi_m = np.clip(base + h, EPS, 1 - EPS)
        theta = np.r_[fit.kappa, fit.coef]
        mus = [_beta_moments(*_beta_post(
            y, n, fit.kappa, dataclass_replace(fit, base_mean=bm).prior_mean_for(theta),
            noise))[0] for bm in (hi_m, lo_m)]
        slope = (mus[0] - mus[1]) / (hi_m - lo_m)
        var = var + (slope * psd) ** 2
    mc = np.clip(mean, EPS, 1 - EPS)
    var = np.minimum(var, mc * (1 - mc) * 0.999)
    conc = mc * (1 - mc) / var - 1
    a, b = mc * conc, (1 - mc) * conc
    if interval is None:
        lo = hi = np.full(size, np.nan)
    else:
        t = (1 - interval) / 2
        lo, hi = betaincinv(a, b, t), betaincinv(a, b, 1 - t)
    return MixturePosterior(mean, np.sqrt(var), a, b, lo, hi, interval)


# -- gamma-Poisson ---------------------------------------------------------------

def fit_gamma_poisson(y, e, prior_rate, covariates=None, noise_var=None,
                      bounds=(0.5, 1e5), *, max_places: int | None = MAX_FIT_PLACES,
                      seed: int = 0) -> GammaPoissonFit:
    """Maximum-likelihood gamma-Poisson (negative-binomial) prior of a rate.

    ``y_i ~ Poisson(lambda_i e_i)``, ``lambda_i ~ Gamma(shape, shape /
    mu_i)``, ``log mu_i = log(prior_rate_i) + (X_i - centre) . coef``; the
    marginal is negative binomial with mean ``mu_i e_i`` and variance
    ``mu e + (mu e)**2 / shape``. Noise on integer ``y``: the exact
    convolution as in :func:`fit_beta_binomial`; on weighted (non-integer)
    ``y`` the moment approximation :func:`effective_exposure`
    (``noise_approximate``). Places with ``e <= 0`` are left out of the fit.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> e = rng.uniform(1, 50, 4000)
    >>> lam = rng.gamma(8.0, 0.5 / 8.0, 4000)
    >>> y = rng.poisson(lam * e).astype(float)
    >>> fit = fit_gamma_poisson(y, e, np.full(4000, 0.5))
    >>> 5 < fit.shape < 12, fit.fallbacks
    (True, ())
    """
    y, e = _f64(y), _f64(e)
    size = len(y)
    base = np.maximum(np.broadcast_to(_f64(prior_rate), (size,)), 1e-9).copy()
    bounds = (float(bounds[0]), float(bounds[1]))
    log_bounds = (np.log(bounds[0]), np.log(bounds[1]))
    noise = _noise(noise_var, size)
    ok = np.flatnonzero(np.isfinite(y) & np.isfinite(e) & (e > 0))
    if noise is not None and max_places is not None:
        max_places = min(max_places, MAX_NOISY_PLACES)
    rows, sub = _subsample(ok, max_places, seed)
    fallbacks: list[str] = ["subsampled"] if sub else []
    X, centre, varies, cflags = _prepare_covariates(covariates, rows, size)
    k = 0 if X is None else X.shape[1]
    fallbacks.extend(cflags)
    if len(rows) < MIN_PLACES_FIT:
        return GammaPoissonFit(bounds[0], np.zeros(k), base, ("few_places",), np.nan,
                               len(rows), base, centre, X, noise)
    if X is not None and len(rows) < max(MIN_PLACES_COVARIATES, 5 * k):
        varies = np.zeros(k, dtype=bool)
        fallbacks.append("few_places")
    Z, sd = _standardise(X, centre, varies, rows)
    eta0 = np.log(base[rows])
    ee = e[rows]
    yc = np.maximum(y[rows], 0)
    if np.all(yc <= 0):
        fallbacks.append("no_variation")
    lik = _NegBinLik(yc, ee, eta0, Z)
    theta, ll, conv = _ml(lik, log_bounds, Z.shape[1])
    integer = noise is not None and np.allclose(y[rows], np.round(y[rows]))
    if noise is not None and integer:
        lik = _NoisyNegBinLik(y[rows], ee, np.sqrt(noise[rows]), eta0, Z)
        theta, ll, conv = _ml(lik, log_bounds, Z.shape[1])
    elif noise is not None:   # weighted (non-integer) counts: moment approximation
        fallbacks.append("noise_approximate")
        a = float(np.exp(theta[0]))
        mu = np.exp(eta0 + Z @ theta[1:])
        lam1 = (a + yc) / (a / mu + ee)
        e_eff, y_eff = effective_exposure(y[rows], ee, noise[rows], lam1)
        lik = _NegBinLik(y_eff, e_eff, eta0, Z)
        theta, ll, conv = _ml(lik, log_bounds, Z.shape[1])
    if not conv:
        fallbacks.append("not_converged")
    fallbacks.extend(_bound_fallbacks(theta[0], log_bounds))
    coef = np.zeros(k)
    if k:
        coef[varies] = theta[1:] / sd
    rate = base if k == 0 else base * np.exp((X - centre) @ coef)
    return GammaPoissonFit(float(np.exp(theta[0])), coef, rate, tuple(fallbacks),
                           float(ll), int(len(rows)), base, centre, X, noise)


def shrink_gamma(y, e, fit, *, noise_var=None) -> Posterior:
    """Gamma posterior of each place's rate: shape ``a + y``, rate ``a / mu + e``.

    With noise on integer counts, the exact posterior (a mixture of gammas
    over the true counts within 5 sd, as :func:`shrink_beta`), passed on as
    the gamma with its mean and variance; on weighted (non-integer) counts
    the effective exposure of :func:`effective_exposure` (an approximation
    that clipping at zero biases; the fit records ``noise_approximate``).
    ``fit`` is a :class:`GammaPoissonFit` or any object with ``kappa`` (the
    shape) and ``prior_mean`` (the prior rate). ``Posterior.a`` is the
    posterior shape, ``Posterior.b`` its rate.

    Examples
    --------
    >>> fit = GammaPoissonFit(4.0, np.zeros(0), np.array([0.5, 0.5]), (), 0.0, 2)
    >>> post = shrink_gamma(np.array([0.0, 20.0]), np.array([10.0, 10.0]), fit)
    >>> np.round(post.mean, 3).tolist()
    [0.222, 1.333]
    """
    y, e = _f64(y), _f64(e)
    shape = float(getattr(fit, "shape", None) or fit.kappa)
    mu = np.maximum(np.broadcast_to(_f64(fit.prior_mean), (len(y),)),
                    1e-9)
    noise = _noise(noise_var if noise_var is not None
                   else getattr(fit, "noise_var", None), len(y))
    ec = np.maximum(e, 0)
    yc = np.maximum(y, 0)
    a = shape + yc
    b = shape / mu + ec
    if noise is not None and np.allclose(y, np.round(y)):
        rows = np.flatnonzero((noise > 0) & (ec > 0))
        if len(rows):
            win = _PoissonWindows(y[rows], np.sqrt(noise[rows]))
            w, _ = win.weights(np.full(len(rows), shape), mu[rows] * ec[rows])
            r = (shape / mu[rows] + ec[rows])[:, None]
            mk = (shape + win.k) / r
            mean = (w * mk).sum(axis=1)
            var = np.maximum((w * (mk / r + mk**2)).sum(axis=1) - mean**2, 1e-300)
            a[rows] = mean**2 / var
            b[rows] = mean / var
    elif noise is not None:
        lam1 = a / b
        ec, yc = effective_exposure(y, e, noise, lam1)
        a = shape + yc
        b = shape / mu + ec
    return Posterior(a / b, np.sqrt(a) / b, shape, a, b)


# -- Dirichlet-multinomial ---------------------------------------------------------

def fit_dirichlet_multinomial(counts, prior_comp, bounds=(0.5, 1e5)
                              ) -> tuple[float, tuple[str, ...]]:
    """Maximum-likelihood strength ``A`` of a Dirichlet prior ``A * q_i``.

    For one-hot counts (stacked needs, tenure bins, household types) of
    places around their parents' compositions ``q_i``: the
    Dirichlet-multinomial log-likelihood ``sum_i [lgamma(A) - lgamma(A +
    n_i) + sum_k lgamma(c_ik + A q_ik) - lgamma(A q_ik)]`` maximised over
    ``log A`` (bounded; negative noisy counts are clipped to 0).

    Returns
    -------
    strength, fallbacks

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> q = np.array([0.6, 0.3, 0.1])
    >>> p = rng.dirichlet(20 * q, 3000)
    >>> c = np.array([rng.multinomial(30, pi) for pi in p], dtype=float)
    >>> A, fb = fit_dirichlet_multinomial(c, np.tile(q, (3000, 1)))
    >>> 15 < A < 27, fb
    (True, ())
    """
    from scipy.optimize import minimize_scalar

    c = np.maximum(_f64(counts), 0)
    q = np.clip(_f64(prior_comp), EPS, None)
    q = q / q.sum(axis=1, keepdims=True)
    tot = c.sum(axis=1)
    ok = tot >= 1
    if ok.sum() < MIN_PLACES_FIT:
        return float(bounds[0]), ("few_places",)
    c, q, tot = c[ok], q[ok], tot[ok]

    def nll(log_a):
        A = np.exp(log_a)
        aq = A * q
        return -float(np.sum(gammaln(A) - gammaln(A + tot))
                      + np.sum(gammaln(c + aq) - gammaln(aq)))

    lo, hi = np.log(bounds[0]), np.log(bounds[1])
    grid = np.linspace(lo, hi, _LOG_KAPPA_GRID)
    best = int(np.argmin([nll(g) for g in grid]))
    a_lo, a_hi = grid[max(best - 1, 0)], grid[min(best + 1, len(grid) - 1)]
    res = minimize_scalar(nll, bounds=(a_lo, a_hi), method="bounded")
    return float(np.exp(res.x)), _bound_fallbacks(float(res.x), (lo, hi))
