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

__all__ = ["AllocationError", "find_address", "parse_demand", "placement_model",
           "published_effect", "published_headroom", "published_scenario", "spec_for"]

#: Figures of a headroom or effect row that the door withholds where a
#: place is not public.
HEADROOM_FIGURES = ("headroom", "headroom_lo", "headroom_hi", "limited")
EFFECT_FIGURES = ("pressure_before", "pressure_after", "balance_before",
                  "balance_after", "class_before", "class_after",
                  "headroom_before", "headroom_after")


class AllocationError(Exception):
    """A headroom, what-if or plan request that cannot be answered (Dutch)."""


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
