"""Joint uncertainty of a place's shares: households' flags are not independent.

A household with a care need is far more often housed through an urgency
route (correlation about 0.46 between the flags), outflow and urgency go
together (0.47), and the tenure bins are one-hot, so recent arrival and long
tenure exclude each other. Intervals and class probabilities of weighted sums
of shares (pressure, resilience, balance) must carry that dependence; model
1.0 added the indicators' variances as if they were independent.

What is here (pure, vectorised, memory-bounded):

* :func:`flag_correlation` — the correlation between households' 0/1 flags,
  from city-level statistics: the stacked-need counts (none / one / two or
  more) identify the average pairwise covariance of the support needs;
  pairwise joint counts, where known, give every pair. The pipeline has only
  the protected city-level stacked counts (:func:`household_correlations`):
  exact pair counts from household rows never enter a published
  computation.
* :func:`draw_shares` — posterior draws of each place's shares (beta
  marginals) joined by a Gaussian copula with that correlation.
* :func:`draw_multinomial_shares` — Dirichlet posterior draws of one-hot
  compositions (stacked needs, tenure bins, household types).
* :func:`summarise_draws`, :func:`class_probabilities`.

Why the household correlation is the copula's correlation: a place's share
estimates are averages over the same households, so their sampling errors are
correlated as the households' flags are (the correlation of two means of
``n`` pairs equals the pairs' correlation), and the posterior error of a
place whose own data dominate inherits it. For places whose estimate is
mostly prior, the dependence is that between places' true shares, which in
the data moves the same way. The copula is on the posterior's quantiles, so
the beta marginals (and their skewness near 0) are kept exactly.

Examples
--------
>>> a = np.array([[2.0, 3.0]]); b = np.array([[18.0, 27.0]])
>>> corr = np.array([[1.0, 0.6], [0.6, 1.0]])
>>> d = draw_shares(a, b, corr, 4000, seed=1)
>>> d.shape, d.dtype
((4000, 1, 2), dtype('float32'))
>>> 0.5 < float(np.corrcoef(d[:, 0, 0], d[:, 0, 1])[0, 1]) < 0.7
True
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
from scipy.special import betaincinv, ndtr

#: Bytes of float64 work arrays per chunk of places.
CHUNK_BYTES = 64 * 2**20


def _nearest_correlation(c: np.ndarray) -> np.ndarray:
    """Clip negative eigenvalues and rescale to a unit diagonal."""
    c = 0.5 * (c + c.T)
    w, v = np.linalg.eigh(c)
    if w.min() >= 1e-10:
        return c
    w = np.maximum(w, 1e-6)
    c = (v * w) @ v.T
    d = np.sqrt(np.diag(c))
    return c / np.outer(d, d)


def _pair_key(pairs: Mapping, f: str, g: str):
    for key in ((f, g), (g, f), f"pair_{f}__{g}", f"pair_{g}__{f}"):
        if key in pairs:
            return key
    return None


def stacked_pair_total(p: np.ndarray, stacked: Sequence[float]) -> float:
    """Sum over pairs of support needs of ``P(both)``, from stacked counts.

    With ``S`` the number of needs of a household, ``E[S] = sum_f p_f`` and
    ``E[S(S - 1)] / 2 = sum_{f<g} P(f and g)``. The stacked counts give
    ``P(S = 0)``, ``P(S = 1)`` and ``P(S >= 2) = Q``; hence
    ``E[S; S >= 2] = E[S] - P(S = 1)``. Among households with two or more,
    the mean ``r`` is then known but not the spread; we take the least
    spread (values ``floor(r)`` and ``floor(r) + 1`` only), which is exact
    when nobody has three or more needs and a lower bound otherwise.

    Examples
    --------
    >>> # 100 households: 10 with care, 10 with income, 5 with both
    >>> round(float(stacked_pair_total(np.array([0.1, 0.1]), [85, 10, 5])), 6)
    0.05
    """
    p = np.asarray(p, dtype="float64")
    s = np.asarray(stacked, dtype="float64")
    s = np.maximum(s, 0)
    total = s.sum()
    if total <= 0:
        return 0.0
    p1, q = s[1] / total, s[2] / total
    es = float(p.sum())
    if q <= 0:
        return 0.0
    m2 = max(es - p1, 2 * q)          # E[S; S >= 2], at least 2 per household
    r = min(m2 / q, float(len(p)))     # mean number of needs among them
    k = min(max(int(np.floor(r)), 2), max(len(p) - 1, 2))
    frac = r - k
    es2 = q * (k * (k - 1) + frac * 2 * k)   # E[S(S-1); S >= 2], two-point
    return es2 / 2.0


def flag_correlation(flag_totals: Mapping[str, float] | Sequence[float],
                     n_total: float, stacked: Sequence[float] | Mapping | None,
                     pairs: Mapping | None = None,
                     support_needs: Sequence[str] | None = None,
                     names: Sequence[str] | None = None) -> np.ndarray:
    """Correlation matrix between households' 0/1 flags, from city statistics.

    Parameters
    ----------
    flag_totals : mapping or sequence
        Households with each flag, city-wide (e.g. ``flag_need_care`` of the
        gemeente row; keys may carry the ``flag_`` prefix). Any 0/1 item
        works: need flags, urgency, ``tenure_lt1``, ``tenure_ge10``.
    n_total : float
        Households present.
    stacked : sequence or mapping, optional
        ``needs_0``, ``needs_1``, ``needs_2p`` (city-wide).
    pairs : mapping, optional
        Households with both flags, keyed ``(f, g)`` or ``"pair_f__g"``
        (e.g. of a truth city in a test; the pipeline has none). Pairs
        given are used as they are.
    support_needs : sequence of str, optional
        The flags the stacked counts count (default
        :data:`veerkracht.analytics.statistics.SUPPORT_NEEDS`).
    names : sequence of str, optional
        Flag names when ``flag_totals`` is a sequence.

    Returns
    -------
    ndarray, shape (F, F)
        Pearson (phi) correlations of the flags, in the order of
        ``flag_totals``: from ``pairs`` where given; else, among the support
        needs, one common correlation ``rho`` that matches the stacked counts
        (``sum_{f<g} cov_fg = rho sum_{f<g} sd_f sd_g``, see
        :func:`stacked_pair_total`); else 0 (no information: independence).
        Made positive semi-definite.

    Examples
    --------
    >>> c = flag_correlation({"need_care": 10, "need_income": 10}, 100,
    ...                      [85, 10, 5], support_needs=("need_care", "need_income"))
    >>> round(float(c[0, 1]), 3)                # (0.05 - 0.01) / 0.09
    0.444
    >>> c = flag_correlation({"need_care": 10, "urgency": 8}, 100, None,
    ...                      pairs={("need_care", "urgency"): 5})
    >>> round(float(c[0, 1]), 3)
    0.516
    """
    if support_needs is None:
        from veerkracht.analytics.statistics import SUPPORT_NEEDS

        support_needs = SUPPORT_NEEDS
    if isinstance(flag_totals, Mapping):
        names = [str(k).removeprefix("flag_") for k in flag_totals]
        tot = np.array([float(v) for v in flag_totals.values()])
    else:
        tot = np.asarray(flag_totals, dtype="float64")
        names = list(names) if names is not None else [f"f{i}" for i in
                                                        range(len(tot))]
    F = len(tot)
    n = float(n_total)
    corr = np.eye(F)
    if n <= 0 or F < 2:
        return corr
    p = np.clip(tot / n, 1e-9, 1 - 1e-9)
    sd = np.sqrt(p * (1 - p))
    known = np.zeros((F, F), dtype=bool)
    if pairs:
        for i in range(F):
            for j in range(i + 1, F):
                key = _pair_key(pairs, names[i], names[j])
                if key is None:
                    continue
                pij = float(pairs[key]) / n
                corr[i, j] = corr[j, i] = (pij - p[i] * p[j]) / (sd[i] * sd[j])
                known[i, j] = known[j, i] = True
    if stacked is not None:
        if isinstance(stacked, Mapping):
            stacked = [stacked["needs_0"], stacked["needs_1"], stacked["needs_2p"]]
        sup = [i for i, nm in enumerate(names) if nm in support_needs]
        if len(sup) >= 2 and len(sup) == len(support_needs):
            ps = p[sup]
            total_pairs = stacked_pair_total(ps, stacked)
            cov_sum = total_pairs - (ps.sum() ** 2 - (ps**2).sum()) / 2
            # pairs already known keep their value; the rest share the remainder
            free, sd_sum = [], 0.0
            for a_i, i in enumerate(sup):
                for j in sup[a_i + 1:]:
                    if known[i, j]:
                        cov_sum -= corr[i, j] * sd[i] * sd[j]
                    else:
                        free.append((i, j))
                        sd_sum += sd[i] * sd[j]
            if free and sd_sum > 0:
                rho = float(np.clip(cov_sum / sd_sum, -1.0, 1.0))
                for i, j in free:
                    corr[i, j] = corr[j, i] = rho
    np.fill_diagonal(corr, 1.0)
    corr = np.clip(corr, -1.0, 1.0)
    return _nearest_correlation(corr)


def _chunks(places: int, per_place: int):
    step = max(1, int(CHUNK_BYTES // max(per_place * 8, 1)))
    for lo in range(0, places, step):
        yield slice(lo, min(places, lo + step))


def draw_shares(a, b, corr, n_draws: int, seed: int = 0, *,
                method: str = "sample") -> np.ndarray:
    """Posterior draws of every place's shares, joined by a Gaussian copula.

    Parameters
    ----------
    a, b : array_like, shape (places, F)
        Beta posterior of each place's share of each flag (e.g.
        :class:`veerkracht.analytics.model.smoothing.MixturePosterior`'s
        ``a``, ``b``, which include the prior's uncertainty). NaN: no data,
        NaN draws.
    corr : array_like, shape (F, F)
        Copula correlation (:func:`flag_correlation`).
    n_draws : int
    seed : int
    method : ``"sample"`` or ``"exact"``
        ``exact``: ``share = F^-1_beta(Phi(z))`` with correlated normals
        ``z`` (``betaincinv``, ~3 µs per value). ``sample`` (default, ~20x
        faster): per place and flag ``n_draws`` exact beta variates are
        drawn and sorted; each draw takes the order statistic at rank
        ``floor(Phi(z) n_draws)``. Each value is then an exact beta draw
        (an independent uniform pick from an iid beta sample) and the ranks
        follow the Gaussian copula up to a discretisation of ``1 / n_draws``.

    Returns
    -------
    ndarray of float32, shape (n_draws, places, F)
        Work arrays are chunked over places (:data:`CHUNK_BYTES`); the
        output itself is ``4 n_draws places F`` bytes.

    Examples
    --------
    >>> a = np.array([[0.2, 5.0], [np.nan, np.nan]])
    >>> b = np.array([[9.8, 45.0], [np.nan, np.nan]])
    >>> d = draw_shares(a, b, np.eye(2), 2000, seed=3)
    >>> bool(abs(d[:, 0, 1].mean() - 0.1) < 0.01), bool(np.isnan(d[:, 1]).all())
    (True, True)
    """
    a = np.atleast_2d(np.asarray(a, dtype="float64"))
    b = np.atleast_2d(np.asarray(b, dtype="float64"))
    if a.shape != b.shape:
        raise ValueError("a en b moeten dezelfde vorm hebben")
    P, F = a.shape
    corr = np.asarray(corr, dtype="float64").reshape(F, F)
    L = np.linalg.cholesky(_nearest_correlation(corr) + 1e-12 * np.eye(F))
    rng = np.random.default_rng(seed)
    out = np.empty((n_draws, P, F), dtype=np.float32)
    bad = ~(np.isfinite(a) & np.isfinite(b) & (a > 0) & (b > 0))
    a_s = np.where(bad, 1.0, a)
    b_s = np.where(bad, 1.0, b)
    for sl in _chunks(P, n_draws * F * 3):
        k = sl.stop - sl.start
        z = rng.standard_normal((n_draws, k, F)) @ L.T
        u = ndtr(z)
        if method == "exact":
            x = betaincinv(a_s[sl], b_s[sl], u)
        elif method == "sample":
            sample = rng.beta(np.broadcast_to(a_s[sl], (n_draws, k, F)),
                              np.broadcast_to(b_s[sl], (n_draws, k, F)))
            sample.sort(axis=0)
            rank = np.minimum((u * n_draws).astype(np.int64), n_draws - 1)
            x = np.take_along_axis(sample, rank, axis=0)
        else:
            raise ValueError(f"onbekende methode {method!r}")
        x = x.astype(np.float32)
        x[:, bad[sl]] = np.nan
        out[:, sl] = x
    return out


def draw_multinomial_shares(counts, prior, n_draws: int, seed: int = 0
                            ) -> np.ndarray:
    """Dirichlet posterior draws of one-hot compositions.

    Parameters
    ----------
    counts : array_like, shape (places, K)
        Households per category (e.g. ``needs_0``, ``needs_1``,
        ``needs_2p``); noisy negative counts are clipped to 0.
    prior : array_like, shape (places, K) or (K,)
        Prior pseudo-households ``A q`` (``A`` from
        :func:`veerkracht.analytics.model.smoothing.fit_dirichlet_multinomial`,
        ``q`` the parent's composition).
    n_draws, seed
        As :func:`draw_shares`.

    Returns
    -------
    ndarray of float32, shape (n_draws, places, K)
        Each draw's shares sum to 1 (places without any count or prior: NaN).

    Examples
    --------
    >>> d = draw_multinomial_shares([[80, 15, 5]], [6.0, 3.0, 1.0], 3000, seed=2)
    >>> np.round(d.mean(axis=0).astype(float), 2).tolist()   # (80 + 6) / 110
    [[0.78, 0.16, 0.05]]
    >>> bool(np.allclose(d.sum(axis=2), 1, atol=1e-5))
    True
    """
    c = np.maximum(np.atleast_2d(np.asarray(counts, dtype="float64")), 0)
    alpha = c + np.broadcast_to(np.asarray(prior, dtype="float64"), c.shape)
    alpha = np.where(np.isfinite(alpha), alpha, 0.0)
    P, K = alpha.shape
    rng = np.random.default_rng(seed)
    out = np.empty((n_draws, P, K), dtype=np.float32)
    empty = alpha.sum(axis=1) <= 0
    safe = np.where(alpha > 0, alpha, 1e-300)
    for sl in _chunks(P, n_draws * K * 2):
        k = sl.stop - sl.start
        g = rng.standard_gamma(np.broadcast_to(safe[sl], (n_draws, k, K)))
        g[:, alpha[sl] <= 0] = 0.0
        tot = g.sum(axis=2, keepdims=True)
        x = np.divide(g, tot, out=np.full_like(g, np.nan), where=tot > 0)
        x[:, empty[sl]] = np.nan
        out[:, sl] = x.astype(np.float32)
    return out


def summarise_draws(draws, interval: float = 0.9
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and central interval over the first axis (NaN-aware).

    Examples
    --------
    >>> d = np.arange(101, dtype=np.float32)[:, None]
    >>> [round(float(v[0]), 6) for v in summarise_draws(d, 0.9)]
    [50.0, 5.0, 95.0]
    """
    d = np.asarray(draws)
    t = (1 - interval) / 2
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(d, axis=0)
        lo, hi = np.nanquantile(d, [t, 1 - t], axis=0)
    return mean, lo, hi


def class_probabilities(balance_draws, edges) -> np.ndarray:
    """Per place, the share of draws in each class.

    Parameters
    ----------
    balance_draws : array_like, shape (n_draws, places)
    edges : array_like
        Lower bounds of the classes, best first, the last ``-inf``
        (:meth:`veerkracht.analytics.model.spec.ModelSpec.class_edges`); a
        value falls in the first class whose bound it reaches.

    Returns
    -------
    ndarray, shape (places, classes)
        Rows sum to 1 (NaN for places whose draws are all NaN).

    Examples
    --------
    >>> edges = np.array([0.1, -0.1, -np.inf])
    >>> d = np.array([[0.2, -0.3], [0.0, -0.2], [0.15, -0.5], [0.1, 0.0]])
    >>> class_probabilities(d, edges).tolist()
    [[0.75, 0.25, 0.0], [0.0, 0.25, 0.75]]
    """
    d = np.asarray(balance_draws, dtype="float64")
    if d.ndim == 1:
        d = d[:, None]
    e = np.asarray(edges, dtype="float64")
    idx = np.searchsorted(-e, -d, side="left")
    idx = np.minimum(idx, len(e) - 1)
    valid = np.isfinite(d)
    nv = valid.sum(axis=0)
    out = np.empty((d.shape[1], len(e)))
    for c in range(len(e)):
        out[:, c] = ((idx == c) & valid).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = out / nv[:, None]
    out[nv == 0] = np.nan
    return out


# -- the pipeline's composites ---------------------------------------------------
#: Places per Monte Carlo chunk (bounds memory: draws x chunk x indicators).
MC_CHUNK = 4096
#: Kinds of share indicators whose household flags are support needs.
NEED_KINDS = ("need_share", "stacked_needs")


def household_correlations(row: Mapping[str, float]) -> dict[str, float]:
    """Household-level correlations of the flags, from one city-level row.

    ``row`` holds the (protected) statistics of the whole city: the top
    level's ``n_households``, ``flag_<need>``, ``needs_0/1/2p``,
    ``tenure_lt1``, ``tenure_ge10`` and ``inflow_need``
    (:mod:`veerkracht.analytics.statistics`). Raw noisy counts are fine: at
    city level the noise is a fraction of a percent.

    * ``need``: the common correlation of the support-need flags,
      :func:`flag_correlation` from the stacked needs;
    * ``inflow``: moved in < 1 year against any need (both: ``inflow_need``);
    * ``tenure``: recent arrival against long tenure, disjoint bins.

    Examples
    --------
    >>> row = {"n_households": 100, "flag_need_care": 10, "flag_need_income": 10,
    ...        "flag_need_outflow": 0, "flag_need_frail_elderly": 0,
    ...        "needs_0": 85, "needs_1": 10, "needs_2p": 5, "tenure_lt1": 10,
    ...        "tenure_ge10": 40, "inflow_need": 3}
    >>> {k: round(v, 3) for k, v in household_correlations(row).items()}
    {'need': 0.444, 'inflow': 0.14, 'tenure': -0.272}
    """
    from veerkracht.analytics.statistics import SUPPORT_NEEDS

    def get(name: str) -> float:
        v = row.get(name, 0.0)
        return 0.0 if v is None or not np.isfinite(v) else float(v)

    n = max(get("n_households"), 1.0)
    totals = {f: max(get(f"flag_{f}"), 0.0) for f in SUPPORT_NEEDS}
    stacked = [max(get(c), 0.0) for c in ("needs_0", "needs_1", "needs_2p")]
    c = flag_correlation(totals, n, stacked, support_needs=SUPPORT_NEEDS)
    iu = np.triu_indices(len(SUPPORT_NEEDS), 1)
    need = float(np.clip(np.mean(c[iu]), -0.2, 0.95))
    pa = np.clip((stacked[1] + stacked[2]) / n, 1e-6, 1 - 1e-6)
    pl = np.clip(get("tenure_lt1") / n, 1e-6, 1 - 1e-6)
    both = min(max(get("inflow_need"), 0.0) / n, pa, pl)
    inflow = float(np.clip((both - pa * pl) / np.sqrt(pa * (1 - pa) * pl * (1 - pl)),
                           -0.95, 0.95))
    ge10 = np.clip(get("tenure_ge10") / n, 1e-6, 1 - 1e-6)
    tenure = float(-np.sqrt(pl * ge10 / ((1 - pl) * (1 - ge10))))
    return {"need": need, "inflow": inflow, "tenure": tenure}


def indicator_correlation(kinds: Sequence[str], meanings: Sequence[str | None],
                          rho: Mapping[str, float]) -> np.ndarray:
    """Correlation of the posterior errors of a place's drawn indicators.

    Within a place the sampling errors of two shares correlate as the
    household flags do (the phi coefficient, :func:`household_correlations`):
    need-type shares with ``rho['need']``, turnover with need-type shares
    with ``rho['inflow']``, turnover with long tenure as disjoint tenure bins
    (``rho['tenure']``); the reporting index shares its counts with the
    signal rates (``sqrt`` of the rate's share of all signals: 0.8 for
    pressure, 0.4 for attentiveness); two rates of one meaning 1. Other
    pairs 0. Made positive definite.

    >>> c = indicator_correlation(["need_share", "stacked_needs", "turnover"],
    ...                           [None, None, None],
    ...                           {"need": 0.3, "inflow": 0.1, "tenure": -0.2})
    >>> np.round(c, 2).tolist()
    [[1.0, 0.3, 0.1], [0.3, 1.0, 0.1], [0.1, 0.1, 1.0]]
    """
    k = len(kinds)
    c = np.eye(k)
    for a in range(k):
        for b in range(a + 1, k):
            ka, kb = kinds[a], kinds[b]
            pair = {ka, kb}
            r = 0.0
            if ka in NEED_KINDS and kb in NEED_KINDS:
                r = rho.get("need", 0.0)
            elif "turnover" in pair and pair & set(NEED_KINDS):
                r = rho.get("inflow", 0.0)
            elif pair == {"turnover", "long_tenure"}:
                r = rho.get("tenure", 0.0)
            elif pair == {"signal_rate", "reporting_index"}:
                m = meanings[a] if ka == "signal_rate" else meanings[b]
                r = {"pressure": 0.8, "attentiveness": 0.4, "all": 1.0}.get(m, 0.0)
            elif pair == {"signal_rate"} and meanings[a] == meanings[b]:
                r = 1.0
            c[a, b] = c[b, a] = r
    w, v = np.linalg.eigh(c)
    c = (v * np.maximum(w, 1e-6)) @ v.T
    d = np.sqrt(np.diag(c))
    return c / np.outer(d, d)


def inverse_link(link: str, z: np.ndarray) -> np.ndarray:
    """From the draw scale back to the indicator: logit, log or 0..1."""
    from scipy.special import expit

    if link == "logit":
        return expit(z)
    if link == "log":
        return np.exp(np.minimum(z, 50))
    return np.clip(z, 0, 1)


def central_interval(d: np.ndarray, interval: float) -> tuple[np.ndarray, np.ndarray]:
    """Central interval of draws along axis 1 (order statistics, interpolated).

    The fast path of :func:`summarise_draws` for draws without NaN (a
    partition instead of a sort).

    >>> lo, hi = central_interval(np.arange(101.0)[None, :], 0.9)
    >>> round(float(lo[0]), 6), round(float(hi[0]), 6)
    (5.0, 95.0)
    """
    n = d.shape[1]
    q = (0.5 - interval / 2) * (n - 1)
    i = int(np.floor(q))
    f = q - i
    j = n - 1 - i
    srt = np.partition(d, [i, min(i + 1, n - 1), max(j - 1, 0), j], axis=1)
    lo = srt[:, i] * (1 - f) + srt[:, min(i + 1, n - 1)] * f
    hi = srt[:, j] * (1 - f) + srt[:, max(j - 1, 0)] * f
    return lo, hi


def composite_draws(drawn: Mapping[str, tuple], corr: np.ndarray,
                    groups: Mapping[str, Sequence[tuple]], edges, n_places: int,
                    n_draws: int, seed: int, interval: float,
                    rows: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Monte Carlo composites (pressure, resilience, balance) of a level's places.

    Parameters
    ----------
    drawn : mapping name -> (link, loc, scale, multiplier)
        Posterior of each drawn indicator on its draw scale (normal ``loc``,
        ``scale`` per place; ``link`` :func:`inverse_link`), in the order of
        ``corr``.
    corr : ndarray
        Correlation of the drawn indicators (:func:`indicator_correlation`).
    groups : mapping group -> sequence of (name, weight, score, scaler)
        The indicators of ``pressure`` and ``resilience``: ``score`` the
        point score per place (NaN: the place lacks it); ``scaler`` maps an
        indicator value to its score (for the drawn ones).
    edges : array_like
        Class lower bounds, best first (:func:`class_probabilities`).
    rows : array_like, optional
        Only these places (the others get NaN).

    Returns
    -------
    dict
        ``<group>_lo``, ``<group>_hi`` of the three composites,
        ``balance_sd`` and ``class_share`` (places x classes). Float32 draws
        in chunks of :data:`MC_CHUNK` places; one generator seeded by ``seed``.
    """
    names = list(drawn)
    rows = np.arange(n_places) if rows is None else np.asarray(rows)
    chol = (np.linalg.cholesky(np.asarray(corr)).astype(np.float32) if names
            else None)
    edges = np.asarray(edges, dtype="float64")
    k = len(edges)
    out = {f"{g}_{s}": np.full(n_places, np.nan)
           for g in ("pressure", "resilience", "balance") for s in ("lo", "hi")}
    out["balance_sd"] = np.full(n_places, np.nan)
    out["class_share"] = np.full((n_places, k), np.nan)
    rng = np.random.default_rng(seed)
    f32 = np.float32
    for lo in range(0, len(rows), MC_CHUNK):
        idx = rows[lo:lo + MC_CHUNK]
        m = len(idx)
        e = rng.standard_normal((len(names), m, n_draws), dtype=f32) if names else None
        comp = {}
        for g, items in groups.items():
            num = np.zeros((m, n_draws), dtype=f32)
            wsum = np.zeros(m, dtype=f32)
            for name, weight, score, scaler in items:
                sc = score[idx]
                ok = ~np.isnan(sc)
                w = f32(weight)
                if name in drawn:
                    j = names.index(name)
                    z = chol[j, 0] * e[0]
                    for kk in range(1, j + 1):
                        z += chol[j, kk] * e[kk]
                    link, loc, scale, mult = drawn[name]
                    z *= scale[idx].astype(f32)[:, None]
                    z += loc[idx].astype(f32)[:, None]
                    v = inverse_link(link, z)
                    if mult != 1.0:
                        v *= f32(mult)
                    s = scaler(v)
                    s[~ok] = 0
                    num += w * s
                else:
                    num += (w * np.where(ok, sc, 0).astype(f32))[:, None]
                wsum += np.where(ok, w, f32(0))
            with np.errstate(invalid="ignore", divide="ignore"):
                comp[g] = num / np.where(wsum > 0, wsum, np.nan)[:, None]
        comp["balance"] = comp["resilience"] - comp["pressure"]
        for g, d in comp.items():
            q_lo, q_hi = central_interval(d, interval)
            out[f"{g}_lo"][idx] = q_lo
            out[f"{g}_hi"][idx] = q_hi
        b = comp["balance"]
        out["balance_sd"][idx] = b.std(axis=1)
        out["class_share"][idx] = class_probabilities(b.T, edges)
    return out
