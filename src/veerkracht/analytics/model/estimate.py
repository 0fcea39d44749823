"""Estimation adapters of the model pipeline: prior fits and posteriors.

The pipeline (:mod:`veerkracht.analytics.model.compute`) asks for three
things per level and indicator, and this module answers them:

* :func:`fit_share` / :func:`posterior_share` — a beta-binomial prior for a
  share (``y`` of ``n`` households), its prior mean the parent's estimate
  adjusted logit-linearly by public covariates, its strength ``kappa`` by
  maximum likelihood within wide bounds;
* :func:`fit_rate` / :func:`posterior_rate` — the gamma-Poisson analogue for
  a rate (weighted signals ``y`` over an exposure ``e``);
* every fit reports the ``fallbacks`` it hit (a bound of ``kappa``, too few
  places to fit, a fit that did not converge).

When the estimation engineer's functions exist in
:mod:`veerkracht.analytics.model.smoothing` (``fit_beta_binomial``,
``shrink_beta``, ``fit_gamma_poisson``, ``shrink_gamma``) they are used;
until then the maximum-likelihood fits below stand in (``ENGINE`` says
which one ran; it is recorded with every result row).

Examples
--------
>>> rng = np.random.default_rng(3)
>>> p = rng.beta(2.0, 18.0, 3000)               # kappa = 20, mean 0.1
>>> n = rng.integers(5, 60, 3000).astype(float)
>>> y = rng.binomial(n.astype(int), p).astype(float)
>>> fit = fit_share(y, n, np.full(3000, 0.1))
>>> 12 < fit.kappa < 32, fit.fallbacks
(True, ())
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, digamma, expit, gammaln, logit, polygamma

try:  # the calibrated engine, when it has landed
    from veerkracht.analytics.model.smoothing import (  # type: ignore[attr-defined]
        bootstrap_beta_binomial,
        fit_beta_binomial,
        fit_dirichlet_multinomial,
        fit_gamma_poisson,
        posterior_with_prior_uncertainty,
        shrink_beta,
        shrink_gamma,
    )

    ENGINE = "smoothing"
except ImportError:  # pragma: no cover - depends on the other module
    fit_beta_binomial = fit_gamma_poisson = shrink_beta = shrink_gamma = None
    bootstrap_beta_binomial = posterior_with_prior_uncertainty = None
    fit_dirichlet_multinomial = None
    ENGINE = "ml-interim"

EPS = 1e-4
#: Places used to fit a level's prior (a seeded subsample beyond this).
MAX_FIT_PLACES = 20_000
MIN_FIT_PLACES = 8


@dataclass(frozen=True)
class PriorFit:
    """A fitted prior: strength, covariate coefficients, prior mean per place."""

    kappa: float
    coef: tuple[float, ...]
    prior_mean: np.ndarray
    fallbacks: tuple[str, ...] = ()
    #: the engine's own fit (for the parametric bootstrap), when it ran
    engine: object = None


@dataclass(frozen=True)
class Beta:
    """Posterior ``Beta(a, b)`` per place."""

    a: np.ndarray
    b: np.ndarray

    @property
    def mean(self) -> np.ndarray:
        return self.a / (self.a + self.b)

    @property
    def sd(self) -> np.ndarray:
        s = self.a + self.b
        return np.sqrt(self.a * self.b / (s * s * (s + 1)))

    def logit_moments(self) -> tuple[np.ndarray, np.ndarray]:
        """Exact mean and sd of ``logit(p)`` under the beta posterior."""
        return (digamma(self.a) - digamma(self.b),
                np.sqrt(polygamma(1, self.a) + polygamma(1, self.b)))


@dataclass(frozen=True)
class Gamma:
    """Posterior ``Gamma(shape, rate)`` of a rate per place."""

    shape: np.ndarray
    rate: np.ndarray

    @property
    def mean(self) -> np.ndarray:
        return self.shape / self.rate

    @property
    def sd(self) -> np.ndarray:
        return np.sqrt(self.shape) / self.rate

    def log_moments(self) -> tuple[np.ndarray, np.ndarray]:
        """Exact mean and sd of ``log(lambda)`` under the gamma posterior."""
        return (digamma(self.shape) - np.log(self.rate),
                np.sqrt(polygamma(1, self.shape)))


def beta_from_moments(mean: np.ndarray, var: np.ndarray) -> Beta:
    """The beta with this mean and variance (variance capped to be feasible)."""
    m = np.clip(mean, EPS, 1 - EPS)
    v = np.clip(var, 1e-12, m * (1 - m) * 0.999)
    s = m * (1 - m) / v - 1
    return Beta(m * s, (1 - m) * s)


def _subsample(n_places: int, seed: int) -> np.ndarray:
    if n_places <= MAX_FIT_PLACES:
        return np.arange(n_places)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_places, MAX_FIT_PLACES, replace=False))


def _bound_flags(kappa: float, bounds: tuple[float, float]) -> tuple[str, ...]:
    lo, hi = bounds
    if kappa <= lo * 1.0001:
        return ("kappa_min",)
    if kappa >= hi * 0.9999:
        return ("kappa_max",)
    return ()


def share_noise(noise_var, n_var, share) -> np.ndarray | float | None:
    """Noise variance on ``y`` that also carries the noise on ``n``.

    With ``n`` observed as ``N + e`` (``Var e = n_var``) and ``y`` as the
    true count plus noise of variance ``noise_var``, a binomial count of
    size ``n`` differs from one of size ``N`` by about ``share * e``; so the
    count is modelled as ``Binomial(n, p)`` plus noise of variance
    ``noise_var + share**2 n_var`` (first order in ``e``; ``share`` is the
    prior mean). The estimation engine's exact convolution then handles
    both (:func:`veerkracht.analytics.model.smoothing.fit_beta_binomial`).

    >>> float(share_noise(4.0, 9.0, 0.5))
    6.25
    >>> share_noise(None, None, 0.3) is None
    True
    """
    if n_var is None or not np.any(n_var):
        return noise_var
    extra = np.asarray(share, dtype="float64") ** 2 * np.asarray(n_var, dtype="float64")
    return extra if noise_var is None else noise_var + extra


#: |coef| / se below this: a covariate of a noisy fit is dropped (Wald, ~5 %).
SIGNIFICANT_Z = 2.0


def _significant(fit) -> np.ndarray | None:
    """Covariates of an engine fit whose Wald z reaches :data:`SIGNIFICANT_Z`.

    None when the fit has no information matrix (then nothing is dropped).
    """
    cov = getattr(fit, "cov", None)
    coef = np.ravel(fit.coef) if fit.coef is not None else np.zeros(0)
    if cov is None or not len(coef):
        return None
    se = np.sqrt(np.clip(np.diag(cov)[1:], 0, None))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(se > 0, np.abs(coef) / se, 0.0)
    return z >= SIGNIFICANT_Z


def fit_share(y, n, prior_mean, covariates=None, noise_var=None,
              bounds=(0.5, 1e5), seed: int = 0, n_var=None) -> PriorFit:
    """Beta-binomial prior: ``logit m_i = logit(prior_i) + X_i b``, strength kappa.

    Maximum likelihood over the places with households (a seeded subsample
    of :data:`MAX_FIT_PLACES` when there are more). ``y`` and ``n`` may be
    the raw noisy counts of the protected statistics (negative, or ``y > n``:
    they must not be clipped, clipping biases small places upward);
    ``noise_var`` is the noise variance on ``y``, ``n_var`` on ``n``
    (:func:`share_noise`), handled by the engine's exact convolution over
    the true counts.
    """
    y = np.asarray(y, dtype="float64")
    n = np.asarray(n, dtype="float64")
    m0 = np.clip(np.asarray(prior_mean, dtype="float64"), EPS, 1 - EPS)
    X = None if covariates is None or covariates.shape[1] == 0 else covariates
    noise_var = share_noise(noise_var, n_var, m0)
    if fit_beta_binomial is not None:  # pragma: no cover - the other engine
        fit = fit_beta_binomial(y, n, m0, covariates=X, noise_var=noise_var,
                                bounds=bounds, seed=seed)
        coef = np.ravel(fit.coef) if fit.coef is not None else np.zeros(0)
        extra: tuple[str, ...] = ()
        noisy = noise_var is not None and bool(np.any(np.asarray(noise_var) > 0))
        keep = _significant(fit) if noisy and X is not None else None
        if keep is not None and not keep.all():
            # under the privacy noise the covariates are weakly identified and
            # a chance slope moves the prior of whole groups of places (the
            # demo's blocks: +0.02 on a 0.08 share); keep the significant ones
            fit = fit_beta_binomial(y, n, m0, covariates=X[:, keep] if keep.any()
                                    else None, noise_var=noise_var, bounds=bounds,
                                    seed=seed)
            coef = np.zeros(X.shape[1])
            if keep.any():
                coef[keep] = np.ravel(fit.coef)
            extra = ("covariates_dropped",)
        fb = fit.fallbacks
        fb = (fb,) if isinstance(fb, str) else tuple(str(f) for f in (fb or ()))
        return PriorFit(float(fit.kappa), tuple(coef.tolist()),
                        np.asarray(fit.prior_mean), fb + extra, fit)
    ok = np.flatnonzero(n >= 1)
    k_start = 20.0
    if len(ok) < MIN_FIT_PLACES:
        return PriorFit(float(np.clip(k_start, *bounds)), (), m0, ("few_places",))
    sel = ok[_subsample(len(ok), seed)]
    ys, ns, ls = np.clip(y[sel], 0, n[sel]), n[sel], logit(m0[sel])
    Xs = None if X is None else X[sel]
    p = 0 if Xs is None else Xs.shape[1]
    lo, hi = np.log(bounds[0]), np.log(bounds[1])

    def nll(theta):
        lk = np.clip(theta[0], lo, hi)
        k = np.exp(lk)
        eta = ls if p == 0 else ls + Xs @ theta[1:]
        m = np.clip(expit(eta), EPS, 1 - EPS)
        a, b = k * m, k * (1 - m)
        ll = betaln(ys + a, ns - ys + b) - betaln(a, b)
        da = digamma(ys + a) - digamma(ns + k) - digamma(a) + digamma(k)
        db = digamma(ns - ys + b) - digamma(ns + k) - digamma(b) + digamma(k)
        g0 = np.sum(da * a + db * b)
        grad = [g0]
        if p:
            dm = k * m * (1 - m)
            grad.extend(((da - db) * dm) @ Xs)
        return -float(ll.sum()), -np.asarray(grad, dtype="float64")

    theta0 = np.r_[np.log(k_start), np.zeros(p)]
    res = minimize(nll, theta0, jac=True, method="L-BFGS-B",
                   bounds=[(lo, hi)] + [(-5.0, 5.0)] * p)
    kappa = float(np.exp(np.clip(res.x[0], lo, hi)))
    coef = tuple(float(c) for c in res.x[1:])
    fb = _bound_flags(kappa, bounds) + (() if res.success else ("not_converged",))
    m = m0 if p == 0 else np.clip(expit(logit(m0) + X @ res.x[1:]), EPS, 1 - EPS)
    return PriorFit(kappa, coef, m, fb)


def posterior_share(y, n, fit: PriorFit, noise_var=None, n_var=None, *,
                    n_boot: int = 0, seed: int = 0) -> Beta:
    """Beta posterior of each place's share; DP noise on ``y`` and ``n`` in it.

    The engine's exact posterior over the true counts within 5 sd of the
    (unclipped) noisy ``y``, with the noise variance ``noise_var`` on ``y``
    and ``n_var`` on ``n`` (:func:`share_noise`, at the fit's prior mean);
    moment-matched to a beta. The noise must be passed here: the fit object
    does not carry it. ``n_boot > 0`` (the model file's
    ``estimation.bootstrap``): the posterior is integrated over ``n_boot``
    parametric-bootstrap draws of the prior's ``(kappa, coef)``
    (:func:`~veerkracht.analytics.model.smoothing.bootstrap_beta_binomial`,
    :func:`~veerkracht.analytics.model.smoothing.posterior_with_prior_uncertainty`).
    """
    y = np.asarray(y, dtype="float64")
    n = np.asarray(n, dtype="float64")
    noise_var = share_noise(noise_var, n_var, fit.prior_mean)
    if n_boot > 0 and fit.engine is not None and bootstrap_beta_binomial is not None:
        eng = fit.engine
        draws = bootstrap_beta_binomial(y, n, eng.base_mean, eng.covariates, eng,
                                        n_boot=n_boot, seed=seed, noise_var=noise_var)
        mix = posterior_with_prior_uncertainty(y, n, eng, draws, interval=None,
                                               seed=seed, noise_var=noise_var)
        return Beta(np.asarray(mix.a, dtype="float64"),
                    np.asarray(mix.b, dtype="float64"))
    if shrink_beta is not None:  # pragma: no cover - the other engine
        post = shrink_beta(y, n, fit, noise_var=noise_var)
        return Beta(np.asarray(post.a, dtype="float64"),
                    np.asarray(post.b, dtype="float64"))
    yc = np.clip(y, 0, np.maximum(n, 0))
    nc = np.maximum(n, 0)
    m = fit.prior_mean
    post = Beta(fit.kappa * m + yc, fit.kappa * (1 - m) + nc - yc)
    if noise_var is None or not np.any(noise_var):
        return post
    w = nc / (nc + fit.kappa)
    extra = np.where(nc > 0, (w / np.maximum(nc, 1)) ** 2 * noise_var, 0.0)
    return beta_from_moments(post.mean, post.sd**2 + extra)


def fit_rate(y, e, prior_rate, covariates=None, noise_var=None,
             bounds=(0.5, 1e5), seed: int = 0) -> PriorFit:
    """Gamma-Poisson prior: ``log lambda_i = log(prior_i) + X_i b``, shape kappa.

    Maximum likelihood of the negative binomial with mean ``lambda_i e_i``
    and shape ``kappa`` (``Var = mu + mu**2 / kappa``), over the places with
    exposure.
    """
    y = np.asarray(y, dtype="float64")
    e = np.asarray(e, dtype="float64")
    lam0 = np.maximum(np.asarray(prior_rate, dtype="float64"), 1e-9)
    X = None if covariates is None or covariates.shape[1] == 0 else covariates
    if fit_gamma_poisson is not None:  # pragma: no cover - the other engine
        fit = fit_gamma_poisson(y, e, lam0, covariates=X, noise_var=noise_var,
                                bounds=bounds, seed=seed)
        fb = fit.fallbacks
        fb = (fb,) if isinstance(fb, str) else tuple(str(f) for f in (fb or ()))
        return PriorFit(float(fit.kappa), tuple(np.ravel(fit.coef).tolist())
                        if fit.coef is not None else (), np.asarray(fit.prior_mean),
                        fb)
    ok = np.flatnonzero(e > 0)
    if len(ok) < MIN_FIT_PLACES or np.clip(y[ok], 0, None).sum() <= 0:
        return PriorFit(float(np.clip(5.0, *bounds)), (), lam0, ("few_places",))
    sel = ok[_subsample(len(ok), seed)]
    ys, es, ll0 = np.clip(y[sel], 0, None), e[sel], np.log(lam0[sel])
    Xs = None if X is None else X[sel]
    p = 0 if Xs is None else Xs.shape[1]
    lo, hi = np.log(bounds[0]), np.log(bounds[1])

    def nll(theta):
        a = np.exp(np.clip(theta[0], lo, hi))
        eta = ll0 if p == 0 else ll0 + Xs @ theta[1:]
        mu = np.exp(eta) * es
        ll = (gammaln(ys + a) - gammaln(a) + a * np.log(a / (a + mu))
              + ys * np.log(np.maximum(mu, 1e-300) / (a + mu)))
        da = (digamma(ys + a) - digamma(a) + np.log(a / (a + mu)) + 1
              - (a + ys) / (a + mu))
        dmu = ys / np.maximum(mu, 1e-300) - (a + ys) / (a + mu)
        grad = [np.sum(da) * a]
        if p:
            grad.extend((dmu * mu) @ Xs)
        return -float(ll.sum()), -np.asarray(grad, dtype="float64")

    theta0 = np.r_[np.log(5.0), np.zeros(p)]
    res = minimize(nll, theta0, jac=True, method="L-BFGS-B",
                   bounds=[(lo, hi)] + [(-5.0, 5.0)] * p)
    kappa = float(np.exp(np.clip(res.x[0], lo, hi)))
    coef = tuple(float(c) for c in res.x[1:])
    fb = _bound_flags(kappa, bounds) + (() if res.success else ("not_converged",))
    lam = lam0 if p == 0 else lam0 * np.exp(X @ res.x[1:])
    return PriorFit(kappa, coef, lam, fb)


def posterior_rate(y, e, fit: PriorFit, noise_var=None) -> Gamma:
    """Gamma posterior of each place's rate: ``(kappa + y) / (kappa / lambda + e)``.

    DP noise of variance ``v`` on the (unclipped) ``y``: the engine's exact
    posterior on integer counts, its moment approximation on weighted ones.
    """
    y = np.asarray(y, dtype="float64")
    e = np.asarray(e, dtype="float64")
    if shrink_gamma is not None:  # pragma: no cover - the other engine
        post = shrink_gamma(y, e, fit, noise_var=noise_var)
        return Gamma(np.asarray(post.a, dtype="float64"),
                     np.asarray(post.b, dtype="float64"))
    y = np.clip(y, 0, None)
    post = Gamma(fit.kappa + y, fit.kappa / fit.prior_mean + e)
    if noise_var is None or not np.any(noise_var):
        return post
    extra = noise_var / post.rate**2
    mean, var = post.mean, post.sd**2 + extra
    shape = mean**2 / np.maximum(var, 1e-300)
    return Gamma(shape, shape / np.maximum(mean, 1e-300))


def fit_composition(counts, prior_comp, bounds=(0.5, 1e5), default: float = 10.0
                    ) -> tuple[float, tuple[str, ...]]:
    """ML strength of a Dirichlet prior ``A * q_i`` for one-hot counts.

    The calibrated engine's ``fit_dirichlet_multinomial`` when present;
    otherwise ``default`` with the fallback ``strength_fixed``.
    """
    if fit_dirichlet_multinomial is None:  # pragma: no cover - other engine
        return float(default), ("strength_fixed",)
    counts = np.asarray(counts, dtype="float64")
    ok = np.flatnonzero(counts.sum(axis=1) >= 1)
    sel = ok[_subsample(len(ok), 0)]  # a seeded subsample of the places
    fb: tuple[str, ...] = ("subsampled",) if len(sel) < len(ok) else ()
    strength, flags = fit_dirichlet_multinomial(counts[sel],
                                                np.asarray(prior_comp)[sel], bounds)
    return strength, fb + tuple(flags)


def poisson_glm(y, e, X, iterations: int = 25) -> np.ndarray:
    """Poisson regression ``log E[y] = log e + b0 + X b`` by IRLS.

    Returns ``(b0, *b)``. Places without exposure are left out.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(5000, 1))
    >>> e = np.full(5000, 10.0)
    >>> y = rng.poisson(e * np.exp(-1 + 0.5 * x[:, 0]))
    >>> np.round(poisson_glm(y, e, x), 1).tolist()
    [-1.0, 0.5]
    """
    y = np.clip(np.asarray(y, dtype="float64"), 0, None)
    e = np.asarray(e, dtype="float64")
    X = np.asarray(X, dtype="float64").reshape(len(e), -1)
    # rows with a missing covariate or count cannot inform the fit
    ok = (e > 0) & np.isfinite(y) & np.isfinite(X).all(axis=1)
    A = np.column_stack([np.ones(int(ok.sum())), X[ok]])
    ys, off = y[ok], np.log(e[ok])
    beta = np.zeros(A.shape[1])
    beta[0] = np.log(max(ys.sum(), 0.5) / max(e[ok].sum(), 1e-9))
    for _ in range(iterations):
        # bounded linear predictor: noisy small counts can send IRLS far out
        eta = np.clip(off + A @ beta, -30.0, 30.0)
        mu = np.exp(eta)
        z = eta - off + (ys - mu) / mu
        AtW = A.T * mu
        try:
            new = np.linalg.lstsq(AtW @ A + 1e-8 * np.eye(A.shape[1]), AtW @ z,
                                  rcond=None)[0]
        except np.linalg.LinAlgError:
            break  # keep the last finite estimate
        if not np.all(np.isfinite(new)):
            break
        if np.max(np.abs(new - beta)) < 1e-8:
            beta = new
            break
        beta = new
    return beta


def logit_of(p) -> np.ndarray:
    return logit(np.clip(p, EPS, 1 - EPS))
