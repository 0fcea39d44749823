"""Staggered difference-in-differences (Callaway & Sant'Anna, 2021).

The estimator is not written here: ``moderndid`` is a maintained Python port of
R's ``did`` package and reproduces its reference results to machine precision
(see ``tests/analytics/test_evaluation_did.py``). This module only states the
question in Veerkracht's terms: a panel of places and periods, an outcome, and
the first period in which a place had an intervention (0 for places that never
had one: the comparison places).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats


@dataclass(frozen=True)
class Effect:
    """An average effect on the treated places, with its interval."""

    att: float
    se: float
    level: float  # confidence level of the interval, e.g. 0.90
    n_treated: int
    n_comparison: int
    #: p-value of the Wald pre-test of parallel trends (all ATT(g, t) before
    #: the start zero); None without a period before a start to test on.
    pretrend_p: float | None = None
    #: the interval's ends when the method gives them itself (the synthetic
    #: control's placebo quantiles); None for the t interval below
    bounds: tuple[float, float] | None = None
    #: "did" (Callaway & Sant'Anna) or "synth" (synthetic control)
    method: str = "did"

    @property
    def interval(self) -> tuple[float, float]:
        """``bounds`` when given; else the Student-t interval with
        ``n_treated - 1`` degrees of freedom.

        The analytic standard error is asymptotic in the number of places;
        with few treated places it is too small (docs/evaluation.md: 73 %
        coverage of a 90 % interval on 160 places). The t quantile with one
        degree of freedom less than the treated places is the usual small-
        sample correction for a mean over few clusters (ADR 0025); with
        hundreds of treated places it is the normal interval.
        """
        if self.bounds is not None:
            return self.bounds
        q = stats.t.ppf(0.5 + self.level / 2, max(self.n_treated - 1, 1))
        return (self.att - q * self.se, self.att + q * self.se)

    def covers(self, value: float) -> bool:
        lo, hi = self.interval
        return lo <= value <= hi


def staggered_att(
    panel: pd.DataFrame,
    outcome: str,
    *,
    place: str = "place",
    period: str = "period",
    first_treated: str = "first_treated",
    level: float = 0.90,
) -> Effect:
    """The simple aggregated ATT of Callaway & Sant'Anna on a balanced panel.

    ``panel`` has one row per place and period; ``period`` is an integer;
    ``first_treated`` is the first period with the intervention, 0 for never.
    Comparison places are the never-treated ones; the estimator is doubly
    robust without covariates and the standard error is analytic.
    """
    import moderndid
    import polars as pl

    missing = {place, period, first_treated, outcome} - set(panel.columns)
    if missing:
        raise ValueError(f"panel mist kolommen: {sorted(missing)}")
    if not 0 < level < 1:
        raise ValueError("level moet tussen 0 en 1 liggen")
    frame = panel[[place, period, first_treated, outcome]].copy()
    if frame[outcome].isna().any():
        raise ValueError(f"uitkomst {outcome!r} heeft lege waarden")
    first = frame.groupby(place)[first_treated].first()
    n_treated = int((first > 0).sum())
    n_comparison = int((first == 0).sum())
    if n_treated == 0 or n_comparison == 0:
        raise ValueError("nodig: plaatsen met én zonder interventie")
    result = moderndid.att_gt(
        data=pl.from_pandas(frame),
        yname=outcome,
        tname=period,
        idname=place,
        gname=first_treated,
        boot=False,
        alp=1 - level,
    )
    simple = moderndid.aggte(result, type="simple")
    p = result.wald_pvalue
    return Effect(
        att=float(simple.overall_att),
        se=float(simple.overall_se),
        level=level,
        n_treated=n_treated,
        n_comparison=n_comparison,
        pretrend_p=None if p is None or not np.isfinite(p) else float(p),
    )


def placebo_att(
    panel: pd.DataFrame,
    outcome: str,
    rng: np.random.Generator,
    *,
    place: str = "place",
    period: str = "period",
    first_treated: str = "first_treated",
    share: float = 0.3,
    level: float = 0.90,
) -> Effect:
    """A placebo: the same estimate with invented interventions.

    The places that really had an intervention are left out; a random ``share``
    of the comparison places gets an invented start, drawn like the real ones.
    With no real effect behind them, the interval should cover zero in about
    ``level`` of the draws; when it does far less often, the comparison places
    do not follow parallel trends.
    """
    first = panel.groupby(place)[first_treated].first()
    real_starts = first[first > 0].to_numpy()
    never = first.index[first == 0].to_numpy()
    if len(real_starts) == 0 or len(never) < 4:
        raise ValueError("te weinig plaatsen voor een placebo")
    n_fake = max(1, round(share * len(never)))
    fake = rng.choice(never, size=n_fake, replace=False)
    starts = dict.fromkeys(never, 0) | dict(
        zip(fake, rng.choice(real_starts, size=n_fake), strict=True)
    )
    rest = panel[panel[place].isin(never)].copy()
    rest[first_treated] = rest[place].map(starts).astype(int)
    return staggered_att(
        rest, outcome, place=place, period=period,
        first_treated=first_treated, level=level,
    )

