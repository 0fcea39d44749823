"""Pressure, resilience and balance for every place and one period (model 2.0).

The model reads **per-place statistics**
(:func:`veerkracht.analytics.statistics.place_statistics`, or their protected
version, ADR 0006) — never a household or signal row. Four steps, each
vectorised over the places of a level:

1. :func:`compute_indicators` — per level and indicator the posterior of
   every place: shares and rates shrunk toward the enclosing place (parents
   first) with a prior mean adjusted by public covariates and a prior
   strength fitted by maximum likelihood (:mod:`.estimate`); context
   indicators (reach, facilities, shared spaces, entrance and block size)
   from the public dwellings; the reporting index against the rate the
   place's composition predicts; going quiet and the net inflow;
2. :func:`score_indicators` — each indicator transformed and scaled to 0..1
   on the **fixed reference** of the model file (``[reference]``), the same
   for every period;
3. :func:`combine` — pressure, resilience and balance with intervals and
   class probabilities from seeded Monte Carlo draws of the indicators'
   joint posterior (correlated share draws -> score draws -> composites);
4. the class rules of the model file, with the inflow rule of "kraan open".

The result has one row per *place* present in the statistics — never per
household or address (docs/method.md, chapter 2).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from veerkracht.analytics.model import estimate, joint
from veerkracht.analytics.model.classes import class_slug, z_of
from veerkracht.analytics.model.indicators import (
    DwellingFrame,
    ModelDataError,
    ModelInputs,
    facilities_per_site,
    prepare_dwellings,
    reach_per_site,
    shared_space_per_dwelling,
)
from veerkracht.analytics.model.periods import Period
from veerkracht.analytics.model.spec import LEVELS, Indicator, ModelSpec
from veerkracht.analytics.statistics import (
    HOUSEHOLD_TYPES,
    QUARTER_DAYS,
    SIGNAL_QUARTERS,
    STATISTICS_VERSION,
    TENURE_BINS,
    flag_column,
    place_statistics,
    signal_column,
    type_column,
)

#: The hierarchy used for published parent ids and secondary suppression.
DISCLOSURE_CHAIN = {
    "entrance": ("building", "block", "buurt"), "building": ("block", "buurt"),
    "block": ("buurt",), "street": ("buurt",), "buurt": ("wijk", "gemeente"),
    "wijk": ("gemeente",), "gemeente": (),
}
SHARE_KINDS = ("need_share", "turnover", "long_tenure")
HOUSEHOLD_KINDS = (*SHARE_KINDS, "stacked_needs", "household_mix")
SIGNAL_KINDS = ("signal_rate", "reporting_index")

#: Threads that shrink indicators side by side (:func:`compute_indicators`).
SHRINK_THREADS = 2
STAT_KINDS = (*HOUSEHOLD_KINDS, *SIGNAL_KINDS)
#: Indicator kinds with a share-like posterior (drawn on the logit scale).
_LOGIT_KINDS = (*SHARE_KINDS, "stacked_needs")
#: Places with fewer dwellings are never published: no draws for them.
MC_MIN_DWELLINGS = 5
#: Recent and previous halves of the signal quarters for going quiet.
RECENT_QUARTERS = tuple(range(SIGNAL_QUARTERS // 2))
PREVIOUS_QUARTERS = tuple(range(SIGNAL_QUARTERS // 2, SIGNAL_QUARTERS))


@dataclass
class LevelValues:
    """Indicator values of the places of one level present in the statistics."""

    level: str
    ids: np.ndarray
    n_dwellings: np.ndarray
    n_households: np.ndarray
    parent_level: str | None
    parent_ids: np.ndarray                     # unique enclosing place or None
    street_ids: np.ndarray | None = None       # entrances: their unique street
    mean: dict[str, np.ndarray] = field(default_factory=dict)
    sd: dict[str, np.ndarray] = field(default_factory=dict)
    counts: dict[str, np.ndarray] = field(default_factory=dict)
    score: dict[str, np.ndarray] = field(default_factory=dict)
    score_sd: dict[str, np.ndarray] = field(default_factory=dict)
    #: posterior on the draw scale: (link, loc, scale, multiplier)
    draw: dict[str, tuple[str, np.ndarray, np.ndarray, float]] = field(
        default_factory=dict)
    extra: dict[str, np.ndarray] = field(default_factory=dict)
    fallbacks: list[str] = field(default_factory=list)
    rho: dict[str, float] = field(default_factory=dict)


@dataclass
class IndicatorValues:
    """All levels for one period, and what was left out and why."""

    period: Period
    levels: dict[str, LevelValues]
    skipped: dict[str, str]
    strength: dict[str, dict[str, float]]      # indicator -> level -> kappa
    settings: dict = field(default_factory=dict)


def _mode_parent(child: np.ndarray, parent: np.ndarray, n_child: int, n_parent: int
                 ) -> tuple[np.ndarray, np.ndarray]:
    """The parent holding most of each child's dwellings, and whether it holds all."""
    ok = (child >= 0) & (parent >= 0)
    key = child[ok].astype(np.int64) * n_parent + parent[ok]
    uk, cnt = np.unique(key, return_counts=True)
    c, p = uk // n_parent, uk % n_parent
    order = np.lexsort((-cnt, c))
    c, p = c[order], p[order]
    first = np.r_[True, c[1:] != c[:-1]]
    mode = np.full(n_child, -1, dtype=np.int64)
    mode[c[first]] = p[first]
    n_distinct = np.bincount(c, minlength=n_child)
    orphan = np.bincount(child[(child >= 0) & (parent < 0)], minlength=n_child)
    return mode, (n_distinct == 1) & (orphan == 0)


def _shrink_order(spec: ModelSpec, present: list[str]) -> list[tuple[str, str]]:
    """(level, parent level or 'all') in an order where parents come first."""

    def resolve(level: str) -> str:
        par = spec.parents.get(level, "all")
        seen = {level}
        while par != "all" and par not in present:
            if par in seen:
                return "all"
            seen.add(par)
            par = spec.parents.get(par, "all")
        return par

    pairs = {lvl: resolve(lvl) for lvl in present}
    order: list[tuple[str, str]] = []
    done: set[str] = set()
    while len(order) < len(pairs):
        progressed = False
        for lvl in present:
            par = pairs[lvl]
            if lvl not in done and (par == "all" or par in done):
                order.append((lvl, par))
                done.add(lvl)
                progressed = True
        if not progressed:  # a cycle: break it toward the whole
            lvl = next(lv for lv in present if lv not in done)
            order.append((lvl, "all"))
            done.add(lvl)
    return order


# -- signals -------------------------------------------------------------------
def quarter_weights(half_life_days: float, lookback_days: float = 730.0
                    ) -> tuple[np.ndarray, float]:
    """Recency weights of the eight signal quarters and the exposure in years.

    Quarter ``k`` (its signals ``k`` quarters of 730/8 days old) weighs
    ``0.5 ** (t_k / h)`` at its mid-point ``t_k = (k + 1/2) * 730/8`` days;
    quarters beyond ``lookback_days`` weigh 0. The exposure per dwelling is
    the sum of the weights times the quarter length, in years, so a constant
    stream of ``r`` signals per dwelling per year gives rate ``r``.

    Examples
    --------
    >>> w, years = quarter_weights(180)
    >>> round(float(w[0]), 3), round(float(years), 3)
    (0.839, 0.665)
    """
    k = np.arange(SIGNAL_QUARTERS)
    mid = (k + 0.5) * QUARTER_DAYS
    w = np.where((k + 1) * QUARTER_DAYS <= lookback_days + 1e-9,
                 0.5 ** (mid / half_life_days), 0.0)
    return w, float(w.sum() * QUARTER_DAYS / 365.25)


def _meanings(meaning: str) -> tuple[str, ...]:
    return ("pressure", "attentiveness") if meaning == "all" else (meaning,)


def _col(st: pd.DataFrame, name: str) -> np.ndarray:
    if name in st.columns:
        return st[name].to_numpy(dtype="float64")
    return np.zeros(len(st))


def _noise(noise_sd: dict | None, level: str, columns, weights=None
           ) -> np.ndarray | float:
    """Variance of a weighted sum of statistics columns under the DP noise."""
    if not noise_sd or level not in noise_sd:
        return 0.0
    sd = noise_sd[level]
    w = np.ones(len(columns)) if weights is None else np.asarray(weights)
    v = 0.0
    for c, wi in zip(columns, w, strict=True):
        s = sd.get(c, 0.0) if isinstance(sd, dict) else 0.0
        v = v + (wi * np.asarray(s, dtype="float64")) ** 2
    return v


#: Independent noisy measurements of a place's households: each group of cells
#: partitions the households present, so its sum is ``n_households`` exactly.
HOUSEHOLD_SOURCES = {
    "n_households": ("n_households",),
    "needs": ("needs_0", "needs_1", "needs_2p"),
    "types": tuple(type_column(t) for t in HOUSEHOLD_TYPES),
    "tenure": tuple(TENURE_BINS),
}


def _households(st: pd.DataFrame, noise_sd: dict | None, level: str,
                exclude: tuple[str, ...] = ()) -> tuple[np.ndarray, np.ndarray | float]:
    """Households per place and the noise variance of that number.

    Exact statistics: ``n_households``, variance 0. Protected ones: the
    inverse-variance weighted mean of the independent noisy measurements of
    :data:`HOUSEHOLD_SOURCES` (the raw ``n_households`` and the sums of the
    stacked needs, the types and the tenure bins), unbiased and unclipped,
    leaving out the sources in ``exclude`` (those whose cells the share's
    own count uses, so that the noise on ``y`` and ``n`` stays independent).
    With equal noise on every cell this has ``1 / 1.73`` of the variance of
    ``n_households`` alone.
    """
    n = _col(st, "n_households")
    if not noise_sd or level not in noise_sd:
        return n, 0.0
    num, prec = np.zeros(len(st)), np.zeros(len(st))
    for name, cols in HOUSEHOLD_SOURCES.items():
        if name in exclude or not all(c in st.columns for c in cols):
            continue
        v = np.broadcast_to(_noise(noise_sd, level, cols), (len(st),))
        if not np.any(v > 0):     # an exact source: nothing to combine
            return sum(_col(st, c) for c in cols), 0.0
        num += sum(_col(st, c) for c in cols) / v
        prec += 1.0 / v
    if not np.all(prec > 0):
        return n, _noise(noise_sd, level, ["n_households"]) + 0 * n
    return num / prec, 1.0 / prec


def _signal_sum(st: pd.DataFrame, meaning: str, weights: np.ndarray) -> tuple[
        np.ndarray, list[str], list[float]]:
    cols, ws = [], []
    total = np.zeros(len(st))
    for m in _meanings(meaning):
        for k in range(SIGNAL_QUARTERS):
            if weights[k] > 0:
                c = signal_column(m, k)
                total += weights[k] * _col(st, c)
                cols.append(c)
                ws.append(float(weights[k]))
    return total, cols, ws


def _tenure_columns(min_years: float) -> list[str]:
    return [name for name, (lo, _hi) in TENURE_BINS.items() if lo >= min_years]


# -- covariates -------------------------------------------------------------------
def _covariates(inputs: ModelInputs, dw: DwellingFrame, period: Period
                ) -> dict[str, np.ndarray]:
    """Public covariates per dwelling: what the prior mean may depend on."""
    out = {"log_entrance_size": np.log(np.maximum(dw.site_n[dw.site], 1.0)),
           "multi_entrance": (dw.site_n[dw.site] >= 2).astype("float64")}
    d = inputs.dwellings
    if "corporation" in d.columns:
        out["corporation"] = d["corporation"].astype("boolean").fillna(False
                                                                      ).to_numpy(
            dtype="float64")
    if "bouwjaar" in d.columns:
        year = pd.to_numeric(d["bouwjaar"], errors="coerce").to_numpy(dtype="float64")
        year = np.where((year > 1000) & (year <= period.end.year), year, np.nan)
        out["building_age"] = (period.end.year - year) / 10.0
    return out


def _level_covariates(per_dw: dict[str, np.ndarray], code: np.ndarray, n: int,
                      rows: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Dwelling means per place, standardised; constant columns dropped."""
    cols, names = [], []
    for name, v in per_dw.items():
        ok = (code >= 0) & ~np.isnan(v)
        s = np.bincount(code[ok], weights=v[ok], minlength=n)
        c = np.bincount(code[ok], minlength=n)
        with np.errstate(invalid="ignore", divide="ignore"):
            x = np.where(c > 0, s / np.maximum(c, 1), np.nan)[rows]
        if np.isnan(x).all():
            continue
        x = np.where(np.isnan(x), np.nanmean(x), x)
        sd = x.std()
        if sd < 1e-9:
            continue
        cols.append((x - x.mean()) / sd)
        names.append(name)
    if not cols:
        return np.zeros((len(rows), 0)), []
    return np.column_stack(cols), names


# -- the indicators ----------------------------------------------------------------
def _align(stats: dict[str, pd.DataFrame], dw: DwellingFrame, present: list[str]
           ) -> dict[str, tuple[pd.DataFrame, np.ndarray]]:
    """Each level's statistics with the dwelling code of every place."""
    out = {}
    for lv in present:
        st = stats.get(lv)
        if st is None or not len(st):
            continue
        st = st.reset_index(drop=True)
        ids = pd.Index(pd.array(dw.ids[lv].astype(str), dtype="str"))
        pos = ids.get_indexer(st["place_id"].astype("str"))
        keep = pos >= 0
        out[lv] = (st.loc[keep].reset_index(drop=True), pos[keep])
    return out


def compute_indicators(spec: ModelSpec, inputs: ModelInputs, period: Period,
                       progress: Callable | None = None, statistics=None,
                       noise_sd=None) -> IndicatorValues:
    """Posterior indicator values with standard deviations for every level.

    Parameters
    ----------
    statistics : dict, optional
        level -> per-place statistics (exact from :func:`place_statistics`,
        or protected: noisy, possibly non-integer, only some places). None:
        computed exactly from ``inputs``.
    noise_sd : dict, optional
        level -> {column: sd} of the noise on ``statistics`` (0 when exact).

    Raises
    ------
    ModelDataError
        When nobody lives in the dwellings at the end of the period and no
        signal falls in its window (a period with no data).
    """
    dw = prepare_dwellings(inputs.dwellings)
    present = [lv for lv in LEVELS if lv in dw.codes]
    if not present:
        raise ModelDataError("de woningen hebben geen plaatsen; voer eerst "
                             "'veerkracht places' uit")
    if statistics is None:
        statistics = place_statistics(inputs.dwellings, inputs.households,
                                      inputs.signals, period, levels=present)
    aligned = _align(statistics, dw, present)
    present = [lv for lv in present if lv in aligned]
    if not present:
        raise ModelDataError(f"de periode {period.label} heeft geen "
                             "plaatsstatistieken")
    n_places = {lv: len(dw.ids[lv]) for lv in present}
    skipped: dict[str, str] = {}

    top = aligned[present[-1]][0]
    n_hh_total = float(top["n_households"].clip(lower=0).sum())
    sig_cols = [c for c in top.columns if c.startswith("sig_")]
    n_sig_total = float(top[sig_cols].clip(lower=0).to_numpy().sum()) if sig_cols else 0
    if n_hh_total <= 0 and n_sig_total <= 0:
        raise ModelDataError(
            f"de periode {period.label} heeft geen gegevens: er woont aan het eind "
            "ervan geen bekend huishouden in de woningen en er zijn geen meldingen "
            "in het venster")

    # -- per-dwelling context values (public) ---------------------------------
    per_dwelling: dict[str, np.ndarray] = {}
    for ind in spec.indicators:
        kind = ind.kind
        if kind in HOUSEHOLD_KINDS:
            if inputs.households is None and n_hh_total <= 0:
                skipped[ind.name] = "geen huishoudens in deze periode"
            continue
        if kind in SIGNAL_KINDS:
            if inputs.signals is None and n_sig_total <= 0:
                skipped[ind.name] = "tabel signals ontbreekt"
            continue
        if kind == "reach":
            table = getattr(inputs, ind.params["table"])
            if table is None:
                skipped[ind.name] = f"tabel {ind.params['table']} ontbreekt"
                continue
            per_dwelling[ind.name] = reach_per_site(ind, table, dw, period)[dw.site]
        elif kind == "facilities":
            if inputs.amenities is None:
                skipped[ind.name] = "tabel amenities ontbreekt"
                continue
            per_dwelling[ind.name] = facilities_per_site(ind, inputs.amenities,
                                                         dw)[dw.site]
        elif kind == "shared_space_condition":
            if inputs.shared_space_links is None:
                skipped[ind.name] = "tabel shared_spaces ontbreekt"
                continue
            per_dwelling[ind.name] = shared_space_per_dwelling(
                inputs.shared_space_links, dw, period)
        elif kind == "entrance_size":
            per_dwelling[ind.name] = dw.site_n[dw.site]
        elif kind == "block_size":
            if "block" not in dw.codes:
                skipped[ind.name] = "de woningen hebben geen blokken"
                continue
            code = dw.codes["block"]
            size = np.bincount(code[code >= 0], minlength=len(dw.ids["block"]))
            per_dwelling[ind.name] = np.where(code >= 0, size[np.maximum(code, 0)],
                                              np.nan).astype("float64")
        if progress:
            progress(0, description=f"indicator {ind.name}")

    # -- levels: public counts, parents ------------------------------------------
    levels: dict[str, LevelValues] = {}
    stat_of: dict[str, pd.DataFrame] = {}
    row_of: dict[str, np.ndarray] = {}       # dwelling code -> row (-1: absent)
    for lv in present:
        st, pos = aligned[lv]
        stat_of[lv] = st
        code = dw.codes[lv]
        n_dw = np.bincount(code[code >= 0], minlength=n_places[lv]).astype("float64")
        inv = np.full(n_places[lv], -1, dtype=np.int64)
        inv[pos] = np.arange(len(pos))
        row_of[lv] = inv
        par_level, par_ids = None, np.full(len(pos), None, dtype=object)
        for cand in DISCLOSURE_CHAIN[lv]:
            if cand in dw.codes:
                mode, unique = _mode_parent(code, dw.codes[cand], n_places[lv],
                                            len(dw.ids[cand]))
                par_level = cand
                par_ids = np.where(unique, dw.ids[cand][np.maximum(mode, 0)],
                                   None)[pos]
                break
        # unclipped and unbiased: the model reads the noisy count as it is;
        # only the published n_households is clipped (combine)
        n_hh = _households(st, noise_sd, lv)[0]
        lvv = LevelValues(lv, dw.ids[lv][pos], n_dw[pos], n_hh, par_level, par_ids)
        lvv.extra["noisy"] = np.full(len(pos), bool(noise_sd and lv in noise_sd))
        lvv.extra["n_households_stored"] = _col(st, "n_households")
        if lv == "entrance" and "street" in dw.codes:
            mode, unique = _mode_parent(code, dw.codes["street"], n_places[lv],
                                        len(dw.ids["street"]))
            streets = dw.ids["street"][np.maximum(mode, 0)]
            lvv.street_ids = np.where(unique, streets, None)[pos]
        levels[lv] = lvv

    # -- context indicators: dwelling-weighted means, known exactly -------------
    for name, v in per_dwelling.items():
        valid = ~np.isnan(v)
        for lv in present:
            code = dw.codes[lv]
            use = valid & (code >= 0)
            s = np.bincount(code[use], weights=v[use], minlength=n_places[lv])
            c = np.bincount(code[use], minlength=n_places[lv])
            pos = aligned[lv][1]
            with np.errstate(invalid="ignore", divide="ignore"):
                levels[lv].mean[name] = np.where(c > 0, s / np.maximum(c, 1),
                                                 np.nan)[pos]
            levels[lv].sd[name] = np.zeros(len(pos))

    # -- covariates of the prior mean --------------------------------------------
    cov_dw = _covariates(inputs, dw, period) if spec.estimation.covariates else {}
    cov_of: dict[str, tuple[np.ndarray, list[str]]] = {}
    for lv in present:
        cov_of[lv] = _level_covariates(cov_dw, dw.codes[lv], n_places[lv],
                                       aligned[lv][1])

    # -- statistics indicators: shrinkage, parents first -------------------------
    order = _shrink_order(spec, present)
    parent_row: dict[str, np.ndarray] = {}
    for lv, par in order:
        if par == "all":
            parent_row[lv] = np.full(len(levels[lv].ids), -1, dtype=np.int64)
            continue
        mode = _mode_parent(dw.codes[lv], dw.codes[par], n_places[lv],
                            n_places[par])[0][aligned[lv][1]]
        parent_row[lv] = np.where(mode >= 0, row_of[par][np.maximum(mode, 0)], -1)
    log_ent = np.log(np.maximum(dw.site_n[dw.site], 1.0))
    for lv in present:
        code = dw.codes[lv]
        ok = code >= 0
        s_ = np.bincount(code[ok], weights=log_ent[ok], minlength=n_places[lv])
        c_ = np.bincount(code[ok], minlength=n_places[lv])
        levels[lv].extra["log_entrance_size"] = (s_ / np.maximum(c_, 1))[
            aligned[lv][1]]
    ctx = _Context(spec, levels, stat_of, order, parent_row, cov_of, noise_sd)
    strength: dict[str, dict[str, float]] = {}
    settings: dict = {"engine": estimate.ENGINE, "coef": {}, "covariates": {}}
    for lv in present:
        settings["covariates"][lv] = cov_of[lv][1]
    todo = [ind for ind in spec.indicators
            if ind.name not in skipped and ind.kind in STAT_KINDS]
    # The indicators are shrunk independently of each other (each writes
    # only its own keys); numpy and scipy's special functions release the
    # GIL on the place arrays, so two threads share the fits. The results
    # do not depend on the order: every fit has its own seed.
    with ThreadPoolExecutor(max(1, min(SHRINK_THREADS, len(todo) or 1))) as pool:
        done = pool.map(lambda ind: ctx.shrink(ind, period), todo)
        for ind, (kappa, coef) in zip(todo, done, strict=True):
            strength[ind.name], settings["coef"][ind.name] = kappa, coef
            if progress:
                progress(0, description=f"indicator {ind.name}")
    # fallbacks in indicator order, as a sequential run writes them
    rank = {ind.name: i for i, ind in enumerate(spec.indicators)}
    for lvv in levels.values():
        lvv.fallbacks.sort(key=lambda f: rank.get(f.split(":", 1)[0], len(rank)))
    # between-flag correlations of households: from the city-level row of
    # the (protected) statistics only, the same for every level
    city = {c: float(top[c].sum()) for c in top.columns
            if c not in ("place_id", "n_dwellings")}
    rho = joint.household_correlations(city)
    for lv in present:
        _trends(levels[lv], stat_of[lv], noise_sd, lv, spec.interval)
        levels[lv].rho = dict(rho)
    settings["reporting_coef"] = ctx.reporting_coef
    return IndicatorValues(period, levels, skipped, strength, settings)


class _Context:
    """What the shrinkage of one indicator reads: levels, statistics, parents."""

    def __init__(self, spec, levels, stat_of, order, parent_row, cov_of, noise_sd):
        self.spec = spec
        self.levels = levels
        self.stat_of = stat_of
        self.order = order
        self.parent_row = parent_row
        self.cov_of = cov_of
        self.noise_sd = noise_sd
        self.reporting_coef: dict = {}

    def _prior(self, full: dict, lv: str, par: str, overall, y=None, n=None,
               noise=None):
        """The parent's posterior mean *without the place's own data*.

        ``full[par]`` holds the parent's posterior ``(a, b)`` (beta: shares;
        gamma: shape and rate, with ``n`` the exposure). Subtracting the
        place's own counts (``a - y``, ``b - (n - y)`` for a share,
        ``b - e`` for a rate) gives the parent's estimate from the rest of
        it, so a stairwell that is most of its block is not shrunk toward
        itself; where that leaves too little (a place not wholly inside its
        parent) the parent's own mean is used. With noisy counts (``noise``
        > 0) the parent's own mean is used throughout: the parent's count
        holds the place's true count but not its noise (each level is
        protected separately), so subtracting the place's noisy count would
        put that noise into its own prior with the opposite sign, and the
        guard against too little left over would select on it (an upward
        bias of small places).
        """
        rows = self.parent_row[lv]
        m = len(rows)
        if par == "all":
            return np.full(m, overall, dtype="float64")
        a, b, rate_kind = full[par]
        pa, pb = a[np.maximum(rows, 0)], b[np.maximum(rows, 0)]
        mean = pa / pb if rate_kind else pa / (pa + pb)
        if y is not None and not np.any(np.asarray(noise if noise is not None
                                                    else 0.0) > 0):
            # the raw (noisy) counts, unclipped: their noise averages out,
            # clipping at zero would bias the rest of the parent
            yc = np.nan_to_num(y)
            nc = np.nan_to_num(n)
            a2 = pa - yc
            b2 = pb - nc if rate_kind else pb - (nc - yc)
            ok = (a2 > 0.25 * pa) & (b2 > 0.25 * pb)
            with np.errstate(invalid="ignore", divide="ignore"):
                loo = a2 / b2 if rate_kind else a2 / (a2 + b2)
            mean = np.where(ok, loo, mean)
        return np.where(rows >= 0, mean, overall)

    def _with_parent(self, post, fit, full: dict, lv: str, par: str, n, noise):
        """The posterior widened by the parent's own uncertainty (first order).

        The prior mean is the parent's estimate, itself uncertain: the
        place's mean moves by ``kappa / (kappa + n_eff)`` times its error
        (``n_eff`` the households the noisy count is worth,
        :func:`veerkracht.analytics.model.smoothing.effective_counts`). Without
        it a level whose places are most of their parent (entrances and
        buildings in a block), where the fit finds little heterogeneity, would
        take the parent's estimate with the confidence of a strong prior.
        """
        rows = self.parent_row[lv]
        if par == "all" or par not in full:
            return post
        a, b, _rate = full[par]
        pa, pb = a[np.maximum(rows, 0)], b[np.maximum(rows, 0)]
        s_ = pa + pb
        pvar = np.where(rows >= 0, pa * pb / (s_ * s_ * (s_ + 1)), 0.0)
        m = np.clip(post.mean, 1e-6, 1 - 1e-6)
        nn = np.clip(np.nan_to_num(n), 0, None)
        v = np.broadcast_to(np.asarray(noise if noise is not None else 0.0,
                                       dtype="float64"), nn.shape)
        n_eff = nn / (1.0 + v / np.maximum(nn * m * (1 - m), 1e-9))
        slope = fit.kappa / (fit.kappa + n_eff)
        return estimate.beta_from_moments(post.mean, post.sd**2 + (slope**2) * pvar)

    def _prior_comp(self, full: dict, lv: str, par: str, overall, counts):
        """The parent's Dirichlet posterior without the place's own counts."""
        rows = self.parent_row[lv]
        if par == "all":
            return np.tile(overall, (len(rows), 1))
        alpha = full[par][np.maximum(rows, 0)]
        rest = alpha - counts
        ok = (rest > 0.25 * alpha).all(axis=1)
        comp = np.where(ok[:, None], rest, alpha)
        comp = comp / comp.sum(axis=1, keepdims=True)
        return np.where(rows[:, None] >= 0, comp, overall)

    def shrink(self, ind: Indicator, period: Period) -> tuple[dict, dict]:
        kind = ind.kind
        bounds = self.spec.estimation.kappa_bounds
        seed = self.spec.estimation.seed
        full: dict[str, np.ndarray] = {}
        strength, coefs = {}, {}
        top_level = self.order[0][0]
        for lv, par in self.order:
            lvv = self.levels[lv]
            st = self.stat_of[lv]
            n = lvv.n_households
            X, xnames = self.cov_of[lv]
            if kind in SHARE_KINDS:
                cols = self._share_columns(ind)
                y = sum(_col(st, c) for c in cols)
                nv = _noise(self.noise_sd, lv, cols) + 0 * y
                n, n_var = _households(st, self.noise_sd, lv,
                                       ("tenure",) if kind != "need_share" else ())
                top = self.stat_of[top_level]
                overall = (sum(_col(top, c) for c in cols).sum()
                           / max(top["n_households"].clip(lower=0).sum(), 1))
                prior = np.clip(self._prior(full, lv, par, overall, y, n, nv), 1e-4,
                                1 - 1e-4)
                fit = estimate.fit_share(y, n, prior, X, nv, bounds, seed, n_var)
                post = estimate.posterior_share(
                    y, n, fit, nv, n_var, n_boot=self.spec.estimation.bootstrap,
                    seed=seed)
                # the children's priors read the place's own posterior; its
                # published spread also carries the parent's uncertainty
                full[lv] = (post.a, post.b, False)
                post = self._with_parent(post, fit, full, lv, par, n, nv)
                has = n > 0
                lvv.mean[ind.name] = np.where(has, post.mean, np.nan)
                lvv.sd[ind.name] = np.where(has, post.sd, np.nan)
                lvv.counts[ind.name] = np.clip(np.round(y), 0, None)
                loc, scale = post.logit_moments()
                lvv.draw[ind.name] = ("logit", loc, scale, 1.0)
            elif kind == "stacked_needs":
                fit, post = self._stacked(ind, lv, par, full, st, n, X, bounds, seed)
                has = n > 0
                lvv.mean[ind.name] = np.where(has, post.mean, np.nan)
                lvv.sd[ind.name] = np.where(has, post.sd, np.nan)
                loc, scale = post.logit_moments()
                lvv.draw[ind.name] = ("logit", loc, scale, 1.0)
            elif kind == "household_mix":
                fit = self._mix(ind, lv, par, full, st, n)
            elif kind == "signal_rate":
                w, years = quarter_weights(ind.params["half_life_days"],
                                           ind.params.get("lookback_days") or 730.0)
                y, cols, ws = _signal_sum(st, ind.meaning, w)
                nv = _noise(self.noise_sd, lv, cols, ws) + 0 * y
                e = lvv.n_dwellings * years
                top = self.stat_of[top_level]
                overall = (_signal_sum(top, ind.meaning, w)[0].clip(0).sum()
                           / max(self.levels[top_level].n_dwellings.sum() * years,
                                 1e-9))
                prior = np.maximum(self._prior(full, lv, par, max(overall, 1e-6),
                                               y, e, nv), 1e-9)
                fit = estimate.fit_rate(y, e, prior, X, nv, bounds, seed)
                post = estimate.posterior_rate(y, e, fit, nv)
                full[lv] = (post.shape, post.rate, True)
                has = e > 0
                # reported per 100 dwellings per year
                lvv.mean[ind.name] = np.where(has, 100 * post.mean, np.nan)
                lvv.sd[ind.name] = np.where(has, 100 * post.sd, np.nan)
                loc, scale = post.log_moments()
                lvv.draw[ind.name] = ("log", loc, scale, 100.0)
            elif kind == "reporting_index":
                fit = self._reporting(ind, lv, par, full, st, X, bounds, seed, period)
            else:  # pragma: no cover - guarded by STAT_KINDS
                raise ValueError(kind)
            strength[lv] = float(fit.kappa)
            coefs[lv] = dict(zip(xnames, fit.coef, strict=False)) if fit.coef else {}
            for f in fit.fallbacks:
                lvv.fallbacks.append(f"{ind.name}:{f}")
        return strength, coefs

    def _share_columns(self, ind: Indicator) -> list[str]:
        if ind.kind == "need_share":
            return [flag_column(ind.field)]
        if ind.kind == "turnover":
            return ["tenure_lt1"]
        return _tenure_columns(ind.params["min_years"])

    def _stacked(self, ind, lv, par, full, st, n, X, bounds, seed):
        """Stacked needs: ``(w1 * share_one + w2 * share_2p) / w2`` (0..1).

        Default ``w1 = 0.5``, ``w2 = 1``: a household counts once, however
        many needs it has, and one with two or more counts fully. Written as
        ``c * share_any + (1 - c) * share_2p`` with ``c = w1 / w2``, both
        shares are estimated by the beta-binomial engine like any share
        (prior mean the parent's without the place, adjusted by the
        covariates; ML strength; the exact noisy posterior on the raw
        counts ``needs_1 + needs_2p`` and ``needs_2p``, and the noise on
        ``n``), so the value is unbiased under the privacy noise; their
        posterior errors correlate as nested shares do,
        ``sqrt(p2 (1 - pa) / (pa (1 - p2)))``.
        """
        w1 = ind.params.get("one_weight", 0.5)
        w2 = ind.params.get("two_plus_weight", 1.0)
        c = w1 / w2
        n, n_var = _households(st, self.noise_sd, lv, ("needs",))
        y_any = _col(st, "needs_1") + _col(st, "needs_2p")
        y_two = _col(st, "needs_2p")
        v_any = _noise(self.noise_sd, lv, ["needs_1", "needs_2p"]) + 0 * n
        v_two = _noise(self.noise_sd, lv, ["needs_2p"]) + 0 * n
        top = self.stat_of[self.order[0][0]]
        n_top = max(float(top["n_households"].clip(lower=0).sum()), 1.0)
        two = full.setdefault("_two", {})
        fits, posts = [], []
        for store, y, v, cols in ((full, y_any, v_any, ("needs_1", "needs_2p")),
                                  (two, y_two, v_two, ("needs_2p",))):
            overall = float(sum(_col(top, col) for col in cols).sum()) / n_top
            prior = np.clip(self._prior(store, lv, par, overall, y, n, v), 1e-4,
                            1 - 1e-4)
            fit = estimate.fit_share(y, n, prior, X, v, bounds, seed, n_var)
            post = estimate.posterior_share(
                y, n, fit, v, n_var, n_boot=self.spec.estimation.bootstrap, seed=seed)
            store[lv] = (post.a, post.b, False)
            post = self._with_parent(post, fit, store, lv, par, n, v)
            fits.append(fit)
            posts.append(post)
        (f_any, f_two), (p_any, p_two) = fits, posts
        pa = np.clip(p_any.mean, 1e-6, 1 - 1e-6)
        pt = np.clip(np.minimum(p_two.mean, pa), 1e-6, 1 - 1e-6)
        r = np.sqrt(np.clip(pt * (1 - pa) / (pa * (1 - pt)), 0, 1))
        mean = c * p_any.mean + (1 - c) * p_two.mean
        var = ((c * p_any.sd) ** 2 + ((1 - c) * p_two.sd) ** 2
               + 2 * c * (1 - c) * r * p_any.sd * p_two.sd)
        fit = estimate.PriorFit(
            f_any.kappa, f_any.coef, c * f_any.prior_mean + (1 - c) * f_two.prior_mean,
            tuple(f_any.fallbacks) + tuple(f"two_plus_{f}" for f in f_two.fallbacks))
        return fit, estimate.beta_from_moments(mean, var)

    def _mix(self, ind, lv, par, full, st, n):
        """Household mix: Dirichlet posterior, normalised entropy (as model 1.0)."""
        from veerkracht.analytics.model.smoothing import shrink_mix

        cats = list(ind.params["categories"])
        cols = [type_column(c) if c in HOUSEHOLD_TYPES else None for c in cats]
        counts = np.column_stack([_col(st, c) if c else np.zeros(len(st))
                                  for c in cols]).clip(0)
        top = self.stat_of[self.order[0][0]]
        tot = np.array([_col(top, c).clip(0).sum() if c else 0.0 for c in cols])
        overall = (tot + 1e-9) / max(tot.sum() + 1e-9 * len(tot), 1e-9)
        prior = self._prior_comp(full, lv, par, overall, counts)
        strength, fb = estimate.fit_composition(counts, prior,
                                                self.spec.estimation.kappa_bounds,
                                                self.spec.mix_prior_strength)
        comp, h, h_sd = shrink_mix(counts, prior, strength)
        full[lv] = counts + strength * prior
        lvv = self.levels[lv]
        has = n > 0
        lvv.mean[ind.name] = np.where(has, h, np.nan)
        lvv.sd[ind.name] = np.where(has, h_sd, np.nan)
        lvv.draw[ind.name] = ("identity01", h, h_sd, 1.0)
        return estimate.PriorFit(strength, (), prior[:, 0], fb)

    def _reporting(self, ind, lv, par, full, st, X, bounds, seed, period):
        """Reporting index: observed signals (all meanings) over the expected.

        The expected count comes from a Poisson regression over the places
        of the reference level, fitted on the reference period (its
        coefficients are in ``[reference.reporting]``; without them, on the
        period itself, recorded as ``expected_from_period``),
        ``log E[y] = log e + b0 + x b`` with ``x`` the
        place's composition (any-need share, 2+-needs share, moved in < 1
        year, living there >= 10 years; from the statistics) and the log
        dwelling-weighted entrance size (public). The ratio ``y / E`` is then
        shrunk by the gamma-Poisson model toward the parent's ratio (1 at the
        top): 1 is "reports as its composition predicts", 0.5 half of that.
        """
        w, years = quarter_weights(ind.params["half_life_days"])
        lvv = self.levels[lv]
        fixed = (self.spec.reference.reporting_beta if self.spec.reference
                 is not None else None)
        if fixed is not None and "reporting_beta" not in self.reporting_coef:
            self.reporting_coef["reporting_beta"] = list(fixed)
            self.reporting_coef["reporting_from"] = "reference"
        if "reporting_beta" not in self.reporting_coef:
            self.reporting_coef["reporting_from"] = "period"
            ref = (self.spec.reference_level if self.spec.reference_level in
                   self.levels else lv)
            rst, rl = self.stat_of[ref], self.levels[ref]
            ry = _signal_sum(rst, "all", w)[0]
            ok = (rl.n_households > 0) & (rl.n_dwellings > 0)
            Z = _composition(rst, rl)
            beta = estimate.poisson_glm(ry[ok], (rl.n_dwellings * years)[ok], Z[ok])
            self.reporting_coef["reporting_beta"] = [float(b) for b in beta]
            self.reporting_coef["reporting_level"] = ref
            self.reporting_coef["reporting_covariates"] = list(REPORTING_COVARIATES)
        beta = np.asarray(self.reporting_coef["reporting_beta"])
        if self.reporting_coef["reporting_from"] == "period":
            lvv.fallbacks.append(f"{ind.name}:expected_from_period")
        y, cols, ws = _signal_sum(st, "all", w)
        nv = _noise(self.noise_sd, lv, cols, ws) + 0 * y
        Z = _composition(st, lvv)
        expected = reporting_expected(lvv.n_dwellings * years, Z, beta)
        prior = np.maximum(self._prior(full, lv, par, 1.0, y, expected, nv), 1e-6)
        fit = estimate.fit_rate(y, expected, prior, None, nv, bounds, seed)
        post = estimate.posterior_rate(y, expected, fit, nv)
        full[lv] = (post.shape, post.rate, True)
        has = expected > 0
        lvv.mean[ind.name] = np.where(has, post.mean, np.nan)
        lvv.sd[ind.name] = np.where(has, post.sd, np.nan)
        lvv.extra["reporting_expected"] = expected
        loc, scale = post.log_moments()
        lvv.draw[ind.name] = ("log", loc, scale, 1.0)
        return fit


#: Covariates of the reporting regression, in the order of its coefficients.
REPORTING_COVARIATES = ("any_need", "needs_2p", "tenure_lt1", "tenure_ge10",
                        "log_entrance_size")


def reporting_covariates(st: pd.DataFrame, n_households,
                         log_entrance_size=None) -> np.ndarray:
    """Covariates of the expected reporting rate (shares, log entrance size).

    The columns of :data:`REPORTING_COVARIATES`, from the (protected)
    statistics' ``needs_1``, ``needs_2p``, ``tenure_lt1`` and ``tenure_ge10``
    over ``n_households``; ``log_entrance_size`` 0 when not given.
    Unstandardised, so coefficients fitted on one level and period apply to
    every level and period.

    Examples
    --------
    >>> st = pd.DataFrame({"needs_1": [2.0], "needs_2p": [1.0],
    ...                    "tenure_lt1": [0.0], "tenure_ge10": [5.0]})
    >>> reporting_covariates(st, np.array([10.0])).round(2).tolist()
    [[0.3, 0.1, 0.0, 0.5, 0.0]]
    """
    n = np.maximum(np.asarray(n_households, dtype="float64"), 1)
    any_need = (_col(st, "needs_1") + _col(st, "needs_2p")) / n
    two = _col(st, "needs_2p") / n
    lt1 = _col(st, "tenure_lt1") / n
    ge10 = _col(st, "tenure_ge10") / n
    ent = (np.zeros(len(st)) if log_entrance_size is None
           else np.asarray(log_entrance_size, dtype="float64"))
    return np.clip(np.column_stack([any_need, two, lt1, ge10, ent]), -10, 10)


def reporting_expected(exposure, Z, beta) -> np.ndarray:
    """Expected signals ``E = e exp(b0 + Z b)`` of the reporting regression.

    Examples
    --------
    >>> reporting_expected(np.array([2.0]), np.zeros((1, 5)),
    ...                    [0.0, 1, 1, 1, 1, 1]).tolist()
    [2.0]
    """
    beta = np.asarray(beta, dtype="float64")
    return np.asarray(exposure, dtype="float64") * np.exp(beta[0] + Z @ beta[1:])


def _composition(st: pd.DataFrame, lvv: LevelValues) -> np.ndarray:
    """:func:`reporting_covariates` of the places of one level."""
    return reporting_covariates(st, lvv.n_households,
                                lvv.extra.get("log_entrance_size"))


def _trends(lvv: LevelValues, st: pd.DataFrame, noise_sd, level: str,
            interval: float) -> None:
    """Going quiet and the net inflow of households with a support need.

    ``reporting_trend = log((R + 1/2) / (P + 1/2))`` with ``R`` the signals
    (all meanings) of the last four quarters and ``P`` of the four before;
    its sd is ``sqrt(1/(R + 1/2) + 1/(P + 1/2))`` (Poisson, delta method)
    widened by the DP noise; ``going_quiet`` when the upper bound of its
    interval is below zero. ``inflow_net = 100 (I - O) / n`` with
    ``sd = 100 sqrt(I + O + 1 + noise) / n``.
    """
    z = z_of(interval)
    rc = [signal_column(m, k) for m in ("pressure", "attentiveness")
          for k in RECENT_QUARTERS]
    pc = [signal_column(m, k) for m in ("pressure", "attentiveness")
          for k in PREVIOUS_QUARTERS]
    r = np.clip(sum(_col(st, c) for c in rc), 0, None)
    p = np.clip(sum(_col(st, c) for c in pc), 0, None)
    nr, npv = _noise(noise_sd, level, rc), _noise(noise_sd, level, pc)
    trend = np.log((r + 0.5) / (p + 0.5))
    sd = np.sqrt((r + 0.5 + nr) / (r + 0.5) ** 2 + (p + 0.5 + npv) / (p + 0.5) ** 2)
    lvv.extra["signals_recent"] = r
    lvv.extra["signals_previous"] = p
    lvv.extra["reporting_trend"] = trend
    lvv.extra["reporting_trend_lo"] = trend - z * sd
    lvv.extra["reporting_trend_hi"] = trend + z * sd
    lvv.extra["going_quiet"] = (trend + z * sd) < 0
    inflow, outflow = _col(st, "inflow_need"), _col(st, "outflow_need")
    nv = _noise(noise_sd, level, ["inflow_need", "outflow_need"])
    n = lvv.n_households
    with np.errstate(invalid="ignore", divide="ignore"):
        net = np.where(n > 0, 100 * (inflow - outflow) / n, np.nan)
        sdn = np.where(n > 0, 100 * np.sqrt(np.clip(inflow, 0, None)
                                            + np.clip(outflow, 0, None) + 1 + nv) / n,
                       np.nan)
    lvv.extra["inflow_net"] = net
    lvv.extra["inflow_net_lo"] = net - z * sdn
    lvv.extra["inflow_net_hi"] = net + z * sdn


# -- scores -------------------------------------------------------------------
def _transform(name: str, x: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        if name == "log":
            return np.log(np.maximum(x, 1e-9))
        if name == "log1p":
            return np.log1p(np.maximum(x, 0))
        if name == "sqrt":
            return np.sqrt(np.maximum(x, 0))
    return x


def weighted_quantile(x: np.ndarray, w: np.ndarray, q) -> np.ndarray:
    """Quantiles of ``x`` with weights ``w`` (linear between midpoints).

    Examples
    --------
    >>> weighted_quantile(np.array([0.0, 1.0]), np.array([1.0, 3.0]), [0.5]).round(3)
    array([0.75])
    """
    order = np.argsort(x, kind="stable")
    xs, ws = x[order], w[order]
    cum = np.cumsum(ws) - ws / 2
    cum /= ws.sum()
    return np.interp(q, cum, xs)


def _scaler(ind: Indicator, ref: np.ndarray, ref_w: np.ndarray,
            fixed: tuple[float, float] | None = None
            ) -> Callable[[np.ndarray], np.ndarray]:
    """Map values (untransformed) to 0..1 scores, higher = more of the group.

    ``fixed``: the (q05, q95) of the model file's reference, in the
    indicator's units; then ``ref`` is not used for robust_minmax.
    """
    if ind.normalise == "rank":
        r = _transform(ind.transform, ref)
        order = np.argsort(r, kind="stable")
        rs = r[order]
        cw = np.r_[0.0, np.cumsum(ref_w[order])]
        total = max(cw[-1], 1e-12)

        def scale(x):
            g = _transform(ind.transform, x)
            left = cw[np.searchsorted(rs, g, "left")]
            f = (left + cw[np.searchsorted(rs, g, "right")]) / (2 * total)
            return np.where(np.isnan(g), np.nan, f)
    else:
        if ind.normalise == "fixed":
            lo, hi = _transform(ind.transform, np.array(ind.bounds, dtype="float64"))
        elif fixed is not None:
            lo, hi = _transform(ind.transform, np.array(fixed, dtype="float64"))
        elif len(ref):
            lo, hi = _transform(ind.transform, weighted_quantile(ref, ref_w,
                                                                 [0.05, 0.95]))
        else:
            lo, hi = 0.0, 1.0
        span = float(hi - lo)
        lo = float(lo)

        def scale(x):
            g = _transform(ind.transform, x)
            if span <= 1e-12:
                return np.where(np.isnan(g), np.nan, 0.5)
            return np.clip((g - lo) / span, 0.0, 1.0)

    if ind.direction < 0:
        return lambda x: 1.0 - scale(x)
    return scale


def reference_quantiles(spec: ModelSpec, values: IndicatorValues
                        ) -> dict[str, tuple[float, float]]:
    """q05 and q95 of every robust_minmax indicator on the reference level.

    Dwelling-weighted over the places of ``spec.reference_level`` (the finest
    level present when that one is missing), in the indicator's units: what
    ``veerkracht compute --set-reference`` writes into ``[reference]``.
    """
    ref_level = (spec.reference_level if spec.reference_level in values.levels
                 else next(iter(values.levels)))
    lvv = values.levels[ref_level]
    out = {}
    for ind in spec.indicators:
        if ind.normalise != "robust_minmax" or ind.name not in lvv.mean:
            continue
        x = lvv.mean[ind.name]
        ok = ~np.isnan(x) & (lvv.n_dwellings > 0)
        if ok.sum() == 0:
            continue
        q = weighted_quantile(x[ok], lvv.n_dwellings[ok], [0.05, 0.95])
        out[ind.name] = (float(q[0]), float(q[1]))
    return out


def reference_reporting(values: IndicatorValues) -> list[float] | None:
    """The reporting regression's coefficients of this computation (or None)."""
    beta = values.settings.get("reporting_coef", {}).get("reporting_beta")
    return None if beta is None else [float(b) for b in beta]


def score_indicators(spec: ModelSpec, values: IndicatorValues) -> IndicatorValues:
    """Scores (0..1) and their standard deviations, per level, in place.

    ``robust_minmax`` maps the reference's q05 to 0 and q95 to 1, clipped;
    the reference is the model file's ``[reference]`` (fixed, the same for
    every period). An indicator without a reference there is scaled on the
    dwelling-weighted distribution of the period itself at
    ``spec.reference_level`` and every row records the fallback
    ``<name>:reference_from_period``. The standard deviation of a score is
    the finite-difference delta method ``|S(x + sd) - S(x - sd)| / 2``
    (used by the sensitivity analysis; the published intervals come from
    the Monte Carlo draws of :func:`combine`).
    """
    ref_level = (spec.reference_level if spec.reference_level in values.levels
                 else next(iter(values.levels)))
    ref_lv = values.levels[ref_level]
    fixed_q = spec.reference.quantiles if spec.reference is not None else {}
    values.settings["scalers"] = {}
    for ind in spec.indicators:
        if ind.name not in ref_lv.mean:
            continue
        x_ref = ref_lv.mean[ind.name]
        ok = ~np.isnan(x_ref) & (ref_lv.n_dwellings > 0)
        fixed = fixed_q.get(ind.name)
        if ind.normalise == "robust_minmax" and fixed is None:
            for lvv in values.levels.values():
                lvv.fallbacks.append(f"{ind.name}:reference_from_period")
        scale = _scaler(ind, x_ref[ok], ref_lv.n_dwellings[ok], fixed)
        values.settings["scalers"][ind.name] = scale
        low = -np.inf if ind.transform == "identity" else 0.0
        for lvv in values.levels.values():
            x, sd = lvv.mean[ind.name], lvv.sd[ind.name]
            lvv.score[ind.name] = scale(x)
            lvv.score_sd[ind.name] = np.abs(scale(x + sd)
                                            - scale(np.maximum(x - sd, low))) / 2
    return values


def _composite(spec: ModelSpec, lvv: LevelValues, group: str
               ) -> tuple[np.ndarray, np.ndarray]:
    """Weighted mean of a group's scores and its delta-method sd (independent)."""
    n = len(lvv.ids)
    num, wsum, var = np.zeros(n), np.zeros(n), np.zeros(n)
    for ind in spec.group(group):
        if ind.name not in lvv.score:
            continue
        s, sd = lvv.score[ind.name], lvv.score_sd[ind.name]
        ok = ~np.isnan(s)
        num += np.where(ok, ind.weight * s, 0)
        var += np.where(ok, (ind.weight * np.nan_to_num(sd)) ** 2, 0)
        wsum += np.where(ok, ind.weight, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(wsum > 0, num / wsum, np.nan)
        sd = np.where(wsum > 0, np.sqrt(var) / wsum, np.nan)
    return mean, sd


# -- joint uncertainty --------------------------------------------------------
def joint_draws(spec: ModelSpec, lvv: LevelValues, scalers: dict, n_draws: int,
                seed: int, interval: float, rows: np.ndarray | None = None
                ) -> dict[str, np.ndarray]:
    """Monte Carlo pressure, resilience and balance of places of a level.

    The model's side of :func:`veerkracht.analytics.model.joint.composite_draws`:
    the drawn indicators (posteriors on the logit or log scale) are joined by
    :func:`~veerkracht.analytics.model.joint.indicator_correlation` with the
    household correlations of the city's protected statistics, mapped to
    scores by the same scalers as the point estimate and averaged with the
    weights into pressure and resilience (context indicators enter at their
    known score); ``balance = resilience - pressure``. The generator is
    seeded per level. Returns lo/hi/sd of the three composites and the
    balance draws' class shares per class (before the inflow rule).
    """
    inds = [i for i in spec.indicators if i.name in lvv.draw and i.name in scalers]
    corr = joint.indicator_correlation([i.kind for i in inds],
                                       [i.meaning for i in inds], lvv.rho)
    drawn = {i.name: lvv.draw[i.name] for i in inds}
    groups = {g: [(i.name, i.weight, lvv.score[i.name], scalers.get(i.name))
                  for i in spec.group(g) if i.name in lvv.score]
              for g in ("pressure", "resilience")}
    level_seed = seed + LEVELS.index(lvv.level) if lvv.level in LEVELS else seed
    return joint.composite_draws(drawn, corr, groups, spec.class_edges(),
                                 len(lvv.ids), n_draws, level_seed, interval, rows)


def _delta_method(spec: ModelSpec, mc: dict, small: np.ndarray, pres, res, b
                  ) -> None:
    """Intervals and class probabilities of the smallest places, in place.

    Places with fewer than :data:`MC_MIN_DWELLINGS` dwellings are never
    published (the publication door and the protected statistics leave them
    out); they get the delta-method normal approximation of model 1.0
    (independent indicators) instead of draws, and the fallback
    ``intervals:delta_method``.
    """
    from scipy.special import ndtr

    z = z_of(spec.interval)
    (p, p_sd), (r, r_sd) = pres, res
    b_sd = np.sqrt(p_sd**2 + r_sd**2)
    for g, est, sd in (("pressure", p, p_sd), ("resilience", r, r_sd),
                       ("balance", b, b_sd)):
        mc[f"{g}_lo"][small] = (est - z * sd)[small]
        mc[f"{g}_hi"][small] = (est + z * sd)[small]
    mc["balance_sd"][small] = b_sd[small]
    edges = spec.class_edges()
    uppers = np.r_[np.inf, edges[:-1]]
    safe = np.where(b_sd > 0, b_sd, 1e-12)[small]
    bs = b[small]
    for kk, (low, up) in enumerate(zip(edges, uppers, strict=True)):
        mc["class_share"][small, kk] = np.where(
            np.isnan(bs), np.nan, ndtr((up - bs) / safe) - ndtr((low - bs) / safe))


def combine(spec: ModelSpec, values: IndicatorValues) -> pd.DataFrame:
    """One row per place: pressure, resilience, balance, intervals and class.

    Point estimates are the weighted means of the scores at the posterior
    means (weights renormalised over the indicators a place has); balance =
    resilience - pressure. Intervals, ``balance_sd`` and the class
    probabilities come from :func:`joint_draws`; the interval is widened to
    contain the point estimate where the draws are skewed by clipping. The
    class is that of the balance, with the inflow rule: a class that
    requires inflow (model 2.0: "kraan open") holds only where
    ``inflow_net_lo > 0``, else the place gets the class before it; its
    probability moves with it.
    """
    frames = []
    scalers = values.settings.get("scalers", {})
    names = np.array([*spec.class_names, None], dtype=object)
    settings = _settings_json(spec, values)
    for lv in LEVELS:
        if lv not in values.levels:
            continue
        lvv = values.levels[lv]
        n = len(lvv.ids)
        p, p_sd = _composite(spec, lvv, "pressure")
        r, r_sd = _composite(spec, lvv, "resilience")
        b = r - p
        small = lvv.n_dwellings < MC_MIN_DWELLINGS
        mc = joint_draws(spec, lvv, scalers, spec.estimation.n_draws,
                         spec.estimation.seed, spec.interval,
                         rows=np.flatnonzero(~small))
        if small.any():
            _delta_method(spec, mc, small, (p, p_sd), (r, r_sd), b)
        inflow_lo = lvv.extra.get("inflow_net_lo", np.full(n, np.nan))
        frame = pd.DataFrame({
            "level": constant_column(lv, n),
            "place_id": pd.array(lvv.ids.astype(str), dtype="str"),
            "parent_level": (constant_column(lvv.parent_level, n) if lvv.parent_level
                             else pd.array([None] * n, dtype="str")),
            "parent_id": pd.array(lvv.parent_ids, dtype="str"),
            "street_id": pd.array(lvv.street_ids if lvv.street_ids is not None
                                  else [None] * n, dtype="str"),
            "n_dwellings": lvv.n_dwellings.astype("int64"),
            "n_households": _shown_households(lvv),
        })
        for g, est, lo_, hi_ in (("pressure", p, 0, 1), ("resilience", r, 0, 1),
                                 ("balance", b, -1, 1)):
            frame[g] = est
            frame[f"{g}_lo"] = np.clip(np.fmin(mc[f"{g}_lo"], est), lo_, hi_)
            frame[f"{g}_hi"] = np.clip(np.fmax(mc[f"{g}_hi"], est), lo_, hi_)
        frame["balance_sd"] = mc["balance_sd"]
        c_mid = spec.classify_with_inflow(b, inflow_lo)
        c_lo = spec.classify_with_inflow(frame["balance_lo"].to_numpy(), inflow_lo)
        c_hi = spec.classify_with_inflow(frame["balance_hi"].to_numpy(), inflow_lo)
        frame["balance_class"] = pd.array(names[c_mid], dtype="str")
        frame["class_lo"] = pd.array(names[c_lo], dtype="str")
        frame["class_hi"] = pd.array(names[c_hi], dtype="str")
        band = np.where(c_lo == c_hi, names[c_mid],
                        np.char.add(np.char.add(names[c_hi].astype(str), " – "),
                                    names[c_lo].astype(str)))
        frame["class_band"] = pd.array(np.where(c_mid < 0, None, band), dtype="str")
        share = mc["class_share"].copy()
        open_tap = np.nan_to_num(inflow_lo, nan=-np.inf) > 0
        for kk, c in enumerate(spec.classes):
            if c.requires_inflow and kk > 0:
                share[:, kk - 1] += np.where(open_tap, 0, share[:, kk])
                share[:, kk] = np.where(open_tap, share[:, kk], 0)
        for kk, c in enumerate(spec.classes):
            frame[f"p_{class_slug(c.name)}"] = share[:, kk]
        for col in ("inflow_net", "inflow_net_lo", "inflow_net_hi", "reporting_trend",
                    "reporting_trend_lo", "reporting_trend_hi"):
            frame[col] = lvv.extra.get(col, np.full(n, np.nan))
        frame["going_quiet"] = lvv.extra.get("going_quiet", np.zeros(n, dtype=bool))
        frame["reporting_expected"] = lvv.extra.get("reporting_expected",
                                                    np.full(n, np.nan))
        for ind in spec.indicators:
            frame[f"ind_{ind.name}"] = lvv.mean.get(ind.name, np.full(n, np.nan))
        for ind in spec.indicators:
            if ind.kind in SHARE_KINDS and ind.name in lvv.counts:
                frame[f"count_{ind.name}"] = lvv.counts[ind.name].astype("int64")
        fb = ",".join(dict.fromkeys(lvv.fallbacks))
        fb_small = ",".join(x for x in (fb, "intervals:delta_method") if x)
        cats = list(dict.fromkeys([fb, fb_small]))
        frame["fallbacks"] = pd.Categorical.from_codes(
            np.where(small, cats.index(fb_small), 0).astype(np.int8),
            categories=pd.Index(cats, dtype="str"))
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    used = [i.name for i in spec.indicators if i.name not in values.skipped]
    n = len(out)
    # constant per run: categoricals, so millions of rows hold one string each
    out["indicators_used"] = constant_column(",".join(used), n)
    out["period"] = constant_column(values.period.label, n)
    out["period_start"] = values.period.start
    out["period_end"] = values.period.end
    out["model_name"] = constant_column(spec.name, n)
    out["model_version"] = constant_column(spec.version, n)
    out["model_hash"] = constant_column(spec.hash, n)
    out["estimation"] = constant_column(settings, n)
    return out


def _shown_households(lvv: LevelValues) -> np.ndarray:
    """The published households: rounded; for noisy statistics the stored count.

    On protected statistics the number shown is the stored protected
    ``n_households`` made consistent for display (0 .. ``n_dwellings``, as
    :func:`veerkracht.analytics.dp.postprocess`), the same number the
    publication door reads; the model used the unclipped, unbiased estimate.
    """
    n = np.round(np.nan_to_num(lvv.n_households))
    noisy = lvv.extra.get("noisy", np.zeros(len(n), dtype=bool))
    stored = lvv.extra.get("n_households_stored", n)
    n = np.where(noisy, np.clip(np.round(stored), 0, lvv.n_dwellings), n)
    return n.astype("int64")


def _settings_json(spec: ModelSpec, values: IndicatorValues) -> str:
    """The estimation settings and fitted priors, recorded on every row."""
    est = spec.estimation
    ref = spec.reference
    doc = {
        "statistics_version": STATISTICS_VERSION,
        "engine": values.settings.get("engine"),
        "kappa_bounds": list(est.kappa_bounds), "draws": est.n_draws,
        "seed": est.seed, "bootstrap": est.bootstrap, "interval": spec.interval,
        "covariates": values.settings.get("covariates", {}),
        "kappa": {k: {lv: round(v, 4) for lv, v in d.items()}
                  for k, d in values.strength.items()},
        "coef": {k: {lv: {c: round(x, 4) for c, x in d.items()}
                     for lv, d in v.items()}
                 for k, v in values.settings.get("coef", {}).items()},
        "rho": {lv: {k: round(x, 4) for k, x in lvv.rho.items()}
                for lv, lvv in values.levels.items()},
        "reporting": values.settings.get("reporting_coef", {}),
        "reference": None if ref is None else {"period": ref.period,
                                               "level": ref.level},
    }
    return json.dumps(doc, sort_keys=True)


def constant_column(value: str, n: int) -> pd.Categorical:
    """``n`` times ``value`` as a one-category categorical (no string copies)."""
    return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8),
                                     categories=pd.Index([value], dtype="str"))


def compute_model(spec: ModelSpec, inputs: ModelInputs, period: Period,
                  progress: Callable | None = None, statistics=None,
                  noise_sd=None) -> pd.DataFrame:
    """The whole model for one period: indicators, scores, composites, classes.

    ``statistics`` (level -> per-place statistics, exact or protected) and
    ``noise_sd`` (level -> {column: sd}) as in :func:`compute_indicators`.
    """
    values = compute_indicators(spec, inputs, period, progress, statistics,
                                noise_sd)
    score_indicators(spec, values)
    return combine(spec, values)
