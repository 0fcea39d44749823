"""What an early-warning alert is: one schema, defined once.

The job (:mod:`veerkracht.jobs.warn`) writes alerts to the workspace table
``alerts`` with exactly :data:`ALERT_COLUMNS`; the web application reads
that table into its own model, where a team acknowledges or closes them.

An alert is anchored to a *place* (never an address): the smallest place
that covers the evidence and has at least the band threshold of dwellings
(:data:`veerkracht.analytics.publication.BAND_FLOOR`). It is case-handling
information for the team responsible for that area, like the signals it is
made of, and is never shown to anyone else (ADR 0008).
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

#: Kinds of alert.
KINDS = {
    "cluster": "opkomend cluster van meldingen",
    "quiet": "plaats wordt stil",
    "hotspot": "hotspot van meldingen",
}

#: What an alert's ``meaning`` covers (the meanings of
#: :mod:`veerkracht.analytics.signal_categories`, and every signal).
MEANINGS = {
    "pressure": "overlast en onveiligheid",
    "attentiveness": "zorgen om een buur",
    "all": "alle meldingen",
}

#: Columns of the workspace table ``alerts``, in order.
ALERT_COLUMNS = (
    "alert_id",        # stable: hash of kind, meaning, level, place, window
    "run_at",          # UTC timestamp of the run (ISO string)
    "as_of",           # analysis date (ISO date string)
    "kind",            # one of KINDS
    "meaning",         # 'pressure', 'attentiveness' or 'all'
    "level",           # place level of the anchor (veerkracht.analytics.places.LEVELS)
    "place_id",        # the anchor place
    "buurtcode",       # for routing (may be '')
    "wijkcode",
    "gemeentecode",
    "window_start",    # ISO date, first day of the time window (inclusive)
    "window_end",      # ISO date, last day (inclusive)
    "observed",        # signals in the window (float)
    "expected",        # expected under the null (float)
    "p_value",         # Monte Carlo or test p-value (float)
    "recurrence_days", # recurrence interval in days (float; inf when p = 1)
    "statistic",       # the test statistic (log-likelihood ratio, z, ...)
    "radius_m",        # cluster radius in metres (NaN when not a cluster)
    "n_locations",     # locations in the cluster (int)
    "method",          # e.g. 'space-time permutation scan (high)'
    "evidence",        # the evidence in one plain Dutch sentence
)


def alert_id(kind: str, meaning: str, level: str, place_id: str,
             window_start: str, window_end: str) -> str:
    """A stable id: the same evidence in a later run keeps its alert.

    >>> alert_id("cluster", "pressure", "street", "S-1", "2025-06-01", "2025-06-07")
    'A-931552bdd934'
    """
    key = "|".join((kind, meaning, level, place_id, window_start, window_end))
    return "A-" + hashlib.sha256(key.encode()).hexdigest()[:12]


def empty_alerts() -> pd.DataFrame:
    """An alerts table with no rows and the right columns."""
    return pd.DataFrame({c: pd.Series(dtype="float64" if c in _FLOATS else "object")
                         for c in ALERT_COLUMNS})


_FLOATS = {"observed", "expected", "p_value", "recurrence_days", "statistic",
           "radius_m"}


def check_alerts(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with exactly :data:`ALERT_COLUMNS`; ValueError otherwise."""
    missing = [c for c in ALERT_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"alerts: kolommen ontbreken: {missing}")
    bad = sorted(set(frame["kind"].astype(str)) - set(KINDS))
    if bad:
        raise ValueError(f"alerts: onbekende soort {bad}")
    out = frame[list(ALERT_COLUMNS)].copy()
    for c in _FLOATS:
        out[c] = out[c].astype("float64")
    out["n_locations"] = out["n_locations"].astype("int64")
    return out


def recurrence_text(days: float) -> str:
    """Dutch wording of a recurrence interval.

    Only a scan has a recurrence interval; other alerts carry NaN.

    >>> recurrence_text(3650.0), recurrence_text(45.0), recurrence_text(np.inf)
    ('eens in de 10 jaar', 'eens in de 45 dagen', 'niet bijzonder')
    >>> recurrence_text(float("nan"))
    'niet van toepassing'
    """
    if np.isnan(days):
        return "niet van toepassing"
    if not np.isfinite(days):
        return "niet bijzonder"
    if days >= 730:
        return f"eens in de {days / 365.25:.0f} jaar"
    return f"eens in de {days:.0f} dagen"
