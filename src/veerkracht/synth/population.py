"""Households over time: who lives where, their support needs, moves.

A month-by-month simulation over all dwellings at once (vectorised):

1. At the start every dwelling is occupied. Tenure so far is exponential with
   a mean by segment (owner 14 y, private 4, mid 5, social 9, cheap social
   8), cut at the building year; support needs are drawn from
   :data:`NEEDS_STOCK` by segment.
2. Each month, per entrance, the pressure ``P`` is the weighted share of
   households with a need (care and uitstroom count 1, income and frailty
   0.5, at most 1 per household).
3. A household moves out with the yearly rate of its segment
   (:attr:`CityParams.move_rate`), higher with uitstroom (+100 %) or care
   (+50 %) needs; households *without* a need leave faster when the pressure
   of their entrance exceeds what its resilience carries:
   ``× (1 + pressure_exodus · max(0, P − 0.12 − 0.08 R))``.
4. After a vacancy (3–10 weeks social, 6–14 weeks otherwise) a new household
   arrives. Social vacancies go through an urgency route with chance
   :attr:`CityParams.urgency_share`; in cheap social stairwells of tipping
   buurten that chance rises linearly over the history
   (:attr:`CityParams.tipping_urgency`). Urgency households carry needs from
   :data:`NEEDS_URGENT`, others from :data:`NEEDS_INFLOW`.

There is no nationality, ethnicity, country of birth or migration background
anywhere in this model (DESIGN.md section 6).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

NEEDS = ("need_care", "need_income", "need_outflow", "need_frail_elderly")
SEGMENTS = ("owner", "private_rent", "mid_rent", "social_rent", "cheap_social")

#: Needs of the households living there at the start, by segment.
NEEDS_STOCK = {
    "owner": (0.01, 0.02, 0.0, 0.05),
    "private_rent": (0.03, 0.06, 0.01, 0.02),
    "mid_rent": (0.02, 0.04, 0.005, 0.03),
    "social_rent": (0.05, 0.12, 0.015, 0.07),
    "cheap_social": (0.09, 0.2, 0.04, 0.07),
}
#: Needs of newcomers that did not come through an urgency route.
NEEDS_INFLOW = {
    "owner": (0.01, 0.01, 0.0, 0.01),
    "private_rent": (0.04, 0.08, 0.02, 0.01),
    "mid_rent": (0.02, 0.04, 0.005, 0.01),
    "social_rent": (0.05, 0.18, 0.02, 0.04),
    "cheap_social": (0.07, 0.25, 0.04, 0.04),
}
#: Needs of newcomers allocated through an urgency route.
NEEDS_URGENT = (0.45, 0.5, 0.4, 0.1)
_MEAN_TENURE = np.array([14.0, 4.0, 5.0, 9.0, 8.0])  # years, by segment


@dataclass(frozen=True)
class Population:
    """The households and what the signals need from them.

    Attributes
    ----------
    households : DataFrame
        ``dwelling`` (row in the dwelling arrays), ``tenure_start``,
        ``tenure_end`` (datetime64[D], NaT while living there),
        ``household_type``, the four need columns and ``urgency``.
    occupied, pressure, moves : ndarray, shape (n_entrances, n_months)
        Occupied dwellings, pressure and move-outs per entrance and month.
    """

    households: pd.DataFrame
    occupied: np.ndarray
    pressure: np.ndarray
    moves: np.ndarray


def simulate(
    move_rate: dict[str, float],
    urgency_share: float,
    tipping_urgency: tuple[float, float],
    pressure_exodus: float,
    segment: np.ndarray,
    entrance: np.ndarray,
    tipping: np.ndarray,
    is_house: np.ndarray,
    bouwjaar: np.ndarray,
    res: np.ndarray,
    month_starts: np.ndarray,
    rng: np.random.Generator,
) -> Population:
    """Run the household simulation.

    Parameters
    ----------
    move_rate, urgency_share, tipping_urgency, pressure_exodus
        See :class:`~veerkracht.synth.params.CityParams`.
    segment : ndarray of int
        Index into :data:`SEGMENTS` per dwelling.
    entrance : ndarray of int
        Entrance (row of ``res``) per dwelling.
    tipping : ndarray of bool
        Dwelling is a cheap social flat in a tipping buurt.
    is_house : ndarray of bool
        Single-family house (more families).
    bouwjaar : ndarray of int
        Building year per dwelling (nobody lived there before).
    res : ndarray, shape (n_entrances, n_months)
        Resilience per entrance and month.
    month_starts : ndarray of datetime64[D]
        ``n_months + 1`` month boundaries; the last one is the end date.
    rng : numpy.random.Generator
    """
    n_d = len(segment)
    n_e = res.shape[0]
    n_m = len(month_starts) - 1
    rates = np.array([move_rate[s] for s in SEGMENTS])
    start0 = month_starts[0]
    # -- the households living there at the start ---------------------------
    years = rng.exponential(_MEAN_TENURE[segment])
    since = start0 - (years * 365.25).astype("int64").astype("timedelta64[D]")
    built = (bouwjaar - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    since = np.maximum(since, built)
    stock_p = np.array([NEEDS_STOCK[s] for s in SEGMENTS])[segment]
    stock_p[tipping] *= 1.2
    needs0 = rng.random((n_d, 4)) < stock_p
    urg0 = (segment >= 3) & (rng.random(n_d) < np.where(segment == 4, 0.15, 0.08))
    needs0[urg0] |= rng.random((int(urg0.sum()), 4)) < NEEDS_URGENT

    cols = _Columns(n_d * 3)
    cur = cols.add(np.arange(n_d), since, needs0, urg0)
    occupied = np.zeros((n_e, n_m))
    pressure = np.zeros((n_e, n_m))
    moves = np.zeros((n_e, n_m))
    inflow_p = np.array([NEEDS_INFLOW[s] for s in SEGMENTS])
    social = segment >= 3
    for m in range(n_m):
        ms = month_starts[m]
        days = int((month_starts[m + 1] - ms).astype(int))
        arrived = cols.start[cur] <= ms
        w = cols.weight[cur] * arrived
        occ = np.bincount(entrance, weights=arrived.astype(float), minlength=n_e)
        need = np.bincount(entrance, weights=w, minlength=n_e)
        p_e = np.divide(need, occ, out=np.zeros(n_e), where=occ > 0)
        occupied[:, m], pressure[:, m] = occ, p_e
        nd = cols.needs[cur]
        h = rates[segment] * (1 + 1.0 * nd[:, 2] + 0.5 * nd[:, 0])
        strain = np.maximum(0.0, p_e[entrance] - 0.12 - 0.08 * res[entrance, m])
        h = np.where(nd.any(axis=1), h, h * (1 + pressure_exodus * strain))
        move = arrived & (rng.random(n_d) < 1 - np.exp(-h / 12))
        idx = np.flatnonzero(move)
        moves[:, m] = np.bincount(entrance[idx], minlength=n_e)
        end = ms + (rng.random(len(idx)) * days).astype("int64").astype(
            "timedelta64[D]"
        )
        vac = np.where(
            social[idx],
            20 + rng.exponential(25, len(idx)),
            42 + rng.exponential(30, len(idx)),
        )
        new_start = end + vac.astype("int64").astype("timedelta64[D]")
        t = m / max(1, n_m - 1)
        p_urg = np.where(social[idx], urgency_share, 0.0)
        tip_share = tipping_urgency[0] + t * (tipping_urgency[1] - tipping_urgency[0])
        p_urg = np.where(tipping[idx], tip_share, p_urg)
        urg = rng.random(len(idx)) < p_urg
        p_need = np.where(
            urg[:, None], np.array(NEEDS_URGENT)[None, :], inflow_p[segment[idx]]
        )
        new_needs = rng.random((len(idx), 4)) < p_need
        cols.end[cur[idx]] = end
        cur[idx] = cols.add(idx, new_start, new_needs, urg)
    hh = cols.frame(month_starts[-1])
    hh["household_type"] = _household_type(hh, is_house, rng)
    return Population(hh, occupied, pressure, moves)


class _Columns:
    """Growable household columns."""

    def __init__(self, capacity: int):
        self.n = 0
        self.dwelling = np.zeros(capacity, dtype=np.int64)
        self.start = np.zeros(capacity, dtype="datetime64[D]")
        self.end = np.full(capacity, np.datetime64("NaT"), dtype="datetime64[D]")
        self.needs = np.zeros((capacity, 4), dtype=bool)
        self.urgency = np.zeros(capacity, dtype=bool)
        self.weight = np.zeros(capacity)

    def add(self, dwelling, start, needs, urgency) -> np.ndarray:
        k = len(dwelling)
        if self.n + k > len(self.dwelling):
            self._grow(self.n + k)
        sl = slice(self.n, self.n + k)
        self.dwelling[sl], self.start[sl] = dwelling, start
        self.needs[sl], self.urgency[sl] = needs, urgency
        self.weight[sl] = np.minimum(
            1.0, needs[:, 0] + needs[:, 2] + 0.5 * needs[:, 1] + 0.5 * needs[:, 3]
        )
        self.n += k
        return np.arange(sl.start, sl.stop)

    def _grow(self, need: int) -> None:
        size = max(need, 2 * len(self.dwelling))
        for name in ("dwelling", "start", "end", "needs", "urgency", "weight"):
            old = getattr(self, name)
            new = (
                np.full((size, *old.shape[1:]), np.datetime64("NaT"), old.dtype)
                if name == "end"
                else np.zeros((size, *old.shape[1:]), old.dtype)
            )
            new[: len(old)] = old
            setattr(self, name, new)

    def frame(self, end_date: np.datetime64) -> pd.DataFrame:
        n = self.n
        keep = self.start[:n] < end_date  # arrivals after the end never happened
        out = pd.DataFrame(
            {
                "dwelling": self.dwelling[:n][keep],
                "tenure_start": self.start[:n][keep],
                "tenure_end": self.end[:n][keep],
            }
        )
        for j, name in enumerate(NEEDS):
            out[name] = self.needs[:n, j][keep]
        out["urgency"] = self.urgency[:n][keep]
        return out


def _household_type(
    hh: pd.DataFrame, is_house: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """``single``, ``couple``, ``family``, ``single_parent`` or ``other``.

    Frail elderly live alone by definition; care and uitstroom needs mostly
    single; houses hold more families.
    """
    types = np.array(["single", "couple", "family", "single_parent", "other"])
    house = is_house[hh["dwelling"].to_numpy()]
    p = np.where(
        house[:, None], [0.15, 0.3, 0.42, 0.1, 0.03], [0.45, 0.28, 0.12, 0.1, 0.05]
    )
    care = (hh["need_care"] | hh["need_outflow"]).to_numpy()
    p = np.where(care[:, None], [0.72, 0.06, 0.04, 0.12, 0.06], p)
    income = hh["need_income"].to_numpy() & ~care
    p = np.where(income[:, None], [0.4, 0.1, 0.15, 0.3, 0.05], p)
    u = rng.random(len(hh))[:, None]
    pick = (u >= np.cumsum(p, axis=1)).sum(axis=1)
    out = types[np.minimum(pick, 4)]
    out[hh["need_frail_elderly"].to_numpy()] = "single"
    return out
