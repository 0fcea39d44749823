"""Everything a place profile shows, assembled from the workspace.

Views stay thin: they call :func:`profile` and render. Every number here
comes through :mod:`veerkracht.web.places.figures` (model results, already
protected) or through :mod:`veerkracht.analytics.disclosure` directly
(signal counts, multiscalar shares).
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from veerkracht.analytics import disclosure
from veerkracht.web import workspace
from veerkracht.web.levels import DWELLING_COLUMN, LABELS, LEVELS, check_level
from veerkracht.web.places import figures as fig

log = logging.getLogger("veerkracht.web.places")

SIGNAL_CATEGORIES = {
    "noise": "geluidsoverlast",
    "neighbour_conflict": "burenruzie",
    "unsafety": "onveiligheid",
    "neglect": "verwaarlozing gedeelde ruimte",
    "care_worry": "zorgsignaal",
    "indifference": "onverschilligheid",
}
SIGNAL_MONTHS = 12
_LABELS = {"pressure": "druk", "resilience": "veerkracht", "balance": "balans"}


@dataclass
class Profile:
    """What the profile page and the PDF show for one place."""

    level: str
    place_id: str
    name: str
    level_label: str
    parents: list[dict]
    current: dict | None
    mode: str
    history: list[dict]
    indicators: list[dict]
    signals: dict
    multiscale: dict
    class_probabilities: list[dict]
    n_dwellings_shown: float | None
    visibility: str
    notes: list[str] = field(default_factory=list)


def place_row(level: str, place_id: str) -> pd.Series | None:
    """The ``place_<level>`` row of a place, or ``None``."""
    check_level(level)
    places = workspace.table(f"place_{level}")
    if places is None:
        return None
    match = places.index[places["place_id"].astype("str") == place_id]
    if len(match) == 0:
        return None
    return places.loc[match[0]]


def _members(level: str, place_id: str) -> pd.DataFrame:
    dwellings = workspace.table("dwellings")
    if dwellings is None:
        return pd.DataFrame()
    mask = dwellings[DWELLING_COLUMN[level]].astype("str").eq(place_id).fillna(False)
    return dwellings.loc[mask.to_numpy()]


def _parents(level: str, members: pd.DataFrame) -> list[dict]:
    out = []
    for lvl in LEVELS[: LEVELS.index(level)]:
        col = DWELLING_COLUMN[lvl]
        if members.empty or col not in members.columns:
            continue
        values = members[col].dropna().astype("str").unique()
        if len(values) == 1:
            row = place_row(lvl, values[0])
            out.append(
                {
                    "level": lvl,
                    "label": str(LABELS[lvl]),
                    "id": values[0],
                    "name": str(row["name"]) if row is not None else values[0],
                }
            )
    return out


def profile(level: str, place_id: str, *, can_see_parent=None) -> Profile | None:
    """Assemble the profile of one place (``None`` when it does not exist)."""
    row = place_row(level, place_id)
    if row is None:
        return None
    members = _members(level, place_id)
    parents = _parents(level, members)
    if can_see_parent is not None:
        for p in parents:
            p["visible"] = bool(can_see_parent(p["level"], p["id"]))
    current_fig = fig.figures(level)
    current = fig.figure_of(level, place_id)
    history = []
    for period in current_fig.periods:
        f = fig.figure_of(level, place_id, period)
        if f is not None:
            history.append({"period": period, **f})
    visibility = (current or {}).get("visibility", "suppressed")
    prof = Profile(
        level=level,
        place_id=place_id,
        name=str(row.get("name", place_id)),
        level_label=str(LABELS[level]),
        parents=parents,
        current=current,
        mode=current_fig.mode,
        history=history,
        indicators=_indicators(level, place_id, current, visibility),
        signals=signal_counts(members),
        multiscale=multiscale_profile(level, place_id)
        if visibility == "public"
        else {"available": False, "reason": "Onder de drempel: alleen een band."},
        class_probabilities=_probabilities(current),
        n_dwellings_shown=(current or {}).get("n_dwellings"),
        visibility=visibility,
    )
    if current_fig.mode == "dwellings":
        prof.notes.append(
            "Er zijn nog geen modelresultaten in de werkmap; het profiel "
            "toont daarom geen balans."
        )
    if visibility == "band_only":
        prof.notes.append(
            "Minder dan 10 woningen of huishoudens: alleen een band, geen "
            "getallen (openbaarheidsregels)."
        )
    return prof


def _probabilities(current: dict | None) -> list[dict]:
    """Probability of each balance class (public places only), best first."""
    if not current:
        return []
    out = []
    for cls in fig.balance_classes():
        key = "p_" + cls.name.replace(" ", "_")
        if current.get(key) is not None:
            out.append({"name": cls.name, "colour": cls.colour,
                        "percent": round(100 * float(current[key]))})
    return out


def _indicators(
    level: str, place_id: str, current: dict | None, visibility: str
) -> list[dict]:
    """Indicator values of the place next to the whole municipality."""
    if not current or visibility != "public":
        return []
    city = None
    gemeente = workspace.table("place_gemeente")
    if gemeente is not None and len(gemeente):
        city = fig.figure_of("gemeente", str(gemeente["place_id"].iloc[0]))
    rows = []
    for key, value in current.items():
        if not (key.startswith("ind_") or key in ("pressure", "resilience", "balance")):
            continue
        if key.endswith(("_lo", "_hi")) or value is None:
            continue
        rows.append(
            {
                "key": key,
                "label": _LABELS.get(key, key.removeprefix("ind_").replace("_", " ")),
                "value": value,
                "lo": current.get(f"{key}_lo"),
                "hi": current.get(f"{key}_hi"),
                "city": (city or {}).get(key),
            }
        )
    return rows


def signal_counts(members: pd.DataFrame, months: int = SIGNAL_MONTHS) -> dict:
    """Signals per category and month at the place's addresses, disclosed.

    Counts below the threshold are shown as ``"< 10"``; the rest rounded to 5.
    Includes the web signals app's own counts when it offers
    ``veerkracht.web.signals.services.place_signal_counts(address_ids)``.
    """
    frames = []
    table = workspace.table("signals")
    ids = set(members["address_id"].astype("str")) if not members.empty else set()
    if table is not None and ids:
        mine = table[table["address_id"].astype("str").isin(ids).fillna(False)]
        if len(mine):
            frames.append(
                pd.DataFrame(
                    {
                        "month": pd.to_datetime(mine["reported_at"], utc=True)
                        .dt.strftime("%Y-%m")
                        .to_numpy(),
                        "category": mine["category"].astype("str").to_numpy(),
                    }
                )
            )
    hook = _signals_hook()
    if hook is not None and ids:
        try:
            extra = hook(sorted(ids))
            if extra is not None and len(extra):
                frames.append(extra[["month", "category"]].astype({"month": "str"}))
        except Exception:  # noqa: BLE001 - the page still works without them
            log.exception("signals hook failed")
    if not frames:
        return {"months": [], "rows": [], "available": False}
    allsig = pd.concat(frames, ignore_index=True)
    last = sorted(allsig["month"].unique())[-months:]
    allsig = allsig[allsig["month"].isin(last)]
    table_ = allsig.groupby(["category", "month"]).size().unstack(fill_value=0)
    table_ = table_.reindex(columns=last, fill_value=0)
    rows = []
    for category, counts in table_.iterrows():
        values = counts.to_numpy(dtype="float64")
        safe = disclosure.primary_safe(None, values)
        rounded = disclosure.round_counts(values)
        total = float(values.sum())
        rows.append(
            {
                "category": SIGNAL_CATEGORIES.get(category, category),
                "cells": [
                    (f"{int(r)}" if s else "< 10")
                    for r, s in zip(rounded, safe, strict=True)
                ],
                "total": (
                    f"{int(disclosure.round_counts([total])[0])}"
                    if disclosure.primary_safe(None, [total])[0]
                    else "< 10"
                ),
            }
        )
    return {"months": last, "rows": rows, "available": True}


def _signals_hook():
    try:
        module = importlib.import_module("veerkracht.web.signals.services")
    except ImportError:
        return None
    return getattr(module, "place_signal_counts", None)


@lru_cache(maxsize=8)
def _profiles(level: str, version: int) -> pd.DataFrame:
    """Protected profiles of one level (``veerkracht compute`` stores them)."""
    from veerkracht.jobs.compute import profiles_for_export

    return profiles_for_export(workspace.workspace(), level).set_index("place_id")


def multiscale_profile(level: str, place_id: str) -> dict:
    """Share of households with a support need among the k nearest households,
    averaged over the place's dwellings, for growing k.

    Computed for every place by ``veerkracht compute``
    (:func:`veerkracht.jobs.compute.compute_profiles`) and read here through
    :func:`veerkracht.analytics.disclosure.protect_profiles`: a scale is shown
    only when at least 10 households with and 10 without a need stand behind
    it; the web computes nothing itself.
    """
    version = workspace.version_of("profiles")
    if version is None:
        return {
            "available": False,
            "reason": "Nog geen multischaalprofielen: voer 'veerkracht compute' uit.",
        }
    frame = _profiles(level, version)
    if place_id not in frame.index:
        return {"available": False, "reason": "Geen profiel voor deze plaats."}
    rows = frame.loc[[place_id]].sort_values("k")
    points = [
        {"k": int(r.k), "share": None if r.suppressed else float(r.share)}
        for r in rows.itertuples()
    ]
    shown = any(p["share"] is not None for p in points)
    return {
        "available": shown,
        "points": points,
        "period": str(rows["period"].iloc[0]),
        "reason": "" if shown else "Geen schaal met genoeg huishoudens om te tonen.",
    }


def profile_svg(multiscale: dict, width: int = 480, height: int = 220) -> str:
    """The multiscalar profile as a small accessible inline SVG line chart."""
    points = [p for p in multiscale.get("points", []) if p["share"] is not None]
    if not points:
        return ""
    left, right, top, bottom = 48, 24, 12, 36
    ks = [p["k"] for p in multiscale["points"]]
    lx = np.log10(ks)
    x0, x1 = (
        float(lx.min()),
        float(lx.max()) if lx.max() > lx.min() else float(lx.min()) + 1,
    )
    ymax = max(0.1, max(p["share"] for p in points) * 1.15)

    def px(k):
        return left + (np.log10(k) - x0) / (x1 - x0) * (width - left - right)

    def py(v):
        return top + (1 - v / ymax) * (height - top - bottom)

    path = " ".join(
        f"{'M' if i == 0 else 'L'}{px(p['k']):.1f},{py(p['share']):.1f}"
        for i, p in enumerate(points)
    )
    desc = "; ".join(f"k={p['k']}: {p['share']:.0%}" for p in points)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="ms-t ms-d">',
        '<title id="ms-t">Multischaalprofiel: aandeel woningen met een '
        "ondersteuningsbehoefte onder de k dichtstbijzijnde woningen</title>",
        f'<desc id="ms-d">{desc}</desc>',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" '
        f'y2="{height - bottom}" stroke="#333"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" '
        'stroke="#333"/>',
    ]
    for k in ks:
        parts.append(
            f'<text x="{px(k):.1f}" y="{height - bottom + 16}" font-size="11" '
            f'text-anchor="middle">{k}</text>'
        )
    for frac in (0, 0.5, 1):
        v = ymax * frac
        parts.append(
            f'<text x="{left - 6}" y="{py(v) + 4:.1f}" font-size="11" '
            f'text-anchor="end">{v:.0%}</text>'
        )
    parts.append(
        f'<text x="{(left + width) / 2:.0f}" y="{height - 4}" font-size="11" '
        'text-anchor="middle">k (dichtstbijzijnde woningen)</text>'
    )
    parts.append(f'<path d="{path}" fill="none" stroke="#2c5c8a" stroke-width="2.5"/>')
    for p in points:
        parts.append(
            f'<circle cx="{px(p["k"]):.1f}" cy="{py(p["share"]):.1f}" r="3.5" '
            'fill="#2c5c8a"/>'
        )
    parts.append("</svg>")
    return "".join(parts)
