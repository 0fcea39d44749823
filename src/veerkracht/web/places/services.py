"""Everything a place profile shows, assembled from what the door publishes.

Views stay thin: they call :func:`profile` and render. Every figure here
comes from :mod:`veerkracht.jobs.publish` through
:mod:`veerkracht.web.places.figures` (places), :func:`multiscale_profile`
(``published_profiles``) and :func:`signal_counts`
(``published_signal_counts``); this module does no disclosure arithmetic.
A place the door does not publish for the audience has no profile
(:func:`profile` returns ``None``, the views answer 404).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from veerkracht.analytics.publication import BAND_FLOOR
from veerkracht.jobs import publish
from veerkracht.web import workspace
from veerkracht.web.levels import LABELS, check_level
from veerkracht.web.places import figures as fig

SIGNAL_LABELS = {
    "noise": gettext_lazy("geluidsoverlast"),
    "neighbour_conflict": gettext_lazy("burenruzie"),
    "unsafety": gettext_lazy("onveiligheid"),
    "neglect": gettext_lazy("verwaarlozing gedeelde ruimte"),
    "care_worry": gettext_lazy("zorgsignaal"),
    "indifference": gettext_lazy("onverschilligheid"),
    "pressure": gettext_lazy("meldingen van druk"),
    "attentiveness": gettext_lazy("meldingen van betrokkenheid"),
}
#: short names of the model's indicators (the model file's ``label`` is the
#: longer description, shown beside them)
INDICATOR_NAMES = {
    "pressure": gettext_lazy("druk"),
    "resilience": gettext_lazy("veerkracht"),
    "balance": gettext_lazy("balans"),
    "stacked_needs": gettext_lazy("gestapelde ondersteuningsbehoeften"),
    "urgency": gettext_lazy("instroom via urgentie"),
    "turnover": gettext_lazy("verhuizingen"),
    "signals": gettext_lazy("meldingen van druk"),
    "long_tenure": gettext_lazy("lang wonend"),
    "attentiveness": gettext_lazy("attentheid (zorgsignalen)"),
    "reporting": gettext_lazy("meldingsbereidheid"),
    "initiatives": gettext_lazy("bewonersinitiatieven"),
    "facilities": gettext_lazy("voorzieningen"),
    "shared_spaces": gettext_lazy("gedeelde ruimten"),
    "professionals": gettext_lazy("aanwezigheid professionals"),
    "entrance_size": gettext_lazy("portiekgrootte"),
    "block_size": gettext_lazy("blokgrootte"),
    "household_mix": gettext_lazy("menging huishoudtypen"),
}


def indicator_name(key: str) -> str:
    """The short name of ``key`` (``ind_turnover``, ``balance``)."""
    bare = key.removeprefix("ind_")
    return str(INDICATOR_NAMES.get(bare, bare.replace("_", " ")))


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
    audience: str = "public"
    notes: list[str] = field(default_factory=list)
    #: class stability under the sensitivity analysis (:func:`stability`)
    stability: dict | None = None
    #: the period shown (``None`` before any model was computed) and all
    #: periods with results, oldest first
    period: str | None = None
    periods: tuple[str, ...] = ()
    #: what the class (or the band of a small place) means, in plain Dutch
    class_meaning: str = ""


def place_row(level: str, place_id: str) -> pd.Series | None:
    """The ``place_<level>`` row of a place (public BAG geometry), or ``None``."""
    check_level(level)
    places = workspace.table(f"place_{level}")
    if places is None:
        return None
    match = places.index[places["place_id"].astype("str") == place_id]
    if len(match) == 0:
        return None
    return places.loc[match[0]]


def shown_place_row(level: str, place_id: str) -> pd.Series | None:
    """:func:`place_row`, but ``None`` too for a place under the dwelling floor.

    Such a place is never shown to anyone, so the page and the API answer
    for it exactly as for an unknown id, before the user's area is checked:
    an out-of-area refusal would tell that an address-derived id exists.
    """
    row = place_row(level, place_id)
    if row is None or row.get("n_dwellings", BAND_FLOOR) < BAND_FLOOR:
        return None
    return row


def shown_places(level: str, place_ids) -> dict[str, str]:
    """Of ``place_ids``, those :func:`shown_place_row` shows, with their names.

    The same rule in one pass over the place table (a page that links many
    places to their profiles, such as the signals work list).
    """
    check_level(level)
    wanted = {str(p) for p in place_ids if p}
    places = workspace.table(f"place_{level}")
    if places is None or not wanted:
        return {}
    ids = places["place_id"].astype("str")
    hit = places[ids.isin(wanted).to_numpy()]
    if "n_dwellings" in hit.columns:
        n = pd.to_numeric(hit["n_dwellings"], errors="coerce").fillna(BAND_FLOOR)
        hit = hit[(n >= BAND_FLOOR).to_numpy()]
    names = hit["name"] if "name" in hit.columns else hit["place_id"]
    return dict(zip(hit["place_id"].astype("str"), names.astype("str"), strict=True))


def shown_ids(level: str, *, version: int | None = None) -> frozenset[str]:
    """Ids of every place of ``level`` that :func:`shown_place_row` shows.

    The same rule for many places at once (the place search filters its
    candidates by it); cached per version of the place table (``version``
    when the caller has just read it).
    """
    check_level(level)
    if version is None:
        version = workspace.version_of(f"place_{level}")
    if version is None:
        return frozenset()
    return _shown_ids(workspace.location(), level, version)


@lru_cache(maxsize=16)
def _shown_ids(location: str, level: str, version: int) -> frozenset[str]:
    places = workspace.table(f"place_{level}")
    ids = places["place_id"].astype("str")
    if "n_dwellings" in places.columns:
        n = pd.to_numeric(places["n_dwellings"], errors="coerce").fillna(BAND_FLOOR)
        ids = ids[(n >= BAND_FLOOR).to_numpy()]
    return frozenset(ids)


#: the parent level of each level in ``place_<level>.parent_id``
PARENT_LEVEL = {"entrance": "building", "building": "block", "block": "street",
                "street": "buurt", "buurt": "wijk", "wijk": "gemeente"}


def _parents(level: str, row: pd.Series, audience: str) -> list[dict]:
    """The enclosing places the door publishes for the audience, coarse first.

    Followed through ``parent_id`` (never through the place's addresses); a
    parent that is not published is left out, as it is everywhere else.
    """
    out = []
    lvl, pid = level, row.get("parent_id")
    while lvl in PARENT_LEVEL and pid is not None and not pd.isna(pid):
        lvl, pid = PARENT_LEVEL[lvl], str(pid)
        parent = place_row(lvl, pid)
        if parent is None:
            break
        if pid in fig.figures(lvl, audience=audience).frame.index:
            out.append({"level": lvl, "label": str(LABELS[lvl]), "id": pid,
                        "name": str(parent.get("name", pid))})
        pid = parent.get("parent_id")
    return out[::-1]


def profile(level: str, place_id: str, *, audience: str = "public",
            can_see_parent=None, period: str | None = None) -> Profile | None:
    """The profile of one place, or ``None`` when the door does not publish it.

    Parameters
    ----------
    audience : {"public", "assigned"}
        From :func:`veerkracht.web.places.figures.audience_for`.
    period : str, optional
        One of :func:`veerkracht.web.places.figures.available_periods`; the
        latest when omitted. Balance, indicators and signal counts are those
        of this period; the multiscalar profile and the stability are those
        of the latest computation.
    """
    row = place_row(level, place_id)
    if row is None:
        return None
    try:
        current_fig = fig.figures(level, period, audience=audience,
                                  indicators=True)
    except LookupError:
        return None
    if place_id not in current_fig.frame.index:
        return None
    current = {k: fig._plain(v) for k, v in current_fig.frame.loc[place_id].items()}
    parents = _parents(level, row, audience)
    if can_see_parent is not None:
        for p in parents:
            p["visible"] = bool(can_see_parent(p["level"], p["id"]))
    history = []
    for period in current_fig.periods:
        f = fig.figure_of(level, place_id, period, audience)
        if f is not None:
            history.append({"period": period, **f})
    visibility = current["visibility"]
    public = visibility == "public"
    # the multiscalar profiles and the sensitivity analysis are kept for the
    # latest computation only
    latest = not current_fig.periods or current_fig.period == current_fig.periods[-1]
    prof = Profile(
        level=level,
        place_id=place_id,
        name=str(row.get("name", place_id)),
        level_label=str(LABELS[level]),
        parents=parents,
        current=current,
        mode=current_fig.mode,
        history=history,
        indicators=_indicators(current) if public else [],
        # the latest period as the door's default, so the read prepared
        # before serve (ADR 0020) is the one asked
        signals=signal_counts(level, place_id, audience=audience,
                              period=None if latest else current_fig.period)
        if public
        else {"available": False, "reason": _("Alleen een band: geen meldingen.")},
        multiscale=multiscale_profile(level, place_id, audience=audience)
        if public and latest
        else {"available": False, "reason": _("Alleen een band: geen profiel.")
              if not public else _("Het multischaalprofiel is er alleen voor de "
                                   "laatste periode.")},
        class_probabilities=_probabilities(current) if public else [],
        n_dwellings_shown=current.get("n_dwellings") if public else None,
        visibility=visibility,
        audience=audience,
        stability=stability(level, place_id, audience=audience)
        if public and latest else None,
        period=current_fig.period,
        periods=current_fig.periods,
    )
    if visibility == "band_only":
        prof.class_meaning = fig.band_meaning()
    elif current.get("balance_class"):
        prof.class_meaning = fig.class_meaning(current["balance_class"])
    if current_fig.mode == "dwellings":
        prof.notes.append(_(
            "Er zijn nog geen modelresultaten in de werkmap; het profiel "
            "toont daarom geen balans."
        ))
    if visibility == "band_only":
        prof.notes.append(_(
            "Een kleine plaats: alleen een band uit een goedgekeurd model, geen "
            "getallen en geen klasse (openbaarheidsregels). U ziet deze band "
            "omdat uw organisatie aan dit gebied is toegewezen."
        ))
    return prof


def comparison(level: str, place_id: str, period: str, other: str, *,
               audience: str = "public") -> dict:
    """The place in ``period`` beside ``other``: what changed, and whether it
    is more than the uncertainty.

    Both columns are what the door publishes for that period on its own
    (each period's figures already passed the rules), so nothing new is
    disclosed by setting them side by side. A change counts as clear only
    when the two intervals do not overlap; otherwise it lies "binnen de
    onzekerheid". A place that is band-only in either period is compared
    by its band only.
    """
    now = fig.figure_of(level, place_id, period, audience, indicators=True)
    then = fig.figure_of(level, place_id, other, audience, indicators=True)
    out = {"period": period, "other": other, "rows": [], "available": False}
    if now is None or then is None:
        out["reason"] = _("Deze plaats is in een van beide perioden niet "
                          "gepubliceerd.")
        return out
    out["available"] = True
    exact = now.get("visibility") == then.get("visibility") == "public"
    cls_now = now.get("balance_class") if exact else now.get("band")
    cls_then = then.get("balance_class") if exact else then.get("band")
    change = ""
    if exact and now.get("class_index") is not None and then.get(
            "class_index") is not None:
        step = int(now["class_index"]) - int(then["class_index"])
        change = (_("gelijk") if step == 0 else
                  _("beter") if step < 0 else _("slechter"))
    out["rows"].append({"label": _("Klasse"), "then": cls_then or "–",
                        "now": cls_now or "–", "change": change})
    if not exact:
        out["reason"] = _("Een kleine plaats in een van beide perioden: alleen "
                          "de band wordt vergeleken.")
        return out
    keys = [k for k in now if k in ("pressure", "resilience", "balance")
            or (k.startswith("ind_") and not k.endswith(("_lo", "_hi")))]
    for key in keys:
        a, b = then.get(key), now.get(key)
        if a is None or b is None:
            continue
        lo_a, hi_a = then.get(f"{key}_lo"), then.get(f"{key}_hi")
        lo_b, hi_b = now.get(f"{key}_lo"), now.get(f"{key}_hi")
        if None in (lo_a, hi_a, lo_b, hi_b):
            verdict = ""
        elif lo_b > hi_a:
            verdict = _("duidelijk hoger")
        elif hi_b < lo_a:
            verdict = _("duidelijk lager")
        else:
            verdict = _("binnen de onzekerheid")
        out["rows"].append({"label": indicator_name(key), "then": float(a),
                            "now": float(b), "difference": float(b) - float(a),
                            "change": verdict})
    return out


def quarter_axis(labels) -> list[str]:
    """Every calendar quarter from the first to the last of ``labels``
    ("2024-Q3"), none skipped, so a chart's time axis is regular."""
    got = sorted({str(q) for q in labels})
    if not got:
        return []

    def parse(q: str) -> int:
        year, quarter = q.split("-Q")
        return int(year) * 4 + int(quarter) - 1

    start, end = parse(got[0]), parse(got[-1])
    return [f"{i // 4}-Q{i % 4 + 1}" for i in range(start, end + 1)]


def year_axis(periods) -> list[str]:
    """Every period from the first to the last, none skipped, when the
    periods are calendar years; otherwise the periods as they are."""
    got = sorted({str(p) for p in periods})
    if got and all(p.isdigit() and len(p) == 4 for p in got):
        return [str(y) for y in range(int(got[0]), int(got[-1]) + 1)]
    return got


def _probabilities(current: dict | None) -> list[dict]:
    """Probability of each balance class (public places only), best first."""
    if not current:
        return []
    out = []
    for cls in fig.balance_classes():
        key = "p_" + cls.name.replace(" ", "_")
        if current.get(key) is not None:
            out.append({"name": cls.name, "colour": cls.colour,
                        "percent": f"{100 * float(current[key]):.0f}"})
    return out


def _indicators(current: dict) -> list[dict]:
    """Indicator values of the place next to the whole municipality."""
    city = None
    gemeente = workspace.table("place_gemeente")
    if gemeente is not None and len(gemeente):
        city = fig.figure_of("gemeente", str(gemeente["place_id"].iloc[0]),
                             indicators=True)
    rows = []
    for key, value in current.items():
        if not (key.startswith("ind_") or key in ("pressure", "resilience", "balance")):
            continue
        if key.endswith(("_lo", "_hi")) or value is None:
            continue
        rows.append(
            {
                "key": key,
                "label": indicator_name(key),
                "description": fig.indicator_descriptions().get(
                    key.removeprefix("ind_"), ""),
                "value": value,
                "lo": current.get(f"{key}_lo"),
                "hi": current.get(f"{key}_hi"),
                "city": (city or {}).get(key),
            }
        )
    return rows


def signal_counts(level: str, place_id: str, *, audience: str = "public",
                  period: str | None = None) -> dict:
    """The signals panel: ``published_signal_counts`` of one place, as a table.

    Rows are the door's meanings (``pressure``, ``attentiveness``), columns
    its calendar quarters; a count the door holds back (``below_min``) is
    shown as "te weinig". Nothing is counted, rounded or hidden here, and a
    place the door gives no counts for (band-only, suppressed) has no panel.
    """
    frame = publish.published_signal_counts(
        workspace.workspace(), level, [place_id], period=period, audience=audience
    )
    if frame is None or not len(frame):
        return {"quarters": [], "rows": [], "available": False}
    frame = frame[frame["place_id"].astype("str") == place_id]
    if not len(frame):
        return {"quarters": [], "rows": [], "available": False}
    quarters = quarter_axis(frame["window"].astype("str").unique())
    rows = []
    for key, part in frame.groupby(frame["meaning"].astype("str"), sort=True):
        by_q = dict(zip(part["window"].astype("str"), part["count"], strict=True))
        rows.append({
            "category": str(SIGNAL_LABELS.get(key, key.replace("_", " "))),
            "cells": [_count_text(by_q[q]) if q in by_q else "–"
                      for q in quarters],
            "counts": [None if by_q.get(q) is None or fig._isna(by_q.get(q))
                       else int(by_q[q]) for q in quarters],
        })
    return {"quarters": quarters, "rows": rows, "available": True}


def _count_text(value) -> str:
    if value is None or fig._isna(value):
        return _("te weinig")
    return f"{int(value)}"


def stability(level: str, place_id: str, *, audience: str = "public"
              ) -> dict | None:
    """How stable the place's class is under the sensitivity analysis, or None.

    From ``published_stability`` (only for places public to the audience,
    from protected statistics and the same model and period as the figures),
    with ``percent`` (share of runs in the class, 0-100) and ``other``
    (the class most runs gave, when it is not the place's class).
    """
    got = publish.published_stability(workspace.workspace(), level, place_id,
                                      audience)
    if got is None:
        return None
    other = got["modal_class"] if got["modal_class"] != got["base_class"] else None
    return {**got, "percent": int(round(100 * got["class_stability"])),
            "other": other}


def multiscale_profile(level: str, place_id: str, *, audience: str = "public"
                       ) -> dict:
    """Share of households with a support need among the k nearest households,
    averaged over the place's dwellings, for growing k: ``published_profiles``.
    """
    try:
        frame = publish.published_profiles(
            workspace.workspace(), level, audience=audience
        )
    except publish.PublishError:
        frame = None
    if frame is None or not len(frame):
        return {
            "available": False,
            "reason": _("Nog geen multischaalprofielen: voer 'veerkracht compute' "
                        "uit."),
        }
    rows = frame[frame["place_id"].astype("str") == place_id]
    if not len(rows):
        return {"available": False, "reason": _("Geen profiel voor deze plaats.")}
    rows = rows.sort_values("k")
    points = [
        {"k": int(r.k), "share": None if bool(r.suppressed) or pd.isna(r.share)
         else float(r.share)}
        for r in rows.itertuples()
    ]
    shown = any(p["share"] is not None for p in points)
    return {
        "available": shown,
        "points": points,
        "period": str(rows["period"].iloc[0]) if "period" in rows.columns else "",
        "reason": "" if shown else _("Geen schaal met genoeg huishoudens om te "
                                     "tonen."),
    }
