"""Places going quiet: a per-place test of the reporting rate of one quarter.

Growing indifference shows up as falling reporting (DESIGN.md §5.4). For the
tested quarter ``t`` and every place this module asks: are there fewer
signals than the place's own history, the city's trend and the change of the
place's composition predict? It is the quarterly, per-place counterpart of
model 2.0's reporting index (``reporting_index``, docs/method.md §2.5) and
uses the same regression: the composition's effect on the reporting rate is
``exp(x b)`` with ``x`` :func:`~veerkracht.analytics.model.compute.reporting_covariates`
and ``b`` either the model file's ``[reference.reporting] beta`` or fitted
here with the model's own :func:`~veerkracht.analytics.model.estimate.poisson_glm`.

Model
-----
Over the window ``W`` of the ``h`` baseline quarters and ``t``, place ``i``
in quarter ``q`` has signals ``y_iq ~ Poisson(lambda_i d_iq r_iq theta_q G_iq)``:

* ``lambda_i`` the place's own propensity to report (unknown, free);
* ``d_iq`` its dwellings, ``r_iq = exp(x_iq b)`` the rate its composition
  predicts (1 without composition);
* ``theta_q`` the city-wide quarter effect (season, trend, a new app), a
  two-way multiplicative fit over all places; for place ``i`` itself it is
  taken *without* place ``i`` (leave-one-out), so a place cannot explain its
  own drop away;
* ``G_iq ~ Gamma(c, 1/c)`` over-dispersion from quarter to quarter (negative
  binomial counts; ``c = inf`` is Poisson).

Test
----
Conditioning on the place's total ``n_i`` over ``W`` removes ``lambda_i``
(no street effect needs to be estimated). With ``w_iq = d_iq r_iq theta_q``
and ``pi_i = w_it / sum_W w_iq`` the tested count is then

* Poisson (``c = inf``): ``y_it | n_i ~ Binomial(n_i, pi_i)``, exact;
* with the gamma noise: ``y_it | n_i ~ BetaBinomial(n_i, c (h+1) pi_i,
  c (h+1) (1 - pi_i))`` — exact when the ``w_iq`` are equal over the window
  (normalised independent gammas are Dirichlet, independent of their sum),
  a close approximation otherwise.

``c`` is estimated by maximum likelihood of the Dirichlet-multinomial of the
*baseline* quarters over all places (the tested quarter is left out, so a
place going quiet does not widen its own test). The one-sided p-value is the
exact lower tail ``P(Y <= y_it)`` (discrete, hence conservative); Holm's
step-down gives ``p_adjusted`` over the places tested in the quarter, which
bounds the probability of *any* false alarm in a null quarter by ``alpha``
(family-wise, any dependence). Places whose expected count is below
``min_expected`` are not tested: they could not reach significance and would
only dilute the others' correction.

Why this and not a z-test on ``log(R / P)`` (the model's ``going_quiet``):
the conditional test needs no estimate of the street's level, is exact for
small counts, and puts the city trend and the composition into the
expectation instead of leaving them in the trend.

Power is limited by the tested quarter's own noise: with ``m`` places the
per-place level is about ``alpha / m``. For 300 streets (about 190 tested)
even a test that knew the street's mean exactly finds a 50 % drop from 20
signals a quarter in 13 % of quarters, from 60 in 80 %, from 120 in 99.8 %;
this test (4 baseline quarters, Poisson city) finds 6 %, 60 % and 95 %, with
8 baseline quarters 76 % at 60. With quarter-to-quarter over-dispersion
(gamma shape 10, a 32 % coefficient of variation) a 50 % drop in a single
quarter is within a street's normal fluctuation: no test can find it
(oracle 2 %, this test 2 %). ``tests/analytics/test_warning_quiet.py``
reports these figures. Sustained quieting accumulates over quarters in
the model's ``reporting_trend``.

Privacy: one row per place (street, block, ...), never per household or
address; the counts and the composition are the per-place (protected)
statistics.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from veerkracht.analytics.model.compute import (
    REPORTING_COVARIATES,
    reporting_covariates,
)
from veerkracht.analytics.model.estimate import poisson_glm

__all__ = ["QuietSettings", "quiet_places", "quarter_index", "quarter_label",
           "holm"]

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
COUNT_COLUMNS = ("place_id", "quarter", "signals", "n_dwellings")
#: statistics columns from which :func:`reporting_covariates` computes ``x``
COMPOSITION_COUNTS = ("n_households", "needs_1", "needs_2p", "tenure_lt1",
                      "tenure_ge10")
#: ``c`` above this is treated as Poisson (no over-dispersion)
POISSON_DISPERSION = 1e6


@dataclass(frozen=True)
class QuietSettings:
    """Settings of :func:`quiet_places`.

    Attributes
    ----------
    history_quarters : int
        Quarters before the tested one that form the baseline.
    alpha : float
        Family-wise error: P(any false alarm in a quarter of a null city) <= alpha.
    min_expected : float
        Places whose expected count is below this are not tested.
    reporting_beta : tuple of float, optional
        ``(b0, b...)`` of the reporting regression (the model file's
        ``[reference.reporting] beta``, covariates
        :data:`~veerkracht.analytics.model.compute.REPORTING_COVARIATES`).
        None: fitted on the baseline quarters (only used with a composition).
    """

    history_quarters: int = 4
    alpha: float = 0.05
    min_expected: float = 5.0
    reporting_beta: tuple[float, ...] | None = None


def quarter_index(label: str) -> int:
    """``'2025-Q3'`` -> a running quarter number (year * 4 + quarter - 1).

    Examples
    --------
    >>> quarter_index("2025-Q1") - quarter_index("2024-Q4")
    1
    """
    m = _QUARTER.match(str(label))
    if m is None:
        raise ValueError(f"onbekend kwartaal {label!r}: verwacht de vorm '2025-Q3'")
    return int(m.group(1)) * 4 + int(m.group(2)) - 1


def quarter_label(index: int) -> str:
    """The inverse of :func:`quarter_index`.

    Examples
    --------
    >>> quarter_label(quarter_index("2025-Q3"))
    '2025-Q3'
    """
    return f"{index // 4}-Q{index % 4 + 1}"


def holm(p: np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values (family-wise error, any dependence).

    Examples
    --------
    >>> holm(np.array([0.01, 0.04, 0.03])).round(2).tolist()
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(p, dtype="float64")
    m = len(p)
    if m == 0:
        return p.copy()
    order = np.argsort(p, kind="stable")
    adj = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out = np.empty(m)
    out[order] = np.minimum(adj, 1.0)
    return out


# -- input --------------------------------------------------------------------
def _check_settings(s: QuietSettings) -> None:
    if int(s.history_quarters) != s.history_quarters or s.history_quarters < 1:
        raise ValueError("history_quarters moet een geheel getal van minstens 1 zijn")
    if not 0 < s.alpha < 1:
        raise ValueError("alpha moet tussen 0 en 1 liggen")
    if not s.min_expected >= 0:
        raise ValueError("min_expected mag niet negatief zijn")
    if s.reporting_beta is not None and len(s.reporting_beta) != 1 + len(
            REPORTING_COVARIATES):
        raise ValueError(f"reporting_beta moet {1 + len(REPORTING_COVARIATES)} "
                         "coëfficiënten hebben (b0 en één per covariaat)")


def _quarters(col: pd.Series, what: str) -> np.ndarray:
    codes, uniq = pd.factorize(col, use_na_sentinel=False)
    idx = np.empty(len(uniq), dtype="int64")
    for j, label in enumerate(uniq):
        m = _QUARTER.match(label) if isinstance(label, str) else None
        if m is None:
            raise ValueError(f"onbekend kwartaal {label!r} in {what}: "
                             "verwacht de vorm '2025-Q3'")
        idx[j] = int(m.group(1)) * 4 + int(m.group(2)) - 1
    return idx[codes]


def _check_counts(counts: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(counts, pd.DataFrame):
        raise ValueError("de tellingen moeten een tabel (DataFrame) zijn")
    missing = [c for c in COUNT_COLUMNS if c not in counts.columns]
    if missing:
        raise ValueError("kolommen ontbreken in de tellingen: " + ", ".join(missing))
    c = counts[list(COUNT_COLUMNS)].copy()
    c["qi"] = _quarters(c["quarter"], "de tellingen")
    for col, label in (("signals", "meldingen"), ("n_dwellings", "woningen")):
        v = pd.to_numeric(c[col], errors="coerce")
        if v.isna().any():
            raise ValueError(f"ontbrekend of niet-numeriek aantal {label} in de "
                             "tellingen")
        if (v < 0).any():
            raise ValueError(f"negatief aantal {label} in de tellingen")
        c[col] = v.astype("float64")
    if (c["signals"] != np.round(c["signals"])).any():
        raise ValueError("het aantal meldingen moet een geheel getal zijn")
    if c.duplicated(["place_id", "qi"]).any():
        raise ValueError("een plaats komt meer dan eens voor in hetzelfde kwartaal")
    return c


def _covariates(composition: pd.DataFrame) -> pd.DataFrame:
    """place_id, qi and the columns of REPORTING_COVARIATES."""
    if not isinstance(composition, pd.DataFrame):
        raise ValueError("de samenstelling moet een tabel (DataFrame) zijn")
    for col in ("place_id", "quarter"):
        if col not in composition.columns:
            raise ValueError(f"kolom {col} ontbreekt in de samenstelling")
    shares = list(REPORTING_COVARIATES[:-1])
    if all(c in composition.columns for c in shares):
        Z = composition.reindex(columns=list(REPORTING_COVARIATES)).to_numpy(
            dtype="float64", copy=True)
        Z[:, -1] = np.nan_to_num(Z[:, -1])          # entrance size: 0 if absent
    elif all(c in composition.columns for c in COMPOSITION_COUNTS):
        ent = (composition["log_entrance_size"].to_numpy(dtype="float64")
               if "log_entrance_size" in composition.columns else None)
        Z = reporting_covariates(composition,
                                 composition["n_households"].to_numpy(dtype="float64"),
                                 ent)
        Z[composition["n_households"].isna().to_numpy()] = np.nan
    else:
        raise ValueError("de samenstelling heeft de kolommen "
                         + ", ".join(shares) + " of " + ", ".join(COMPOSITION_COUNTS)
                         + " nodig")
    out = pd.DataFrame(Z, columns=list(REPORTING_COVARIATES))
    out.insert(0, "qi", _quarters(composition["quarter"], "de samenstelling"))
    out.insert(0, "place_id", composition["place_id"].to_numpy())
    if out.duplicated(["place_id", "qi"]).any():
        raise ValueError("een plaats komt meer dan eens voor in hetzelfde kwartaal "
                         "van de samenstelling")
    return out


def _pivot(ids: np.ndarray, qi: np.ndarray, values: np.ndarray, places: np.ndarray,
           window: np.ndarray) -> np.ndarray:
    """``values`` of rows (ids, qi) as a (places x window [x columns]) array,
    nan where a row is missing."""
    pos = pd.Index(places).get_indexer(ids)
    col = qi - window[0]
    ok = (pos >= 0) & (col >= 0) & (col < len(window))
    out = np.full((len(places), len(window), *values.shape[1:]), np.nan)
    out[pos[ok], col[ok]] = values[ok]
    return out


def _lower_tail(obs: np.ndarray, n: np.ndarray, a: np.ndarray | None,
                b: np.ndarray | None, pi: np.ndarray) -> np.ndarray:
    """``P(Y <= obs)``: binomial (``a`` None) or beta-binomial, vectorised."""
    if a is None:
        return stats.binom.cdf(obs, n, pi)
    obs = obs.astype("int64")
    if len(obs) == 0:
        return np.zeros(0)
    reps = obs + 1
    row = np.repeat(np.arange(len(obs)), reps)
    start = np.r_[0, np.cumsum(reps)[:-1]]
    kk = np.arange(reps.sum()) - np.repeat(start, reps)
    pmf = stats.betabinom.pmf(kk, n[row], a[row], b[row])
    return np.add.reduceat(pmf, start)


# -- the model ------------------------------------------------------------------
def _city_effect(Y: np.ndarray, A: np.ndarray, iterations: int = 100
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Two-way multiplicative Poisson fit ``E[y_iq] = lambda_i A_iq theta_q``.

    Returns ``(lambda, theta)`` (theta scaled to mean 1) by iterative
    proportional fitting, the maximum-likelihood fixed point.
    """
    theta = np.ones(Y.shape[1])
    tot = Y.sum(axis=1)
    for _ in range(iterations):
        den = A @ theta
        lam = np.where(den > 0, tot / np.where(den > 0, den, 1.0), 0.0)
        s = lam @ A
        new = np.where(s > 0, Y.sum(axis=0) / np.where(s > 0, s, 1.0), 0.0)
        new = new / max(new.mean(), 1e-300)
        if np.max(np.abs(new - theta)) < 1e-10:
            theta = new
            break
        theta = new
    den = A @ theta
    lam = np.where(den > 0, tot / np.where(den > 0, den, 1.0), 0.0)
    return lam, theta


def _dispersion(Y: np.ndarray, W: np.ndarray) -> float:
    """ML concentration ``c`` of the Dirichlet-multinomial of the rows of ``Y``.

    Row ``i`` has cell shares ``W_i / sum(W_i)``; its Dirichlet parameters
    are ``c * k * share`` over ``k`` cells (``c`` per quarter, as a gamma
    shape). Returns ``inf`` when the data show no over-dispersion.
    """
    n = Y.sum(axis=1)
    ok = (n >= 2) & (W.sum(axis=1) > 0) & np.all(W > 0, axis=1)
    if ok.sum() < 3:
        return np.inf
    Y, W, n = Y[ok], W[ok], n[ok]
    k = Y.shape[1]
    S = k * W / W.sum(axis=1, keepdims=True)

    def nll(logc):
        a = np.exp(logc) * S
        A = a.sum(axis=1)
        ll = (special.gammaln(A) - special.gammaln(n + A)
              + (special.gammaln(Y + a) - special.gammaln(a)).sum(axis=1))
        return -ll.sum()

    hi = np.log(POISSON_DISPERSION)
    res = optimize.minimize_scalar(nll, bounds=(np.log(0.05), hi), method="bounded",
                                   options={"xatol": 1e-3})
    if res.x > hi - 0.05 or nll(res.x) >= nll(hi) - 1e-9:
        return np.inf
    return float(np.exp(res.x))


def _rate_factor(places: np.ndarray, window: np.ndarray, cov: pd.DataFrame | None,
                 Y: np.ndarray, D: np.ndarray, beta) -> tuple[np.ndarray, np.ndarray,
                                                             np.ndarray | None]:
    """``r_iq = exp(x_iq b)`` over the window; places without complete
    covariates get 1. Returns (R, composition_used, beta)."""
    m, k = Y.shape
    if cov is None:
        return np.ones((m, k)), np.zeros(m, dtype=bool), None
    X = _pivot(cov["place_id"].to_numpy(), cov["qi"].to_numpy(),
               cov[list(REPORTING_COVARIATES)].to_numpy(dtype="float64"), places,
               window)
    used = np.isfinite(X).all(axis=(1, 2))
    if beta is None:
        # the model's Poisson regression over the places, on the baseline
        # quarters only (the tested quarter cannot teach it to expect a drop),
        # with quarter dummies for the city's trend
        rows = used[:, None] & np.ones((m, k - 1), dtype=bool)
        Xb = X[:, :-1, :][rows]
        dummies = np.zeros((m, k - 1, max(k - 2, 0)))
        for j in range(1, k - 1):
            dummies[:, j, j - 1] = 1.0
        Xd = np.concatenate([Xb, dummies[rows]], axis=1)
        if rows.sum() > Xd.shape[1] + 5:
            b = poisson_glm(Y[:, :-1][rows], D[:, :-1][rows], Xd)
            beta = np.r_[b[0], b[1:1 + len(REPORTING_COVARIATES)]]
        else:
            beta = np.zeros(1 + len(REPORTING_COVARIATES))
    beta = np.asarray(beta, dtype="float64")
    R = np.ones((m, k))
    eta = np.clip(np.nan_to_num(X[used]) @ beta[1:], -30, 30)
    R[used] = np.exp(eta - eta.mean(axis=1, keepdims=True))
    return R, used, beta


def quiet_places(counts: pd.DataFrame, quarter: str,
                 settings: QuietSettings = QuietSettings(),
                 composition: pd.DataFrame | None = None) -> pd.DataFrame:
    """Places that report fewer signals in ``quarter`` than expected.

    Parameters
    ----------
    counts : DataFrame
        One row per place and calendar quarter: ``place_id``, ``quarter``
        (``'2025-Q3'``), ``signals`` (integer >= 0; zero rows included) and
        ``n_dwellings``. A place is tested only when it has a row for the
        tested quarter and each of the ``history_quarters`` before it.
    quarter : str
        The tested quarter.
    settings : QuietSettings
    composition : DataFrame, optional
        Per place and quarter: ``place_id``, ``quarter`` and either the
        covariates of the reporting regression (``any_need``, ``needs_2p``,
        ``tenure_lt1``, ``tenure_ge10`` as shares, optional
        ``log_entrance_size``) or the (protected) statistics' counts
        ``n_households``, ``needs_1``, ``needs_2p``, ``tenure_lt1``,
        ``tenure_ge10`` from which
        :func:`~veerkracht.analytics.model.compute.reporting_covariates`
        computes them. A place's expected rate then changes as its
        composition predicts (a street whose needs rise should report more).
        A place without complete composition over the window is tested
        without it (``composition_used`` False).

    Returns
    -------
    DataFrame
        One row per tested place, lowest p-value first: ``place_id``,
        ``quarter``, ``observed``, ``expected`` (the baseline's signals
        projected to the tested quarter by dwellings, city trend and
        composition), ``ratio`` (observed / expected), ``p_value``
        (one-sided, low), ``p_adjusted`` (Holm over the tested places),
        ``flagged``, ``baseline`` (signals in the baseline quarters),
        ``baseline_quarters`` (``'2024-Q3..2025-Q2'``), ``city_ratio`` and
        ``composition_ratio`` (the predicted change of the rate from the
        baseline to the tested quarter), ``composition_used`` and
        ``dispersion`` (the estimated gamma shape ``c``; inf = Poisson).

    Raises
    ------
    ValueError
        In Dutch, for missing columns, an unknown quarter format, negative
        or non-integer counts, duplicate rows or too little history.

    Examples
    --------
    >>> rows = [{"place_id": p, "quarter": f"2024-Q{q}", "n_dwellings": 100,
    ...          "signals": 40 if (p, q) != ("A", 4) else 8}
    ...         for p in "ABCDEFGHIJ" for q in range(1, 5)]
    >>> res = quiet_places(pd.DataFrame(rows), "2024-Q4",
    ...                    QuietSettings(history_quarters=3))
    >>> res.loc[res.flagged, "place_id"].tolist()
    ['A']
    >>> round(float(res.iloc[0]["ratio"]), 2)
    0.2
    """
    _check_settings(settings)
    t = quarter_index(quarter)
    h = int(settings.history_quarters)
    c = _check_counts(counts)
    cov = _covariates(composition) if composition is not None else None
    present = set(c["qi"].unique())
    if t not in present:
        raise ValueError(f"het kwartaal {quarter} komt niet voor in de tellingen")
    window = np.arange(t - h, t + 1)
    lacking = [quarter_label(q) for q in window[:-1] if q not in present]
    if lacking:
        raise ValueError(f"te weinig geschiedenis voor {quarter}: de kwartalen "
                         + ", ".join(lacking) + " ontbreken in de tellingen")
    cw = c[c["qi"].isin(window)]
    ids = cw["place_id"].to_numpy()
    places = pd.unique(ids)
    YD = _pivot(ids, cw["qi"].to_numpy(), cw[["signals", "n_dwellings"]].to_numpy(),
                places, window)
    complete = np.isfinite(YD).all(axis=(1, 2))
    places, YD = places[complete], YD[complete]
    order = np.argsort(places.astype(str), kind="stable")
    places, YD = places[order], YD[order]
    Y, D = YD[..., 0], YD[..., 1]
    k = len(window)

    R, used, _beta = _rate_factor(places, window, cov, Y, D,
                                  settings.reporting_beta)
    A = D * R
    lam, theta = _city_effect(Y, A)
    # the city effect without the place itself (one step from the full fit)
    Yq, Sq = Y.sum(axis=0), (lam[:, None] * A).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        theta_loo = (Yq[None, :] - Y) / (Sq[None, :] - lam[:, None] * A)
        theta_loo = np.where(np.isfinite(theta_loo) & (theta_loo > 0), theta_loo,
                             np.nan)
        theta_loo = theta_loo * theta.mean() / np.nanmean(theta_loo, axis=1,
                                                          keepdims=True)
        w = A * theta_loo
        wb = w[:, :-1].sum(axis=1)
        baseline = Y[:, :-1].sum(axis=1)
        expected = baseline * w[:, -1] / wb
        n = Y.sum(axis=1)
        pi = w[:, -1] / w.sum(axis=1)
        city_ratio = theta[-1] / theta[:-1].mean()
        comp_ratio = R[:, -1] / (A[:, :-1] * theta[:-1]).sum(axis=1) * (
            D[:, :-1] * theta[:-1]).sum(axis=1)
    disp = _dispersion(Y[:, :-1], (A * theta)[:, :-1])
    tested = (np.isfinite(expected) & (expected >= settings.min_expected)
              & (expected > 0) & np.isfinite(pi) & (pi > 0) & (pi < 1))
    obs = Y[tested, -1]
    nt, pt = n[tested], pi[tested]
    if np.isinf(disp):
        p = _lower_tail(obs, nt, None, None, pt)
    else:
        conc = disp * k
        p = _lower_tail(obs, nt, conc * pt, conc * (1 - pt), pt)
    p = np.clip(p, 0.0, 1.0)
    padj = holm(p)
    out = pd.DataFrame({
        "place_id": places[tested],
        "quarter": quarter_label(t),
        "observed": obs.astype("int64"),
        "expected": expected[tested],
        "ratio": obs / expected[tested],
        "p_value": p,
        "p_adjusted": padj,
        "flagged": padj <= settings.alpha,
        "baseline": baseline[tested].astype("int64"),
        "baseline_quarters": f"{quarter_label(window[0])}..{quarter_label(window[-2])}",
        "city_ratio": float(city_ratio),
        "composition_ratio": comp_ratio[tested],
        "composition_used": used[tested],
        "dispersion": disp,
    })
    return out.sort_values(["p_value", "place_id"], kind="stable").reset_index(
        drop=True)
