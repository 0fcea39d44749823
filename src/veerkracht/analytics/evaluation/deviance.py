"""Positive deviance: places doing clearly better than their composition predicts.

Per place of one level and period: the outcome ``y`` (balance by default)
with its own uncertainty ``se`` (the model's posterior sd), and what the
place is made of — the shares of households with a support need, with two
or more needs, that moved in within a year, that came with a need
(inflow), and the log of its dwellings, all from protected statistics.

1. A weighted least-squares regression of ``y`` on that composition gives
   what a place like this one usually scores; the residual ``r`` is how
   much better or worse it does.
2. The residuals are shrunk (empirical Bayes, normal–normal): with
   ``tau²`` the variance of the true deviations (Paule–Mandel: the value at
   which the residuals, weighted by ``1 / (tau² + se²)``, have as much spread
   as their degrees of freedom; 0 when even ``tau² = 0`` leaves less), the
   shrunk deviation is ``r · tau² / (tau² + se²)`` with posterior sd
   ``sqrt(tau² se² / (tau² + se²))``. A small or noisy place is pulled to
   zero; only a clear, well-measured difference stays.
3. A place is a **positive deviant** when the lower end of its interval is
   above zero.

:func:`rank_stability` compares two periods: Spearman's rank correlation of
the shrunk deviations of the places in both.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

#: Composition the prediction uses: name → (numerator column, or a function).
COMPOSITION = ("share_need", "share_two_needs", "share_new", "share_inflow_need",
               "log_dwellings")


def composition(st: pd.DataFrame) -> pd.DataFrame:
    """The covariates of :data:`COMPOSITION` from protected statistics rows.

    Shares over the protected households (at least 1), clipped to [0, 1]:
    the noise can push a small count below zero or above the total.

    >>> st = pd.DataFrame({"place_id": ["a"], "n_households": [20],
    ...     "n_dwellings": [22], "needs_1": [4], "needs_2p": [2],
    ...     "tenure_lt1": [5], "inflow_need": [1]})
    >>> composition(st).round(3).iloc[0].tolist()
    [0.3, 0.1, 0.25, 0.05, 3.091]
    """
    n = np.maximum(st["n_households"].to_numpy(dtype="float64"), 1.0)

    def share(col: str) -> np.ndarray:
        v = st[col].to_numpy(dtype="float64") if col in st else np.zeros(len(st))
        return np.clip(v / n, 0.0, 1.0)

    out = pd.DataFrame({
        "share_need": np.clip(share("needs_1") + share("needs_2p"), 0, 1),
        "share_two_needs": share("needs_2p"),
        "share_new": share("tenure_lt1"),
        "share_inflow_need": share("inflow_need"),
        "log_dwellings": np.log(np.maximum(st["n_dwellings"].to_numpy(
            dtype="float64"), 1.0)),
    })
    out.index = st["place_id"].astype("str").to_numpy()
    return out


def positive_deviance(y: pd.Series, se: pd.Series, covariates: pd.DataFrame,
                      level: float = 0.90) -> pd.DataFrame:
    """Shrunk deviations from the composition's prediction, with intervals.

    ``y``, ``se`` and ``covariates`` are indexed by place id (the places in
    all three, with finite values, are used; at least 10 more than
    covariates). Returns per place ``predicted``, ``residual``,
    ``deviation`` (shrunk), ``deviation_lo``/``deviation_hi``,
    ``positive`` (lower end above zero) and ``rank`` (1 = most above its
    prediction), sorted by deviation, best first; ``attrs["tau"]`` holds
    the spread of the true deviations.
    """
    if not 0 < level < 1:
        raise ValueError("level moet tussen 0 en 1 liggen")
    ids = y.index.intersection(se.index).intersection(covariates.index)
    frame = pd.concat([y.rename("y"), se.rename("se"), covariates], axis=1).loc[ids]
    frame = frame[np.isfinite(frame.to_numpy(dtype="float64")).all(axis=1)]
    k = covariates.shape[1] + 1
    if len(frame) < k + 10:
        raise ValueError(f"te weinig plaatsen ({len(frame)}) om te voorspellen wat "
                         f"past bij de samenstelling; nodig: {k + 10}")
    X = np.column_stack([np.ones(len(frame)), frame[covariates.columns].to_numpy()])
    yy = frame["y"].to_numpy()
    s2 = np.maximum(frame["se"].to_numpy(), 1e-9) ** 2
    def fit(t2: float):
        sw = np.sqrt(1.0 / (t2 + s2))
        b = np.linalg.lstsq(X * sw[:, None], yy * sw, rcond=None)[0]
        res = yy - X @ b
        return b, float(np.sum(res ** 2 / (t2 + s2))) - (len(yy) - k)

    # Paule-Mandel: tau^2 where the weighted residual sum of squares equals
    # its degrees of freedom (decreasing in tau^2); robust to places whose
    # own noise is large, unlike the plain method of moments
    beta, excess = fit(0.0)
    tau2 = 0.0
    if excess > 0:
        lo, hi = 0.0, max(float(np.var(yy)), 1e-12) * 4
        while fit(hi)[1] > 0:
            hi *= 4
        for _ in range(100):
            mid = (lo + hi) / 2
            if fit(mid)[1] > 0:
                lo = mid
            else:
                hi = mid
            if hi - lo < 1e-12 * max(hi, 1e-12):
                break
        tau2 = (lo + hi) / 2
        beta = fit(tau2)[0]
    r = yy - X @ beta
    factor = tau2 / (tau2 + s2)
    dev = r * factor
    sd = np.sqrt(tau2 * s2 / (tau2 + s2))
    z = stats.norm.ppf(0.5 + level / 2)
    out = pd.DataFrame({
        "predicted": X @ beta, "residual": r, "deviation": dev,
        "deviation_lo": dev - z * sd, "deviation_hi": dev + z * sd,
    }, index=frame.index)
    out["positive"] = out["deviation_lo"] > 0
    out = out.sort_values("deviation", ascending=False)
    out["rank"] = np.arange(1, len(out) + 1)
    out.attrs["tau"] = float(np.sqrt(tau2))
    return out


def rank_stability(a: pd.DataFrame, b: pd.DataFrame) -> tuple[float, int]:
    """Spearman's rank correlation of two periods' deviations, and the places.

    ``a`` and ``b`` are :func:`positive_deviance` frames; only places in
    both count. NaN with fewer than 3 in common.
    """
    both = a.index.intersection(b.index)
    if len(both) < 3:
        return float("nan"), len(both)
    rho = stats.spearmanr(a.loc[both, "deviation"], b.loc[both, "deviation"])
    return float(rho.statistic), len(both)
