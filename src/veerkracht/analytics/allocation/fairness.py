"""Fairness over the city before and after a plan (docs/allocation.md).

Pure functions on counts per place: the number of households with a support
need (``need``) and of all households (``households``) of every street and
buurt, as the protected statistics give them (clipped at 0). A plan changes
them in the same way the optimiser's objective does (:func:`after_counts`):
every vacancy is left by an average household of its place (the place's
share of support need) and filled either by a placed household (with the
needs of its category) or, when the plan leaves it, by a household without
a support need, as today's routes would.

Indices (Massey and Denton 1988), support-need households against the
other households of the same places:

* dissimilarity ``D = 1/2 * sum_i |a_i / A - o_i / O|`` — the share of
  support-need households that would have to move for an even spread;
* isolation ``xPx* = sum_i (a_i / A) * (a_i / n_i)`` — the support-need share
  of the place an average support-need household lives in;
* the largest share of support-need households of a street with at least
  10 households;
* the share of support-need households living in places in class "onder
  druk" or worse;
* the Lorenz curve of support-need households over streets (streets sorted by
  their share, cumulative households against cumulative support-need
  households) and its Gini coefficient.

The first two equal :mod:`segregation`'s ``Dissim`` and ``Isolation`` on
the same counts (tested).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

#: Streets with fewer households are left out of the largest street share.
MIN_STREET_HOUSEHOLDS = 10

#: Indicators of :func:`fairness_table`, with their Dutch names.
INDICATORS = {
    "dissimilarity": "segregatie-index D (ongelijkheidsindex)",
    "isolation": "isolatie-index xPx*",
    "largest_share": "grootste aandeel met ondersteuningsbehoefte in een straat",
    "under_pressure": "aandeel huishoudens met ondersteuningsbehoefte in een plaats "
    "'onder druk' of slechter",
    "gini": "Gini-coëfficiënt over straten",
}


def _arrays(need, households) -> tuple[np.ndarray, np.ndarray]:
    a = np.clip(np.nan_to_num(np.asarray(need, dtype="float64")), 0.0, None)
    n = np.clip(np.nan_to_num(np.asarray(households, dtype="float64")), 0.0, None)
    return np.minimum(a, n), n


def dissimilarity(need, households) -> float:
    """Dissimilarity index D of the ``need`` households against the others."""
    a, n = _arrays(need, households)
    o = n - a
    big_a, big_o = a.sum(), o.sum()
    if big_a <= 0 or big_o <= 0:
        return float("nan")
    return float(0.5 * np.abs(a / big_a - o / big_o).sum())


def isolation(need, households) -> float:
    """Isolation index xPx* of the ``need`` households."""
    a, n = _arrays(need, households)
    big_a = a.sum()
    if big_a <= 0:
        return float("nan")
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(n > 0, a / n, 0.0)
    return float((a / big_a * share).sum())


def largest_share(
    need, households, min_households: int = MIN_STREET_HOUSEHOLDS
) -> float:
    """The largest need share among places with ``min_households`` or more."""
    a, n = _arrays(need, households)
    ok = n >= min_households
    if not ok.any():
        return float("nan")
    return float((a[ok] / n[ok]).max())


def share_under_pressure(need, cls, worst_from: int) -> float:
    """Share of the ``need`` households living where ``cls >= worst_from``."""
    a = np.clip(np.nan_to_num(np.asarray(need, dtype="float64")), 0.0, None)
    c = np.asarray(cls)
    total = a.sum()
    if total <= 0:
        return float("nan")
    return float(a[c >= worst_from].sum() / total)


def lorenz(need, households) -> pd.DataFrame:
    """Points of the Lorenz curve: places by share, cumulative fractions.

    ``households`` (x) and ``need`` (y), from (0, 0) to (1, 1); a city with
    the same share everywhere lies on the diagonal.
    """
    a, n = _arrays(need, households)
    keep = n > 0
    a, n = a[keep], n[keep]
    order = np.argsort(a / n, kind="stable")
    x = np.concatenate([[0.0], np.cumsum(n[order])])
    y = np.concatenate([[0.0], np.cumsum(a[order])])
    x = x / x[-1] if x[-1] > 0 else x
    y = y / y[-1] if y[-1] > 0 else y
    return pd.DataFrame({"households": x, "need": y})


def gini(curve: pd.DataFrame) -> float:
    """Gini coefficient of a Lorenz curve: 1 - 2 * the area under it."""
    x, y = curve["households"].to_numpy(), curve["need"].to_numpy()
    return float(1.0 - np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1])))


def after_counts(
    counts: pd.DataFrame, vacancies: pd.Series, placed_need: pd.Series
) -> pd.DataFrame:
    """Counts of every place after a plan.

    ``counts``: ``place_id``, ``need``, ``households`` (now). ``vacancies``:
    vacancies per place id (all of them, filled or not); ``placed_need``:
    placed households with a support need per place id. Each vacancy is left
    by an average household of its place and filled by a placed household
    or by one without a support need; the number of households stays.
    """
    ids = counts["place_id"].astype(str)
    a, n = _arrays(counts["need"], counts["households"])
    v = vacancies.groupby(level=0).sum().reindex(ids).fillna(0.0).to_numpy()
    p = placed_need.groupby(level=0).sum().reindex(ids).fillna(0.0).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(n > 0, a / n, 0.0)
    after = np.clip(a - np.minimum(v, n) * share + p, 0.0, None)
    out = counts.copy()
    out["need"] = after
    out["households"] = np.maximum(n, after)  # noisy counts: never below the need
    return out


def indicators(
    levels: Mapping[str, pd.DataFrame],
    worst_from: int,
    min_households: int = MIN_STREET_HOUSEHOLDS,
) -> dict[tuple[str, str], float]:
    """Every indicator of one state of the city.

    ``levels``: per level a frame ``place_id``, ``need``, ``households`` and
    optionally ``cls`` (class index, -1 none). D and xPx* for every level
    given, the largest share and the Gini coefficient over streets, the share
    under pressure for every level with ``cls``.
    """
    out: dict[tuple[str, str], float] = {}
    for lv, f in levels.items():
        out[("dissimilarity", lv)] = dissimilarity(f["need"], f["households"])
        out[("isolation", lv)] = isolation(f["need"], f["households"])
        if "cls" in f:
            out[("under_pressure", lv)] = share_under_pressure(
                f["need"], f["cls"], worst_from
            )
    if "street" in levels:
        f = levels["street"]
        out[("largest_share", "street")] = largest_share(
            f["need"], f["households"], min_households
        )
        out[("gini", "street")] = gini(lorenz(f["need"], f["households"]))
    return out


def fairness_table(
    states: Mapping[str, Mapping[str, pd.DataFrame]],
    worst_from: int,
    min_households: int = MIN_STREET_HOUSEHOLDS,
) -> pd.DataFrame:
    """The indicators of several states side by side.

    ``states``: name (e.g. ``"huidig"``, ``"advies"``, ``"naief"``) -> the
    ``levels`` of :func:`indicators`. One row per indicator and level:
    ``indicator``, ``omschrijving`` (Dutch), ``niveau`` and a column per state.
    """
    values = {
        name: indicators(lv, worst_from, min_households) for name, lv in states.items()
    }
    keys: list[tuple[str, str]] = []
    for v in values.values():
        keys += [k for k in v if k not in keys]
    order = list(INDICATORS)
    keys.sort(key=lambda k: (order.index(k[0]), k[1]))
    rows = []
    for ind, lv in keys:
        row = {"indicator": ind, "omschrijving": INDICATORS[ind], "niveau": lv}
        for name, v in values.items():
            row[name] = v.get((ind, lv), float("nan"))
        rows.append(row)
    return pd.DataFrame(rows)


def lorenz_table(states: Mapping[str, Mapping[str, pd.DataFrame]]) -> pd.DataFrame:
    """The Lorenz curve over streets of every state: ``toestand``, x, y."""
    parts = []
    for name, levels in states.items():
        if "street" not in levels:
            continue
        f = levels["street"]
        parts.append(lorenz(f["need"], f["households"]).assign(toestand=name))
    if not parts:
        return pd.DataFrame(columns=["toestand", "households", "need"])
    return pd.concat(parts, ignore_index=True)[["toestand", "households", "need"]]
