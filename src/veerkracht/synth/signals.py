"""Three years of signals, driven by pressure minus resilience.

Per entrance ``e``, month ``m`` and category ``c`` the number of signals is
Poisson with mean

``occupied[e, m] · base[c] / 12
  · exp(beta_pressure · (P[e, m] − P̄) + beta_turnover · (T[e, m] − T̄)
        − beta_resilience · R[e, m])
  · season[c](m) · planted(e, m, c)``

where ``P`` is the entrance pressure, ``T`` its move-outs over the last twelve
months per dwelling, ``R`` its resilience (``resilience.py``), and the bars
are city means at the start. Seasons: noise peaks in July (open windows),
unsafety in December (dark evenings), care worries in January.

Planted on top (``docs/demo.md``):

* emerging cluster — in the last :attr:`CityParams.cluster_months` months
  nuisance signals (noise, neighbour conflict, unsafety) around one entrance
  of the cluster buurt rise to :attr:`CityParams.cluster_factor` times their
  rate, within :attr:`CityParams.cluster_radius` metres;
* quiet place — in the quiet buurt residents report less and less over the
  last :attr:`CityParams.quiet_months` (down to
  :attr:`CityParams.quiet_floor`), corporation and police follow up half as
  much less, while professionals note up to twice as much indifference.

Each signal gets a source by category, a time of day (professionals in
office hours, residents and police mostly in the evening and at night), and a
location: a random dwelling of the entrance, or — for a category's
:attr:`CityParams.street_signal_share` — a point on the street in front.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from veerkracht.synth.params import CityParams

CATEGORIES = (
    "noise",
    "neighbour_conflict",
    "unsafety",
    "neglect",
    "care_worry",
    "indifference",
)
SOURCES = ("resident", "corporation", "welfare", "area_broker", "police")
#: P(source | category), rows in CATEGORIES order, columns in SOURCES order.
SOURCE_MIX = np.array(
    [
        [0.60, 0.20, 0.03, 0.05, 0.12],
        [0.45, 0.25, 0.10, 0.10, 0.10],
        [0.40, 0.05, 0.05, 0.10, 0.40],
        [0.45, 0.40, 0.02, 0.10, 0.03],
        [0.35, 0.15, 0.30, 0.15, 0.05],
        [0.10, 0.35, 0.20, 0.35, 0.00],
    ]
)
_PEAK = {"noise": (0.35, 7), "unsafety": (0.2, 12), "care_worry": (0.25, 1)}
_NUISANCE = np.array(
    [c in ("noise", "neighbour_conflict", "unsafety") for c in CATEGORIES]
)
#: Hour-of-day weights for residents and police (evenings and nights).
_EVENING = np.array(
    [4, 3, 2, 1, 1, 1, 1, 2, 3, 3, 3, 3, 3, 3, 3, 3, 4, 5, 6, 7, 8, 8, 7, 6],
    dtype=float,
)


@dataclass(frozen=True)
class Planted:
    """What the generator planted, so that users and tests can find it.

    Attributes
    ----------
    tipping_buurten : tuple of str
        Buurtcodes where pressure rises over the years.
    cluster_buurt : str or None
        Buurtcode of the emerging cluster.
    cluster_centre : tuple of float or None
        RD New x, y of its centre.
    cluster_radius : float
        Its radius in metres.
    cluster_start : datetime.date or None
        First day of the cluster period.
    quiet_buurt : str or None
        Buurtcode of the place that goes quiet.
    quiet_start : datetime.date or None
        First day of the falling reporting.
    """

    tipping_buurten: tuple[str, ...]
    cluster_buurt: str | None
    cluster_centre: tuple[float, float] | None
    cluster_radius: float
    cluster_start: object
    quiet_buurt: str | None
    quiet_start: object


def make_signals(
    params: CityParams,
    ents: pd.DataFrame,
    dwell_by_entrance: tuple[np.ndarray, np.ndarray],
    occupied: np.ndarray,
    pressure: np.ndarray,
    moves: np.ndarray,
    res: np.ndarray,
    month_starts: np.ndarray,
    cluster_entrance: int | None,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Signals in city-local coordinates.

    Returns ``reported_at`` (datetime64[s], UTC wall time), ``category``,
    ``source``, ``dwelling`` (-1 when on a street point), ``x``, ``y``.
    """
    n_e, n_m = occupied.shape
    turnover = _rolling_rate(moves, occupied)
    w0 = np.maximum(occupied[:, 0], 1e-9)
    p_bar = np.average(pressure[:, 0], weights=w0)
    t_bar = np.average(turnover, weights=np.maximum(occupied, 1e-9))
    log_rate = (
        params.beta_pressure * (pressure - p_bar)
        + params.beta_turnover * (turnover - t_bar)
        - params.beta_resilience * res
    )
    base = np.array([params.signal_base[c] for c in CATEGORIES]) / 12.0
    month_of_year = (month_starts[:-1].astype("datetime64[M]").astype(int) % 12) + 1
    season = np.ones((len(CATEGORIES), n_m))
    for k, c in enumerate(CATEGORIES):
        amp, peak = _PEAK.get(c, (0.1, 10))
        season[k] = 1 + amp * np.cos(2 * np.pi * (month_of_year - peak) / 12)
    lam = (occupied * np.exp(log_rate))[:, :, None] * (
        base[None, None, :] * season.T[None, :, :]
    )
    buurt = ents["buurt"].to_numpy()
    month_idx = np.arange(n_m)
    # emerging cluster
    if cluster_entrance is not None:
        cx, cy = ents.iloc[cluster_entrance][["x", "y"]]
        dist = np.hypot(ents["x"].to_numpy() - cx, ents["y"].to_numpy() - cy)
        inside = (dist <= params.cluster_radius) & (buurt == buurt[cluster_entrance])
        first = n_m - params.cluster_months
        ramp = np.clip((month_idx - first + 1) / params.cluster_months, 0, 1)
        factor = 1 + (params.cluster_factor - 1) * ramp
        lam[np.ix_(inside, month_idx, _NUISANCE)] *= factor[None, :, None]
    # the quiet place: professionals see indifference grow
    quiet = _quiet_curve(params, n_m)
    quiet_b = [i for i, b in enumerate(params.buurten) if b.quiet]
    in_quiet = np.isin(buurt, quiet_b)
    k_ind = CATEGORIES.index("indifference")
    lam[in_quiet, :, k_ind] *= (1 + (1 - quiet))[None, :]

    counts = rng.poisson(lam)
    e, m, c = np.nonzero(counts)
    reps = counts[e, m, c]
    e, m, c = np.repeat(e, reps), np.repeat(m, reps), np.repeat(c, reps)
    n = len(e)
    cum = np.cumsum(SOURCE_MIX[c], axis=1)
    src = np.minimum((rng.random(n)[:, None] >= cum).sum(axis=1), len(SOURCES) - 1)
    # residents in the quiet buurt stop reporting
    # (and corporation and police follow up less: half the fall)
    level = np.where(
        src == 0, quiet[m], np.where(np.isin(src, [1, 4]), (1 + quiet[m]) / 2, 1.0)
    )
    drop = in_quiet[e] & (rng.random(n) > level)
    keep = ~drop
    e, m, c, src = e[keep], m[keep], c[keep], src[keep]
    n = len(e)
    days = (month_starts[m + 1] - month_starts[m]).astype(int)
    day = month_starts[m] + (rng.random(n) * days).astype("int64").astype(
        "timedelta64[D]"
    )
    professional = np.isin(src, [1, 2, 3])
    hour = np.where(
        professional,
        8 + rng.integers(0, 9, n),
        rng.choice(24, n, p=_EVENING / _EVENING.sum()),
    )
    secs = hour * 3600 + rng.integers(0, 3600, n)
    reported = day.astype("datetime64[s]") + secs.astype("timedelta64[s]")
    order_d, start_d = dwell_by_entrance
    n_in = ents["n"].to_numpy()
    pick = start_d[e] + (rng.random(n) * n_in[e]).astype(int)
    dwelling = order_d[pick]
    share = np.array([params.street_signal_share[cat] for cat in CATEGORIES])
    on_street = rng.random(n) < share[c]
    dwelling = np.where(on_street, -1, dwelling)
    x = np.where(on_street, ents["sx"].to_numpy()[e] + rng.uniform(-8, 8, n), np.nan)
    y = np.where(on_street, ents["sy"].to_numpy()[e], np.nan)
    out = pd.DataFrame(
        {
            "reported_at": reported,
            "category": np.array(CATEGORIES)[c],
            "source": np.array(SOURCES)[src],
            "dwelling": dwelling,
            "x": x,
            "y": y,
            "entrance": e,
        }
    )
    return out.sort_values("reported_at", kind="stable").reset_index(drop=True)


def _quiet_curve(params: CityParams, n_m: int) -> np.ndarray:
    """Reporting level of residents in the quiet buurt per month (1 = normal)."""
    first = n_m - params.quiet_months
    frac = np.clip((np.arange(n_m) - first + 1) / params.quiet_months, 0, 1)
    return 1 - (1 - params.quiet_floor) * frac


def _rolling_rate(moves: np.ndarray, occupied: np.ndarray) -> np.ndarray:
    """Move-outs over the last twelve months per occupied dwelling, in [0, 1.5].

    Months before the history are filled with the entrance's average.
    """
    csum = np.cumsum(moves, axis=1)
    lagged = np.zeros_like(csum)
    lagged[:, 12:] = csum[:, :-12]
    window = np.minimum(np.arange(1, moves.shape[1] + 1), 12)
    prior = moves.mean(axis=1, keepdims=True) * (12 - window)[None, :]
    rate = csum - lagged + prior
    rate = np.divide(rate, occupied, out=np.zeros_like(rate), where=occupied > 0)
    return np.clip(rate, 0.0, 1.5)
