"""Per-place sufficient statistics: what the model reads of households and signals.

Model 2.0 (docs/method.md, ADR 0005) never looks at a household or a signal
row. It reads, per level and place, the counts defined here — and in a
published computation those counts are the *protected* ones
(:mod:`veerkracht.analytics.dp`, ADR 0006), so every score, class, band and
profile is post-processing of noisy statistics, whatever model file is used.

The definitions are fixed (``STATISTICS_VERSION``), not taken from the model
file: a model file can only choose among these statistics (a turnover window
of 12 months, long tenure from 10 years, a signal half-life), never define a
new one. That is what makes any model file post-processing.

Columns of a level frame (one row per place):

===================  ==========================================================
column               meaning (households present at the end of the period)
===================  ==========================================================
place_id             the place
n_dwellings          dwellings (public: BAG), never noised
n_households         households present
flag_<need>          households with that need flag (:data:`NEED_FLAGS`)
needs_0/1/2p         households with none, one, two or more of the
                     :data:`SUPPORT_NEEDS` (stacked needs, not overlapping
                     marginal shares)
type_<type>          households of that type (:data:`HOUSEHOLD_TYPES`;
                     unknown types count as ``other``)
tenure_<bin>         households by years since they moved in
                     (:data:`TENURE_BINS`)
inflow_need          present households with a support need that moved in
                     during the last 12 months
outflow_need         households with a support need whose tenure at a
                     dwelling of the place ended during the last 12 months
sig_<meaning>_q<k>   signals whose category has that meaning (``pressure``,
                     ``attentiveness``: :mod:`signal_categories`) reported
                     ``k`` quarters (of 730/8 days) before the end of the
                     period, k = 0..7
===================  ==========================================================

One household changes at most :data:`HOUSEHOLD_CELLS_PER_LEVEL` cells of
one place per level (present: n, up to five flags, one stacked-needs cell,
one type, one tenure bin, inflow; plus outflow of an earlier tenure); one
signal changes one cell per level. The privacy mechanism is calibrated on
these numbers.

Examples
--------
>>> import pandas as pd
>>> from veerkracht.analytics.model.periods import parse_period
>>> dw = pd.DataFrame({"address_id": ["a1", "a2", "a3"], "block_id": ["B", "B", "C"],
...                    "x": [0.0, 1.0, 50.0], "y": [0.0, 0.0, 0.0]})
>>> hh = pd.DataFrame({"address_id": ["a1", "a2", "a3"],
...     "tenure_start": ["2010-01-01", "2025-06-01", "2020-01-01"],
...     "tenure_end": [None, None, None], "household_type": ["single"] * 3,
...     "need_care": [True, True, False], "need_income": [True, False, False],
...     "need_outflow": [False] * 3, "need_frail_elderly": [False] * 3,
...     "urgency": [False] * 3})
>>> st = place_statistics(dw, hh, None, parse_period("2025"))
>>> b = st["block"].set_index("place_id")
>>> b.loc["B", ["n_households", "flag_need_care", "needs_1", "needs_2p",
...             "tenure_ge10", "inflow_need"]].tolist()
[2, 2, 1, 1, 1, 1]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from veerkracht.analytics.model.indicators import (
    LEVEL_COLUMNS,
    _bool,
    _dates,
    dwelling_positions,
    prepare_dwellings,
    signal_positions,
)
from veerkracht.analytics.model.periods import Period
from veerkracht.analytics.signal_categories import MEANING, MEANINGS

#: Version of the definitions below; recorded with every protected table.
STATISTICS_VERSION = "1"

#: Household flags counted per place (the ``households`` contract).
NEED_FLAGS = ("need_care", "need_income", "need_outflow", "need_frail_elderly",
              "urgency")
#: The support needs whose number per household is counted (urgency is an
#: allocation route, not a need).
SUPPORT_NEEDS = ("need_care", "need_income", "need_outflow", "need_frail_elderly")
STACK_COLUMNS = ("needs_0", "needs_1", "needs_2p")
HOUSEHOLD_TYPES = ("single", "couple", "family", "single_parent", "other")
#: Years since moving in: [lo, hi) per bin, the last open.
TENURE_BINS = {"tenure_lt1": (0, 1), "tenure_1_2": (1, 2), "tenure_2_5": (2, 5),
               "tenure_5_10": (5, 10), "tenure_ge10": (10, None)}
#: Signals: 8 quarters of 730/8 days back from the end of the period.
SIGNAL_QUARTERS = 8
LOOKBACK_DAYS = 730.0
QUARTER_DAYS = LOOKBACK_DAYS / SIGNAL_QUARTERS
#: Signals on a point (no address) join the nearest entrance within this.
SNAP_DISTANCE_M = 75.0
FLOW_MONTHS = 12


def flag_column(need: str) -> str:
    return f"flag_{need}"


def type_column(kind: str) -> str:
    return f"type_{kind}"


def signal_column(meaning: str, quarter: int) -> str:
    return f"sig_{meaning}_q{quarter}"


HOUSEHOLD_COLUMNS = (
    "n_households", *(flag_column(f) for f in NEED_FLAGS), *STACK_COLUMNS,
    *(type_column(t) for t in HOUSEHOLD_TYPES), *TENURE_BINS, "inflow_need",
    "outflow_need",
)
SIGNAL_COLUMNS = tuple(signal_column(m, q) for m in MEANINGS
                       for q in range(SIGNAL_QUARTERS))
COUNT_COLUMNS = (*HOUSEHOLD_COLUMNS, *SIGNAL_COLUMNS)
#: Cells of one place one household can change, per level (see module doc).
HOUSEHOLD_CELLS_PER_LEVEL = 1 + len(NEED_FLAGS) + 1 + 1 + 1 + 1 + 1
SIGNAL_CELLS_PER_LEVEL = 1


def _tenure_years(start: np.ndarray, end: np.datetime64) -> np.ndarray:
    return (end - start) / np.timedelta64(1, "D") / 365.25


def place_statistics(dwellings: pd.DataFrame, households: pd.DataFrame | None,
                     signals: pd.DataFrame | None, period: Period,
                     levels=None) -> dict[str, pd.DataFrame]:
    """Exact counts per place of every level for one period (confidential).

    Parameters
    ----------
    dwellings : DataFrame
        ``address_id``, the level columns and ``x``, ``y`` (as
        :class:`veerkracht.analytics.model.indicators.ModelInputs`).
    households : DataFrame or None
        The ``households`` contract; missing need columns count as False.
    signals : DataFrame or None
        ``reported_at``, ``category``, ``address_id`` and/or ``x``, ``y``.
        Signals of unknown categories are ignored.
    levels : iterable of str, optional
        Default: every level the dwellings have.

    Returns
    -------
    dict
        level -> DataFrame with ``place_id``, ``n_dwellings`` and
        :data:`COUNT_COLUMNS` (int64), in the order of the place codes.
    """
    dw = prepare_dwellings(dwellings)
    levels = [lv for lv in (levels or LEVEL_COLUMNS) if lv in dw.codes]
    end = np.datetime64(pd.Timestamp(period.end))
    flow_from = np.datetime64(pd.Timestamp(period.end) - pd.DateOffset(
        months=FLOW_MONTHS))
    # column -> (dwelling row of each record, records counted): counted per
    # level straight from the records, never as one array per dwelling and
    # column (at national size those were 50 × 9.8 million int64, 4 GiB)
    counted: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    if households is not None and len(households):
        hh = households
        start = _dates(hh["tenure_start"])
        stop = _dates(hh["tenure_end"])
        pos = dwelling_positions(dw, hh["address_id"])
        live = (start < end) & (np.isnat(stop) | (stop >= end)) & (pos >= 0)
        p = pos[live]

        def add(name: str, mask: np.ndarray) -> None:
            counted[name] = (p, mask)

        ones = np.ones(len(p), dtype=bool)
        add("n_households", ones)
        flags = {}
        for f in NEED_FLAGS:
            flags[f] = (_bool(hh[f])[live] if f in hh.columns
                        else np.zeros(len(p), dtype=bool))
            add(flag_column(f), flags[f])
        stacked = sum(flags[f].astype(np.int64) for f in SUPPORT_NEEDS)
        add("needs_0", stacked == 0)
        add("needs_1", stacked == 1)
        add("needs_2p", stacked >= 2)
        if "household_type" in hh.columns:
            # position in HOUSEHOLD_TYPES; an unknown or missing type counts
            # as the last one (a Categorical of values outside its categories
            # is deprecated in pandas)
            t = pd.Index(list(HOUSEHOLD_TYPES)).get_indexer(
                hh["household_type"].astype("str").to_numpy()[live])
            t = np.where(t < 0, len(HOUSEHOLD_TYPES) - 1, t)
        else:
            t = np.full(len(p), len(HOUSEHOLD_TYPES) - 1)
        for i, kind in enumerate(HOUSEHOLD_TYPES):
            add(type_column(kind), t == i)
        years = _tenure_years(start[live], end)
        for name, (lo, hi) in TENURE_BINS.items():
            add(name, (years >= lo) & ((years < hi) if hi is not None else True))
        any_need = stacked >= 1
        add("inflow_need", any_need & (start[live] >= flow_from))
        # outflow: tenures that ended in the last 12 months (household gone)
        gone = ((~np.isnat(stop)) & (stop < end) & (stop >= flow_from) & (pos >= 0))
        need_gone = np.zeros(len(hh), dtype=bool)
        for f in SUPPORT_NEEDS:
            if f in hh.columns:
                need_gone |= _bool(hh[f])
        counted["outflow_need"] = (pos, gone & need_gone)

    if signals is not None and len(signals):
        t = _dates(signals["reported_at"])
        age = (end - t) / np.timedelta64(1, "D")
        ok = (~np.isnat(t)) & (age > 0) & (age <= LOOKBACK_DAYS)
        q = np.minimum((np.nan_to_num(age) // QUARTER_DAYS).astype(np.int64),
                       SIGNAL_QUARTERS - 1)
        spos = signal_positions(signals, dw, SNAP_DISTANCE_M)
        cat = (signals["category"].astype("str") if "category" in signals.columns
               else pd.Series([""] * len(signals)))
        mean = cat.map(MEANING).fillna("").to_numpy(dtype=object)
        for m in MEANINGS:
            for k in range(SIGNAL_QUARTERS):
                counted[signal_column(m, k)] = (
                    spos, ok & (spos >= 0) & (mean == m) & (q == k))

    out: dict[str, pd.DataFrame] = {}
    for lv in levels:
        code = dw.codes[lv]
        n = len(dw.ids[lv])
        use = code >= 0
        cols = {"place_id": pd.array(dw.ids[lv].astype(str), dtype="str"),
                "n_dwellings": np.bincount(code[use], minlength=n).astype(np.int64)}
        for name in COUNT_COLUMNS:
            if name not in counted:
                cols[name] = np.zeros(n, dtype=np.int64)
                continue
            rows, mask = counted[name]
            at = code[rows[mask]]
            cols[name] = np.bincount(at[at >= 0], minlength=n).astype(np.int64)
        out[lv] = pd.DataFrame(cols)
    return out
