"""Headroom, what-if placements and plans on a workspace (docs/allocation.md).

Reads the protected results of one period, the dwellings and the model file
they were computed with, and hands out only what passes the publication
door: a place's headroom or a placement's effect is shown only where the
door publishes the place's figures (:func:`veerkracht.jobs.publish.published_places`,
visibility ``'public'``); elsewhere the row says ``'suppressed'`` and holds
no number. Results computed on exact statistics are refused, as everywhere.

Entry points registered with :func:`veerkracht.analytics.publication.door`:

* :func:`published_headroom` — headroom of every place of a level, per
  need category;
* :func:`published_effect` — what one placement at an address does to its
  entrance, block and street.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import numpy as np
import pandas as pd

from veerkracht.analytics.allocation.categories import category
from veerkracht.analytics.allocation.placement import (
    CAP_LEVELS,
    PlacementError,
    PlacementModel,
)
from veerkracht.analytics.publication import door
from veerkracht.jobs import publish
from veerkracht.jobs.publish import PublishError
from veerkracht.store import Workspace

__all__ = ["PLAN_OUTPUTS", "AllocationError", "example_plan_text", "find_address",
           "parse_demand", "placement_model", "plan_outputs", "plan_vacancy_lines",
           "published_effect", "published_headroom", "published_plan",
           "published_scenario", "read_plan_file", "run_plan", "spec_for"]

#: Figures of a headroom or effect row that the door withholds where a
#: place is not public.
HEADROOM_FIGURES = ("headroom", "headroom_lo", "headroom_hi", "limited")
EFFECT_FIGURES = ("pressure_before", "pressure_after", "balance_before",
                  "balance_after", "class_before", "class_after",
                  "headroom_before", "headroom_after")


class AllocationError(Exception):
    """A headroom, what-if or plan request that cannot be answered (Dutch).

    ``rows``: where a file was refused, every rejected row with its line in
    the file (:class:`veerkracht.io.validation.RejectedRow`), so a page can
    list them all; the message holds the first ones, as the CLI prints them.
    """

    def __init__(self, message: str, rows=()):
        super().__init__(message)
        self.rows = list(rows)


def _rejected(exc) -> AllocationError:
    return AllocationError(str(exc), rows=exc.rows)


_CACHE: dict[tuple, PlacementModel] = {}
_LOCK = threading.Lock()


def spec_for(rows: pd.DataFrame, model_path: str | Path | None = None):
    """The model file the rows were computed with: ``model_path`` or a shipped one.

    Raises :class:`AllocationError` when no file with the rows' hash is found.
    """
    from veerkracht.io.model_file import (
        DEFAULT_MODEL,
        MODEL_1,
        ModelError,
        load_model,
        shipped_model_path,
    )

    want = str(rows["model_hash"].iloc[0])
    paths = ([model_path] if model_path is not None
             else [shipped_model_path(n) for n in (DEFAULT_MODEL, MODEL_1)])
    for path in paths:
        try:
            spec = load_model(path)
        except (ModelError, OSError) as exc:
            if model_path is not None:
                raise AllocationError(f"modelbestand {model_path}: {exc}") from None
            continue
        if spec.hash == want:
            return spec
    raise AllocationError(
        "de resultaten zijn berekend met een modelbestand dat hier niet is "
        f"(hash {want}); geef het mee met --model")


def _rows(ws: Workspace, period: str | None) -> pd.DataFrame:
    if not ws.has("results"):
        raise AllocationError("er zijn nog geen resultaten; voer eerst "
                              "'veerkracht compute' uit")
    res = ws.read("results")
    for col in ("level", "period", "model_name", "model_version", "computed_at"):
        res[col] = res[col].astype("str")
    if period is None:
        period = str(res.loc[res["period_end"] == res["period_end"].max(),
                             "period"].iloc[0])
    res = res[res["period"] == str(period)]
    if res.empty:
        raise AllocationError(f"er zijn geen resultaten voor periode {period}")
    latest = res.sort_values("computed_at").iloc[-1]
    res = res[(res["model_name"] == latest["model_name"])
              & (res["model_version"] == latest["model_version"])]
    try:
        publish._require_protected(res)
    except PublishError as exc:
        raise AllocationError(str(exc)) from None
    other = [c for c in res.columns if c.startswith(("p_", "ind_", "count_"))
             and res[c].isna().all()]
    return res.drop(columns=other).reset_index(drop=True)


def placement_model(ws: Workspace, period: str | None = None,
                    model_path: str | Path | None = None) -> PlacementModel:
    """The placement model of a computed period (cached per table versions)."""
    versions = tuple(t.version for t in ws.tables()
                     if t.name in ("results", "dwellings"))
    key = (str(ws.location), versions, period,
           None if model_path is None else str(model_path))
    with _LOCK:
        if key in _CACHE:
            return _CACHE[key]
    rows = _rows(ws, period)
    spec = spec_for(rows, model_path)
    dwellings = ws.read("dwellings", columns=[
        c for c in ws.columns("dwellings") if c != "geometry"])
    noise = _noise_sd(ws, str(rows["period"].iloc[0]))
    try:
        model = PlacementModel(spec, rows, dwellings, noise)
    except PlacementError as exc:
        raise AllocationError(str(exc)) from None
    with _LOCK:
        if len(_CACHE) > 8:
            _CACHE.clear()
        _CACHE[key] = model
    return model


_ADDRESS = re.compile(
    r"^\s*(?P<pc>\d{4}\s*[A-Za-z]{2})[\s-]*(?P<nr>\d+)[\s-]*(?P<suffix>[\w -]*?)\s*$")


def find_address(ws: Workspace, text: str) -> str:
    """The dwelling's ``address_id`` for an ``address_id`` or an address as
    people write it: ``9990AA 11 A``, ``9990 AA 11-A``, ``9990AA-11``.

    The letter and the toevoeging are matched together (``A``, ``2``,
    ``A-2``, ``H``). Raises :class:`AllocationError` in Dutch, listing the
    choices where the number exists with other suffixes.
    """
    text = str(text or "").strip()
    dw = ws.read("dwellings", columns=["address_id"])["address_id"].astype(str)
    if text in set(dw):
        return text
    m = _ADDRESS.match(text)
    if not m:
        raise AllocationError(f"{text!r} is geen adres: schrijf postcode, huisnummer "
                              "en toevoeging, bijvoorbeeld '9990AA 11 A'")
    pc = m["pc"].replace(" ", "").upper()
    number = int(m["nr"])
    want = re.sub(r"[\s-]+", "", m["suffix"] or "").upper()
    adr = ws.read("addresses", columns=["address_id", "postcode", "huisnummer",
                                        "huisletter", "toevoeging"])
    hit = adr[(adr["postcode"].astype(str).str.upper() == pc)
              & (pd.to_numeric(adr["huisnummer"], errors="coerce") == number)]
    if hit.empty:
        raise AllocationError(f"het adres {pc} {number} bestaat niet in de "
                              "adressenlijst")
    suffix = (hit["huisletter"].fillna("").astype(str)
              + hit["toevoeging"].fillna("").astype(str)).str.replace(
        r"[\s-]+", "", regex=True).str.upper()
    found = hit[suffix == want]
    if found.empty:
        choices = ", ".join(sorted(s or "(geen)" for s in set(suffix)))
        raise AllocationError(f"bij {pc} {number} bestaat de toevoeging "
                              f"{want or '(geen)'!r} niet; kies uit: {choices}")
    address_id = str(found["address_id"].iloc[0])
    if address_id not in set(dw):
        shown = f"{pc} {number}" + (f" {want}" if want else "")
        raise AllocationError(f"{shown} is geen woning (geen woonfunctie)")
    return address_id


def _noise_sd(ws: Workspace, period: str) -> dict | None:
    """The noise sd of the period's stored protected statistics (no new draw)."""
    from veerkracht.jobs.protect import ledger, protected_statistics

    if not len(ledger(ws).for_period(period)):
        return None
    _, sd, _ = protected_statistics(ws, period)
    return sd


def _visibility(ws: Workspace, level: str, period: str, audience: str
                ) -> pd.Series:
    pub_rows = publish.published_places(ws, level, period, audience=audience)
    return pub_rows.set_index("place_id")["visibility"].astype(str)


def _category(code: str):
    try:
        return category(code)
    except ValueError as exc:
        raise AllocationError(str(exc)) from None


@door
def published_headroom(ws: Workspace, level: str, category_code: str,
                       urgent: bool = False, period: str | None = None,
                       audience: str = "public") -> pd.DataFrame:
    """Headroom of every published place of ``level`` for one need category.

    Columns: ``level``, ``place_id``, ``category``, ``visibility`` and, where
    the door publishes the place (``'public'``), ``balance_class``,
    ``headroom``, ``headroom_lo``, ``headroom_hi`` and ``limited``. A
    ``band_only`` place (for the assigned) gets no headroom: a headroom is a
    figure. Places the door leaves out (under 5 dwellings) are absent.
    """
    if level not in CAP_LEVELS + ("building", "buurt", "wijk", "gemeente"):
        raise AllocationError(f"onbekend niveau {level!r}")
    cat = _category(category_code)
    model = placement_model(ws, period)
    if level not in model.levels:
        raise AllocationError(f"niveau {level} is niet berekend")
    room = model.headroom(level, cat, urgent)
    vis = _visibility(ws, level, model.period, audience)
    room = room[room["place_id"].isin(vis.index)].reset_index(drop=True)
    room.insert(3, "visibility", vis.reindex(room["place_id"]).to_numpy())
    hidden = room["visibility"] != "public"
    for col in (*HEADROOM_FIGURES, "balance_class"):
        room[col] = room[col].astype(object).where(~hidden, None)
    room = room.drop(columns=["n_households"])
    for col in ("headroom", "headroom_lo", "headroom_hi", "n_dwellings"):
        room[col] = pd.array(pd.to_numeric(room[col]), dtype="Int64")
    room["limited"] = pd.array(room["limited"], dtype="boolean")
    room["period"] = model.period
    return room


@door
def published_effect(ws: Workspace, address_id: str, category_code: str,
                     urgent: bool = False, period: str | None = None,
                     audience: str = "public") -> pd.DataFrame:
    """What one placement of ``category_code`` at ``address_id`` does.

    One row per level of its entrance, block and street (those computed and
    not under 5 dwellings), with ``visibility``; the before/after figures
    only where the door publishes that place.
    """
    cat = _category(category_code)
    model = placement_model(ws, period)
    try:
        eff = model.effect(address_id, cat, urgent)
    except PlacementError as exc:
        raise AllocationError(str(exc)) from None
    if eff.empty:
        return eff
    vis = pd.concat([_visibility(ws, lv, model.period, audience).rename(lv)
                     .to_frame("visibility").assign(level=lv)
                     for lv in eff["level"].unique()])
    key = vis.reset_index().set_index(["level", "place_id"])["visibility"]
    got = key.reindex(pd.MultiIndex.from_frame(eff[["level", "place_id"]]))
    eff = eff[got.notna().to_numpy()].reset_index(drop=True)
    eff.insert(2, "visibility", got.dropna().to_numpy())
    hidden = eff["visibility"] != "public"
    for col in EFFECT_FIGURES:
        eff[col] = eff[col].astype(object).where(~hidden, None)
    eff = eff.drop(columns=["n_households"])
    eff["n_dwellings"] = np.where(hidden, None, eff["n_dwellings"])
    eff["category"] = cat.code
    eff["period"] = model.period
    return eff


def parse_demand(text: str) -> list:
    """``zorg=40,uitstroom=30,uitstroom+urgent=5`` -> the year's demand."""
    from veerkracht.analytics.allocation.scenario import Demand

    out = []
    for part in [p.strip() for p in str(text or "").split(",") if p.strip()]:
        code, sep, number = part.partition("=")
        if not sep:
            raise AllocationError(f"'{part}': schrijf categorie=aantal, bijvoorbeeld "
                                  "zorg=40")
        urgent = code.strip().endswith("+urgent")
        code = code.strip().removesuffix("+urgent")
        try:
            count = int(number)
        except ValueError:
            raise AllocationError(f"'{part}': het aantal moet een geheel getal "
                                  "zijn") from None
        if count < 0:
            raise AllocationError(f"'{part}': een aantal kan niet negatief zijn")
        out.append(Demand(_category(code), count, urgent))
    if not out:
        raise AllocationError("geef aan wie er elk jaar geplaatst wordt, "
                              "bijvoorbeeld --demand zorg=40,uitstroom=30")
    return out


def scenario_stock(ws: Workspace, turnover: float,
                   corporation: str | None = None) -> pd.DataFrame:
    """The dwellings that can fall vacant: the ``stock`` table (or every
    dwelling without one), each with the same yearly ``turnover``."""
    if not 0 < turnover <= 1:
        raise AllocationError("de verhuisgraad ligt tussen 0 en 1, bijvoorbeeld 0,08")
    if ws.has("stock"):
        stock = ws.read("stock", columns=["address_id", "corporatie"])
        if corporation:
            stock = stock[stock["corporatie"].astype(str) == corporation]
            if stock.empty:
                names = ", ".join(sorted(ws.read("stock", columns=["corporatie"])
                                         ["corporatie"].dropna().astype(str).unique()))
                raise AllocationError(f"corporatie {corporation!r} heeft geen "
                                      f"woningen in de voorraad; kies uit: {names}")
    elif corporation:
        raise AllocationError("deze werkmap heeft geen woningvoorraad (stock); "
                              "laat --corporation weg")
    else:
        stock = ws.read("dwellings", columns=["address_id"])
    return pd.DataFrame({"address_id": stock["address_id"].astype(str),
                         "turnover": float(turnover)})


@door
def published_scenario(ws: Workspace, demand: list, years: int = 3,
                       policies: tuple[str, ...] | None = None, seed: int = 0,
                       turnover: float = 0.08, corporation: str | None = None,
                       period: str | None = None, progress=None) -> pd.DataFrame:
    """A seeded multi-year scenario: per policy, year and level the number of
    places per balance class, counted over the places the door publishes
    (``'public'``) only; marked ``scenario``. No place is named."""
    from veerkracht.analytics.allocation import scenario

    model = placement_model(ws, period)
    counted = {}
    for lv in CAP_LEVELS:
        if lv in model.levels:
            vis = _visibility(ws, lv, model.period, "public")
            public = set(vis.index[vis == "public"])
            counted[lv] = np.array([i in public for i in model.levels[lv].ids])
    stock = scenario_stock(ws, turnover, corporation)
    try:
        out = scenario.simulate(model, stock, demand, years,
                                tuple(policies or scenario.POLICIES), seed,
                                progress=progress, counted=counted)
    except scenario.ScenarioError as exc:
        raise AllocationError(str(exc)) from None
    out["period"] = model.period
    return out
# -- a year's plan -------------------------------------------------------------

PLAN_LEVELS = ("entrance", "block", "street")


class PlanRun:
    """What :func:`run_plan` computed (internal: not for output as it is)."""

    def __init__(self, **kw):
        self.__dict__.update(kw)


def _largest_remainder(x: np.ndarray) -> np.ndarray:
    """Whole numbers with the same rounded total: floors, then the largest
    remainders get one more (ties by order)."""
    base = np.floor(x)
    extra = int(round(float(x.sum()))) - int(base.sum())
    order = np.argsort(-(x - base), kind="stable")
    base[order[: max(extra, 0)]] += 1
    return base.astype(np.int64)


def _care_distance(ws: Workspace, xy: np.ndarray) -> np.ndarray:
    """Metres from each point to the nearest care point or professional presence."""
    from scipy.spatial import cKDTree

    pts = []
    if ws.has("amenities"):
        am = ws.read("amenities")
        am = am.assign(x=am.geometry.x, y=am.geometry.y)
        am = am[am["kind"].astype(str) == "care_point"]
        pts.append(am[["x", "y"]].to_numpy(dtype="float64"))
    if ws.has("professionals"):
        pr = ws.read("professionals")
        pr = pr[pr["ended"].isna()] if "ended" in pr else pr
        pts.append(np.column_stack([pr.geometry.x, pr.geometry.y]))
    pts = [p for p in pts if len(p)]
    if not pts:
        return np.full(len(xy), np.nan)
    tree = cKDTree(np.vstack(pts))
    d, _ = tree.query(xy)
    return d


def plan_vacancies(ws: Workspace, plan) -> pd.DataFrame:
    """The plan's vacancies as the optimiser reads them, with ``line`` and ``soort``."""
    from veerkracht.io.plan import resolve_addresses

    dw = ws.read("dwellings")
    dwp = dw.set_index(dw["address_id"].astype(str))
    parts = []
    if len(plan.woningen):
        ids = resolve_addresses(
            plan,
            ws.read(
                "addresses",
                columns=[
                    "address_id",
                    "postcode",
                    "huisnummer",
                    "huisletter",
                    "toevoeging",
                ],
            ),
            dw,
        )
        w = plan.woningen
        parts.append(
            pd.DataFrame(
                {
                    "line": w["line"].to_numpy(),
                    "soort": "woning",
                    "address_id": ids.to_numpy(),
                    "count": w["aantal"].to_numpy(),
                    "ground_floor": w["gelijkvloers"].to_numpy(),
                    "area_m2": w["oppervlakte_m2"].to_numpy(),
                }
            )
        )
    if len(plan.voorraad):
        if not ws.has("stock"):
            raise AllocationError(
                "het plan noemt de voorraad, maar de werkmap heeft "
                "geen voorraad van een corporatie ('import stock')"
            )
        stock = ws.read("stock", columns=["address_id", "corporatie"])
        stock = stock[stock["address_id"].astype(str).isin(dwp.index)]
        for _, r in plan.voorraad.iterrows():
            s = stock[stock["corporatie"].notna()]
            if pd.notna(r["corporatie"]):
                s = s[
                    s["corporatie"].astype(str).str.lower()
                    == str(r["corporatie"]).lower()
                ]
                if s.empty:
                    raise AllocationError(
                        f"regel {r['line']}: corporatie "
                        f"{r['corporatie']!r} heeft geen voorraad in "
                        "de werkmap"
                    )
            ent = dwp.loc[s["address_id"].astype(str), "entrance_id"].astype(str)
            per = (
                pd.DataFrame(
                    {
                        "entrance": ent.to_numpy(),
                        "address_id": s["address_id"].astype(str).to_numpy(),
                    }
                )
                .groupby("entrance")
                .agg(n=("address_id", "size"), address_id=("address_id", "min"))
            )
            per["count"] = _largest_remainder(per["n"].to_numpy() * r["verhuisgraad"])
            per = per[per["count"] > 0]
            parts.append(
                pd.DataFrame(
                    {
                        "line": r["line"],
                        "soort": "voorraad",
                        "address_id": per["address_id"].to_numpy(),
                        "count": per["count"].to_numpy(),
                        "ground_floor": False,
                        "area_m2": np.nan,
                    }
                )
            )
    vac = pd.concat(parts, ignore_index=True)
    at = dwp.loc[vac["address_id"]]
    vac["care_m"] = _care_distance(ws, np.column_stack([at.geometry.x, at.geometry.y]))
    for lv, col in (
        ("entrance", "entrance_id"),
        ("block", "block_id"),
        ("street", "street_id"),
        ("buurt", "buurtcode"),
        ("wijk", "wijkcode"),
    ):
        vac[lv] = at[col].astype(object).to_numpy()
    vac["building"] = at["building_id"].astype(object).to_numpy()
    return vac


def _population(ws: Workspace, period: str) -> dict[str, pd.DataFrame]:
    from veerkracht.jobs.protect import PROTECTED_TABLE

    if not ws.has(PROTECTED_TABLE):
        return {}
    ps = ws.read(PROTECTED_TABLE)
    ps = ps[ps["period"].astype(str) == str(period)]
    out = {}
    for lv in ("entrance", "block", "street", "buurt"):
        f = ps[ps["level"].astype(str) == lv]
        out[lv] = pd.DataFrame(
            {
                "place_id": f["place_id"].astype(str).to_numpy(),
                "need": (f["needs_1"] + f["needs_2p"])
                .clip(lower=0)
                .to_numpy(dtype="float64"),
                "households": f["n_households"].clip(lower=0).to_numpy(dtype="float64"),
            }
        )
    return out


def _read_plan_input(plan_path_or_frame):
    import tempfile

    from veerkracht.io.plan import PlanFile, read_plan

    if isinstance(plan_path_or_frame, PlanFile):
        return plan_path_or_frame
    if isinstance(plan_path_or_frame, pd.DataFrame):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "plan.csv"
            plan_path_or_frame.to_csv(path, sep=";", index=False)
            return read_plan(path)
    return read_plan(plan_path_or_frame)


def _states(model, pop, vac, plans) -> dict:
    from veerkracht.analytics.allocation import fairness

    states = {"huidig": {}}
    for lv, f in pop.items():
        cur = f.copy()
        if lv in model.levels:
            pos = model.levels[lv].positions(cur["place_id"].to_numpy(dtype=object))
            cur["cls"] = np.where(
                pos >= 0, model.levels[lv].cls[np.maximum(pos, 0)], -1
            )
        states["huidig"][lv] = cur
    for name, p in plans.items():
        states[name] = {}
        need = np.array([1.0 if g.category.n_needs else 0.0 for g in p.groups])
        pl = p.plan.placements
        for lv, f in pop.items():
            ids = vac[lv].astype(str)
            placed = pd.Series(
                need[pl["group"].to_numpy()] * pl["count"].to_numpy(),
                index=ids.to_numpy()[pl["vacancy"].to_numpy()],
            )
            after = fairness.after_counts(
                f, pd.Series(vac["count"].to_numpy(), index=ids.to_numpy()), placed
            )
            if lv in model.levels and p.plan.after is not None:
                pos = model.levels[lv].positions(
                    after["place_id"].to_numpy(dtype=object)
                )
                after["cls"] = np.where(
                    pos >= 0, p.plan.after[lv].cls[np.maximum(pos, 0)], -1
                )
            states[name][lv] = after
    return states


def run_plan(
    ws: Workspace,
    plan_path_or_frame,
    period: str | None = None,
    time_limit: float = 30.0,
    seed: int = 1,
    progress=None,
) -> PlanRun:
    """Read a plan, solve it, and compare it with the naive baseline.

    Internal: the result holds the model's own numbers (headroom, classes of
    every place); what may leave goes through :func:`published_plan`.
    """
    import time as _time

    from veerkracht.analytics.allocation import fairness
    from veerkracht.analytics.allocation import plan as core
    from veerkracht.io.validation import ImportRejected

    t0 = _time.perf_counter()
    try:
        plan = _read_plan_input(plan_path_or_frame)
    except ImportRejected as exc:
        raise _rejected(exc) from None
    model = placement_model(ws, period)
    try:
        vac = plan_vacancies(ws, plan)
    except ImportRejected as exc:
        raise _rejected(exc) from None
    pop = _population(ws, model.period)
    settings = core.PlanSettings(time_limit=float(time_limit))
    try:
        advice = core.optimise(
            model, vac, plan.groups, pop, settings, progress=progress
        )
        base = core.naive(
            model, vac, plan.groups, seed=seed, population=pop, settings=settings
        )
    except core.PlanError as exc:
        raise AllocationError(str(exc)) from None
    wrap = {
        "advies": PlanRun(plan=advice, groups=plan.groups),
        "naief": PlanRun(plan=base, groups=plan.groups),
    }
    states = _states(model, pop, vac, wrap)
    worst_from = list(model.spec.class_names).index(core.UNDER_PRESSURE)
    table = fairness.fairness_table(states, worst_from, settings.min_street_households)
    curve = fairness.lorenz_table(states)
    return PlanRun(
        period=model.period,
        model=model,
        plan=plan,
        vacancies=vac,
        groups=plan.groups,
        advice=advice,
        naive=base,
        fairness=table,
        lorenz=curve,
        settings=settings,
        seconds=_time.perf_counter() - t0,
    )


def _report_place(model, vac: pd.DataFrame, rules_band_min: int) -> pd.DataFrame:
    """Per vacancy row the place each level reports it at (under 5 dwellings:
    the building, else the street)."""
    out = {}
    sizes = {
        lv: pd.Series(st.n_dwellings, index=st.ids.astype(str))
        for lv, st in model.levels.items()
    }

    def big(lv, ids):
        return (
            sizes.get(lv, pd.Series(dtype=float)).reindex(ids).fillna(0).to_numpy()
            >= rules_band_min
        )

    ent, bld, blk, st = (
        vac[c].astype(str).to_numpy()
        for c in ("entrance", "building", "block", "street")
    )
    e_ok, b_ok, k_ok = big("entrance", ent), big("building", bld), big("block", blk)
    out["entrance"] = [
        ("entrance", e) if eo else (("building", b) if bo else ("street", s))
        for e, b, s, eo, bo in zip(ent, bld, st, e_ok, b_ok, strict=True)
    ]
    out["block"] = [
        ("block", k) if ko else ("street", s)
        for k, s, ko in zip(blk, st, k_ok, strict=True)
    ]
    out["street"] = [("street", s) for s in st]
    return out


@door
def published_plan(
    ws: Workspace,
    plan_path_or_frame,
    period: str | None = None,
    time_limit: float = 30.0,
    seed: int = 1,
    audience: str = "public",
    progress=None,
) -> dict:
    """The advice of a plan as it may leave: aggregates by place and category.

    Returns ``per_woning`` (each vacancy of the plan — the user's own input —
    with the advised category and count; no household, person or id),
    ``per_plaats`` (per entrance, block and street the placements per
    category; a place under 5 dwellings is reported at its building or
    street; ``ruimte``, the headroom, only where the door publishes the
    place, :func:`published_headroom`), ``eerlijkheid`` (current, advice and
    naive side by side), ``lorenz`` and ``samenvatting``.
    """
    run = run_plan(ws, plan_path_or_frame, period, time_limit, seed, progress)
    band_min = publish.current_rules(ws).band_min
    vac, adv = run.vacancies, run.advice
    pl = adv.placements
    # per vacancy
    rows = []
    placed = pl.groupby("vacancy")
    got = dict(iter(placed))
    for i, r in vac.reset_index(drop=True).iterrows():
        base = {
            "regel": int(r["line"]),
            "soort": r["soort"],
            "adres_id": r["address_id"] if r["soort"] == "woning" else None,
            "portiek": r["entrance"] if r["soort"] == "voorraad" else None,
            "vrij": int(r["count"]),
        }
        if i in got:
            n = 0
            for _, p in got[i].iterrows():
                rows.append(
                    {
                        **base,
                        "advies": p["category"],
                        "urgentie": "ja" if p["urgent"] else "nee",
                        "aantal": int(p["count"]),
                    }
                )
                n += int(p["count"])
            if n < r["count"]:
                rows.append(
                    {
                        **base,
                        "advies": "regulier",
                        "urgentie": None,
                        "aantal": int(r["count"]) - n,
                    }
                )
        else:
            rows.append(
                {
                    **base,
                    "advies": "regulier",
                    "urgentie": None,
                    "aantal": int(r["count"]),
                }
            )
    per_vac = pd.DataFrame(rows)
    # per place
    where = _report_place(run.model, vac, band_min)
    parts = []
    for lv in PLAN_LEVELS:
        if not len(pl):
            break
        at = [where[lv][v] for v in pl["vacancy"]]
        parts.append(
            pd.DataFrame(
                {
                    "niveau": [a[0] for a in at],
                    "plaats_id": [a[1] for a in at],
                    "categorie": pl["category"].to_numpy(),
                    "urgentie": np.where(pl["urgent"].to_numpy(), "ja", "nee"),
                    "geplaatst": pl["count"].to_numpy(),
                }
            )
        )
    if parts:
        per_place = (
            pd.concat(parts)
            .groupby(["niveau", "plaats_id", "categorie", "urgentie"], sort=True)[
                "geplaatst"
            ]
            .sum()
            .reset_index()
        )
    else:
        per_place = pd.DataFrame(
            columns=["niveau", "plaats_id", "categorie", "urgentie", "geplaatst"]
        )
    per_place["zichtbaarheid"] = "suppressed"
    per_place["ruimte"] = None
    for (lv, code, urg), idx in per_place.groupby(
        ["niveau", "categorie", "urgentie"]
    ).groups.items():
        if lv not in run.model.levels:
            continue
        room = published_headroom(ws, lv, code, urg == "ja", run.period, audience)
        room = room.set_index("place_id")
        ids = per_place.loc[idx, "plaats_id"]
        per_place.loc[idx, "zichtbaarheid"] = (
            room["visibility"].reindex(ids).fillna("suppressed").to_numpy()
        )
        per_place.loc[idx, "ruimte"] = room["headroom"].reindex(ids).to_numpy()
    per_place["ruimte"] = (
        per_place["ruimte"]
        .astype(object)
        .where(per_place["zichtbaarheid"] == "public", None)
    )
    summary = {
        "periode": run.period,
        "status": adv.status,
        "status_tekst": adv.status_text,
        "doel": adv.objective,
        "ondergrens": adv.bound,
        "marge": adv.gap,
        "rondes": adv.rounds,
        "seconden": round(run.seconds, 2),
        "geplaatst": int(pl["count"].sum()) if len(pl) else 0,
        "niet_geplaatst": int(adv.unplaced.sum()),
        "vrijkomend": int(vac["count"].sum()),
        "grenzen_geschonden_advies": len(adv.violations),
        "grenzen_geschonden_naief": len(run.naive.violations),
        "doel_naief": run.naive.objective,
        "meldingen": list(adv.messages),
    }
    # no full double precision leaves the door (rule 5): figures to its decimals
    decimals = publish.current_rules(ws).decimals
    return {
        "per_woning": per_vac,
        "per_plaats": per_place,
        "eerlijkheid": run.fairness.round(decimals),
        "lorenz": run.lorenz.round(decimals),
        "samenvatting": summary,
    }


# -- the plan's files, for the CLI and the web alike --------------------------------

#: the files of an advice, in the order they are listed, and the part of
#: :func:`published_plan`'s answer each one holds
PLAN_OUTPUTS = {
    "advies_per_woning.csv": "per_woning",
    "advies_per_plaats.csv": "per_plaats",
    "eerlijkheid.csv": "eerlijkheid",
    "lorenz.csv": "lorenz",
}


def plan_outputs(answer: dict) -> dict[str, str]:
    """The CSV files of :func:`published_plan`'s answer (``;``-separated),
    by file name: what ``veerkracht allocate`` writes and the web hands out."""
    return {name: answer[part].to_csv(index=False, sep=";")
            for name, part in PLAN_OUTPUTS.items()}


def read_plan_file(path: str | Path):
    """Read and check a PLAN.csv (:func:`veerkracht.io.plan.read_plan`);
    :class:`AllocationError` with every rejected row and its line."""
    from veerkracht.io.plan import read_plan
    from veerkracht.io.validation import ImportRejected

    try:
        return read_plan(path)
    except ImportRejected as exc:
        raise _rejected(exc) from None


def plan_vacancy_lines(ws: Workspace, plan) -> pd.DataFrame:
    """Each vacancy of a read plan with its line in the file: ``line``,
    ``soort``, ``address_id`` (a ``voorraad`` line: one dwelling per entrance
    it expects vacancies in) and ``count``; an unknown address is an
    :class:`AllocationError` with its line."""
    from veerkracht.io.validation import ImportRejected

    try:
        vac = plan_vacancies(ws, plan)
    except ImportRejected as exc:
        raise _rejected(exc) from None
    return vac[["line", "soort", "address_id", "count"]].copy()


def example_plan_text(ws: Workspace, address_ids=None) -> str:
    """A commented example plan on the workspace's own addresses
    (:func:`veerkracht.io.plan.example_plan`).

    ``address_ids``: only these dwellings may appear (a user's own areas);
    the stock line is then left out unless all of its corporation's stock is
    among them, so the example never names a vacancy outside.
    """
    from veerkracht.io.plan import example_plan

    if not ws.has("addresses") or not ws.has("dwellings"):
        raise AllocationError("de werkmap heeft nog geen adressen en woningen; maak "
                              "eerst Voorbeeldstad met 'veerkracht demo'")
    addresses = ws.read("addresses")
    dwellings = ws.read("dwellings")
    stock = ws.read("stock") if ws.has("stock") else None
    with_stock = True
    if address_ids is not None:
        keep = set(map(str, address_ids))
        addresses = addresses[addresses["address_id"].astype(str).isin(keep)]
        dwellings = dwellings[dwellings["address_id"].astype(str).isin(keep)]
        if not len(dwellings):
            raise AllocationError("er liggen geen woningen in uw gebieden")
        if stock is not None:
            mine = stock[stock["address_id"].astype(str).isin(keep)
                         & stock["corporatie"].notna()]
            # the example's stock line names the corporation with the most
            # dwellings here, and stands for all of its stock: only when all
            # of it lies inside
            if len(mine):
                name = str(mine["corporatie"].astype(str).value_counts().index[0])
                theirs = stock.loc[stock["corporatie"].astype(str) == name,
                                   "address_id"].astype(str)
                with_stock = bool(theirs.isin(keep).all())
            stock = mine if len(mine) else None
        with_stock = with_stock and stock is not None
    return example_plan(addresses, dwellings, stock, voorraad=with_stock)
