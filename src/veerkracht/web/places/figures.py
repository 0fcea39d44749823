"""The figures the site shows per place, always through disclosure control.

Two sources, in order:

1. the model results: ``veerkracht.jobs.compute.results_for_export(ws,
   level, period)`` (already protected by
   :func:`veerkracht.analytics.disclosure.protect_results`);
2. until those exist, the number of dwellings per place (public BAG data),
   still rounded and banded by :mod:`veerkracht.analytics.disclosure` — the
   map's legend then says it is coloured by dwellings, not by balance.

Every number leaving this module has passed the disclosure functions; places
below the dwelling threshold carry only a band (``visibility =
'band_only'``).
"""

from __future__ import annotations

import importlib
import logging
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from veerkracht.analytics import disclosure
from veerkracht.web import workspace
from veerkracht.web.levels import check_level

log = logging.getLogger("veerkracht.web.figures")

MODEL_FILE = (
    Path(__file__).resolve().parents[2] / "models" / "veerkracht-model-1.0.toml"
)

# colours per class, best to worst (colour-blind safe, from ColorBrewer RdYlBu)
CLASS_COLOURS = ["#4575b4", "#91bfdb", "#fee090", "#fc8d59", "#d73027"]
# bins and colours for the fallback: dwellings per place
DWELLING_BINS = [10, 50, 200, 1000]
DWELLING_COLOURS = ["#edf8e9", "#bae4b3", "#74c476", "#31a354", "#006d2c"]
BAND_LABELS = ["minder dan 10 woningen", "10–49", "50–199", "200–999", "1000 of meer"]


@dataclass(frozen=True)
class BalanceClass:
    name: str
    meaning: str
    colour: str


@lru_cache(maxsize=1)
def balance_classes() -> tuple[BalanceClass, ...]:
    """The named classes of the model file, best first."""
    try:
        data = tomllib.loads(MODEL_FILE.read_text(encoding="utf-8"))
        raw = data.get("classes", [])
    except (OSError, tomllib.TOMLDecodeError):  # pragma: no cover - model absent
        raw = []
    if not raw:
        raw = [
            {"name": n}
            for n in (
                "in balans",
                "kwetsbaar evenwicht",
                "onder druk",
                "overbelast",
                "kraan open",
            )
        ]
    colours = (
        CLASS_COLOURS
        if len(raw) == len(CLASS_COLOURS)
        else [
            CLASS_COLOURS[round(i * (len(CLASS_COLOURS) - 1) / max(len(raw) - 1, 1))]
            for i in range(len(raw))
        ]
    )
    return tuple(
        BalanceClass(c["name"], c.get("meaning", ""), colours[i])
        for i, c in enumerate(raw)
    )


@dataclass(frozen=True)
class Figures:
    """Disclosed figures of one level.

    ``frame`` is indexed by ``place_id`` with at least ``n_dwellings``
    (rounded, NA when not public), ``visibility``, ``colour`` and ``band``
    (a label shown when numbers are not). With results also
    ``balance_class``, ``class_lo``, ``class_hi`` and, when public, the
    balance and its interval.
    """

    mode: str  # "results" or "dwellings"
    level: str
    period: str | None
    frame: pd.DataFrame
    periods: tuple[str, ...] = field(default_factory=tuple)

    def legend(self) -> dict:
        if self.mode == "results":
            return {
                "title": "Balans (klasse)",
                "items": [
                    {"label": c.name, "colour": c.colour, "meaning": c.meaning}
                    for c in balance_classes()
                ],
                "note": f"Periode {self.period}." if self.period else "",
            }
        return {
            "title": "Aantal woningen",
            "items": [
                {"label": lbl, "colour": col}
                for lbl, col in zip(BAND_LABELS, DWELLING_COLOURS, strict=True)
            ],
            "note": "Nog geen modelresultaten in de werkmap: de kaart is gekleurd "
            "naar het aantal woningen, niet naar de balans.",
        }


def _results_function():
    try:
        module = importlib.import_module("veerkracht.jobs.compute")
    except ModuleNotFoundError:
        return None
    return getattr(module, "results_for_export", None)


def available_periods() -> tuple[str, ...]:
    """Periods in the ``results`` table, oldest first (empty without results)."""
    results = workspace.table("results")
    if results is None or "period" not in results.columns:
        return ()
    return tuple(sorted(results["period"].dropna().astype("str").unique()))


@lru_cache(maxsize=64)
def _figures_cached(level: str, period: str | None, versions: tuple) -> Figures:
    places = workspace.table(f"place_{level}")
    if places is None:
        raise LookupError(
            f"geen plaatsen op niveau {level}; voer eerst `veerkracht places` uit"
        )
    func = _results_function()
    periods = available_periods()
    if func is not None and periods:
        chosen = period if period in periods else periods[-1]
        try:
            frame = func(workspace.workspace(), level, chosen)
        except Exception:  # noqa: BLE001 - show the dwellings view rather than fail
            log.exception("results_for_export failed for %s %s", level, chosen)
        else:
            out = _from_results(frame)
            names = pd.Series(places["name"].astype("str").to_numpy(),
                              index=places["place_id"].astype("str").to_numpy())
            out["name"] = out.index.map(names)
            return Figures("results", level, chosen, out, periods)
    return Figures("dwellings", level, None, _from_dwellings(places), periods)


def figures(level: str, period: str | None = None) -> Figures:
    """Disclosed figures of every place at ``level`` (cached per table version)."""
    check_level(level)
    v = workspace.versions()
    key = tuple(
        sorted((k, val) for k, val in v.items() if k in ("results", f"place_{level}"))
    )
    return _figures_cached(level, period, key)


def _from_dwellings(places: pd.DataFrame) -> pd.DataFrame:
    n = places["n_dwellings"].to_numpy(dtype="float64")
    # dwellings are public BAG data; they still get the same rules as every count
    vis = disclosure.visibility(n, n)
    rounded = disclosure.round_counts(n)
    out = pd.DataFrame(
        index=pd.Index(places["place_id"].astype("str"), name="place_id")
    )
    out["name"] = places["name"].astype("str").to_numpy()
    out["visibility"] = vis
    out["n_dwellings"] = np.where(vis == "public", rounded, np.nan)
    band_idx = np.searchsorted(DWELLING_BINS, n, side="right")
    out["band"] = np.array(BAND_LABELS, dtype=object)[band_idx]
    out["colour"] = np.array(DWELLING_COLOURS, dtype=object)[band_idx]
    return out


def _from_results(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    if "place_id" in out.columns:
        out = out.set_index(out["place_id"].astype("str"))
        out.index.name = "place_id"
    names = [c.name for c in balance_classes()]
    colours = {c.name: c.colour for c in balance_classes()}
    cls = out.get("balance_class", pd.Series(pd.NA, index=out.index)).astype("str")
    out["colour"] = cls.map(colours).fillna("#bdbdbd").astype(object)
    lo = out.get("class_lo", cls).astype("str")
    hi = out.get("class_hi", cls).astype("str")
    band = cls.fillna("geen gegevens").astype(object)
    spread = (lo != hi).fillna(False)
    band[spread] = (lo + " – " + hi)[spread].astype(object)
    out["band"] = band
    if "visibility" not in out.columns:
        out["visibility"] = "public"
    out["class_index"] = cls.map({n: i for i, n in enumerate(names)})
    return out


def figure_of(level: str, place_id: str, period: str | None = None) -> dict | None:
    """One place's disclosed figures as a dict (``None`` when unknown)."""
    fig = figures(level, period)
    if place_id not in fig.frame.index:
        return None
    row = fig.frame.loc[place_id]
    return {k: _plain(v) for k, v in row.items()}


def _plain(value):
    """A JSON-friendly Python value (NA to ``None``, numpy scalars unwrapped)."""
    if _isna(value):
        return None
    return value.item() if isinstance(value, np.generic) else value


def _isna(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def clear_cache() -> None:
    _figures_cached.cache_clear()
