"""A year's plan: which vacancies to advise for which households (docs/allocation.md).

Pure: vacancies (a frame, :data:`VACANCY_COLUMNS`), groups of households to
place (:class:`Group`, by need category and requirements, never a person)
and the :class:`~veerkracht.analytics.allocation.placement.PlacementModel`
of one period go in; an integer plan comes out: how many households of each
group to advise for each vacancy. No I/O; distances and counts are computed
by the caller (:mod:`veerkracht.jobs.allocate`).

The optimiser (:func:`optimise`) is a mixed-integer program solved by HiGHS
through :func:`scipy.optimize.milp`:

* variables ``x[k, g]``: households of group ``g`` advised for the
  vacancies of class ``k`` — vacancies are aggregated when they are
  interchangeable (the same entrance, block, street, buurt and wijk and the
  same set of groups whose requirements they meet), which keeps the program
  small;
* every group is placed exactly, no class of vacancies is over-filled, and a
  variable exists only where the vacancies meet the group's requirements;
* **nested and crossing caps**: for every entrance, block and street ``p``
  that receives placements, ``sum_c x_c / h_pc <= 1`` with ``h_pc`` the
  model's headroom of ``p`` for category (and urgency) ``c``
  (:meth:`PlacementModel.headroom_at`); ``x_c = 0`` where ``h_pc = 0``.
  Streets cut across blocks, so this is no flow problem. The caps also
  count the **parents** (:meth:`_Problem._couple`): placements elsewhere in
  a place's block are charged with their linear effect on its balance
  (:meth:`PlacementModel.marginal`, in units of :meth:`PlacementModel.margin`),
  and every buurt and wijk gets an intake budget for which each place
  reserves room; a place left with no margin takes nothing. After a solve the
  plan is **checked exactly** with :meth:`PlacementModel.apply` (every
  entrance, block and street that receives placements keeps a class no
  worse than now); a place that drops anyway (a mix, or its parents
  moving) gets a tighter cap and the program is solved again (a cut loop,
  at most ``max_rounds`` rounds, recorded in :attr:`Plan.rounds`);
* the objective (minimised): ``w_share * t + w_dissim * D`` with ``t`` the
  largest share of support-need households of a street with at least 10
  households and ``D`` the dissimilarity index over buurten of support-need
  households against the others, both after the plan
  (:func:`veerkracht.analytics.allocation.fairness.after_counts`: each
  vacancy is left by an average household of its place and filled by a
  placed household or by one without support need); ``t >= share_s`` per
  street and ``d_b >= +-(a_b/A - o_b/O)`` per buurt keep both linear.

A large program's later rounds are solved near the last plan
(:func:`_resolve_near`: only the buurten of the places that dropped and the
variables the plan used are free), against the first round's proven bound.
A cut loop that runs out of rounds or time hands its plan to :func:`_strip`
(households back from the places that still drop: ``partial``). When not
everyone fits, the plan is the largest one that does
(:func:`_largest_fit`, urgent households first; ``infeasible``), and
:attr:`Plan.messages` say why: per group the households left over, and from
a relaxation with a slack per cap of each family (entrances, blocks,
streets) which caps would have to yield to place everyone (ADR 0029).

Baselines: :func:`naive` (first come, first served, as today's routes: groups
in file order, each household takes the next vacancy that meets its
requirements in a seeded random order, headroom ignored) and :func:`greedy`
(respecting the caps, the vacancy with the most room left first). Where the
greedy plan is cheap, places everyone, passes the exact check and beats the
program's optimum (which its buurt and wijk budgets restrict), it is the
advice (status ``heuristic``, no bound; :func:`_safer_greedy`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from veerkracht.analytics.allocation import fairness
from veerkracht.analytics.allocation.categories import NeedCategory
from veerkracht.analytics.allocation.placement import CAP_LEVELS, PlacementModel
from veerkracht.analytics.places import LEVEL_COLUMNS

#: Place levels a vacancy carries (ids; empty or NA where it has none).
PLACE_LEVELS = ("entrance", "block", "street", "buurt", "wijk")
#: Columns of a vacancies frame.
VACANCY_COLUMNS = (
    "address_id",
    "count",
    "ground_floor",
    "area_m2",
    "care_m",
    *PLACE_LEVELS,
)
#: Dutch names of the cap levels (singular, plural).
LEVEL_NL = {
    "entrance": ("portiek", "portieken"),
    "block": ("blok", "blokken"),
    "street": ("straat", "straten"),
}
#: The class from which a place counts as under pressure.
UNDER_PRESSURE = "onder druk"


class PlanError(ValueError):
    """Vacancies or groups the optimiser cannot work with (Dutch message)."""


def _num(x: float) -> str:
    return f"{x:g}".replace(".", ",")


@dataclass(frozen=True)
class Group:
    """Households of one need category to place, with their requirements.

    ``ground_floor``: needs a ground-floor or accessible dwelling;
    ``min_area_m2``: at least this floor area; ``care_within_m``: a care
    point or professional presence within this distance; ``areas``: buurt or
    wijk codes it must be placed in (a requirement, not a wish). ``line``:
    where the group stands in the plan file, for messages.
    """

    category: NeedCategory
    count: int
    urgent: bool = False
    ground_floor: bool = False
    min_area_m2: float | None = None
    care_within_m: float | None = None
    areas: tuple[str, ...] = ()
    line: int | None = None

    def describe(self) -> str:
        """``'uitstroom' met gelijkvloers en zorg binnen 300 m`` (Dutch)."""
        parts = []
        if self.urgent:
            parts.append("urgentie")
        if self.ground_floor:
            parts.append("gelijkvloers")
        if self.min_area_m2 is not None:
            parts.append(f"minstens {_num(self.min_area_m2)} m²")
        if self.care_within_m is not None:
            parts.append(f"zorg binnen {_num(self.care_within_m)} m")
        if self.areas:
            parts.append("in " + " of ".join(self.areas))
        text = f"'{self.category.code}'"
        if parts:
            text += " met " + (
                ", ".join(parts[:-1]) + " en " + parts[-1]
                if len(parts) > 1
                else parts[0]
            )
        return text


@dataclass(frozen=True)
class PlanSettings:
    """Solver and objective settings of :func:`optimise`."""

    time_limit: float = 30.0
    mip_rel_gap: float = 0.01
    weight_share: float = 1.0
    weight_dissimilarity: float = 1.0
    min_street_households: int = fairness.MIN_STREET_HOUSEHOLDS
    max_rounds: int = 10
    #: also cap the places that receive nothing but whose ancestors do
    sibling_caps: bool = False
    #: the intake of each buurt and wijk is held within its share of the
    #: vacancies plus this much; every cap reserves room for it
    area_slack: float = 1.0
    #: when not every household fits: what leaving one urgent household
    #: unplaced costs against one other (1); an urgent one stays out only
    #: where it would take the room of more than this many others
    urgent_weight: float = 4.0


@dataclass
class Plan:
    """An integer plan and how it was found.

    ``placements``: one row per vacancy row and group with a placement:
    ``vacancy`` (row position in the vacancies frame), ``address_id``,
    ``group`` (position in the groups), ``category`` (code), ``urgent``,
    ``count``. ``unplaced``: households of each group left without a vacancy.
    ``violations``: places whose class drops (``level``, ``place_id``,
    ``class_before``, ``class_after``, ``placed``). ``status``: ``optimal``,
    ``within_gap``, ``time_limit``, ``partial`` (the cut loop ran out of
    rounds or time; households were taken back from the places that still
    dropped), ``infeasible`` (not all fit: the largest plan that does),
    ``caps_not_met`` or ``heuristic``; ``status_text`` says it in Dutch.
    """

    method: str
    placements: pd.DataFrame
    unplaced: np.ndarray
    status: str
    status_text: str
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    rounds: int = 0
    seconds: float = 0.0
    violations: pd.DataFrame = field(default_factory=lambda: _no_violations())
    messages: list[str] = field(default_factory=list)
    terms: dict[str, float] = field(default_factory=dict)
    after: dict | None = None
    #: per cap level: places without placements that drop (their prior moved)
    siblings: dict[str, int] = field(default_factory=dict)
    #: the last program solved: variables, integer variables, rows
    size: dict[str, int] = field(default_factory=dict)
    #: the budget slack of the buurten' and wijken's intake the plan was
    #: found with (None: left to the exact check and the cut loop)
    area_slack: float | None = None

    @property
    def feasible(self) -> bool:
        return self.status not in ("infeasible",)


def _no_violations() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "level": pd.Series(dtype=str),
            "place_id": pd.Series(dtype=str),
            "class_before": pd.Series(dtype=object),
            "class_after": pd.Series(dtype=object),
            "placed": pd.Series(dtype="int64"),
        }
    )


# -- input checks and requirements ---------------------------------------------


def check_vacancies(vacancies: pd.DataFrame) -> pd.DataFrame:
    """The vacancies with every column, typed; :class:`PlanError` otherwise."""
    missing = [c for c in ("address_id", "count") if c not in vacancies.columns]
    if missing:
        raise PlanError(
            f"de vrijkomende woningen missen kolom(men): {', '.join(missing)}"
        )
    v = vacancies.reset_index(drop=True).copy()
    for c in VACANCY_COLUMNS:
        if c not in v.columns:
            v[c] = np.nan
    v["address_id"] = v["address_id"].astype(str)
    count = pd.to_numeric(v["count"], errors="coerce")
    if count.isna().any() or (count < 0).any() or (count % 1 != 0).any():
        raise PlanError(
            "het aantal vrijkomende woningen moet een geheel getal van 0 of meer zijn"
        )
    v["count"] = count.astype("int64")
    v["ground_floor"] = (
        v["ground_floor"]
        .map(lambda b: bool(b) if isinstance(b, bool | np.bool_) else False)
        .astype(bool)
    )
    for c in ("area_m2", "care_m"):
        v[c] = pd.to_numeric(v[c], errors="coerce").astype("float64")
    for c in PLACE_LEVELS:
        v[c] = v[c].astype(object).where(v[c].notna(), "").astype(str)
    return v[list(VACANCY_COLUMNS)]


def compatible(vacancies: pd.DataFrame, groups: Sequence[Group]) -> np.ndarray:
    """``[vacancy, group]``: does the vacancy meet the group's requirements?

    An unknown attribute (no ``ground_floor``, area or distance known) does
    not meet a requirement on it.
    """
    v = check_vacancies(vacancies)
    n = len(v)
    out = np.ones((n, len(groups)), dtype=bool)
    gf = v["ground_floor"].to_numpy(dtype=bool)
    area = v["area_m2"].to_numpy()
    care = v["care_m"].to_numpy()
    with np.errstate(invalid="ignore"):
        for j, g in enumerate(groups):
            ok = np.ones(n, dtype=bool)
            if g.ground_floor:
                ok &= gf
            if g.min_area_m2 is not None:
                ok &= area >= g.min_area_m2
            if g.care_within_m is not None:
                ok &= care <= g.care_within_m
            if g.areas:
                ok &= (v["buurt"].isin(g.areas) | v["wijk"].isin(g.areas)).to_numpy()
            out[:, j] = ok
    return out


# -- the aggregated problem ----------------------------------------------------


class _Problem:
    """Vacancy classes, variables, caps and objective rows of one plan."""

    def __init__(
        self,
        model: PlacementModel,
        vacancies: pd.DataFrame,
        groups: Sequence[Group],
        population: Mapping[str, pd.DataFrame] | None,
        settings: PlanSettings,
    ):
        if not groups:
            raise PlanError("het plan bevat geen huishoudens om te plaatsen")
        self.model, self.groups, self.settings = model, list(groups), settings
        self.vac = check_vacancies(vacancies)
        self.compat = compatible(self.vac, self.groups)
        self.count = np.array([int(g.count) for g in self.groups], dtype=np.int64)
        if (self.count < 0).any():
            raise PlanError(
                "het aantal huishoudens van een groep kan niet negatief zijn"
            )
        self.need = np.array(
            [1.0 if g.category.n_needs > 0 else 0.0 for g in self.groups]
        )
        # interchangeable vacancies: same places and same compatible groups
        # (a place the model has no result for sets no cap: its id does not
        # split the vacancies; e.g. a single-dwelling entrance)
        key = self.vac[list(PLACE_LEVELS)].copy()
        for lv in CAP_LEVELS:
            if lv in model.levels:
                known = model.levels[lv].positions(key[lv].to_numpy(dtype=object)) >= 0
                key[lv] = key[lv].where(known, "")
        key["_compat"] = [bytes(r) for r in np.packbits(self.compat, axis=1)]
        self.vac_class = key.groupby(list(key.columns), sort=False).ngroup().to_numpy()
        n_cls = int(self.vac_class.max()) + 1 if len(self.vac) else 0
        self.n_classes = n_cls
        self.cap = np.bincount(
            self.vac_class, weights=self.vac["count"].to_numpy(), minlength=n_cls
        ).astype(np.int64)
        first = np.full(n_cls, -1, dtype=np.int64)
        first[self.vac_class[::-1]] = np.arange(len(self.vac))[::-1]
        self.class_places = {
            lv: self.vac[lv].to_numpy(dtype=object)[first] for lv in PLACE_LEVELS
        }
        self.class_compat = self.compat[first]
        # pairs (category, urgent): the headroom depends on both
        pair_keys = sorted({(g.category.code, bool(g.urgent)) for g in self.groups})
        self.pair_of = np.array(
            [pair_keys.index((g.category.code, bool(g.urgent))) for g in self.groups],
            dtype=np.int64,
        )
        cats = {g.category.code: g.category for g in self.groups}
        self.pairs = [(cats[c], u) for c, u in pair_keys]
        vk, vg = np.nonzero(self.class_compat & (self.cap[:, None] > 0))
        self.all_k, self.all_g = vk, vg
        # caps: per level the place of each class and its headroom per pair
        self.cap_pos: dict[str, np.ndarray] = {}
        self.headroom: dict[str, np.ndarray] = {}
        for lv in CAP_LEVELS:
            if lv not in model.levels:
                continue
            st = model.levels[lv]
            ids = self.class_places[lv]
            pos = np.where(ids != "", st.positions(ids), -1).astype(np.int64)
            used = np.unique(pos[pos >= 0])
            h = np.full((len(st.ids), len(self.pairs)), np.nan)
            for pi, (cat, urgent) in enumerate(self.pairs):
                if len(used):
                    h[used, pi] = model.headroom_at(lv, used, cat, urgent,
                                                    interval=False)["headroom"]
            self.cap_pos[lv] = pos
            self.headroom[lv] = h
        # allowed variables: no cap with zero headroom on the way
        self.forbidden_at = {lv: self._h_of(lv, vk, vg) == 0 for lv in self.cap_pos}
        blocked = np.zeros(len(vk), dtype=bool)
        for f in self.forbidden_at.values():
            blocked |= f
        self.k, self.g = vk[~blocked], vg[~blocked]
        self.allowed = ~blocked
        self.rhs = {lv: np.ones(len(model.levels[lv].ids)) for lv in self.cap_pos}
        self._first, self._vars = first, (self.k, self.g)
        self._effects: dict[str, tuple] = {}
        self.slack = settings.area_slack
        #: households the budgets are shared out for (None: every one of the
        #: plan; fewer when the largest plan that fits is sought)
        self.target: float | None = None
        self._couple(first)
        self._population(population or {})

    # -- coupled caps: placements in a place's ancestors move its prior ---------
    def recouple(self, slack: float | None, target: float | None = None) -> None:
        """The coupled caps again with another budget slack (None: the far
        ancestors' intake is left to the exact check and the cut loop) and
        budgets shared out for ``target`` households (None: all of them)."""
        self.k, self.g = self._vars
        self.rhs = {lv: np.ones(len(self.model.levels[lv].ids)) for lv in self.cap_pos}
        self.slack = slack
        self.target = target
        self._couple(self._first)

    def _couple(self, first: np.ndarray) -> None:
        """What placements in each capped place's ancestors take of its margin.

        For every entrance, block and street that can receive placements
        (and, with ``sibling_caps``, every other one under an ancestor that
        can), ``beta[r, t, c]`` is the fall of its balance per household of
        pair ``c`` placed in its ancestor ``t`` outside the ancestor below,
        in units of its margin (:meth:`PlacementModel.marginal`,
        :meth:`PlacementModel.margin`). The nearest ancestor when it is
        capped itself (an entrance's block) enters the row with its
        placements; the intake of the larger ones (buurt, wijk, gemeente) is
        held within a budget (``area_slack`` above its share of the
        vacancies) and the row reserves ``sum_t max_c beta[r, t, c] * B_t``
        of the margin for it. A candidate place with no margin left after
        that reservation takes nothing (``fragile``).
        """
        model, s = self.model, self.settings
        anc_levels: list[str] = []
        for lv in self.cap_pos:
            anc_levels += [a for a in model.ancestors(lv) if a not in anc_levels]
        self.anc_levels = anc_levels
        addr = self.vac["address_id"].to_numpy(dtype=object)[first]
        dw = model.dwellings.reindex(pd.Index(addr))
        self.class_anc = {}
        for a in anc_levels:
            if a in PLACE_LEVELS:
                ids = self.class_places[a]
            else:
                col = dw[LEVEL_COLUMNS[a]]
                ids = col.astype(object).where(col.notna(), "").astype(str).to_numpy()
            st = model.levels[a]
            pos = st.positions(ids.astype(object))
            self.class_anc[a] = np.where(ids != "", pos, -1).astype(np.int64)
        units = self.cap.astype("float64")
        total_units = max(float(units.sum()), 1.0)
        placed = float(self.target if self.target is not None else self.count.sum())
        #: budgets of the far ancestors' intake (households)
        self.budget = {}
        for a, pos in self.class_anc.items():
            if a in self.cap_pos:
                continue
            ok = pos >= 0
            share = placed / total_units * np.bincount(
                pos[ok], weights=units[ok], minlength=len(model.levels[a].ids))
            if self.slack is not None:
                self.budget[a] = np.minimum(np.ceil(share * (1.0 + self.slack)), placed)
        self.links: dict[str, tuple] = {}
        self.fragile: dict[str, np.ndarray] = {}
        self.const: dict[str, np.ndarray] = {}
        n_p = len(self.pairs)
        for lv, cpos in self.cap_pos.items():
            st = model.levels[lv]
            anc = model.ancestors(lv)
            h = self._h_of(lv, self.k, self.g)
            live = (cpos[self.k] >= 0) & (h > 0)
            cand = np.unique(cpos[self.k[live]])
            places = cand
            if s.sibling_caps and anc:
                ap = model.ancestor_positions(lv, np.arange(len(st.ids)))
                under = np.zeros(len(st.ids), dtype=bool)
                for t, a in enumerate(anc):
                    p = self.class_anc[a]
                    under |= np.isin(ap[:, t], np.unique(p[p >= 0]))
                under &= st.cls >= 0
                places = np.union1d(cand, np.flatnonzero(under))
            if lv not in self._effects:
                m = model.margin(lv, places)
                beta = np.zeros((len(places), len(anc), n_p))
                apos = np.full((len(places), len(anc)), -1, dtype=np.int64)
                for pi, (cat, urgent) in enumerate(self.pairs):
                    mg = model.marginal(lv, places, cat, urgent)
                    apos = mg.ancestor_pos
                    with np.errstate(invalid="ignore", divide="ignore"):
                        beta[:, :, pi] = np.where(
                            np.isfinite(m)[:, None],
                            mg.outside / np.maximum(m, 1e-12)[:, None], 0.0)
                self._effects[lv] = (beta, apos)
            beta, apos = self._effects[lv]
            beta = np.nan_to_num(beta, posinf=1e12)
            const = np.zeros(len(places))
            near = -1
            for t, a in enumerate(anc):
                if a in self.cap_pos and t == 0:
                    near = t
                    continue
                b = self.budget.get(a)
                if b is None:
                    continue
                q = apos[:, t]
                const += beta[:, t, :].max(axis=1) * np.where(
                    q >= 0, b[np.maximum(q, 0)], 0.0)
            weak = np.isin(places, cand) & (const >= 1.0)
            self.fragile[lv] = places[weak]
            full = np.zeros(len(st.ids))
            full[places] = const
            self.const[lv] = full
            keep = ~weak
            near_pos = apos[keep, near] if near >= 0 else np.full(int(keep.sum()), -1)
            near_beta = beta[keep, near, :] if near >= 0 else np.zeros((int(keep.sum()),
                                                                         n_p))
            self.links[lv] = (places[keep], anc[near] if near >= 0 else None,
                              near_pos, near_beta)
        # fragile places take nothing
        drop = np.zeros(len(self.k), dtype=bool)
        for lv, bad in self.fragile.items():
            if len(bad):
                drop |= np.isin(self.cap_pos[lv][self.k], bad)
        self.k, self.g = self.k[~drop], self.g[~drop]

    def forbid(self, lv: str, places: np.ndarray) -> None:
        """Places that cannot receive without dropping: no variables there."""
        drop = np.isin(self.cap_pos[lv][self.k], places)
        self.k, self.g = self.k[~drop], self.g[~drop]
        self.fragile[lv] = np.union1d(self.fragile.get(lv, []), places).astype(
            np.int64)

    def _h_of(self, lv: str, k: np.ndarray, g: np.ndarray) -> np.ndarray:
        pos = self.cap_pos[lv][k]
        out = np.full(len(k), np.nan)
        ok = pos >= 0
        out[ok] = self.headroom[lv][pos[ok], self.pair_of[g[ok]]]
        return out

    def _population(self, population: Mapping[str, pd.DataFrame]) -> None:
        """Constants of the objective rows: streets' and buurten's counts."""
        self.pop = {}
        for lv in ("street", "buurt"):
            f = population.get(lv)
            if f is None or f.empty:
                continue
            f = f[["place_id", "need", "households"]].copy()
            f["place_id"] = f["place_id"].astype(str)
            counts = self.vac.groupby(lv)["count"].sum()
            a, n = fairness._arrays(f["need"], f["households"])
            v = counts.reindex(f["place_id"]).fillna(0.0).to_numpy()
            with np.errstate(invalid="ignore", divide="ignore"):
                share = np.where(n > 0, a / n, 0.0)
            base = a - np.minimum(v, n) * share
            row = pd.Index(f["place_id"]).get_indexer(
                self.class_places[lv].astype(object)
            )
            self.pop[lv] = {
                "ids": f["place_id"].to_numpy(),
                "base": base,
                "households": n,
                "row_of_class": row,
            }

    # -- building blocks of the program ---------------------------------------
    def cap_rows(self, k: np.ndarray, g: np.ndarray, soft: bool = False):
        """Per level: (row of each variable or -1, coefficient, places of rows)."""
        out = {}
        for lv, pos in self.cap_pos.items():
            h = self._h_of(lv, k, g)
            p = pos[k]
            has = (p >= 0) & ~np.isnan(h)
            if not soft:
                has &= h > 0
            coef = np.zeros(len(k))
            coef[has] = 1.0 / np.maximum(h[has], 0.5)
            places = np.unique(p[has])
            row = np.full(len(k), -1, dtype=np.int64)
            row[has] = np.searchsorted(places, p[has])
            out[lv] = (row, coef, places)
        return out

    def matrix(self, k, g, slack_groups=False, soft_caps=False, objective=True):
        """The program: c, integrality, bounds and constraints (sparse)."""
        n_x = len(k)
        blocks_r, blocks_c, blocks_v, lo, hi = [], [], [], [], []
        n_rows = 0
        extra_cols: list[tuple[str, object]] = []  # kinds of added columns

        def add(rows, cols, vals, lb, ub):
            nonlocal n_rows
            blocks_r.append(np.asarray(rows) + n_rows)
            blocks_c.append(np.asarray(cols))
            blocks_v.append(np.asarray(vals, dtype="float64"))
            lo.append(np.asarray(lb, dtype="float64"))
            hi.append(np.asarray(ub, dtype="float64"))
            n_rows += len(lb)

        n_col = n_x
        cost = [np.zeros(n_x)]
        integ = [np.ones(n_x)]
        col_lo = [np.zeros(n_x)]
        col_hi = [np.minimum(self.cap[k], self.count[g]).astype("float64")]
        # every group placed exactly (or with a slack of unplaced households)
        n_g = len(self.groups)
        rows, cols, vals = list(g), list(range(n_x)), [1.0] * n_x
        if slack_groups:
            rows += list(range(n_g))
            cols += list(range(n_col, n_col + n_g))
            vals += [1.0] * n_g
            cost.append(np.array([self.settings.urgent_weight if gr.urgent else 1.0
                                  for gr in self.groups]))
            integ.append(np.ones(n_g))
            col_lo.append(np.zeros(n_g))
            col_hi.append(self.count.astype("float64"))
            extra_cols.append(("unplaced", (n_col, n_g)))
            n_col += n_g
        add(rows, cols, vals, self.count, self.count)
        # no class over-filled (a class with one variable: its bound does it)
        multi = np.bincount(k, minlength=self.n_classes) > 1
        rank = np.cumsum(multi) - 1
        on = multi[k]
        add(
            rank[k[on]],
            np.flatnonzero(on),
            np.ones(int(on.sum())),
            np.zeros(int(multi.sum())),
            self.cap[multi].astype("float64"),
        )
        # the far ancestors' intake within its budget
        for a, b in self.budget.items():
            apos = self.class_anc[a][k]
            has = apos >= 0
            used = np.unique(apos[has])
            tight = used[b[used] < self.count.sum()]
            on = has & np.isin(apos, tight)
            add(
                np.searchsorted(tight, apos[on]),
                np.flatnonzero(on),
                np.ones(int(on.sum())),
                np.full(len(tight), -np.inf),
                b[tight],
            )
        # caps
        self.cap_index = {}
        for lv, (row, coef, places) in self.cap_rows(k, g, soft=soft_caps).items():
            # the rows: places with variables, and the linked ones without
            lplaces, near_lv, near_pos, near_beta = self.links.get(
                lv, (np.zeros(0, np.int64), None, np.zeros(0), np.zeros((0, 0)))
            )
            allp = np.union1d(places, lplaces).astype(np.int64)
            remap = np.searchsorted(allp, places)
            row = row.copy()
            row[row >= 0] = remap[row[row >= 0]]
            places = allp
            # placements in the nearest (capped) ancestor outside the place
            n_r, n_c, n_v = np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
            if near_lv is not None and len(lplaces):
                rq = pd.DataFrame(
                    {"r": np.searchsorted(places, lplaces), "q": near_pos,
                     "li": np.arange(len(lplaces))}
                )
                xq = pd.DataFrame(
                    {"i": np.arange(len(k)), "q": self.class_anc[near_lv][k],
                     "own": self.cap_pos[lv][k]}
                )
                j = rq[rq["q"] >= 0].merge(xq[xq["q"] >= 0], on="q")
                j = j[places[j["r"].to_numpy()] != j["own"].to_numpy()]
                n_r = j["r"].to_numpy(dtype=np.int64)
                n_c = j["i"].to_numpy(dtype=np.int64)
                n_v = near_beta[j["li"].to_numpy(), self.pair_of[g[n_c]]]
                nz = n_v > 0
                n_r, n_c, n_v = n_r[nz], n_c[nz], n_v[nz]
            rhs = self.rhs[lv][places] - self.const[lv][places]
            if not soft_caps and len(places):
                # a cap the place's vacancies and ancestors cannot reach is no row
                # (no place of the level caps a variable: no rows at all)
                heavy = np.zeros(self.n_classes)
                np.maximum.at(heavy, k, coef)
                in_cls = np.full(self.n_classes, -1, dtype=np.int64)
                in_cls[k[row >= 0]] = row[row >= 0]
                on = in_cls >= 0
                most = np.bincount(
                    in_cls[on], weights=(heavy * self.cap)[on], minlength=len(places)
                ) + np.bincount(
                    n_r, weights=n_v * self.cap[k[n_c]], minlength=len(places)
                )
                binding = most > rhs + 1e-9
                keep = np.cumsum(binding) - 1
                row = np.where(
                    (row >= 0) & binding[np.maximum(row, 0)],
                    keep[np.maximum(row, 0)],
                    -1,
                )
                b_ = binding[n_r]
                n_r, n_c, n_v = keep[n_r[b_]], n_c[b_], n_v[b_]
                places, rhs = places[binding], rhs[binding]
            has = row >= 0
            rows, cols, vals = (
                list(row[has]) + list(n_r),
                list(np.flatnonzero(has)) + list(n_c),
                list(coef[has]) + list(n_v),
            )
            self.cap_index[lv] = (n_rows, places)
            if soft_caps:
                rows += list(range(len(places)))
                cols += list(range(n_col, n_col + len(places)))
                vals += [-1.0] * len(places)
                cost.append(np.ones(len(places)))
                integ.append(np.zeros(len(places)))
                col_lo.append(np.zeros(len(places)))
                col_hi.append(np.full(len(places), np.inf))
                extra_cols.append((lv, (n_col, len(places), places)))
                n_col += len(places)
            add(rows, cols, vals, np.full(len(places), -np.inf), rhs)
        if objective:
            s = self.settings
            st = self.pop.get("street")
            if st is not None and s.weight_share > 0:
                big = st["households"] >= s.min_street_households
                r = st["row_of_class"][k]
                has = (r >= 0) & big[np.maximum(r, 0)]
                if big.any():
                    keep = np.flatnonzero(big)
                    rank = np.full(len(big), -1)
                    rank[keep] = np.arange(len(keep))
                    t = n_col
                    cost.append(np.array([s.weight_share]))
                    integ.append(np.zeros(1))
                    col_lo.append(np.zeros(1))
                    col_hi.append(np.full(1, np.inf))
                    extra_cols.append(("share", (t, 1)))
                    n_col += 1
                    n_h = st["households"]
                    rows = list(rank[r[has]]) + list(range(len(keep)))
                    cols = list(np.flatnonzero(has)) + [t] * len(keep)
                    vals = list(self.need[g[has]] / n_h[r[has]]) + [-1.0] * len(keep)
                    add(
                        rows,
                        cols,
                        vals,
                        np.full(len(keep), -np.inf),
                        -st["base"][keep] / n_h[keep],
                    )
            bu = self.pop.get("buurt")
            if bu is not None and s.weight_dissimilarity > 0:
                n_b = len(bu["ids"])
                big_n = bu["households"].sum()
                big_a = bu["base"].sum() + float((self.need * self.count).sum())
                big_o = big_n - big_a
                if n_b > 1 and big_a > 0 and big_o > 0:
                    f = 1.0 / big_a + 1.0 / big_o
                    c0 = bu["base"] * f - bu["households"] / big_o
                    d0 = n_col
                    cost.append(np.full(n_b, 0.5 * s.weight_dissimilarity))
                    integ.append(np.zeros(n_b))
                    col_lo.append(np.zeros(n_b))
                    col_hi.append(np.full(n_b, np.inf))
                    extra_cols.append(("dissimilarity", (d0, n_b)))
                    n_col += n_b
                    r = bu["row_of_class"][k]
                    has = r >= 0
                    xc = np.flatnonzero(has)
                    coef = self.need[g[has]] * f
                    for sign in (1.0, -1.0):
                        rows = list(r[has]) + list(range(n_b))
                        cols = list(xc) + list(range(d0, d0 + n_b))
                        vals = list(sign * coef) + [-1.0] * n_b
                        add(rows, cols, vals, np.full(n_b, -np.inf), -sign * c0)
        a = sparse.csr_array(
            (
                np.concatenate(blocks_v),
                (
                    np.concatenate(blocks_r).astype(np.int64),
                    np.concatenate(blocks_c).astype(np.int64),
                ),
            ),
            shape=(n_rows, n_col),
        )
        return (
            np.concatenate(cost),
            np.concatenate(integ),
            Bounds(np.concatenate(col_lo), np.concatenate(col_hi)),
            LinearConstraint(a, np.concatenate(lo), np.concatenate(hi)),
            dict(extra_cols),
        )

    # -- from variables to vacancies -------------------------------------------
    def placements(self, k: np.ndarray, g: np.ndarray, x: np.ndarray) -> pd.DataFrame:
        """Spread the class totals ``x[k, g]`` over the vacancy rows of each class."""
        x = np.rint(np.asarray(x)).astype(np.int64)
        take = x > 0
        k, g, x = k[take], g[take], x[take]
        order = np.lexsort((g, k))
        k, g, x = k[order], g[order], x[order]
        rows = np.argsort(self.vac_class, kind="stable")
        cap_rows = self.vac["count"].to_numpy()[rows]
        cum = np.cumsum(cap_rows)  # units, by class
        start = np.concatenate([[0], np.cumsum(self.cap)])[:-1]
        # rank of each unit within its class
        unit_k = np.repeat(k, x)
        unit_g = np.repeat(g, x)
        before = np.concatenate([[0], np.cumsum(x)])[:-1]
        first_of_k = np.r_[True, k[1:] != k[:-1]]
        grp_start = np.maximum.accumulate(np.where(first_of_k, before, 0))
        rank = np.arange(len(unit_k)) - np.repeat(grp_start, x)
        pos = np.searchsorted(cum, start[unit_k] + rank, side="right")
        row = rows[pos]
        if len(row) and (self.vac_class[row] != unit_k).any():  # pragma: no cover
            raise PlanError("interne fout bij het verdelen over woningen")
        return self._frame(row, unit_g)

    def _frame(self, row: np.ndarray, unit_g: np.ndarray) -> pd.DataFrame:
        f = pd.DataFrame(
            {"vacancy": row.astype(np.int64), "group": unit_g.astype(np.int64)}
        )
        f = (
            f.groupby(["vacancy", "group"], sort=True)
            .size()
            .rename("count")
            .reset_index()
        )
        f.insert(1, "address_id", self.vac["address_id"].to_numpy()[f["vacancy"]])
        f["category"] = [self.groups[i].category.code for i in f["group"]]
        f["urgent"] = [bool(self.groups[i].urgent) for i in f["group"]]
        return f[["vacancy", "address_id", "group", "category", "urgent", "count"]]

    def unplaced(self, placements: pd.DataFrame) -> np.ndarray:
        got = np.bincount(
            placements["group"].to_numpy(dtype=np.int64),
            weights=placements["count"].to_numpy(),
            minlength=len(self.groups),
        )
        return (self.count - got).astype(np.int64)


# -- checking a plan -----------------------------------------------------------


def _apply_frame(groups: Sequence[Group], placements: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "address_id": placements["address_id"].astype(str).to_numpy(),
            "category": [groups[i].category for i in placements["group"]],
            "urgent": placements["urgent"].to_numpy(dtype=bool),
            "count": placements["count"].to_numpy(dtype="float64"),
        }
    )


def check_plan(
    model: PlacementModel,
    vacancies: pd.DataFrame,
    groups: Sequence[Group],
    placements: pd.DataFrame,
    siblings: bool = False,
) -> tuple[pd.DataFrame, dict, list[str]]:
    """Check a plan exactly: caps with :meth:`PlacementModel.apply`, and the rest.

    Returns the cap violations (every entrance, block and street that
    receives placements and whose class after the whole plan is worse than
    now, or that is in the worst class already; with ``siblings`` also every
    one that receives nothing and drops, ``placed`` 0), the model's state after the
    plan (``{level: After}``) and Dutch lines for every other broken rule
    (a requirement not met, a vacancy over-filled, more households placed
    than a group has).
    """
    v = check_vacancies(vacancies)
    problems: list[str] = []
    compat = compatible(v, groups)
    if len(placements):
        bad = ~compat[placements["vacancy"].to_numpy(), placements["group"].to_numpy()]
        if bad.any():
            problems.append(
                f"{int(placements['count'][bad].sum())} plaatsingen in een "
                "woning die niet aan de eisen van de groep voldoet"
            )
    used = np.bincount(
        placements["vacancy"].to_numpy(dtype=np.int64),
        weights=placements["count"].to_numpy(),
        minlength=len(v),
    )
    over = used > v["count"].to_numpy()
    if over.any():
        problems.append(
            f"{int(over.sum())} woningen krijgen meer plaatsingen dan er vrijkomen"
        )
    got = np.bincount(
        placements["group"].to_numpy(dtype=np.int64),
        weights=placements["count"].to_numpy(),
        minlength=len(groups),
    )
    for i, g in enumerate(groups):
        if got[i] > g.count:
            problems.append(
                f"groep {g.describe()}: {int(got[i])} geplaatst, maar de "
                f"groep telt {g.count} huishoudens"
            )
    if placements.empty:
        return _no_violations(), model.apply(_apply_frame(groups, placements)), problems
    after = model.apply(_apply_frame(groups, placements))
    names = np.array([*model.spec.class_names, None], dtype=object)
    worst = len(model.spec.class_names) - 1
    rows = []
    per_row = placements.groupby("vacancy")["count"].sum()
    for lv in CAP_LEVELS:
        if lv not in model.levels:
            continue
        st = model.levels[lv]
        ids = v[lv].to_numpy(dtype=object)[per_row.index.to_numpy()]
        pos = np.where(ids != "", st.positions(ids), -1)
        ok = pos >= 0
        placed = np.bincount(
            pos[ok], weights=per_row.to_numpy()[ok], minlength=len(st.ids)
        )
        where = np.flatnonzero(placed > 0)
        before, now = st.cls[where], after[lv].cls[where]
        bad = (before >= 0) & ((now > before) | (before >= worst))
        if siblings:
            where = np.concatenate(
                [where[bad], _dropped_without(st, after[lv], placed)]
            )
            bad = np.ones(len(where), dtype=bool)
        for p in where[bad]:
            rows.append(
                {
                    "level": lv,
                    "place_id": str(st.ids[p]),
                    "class_before": names[st.cls[p]],
                    "class_after": names[after[lv].cls[p]],
                    "placed": int(placed[p]),
                }
            )
    viol = pd.DataFrame(rows) if rows else _no_violations()
    return viol, after, problems


def _dropped_without(st, after, placed: np.ndarray) -> np.ndarray:
    """Places that receive nothing and still drop a class (their prior moved)."""
    return np.flatnonzero((placed <= 0) & (st.cls >= 0) & (after.cls > st.cls))


def sibling_drops(
    model: PlacementModel, vacancies: pd.DataFrame, placements: pd.DataFrame, after
) -> dict[str, int]:
    """Per cap level: places without placements whose class drops after the plan."""
    v = check_vacancies(vacancies)
    per_row = placements.groupby("vacancy")["count"].sum()
    out = {}
    for lv in CAP_LEVELS:
        if lv not in model.levels or after is None:
            continue
        st = model.levels[lv]
        ids = v[lv].to_numpy(dtype=object)[per_row.index.to_numpy()]
        pos = np.where(ids != "", st.positions(ids), -1)
        ok = pos >= 0
        placed = np.bincount(
            pos[ok], weights=per_row.to_numpy()[ok], minlength=len(st.ids)
        )
        out[lv] = len(_dropped_without(st, after[lv], placed))
    return out


def plan_terms(
    problem_or_vac,
    groups,
    placements: pd.DataFrame,
    population: Mapping[str, pd.DataFrame],
    settings: PlanSettings,
) -> dict[str, float]:
    """The objective's terms of any plan: largest street share and D over buurten."""
    v = (
        problem_or_vac.vac
        if isinstance(problem_or_vac, _Problem)
        else check_vacancies(problem_or_vac)
    )
    need = np.array([1.0 if g.category.n_needs > 0 else 0.0 for g in groups])
    out: dict[str, float] = {}
    placed = pd.Series(dtype="float64")
    if len(placements):
        placed = pd.Series(
            need[placements["group"].to_numpy()] * placements["count"].to_numpy(),
            index=placements["vacancy"].to_numpy(),
        )
    for lv in ("street", "buurt"):
        f = population.get(lv)
        if f is None or f.empty:
            continue
        vac = v.groupby(lv)["count"].sum()
        p = (
            pd.Series(
                placed.to_numpy(), index=v[lv].to_numpy()[placed.index.to_numpy()]
            )
            if len(placed)
            else pd.Series(dtype="float64")
        )
        after = fairness.after_counts(
            f.assign(place_id=f["place_id"].astype(str)), vac, p
        )
        if lv == "street":
            out["largest_share"] = fairness.largest_share(
                after["need"], after["households"], settings.min_street_households
            )
        else:
            out["dissimilarity"] = fairness.dissimilarity(
                after["need"], after["households"]
            )
    out["objective"] = settings.weight_share * out.get(
        "largest_share", 0.0
    ) + settings.weight_dissimilarity * out.get("dissimilarity", 0.0)
    return out


# -- the optimiser -------------------------------------------------------------

#: Above this many integer variables the program is solved in two steps:
#: the LP relaxation (interior point), then the MIP with every variable the
#: relaxation left integral fixed (HiGHS' own presolve is too slow there).
LARGE = 5000


class _Result:
    """What :func:`_solve` returns: milp's fields, with the bound it proves."""

    def __init__(self, status, x, fun, bound, gap):
        self.status, self.x, self.fun = status, x, fun
        self.mip_dual_bound, self.mip_gap = bound, gap


def _milp(c, integ, bounds, cons, time_limit, gap, **extra):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # options passed verbatim
        return milp(
            c,
            integrality=integ,
            bounds=bounds,
            constraints=cons,
            options={
                "time_limit": max(float(time_limit), 1.0),
                "mip_rel_gap": float(gap),
                "disp": False,
                **extra,
            },
        )


def _solve(c, integ, bounds, cons, time_limit: float, gap: float,
           fallback: bool = True):
    """Solve the program; large ones through their LP relaxation first.

    A large program (more than :data:`LARGE` integer variables) is solved as
    its LP relaxation (HiGHS' dual simplex), rounded down (every cap, class
    and budget row has non-negative coefficients, so it stays within them)
    and completed by :func:`_repair`; the continuous variables of the
    objective then follow from an LP with the integers fixed. The LP
    optimum is a lower bound of the MIP's, so the gap reported is a proven
    one. Where the repair cannot complete the plan, HiGHS solves the whole
    MIP with the time left (``fallback``; else no plan, status 1).
    """
    t0 = time.perf_counter()
    if int(integ.sum()) <= LARGE:
        res = _milp(c, integ, bounds, cons, time_limit, gap)
        return _Result(
            res.status,
            res.x,
            res.fun,
            getattr(res, "mip_dual_bound", None),
            getattr(res, "mip_gap", None),
        )
    zero = np.zeros_like(integ)
    lp = _milp(c, zero, bounds, cons, time_limit, gap, solver="simplex")
    if lp.x is None:
        return _Result(lp.status, None, None, None, None)
    x = _repair(integ, bounds, cons, lp.x)
    res = None
    if x is not None:
        lo, hi = bounds.lb.copy(), bounds.ub.copy()
        on = integ > 0
        lo[on] = hi[on] = x[on]
        left = time_limit - (time.perf_counter() - t0)
        res = _milp(c, zero, Bounds(lo, hi), cons, left, gap)
    if (res is None or res.x is None) and not fallback:
        return _Result(1, None, None, None, None)
    if res is None or res.x is None:  # no completion: the whole MIP
        left = time_limit - (time.perf_counter() - t0)
        res = _milp(c, integ, bounds, cons, left, gap)
        if res.x is None:
            return _Result(res.status, None, None, None, None)
    bound = max(
        float(lp.fun), float(getattr(res, "mip_dual_bound", -np.inf) or -np.inf)
    )
    bound = min(bound, float(res.fun))
    g = (res.fun - bound) / abs(res.fun) if res.fun else 0.0
    status = 0 if g <= gap + 1e-12 else 1
    return _Result(status, res.x, res.fun, bound, g)


def _repair(integ, bounds, cons, x_lp: np.ndarray) -> np.ndarray | None:
    """An integer point near the LP optimum: rounded down, then completed.

    Rows with a continuous variable (the objective's) are left to it; every
    other row with an upper bound is kept (caps, classes, budgets: all
    non-negative, so rounding down keeps them). Each equality row (a group
    placed exactly) is filled one household at a time with the variable
    the LP wanted most (largest fractional part) that keeps every kept row
    within its bound. None when a group cannot be completed.
    """
    a = sparse.csr_array(cons.A)
    on = integ > 0
    x = x_lp.copy()
    x[on] = np.floor(x[on] + 1e-7)
    frac = np.where(on, x_lp - x, 0.0)
    cont = np.flatnonzero(~on)
    soft = np.zeros(a.shape[0], dtype=bool)
    if len(cont):
        soft = np.asarray(abs(a[:, cont]).sum(axis=1) > 0).ravel()
    lb, ub = np.asarray(cons.lb, dtype="float64"), np.asarray(cons.ub, dtype="float64")
    eq = ~soft & np.isfinite(lb) & (lb == ub)
    hard = ~soft & ~eq & np.isfinite(ub)
    ai = a[:, np.flatnonzero(on)].tocsc()
    cols = np.flatnonzero(on)
    xi = x[on]
    hard_rows = np.flatnonzero(hard)
    ah = ai[hard_rows].tocsc()
    slack = ub[hard_rows] - ah @ xi
    ae = ai[np.flatnonzero(eq)].tocsr()
    deficit = lb[eq] - ae @ xi
    col_ub = bounds.ub[cols]
    for r in np.flatnonzero(deficit > 0.5):
        cand = ae.indices[ae.indptr[r]:ae.indptr[r + 1]]
        pref = frac[cols[cand]]
        for _ in range(int(round(deficit[r]))):
            room = col_ub[cand] - xi[cand]
            sub = ah[:, cand]
            nnz = np.diff(sub.indptr)
            worst = np.full(len(cand), np.inf)
            has = nnz > 0
            if has.any():
                left = slack[sub.indices] - sub.data
                starts = sub.indptr[:-1][has]
                worst[has] = np.minimum.reduceat(left, starts)
            ok = (room >= 1) & (worst >= -1e-9)
            if not ok.any():
                return None
            best = np.flatnonzero(ok)[np.argmax(np.where(ok, pref, -np.inf)[ok])]
            j = cand[best]
            xi[j] += 1
            pref[best] = -1.0  # taken: the next one elsewhere first
            col = ah[:, [j]]
            slack[col.indices] -= col.data
    x[on] = xi
    return x


def _status(res, gap_setting: float) -> tuple[str, str]:
    gap = getattr(res, "mip_gap", None)
    gap = 0.0 if gap is None or not np.isfinite(gap) else float(gap)
    pct = _num(round(100 * gap_setting, 3))
    if res.status == 0 and gap <= 1e-6:
        return "optimal", "optimaal"
    if res.status == 0:
        return "within_gap", (
            f"binnen {pct} % van optimaal (bewezen door de ondergrens van de solver)"
        )
    return "time_limit", (
        f"tijdslimiet bereikt; de beste gevonden verdeling ligt "
        f"binnen {_num(round(100 * gap, 1))} % van optimaal"
    )


@dataclass
class _Round:
    """Where a cut loop ended: its last solve, plan and exact check."""

    rounds: int
    res: _Result
    placements: pd.DataFrame | None = None
    violations: pd.DataFrame | None = None
    after: dict | None = None
    size: dict = field(default_factory=dict)
    #: the variables (vacancy class, group) the solve's x belongs to
    variables: tuple | None = None

    @property
    def refused(self) -> bool:
        """The program has no solution (not: time ran out)."""
        return self.res.x is None and self.res.status == 2


def _cut_loop(pr: _Problem, settings: PlanSettings, t0: float, progress,
              rounds: int, partial: bool = False,
              deadline: float | None = None) -> _Round:
    """Solve, check exactly, tighten the places that drop, solve again: at
    most ``max_rounds`` solves with the caps as :meth:`_Problem.recouple`
    left them, no new one after ``deadline`` seconds (default the time
    limit). ``partial``: households may stay unplaced (each costs 1 in the
    objective, more than any plan's fairness terms can gain)."""
    first, out, took, full_bound = rounds, None, 0.0, None
    deadline = settings.time_limit if deadline is None else deadline
    while True:
        rounds += 1
        if progress is not None:
            progress(rounds, f"oplossen, ronde {rounds}")
        # a second kept for the exact check and the last steps after a solve
        left = deadline - (time.perf_counter() - t0) - 1.0
        if not len(pr.k):  # no vacancy fits any group within its caps
            if partial:  # nothing fits: the empty plan
                none = _empty_placements()
                viol, after, _ = check_plan(pr.model, pr.vac, pr.groups, none)
                return _Round(rounds, _Result(0, np.zeros(0), 0.0, 0.0, 0.0),
                              none, viol, after)
            return _Round(rounds, _Result(2 if pr.count.sum() else 0, None, None,
                                          None, None))
        if out is not None and left < 0.6 * took:
            return out  # the next solve would hardly finish: the last plan
        c, integ, bounds, cons, _ = pr.matrix(pr.k, pr.g, slack_groups=partial)
        size = {"variables": len(c), "integer": int(integ.sum()),
                "rows": int(cons.A.shape[0])}
        t_solve = time.perf_counter()
        res = None
        if out is not None and full_bound is not None and int(integ.sum()) > LARGE:
            res = _resolve_near(pr, out, c, integ, bounds, cons, left,
                                settings.mip_rel_gap, full_bound)
        if res is None:
            res = _solve(c, integ, bounds, cons, left, settings.mip_rel_gap)
            if res.x is not None and res.mip_dual_bound is not None:
                full_bound = float(res.mip_dual_bound)
        took = time.perf_counter() - t_solve
        if res.x is None:
            if res.status != 2 and out is not None:
                return out  # out of time: the last plan, for _strip
            return _Round(rounds, res, size=size)
        placements = pr.placements(pr.k, pr.g, res.x[: len(pr.k)])
        viol, after, _ = check_plan(
            pr.model, pr.vac, pr.groups, placements, siblings=settings.sibling_caps
        )
        out = _Round(rounds, res, placements, viol, after, size, (pr.k, pr.g))
        if (viol.empty or rounds - first >= settings.max_rounds
                or time.perf_counter() - t0 >= deadline):
            return out
        _tighten(pr, viol, res.x, cons)


def _resolve_near(pr: _Problem, last: _Round, c, integ, bounds, cons,
                  time_limit: float, gap: float, full_bound: float
                  ) -> _Result | None:
    """The next round of a large program, solved near the last plan.

    Only the variables in the buurten of the places that dropped, and those
    the last plan used, are free; every other one stays 0. The program is a
    restriction of the last full one (the cut loop only tightens caps and
    forbids variables), so that full program's LP optimum ``full_bound``
    remains a proven lower bound, and the gap reported against it a proven
    gap. A re-solve from scratch costs as much as the first (11–13 s on
    74,000 integer variables); this one a fraction. None when the restricted
    program has no solution (then the caller solves the whole program); a
    result without a plan when time ran out.
    """
    if last.variables is None or last.res is None or last.res.x is None:
        return None
    k0, g0 = last.variables
    n_g = len(pr.groups)
    was = dict(zip((k0 * n_g + g0).tolist(), last.res.x[: len(k0)].tolist(),
                   strict=True))
    prev = np.array([was.get(key, 0.0) for key in (pr.k * n_g + pr.g).tolist()])
    buurt = pr.class_places["buurt"].astype(str)
    region = np.zeros(pr.n_classes, dtype=bool)
    for lv, ids in last.violations.groupby("level")["place_id"]:
        hit = np.isin(pr.class_places[str(lv)].astype(str), ids.astype(str).to_numpy())
        region |= np.isin(buurt, np.unique(buurt[hit]))
    free = region[pr.k] | (prev > 0.5)
    lo, hi = bounds.lb.copy(), bounds.ub.copy()
    n_x = len(pr.k)
    hi[:n_x] = np.where(free, hi[:n_x], 0.0)
    res = _solve(c, integ, Bounds(lo, hi), cons, time_limit, 0.0, fallback=False)
    if res.x is None:
        # out of time: no second try (the caller keeps the last plan);
        # no solution near the last plan: the whole program
        return res if res.status != 2 else None
    fun = float(res.fun)
    bound = min(full_bound, fun)
    g = (fun - bound) / abs(fun) if fun else 0.0
    return _Result(0 if g <= gap + 1e-12 else 1, res.x, fun, bound, g)


def _strip(pr: _Problem, settings: PlanSettings, run: _Round) -> _Round:
    """Households out of the places that still drop, until none does.

    A quarter of a dropping place's placements (at least one) go back to
    the unplaced, from its largest rows first, and the plan is checked
    again. Fewer placements never lower a balance (indicators move only in
    the harmful direction, so headroom is monotone), so this ends, with a
    plan whose every receiving entrance, block and street keeps its class.
    """
    pl, viol, after = run.placements, run.violations, run.after
    at = {lv: pr.vac[lv].astype(str).to_numpy() for lv in CAP_LEVELS}
    while not viol.empty and len(pl):
        cnt = pl["count"].to_numpy(dtype=np.int64).copy()
        vac = pl["vacancy"].to_numpy()
        before = int(cnt.sum())
        for lv, ids in viol.groupby("level")["place_id"]:
            place = at[str(lv)][vac]  # each placement's place of this level
            for pid in np.unique(ids.astype(str).to_numpy()):
                rows = np.flatnonzero((place == pid) & (cnt > 0))
                n = int(np.ceil(0.25 * cnt[rows].sum()))
                for r in rows[np.argsort(-cnt[rows], kind="stable")]:
                    d = min(n, int(cnt[r]))
                    cnt[r] -= d
                    n -= d
                    if n == 0:
                        break
        if int(cnt.sum()) == before:  # pragma: no cover - every drop receives
            break
        pl = pl.assign(count=cnt)
        pl = pl[pl["count"] > 0].reset_index(drop=True)
        viol, after, _ = check_plan(
            pr.model, pr.vac, pr.groups, pl, siblings=settings.sibling_caps
        )
    return _Round(run.rounds, run.res, pl, viol, after, run.size)


def _largest_fit(pr: _Problem, settings: PlanSettings, t0: float, progress,
                 rounds: int) -> _Round | None:
    """The plan with the most households that fit, when not all of them do.

    Budgets are shared out for a target of ``T`` households instead of all
    ``N`` (at a quarter of ``area_slack``, as the last budgeted try), so the
    reservation every place makes for its buurt's and wijk's intake shrinks
    with ``T``; the program then places as many as it can, at most ``T``
    (the gemeente's budget). ``T`` is found by bisection: the largest one
    whose program places ``T`` (within the solver's gap), to within
    ``mip_rel_gap · N`` households or until half the time is used. The
    cut loop then tightens that plan's caps until 75 % of the time, and
    :func:`_strip` takes households out of the places that still drop. None
    when time runs out before any plan.
    """
    n = float(pr.count.sum())
    slack = settings.area_slack / 4
    tol = max(1.0, settings.mip_rel_gap * n)
    stop = 0.5 * settings.time_limit

    def placed_at(target: float) -> int:
        pr.recouple(slack, target)
        if not len(pr.k):
            return 0
        c, integ, bounds, cons, _ = pr.matrix(pr.k, pr.g, slack_groups=True)
        left = settings.time_limit - (time.perf_counter() - t0)
        res = _solve(c, integ, bounds, cons, left, settings.mip_rel_gap)
        return 0 if res.x is None else int(np.rint(res.x[: len(pr.k)]).sum())

    if progress is not None:
        progress(rounds, "zoeken hoeveel huishoudens er wel passen")
    got = placed_at(n)
    lo, hi = float(got), n
    best = (got, n)  # the most households placed, and the target that did it
    while hi - lo > tol and time.perf_counter() - t0 < stop:
        mid = float(np.floor((lo + hi) / 2))
        got = placed_at(mid)
        best = max(best, (got, mid))
        if got >= mid * (1 - settings.mip_rel_gap) - 0.5:
            lo = mid
        else:
            hi = mid
            lo = max(lo, float(got))
    pr.recouple(slack, best[1])
    run = _cut_loop(pr, settings, t0, progress, rounds, partial=True,
                    deadline=0.75 * settings.time_limit)
    if run.res.x is None:
        return None
    return _strip(pr, settings, run)


def optimise(
    model: PlacementModel,
    vacancies: pd.DataFrame,
    groups: Sequence[Group],
    population: Mapping[str, pd.DataFrame] | None = None,
    settings: PlanSettings | None = None,
    progress=None,
) -> Plan:
    """The advisor's plan (see the module docstring).

    ``population``: per level ``street`` and ``buurt`` a frame ``place_id``,
    ``need``, ``households`` (now); without it the objective is zero and any
    plan that meets the constraints is optimal. ``progress(round, text)``
    is called before every solve.

    Three phases, within ``time_limit`` together:

    1. every household placed, with budgets for the buurten' and wijken's
       intake at ``area_slack``, then a quarter and a sixteenth of it;
    2. if that program is infeasible at every slack: without budgets (only
       the exact check and the cut loop guard the parents), until 30 % of
       the time;
    3. if that gives no safe plan either: the largest plan that fits
       (:func:`_largest_fit`), and the better of the two (the most
       households placed, every receiving place keeping its class).

    A cut loop that runs out of rounds or time with places that still drop
    hands its last plan to :func:`_strip`: status ``partial``. A plan from
    phase 3 that leaves households out has status ``infeasible`` and says
    why in :attr:`Plan.messages`.
    """
    settings = settings or PlanSettings()
    t0 = time.perf_counter()
    pr = _Problem(model, vacancies, groups, population, settings)
    run = _cut_loop(pr, settings, t0, progress, 0)
    while run.refused and pr.slack is not None and pr.slack > 0.2:
        # the budgets or the places they leave out are too tight: a quarter
        # of the slack, twice
        pr.recouple(pr.slack / 4)
        run = _cut_loop(pr, settings, t0, progress, run.rounds)
    refused, slack = run.refused, pr.slack
    if refused:
        pr.recouple(None)
        run = _cut_loop(pr, settings, t0, progress, run.rounds,
                        deadline=0.3 * settings.time_limit)
        slack = None
        if run.res.x is None or len(run.violations):
            tries = []
            if run.res.x is not None:
                tries.append((_strip(pr, settings, run), None))
            fit = _largest_fit(pr, settings, t0, progress, run.rounds)
            if fit is not None:
                tries.append((fit, pr.slack))
            if tries:  # else no plan at all: out of time, below
                run, slack = max(tries,
                                 key=lambda t: int(t[0].placements["count"].sum()))
        else:
            refused = False  # without budgets everyone fits, safely
    if run.res.x is None:
        return Plan(
            "advies", _empty_placements(), pr.count.copy(), "time_limit",
            "tijdslimiet bereikt zonder een verdeling; geef meer tijd (--tijdslimiet)",
            rounds=run.rounds, seconds=time.perf_counter() - t0, size=run.size)
    cut = len(run.violations)
    if cut:  # rounds or time ran out with places that still drop
        run = _strip(pr, settings, run)
    placements, viol, res = run.placements, run.violations, run.res
    unplaced = pr.unplaced(placements)
    terms = plan_terms(pr, pr.groups, placements, population or {}, settings)
    bound = getattr(res, "mip_dual_bound", None)
    objective = float(res.fun)
    gap = float(getattr(res, "mip_gap", 0.0) or 0.0)
    placed, total = int(pr.count.sum() - unplaced.sum()), int(pr.count.sum())
    messages: list[str] = []
    if refused and unplaced.sum() > 0:
        status = "infeasible"
        text = (
            f"onhaalbaar: niet alle huishoudens passen binnen de eisen en de "
            f"grenzen; dit advies plaatst er {placed} van de {total}"
        )
        pr.recouple(None)  # why: with the caps alone, not the budgets
        left = settings.time_limit - (time.perf_counter() - t0)
        messages = diagnose(pr, settings, unplaced=unplaced, time_limit=left)
    elif unplaced.sum() > 0:
        status = "partial"
        text = (
            f"na {run.rounds} rondes zakten nog {cut} plaatsen een klasse; daar "
            f"zijn huishoudens teruggenomen: dit advies plaatst er {placed} van "
            f"de {total} zonder dat een plaats zakt"
        )
    else:
        status, text = _status(res, settings.mip_rel_gap)
    if status in ("infeasible", "partial"):
        # the solver's objective counted other placements (or unplaced ones):
        # report the plan's own fairness terms
        objective, bound, gap = terms.get("objective", 0.0), None, None
    if not viol.empty:
        status = "caps_not_met"
        text = (
            f"na {run.rounds} rondes zakken nog {len(viol)} plaatsen een klasse; "
            "de verdeling is niet veilig"
        )
    better = None
    if status in ("optimal", "within_gap"):
        better = _safer_greedy(model, vacancies, groups, population, settings,
                               pr, objective)
    if better is not None:
        # the program's budgets are a restriction of what the exact check
        # allows: a safe greedy plan can be better; its bound is no bound here
        messages = [
            f"De gretige verdeling (doel {_num(better.objective)}) is veilig in de "
            f"exacte herberekening en beter dan het optimum van het programma met "
            f"budgetten voor de buurten en wijken (doel {_num(objective)}); die "
            "wordt geadviseerd."
        ]
        placements, viol = better.placements, better.violations
        unplaced = better.unplaced
        terms, objective, bound, gap = better.terms, better.objective, None, None
        status = "heuristic"
        text = ("gretig: beter dan het programma met budgetten en veilig in de "
                "exacte herberekening")
        run.after = better.after
    return Plan(
        "advies",
        placements,
        unplaced,
        status,
        text,
        objective=objective,
        bound=None if bound is None else float(bound),
        gap=gap,
        rounds=run.rounds,
        seconds=time.perf_counter() - t0,
        violations=viol,
        terms=terms,
        after=run.after,
        siblings=sibling_drops(model, pr.vac, placements, run.after),
        size=run.size,
        area_slack=slack,
        messages=messages,
    )


#: the greedy plan is tried beside the program's when its work (households
#: times the vacancy classes open to them) is at most this: about a second
_GREEDY_WORK = 2e7


def _safer_greedy(model, vacancies, groups, population, settings, pr: _Problem,
                  objective: float) -> Plan | None:
    """The greedy plan, when it is cheap, places everyone, keeps every
    place in its class (and, with ``sibling_caps``, every sibling) and has
    a lower objective than the program's optimum; else None.

    The program holds each buurt's and wijk's intake within a budget so that
    its linear caps stay valid (:meth:`_Problem._couple`); a plan beyond a
    budget can still pass the exact check, and on small cities the greedy one
    sometimes does, with a better objective (docs/allocation.md).
    """
    work = sum(int(g.count) * int(np.sum(pr.g == i)) for i, g in enumerate(pr.groups))
    if work > _GREEDY_WORK:
        return None
    g = greedy(model, vacancies, groups, population, settings)
    dropped = settings.sibling_caps and sum(g.siblings.values())
    safe = g.violations.empty and not dropped
    if g.unplaced.sum() == 0 and safe and g.objective < objective - 1e-9:
        return g
    return None


def _empty_placements() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "vacancy": pd.Series(dtype="int64"),
            "address_id": pd.Series(dtype=str),
            "group": pd.Series(dtype="int64"),
            "category": pd.Series(dtype=str),
            "urgent": pd.Series(dtype=bool),
            "count": pd.Series(dtype="int64"),
        }
    )


def _tighten(pr: _Problem, viol: pd.DataFrame, x: np.ndarray, cons) -> None:
    """A place that dropped gets a cap below its load (at least one household
    fewer, or a tenth of it); one that its ancestors' intake drops on its own
    (its own placements are less than half its load) takes nothing."""
    n_x = len(pr.k)
    xr = np.asarray(x, dtype="float64").copy()
    xr[:n_x] = np.rint(xr[:n_x])
    act = cons.A @ xr
    own_only = cons.A[:, :n_x] @ xr[:n_x]
    forbid = []
    for lv, (start, places) in pr.cap_index.items():
        bad = viol.loc[viol["level"] == lv, "place_id"].astype(str)
        if bad.empty:
            continue
        st = pr.model.levels[lv]
        pos = st.positions(bad.to_numpy(dtype=object))
        pos = pos[pos >= 0]
        if not len(places):  # no row of this level at all: none was expected to bind
            forbid.append((lv, pos))
            continue
        r = np.searchsorted(places, pos)
        ok = (r < len(places)) & (places[np.minimum(r, len(places) - 1)] == pos)
        if (~ok).any():  # no row: its caps were not expected to bind
            forbid.append((lv, pos[~ok]))
        pos, r = pos[ok], r[ok]
        load = act[start + r] + pr.const[lv][pos]
        own = own_only[start + r]
        has_vars = np.isin(pos, pr.cap_pos[lv][pr.k])
        weak = has_vars & ((own <= 0.5 * load) | (load <= 0))
        if weak.any():
            forbid.append((lv, pos[weak]))
        for p, ld in zip(pos[~weak], load[~weak], strict=True):
            on = (pr.cap_pos[lv][pr.k] == p) & (xr[:n_x] > 0)
            h = pr._h_of(lv, pr.k[on], pr.g[on])
            step = max(float(np.min(1.0 / np.maximum(h, 0.5))) if on.any() else 0.0,
                       0.1 * ld)
            pr.rhs[lv][p] = max(0.0, min(pr.rhs[lv][p], ld) - step + 1e-9)
    for lv, places in forbid:
        pr.forbid(lv, places)


# -- why a plan does not fit ---------------------------------------------------


def diagnose(pr: _Problem, settings: PlanSettings, unplaced: np.ndarray,
             time_limit: float | None = None) -> list[str]:
    """Dutch lines saying which requirements or caps keep households out.

    ``unplaced``: per group the households the plan left over (1.); then a
    relaxation with a slack per cap says which caps would have to yield
    (2.), in ``time_limit`` seconds (default the settings')."""
    lines: list[str] = []
    seconds = settings.time_limit if time_limit is None else max(time_limit, 2.0)
    units = pr.cap
    for i, g in enumerate(pr.groups):
        if unplaced[i] <= 0:
            continue
        fits = pr.all_g == i
        n_fit = int(units[pr.all_k[fits]].sum())
        text = f"{unplaced[i]} huishoudens {g.describe()} passen niet: "
        if n_fit == 0:
            lines.append(text + "geen enkele vrijkomende woning voldoet aan de eisen")
            continue
        text += f"{n_fit} geschikte woning{'en' if n_fit != 1 else ''}"
        parts, counted = [], np.zeros(fits.sum(), dtype=bool)
        for lv, forb in pr.forbidden_at.items():
            hit = forb[fits] & ~counted
            counted |= hit
            n = int(units[pr.all_k[fits][hit]].sum())
            if n:
                parts.append(f"{n} in {LEVEL_NL[lv][1]} zonder ruimte")
        if parts:
            text += ", waarvan " + ", ".join(parts)
        if int(units[pr.all_k[fits][~counted]].sum()) > 0:
            text += ("; de overige" if parts else "; die") + (
                " zijn nodig voor andere groepen of hun plaatsen zitten al aan hun "
                "grens"
            )
        lines.append(text)
    # 2. slack per cap, every household placed
    if not len(pr.all_k):
        return lines
    c, integ, bounds, cons, cols = pr.matrix(
        pr.all_k, pr.all_g, soft_caps=True, objective=False
    )
    res = _solve(c, integ, bounds, cons, seconds, 0.0)
    if res.x is None and res.status != 2:
        lines.append("welke grenzen zouden moeten wijken kon binnen de "
                     "tijdslimiet niet worden bepaald")
        return lines
    if res.x is None:
        lines.append(
            "ook zonder de grenzen van portieken, blokken en straten passen "
            "niet alle huishoudens: de eisen (gelijkvloers, oppervlakte, "
            "zorg in de buurt, gebied) laten te weinig woningen over"
        )
        return lines
    over = []
    for lv in CAP_LEVELS:
        if lv not in cols:
            continue
        start, n, _places = cols[lv]
        s = res.x[start : start + n]
        m = int((s > 1e-6).sum())
        if m:
            over.append(f"{m} {LEVEL_NL[lv][0] if m == 1 else LEVEL_NL[lv][1]}")
    if over:
        lines.append(
            "om iedereen te plaatsen zouden de grenzen moeten wijken van "
            + ", ".join(over)
            + " (hun klasse zou zakken)"
        )
    return lines


# -- baselines -----------------------------------------------------------------


def naive(
    model: PlacementModel,
    vacancies: pd.DataFrame,
    groups: Sequence[Group],
    seed: int = 1,
    population: Mapping[str, pd.DataFrame] | None = None,
    settings: PlanSettings | None = None,
) -> Plan:
    """First come, first served, as today's routes: headroom ignored.

    The groups in file order; each household takes the next vacancy (in a
    seeded random order of all vacancies) that meets its requirements and
    is still free.
    """
    settings = settings or PlanSettings()
    t0 = time.perf_counter()
    v = check_vacancies(vacancies)
    compat = compatible(v, groups)
    unit_row = np.repeat(np.arange(len(v)), v["count"].to_numpy())
    order = np.random.default_rng(seed).permutation(len(unit_row))
    unit_row = unit_row[order]
    free = np.ones(len(unit_row), dtype=bool)
    rows, gs = [], []
    for i, g in enumerate(groups):
        cand = np.flatnonzero(free & compat[unit_row, i])[: g.count]
        free[cand] = False
        rows.append(unit_row[cand])
        gs.append(np.full(len(cand), i))
    return _baseline(
        "naief",
        model,
        v,
        groups,
        rows,
        gs,
        population,
        settings,
        t0,
        "eerst komt, eerst maalt (zoals de routes nu werken)",
    )


def greedy(
    model: PlacementModel,
    vacancies: pd.DataFrame,
    groups: Sequence[Group],
    population: Mapping[str, pd.DataFrame] | None = None,
    settings: PlanSettings | None = None,
) -> Plan:
    """Respecting the caps, each household to the vacancy with the most room left.

    The groups in file order; the room of a class of vacancies is the
    smallest share of its entrance's, block's and street's cap still free
    after the placement. The caps are the optimiser's linear ones.
    """
    settings = settings or PlanSettings()
    t0 = time.perf_counter()
    pr = _Problem(model, vacancies, groups, population, settings)
    capr = pr.cap_rows(pr.k, pr.g)
    load = {lv: np.zeros(len(places)) for lv, (_, _, places) in capr.items()}
    rhs = {lv: pr.rhs[lv][places] for lv, (_, _, places) in capr.items()}
    left = pr.cap.astype("float64").copy()
    rows, gs = [], []
    for i, g in enumerate(pr.groups):
        sel = np.flatnonzero(pr.g == i)
        if not len(sel):
            continue
        kk = pr.k[sel]
        mine = {lv: (row[sel], coef[sel]) for lv, (row, coef, _) in capr.items()}
        for _ in range(int(g.count)):
            room = np.where(left[kk] > 0, np.inf, -np.inf)
            for lv, (r, cf) in mine.items():
                has = r >= 0
                free = np.full(len(sel), np.inf)
                free[has] = rhs[lv][r[has]] - load[lv][r[has]] - cf[has]
                room = np.minimum(room, free)
            best = int(np.argmax(room))
            if room[best] < -1e-9:
                break
            k = kk[best]
            left[k] -= 1
            for lv, (r, cf) in mine.items():
                if r[best] >= 0:
                    load[lv][r[best]] += cf[best]
            rows.append(np.array([k]))
            gs.append(np.array([i]))
    # classes back to vacancy rows
    kx = pd.DataFrame(
        {
            "k": np.concatenate(rows) if rows else np.zeros(0, np.int64),
            "g": np.concatenate(gs) if gs else np.zeros(0, np.int64),
        }
    )
    agg = kx.groupby(["k", "g"]).size().reset_index(name="x")
    placements = pr.placements(
        agg["k"].to_numpy(), agg["g"].to_numpy(), agg["x"].to_numpy()
    )
    return _finish(
        "gretig",
        model,
        pr.vac,
        pr.groups,
        placements,
        population,
        settings,
        t0,
        "gretig: de woning met de meeste ruimte eerst",
    )


def _baseline(method, model, v, groups, rows, gs, population, settings, t0, text):
    row = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    g = np.concatenate(gs) if gs else np.zeros(0, np.int64)
    f = pd.DataFrame({"vacancy": row.astype(np.int64), "group": g.astype(np.int64)})
    f = f.groupby(["vacancy", "group"], sort=True).size().rename("count").reset_index()
    f.insert(1, "address_id", v["address_id"].to_numpy()[f["vacancy"]])
    f["category"] = [groups[i].category.code for i in f["group"]]
    f["urgent"] = [bool(groups[i].urgent) for i in f["group"]]
    f = f[["vacancy", "address_id", "group", "category", "urgent", "count"]]
    return _finish(method, model, v, groups, f, population, settings, t0, text)


def _finish(method, model, v, groups, placements, population, settings, t0, text):
    viol, after, _ = check_plan(model, v, groups, placements)
    got = np.bincount(
        placements["group"].to_numpy(dtype=np.int64),
        weights=placements["count"].to_numpy(),
        minlength=len(groups),
    )
    unplaced = np.array([g.count for g in groups], dtype=np.int64) - got.astype(
        np.int64
    )
    terms = plan_terms(v, groups, placements, population or {}, settings)
    return Plan(
        method,
        placements,
        unplaced,
        "heuristic",
        text,
        objective=terms["objective"],
        seconds=time.perf_counter() - t0,
        violations=viol,
        terms=terms,
        after=after,
        siblings=sibling_drops(model, v, placements, after),
    )
