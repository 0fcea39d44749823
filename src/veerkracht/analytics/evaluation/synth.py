"""Synthetic control for one large place (Abadie, Diamond & Hainmueller, 2010).

With a single treated place a difference-in-differences has no spread across
treated places to estimate its uncertainty from. The synthetic control builds
that place's counterfactual as a weighted mean of comparison places (weights
non-negative, summing to one) that follows its outcome before the start; the
effect is the mean gap after the start.

The weights are not computed here: ``pysyncon`` is a maintained Python port of
R's ``Synth`` (its inner quadratic programme with a given V). This module
states the question in Veerkracht's terms and adds what ``Synth`` leaves to
the analyst (docs/evaluation.md, ADR 0027):

* **the predictors** are the outcome in each period before the start, with
  equal weight (V the identity): the fit minimises the gap before the start;
* **the interval** inverts the placebo-in-space test (Abadie et al. 2010;
  Firpo & Possebom 2018): every comparison place in turn is given the same
  start and its own synthetic control from the others; under no effect the
  treated place's mean gap is drawn like theirs, so the interval is the
  estimate minus the placebos' quantiles;
* **the pre-fit check** (in the role of the pre-test of parallel trends): the
  share of placebos whose fit before the start is as bad or worse than the
  treated place's; below 0.05 the synthetic place did not follow the real one
  and the verdict is "niet te vertrouwen";
* **the placebo** is in time: the same estimate with the start moved back to
  halfway the periods before it, on those periods only; its interval should
  cover zero.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from veerkracht.analytics.evaluation.did import Effect


def min_donors(level: float) -> int:
    """Fewest comparison places for a ``level`` interval from the placebos.

    The interval's ends are order statistics of the placebos' gaps; with
    fewer than ``2 / (1 - level) - 1`` of them the outer ones are the ends
    and the stated level cannot be reached.

    >>> min_donors(0.90)
    19
    >>> min_donors(0.80)
    9
    """
    return math.ceil(round(2 / (1 - level), 9)) - 1


def synthetic_weights(treated: np.ndarray, donors: np.ndarray) -> np.ndarray:
    """Weights (≥ 0, sum 1) of the donors' columns that best follow ``treated``.

    ``treated`` has one value per period before the start, ``donors`` one
    column per comparison place. Each period is scaled by its spread over the
    places, as ``Synth`` does; periods where every place has the same value
    say nothing and are left out.
    """
    from pysyncon import Synth

    x = np.column_stack([donors, treated]).astype("float64")
    spread = x.std(axis=1)
    keep = spread > 1e-12
    n = donors.shape[1]
    if not keep.any():
        return np.full(n, 1.0 / n)
    x = x[keep]
    cols = [f"d{i}" for i in range(n)]
    x0 = pd.DataFrame(x[:, :n], columns=cols)
    x1 = pd.Series(x[:, n], name="treated")
    synth = Synth()
    synth.fit(X0=x0, X1=x1, Z0=x0, Z1=x1, custom_V=np.ones(len(x0)))
    w = np.clip(np.asarray(synth.W, dtype="float64"), 0.0, None)
    return w / w.sum()


def _fit(wide: np.ndarray, unit: int, donors: np.ndarray, first: int
         ) -> tuple[float, float, np.ndarray]:
    """(mean gap from ``first``, root mean squared gap before, weights)."""
    pre = slice(0, first - 1)
    w = synthetic_weights(wide[pre, unit], wide[pre][:, donors])
    gaps = wide[:, unit] - wide[:, donors] @ w
    return float(gaps[first - 1:].mean()), float(np.sqrt(np.mean(gaps[pre] ** 2))), w


def synthetic_att(wide: pd.DataFrame, treated: str, first: int, *,
                  level: float = 0.90) -> tuple[Effect, pd.Series]:
    """The effect on one treated place, its interval and its pre-fit check.

    Parameters
    ----------
    wide : DataFrame
        One row per period in order (1, 2, …), one column per place: the
        treated one and the comparison places (the donors).
    treated : str
        The treated place's column.
    first : int
        The first period with the intervention (1-based row number); at least
        two periods before it are needed to fit on.
    level : float
        Confidence level of the interval.

    Returns
    -------
    (Effect, Series)
        The effect (``pretrend_p`` is the pre-fit check's share) and the
        donors' weights by column name.
    """
    if treated not in wide.columns:
        raise ValueError(f"plaats {treated!r} is niet in het panel")
    if not 0 < level < 1:
        raise ValueError("level moet tussen 0 en 1 liggen")
    if not 3 <= first <= len(wide):
        raise ValueError("nodig: minstens twee periodes voor de start en één erna")
    if wide.isna().to_numpy().any():
        raise ValueError("het panel heeft lege waarden")
    names = [treated] + [c for c in wide.columns if c != treated]
    y = wide[names].to_numpy(dtype="float64")
    donors = np.arange(1, len(names))
    if len(donors) < min_donors(level):
        raise ValueError(f"{len(donors)} vergelijkbare plaatsen; nodig: "
                         f"{min_donors(level)}")
    att, rmspe, w = _fit(y, 0, donors, first)
    placebo = np.array([_fit(y, j, donors[donors != j], first)[:2] for j in donors])
    gaps, fits = placebo[:, 0], placebo[:, 1]
    # accept an effect θ when the treated gap minus θ is not among the m most
    # extreme of the J + 1 places on either side: the coverage is then
    # 1 - 2m / (J + 1) ≥ level for exchangeable places
    m = max(1, math.floor((1 - level) / 2 * (len(gaps) + 1) + 1e-9))
    order = np.sort(gaps)
    lo_q, hi_q = order[m - 1], order[len(order) - m]
    fit_share = (1 + int((fits >= rmspe - 1e-12).sum())) / (len(fits) + 1)
    # when every placebo gap lies on one side the inverted test can leave out
    # the estimate itself; the interval is then widened to hold it
    lo, hi = att - hi_q, att - lo_q
    effect = Effect(att=att, se=float(gaps.std(ddof=1)), level=level, n_treated=1,
                    n_comparison=len(donors), pretrend_p=fit_share,
                    bounds=(min(lo, att), max(hi, att)), method="synth")
    return effect, pd.Series(w, index=names[1:])


def placebo_in_time(wide: pd.DataFrame, treated: str, first: int, *,
                    level: float = 0.90) -> Effect:
    """The same estimate with the start moved back, on the periods before it.

    The fake start is halfway the ``first - 1`` periods before the real one
    (at least two periods to fit on and one to estimate on): with the real
    intervention not yet there, its interval should cover zero.
    """
    before = first - 1
    if before < 3:
        raise ValueError("te weinig periodes voor de start voor een placebo in de tijd")
    fake = max(3, before // 2 + 1)
    return synthetic_att(wide.iloc[:before], treated, fake, level=level)[0]
