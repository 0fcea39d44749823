"""One treatment, one outcome: matched comparison places, the effect, its checks.

:func:`evaluate` is what ``veerkracht evaluate`` runs for every intervention
and every combination, on every outcome (docs/evaluation.md):

1. the panel is made balanced (a place must have the outcome in every
   period);
2. the treated places get their first period (the one their intervention
   began in); places where it began before the first period or after the
   last are left out;
3. the comparison places are places of the same level that never had any
   intervention, matched to the treated ones on size, composition (when
   given) and the level and trend of the outcome before the first start
   (:func:`match_comparison`);
4. the staggered difference-in-differences of Callaway & Sant'Anna gives
   the effect, its interval and the Wald pre-test of parallel trends;
5. a placebo draws invented starts on the comparison places: its interval
   should cover zero.

A treatment on a single large place (at least :data:`LARGE_PLACE`
dwellings) has no spread across treated places to estimate from: it gets a
synthetic control instead (:mod:`veerkracht.analytics.evaluation.synth`),
built from its :data:`DONORS` nearest comparison places, with the placebo
in time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from veerkracht.analytics.evaluation.did import Effect, placebo_att, staggered_att
from veerkracht.analytics.evaluation.panel import (
    first_periods,
    match_comparison,
    period_order,
    pre_features,
)
from veerkracht.analytics.evaluation.synth import (
    min_donors,
    placebo_in_time,
    synthetic_att,
)

#: Fewest treated places, and comparison places, an effect is estimated for.
MIN_TREATED = 2
MIN_COMPARISON = 4
#: Comparison places matched per treated place.
MATCHES = 5
#: A single treated place with at least this many dwellings gets a synthetic
#: control (ADR 0027): smaller ones are too noisy for one place's series.
LARGE_PLACE = 50
#: Comparison places (donors) a synthetic control is built from.
DONORS = 30


@dataclass(frozen=True)
class Evaluation:
    """The effect of one treatment on one outcome, or why there is none."""

    outcome: str
    status: str  # "ok" or why not: "te_weinig_plaatsen", "geen_voorperiode"
    message: str
    effect: Effect | None = None
    placebo: Effect | None = None
    treated: tuple[str, ...] = ()
    comparison: tuple[str, ...] = ()
    periods: tuple[str, ...] = ()
    #: mean outcome of the treated places before their start (for scale)
    treated_mean_before: float = float("nan")


def evaluate(panel: pd.DataFrame, starts: pd.Series, outcome: str, *,
             excluded=(), rng: np.random.Generator, level: float = 0.90,
             matches: int = MATCHES, placebo: bool = True,
             composition: pd.DataFrame | None = None) -> Evaluation:
    """Estimate a treatment's effect on an outcome panel.

    Parameters
    ----------
    panel : DataFrame
        ``place_id``, ``period`` (labels), ``outcome`` and ``n_dwellings``
        of one level (:mod:`veerkracht.analytics.evaluation.panel`).
    starts : Series
        Place id → start date of the treatment at that place.
    excluded : iterable of str
        Places that had any intervention: never comparison places.
    rng : numpy Generator
        For the placebo draw.
    placebo : bool
        Also estimate a placebo on the comparison places (the default).
    composition : DataFrame, optional
        Per place id, shares that describe who lives there
        (:func:`veerkracht.analytics.evaluation.deviance.composition`):
        matched on too, beside size, level and trend. A place without a row
        is matched on the others only (its shares count as the mean).
    """
    periods = period_order(panel["period"])
    counts = panel.groupby("place_id")["period"].nunique()
    full = counts.index[counts == len(periods)]
    panel = panel[panel["place_id"].isin(full)]
    first = first_periods(starts.astype("datetime64[ns]"), periods).dropna()
    first = first[first.index.isin(full)]
    shut = set(map(str, excluded)) | set(map(str, starts.index))
    pool_ids = [p for p in full if p not in shut]
    base = {"outcome": outcome, "periods": tuple(periods)}
    size = panel.groupby("place_id")["n_dwellings"].max()
    single = len(first) == 1 and float(size.get(first.index[0], 0)) >= LARGE_PLACE
    if len(first) < MIN_TREATED and not single:
        return Evaluation(status="te_weinig_plaatsen", message=(
            f"{len(first)} plaats(en) met deze interventie en een uitkomst in "
            f"elke periode, waarvan de start binnen de periodes valt; nodig: "
            f"{MIN_TREATED}, of één grote plaats (minstens {LARGE_PLACE} "
            f"woningen) voor een synthetische controle"),
            treated=tuple(first.index), **base)
    before = int(first.min())
    features = pre_features(panel, before, periods)
    if composition is not None and len(composition):
        extra = composition.drop(columns=["log_dwellings"], errors="ignore")
        extra = extra[~extra.index.duplicated(keep="last")]
        features = features.join(extra, how="left")
        features = features.fillna(features.mean(numeric_only=True)).fillna(0.0)
    chosen = match_comparison(features.loc[first.index],
                              features.loc[features.index.isin(pool_ids)],
                              k=DONORS if single else matches)
    if single:
        return _synthetic(panel, str(first.index[0]), before, chosen, level,
                          placebo, base)
    if len(chosen) < MIN_COMPARISON:
        return Evaluation(status="te_weinig_plaatsen", message=(
            f"{len(chosen)} vergelijkbare plaatsen zonder interventie; nodig: "
            f"{MIN_COMPARISON}"), treated=tuple(first.index), **base)
    t_of = {p: i + 1 for i, p in enumerate(periods)}
    frame = panel[panel["place_id"].isin(set(first.index) | set(chosen))].copy()
    frame["period"] = frame["period"].map(t_of).astype(int)
    frame["first_treated"] = frame["place_id"].map(first).fillna(0).astype(int)
    frame["place"] = pd.factorize(frame["place_id"])[0] + 1
    effect = staggered_att(frame, "outcome", level=level)
    ft = frame["first_treated"]
    before_mean = float(frame.loc[(ft > 0) & (frame["period"] < ft), "outcome"].mean())
    fake = None
    if placebo:
        try:
            fake = placebo_att(frame, "outcome", rng, level=level)
        except ValueError:
            fake = None
    return Evaluation(status="ok", message="", effect=effect, placebo=fake,
                      treated=tuple(sorted(first.index)), comparison=tuple(chosen),
                      treated_mean_before=before_mean, **base)


def _synthetic(panel: pd.DataFrame, treated: str, first: int, donors: list[str],
               level: float, placebo: bool, base: dict) -> Evaluation:
    """The synthetic control of one large place from its matched donors."""
    need = min_donors(level)
    if len(donors) < need:
        return Evaluation(status="te_weinig_plaatsen", message=(
            f"{len(donors)} vergelijkbare plaatsen zonder interventie voor een "
            f"synthetische controle; nodig: {need}"), treated=(treated,), **base)
    if first < 3:
        return Evaluation(status="geen_voorperiode", message=(
            "een synthetische controle heeft minstens twee periodes voor de "
            "start nodig"), treated=(treated,), **base)
    wide = panel[panel["place_id"].isin([treated, *donors])].pivot(
        index="period", columns="place_id", values="outcome")
    wide = wide.loc[base["periods"], [treated, *donors]]
    effect, weights = synthetic_att(wide, treated, first, level=level)
    fake = None
    if placebo:
        try:
            fake = placebo_in_time(wide, treated, first, level=level)
        except ValueError:
            fake = None
    before_mean = float(wide[treated].iloc[: first - 1].mean())
    used = tuple(weights.sort_values(ascending=False, kind="stable").index)
    return Evaluation(status="ok", message="", effect=effect, placebo=fake,
                      treated=(treated,), comparison=used,
                      treated_mean_before=before_mean, **base)


#: What an estimated effect says, in words (the web page and the library).
VERDICTS = {
    "better": "beter: het interval ligt helemaal aan de goede kant",
    "worse": "slechter: het interval ligt helemaal aan de verkeerde kant",
    "unclear": "geen aantoonbaar effect: het interval bevat nul",
    "untrusted": "niet te vertrouwen: de trends liepen voor de start al uiteen, "
                 "of de placebo vindt een effect",
}


def verdict(lo: float, hi: float, lower_is_better: bool,
            pretrend_p: float | None = None,
            placebo: tuple[float, float] | None = None) -> str:
    """A key of :data:`VERDICTS` for an effect's interval and its checks.

    ``untrusted`` when the pre-test rejects parallel trends (p < 0.05) or the
    placebo's interval excludes zero; else by the side of zero the interval
    lies on.

    >>> verdict(-0.3, -0.1, lower_is_better=True)
    'better'
    >>> verdict(-0.3, -0.1, lower_is_better=True, pretrend_p=0.01)
    'untrusted'
    >>> verdict(-0.1, 0.2, lower_is_better=False)
    'unclear'
    """
    if pretrend_p is not None and pretrend_p == pretrend_p and pretrend_p < 0.05:
        return "untrusted"
    if placebo is not None and not placebo[0] <= 0 <= placebo[1]:
        return "untrusted"
    if lo <= 0 <= hi:
        return "unclear"
    down = hi < 0
    return "better" if down == lower_is_better else "worse"
