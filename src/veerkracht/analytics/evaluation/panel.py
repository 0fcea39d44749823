"""Place × period panels of the product's own outcomes, and their timing.

Two kinds of outcome, both from protected figures only (DESIGN.md §6; ADR
0025):

* **signal rates per meaning** per calendar quarter — the protected counts
  ``sig_<meaning>_q<k>`` of the latest period's protected statistics (eight
  quarters back from its end), divided by the place's dwellings, per
  dwelling per year;
* **model figures** per computed period — balance, pressure, resilience and
  the reporting rate (``ind_reporting``) of the protected ``results``.

Post-processing of protected figures costs no privacy budget; the panels
are never published themselves, only the effects estimated on them, through
the publication door.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from veerkracht.analytics.model.periods import calendar_quarters, parse_period
from veerkracht.analytics.signal_categories import MEANINGS

#: Outcomes of the model results, with their result column and Dutch name.
RESULT_OUTCOMES = {
    "balance": ("balance", "balans"),
    "pressure": ("pressure", "druk"),
    "resilience": ("resilience", "veerkracht"),
    "reporting": ("ind_reporting", "meldbereidheid"),
}
#: Outcomes from the protected signal counts, per dwelling per year.
SIGNAL_OUTCOMES = {
    f"signals_{m}": (m, "meldingen " + ("druk" if m == "pressure" else "attentheid"))
    for m in MEANINGS
}
#: Every outcome ``veerkracht evaluate`` knows, and its Dutch name.
OUTCOMES = {k: v[1] for k, v in {**SIGNAL_OUTCOMES, **RESULT_OUTCOMES}.items()}
#: Outcomes for which lower is better (a negative effect is an improvement).
LOWER_IS_BETTER = frozenset({"pressure", "signals_pressure"})


def signal_panel(stats: pd.DataFrame, period: str, meaning: str) -> pd.DataFrame:
    """Protected signal rate of one meaning per place and calendar quarter.

    ``stats`` are the protected statistics of one level and ``period`` (the
    label they were drawn for). Returns ``place_id``, ``period`` (a calendar
    quarter label, oldest first), ``outcome`` (count × 4 / dwellings) and
    ``n_dwellings``; places without dwellings are left out.

    >>> st = pd.DataFrame({"place_id": ["a"], "n_dwellings": [10],
    ...     "sig_pressure_q0": [5.0], "sig_pressure_q1": [2.5]})
    >>> signal_panel(st, "2025", "pressure")[["period", "outcome"]].to_numpy().tolist()
    [['2025-Q3', 1.0], ['2025-Q4', 2.0]]
    """
    cols = sorted((c for c in stats.columns if c.startswith(f"sig_{meaning}_q")),
                  key=lambda c: int(c.rsplit("_q", 1)[1]))
    if not cols:
        raise ValueError(f"de beschermde statistieken hebben geen meldingen "
                         f"met betekenis {meaning!r}")
    names = calendar_quarters(period, len(cols))  # newest first, like q0, q1, …
    st = stats[stats["n_dwellings"].astype("float64") > 0]
    long = st.melt(id_vars=["place_id", "n_dwellings"], value_vars=cols,
                   var_name="cell", value_name="count")
    k = long["cell"].str.rsplit("_q", n=1).str[1].astype(int)
    long["period"] = [names[q] for q in k]
    long["outcome"] = long["count"].astype("float64") * 4 / long["n_dwellings"]
    out = long[["place_id", "period", "outcome", "n_dwellings"]]
    out = out.astype({"place_id": "str"})
    return out.sort_values(["place_id", "period"]).reset_index(drop=True)


def result_panel(results: pd.DataFrame, level: str, outcome: str) -> pd.DataFrame:
    """One model figure per place and computed period, from protected results.

    Returns ``place_id``, ``period``, ``outcome`` and ``n_dwellings``; rows
    that were not computed from protected statistics are left out (the door
    would refuse them), as are empty figures.
    """
    column = RESULT_OUTCOMES[outcome][0]
    rows = results[results["level"].astype("str") == level]
    if "statistics" in rows.columns:
        rows = rows[rows["statistics"].astype("str") == "protected"]
    if column not in rows.columns:
        raise ValueError(f"de resultaten hebben geen kolom {column!r}")
    out = pd.DataFrame({
        "place_id": rows["place_id"].astype("str").to_numpy(),
        "period": rows["period"].astype("str").to_numpy(),
        "outcome": rows[column].astype("float64").to_numpy(),
        "n_dwellings": rows["n_dwellings"].astype("float64").to_numpy(),
    })
    out = out.dropna(subset=["outcome"])
    return out.sort_values(["place_id", "period"]).reset_index(drop=True)


def period_order(labels) -> list[str]:
    """Period labels (years or quarters) in time order, each once."""
    return sorted(set(map(str, labels)), key=lambda s: parse_period(s).start)


def first_periods(starts: pd.Series, periods: list[str]) -> pd.Series:
    """Per place the 1-based index of the period in which its intervention began.

    ``starts`` maps place id to the start date (the earliest, when a place
    had several). A start inside a period makes that period the first
    treated one; a start before the first period gives 0 with ``nan``
    meaning *already running* (left out: no period before it to compare
    with), after the last period ``nan`` too (not yet started: neither
    treated nor comparison). Returns a float Series (``nan`` = leave out).

    >>> s = pd.Series(pd.to_datetime(["2025-02-01", "2023-01-01", "2027-01-01"]),
    ...               index=["a", "b", "c"])
    >>> first_periods(s, ["2024", "2025", "2026"]).tolist()
    [2.0, nan, nan]
    """
    bounds = [parse_period(p) for p in periods]
    first = pd.Timestamp(bounds[0].start)
    out = {}
    for place, start in starts.items():
        start = pd.Timestamp(start)
        hit = [i + 1 for i, b in enumerate(bounds)
               if pd.Timestamp(b.start) <= start < pd.Timestamp(b.end)]
        out[place] = float(hit[0]) if hit and start >= first and hit[0] > 1 else np.nan
    return pd.Series(out, dtype="float64")


def pre_features(panel: pd.DataFrame, before: int, periods: list[str]) -> pd.DataFrame:
    """Level and trend of the outcome before period ``before`` (1-based), per place.

    Returns ``level`` (mean of the pre-periods), ``trend`` (least-squares
    slope per period; 0 with one pre-period) and ``log_dwellings``: the
    features comparison places are matched on.
    """
    idx = {p: i + 1 for i, p in enumerate(periods)}
    t = panel["period"].map(idx)
    pre = panel[t < before].assign(t=t[t < before])
    if pre.empty:
        raise ValueError("geen periode voor de start om mee te vergelijken")

    def slope(g: pd.DataFrame) -> float:
        if g["t"].nunique() < 2:
            return 0.0
        return float(np.polyfit(g["t"], g["outcome"], 1)[0])

    g = pre.groupby("place_id")
    return pd.DataFrame({
        "level": g["outcome"].mean(),
        "trend": g.apply(slope, include_groups=False),
        "log_dwellings": np.log(g["n_dwellings"].max().clip(lower=1)),
    })


def match_comparison(treated: pd.DataFrame, pool: pd.DataFrame, k: int = 5
                     ) -> list[str]:
    """The ``k`` nearest comparison places of every treated place, together.

    Nearest in the standardised features of :func:`pre_features` (composition
    size, level and trend of the outcome before the start). A comparison
    place near two treated places counts once. Returns the pool's place ids.

    >>> t = pd.DataFrame({"level": [1.0], "trend": [0.0]}, index=["x"])
    >>> p = pd.DataFrame({"level": [0.9, 5.0, 1.2], "trend": [0.0, 0.0, 0.1]},
    ...                  index=["a", "b", "c"])
    >>> match_comparison(t, p, k=2)
    ['a', 'c']
    """
    if pool.empty:
        return []
    cols = list(treated.columns)
    both = pd.concat([treated[cols], pool[cols]])
    sd = both.std(ddof=0).replace(0, 1).fillna(1)
    a = (treated[cols] / sd).to_numpy()
    b = (pool[cols] / sd).to_numpy()
    d = ((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2)
    k = min(k, len(pool))
    near = np.argsort(d, axis=1, kind="stable")[:, :k]
    chosen = sorted(set(near.ravel().tolist()))
    return [str(pool.index[i]) for i in chosen]
