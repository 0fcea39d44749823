"""Pressure, resilience and balance for every place and one period.

Three steps, each vectorised over all places of a level:

1. :func:`compute_indicators` — raw indicator values per place, shrunk
   toward the enclosing place (empirical Bayes, top-down: gemeente first,
   entrance last), with posterior standard deviations;
2. :func:`score_indicators` — each indicator transformed and scaled to a
   0..1 score against the distribution of all places of the same level;
3. :func:`combine` — weighted means into pressure and resilience, balance =
   resilience - pressure, intervals by the delta method and the named
   classes with their probabilities.

The result has one row per *place* — never per household or address.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from veerkracht.analytics.model.classes import classify_balance, z_of
from veerkracht.analytics.model.indicators import (
    DwellingFrame,
    ModelDataError,
    ModelInputs,
    facilities_per_site,
    household_type_codes,
    household_weights,
    prepare_dwellings,
    present_households,
    reach_per_site,
    shared_space_per_dwelling,
    signal_weights,
)
from veerkracht.analytics.model.periods import Period
from veerkracht.analytics.model.smoothing import (
    estimate_gamma_shape,
    estimate_kappa,
    shrink_binomial,
    shrink_mix,
    shrink_poisson,
)
from veerkracht.analytics.model.spec import LEVELS, Indicator, ModelSpec

#: The hierarchy used for published parent ids and secondary suppression.
DISCLOSURE_CHAIN = {
    "entrance": ("building", "block", "buurt"), "building": ("block", "buurt"),
    "block": ("buurt",), "street": ("buurt",), "buurt": ("wijk", "gemeente"),
    "wijk": ("gemeente",), "gemeente": (),
}
SHARE_KINDS = ("need_share", "turnover", "long_tenure")
HOUSEHOLD_KINDS = (*SHARE_KINDS, "household_mix")


@dataclass
class LevelValues:
    """Indicator values of all places of one level."""

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


@dataclass
class IndicatorValues:
    """All levels for one period, and what was left out and why."""

    period: Period
    levels: dict[str, LevelValues]
    skipped: dict[str, str]
    strength: dict[str, dict[str, float]]      # indicator -> level -> kappa/shape


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


def compute_indicators(spec: ModelSpec, inputs: ModelInputs, period: Period,
                       progress: Callable | None = None) -> IndicatorValues:
    """Shrunk indicator values with standard deviations for every level.

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
    n_places = {lv: len(dw.ids[lv]) for lv in present}
    skipped: dict[str, str] = {}

    # -- households present at the end of the period -----------------------
    hh, hh_rows, hh_pos = None, None, None
    if inputs.households is not None and len(inputs.households):
        hh = inputs.households
        hh_rows, hh_pos = present_households(hh, dw, period)
    n_hh_total = 0 if hh is None else len(hh_rows)

    # -- per-dwelling context values ----------------------------------------
    per_dwelling: dict[str, np.ndarray] = {}
    signal_dw, signal_years = None, 1.0
    for ind in spec.indicators:
        kind = ind.kind
        if kind in HOUSEHOLD_KINDS:
            if hh is None:
                skipped[ind.name] = "geen huishoudens in deze periode"
            continue
        if kind == "signal_rate":
            if inputs.signals is None:
                skipped[ind.name] = "tabel signals ontbreekt"
                continue
            signal_dw, signal_years = signal_weights(ind, inputs.signals, dw, period)
        elif kind == "reach":
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
            size = np.bincount(code[code >= 0], minlength=n_places["block"])
            per_dwelling[ind.name] = np.where(code >= 0, size[np.maximum(code, 0)],
                                              np.nan).astype("float64")
        if progress:
            progress(0, description=f"indicator {ind.name}")
    n_signals = 0.0 if signal_dw is None else float(signal_dw.sum())
    if n_hh_total == 0 and n_signals == 0:
        raise ModelDataError(
            f"de periode {period.label} heeft geen gegevens: er woont aan het eind "
            "ervan geen bekend huishouden in de woningen en er zijn geen meldingen "
            "in het venster")

    # -- per-level sums ------------------------------------------------------
    levels: dict[str, LevelValues] = {}
    for lv in present:
        code = dw.codes[lv]
        n_dw = np.bincount(code[code >= 0], minlength=n_places[lv]).astype("float64")
        if hh is not None:
            hc = code[hh_pos]
            n_hh = np.bincount(hc[hc >= 0], minlength=n_places[lv]).astype("float64")
        else:
            n_hh = np.zeros(n_places[lv])
        par_level, par_ids = None, np.full(n_places[lv], None, dtype=object)
        for cand in DISCLOSURE_CHAIN[lv]:
            if cand in dw.codes:
                mode, unique = _mode_parent(code, dw.codes[cand], n_places[lv],
                                            n_places[cand])
                par_level = cand
                par_ids = np.where(unique, dw.ids[cand][np.maximum(mode, 0)], None)
                break
        levels[lv] = LevelValues(lv, dw.ids[lv], n_dw, n_hh, par_level, par_ids)
        if lv == "entrance" and "street" in dw.codes:
            mode, unique = _mode_parent(code, dw.codes["street"], n_places[lv],
                                        n_places["street"])
            streets = dw.ids["street"][np.maximum(mode, 0)]
            levels[lv].street_ids = np.where(unique, streets, None)

    # -- context indicators: dwelling-weighted means, known exactly ---------
    for name, v in per_dwelling.items():
        valid = ~np.isnan(v)
        for lv in present:
            code = dw.codes[lv]
            use = valid & (code >= 0)
            s = np.bincount(code[use], weights=v[use], minlength=n_places[lv])
            c = np.bincount(code[use], minlength=n_places[lv])
            with np.errstate(invalid="ignore", divide="ignore"):
                levels[lv].mean[name] = np.where(c > 0, s / np.maximum(c, 1), np.nan)
            levels[lv].sd[name] = np.zeros(n_places[lv])

    # -- noisy indicators: empirical Bayes, parents first -------------------
    order = _shrink_order(spec, present)
    mode_of: dict[tuple[str, str], np.ndarray] = {}
    for lv, par in order:
        if par != "all":
            mode_of[(lv, par)] = _mode_parent(dw.codes[lv], dw.codes[par],
                                              n_places[lv], n_places[par])[0]
    strength: dict[str, dict[str, float]] = {}
    for ind in spec.indicators:
        if ind.name in skipped or ind.kind not in (*HOUSEHOLD_KINDS, "signal_rate"):
            continue
        strength[ind.name] = _shrink_indicator(spec, ind, dw, levels, order, mode_of,
                                               hh, hh_rows, hh_pos, signal_dw,
                                               signal_years,
                                               period)
        if progress:
            progress(0, description=f"indicator {ind.name}")
    return IndicatorValues(period, levels, skipped, strength)


def _shrink_indicator(spec, ind: Indicator, dw: DwellingFrame, levels, order,
                      mode_of, hh, hh_rows, hh_pos, signal_dw, signal_years,
                      period
                      ) -> dict[str, float]:
    full: dict[str, np.ndarray] = {}
    strength: dict[str, float] = {}
    kind = ind.kind
    if kind in SHARE_KINDS:
        w = household_weights(ind, hh, period)[hh_rows]
    elif kind == "household_mix":
        k = len(ind.params["categories"])
        t_code = household_type_codes(ind, hh)[hh_rows]
    for lv, par in order:
        code = dw.codes[lv]
        lvv = levels[lv]
        n = len(lvv.ids)
        if par == "all":
            parent_pos = np.full(n, -1, dtype=np.int64)
        else:
            parent_pos = mode_of[(lv, par)]
        if kind in SHARE_KINDS:
            hc = code[hh_pos]
            use = hc >= 0
            y = np.bincount(hc[use], weights=w[use], minlength=n)
            nn = lvv.n_households
            overall = w.sum() / max(len(w), 1)
            prior = _prior(full, par, parent_pos, overall, n)
            kappa = estimate_kappa(y, nn, prior, spec.kappa_min, spec.kappa_max)
            post = shrink_binomial(y, nn, prior, kappa)
            full[lv] = post.mean
            has = nn > 0
            lvv.mean[ind.name] = np.where(has, post.mean, np.nan)
            lvv.sd[ind.name] = np.where(has, post.sd, np.nan)
            lvv.counts[ind.name] = y
            strength[lv] = kappa
        elif kind == "signal_rate":
            use = code >= 0
            y = np.bincount(code[use], weights=signal_dw[use], minlength=n)
            e = lvv.n_dwellings * signal_years
            overall = signal_dw.sum() / max(dw.n * signal_years, 1e-9)
            prior = _prior(full, par, parent_pos, overall, n)
            shape = estimate_gamma_shape(y, e, prior, spec.kappa_min, spec.kappa_max)
            post = shrink_poisson(y, e, prior, shape)
            full[lv] = post.mean
            has = e > 0
            # reported per 100 dwellings per year
            lvv.mean[ind.name] = np.where(has, 100 * post.mean, np.nan)
            lvv.sd[ind.name] = np.where(has, 100 * post.sd, np.nan)
            strength[lv] = shape
        else:  # household_mix
            hc = code[hh_pos]
            use = hc >= 0
            counts = np.bincount(hc[use] * k + t_code[use], minlength=n * k
                                 ).reshape(n, k).astype("float64")
            overall = np.bincount(t_code, minlength=k) / max(len(t_code), 1)
            if par == "all":
                prior = np.tile(overall, (n, 1))
            else:
                prior = full[par][np.maximum(parent_pos, 0)]
                prior[parent_pos < 0] = overall
            comp, h, h_sd = shrink_mix(counts, prior, spec.mix_prior_strength)
            full[lv] = comp
            has = lvv.n_households > 0
            lvv.mean[ind.name] = np.where(has, h, np.nan)
            lvv.sd[ind.name] = np.where(has, h_sd, np.nan)
            strength[lv] = spec.mix_prior_strength
    return strength


def _prior(full: dict, par: str, parent_pos: np.ndarray, overall: float, n: int
           ) -> np.ndarray:
    """The parent's posterior mean per place (the overall value without parent)."""
    if par == "all":
        return np.full(n, overall)
    return np.where(parent_pos >= 0, full[par][np.maximum(parent_pos, 0)], overall)


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


def _scaler(ind: Indicator, ref: np.ndarray, ref_w: np.ndarray
            ) -> Callable[[np.ndarray], np.ndarray]:
    """Map values (untransformed) to 0..1 scores, higher = more of the group."""
    r = _transform(ind.transform, ref)
    if ind.normalise == "rank":
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
        elif len(r):
            lo, hi = weighted_quantile(r, ref_w, [0.05, 0.95])
        else:
            lo, hi = 0.0, 1.0
        span = hi - lo

        def scale(x):
            g = _transform(ind.transform, x)
            if span <= 1e-12:
                return np.where(np.isnan(g), np.nan, 0.5)
            return np.clip((g - lo) / span, 0.0, 1.0)

    if ind.direction < 0:
        return lambda x: 1.0 - scale(x)
    return scale


def score_indicators(spec: ModelSpec, values: IndicatorValues) -> IndicatorValues:
    """Scores (0..1) and their standard deviations, per level, in place.

    Every level is scaled against one yardstick: the dwelling-weighted
    distribution of the indicator over the places of ``spec.reference_level``
    (the finest level present when that one is missing). The standard
    deviation of a score is the finite-difference delta method
    ``|S(x + sd) - S(x - sd)| / 2`` with ``S`` the transform-and-scale map,
    so clipping and flat stretches of the reference distribution shrink it.
    """
    ref_level = (spec.reference_level if spec.reference_level in values.levels
                 else next(iter(values.levels)))
    ref_lv = values.levels[ref_level]
    for ind in spec.indicators:
        if ind.name not in ref_lv.mean:
            continue
        x_ref = ref_lv.mean[ind.name]
        ok = ~np.isnan(x_ref) & (ref_lv.n_dwellings > 0)
        scale = _scaler(ind, x_ref[ok], ref_lv.n_dwellings[ok])
        low = -np.inf if ind.transform == "identity" else 0.0
        for lvv in values.levels.values():
            x, sd = lvv.mean[ind.name], lvv.sd[ind.name]
            lvv.score[ind.name] = scale(x)
            lvv.score_sd[ind.name] = np.abs(scale(x + sd)
                                            - scale(np.maximum(x - sd, low))) / 2
    return values


def _composite(spec: ModelSpec, lvv: LevelValues, group: str
               ) -> tuple[np.ndarray, np.ndarray]:
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


def combine(spec: ModelSpec, values: IndicatorValues) -> pd.DataFrame:
    """One row per place: pressure, resilience, balance, intervals and class.

    Pressure and resilience are weighted means of the available scores
    (weights renormalised over the indicators a place has). Their standard
    deviations assume independent indicators; balance = resilience -
    pressure with ``sd = sqrt(sd_R**2 + sd_P**2)``. Intervals are
    ``estimate ± z * sd`` (z for ``spec.interval``), clipped to the scale.
    """
    z = z_of(spec.interval)
    frames = []
    for lv in LEVELS:
        if lv not in values.levels:
            continue
        lvv = values.levels[lv]
        p, p_sd = _composite(spec, lvv, "pressure")
        r, r_sd = _composite(spec, lvv, "resilience")
        b = r - p
        b_sd = np.sqrt(p_sd**2 + r_sd**2)
        n = len(lvv.ids)
        frame = pd.DataFrame({
            "level": constant_column(lv, n),
            "place_id": pd.array(lvv.ids.astype(str), dtype="str"),
            "parent_level": (constant_column(lvv.parent_level, n) if lvv.parent_level
                             else pd.array([None] * n, dtype="str")),
            "parent_id": pd.array(lvv.parent_ids, dtype="str"),
            "street_id": pd.array(lvv.street_ids if lvv.street_ids is not None
                                  else [None] * len(lvv.ids), dtype="str"),
            "n_dwellings": lvv.n_dwellings.astype("int64"),
            "n_households": lvv.n_households.astype("int64"),
            "pressure": p, "pressure_lo": np.clip(p - z * p_sd, 0, 1),
            "pressure_hi": np.clip(p + z * p_sd, 0, 1),
            "resilience": r, "resilience_lo": np.clip(r - z * r_sd, 0, 1),
            "resilience_hi": np.clip(r + z * r_sd, 0, 1),
            "balance": b, "balance_lo": np.clip(b - z * b_sd, -1, 1),
            "balance_hi": np.clip(b + z * b_sd, -1, 1),
            "balance_sd": b_sd,
        })
        classes = classify_balance(spec, b, b_sd, spec.interval)
        frame = pd.concat([frame, classes], axis=1)
        for ind in spec.indicators:
            frame[f"ind_{ind.name}"] = lvv.mean.get(ind.name, np.full(len(lvv.ids),
                                                                      np.nan))
        for ind in spec.indicators:
            if ind.kind in SHARE_KINDS and ind.name in lvv.counts:
                frame[f"count_{ind.name}"] = lvv.counts[ind.name].astype("int64")
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
    return out


def constant_column(value: str, n: int) -> pd.Categorical:
    """``n`` times ``value`` as a one-category categorical (no string copies)."""
    return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8),
                                     categories=pd.Index([value], dtype="str"))


def compute_model(spec: ModelSpec, inputs: ModelInputs, period: Period,
                  progress: Callable | None = None) -> pd.DataFrame:
    """The whole model for one period: indicators, scores, composites, classes."""
    values = compute_indicators(spec, inputs, period, progress)
    score_indicators(spec, values)
    return combine(spec, values)
