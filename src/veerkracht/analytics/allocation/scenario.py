"""Multi-year scenarios: turnover and placements under several policies.

**A scenario, not a forecast.** Each year, seeded, every dwelling of the
stock falls vacant with its turnover rate; a policy gives the year's
households with a support need (counts per category, as a plan lists them)
vacancies; the other vacancies go to households without a need (today's
regular routes). The placement model (:class:`PlacementModel.advanced`,
relief counted, turnover and long tenure held at the place's usual rate)
gives the places of the next year. Reported per policy and year: the
number of entrances, blocks and streets per balance class and the places
"onder druk" or worse. Nothing else changes in a scenario: no signals, no
initiatives, no one moves without a vacancy.

Policies (:data:`POLICIES`, defined once):

* ``routes`` — today's allocation routes: first come, first served, each
  household the next vacancy in random order, blind to the place;
* ``street_cap`` — the same, but no street gets more than ``cap_share``
  (default 20 %) of its year's vacancies for households with a need;
* ``advisor`` — the allocation advisor: vacancies chosen so that no
  entrance, block or street exceeds its headroom of that year (greedy on
  the year's headroom, most room first — the optimiser of :mod:`.plan`
  for one year at a time, where given as ``advisor``).

Households that find no vacancy under a policy are counted as
``unplaced`` (they wait, or go elsewhere): a policy that places fewer is
not hidden behind better classes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from veerkracht.analytics.allocation.categories import REGULAR, NeedCategory
from veerkracht.analytics.allocation.placement import CAP_LEVELS, PlacementModel
from veerkracht.analytics.places import LEVEL_COLUMNS

#: Policy code -> Dutch label.
POLICIES: dict[str, str] = {
    "routes": "huidige routes (wie eerst komt)",
    "street_cap": "plafond per straat",
    "advisor": "plaatsingsadviseur (binnen de ruimte)",
}
DEFAULT_YEARS = 3
DEFAULT_TURNOVER = 0.08
DEFAULT_CAP_SHARE = 0.20


class ScenarioError(ValueError):
    """A scenario that cannot be run (message in Dutch)."""


@dataclass(frozen=True)
class Demand:
    """Households with a support need to place in one year."""

    category: NeedCategory
    count: int
    urgent: bool = False


Policy = Callable[[PlacementModel, pd.DataFrame, list[Demand], np.random.Generator],
                  pd.DataFrame]


def _rows(addresses, cats, urgent) -> pd.DataFrame:
    return pd.DataFrame({"address_id": list(addresses), "category": list(cats),
                         "urgent": list(urgent), "count": 1.0})


def _queue(demand: list[Demand]) -> list[Demand]:
    """One entry per household, in the plan's order (first come)."""
    return [Demand(d.category, 1, d.urgent) for d in demand for _ in range(d.count)]


def policy_routes(model, vacancies, demand, rng) -> pd.DataFrame:
    order = rng.permutation(len(vacancies))
    queue = _queue(demand)[: len(order)]
    take = vacancies["address_id"].to_numpy()[order[: len(queue)]]
    return _rows(take, [q.category for q in queue], [q.urgent for q in queue])


def policy_street_cap(model, vacancies, demand, rng,
                      cap_share: float = DEFAULT_CAP_SHARE) -> pd.DataFrame:
    order = rng.permutation(len(vacancies))
    streets = vacancies["street_id"].astype(str).to_numpy()
    per_street = pd.Series(streets).value_counts()
    cap = np.floor(per_street * cap_share).to_dict()
    used: dict[str, int] = {}
    queue = _queue(demand)
    take, cats, urgent = [], [], []
    for i in order:
        if len(take) == len(queue):
            break
        s = streets[i]
        if used.get(s, 0) >= cap.get(s, 0):
            continue
        q = queue[len(take)]
        used[s] = used.get(s, 0) + 1
        take.append(vacancies["address_id"].iloc[i])
        cats.append(q.category)
        urgent.append(q.urgent)
    return _rows(take, cats, urgent)


def _greedy(model, vac, demand, rooms, pos) -> pd.DataFrame:
    """Each household the free vacancy whose places keep the most room."""
    load = {lv: np.zeros(len(model.levels[lv].ids)) for lv in pos}
    free = np.ones(len(vac), dtype=bool)
    take, got_cats, got_urgent = [], [], []
    for q in _queue(demand):
        slack_all = np.full(len(vac), np.inf)
        for lv, p in pos.items():
            h = rooms[(lv, q.category.code, q.urgent)]
            has = p >= 0
            safe = np.where(has, p, 0)
            hp = np.where(has, h[safe], np.inf)
            with np.errstate(divide="ignore", invalid="ignore"):
                step = np.where(hp > 0, 1.0 / hp, np.inf)
            slack = 1.0 - load[lv][safe] - step
            slack_all = np.minimum(slack_all, np.where(has, slack, np.inf))
        ok = free & (slack_all >= -1e-9)
        if not ok.any():
            continue
        cand = np.flatnonzero(ok)
        best = int(cand[np.argmax(slack_all[cand])])
        free[best] = False
        for lv, p in pos.items():
            if p[best] >= 0:
                h = rooms[(lv, q.category.code, q.urgent)][p[best]]
                load[lv][p[best]] += 1.0 / h if h > 0 else np.inf
        take.append(vac["address_id"].iloc[best])
        got_cats.append(q.category)
        got_urgent.append(q.urgent)
    return _rows(take, got_cats, got_urgent)


def policy_advisor(model, vacancies, demand, rng, rounds: int = 6) -> pd.DataFrame:
    """Within every entrance's, block's and street's headroom of the year:
    each household the vacancy whose places have the most room left (ties
    at random), the room counted down as it goes (sum of x_c / h_c <= 1 per
    place, as the optimiser's caps). The plan is then checked with the full
    recomputation; a place that receives placements and still drops (a mix
    of categories, or its parent filling up around it) gets a tighter cap
    and the year is placed again (at most ``rounds`` times)."""
    order = rng.permutation(len(vacancies))
    vac = vacancies.iloc[order].reset_index(drop=True)
    rooms: dict[tuple[str, str, bool], np.ndarray] = {}
    pos: dict[str, np.ndarray] = {}
    for lv in CAP_LEVELS:
        if lv not in model.levels:
            continue
        pos[lv] = model.levels[lv].positions(
            vac[LEVEL_COLUMNS[lv]].astype(object).to_numpy())
        for d in demand:
            key = (lv, d.category.code, d.urgent)
            if key not in rooms:
                h = model.headroom(lv, d.category, d.urgent)["headroom"].to_numpy()
                rooms[key] = np.nan_to_num(h, nan=0.0)
    placed = _greedy(model, vac, demand, rooms, pos)
    for _ in range(rounds):
        dropped = _dropped(model, placed)
        if not dropped:
            break
        for (lv, p), got in dropped.items():
            for key in rooms:
                if key[0] == lv:
                    rooms[key][p] = max(np.floor(rooms[key][p] * max(got - 1, 0)
                                                 / max(got, 1)), 0.0)
        placed = _greedy(model, vac, demand, rooms, pos)
    return placed


def _dropped(model: PlacementModel, placed: pd.DataFrame) -> dict[tuple[str, int], int]:
    """Places that receive placements and whose class drops: (level, pos) ->
    the number they received."""
    if placed.empty:
        return {}
    after = model.apply(placed)
    out = {}
    for lv in CAP_LEVELS:
        st = model.levels.get(lv)
        if st is None:
            continue
        p = st.positions(model.dwellings.loc[placed["address_id"].astype(str),
                                             LEVEL_COLUMNS[lv]].astype(object)
                         .to_numpy())
        got = np.bincount(p[p >= 0], minlength=len(st.ids))
        bad = np.flatnonzero((got > 0) & (after[lv].cls > st.cls) & (st.cls >= 0))
        out.update({(lv, int(b)): int(got[b]) for b in bad})
    return out


RUNNERS: dict[str, Policy] = {"routes": policy_routes, "street_cap": policy_street_cap,
                              "advisor": policy_advisor}


def vacancies_of_year(stock: pd.DataFrame, dwellings: pd.DataFrame,
                      rng: np.random.Generator) -> pd.DataFrame:
    """The year's vacancies: each stock dwelling with its ``turnover`` rate."""
    hit = rng.random(len(stock)) < stock["turnover"].to_numpy(dtype="float64")
    ids = stock["address_id"].astype(str).to_numpy()[hit]
    cols = ["address_id", *[LEVEL_COLUMNS[lv] for lv in CAP_LEVELS]]
    dw = dwellings[[c for c in cols if c in dwellings.columns]]
    return dw[dw["address_id"].astype(str).isin(ids)].reset_index(drop=True)


def _class_table(model: PlacementModel, policy: str, year: int,
                 placed: int, unplaced: int,
                 counted: Mapping[str, np.ndarray] | None = None) -> list[dict]:
    names = model.spec.class_names
    worse = names.index("onder druk") if "onder druk" in names else len(names) - 2
    rows = []
    for lv in CAP_LEVELS:
        st = model.levels.get(lv)
        if st is None:
            continue
        shown = st.n_dwellings >= 5
        if counted is not None and lv in counted:
            shown = shown & counted[lv]
        counts = np.bincount(st.cls[shown & (st.cls >= 0)], minlength=len(names))
        row = {"policy": policy, "policy_label": POLICIES[policy], "year": year,
               "level": lv, "placed": placed, "unplaced": unplaced,
               "under_pressure": int(counts[worse:].sum())}
        row.update({f"n_{name}": int(c) for name, c in zip(names, counts,
                                                              strict=True)})
        rows.append(row)
    return rows


def simulate(model: PlacementModel, stock: pd.DataFrame,
             demand: list[Demand], years: int = DEFAULT_YEARS,
             policies: tuple[str, ...] = tuple(POLICIES), seed: int = 0,
             runners: Mapping[str, Policy] | None = None,
             progress: Callable | None = None,
             counted: Mapping[str, np.ndarray] | None = None) -> pd.DataFrame:
    """Classes per policy and year (year 0: now); marked ``scenario``.

    ``stock``: ``address_id`` and ``turnover`` (yearly rate, 0..1) of the
    dwellings that can fall vacant. ``demand``: the households to place
    *each* year. The same seed gives every policy the same vacancies in the
    same year (common random numbers), so the policies differ only by how
    they place. ``counted``: per level a mask of the places whose classes
    are counted (the publication door's public places; default all places
    of 5 dwellings or more).
    """
    if years < 1 or years > 10:
        raise ScenarioError("een scenario loopt 1 tot 10 jaar")
    unknown = [p for p in policies if p not in POLICIES]
    if unknown:
        raise ScenarioError(f"onbekend beleid {', '.join(unknown)}; kies uit: "
                            + ", ".join(POLICIES))
    if stock.empty:
        raise ScenarioError("er is geen woningvoorraad om vrij te laten komen")
    bad = (stock["turnover"] < 0) | (stock["turnover"] > 1)
    if bad.any():
        raise ScenarioError("de verhuisgraad moet tussen 0 en 1 liggen")
    runners = {**RUNNERS, **(runners or {})}
    dwellings = model.dwellings.reset_index(drop=True)
    rows = []
    for policy in policies:
        rows += _class_table(model, policy, 0, 0, 0, counted)
    for policy in policies:
        current = model
        for year in range(1, years + 1):
            rng = np.random.default_rng([seed, year])
            vac = vacancies_of_year(stock, dwellings, rng)
            placed = runners[policy](current, vac, demand, np.random.default_rng(
                [seed, year, 1]))
            rest = vac[~vac["address_id"].isin(set(placed["address_id"]))]
            regular = _rows(rest["address_id"], [REGULAR] * len(rest),
                            [False] * len(rest))
            everyone = pd.concat([placed, regular], ignore_index=True)
            n_demand = sum(d.count for d in demand)
            current = current.advanced(everyone) if len(everyone) else current
            rows += _class_table(current, policy, year, len(placed),
                                 n_demand - len(placed), counted)
            if progress is not None:
                progress(1)
    out = pd.DataFrame(rows)
    out.insert(0, "scenario", True)
    out["seed"] = seed
    return out
