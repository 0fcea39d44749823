"""What placements do to a place, and how many it can take: headroom.

The placement model is model 2.0 **with its fitted priors held fixed**
(docs/allocation.md, "Wat het model over een plaatsing kan zeggen"). A
computed period gives, per place and share-like indicator, the posterior
mean ``m`` of the shrinkage estimate, the prior strength ``kappa`` of its
level and the place's households ``n``: the posterior mean is
``(kappa * mu + y) / (kappa + n)`` with ``mu`` the prior mean from the
enclosing place (the shrinkage parent of the model file). Placing ``k``
households that add ``c`` to the indicator's count moves it to

    m' = (m * (kappa + n) + c + kappa * dmu) / (kappa + n + k)

where ``dmu`` is the change of the parent's posterior mean (the parent
holds the same placements). Parents are updated first, as the model
shrinks them.

A placement **fills a vacancy**: the household that left is taken to be an
average one of the place (its posterior means: each level sees the leaver
as its own average, so a block's figures do not depend on which of its
entrances the vacancies are in), the number of households stays the same
and each indicator's count changes by ``c - m`` per placement:

    m' = m + (k * (c - m) + kappa * dmu) / (kappa + n)

A place can take at most as many placements as it has households.

**Conservative: no relief.** A change that would *lower* pressure or raise
resilience (a placed household without the urgency route replacing an
average one lowers the urgency share) is not counted: each indicator moves
only in the harmful direction or not at all. So the balance never rises as
more are placed (headroom is monotone) and a plan that keeps within the
headroom does not lean on relief the model cannot promise.

**Privacy noise.** On protected statistics a place's own count is worth
fewer households than it has: with noise sd ``s`` on the count, the
effective households are ``n_eff = n / (1 + s**2 / (n m (1 - m)))`` (the
binomial variance of the share against the noise's), and

    m' = m + (k * (c - m) * n_eff / n + kappa * dmu) / (kappa + n_eff)

(``n_eff = n`` on exact statistics).

The changed indicators are scored with the model's own
scalers (the fixed reference of the model file) and combined with the
unchanged scores of the other indicators into pressure, resilience and
balance; the class follows with the inflow rule of "kraan open" (the net
inflow of households with a support need rises by ``k``). The interval of
the balance keeps its width from the joint draws of the computation.

What a placement changes: the stacked needs (half for one need, whole for
two or more, as the model file weighs them), the need shares of its
categories, urgency when placed through an urgency route, turnover (a
household that just moved in), long tenure (one more household that has
not lived there ten years) and the net inflow. What it does not change:
signals, the reporting index, the household mix (a category says nothing
of the household's type) and the public context. The model does not
predict that a placement causes signals.

Every function is vectorised over places; there is no row per household.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from veerkracht.analytics.allocation.categories import NeedCategory
from veerkracht.analytics.model.classes import z_of
from veerkracht.analytics.model.compute import _scaler
from veerkracht.analytics.model.spec import LEVELS, Indicator, ModelSpec
from veerkracht.analytics.places import LEVEL_COLUMNS
from veerkracht.analytics.statistics import flag_column

#: Indicator kinds a placement changes (everything else keeps its score).
PLACEMENT_KINDS = ("need_share", "stacked_needs", "turnover", "long_tenure")
#: Levels a plan caps and a what-if answers for, finest first.
CAP_LEVELS = ("entrance", "block", "street")


class PlacementError(ValueError):
    """Results or placements the model cannot answer for (message in Dutch)."""


def contribution(ind: Indicator, cat: NeedCategory, urgent: bool = False) -> float:
    """What one placed household of ``cat`` adds to ``ind``'s count (0..1)."""
    if ind.kind == "need_share":
        if ind.field == "urgency":
            return 1.0 if urgent else 0.0
        return 1.0 if ind.field in cat.needs else 0.0
    if ind.kind == "stacked_needs":
        if cat.n_needs == 0:
            return 0.0
        if cat.n_needs >= 2:
            return 1.0
        w1 = float(ind.params.get("one_weight", 0.5))
        w2 = float(ind.params.get("two_plus_weight", 1.0))
        return w1 / w2
    if ind.kind == "turnover":
        return 1.0
    return 0.0  # long_tenure: one more household that did not live there long


@dataclass
class LevelState:
    """The places of one level as the computation left them."""

    level: str
    ids: np.ndarray
    n_dwellings: np.ndarray
    n_households: np.ndarray
    parent_level: str | None
    parent_pos: np.ndarray           # position in the parent level, -1 none
    mean: dict[str, np.ndarray]      # placement indicators: posterior means
    kappa: dict[str, float]
    n_eff: dict[str, np.ndarray]     # households the (noisy) counts are worth
    score: dict[str, np.ndarray]     # every indicator: current score
    balance: np.ndarray
    gap_lo: np.ndarray               # balance - balance_lo
    gap_hi: np.ndarray               # balance_hi - balance
    cls: np.ndarray                  # current class index (0 = best), -1 none
    net_inflow: np.ndarray           # inflow_need - outflow_need
    inflow_var: np.ndarray           # the Poisson (+ noise) variance behind it
    inflow_net: np.ndarray           # as computed (per 100 households)
    inflow_net_lo: np.ndarray
    index: pd.Index = field(init=False)

    def __post_init__(self) -> None:
        self.index = pd.Index(self.ids)

    def positions(self, ids) -> np.ndarray:
        pos = self.index.get_indexer(pd.Index(np.asarray(ids, dtype=object)))
        return pos


@dataclass
class Marginal:
    """Linear falls of the balance per placed household (``marginal``)."""

    levels: tuple[str, ...]          # the place's shrinkage ancestors, parent first
    ancestor_pos: np.ndarray         # [place, ancestor]: position, -1 none
    own: np.ndarray                  # per household placed in the place
    outside: np.ndarray              # [place, ancestor]: per household in it only


@dataclass
class After:
    """Pressure, balance and class of places after placements (arrays)."""

    pressure: np.ndarray
    resilience: np.ndarray
    balance: np.ndarray
    balance_lo: np.ndarray
    balance_hi: np.ndarray
    cls: np.ndarray
    cls_lo: np.ndarray
    cls_hi: np.ndarray
    inflow_net: np.ndarray
    inflow_net_lo: np.ndarray


def _count_column(ind: Indicator) -> str:
    """The protected statistics column behind a placement indicator's count."""
    if ind.kind == "need_share":
        return flag_column(ind.field)
    return {"stacked_needs": "needs_1", "turnover": "tenure_lt1",
            "long_tenure": "tenure_ge10"}[ind.kind]


def _shrink_parents(spec: ModelSpec, present: list[str]) -> dict[str, str | None]:
    """Each level's shrinkage parent among the present levels (model file)."""
    out: dict[str, str | None] = {}
    for lv in present:
        par, seen = spec.parents.get(lv, "all"), {lv}
        while par != "all" and par not in present and par not in seen:
            seen.add(par)
            par = spec.parents.get(par, "all")
        out[lv] = par if par in present else None
    return out


def _mode_parent_ids(dwellings: pd.DataFrame, level: str, parent: str
                     ) -> pd.Series:
    """The parent place holding most of each place's dwellings."""
    c, p = LEVEL_COLUMNS[level], LEVEL_COLUMNS[parent]
    pairs = dwellings[[c, p]].dropna().astype(str)
    counts = pairs.groupby([c, p], sort=False).size().reset_index(name="n")
    counts = counts.sort_values([c, "n", p], ascending=[True, False, True])
    return counts.drop_duplicates(c).set_index(c)[p]


class PlacementModel:
    """Model 2.0 of one computed period, ready for what-if placements.

    Parameters
    ----------
    spec : ModelSpec
        The model file the results were computed with (its hash must match).
    results : DataFrame
        The ``results`` rows of **one period** (every level), protected.
    dwellings : DataFrame
        The ``dwellings`` table (``address_id`` and a column per level,
        :data:`veerkracht.analytics.places.LEVEL_COLUMNS`).
    noise_sd : mapping, optional
        Level -> {statistics column: noise sd} of the protected statistics
        the results were computed from (None: exact).
    """

    def __init__(self, spec: ModelSpec, results: pd.DataFrame,
                 dwellings: pd.DataFrame,
                 noise_sd: Mapping[str, Mapping[str, float]] | None = None):
        if results.empty:
            raise PlacementError("er zijn geen berekende resultaten; draai eerst "
                                 "'veerkracht compute'")
        periods = results["period"].astype(str).unique()
        if len(periods) != 1:
            raise PlacementError("de plaatsingsberekening leest één periode, "
                                 f"niet {len(periods)}")
        hashes = set(results["model_hash"].astype(str).unique())
        if hashes != {spec.hash}:
            raise PlacementError(
                "de resultaten zijn met een ander modelbestand berekend "
                f"({', '.join(sorted(hashes))}) dan het opgegeven ({spec.hash})")
        self.spec = spec
        self.period = str(periods[0])
        self.z = z_of(spec.interval)
        settings = json.loads(str(results["estimation"].iloc[0]))
        kappa_all: Mapping[str, Mapping[str, float]] = settings.get("kappa", {})
        self.touched = tuple(i for i in spec.indicators if i.kind in PLACEMENT_KINDS
                             and f"ind_{i.name}" in results.columns)
        self.noise_sd = noise_sd or {}
        #: +1 where a higher value is harm (more pressure, less resilience)
        self.harm = {i.name: i.direction * (1 if i.group == "pressure" else -1)
                     for i in self.touched}
        present = [lv for lv in LEVELS if (results["level"] == lv).any()]
        self.parents = _shrink_parents(spec, present)
        self.scalers = self._scalers(results)
        self.dwellings = dwellings.set_index(dwellings["address_id"].astype(str))
        self.levels: dict[str, LevelState] = {}
        for lv in present:
            rows = results[results["level"] == lv]
            par = self.parents[lv]
            ids = rows["place_id"].astype(str).to_numpy(dtype=object)
            self.levels[lv] = self._level(lv, rows, ids, par, kappa_all, dwellings)
        for st in self.levels.values():
            if st.parent_level is not None:
                st.parent_pos = self.levels[st.parent_level].positions(
                    st.parent_pos).astype(np.int64)

    # -- construction ---------------------------------------------------------
    def _scalers(self, results: pd.DataFrame) -> dict[str, object]:
        spec = self.spec
        ref = results[results["level"] == spec.reference_level]
        if ref.empty:
            ref = results[results["level"] == results["level"].iloc[0]]
        fixed = spec.reference.quantiles if spec.reference is not None else {}
        out = {}
        for ind in spec.indicators:
            col = f"ind_{ind.name}"
            if col not in results.columns:
                continue
            x = ref[col].to_numpy(dtype="float64", na_value=np.nan)
            w = ref["n_dwellings"].to_numpy(dtype="float64")
            ok = ~np.isnan(x) & (w > 0)
            out[ind.name] = _scaler(ind, x[ok], w[ok], fixed.get(ind.name))
        return out

    def _level(self, lv, rows, ids, par, kappa_all, dwellings) -> LevelState:
        num = lambda c: rows[c].to_numpy(dtype="float64", na_value=np.nan)  # noqa: E731
        n = np.nan_to_num(num("n_households"))
        if par is not None:
            mode = _mode_parent_ids(dwellings, lv, par)
            parent_ids = mode.reindex(pd.Index(ids)).to_numpy(dtype=object)
        else:
            parent_ids = np.full(len(ids), -1, dtype=np.int64)
        b = num("balance")
        net = np.nan_to_num(num("inflow_net")) * n / 100.0
        half = np.nan_to_num(num("inflow_net") - num("inflow_net_lo"))
        var = np.where(n > 0, (half * n / (100.0 * self.z)) ** 2, 0.0)
        inflow_lo = num("inflow_net_lo")
        mean = {i.name: num(f"ind_{i.name}") for i in self.touched}
        n_eff = {}
        for i in self.touched:
            sd = float(self.noise_sd.get(lv, {}).get(_count_column(i), 0.0))
            m = np.clip(np.nan_to_num(mean[i.name], nan=0.5), 0.01, 0.99)
            with np.errstate(invalid="ignore", divide="ignore"):
                ne = n / (1.0 + sd**2 / np.maximum(n * m * (1 - m), 1e-12))
            n_eff[i.name] = np.where(n > 0, ne, 0.0)
        return LevelState(
            level=lv, ids=ids, n_dwellings=num("n_dwellings"), n_households=n,
            parent_level=par, parent_pos=parent_ids,
            mean=mean, n_eff=n_eff,
            kappa={i.name: float(kappa_all.get(i.name, {}).get(lv, 0.0))
                   for i in self.touched},
            score={name: scale(num(f"ind_{name}"))
                   for name, scale in self.scalers.items()},
            balance=b, gap_lo=np.nan_to_num(b - num("balance_lo")),
            gap_hi=np.nan_to_num(num("balance_hi") - b),
            cls=self.spec.classify_with_inflow(b, inflow_lo),
            net_inflow=net, inflow_var=var, inflow_net=num("inflow_net"),
            inflow_net_lo=inflow_lo)

    # -- the update -----------------------------------------------------------
    def _shift(self, st: LevelState, pos: np.ndarray, name: str, c_net,
               d_parent) -> np.ndarray:
        kappa = st.kappa[name]
        n, n_eff = st.n_households[pos], st.n_eff[name][pos]
        with np.errstate(invalid="ignore", divide="ignore"):
            own = np.where(n > 0, np.nan_to_num(c_net) * n_eff / n, 0.0)
            d = (own + kappa * np.nan_to_num(d_parent)) / (kappa + n_eff)
        return np.where(np.isfinite(d), d, 0.0)  # an unknown mean stays unknown

    def _net(self, st: LevelState, pos: np.ndarray, name: str, k, csum,
             relief: bool = False, leave=None) -> np.ndarray:
        """Change of an indicator's count at places ``pos``: ``csum`` added by
        ``k`` placements, minus the ``k`` households that left (the place's
        own average, or ``leave``); only its harmful part unless ``relief``."""
        m = st.mean[name][pos] if leave is None else leave[name]
        change = np.asarray(csum, dtype="float64") - k * np.nan_to_num(m)
        return change if relief else self._harmful(name, change)

    def _chain(self, level: str, pos: np.ndarray, k: np.ndarray,
               csum: Mapping[str, np.ndarray], leave=None
               ) -> dict[str, np.ndarray]:
        """Change of the posterior means of places ``pos`` of ``level`` when
        each (and so each of its shrinkage ancestors) receives ``k``
        placements adding ``csum[indicator]`` to the counts."""
        st = self.levels[level]
        d_par = {i.name: np.zeros(len(pos)) for i in self.touched}
        if st.parent_level is not None:
            ppos = st.parent_pos[pos]
            has = ppos >= 0
            if has.any():
                up = self._chain(st.parent_level, ppos[has], k[has],
                                 {n: v[has] for n, v in csum.items()},
                                 None if leave is None else
                                 {n: v[has] for n, v in leave.items()})
                for n in d_par:
                    d_par[n][has] = up[n]
        return {i.name: self._shift(st, pos, i.name,
                                    self._net(st, pos, i.name, k, csum[i.name],
                                              leave=leave), d_par[i.name])
                for i in self.touched}

    def _outcome(self, st: LevelState, pos: np.ndarray, dmean: Mapping[str, np.ndarray],
                 n_need: np.ndarray) -> After:
        """Composites and classes of places ``pos`` with changed means."""
        spec = self.spec
        comp = {}
        for g in ("pressure", "resilience"):
            num, wsum = np.zeros(len(pos)), np.zeros(len(pos))
            for ind in spec.group(g):
                if ind.name not in st.score:
                    continue
                s = st.score[ind.name][pos]
                if ind.name in dmean:
                    s = self.scalers[ind.name](st.mean[ind.name][pos] + dmean[ind.name])
                ok = ~np.isnan(s)
                num += np.where(ok, ind.weight * s, 0.0)
                wsum += np.where(ok, ind.weight, 0.0)
            with np.errstate(invalid="ignore", divide="ignore"):
                comp[g] = np.where(wsum > 0, num / wsum, np.nan)
        b = comp["resilience"] - comp["pressure"]
        n = st.n_households[pos]
        with np.errstate(invalid="ignore", divide="ignore"):
            net = np.where(n > 0, 100.0 * (st.net_inflow[pos] + n_need) / n, np.nan)
            half = np.where(n > 0, self.z * 100.0 * np.sqrt(
                st.inflow_var[pos] + np.abs(n_need)) / n, np.nan)
        inflow_lo = net - half
        # nothing placed: the inflow as computed (the shown households are
        # rounded and clipped, the model's were not)
        net = np.where(n_need != 0, net, st.inflow_net[pos])
        inflow_lo = np.where(n_need != 0, inflow_lo, st.inflow_net_lo[pos])
        lo, hi = b - st.gap_lo[pos], b + st.gap_hi[pos]
        return After(
            pressure=comp["pressure"], resilience=comp["resilience"], balance=b,
            balance_lo=lo, balance_hi=hi,
            cls=spec.classify_with_inflow(b, inflow_lo),
            cls_lo=spec.classify_with_inflow(lo, inflow_lo),
            cls_hi=spec.classify_with_inflow(hi, inflow_lo),
            inflow_net=net, inflow_net_lo=inflow_lo)

    def after_adding(self, level: str, pos, cat: NeedCategory, k,
                     urgent: bool = False,
                     leave: Mapping[str, np.ndarray] | None = None) -> After:
        """Places ``pos`` of ``level`` after ``k`` placements of ``cat`` each.

        ``leave``: per placement indicator the mean of the households that
        leave the vacancies, for every level (default: each place's own
        average, the model's view of a departure; tests pass other leavers).
        """
        st = self.levels[level]
        pos = np.atleast_1d(np.asarray(pos, dtype=np.int64))
        k = np.broadcast_to(np.asarray(k, dtype="float64"), pos.shape).copy()
        csum = {i.name: k * contribution(i, cat, urgent) for i in self.touched}
        if leave is not None:
            leave = {n: np.broadcast_to(np.asarray(v, dtype="float64"), pos.shape)
                     for n, v in leave.items()}
        d = self._chain(level, pos, k, csum, leave)
        need = k if cat.n_needs > 0 else np.zeros_like(k)
        return self._outcome(st, pos, d, need)

    def _harmful(self, name: str, change: np.ndarray) -> np.ndarray:
        """Only the harmful part of a change of an indicator's count."""
        h = self.harm[name]
        return h * np.maximum(h * np.asarray(change, dtype="float64"), 0.0)

    # -- what one placement does ----------------------------------------------
    def places_of(self, address_id: str) -> dict[str, str]:
        """The place of every level holding the dwelling ``address_id``."""
        try:
            row = self.dwellings.loc[str(address_id)]
        except KeyError:
            raise PlacementError(f"adres {address_id!r} is geen woning in deze "
                                 "werkmap") from None
        if isinstance(row, pd.DataFrame):
            row = row.iloc[0]
        return {lv: str(row[LEVEL_COLUMNS[lv]]) for lv in self.levels
                if pd.notna(row.get(LEVEL_COLUMNS[lv]))}

    def effect(self, address_id: str, cat: NeedCategory, urgent: bool = False,
               levels=CAP_LEVELS) -> pd.DataFrame:
        """What placing one household of ``cat`` at ``address_id`` does.

        One row per level of ``levels`` the address has a computed place in:
        pressure, balance and class before and after, and the headroom for
        ``cat`` left after it. Only the chain of places holding the address
        is updated (the incremental answer); :meth:`apply` recomputes every
        place and gives the same numbers for these rows (tested).
        """
        places = self.places_of(address_id)
        names = np.array([*self.spec.class_names, None], dtype=object)
        rows = []
        for lv in levels:
            st = self.levels.get(lv)
            if st is None or lv not in places:
                continue
            pos = st.positions([places[lv]])
            if pos[0] < 0:
                continue
            before = self.after_adding(lv, pos, cat, 0.0, urgent)
            after = self.after_adding(lv, pos, cat, 1.0, urgent)
            room = self.headroom_at(lv, pos, cat, urgent)
            left = self.headroom_at(lv, pos, cat, urgent, already=1.0)
            rows.append({
                "level": lv, "place_id": places[lv],
                "n_dwellings": int(st.n_dwellings[pos][0]),
                "n_households": float(st.n_households[pos][0]),
                "pressure_before": float(before.pressure[0]),
                "pressure_after": float(after.pressure[0]),
                "balance_before": float(before.balance[0]),
                "balance_after": float(after.balance[0]),
                "class_before": names[before.cls[0]],
                "class_after": names[after.cls[0]],
                "headroom_before": float(room["headroom"][0]),
                "headroom_after": float(left["headroom"][0]),
            })
        return pd.DataFrame(rows)

    # -- headroom -------------------------------------------------------------
    def _room(self, level: str, pos: np.ndarray, cat: NeedCategory, urgent: bool,
              already: np.ndarray, limit: np.ndarray, which: str) -> np.ndarray:
        """Largest k in 0..limit with class (of ``which``) not worse than now."""
        st = self.levels[level]
        cls0 = st.cls[pos]
        attr = {"point": "cls", "lo": "cls_lo", "hi": "cls_hi"}[which]

        def ok(k):
            got = getattr(self.after_adding(level, pos, cat, already + k, urgent), attr)
            return (got >= 0) & (got <= cls0)

        lo = np.where(ok(np.zeros(len(pos))), 0.0, -1.0)
        hi = limit.astype("float64")
        full = ok(hi)
        lo = np.where(full, hi, lo)
        top = np.where(full, hi, hi + 1)  # invariant: ok(lo) (or lo = -1), not ok(top)
        active = (lo >= 0) & (top - lo > 1)
        while active.any():
            mid = np.floor((lo + top) / 2)
            good = ok(mid)
            lo = np.where(active & good, mid, lo)
            top = np.where(active & ~good, mid, top)
            active = (lo >= 0) & (top - lo > 1)
        return np.maximum(lo, 0.0)

    def headroom_at(self, level: str, pos, cat: NeedCategory, urgent: bool = False,
                    already: float = 0.0, interval: bool = True
                    ) -> dict[str, np.ndarray]:
        """Headroom of places ``pos`` (after ``already`` placements of ``cat``);
        ``interval=False``: the point only (no ``headroom_lo`` / ``_hi``: the
        optimiser's caps, a third of the work)."""
        st = self.levels[level]
        pos = np.atleast_1d(np.asarray(pos, dtype=np.int64))
        limit = np.maximum(np.floor(st.n_households[pos]) - already, 0.0)
        base = np.full(len(pos), float(already))
        worst = len(self.spec.classes) - 1
        out = {}
        kinds = (("point", "headroom"), ("lo", "headroom_lo"), ("hi", "headroom_hi"))
        for which, key in kinds if interval else kinds[:1]:
            room = self._room(level, pos, cat, urgent, base, limit, which)
            # the worst class cannot drop: a place whose tap is open takes none
            now = self.after_adding(level, pos, cat, base, urgent).cls
            room = np.where(now >= worst, 0.0, room)
            out[key] = np.where(st.cls[pos] < 0, np.nan, room)
        out["limited"] = out["headroom"] >= limit  # the households, not the model
        return out

    def headroom(self, level: str, cat: NeedCategory, urgent: bool = False
                 ) -> pd.DataFrame:
        """Headroom of every place of ``level`` for households of ``cat``.

        ``headroom`` is the largest number ``k`` of such households the place
        can take before its class drops (its balance crosses the lower edge
        of its class, or the inflow rule opens the tap), at most its number
        of households (``limited``: every household would have been replaced;
        the households bound it, not the model).
        ``headroom_lo`` / ``headroom_hi`` are the same under the lower and
        upper bound of the balance's interval (the effect of a placement at
        its point estimate): the interval of the headroom. A place in the
        worst class ("kraan open") has no headroom. Monotone: a place that
        can take ``k`` can take every smaller number.
        """
        st = self.levels[level]
        pos = np.arange(len(st.ids))
        room = self.headroom_at(level, pos, cat, urgent)
        names = np.array([*self.spec.class_names, None], dtype=object)
        return pd.DataFrame({
            "level": level, "place_id": st.ids.astype(str), "category": cat.code,
            "n_dwellings": st.n_dwellings, "n_households": st.n_households,
            "balance_class": names[st.cls],
            "headroom": room["headroom"], "headroom_lo": room["headroom_lo"],
            "headroom_hi": room["headroom_hi"], "limited": room["limited"],
        })

    # -- linear effects: the plan's coupled caps ------------------------------
    def ancestors(self, level: str) -> tuple[str, ...]:
        """The shrinkage ancestors of ``level``, parent first."""
        out, lv = [], self.parents.get(level)
        while lv is not None:
            out.append(lv)
            lv = self.parents.get(lv)
        return tuple(out)

    def ancestor_positions(self, level: str, pos) -> np.ndarray:
        """``[place, ancestor]``: position of each place's ancestors (-1 none)."""
        pos = np.atleast_1d(np.asarray(pos, dtype=np.int64))
        anc = self.ancestors(level)
        out = np.full((len(pos), len(anc)), -1, dtype=np.int64)
        p, lv = pos, level
        for j, a in enumerate(anc):
            up = np.full(len(p), -1, dtype=np.int64)
            ok = p >= 0
            up[ok] = self.levels[lv].parent_pos[p[ok]]
            out[:, j] = up
            p, lv = up, a
        return out

    def margin(self, level: str, pos) -> np.ndarray:
        """How far the balance of places ``pos`` can fall before the class drops.

        With the inflow as computed (placements elsewhere do not change a
        place's own inflow): ``inf`` where no lower balance gives a worse
        class (the worst class, or "kraan open" held back by the inflow
        rule), ``nan`` for a place without a class.
        """
        st = self.levels[level]
        pos = np.atleast_1d(np.asarray(pos, dtype=np.int64))
        b, cls = st.balance[pos], st.cls[pos]
        lo = st.inflow_net_lo[pos]
        out = np.full(len(pos), np.inf)
        for e in self.spec.class_edges():  # descending: the first edge that drops
            if not np.isfinite(e):
                continue
            below = self.spec.classify_with_inflow(np.full(len(pos), e - 1e-9), lo)
            hit = np.isinf(out) & (e <= b) & (below > cls)
            out[hit] = b[hit] - e
        return np.where(cls < 0, np.nan, out)

    def _drop(self, st: LevelState, pos: np.ndarray, d_unit: Mapping[str, np.ndarray],
              steps: Sequence[float]) -> np.ndarray:
        """The steepest fall of the balance per unit along ``d_unit`` (a change
        of the means per household): the largest secant over ``steps``
        households, so ``drop(t) <= slope * t`` holds at every step (the
        scores are clipped: the fall per household only slows down, or
        starts late where a score is clipped on the harmless side)."""
        none = np.zeros(len(pos))
        b0 = self._outcome(st, pos, dict.fromkeys(d_unit, none), none).balance
        best = np.zeros(len(pos))
        for t in steps:
            b = self._outcome(st, pos, {n: t * v for n, v in d_unit.items()},
                              none).balance
            with np.errstate(invalid="ignore"):
                best = np.fmax(best, (b0 - b) / t)
        return np.nan_to_num(best)

    def marginal(self, level: str, pos, cat: NeedCategory, urgent: bool = False,
                 steps: Sequence[float] = tuple(2.0 ** np.arange(0, 15))
                 ) -> Marginal:
        """Linear fall of the balance of places ``pos`` per placed household.

        ``own``: per household placed in the place itself (its ancestors
        receive it too); ``outside[:, j]``: per household placed in its
        ancestor ``levels[j]`` (``ancestor_pos[:, j]``) but outside the
        ancestor below it (outside the place itself for the parent): only
        the prior moves, ``kappa / (kappa + n_eff)`` of the parent's change
        at each level on the way down. The balance is linear in the
        placements before the scores clip and the harm is counted per
        category (docs/allocation.md, section 2), so the fall of a place is
        at most ``own * in_place + sum_j outside[:, j] * in_ancestor_j_only``
        (up to the harmful-part rule across categories); the plan's caps
        are built from these, and checked exactly with :meth:`apply`.
        """
        st = self.levels[level]
        pos = np.atleast_1d(np.asarray(pos, dtype=np.int64))
        anc = self.ancestors(level)
        up = self.ancestor_positions(level, pos)
        chain = [pos, *(up[:, j] for j in range(len(anc)))]
        one = np.ones(len(pos))
        csum = {i.name: one * contribution(i, cat, urgent) for i in self.touched}
        own = self._drop(st, pos, self._chain(level, pos, one, csum), steps)
        outside = np.zeros((len(pos), len(anc)))
        for j, lv in enumerate(anc):
            apos = chain[j + 1]
            ok = apos >= 0
            if not ok.any():
                continue
            # the ancestor's own change, then down the chain without placements
            d = self._chain(lv, apos[ok], one[ok], {n: v[ok] for n, v in csum.items()})
            for t in range(j, -1, -1):
                below = (level, *anc)[t]
                bst, bpos = self.levels[below], chain[t][ok]
                zero = np.zeros(int(ok.sum()))
                d = {n: np.where(bpos >= 0, self._shift(
                    bst, np.maximum(bpos, 0), n, zero, v), 0.0) for n, v in d.items()}
            outside[ok, j] = self._drop(st, pos[ok], d, steps)
        return Marginal(levels=anc, ancestor_pos=up, own=own, outside=outside)

    # -- full recomputation ---------------------------------------------------
    def apply(self, placements: pd.DataFrame, relief: bool = False,
              hold: tuple[str, ...] = ()) -> dict[str, After]:
        """Every place of every level after a set of placements.

        ``placements``: ``address_id``, ``category`` (a
        :class:`NeedCategory`), ``urgent`` (bool) and ``count``. The counts are
        added up per place at every level from the dwellings (not along one
        chain), and every level is updated top-down, parents first: the full
        recomputation the incremental :meth:`effect` and the optimiser's caps
        are checked against.

        ``relief``: also count changes that lower pressure (a household
        without a need filling a vacancy); off for caps (conservative), on
        for scenarios. ``hold``: indicator kinds left unchanged (a scenario
        holds turnover and long tenure at the place's usual rate).
        """
        return self._apply(placements, relief, hold)[0]

    def _apply(self, placements: pd.DataFrame, relief: bool, hold: tuple[str, ...]
               ) -> tuple[dict[str, After], dict[str, dict[str, np.ndarray]],
                          dict[str, np.ndarray], dict[str, np.ndarray]]:
        cols = {lv: LEVEL_COLUMNS[lv] for lv in self.levels}
        where = self.dwellings.reindex(placements["address_id"].astype(str))
        unknown = where[next(iter(cols.values()))].isna().to_numpy()
        if unknown.any():
            bad = placements["address_id"].astype(str).to_numpy()[unknown][:5]
            raise PlacementError("geen woning in deze werkmap: " + ", ".join(bad))
        count = placements["count"].to_numpy(dtype="float64")
        cats = list(placements["category"])
        urgent = placements["urgent"].to_numpy(dtype=bool)
        need = np.array([c.n_needs > 0 for c in cats], dtype="float64") * count
        csum_rows = {i.name: count * np.array([contribution(i, c, u) for c, u in zip(
            cats, urgent, strict=True)]) for i in self.touched}
        out: dict[str, After] = {}
        n_needs: dict[str, np.ndarray] = {}
        n_outs: dict[str, np.ndarray] = {}
        d_levels: dict[str, dict[str, np.ndarray]] = {}
        for lv in sorted(self.levels, key=self._depth):
            st = self.levels[lv]
            pos = st.positions(where[cols[lv]].astype(object).to_numpy())
            ok = pos >= 0
            n_place = len(st.ids)
            allpos = np.arange(n_place)
            n_add = np.bincount(pos[ok], weights=count[ok], minlength=n_place)
            n_need = np.bincount(pos[ok], weights=need[ok], minlength=n_place)
            # who left: each place's own average, as in a headroom
            n_out = (n_add * np.clip(np.nan_to_num(st.mean.get(
                self._need_name, np.zeros(n_place))), 0, 1) if relief
                else np.zeros(n_place))
            n_needs[lv], n_outs[lv] = n_need, n_out
            d_par = {i.name: np.zeros(n_place) for i in self.touched}
            if st.parent_level is not None:
                has = st.parent_pos >= 0
                for n in d_par:
                    d_par[n][has] = d_levels[st.parent_level][n][st.parent_pos[has]]
            d = {}
            for i in self.touched:
                csum = np.bincount(pos[ok], weights=csum_rows[i.name][ok],
                                   minlength=n_place)
                c_net = self._net(st, allpos, i.name, n_add, csum, relief)
                if i.kind in hold:
                    c_net = np.zeros(n_place)
                d[i.name] = self._shift(st, allpos, i.name, c_net, d_par[i.name])
            d_levels[lv] = d
            out[lv] = self._outcome(st, allpos, d, n_need - n_out)
        return out, d_levels, n_needs, n_outs

    @property
    def _need_name(self) -> str:
        """The indicator whose mean stands for the share with a support need."""
        for i in self.touched:
            if i.kind == "stacked_needs":
                return i.name
        return next((i.name for i in self.touched if i.kind == "need_share"), "")

    def advanced(self, placements: pd.DataFrame, relief: bool = True,
                 hold: tuple[str, ...] = ("turnover", "long_tenure")
                 ) -> PlacementModel:
        """A new model of the places after ``placements``: the next year of a
        scenario. Means, scores, balance, class and the year's net inflow of
        households with a support need (placed minus the expected ones among
        those who left) move; the interval keeps its width; the priors stay."""
        import copy

        after, d_levels, n_needs, n_outs = self._apply(placements, relief, hold)
        new = copy.copy(self)
        new.levels = {}
        for lv, st in self.levels.items():
            a, d = after[lv], d_levels[lv]
            ns = copy.copy(st)
            ns.mean = {k: v + d[k] for k, v in st.mean.items()}
            ns.score = dict(st.score)
            for k in ns.mean:
                if k in self.scalers:
                    ns.score[k] = self.scalers[k](ns.mean[k])
            ns.balance, ns.cls = a.balance, a.cls
            ns.net_inflow = n_needs[lv] - n_outs[lv]
            ns.inflow_var = n_needs[lv] + n_outs[lv] + 1.0
            n = st.n_households
            with np.errstate(invalid="ignore", divide="ignore"):
                ns.inflow_net = np.where(n > 0, 100 * ns.net_inflow / n, np.nan)
                ns.inflow_net_lo = ns.inflow_net - np.where(
                    n > 0, self.z * 100 * np.sqrt(ns.inflow_var) / n, np.nan)
            ns.cls = self.spec.classify_with_inflow(ns.balance, ns.inflow_net_lo)
            new.levels[lv] = ns
        return new

    def _depth(self, level: str) -> int:
        depth, lv = 0, level
        while self.parents.get(lv) is not None:
            lv = self.parents[lv]
            depth += 1
        return depth
