"""Differential privacy on the per-place sufficient statistics (ADR 0006).

Every count of :mod:`veerkracht.analytics.statistics` that a published figure
can depend on is protected here, once per period, with the discrete Gaussian
mechanism of OpenDP under zero-concentrated differential privacy (ρ-zCDP).
Everything computed afterwards from the protected frames — any model file,
any level, any band, class or profile, a linear program over all of them —
is post-processing and costs no further privacy.

Unit of privacy and sensitivity
-------------------------------
*Households.* Adding or removing one household (all its tenures) changes at
most :data:`~veerkracht.analytics.statistics.HOUSEHOLD_CELLS_PER_LEVEL` (11)
cells by 1 in **one** place per level, so the household columns of all
places of one level, read as one vector, have L2 sensitivity √11.
*Signals.* One signal changes one cell of one place per level: L2
sensitivity 1.

Budget
------
ρ adds up over the levels of a period and over periods (and redraws). A
:class:`NoisePlan` gives each level a share of the period's ρ (the small
levels get more: their counts are small, so relative noise matters most
there) and sets the noise scale of a level to

    σ_level = Δ / √(2 · share_level · ρ),

so that Σ_levels Δ² / (2 σ²) = ρ exactly. :meth:`NoisePlan.verify` checks each
level against OpenDP's own privacy map. The ledger (:class:`Ledger`) sums ρ
over all draws and converts it to (ε, δ) with OpenDP's zCDP → approximate-DP
conversion (:func:`epsilon_of`).

Examples
--------
>>> plan = NoisePlan()
>>> round(plan.sigma_households()["block"], 3)
5.244
>>> round(sum(plan.verify()["households"].values()), 9)
1.0
>>> round(epsilon_of(1.0), 2)
7.77
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache

import numpy as np
import pandas as pd

from veerkracht.analytics.statistics import (
    COUNT_COLUMNS,
    HOUSEHOLD_CELLS_PER_LEVEL,
    HOUSEHOLD_COLUMNS,
    SIGNAL_CELLS_PER_LEVEL,
    SIGNAL_COLUMNS,
    STATISTICS_VERSION,
)
from veerkracht.defaults import BAND_MIN_FLOOR, LEVELS

#: Share of a period's ρ per level: 76 % for the four small levels, where a
#: household is a large part of a count, 24 % for the areas.
DEFAULT_SHARES = {"entrance": 0.18, "building": 0.18, "block": 0.20, "street": 0.20,
                  "buurt": 0.10, "wijk": 0.07, "gemeente": 0.07}
DEFAULT_DELTA = 1e-6
MECHANISM = "opendp discrete gaussian (zCDP)"
#: Only the seeded test path (``seed=``) writes this; it is never stored.
TEST_MECHANISM = "TEST ONLY: rounded numpy normal, not private"
#: Household sub-counts that can never exceed ``n_households``.
BOUNDED_BY_HOUSEHOLDS = tuple(c for c in HOUSEHOLD_COLUMNS
                              if c not in ("n_households", "outflow_need"))

Progress = Callable[..., None] | None


class PrivacyError(ValueError):
    """An invalid noise plan or input; the message is for the user (Dutch)."""


def _upper_sqrt(x: float) -> float:
    """√x rounded up to the next float, so a sensitivity is never understated."""
    return math.nextafter(math.sqrt(x), math.inf)


#: L2 sensitivities per level (see the module doc).
SENSITIVITY_HOUSEHOLDS = _upper_sqrt(HOUSEHOLD_CELLS_PER_LEVEL)
SENSITIVITY_SIGNALS = _upper_sqrt(SIGNAL_CELLS_PER_LEVEL)


def _opendp():
    # the modules themselves, not opendp.prelude: the prelude also imports the
    # scikit-learn extras (and scipy.stats), seconds of start-up never used here
    from types import SimpleNamespace

    from opendp import combinators, domains, measurements, metrics, mod
    from opendp.typing import f64, i64

    mod.enable_features("contrib")
    return SimpleNamespace(vector_domain=domains.vector_domain,
                           atom_domain=domains.atom_domain,
                           l2_distance=metrics.l2_distance, m=measurements,
                           c=combinators, i64=i64, f64=f64)


@lru_cache(maxsize=256)
def gaussian_measurement(scale: float):
    """OpenDP's discrete Gaussian on a vector of integer counts, L2 metric.

    ``measurement.map(d_in)`` is the ρ (zCDP) of one release whose input
    vectors differ by at most ``d_in`` in L2 norm.
    """
    dp = _opendp()
    space = (dp.vector_domain(dp.atom_domain(T=dp.i64)), dp.l2_distance(T=dp.f64))
    return space >> dp.m.then_gaussian(scale=float(scale))


def _scale_for(sensitivity: float, rho: float) -> float:
    """The smallest float scale whose OpenDP map at ``sensitivity`` is <= ρ."""
    scale = sensitivity / math.sqrt(2.0 * rho)
    while gaussian_measurement(scale).map(sensitivity) > rho:
        scale = math.nextafter(scale, math.inf)
    return scale


@lru_cache(maxsize=256)
def epsilon_of(rho: float, delta: float = DEFAULT_DELTA) -> float:
    """ε of ρ-zCDP at ``delta``, by OpenDP's zCDP → (ε, δ)-DP conversion.

    >>> epsilon_of(0.0)
    0.0
    >>> 7.7 < epsilon_of(1.0) < 7.8   # the textbook bound gives 8.43
    True
    """
    if rho < 0:
        raise PrivacyError("ρ kan niet negatief zijn")
    if rho == 0:
        return 0.0
    dp = _opendp()
    m = gaussian_measurement(_scale_for(1.0, rho))
    approx = dp.c.make_fix_delta(dp.c.make_zCDP_to_approxDP(m), delta)
    return float(approx.map(1.0)[0])


@dataclass(frozen=True)
class NoisePlan:
    """How much privacy a period may cost and how it is spread over levels.

    Parameters
    ----------
    rho_households, rho_signals : float
        ρ (zCDP) of one period for one household, and for one signal.
    shares : mapping level -> float
        Fraction of each ρ per level; must sum to 1 over the levels used.
    band_min : int
        Places with fewer dwellings (public) are left out; at least 5.
    cap_households_at_dwellings : bool
        Post-processing: protected ``n_households`` <= ``n_dwellings``. True
        unless dwellings commonly hold several households at once (the
        households contract allows it; then the cap would bias downward).
    """

    rho_households: float = 1.0
    rho_signals: float = 0.25
    shares: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_SHARES))
    band_min: int = BAND_MIN_FLOOR
    cap_households_at_dwellings: bool = True

    def __post_init__(self):
        if self.band_min < BAND_MIN_FLOOR:
            raise PrivacyError(f"de banddrempel kan niet lager dan {BAND_MIN_FLOOR} "
                               f"woningen (gevraagd: {self.band_min})")
        for name, rho in (("huishoudens", self.rho_households),
                          ("meldingen", self.rho_signals)):
            if not (rho > 0 and math.isfinite(rho)):
                raise PrivacyError(f"ρ voor {name} moet groter dan 0 zijn "
                                   f"(gevraagd: {rho})")
        unknown = set(self.shares) - set(LEVELS)
        if unknown:
            raise PrivacyError(f"onbekende niveaus in de verdeling: {sorted(unknown)}")
        if any(s <= 0 for s in self.shares.values()):
            raise PrivacyError("elk niveau in de verdeling moet een deel > 0 krijgen")
        total = sum(self.shares.values())
        if abs(total - 1.0) > 1e-9:
            raise PrivacyError(f"de delen per niveau tellen op tot {total:.6g}, "
                               "niet tot 1")

    @property
    def levels(self) -> tuple[str, ...]:
        return tuple(lv for lv in LEVELS if lv in self.shares)

    def rho_level(self, kind: str) -> dict[str, float]:
        """ρ per level for ``kind`` ``"households"`` or ``"signals"``."""
        rho = self.rho_households if kind == "households" else self.rho_signals
        return {lv: self.shares[lv] * rho for lv in self.levels}

    def sigma_households(self) -> dict[str, float]:
        """Discrete Gaussian scale per level for every household count."""
        return {lv: _scale_for(SENSITIVITY_HOUSEHOLDS, r)
                for lv, r in self.rho_level("households").items()}

    def sigma_signals(self) -> dict[str, float]:
        """Discrete Gaussian scale per level for every signal count."""
        return {lv: _scale_for(SENSITIVITY_SIGNALS, r)
                for lv, r in self.rho_level("signals").items()}

    def verify(self) -> dict[str, dict[str, float]]:
        """ρ per level by OpenDP's privacy map; raises if any exceeds the plan.

        Returns ``{"households": {level: ρ}, "signals": {level: ρ}}``; the
        sums equal ``rho_households`` and ``rho_signals`` (up to rounding
        towards safety).
        """
        out: dict[str, dict[str, float]] = {}
        for kind, sens, sigmas in (
                ("households", SENSITIVITY_HOUSEHOLDS, self.sigma_households()),
                ("signals", SENSITIVITY_SIGNALS, self.sigma_signals())):
            planned = self.rho_level(kind)
            mapped = {lv: float(gaussian_measurement(s).map(sens))
                      for lv, s in sigmas.items()}
            for lv, r in mapped.items():
                if r > planned[lv] * (1 + 1e-12):
                    raise PrivacyError(f"OpenDP geeft ρ = {r} voor {lv}, meer dan "
                                       f"gepland ({planned[lv]})")
            out[kind] = mapped
        return out

    def noise_sd(self) -> dict[str, dict[str, float]]:
        """level -> {column: σ}: the noise sd of every protected count.

        The discrete Gaussian with scale σ >= 1 has sd σ to within 1e-8.
        """
        sh, ss = self.sigma_households(), self.sigma_signals()
        return {lv: {**dict.fromkeys(HOUSEHOLD_COLUMNS, sh[lv]),
                     **dict.fromkeys(SIGNAL_COLUMNS, ss[lv])} for lv in self.levels}

    def as_dict(self) -> dict:
        return {"rho_households": self.rho_households, "rho_signals": self.rho_signals,
                "shares": dict(self.shares), "band_min": self.band_min,
                "cap_households_at_dwellings": self.cap_households_at_dwellings}


def bound_contributions(households: pd.DataFrame | None, end) -> pd.DataFrame | None:
    """At most one present and one ended tenure per household (per period).

    The sensitivity √11 per level assumes a household is present in at most
    one dwelling at the end of the period and has at most one tenure that
    ended in the last 12 months (the outflow). A household that moved twice
    in a year, or a data error with two open tenures, would count more; this
    keeps, per ``household_key``, the latest-starting present tenure and the
    latest-ending tenure of the outflow window, and drops the others before
    counting (contribution bounding). Without ``household_key`` every row is
    its own household and nothing is dropped; so is a row whose key is
    missing.

    >>> hh = pd.DataFrame({"household_key": ["h", "h", "h", "g"],
    ...     "address_id": ["a", "b", "c", "a"],
    ...     "tenure_start": ["2020-01-01", "2025-02-01", "2025-06-01", "2019-01-01"],
    ...     "tenure_end": ["2025-02-01", "2025-06-01", None, None]})
    >>> bound_contributions(hh, "2026-01-01")["address_id"].tolist()
    ['b', 'c', 'a']
    """
    if households is None or "household_key" not in households.columns:
        return households
    from veerkracht.analytics.statistics import FLOW_MONTHS

    def dates(col):
        if col not in households.columns:
            return pd.Series(pd.NaT, index=households.index, dtype="datetime64[ns]")
        t = pd.to_datetime(households[col], errors="coerce", utc=True)
        return t.dt.tz_localize(None)

    end = pd.Timestamp(end).tz_localize(None)
    start, stop = dates("tenure_start"), dates("tenure_end")
    live = ((start < end) & (stop.isna() | (stop >= end))).to_numpy()
    gone = (stop.notna() & (stop < end)
            & (stop >= end - pd.DateOffset(months=FLOW_MONTHS))).to_numpy()
    # integer codes of the keys (factorised in Arrow): Python strings of
    # millions of keys, sorted as strings, cost gigabytes at national size.
    # A row without a key is its own household and never dropped.
    key, _ = pd.factorize(households["household_key"].astype("str"),
                          use_na_sentinel=True)
    drop = np.zeros(len(households), dtype=bool)
    for mask, when in ((live, start), (gone, stop)):
        idx = np.flatnonzero(mask & (key >= 0))
        if not len(idx):
            continue
        k = key[idx]
        # per key the latest (time, row) is kept: sort by key, time, row
        order = np.lexsort((idx, when.to_numpy()[idx].view("i8"), k))
        ks = k[order]
        later = np.zeros(len(order), dtype=bool)
        later[:-1] = ks[1:] == ks[:-1]
        drop[idx[order[later]]] = True
    # nothing to drop: the frame itself (a copy of millions of rows would
    # double the households in memory for nothing)
    return households.loc[~drop] if drop.any() else households


def _tick(progress: Progress, n: int = 1, description: str | None = None) -> None:
    if progress is not None:
        progress(n, description=description)


#: Values per OpenDP call when a pool samples: small enough that the
#: threads share the work evenly, large enough that a call's fixed cost
#: (domain checks, conversion) does not matter.
CHUNK_VALUES = 20_000


def _chunks(flat: np.ndarray) -> list[np.ndarray]:
    return np.array_split(flat, max(1, -(-flat.size // CHUNK_VALUES)))


def sample_noisy(values: np.ndarray, scale: float, rng=None, pool=None) -> np.ndarray:
    """``values`` (int) plus discrete Gaussian noise of ``scale``, via OpenDP.

    OpenDP samples each value exactly (rational arithmetic, 15–20 µs per
    value) in its Rust library; ctypes releases the GIL during the call, so
    ``pool`` (a ``concurrent.futures`` thread pool) samples chunks of
    :data:`CHUNK_VALUES` side by side. ``rng`` (a numpy Generator) selects
    the TEST-ONLY path: rounded normal noise, reproducible but not private
    (floating-point noise can be attacked); :mod:`veerkracht.jobs.protect`
    never passes one.

    >>> out = sample_noisy(np.zeros((2, 3), dtype=np.int64), 2.0)
    >>> out.shape, out.dtype
    ((2, 3), dtype('int64'))
    """
    # a fresh, writable copy: OpenDP's ctypes conversion refuses read-only
    # arrays (pandas hands those out)
    flat = np.array(values, dtype=np.int64).ravel()
    if rng is not None:
        noisy = flat + np.rint(rng.normal(0.0, scale, flat.size)).astype(np.int64)
    elif not flat.size:
        noisy = flat.copy()
    else:
        measure = gaussian_measurement(scale)
        parts = _chunks(flat) if pool is not None else [flat]
        mapper = pool.map if pool is not None else map
        # numpy arrays go to OpenDP as they are (a Python list costs a
        # quarter more in conversion)
        noisy = np.concatenate([np.asarray(p, dtype=np.int64)
                                for p in mapper(measure, parts)])
    return noisy.reshape(np.shape(values))


def postprocess(frame: pd.DataFrame, cap_households_at_dwellings: bool = True
                ) -> pd.DataFrame:
    """Make noisy counts consistent; uses only noisy counts and public dwellings.

    * every count >= 0 (the Euclidean projection on a set that holds the true
      counts, so no cell gets further from the truth);
    * ``n_households`` <= ``n_dwellings`` (public) when capped;
    * each household sub-count (flags, stacked needs, types, tenure bins,
      inflow) <= the protected ``n_households``, so shares stay in [0, 1].
      ``outflow_need`` counts households that left and has no such bound.

    Being a function of the protected counts and public data only, this is
    post-processing and costs no privacy. It is for *display* only (a count
    shown to a person): :func:`protect_statistics` returns and stores the raw
    noisy counts, which are unbiased, and the model reads those (with the
    noise variance), because clipping small cells at 0 biases them upward.

    >>> f = pd.DataFrame({"place_id": ["a"], "n_dwellings": [6],
    ...                   **{c: [0] for c in COUNT_COLUMNS}})
    >>> f.loc[0, ["n_households", "flag_need_care", "sig_pressure_q0"]] = [9, 12, -3]
    >>> g = postprocess(f)
    >>> g.loc[0, ["n_households", "flag_need_care", "sig_pressure_q0"]].tolist()
    [6, 6, 0]
    """
    out = frame.copy()
    cols = [c for c in COUNT_COLUMNS if c in out.columns]
    out[cols] = out[cols].clip(lower=0)
    if "n_households" in out.columns:
        if cap_households_at_dwellings:
            out["n_households"] = np.minimum(out["n_households"], out["n_dwellings"])
        n = out["n_households"].to_numpy()
        for c in BOUNDED_BY_HOUSEHOLDS:
            if c in out.columns:
                out[c] = np.minimum(out[c].to_numpy(), n)
    return out


def protect_statistics(stats: Mapping[str, pd.DataFrame], plan: NoisePlan | None = None,
                       seed: int | None = None, progress: Progress = None,
                       workers: int = 1
                       ) -> tuple[dict[str, pd.DataFrame], dict[str, dict[str, float]]]:
    """Protect the exact per-place statistics of one period.

    Parameters
    ----------
    stats : mapping level -> DataFrame
        As :func:`veerkracht.analytics.statistics.place_statistics` returns
        (``place_id``, ``n_dwellings``, :data:`COUNT_COLUMNS`). Levels not in
        the plan are refused (they would cost budget the plan did not count).
    plan : NoisePlan, optional
        Default :class:`NoisePlan`.
    seed : int, optional
        TEST ONLY (see :func:`sample_noisy`): reproducible, not private.
    progress : callable, optional
        ``progress(n, description=...)``, one tick per level.
    workers : int
        Threads that sample noise (OpenDP releases the GIL; large levels are
        split over them in chunks).

    Returns
    -------
    stats, noise_sd
        level -> protected frame (places with ``n_dwellings >= band_min``
        only, same columns, int64: the raw noisy counts, which may be
        negative or exceed ``n_households``; :func:`postprocess` makes them
        consistent for display) and level -> {column: σ}.

    Examples
    --------
    >>> exact = {"block": pd.DataFrame({"place_id": ["a", "b"], "n_dwellings": [3, 40],
    ...                                 **{c: [2, 30] for c in COUNT_COLUMNS}})}
    >>> noisy, sd = protect_statistics(exact, NoisePlan(shares={"block": 1.0}))
    >>> noisy["block"]["place_id"].tolist(), round(sd["block"]["n_households"], 2)
    (['b'], 2.35)
    """
    plan = plan or NoisePlan()
    extra = set(stats) - set(plan.levels)
    if extra:
        raise PrivacyError("het plan verdeelt geen budget over de niveaus "
                           f"{sorted(extra)}; geef die niveaus een deel")
    plan.verify()
    rng = None if seed is None else np.random.default_rng(seed)
    with contextlib.ExitStack() as stack:
        pool = None
        if workers > 1 and rng is None:
            pool = stack.enter_context(ThreadPoolExecutor(
                workers, thread_name_prefix="opendp"))
        out = _protect_levels(stats, plan, rng, pool, progress)
    sd = {lv: v for lv, v in plan.noise_sd().items() if lv in out}
    return out, sd


def _protect_levels(stats, plan, rng, pool, progress
                    ) -> dict[str, pd.DataFrame]:
    sh, ss = plan.sigma_households(), plan.sigma_signals()
    out: dict[str, pd.DataFrame] = {}
    for lv in plan.levels:
        if lv not in stats:
            continue
        frame = stats[lv]
        missing = [c for c in ("place_id", "n_dwellings", *COUNT_COLUMNS)
                   if c not in frame.columns]
        if missing:
            raise PrivacyError(f"niveau {lv}: kolommen ontbreken: {missing}")
        keep = frame.loc[frame["n_dwellings"].to_numpy() >= plan.band_min,
                         ["place_id", "n_dwellings", *COUNT_COLUMNS]]
        keep = keep.reset_index(drop=True)
        hh = keep[list(HOUSEHOLD_COLUMNS)].to_numpy(dtype=np.int64)
        sg = keep[list(SIGNAL_COLUMNS)].to_numpy(dtype=np.int64)
        noisy = keep[["place_id"]].copy()
        noisy["n_dwellings"] = keep["n_dwellings"].to_numpy(dtype=np.int64)
        noisy[list(HOUSEHOLD_COLUMNS)] = sample_noisy(hh, sh[lv], rng, pool)
        noisy[list(SIGNAL_COLUMNS)] = sample_noisy(sg, ss[lv], rng, pool)
        # raw noisy counts: the model reads them unclipped (clipping at 0 and
        # at n_households biases small cells upward); clip for display only
        out[lv] = noisy
        _tick(progress, 1, f"Ruis toegevoegd: {lv}")
    return out


# --- the ledger -------------------------------------------------------------

LEDGER_COLUMNS = (
    "period", "statistics_version", "operation", "created_at", "mechanism",
    "rho_households", "rho_signals", "epsilon_households", "epsilon_signals",
    "delta", "band_min", "dwellings_version", "households_version",
    "signals_version",
    *(f"sigma_households_{lv}" for lv in LEVELS),
    *(f"sigma_signals_{lv}" for lv in LEVELS),
)


def ledger_row(plan: NoisePlan, period: str, operation: str,
               versions: Mapping[str, int | None] | None = None,
               created_at: str | None = None, delta: float = DEFAULT_DELTA,
               levels=None) -> dict:
    """One ledger row: what one draw for ``period`` cost and how it was made.

    ``versions`` holds the table versions of ``dwellings``, ``households``
    and ``signals`` the draw was made from (-1 when absent). ``levels`` are
    the levels drawn (default all of the plan); σ is NaN for the others. ρ is
    the plan's, an upper bound when fewer levels were drawn.
    """
    versions = versions or {}
    drawn = set(plan.levels if levels is None else levels)
    sh, ss = plan.sigma_households(), plan.sigma_signals()
    row = {
        "period": str(period), "statistics_version": STATISTICS_VERSION,
        "operation": operation,
        "created_at": created_at or datetime.now(UTC).isoformat(timespec="seconds"),
        "mechanism": MECHANISM,
        "rho_households": float(plan.rho_households),
        "rho_signals": float(plan.rho_signals),
        "epsilon_households": epsilon_of(plan.rho_households, delta),
        "epsilon_signals": epsilon_of(plan.rho_signals, delta),
        "delta": float(delta), "band_min": int(plan.band_min),
    }
    for t in ("dwellings", "households", "signals"):
        v = versions.get(t)
        row[f"{t}_version"] = -1 if v is None else int(v)
    for lv in LEVELS:
        row[f"sigma_households_{lv}"] = float(sh[lv]) if lv in drawn else math.nan
        row[f"sigma_signals_{lv}"] = float(ss[lv]) if lv in drawn else math.nan
    return row


@dataclass(frozen=True)
class Ledger:
    """The privacy-budget ledger: one row per draw, append-only.

    ρ adds up over every draw of every period (a redraw of a period costs
    again: both draws may have been seen).

    >>> p = NoisePlan()
    >>> led = Ledger.from_rows([ledger_row(p, "2024", "protect"),
    ...                         ledger_row(p, "2025", "protect")])
    >>> t = led.totals()
    >>> t["rho_households"], t["draws"], round(t["epsilon_households"], 1)
    (2.0, 2, 11.7)
    """

    rows: pd.DataFrame

    @classmethod
    def from_rows(cls, rows) -> Ledger:
        frame = pd.DataFrame(list(rows), columns=list(LEDGER_COLUMNS))
        return cls(frame)

    def for_period(self, period: str) -> pd.DataFrame:
        return self.rows[self.rows["period"].astype(str) == str(period)]

    def totals(self, delta: float = DEFAULT_DELTA) -> dict:
        """ρ over all draws, and ε at ``delta`` for households and signals."""
        rho_h = float(self.rows["rho_households"].sum()) if len(self.rows) else 0.0
        rho_s = float(self.rows["rho_signals"].sum()) if len(self.rows) else 0.0
        return {
            "periods": int(self.rows["period"].nunique()), "draws": len(self.rows),
            "rho_households": rho_h, "rho_signals": rho_s, "delta": delta,
            "epsilon_households": epsilon_of(rho_h, delta),
            "epsilon_signals": epsilon_of(rho_s, delta),
        }
