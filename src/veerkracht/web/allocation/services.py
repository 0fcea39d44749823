"""Headroom and what one placement does, for the roles that plan (thin layer).

Every figure comes from :mod:`veerkracht.jobs.allocate` —
:func:`~veerkracht.jobs.allocate.published_headroom` and
:func:`~veerkracht.jobs.allocate.published_effect`, both behind the
publication door: a number only where the door publishes the place
(``'public'``). This module does no arithmetic of its own; it

* decides who may ask (:data:`PERMISSION`, given to the corporation and
  policy roles in :mod:`veerkracht.web.accounts.roles`) and which places a
  user sees (:mod:`veerkracht.web.accounts.scoping`, as the map does);
* keeps the same set of places as the map and the profile: the places the
  door publishes for the user's audience
  (:func:`veerkracht.web.places.figures.figures`);
  a place shown there only as a band gets "niet getoond" instead of a
  headroom, and a suppressed place is not a place for the request (not
  drawn, not listed, 404 when asked for by id);
* turns a headroom into the map's four colour steps (:data:`STEPS`).

A headroom or a placement is about households *to be placed* by their need
category (:mod:`veerkracht.analytics.allocation.categories`): never about a
person. The audit trail gets the level, the place and the category asked
for; never an address.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import pandas as pd
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from veerkracht.analytics.allocation.categories import CATEGORIES, CODES, category
from veerkracht.analytics.allocation.placement import CAP_LEVELS
from veerkracht.jobs import allocate
from veerkracht.web import workspace
from veerkracht.web.accounts import roles, scoping
from veerkracht.web.levels import LABELS
from veerkracht.web.places import figures

#: the permission every page and endpoint here asks for
PERMISSION = "plan_allocation"

#: Headroom steps of the map and the legend: (lowest, highest or None, label,
#: colour). Colour-blind safe (ColorBrewer RdYlBu, as the classes).
STEPS = (
    (0, 0, gettext_lazy("geen ruimte"), "#d73027"),
    (1, 2, gettext_lazy("1–2 huishoudens"), "#fee090"),
    (3, 5, gettext_lazy("3–5 huishoudens"), "#91bfdb"),
    (6, None, gettext_lazy("6 of meer"), "#4575b4"),
)
#: a place whose headroom the door withholds: the map's neutral hatching
HIDDEN_COLOUR = figures.BAND_COLOUR
#: a public place without a class (no result): no headroom either
NO_DATA_COLOUR = "#bdbdbd"


class AllocationUnavailable(LookupError):
    """Nothing to answer with yet (no results, or none the model can use)."""


def can_plan(user) -> bool:
    """Whether the user's role may see headroom and what-if answers."""
    return roles.has(user, PERMISSION)


def levels_for(user) -> list[str]:
    """Levels with a headroom the user may see, coarse to fine."""
    return [lv for lv in roles.levels_for(user) if lv in CAP_LEVELS]


def categories() -> list[tuple[str, str]]:
    """``(code, label)`` of every need category, in their defined order."""
    return [(c.code, _(c.label)) for c in CATEGORIES]


def check_category(code: str | None) -> str:
    """The category's code, or ``ValueError`` with a Dutch message."""
    try:
        return category(code or "").code
    except ValueError:
        raise ValueError(
            _("onbekende categorie %(code)r; kies uit %(codes)s")
            % {"code": code, "codes": ", ".join(CODES)}) from None


def check_level(user, level: str) -> str:
    """``level`` when the user may see its headroom: ``PermissionDenied`` for
    a level outside the role (as the map's layers), ``ValueError`` for one
    without a headroom."""
    from django.core.exceptions import PermissionDenied

    allowed = levels_for(user)
    if level in LABELS and level not in roles.levels_for(user):
        raise PermissionDenied(_("Dit niveau valt buiten uw rol."))
    if level not in allowed:
        raise ValueError(
            _("ruimte voor plaatsing is er per %(levels)s; niet per %(level)s")
            % {"levels": ", ".join(str(LABELS[lv]) for lv in allowed) or "-",
               "level": LABELS.get(level, level)})
    return level


def purpose(kind: str, code: str, urgent: bool) -> str:
    """The audit purpose of a question: ``headroom_zorg``, ``whatif_zorg_urgent``."""
    return f"{kind}_{code}" + ("_urgent" if urgent else "")


def purposes() -> tuple[str, ...]:
    """Every purpose :func:`purpose` makes (registered with the audit trail),
    and ``headroom`` / ``whatif`` for a question of every category at once
    (the profile's table) and a refusal before the category is read."""
    return ("headroom", "whatif", *(
        purpose(kind, code, urgent) for kind in ("headroom", "whatif")
        for code in CODES for urgent in (False, True)))


def step_of(headroom) -> int | None:
    """Index in :data:`STEPS` of a headroom (``None`` for no number)."""
    if headroom is None or (isinstance(headroom, float) and math.isnan(headroom)):
        return None
    for i, (lo, hi, _label, _colour) in enumerate(STEPS):
        if headroom >= lo and (hi is None or headroom <= hi):
            return i
    return 0


def legend(code: str, urgent: bool, period: str | None) -> dict:
    """The map's legend of the headroom layer (as the balance layer's)."""
    cat = category(code)
    items = [{"label": str(label), "colour": colour}
             for _lo, _hi, label, colour in STEPS]
    items.append({"label": str(_("niet getoond")), "colour": HIDDEN_COLOUR,
                  "pattern": "hatched",
                  "meaning": str(_("de openbaarheidsregels tonen voor deze "
                                   "plaats geen aantal"))})
    if urgent:
        note = _("Hoeveel huishoudens van de categorie “%(label)s”, via urgentie "
                 "geplaatst, de plaats kan opnemen voordat haar klasse daalt (elk "
                 "vult een vrijkomende woning).") % {"label": _(cat.label)}
    else:
        note = _("Hoeveel huishoudens van de categorie “%(label)s” de plaats kan "
                 "opnemen voordat haar klasse daalt (elk vult een vrijkomende "
                 "woning).") % {"label": _(cat.label)}
    note += " " + _("Met * begrensd door het aantal huishoudens, niet door het "
                    "model.")
    if period:
        note += " " + _("Periode %(period)s.") % {"period": period}
    return {"title": str(_("Ruimte voor plaatsing")), "items": items, "note": note}


# -- the door's answers, kept per version ---------------------------------------

_cache: dict[tuple, pd.DataFrame] = {}
_lock = threading.Lock()
_CACHE_SIZE = 64


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def _period(period: str | None) -> str | None:
    periods = figures.available_periods()
    if not periods:
        raise AllocationUnavailable(_("Er zijn nog geen modelresultaten; ruimte voor "
                                      "plaatsing volgt uit de berekening."))
    return period if period in periods else periods[-1]


def headroom(level: str, code: str, urgent: bool = False, period: str | None = None,
             audience: str = "public") -> pd.DataFrame:
    """The door's headroom of every place of ``level``, indexed by place id.

    Kept per version of every table the door and the placement model read
    (results, dwellings, the level's places, the privacy officer's setting
    and approvals), as :func:`veerkracht.web.places.figures.figures` is.
    The frame is shared: do not modify it.
    """
    from veerkracht.jobs import publish

    chosen = _period(period)
    versions = workspace.versions()
    key = (workspace.location(), level, code, bool(urgent), chosen, audience,
           *(versions.get(n) for n in ("results", "dwellings", f"place_{level}",
                                       publish.SETTINGS_TABLE,
                                       publish.APPROVALS_TABLE)))
    with _lock:
        hit = _cache.get(key)
    if hit is not None:
        return hit
    try:
        room = allocate.published_headroom(workspace.workspace(), level, code,
                                           urgent, chosen, audience)
    except allocate.AllocationError as exc:
        raise AllocationUnavailable(str(exc)) from None
    room = room.set_index(room["place_id"].astype("str"))
    with _lock:
        _cache[key] = room
        while len(_cache) > _CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
    return room


def _plain(value):
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def row_of(room: pd.DataFrame, place_id: str) -> dict:
    """One place's headroom as the pages and the API give it.

    ``shown`` is whether the door published the number; without it the row
    holds no figure at all (not even ``None`` placeholders of the figures).
    """
    r = room.loc[place_id]
    shown = r["visibility"] == "public"
    out = {"place_id": place_id, "visibility": str(r["visibility"]), "shown": shown}
    if shown:
        for key in ("balance_class", "headroom", "headroom_lo", "headroom_hi",
                    "limited"):
            out[key] = _plain(r[key])
        for key in ("headroom", "headroom_lo", "headroom_hi"):
            if out[key] is not None:
                out[key] = int(out[key])
        out["limited"] = bool(out["limited"]) if out["limited"] is not None else None
        out["step"] = step_of(out["headroom"])
    return out


def headroom_text(row: dict) -> str:
    """A row's headroom as the map and the profile write it: ``3 (1–7)``,
    ``6* (2–6)`` when the households bound it, ``niet getoond``."""
    if not row.get("shown"):
        return str(_("niet getoond"))
    if row.get("headroom") is None:
        return str(_("geen gegevens"))
    text = str(row["headroom"]) + ("*" if row.get("limited") else "")
    lo, hi = row.get("headroom_lo"), row.get("headroom_hi")
    if lo is not None and hi is not None and (lo, hi) != (row["headroom"],) * 2:
        text += f" ({lo}–{hi})"
    return text


def map_properties(level: str, row: dict, name: str) -> dict:
    """What a headroom feature carries: the door's numbers and how to draw."""
    props = {"id": row["place_id"], "level": level, "name": name,
             "visibility": row["visibility"], "band": headroom_text(row)}
    if not row["shown"]:
        props.update(pattern="hatched", colour=HIDDEN_COLOUR)
        return props
    step = row.get("step")
    props["colour"] = NO_DATA_COLOUR if step is None else STEPS[step][3]
    props["pattern"] = "solid"
    for key in ("headroom", "headroom_lo", "headroom_hi", "limited",
                "balance_class"):
        if row.get(key) is not None:
            props[key] = row[key]
    if step is not None:
        props["step"] = str(STEPS[step][2])
    return props


@dataclass(frozen=True)
class Answer:
    """Headroom of the places of one level a user may see, for one category."""

    level: str
    code: str
    urgent: bool
    period: str
    audience: str
    rows: dict  # place id -> row_of(...)


def for_user(user, level: str, code: str, urgent: bool = False,
             period: str | None = None, place_ids=None) -> Answer:
    """The headroom of the places of ``level`` the user may see and the map
    draws for them (published for their audience), optionally of
    ``place_ids`` only."""
    check_level(user, level)
    code = check_category(code)
    audience = figures.audience_for(user, level)
    chosen = _period(period)
    room = headroom(level, code, urgent, chosen, audience)
    try:
        drawn = figures.figures(level, chosen, audience).frame.index
    except LookupError as exc:
        raise AllocationUnavailable(str(exc)) from None
    visible = scoping.visible_ids(user, level)
    ids = [pid for pid in drawn if pid in visible and pid in room.index]
    if place_ids is not None:
        wanted = set(place_ids)
        ids = [pid for pid in ids if pid in wanted]
    return Answer(level, code, bool(urgent), str(room["period"].iloc[0])
                  if len(room) else str(chosen), audience,
                  {pid: row_of(room, pid) for pid in ids})


def for_profile(user, level: str, place_id: str, period: str | None,
                audience: str) -> dict | None:
    """The profile's section: one row per category (``None`` when the user
    may not plan or the level has no headroom)."""
    if not can_plan(user) or level not in levels_for(user):
        return None
    rows = []
    try:
        for code, label in categories():
            room = headroom(level, code, False, period, audience)
            row = (row_of(room, place_id) if place_id in room.index
                   else {"place_id": place_id, "shown": False})
            rows.append({"code": code, "label": label, **row})
    except AllocationUnavailable as exc:
        return {"rows": [], "reason": str(exc)}
    return {"rows": rows, "reason": ""}


# -- what one placement does -----------------------------------------------------

#: what a what-if row shows where the door publishes the place
EFFECT_FIGURES = allocate.EFFECT_FIGURES


def effect_for(user, address_id: str, code: str, urgent: bool = False,
               period: str | None = None) -> dict:
    """What one placement of ``code`` at ``address_id`` does, for this user.

    One row per entrance, block and street of the address the user's role
    and areas let them see, finest first, each with ``shown`` (the door
    published its figures) and, when shown, the before/after figures of
    :func:`veerkracht.jobs.allocate.published_effect`. Raises
    ``PermissionDenied`` when none of them is the user's to see.
    """
    from django.core.exceptions import PermissionDenied

    code = check_category(code)
    chosen = _period(period)
    levels = levels_for(user)
    if not levels:
        raise PermissionDenied(_("Uw rol toont geen portiek, blok of straat."))
    try:
        places = allocate.placement_model(workspace.workspace(), chosen).places_of(
            address_id)
    except allocate.AllocationError as exc:
        raise AllocationUnavailable(str(exc)) from None
    except ValueError:
        raise ValueError(_("Op dit adres is geen woning waarvoor plaatsen zijn "
                           "berekend.")) from None
    mine = {lv: pid for lv, pid in places.items()
            if lv in levels and scoping.can_see(user, lv, str(pid))}
    if not mine:
        raise PermissionDenied(_("Dit adres ligt buiten uw gebied."))
    audience = figures.audience_for(user, next(iter(mine)))
    try:
        eff = allocate.published_effect(workspace.workspace(), address_id, code,
                                        urgent, chosen, audience)
    except allocate.AllocationError as exc:
        raise ValueError(str(exc)) from None
    from veerkracht.web.places import services as place_services

    rows = []
    for r in eff.to_dict("records"):
        lv, pid = str(r["level"]), str(r["place_id"])
        if mine.get(lv) != pid:
            continue
        shown = r["visibility"] == "public"
        names = place_services.shown_places(lv, [pid])
        row = {"level": lv, "level_label": str(LABELS[lv]), "place_id": pid,
               "name": names.get(pid, ""), "visibility": str(r["visibility"]),
               "shown": shown,
               # the profile opens for the places the map draws
               "has_profile": pid in figures.published_ids(lv, audience)}
        if shown:
            row["n_dwellings"] = _plain(r["n_dwellings"])
            for key in EFFECT_FIGURES:
                row[key] = _plain(r[key])
            for key in ("headroom_before", "headroom_after"):
                if row[key] is not None:
                    row[key] = int(row[key])
        rows.append(row)
    cat = category(code)
    return {"address_id": str(address_id), "category": code,
            "category_label": _(cat.label), "urgent": bool(urgent),
            "period": str(eff["period"].iloc[0]) if len(eff) else str(chosen),
            "audience": audience, "rows": rows}
