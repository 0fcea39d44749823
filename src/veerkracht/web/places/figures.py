"""The figures the site shows per place: only what the publication door lets out.

Every place figure of the web application — map layers, place profiles
(page, API, PDF), multiscalar profiles, signal counts — comes from
:mod:`veerkracht.jobs.publish` (ADR 0006, "one door"), which applies the
rules and the privacy officer's current setting. This module does no
disclosure arithmetic: no threshold, no rounding, no suppression. It only

* chooses the *audience* of a request (:func:`audience_for`): ``"assigned"``
  for a professional (frontline or corporation) whose organisation is
  assigned to the area holding the place, ``"public"`` for everyone else;
* turns the door's rows into what a page draws (a colour per class, a
  neutral hatched style and the band text for band-only places), and never
  shows the exact class of a band-only place.

A place the door does not return for the audience is not a place for that
request: it is not drawn, not listed, and its profile answers 404 like an
unknown place (so "no households" and "a few" look the same).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _

from veerkracht.jobs import publish
from veerkracht.web import workspace
from veerkracht.web.accounts import roles
from veerkracht.web.levels import check_level

# colours per class, best to worst (colour-blind safe, from ColorBrewer RdYlBu)
CLASS_COLOURS = ["#4575b4", "#91bfdb", "#fee090", "#fc8d59", "#d73027"]
#: band-only places: one neutral colour, drawn hatched, never a class colour
BAND_COLOUR = "#d9d9d9"
# bins and colours while there are no results: published dwellings per place
DWELLING_BINS = [50, 200, 1000]
DWELLING_COLOURS = ["#bae4b3", "#74c476", "#31a354", "#006d2c"]
DWELLING_LABELS = ["10–49 woningen", "50–199", "200–999", "1000 of meer"]

#: roles that may receive bands of small places, for the areas of their
#: organisation only (ADR 0006 §5)
ASSIGNED_ROLES = frozenset({roles.FRONTLINE, roles.CORPORATION})

#: what the door publishes per place that a page may show (nothing else leaves)
SHOWN = (
    "name", "visibility", "n_dwellings", "n_households", "pressure",
    "pressure_lo", "pressure_hi", "resilience", "resilience_lo", "resilience_hi",
    "balance", "balance_lo", "balance_hi", "balance_class", "class_lo", "class_hi",
    "class_band", "model_name", "model_version", "period",
)
#: never shown for a band-only place (nor its ``p_<class>``): the band is all
#: it has
EXACT = ("balance_class", "class_lo", "class_hi")


@dataclass(frozen=True)
class BalanceClass:
    """A class of the model file as the site draws it: name, meaning, colour."""

    name: str
    meaning: str
    colour: str


def balance_classes() -> tuple[BalanceClass, ...]:
    """The named classes, best first, with what each means (plain Dutch).

    Defined once, in the model file (``[[classes]]``, read by
    :func:`veerkracht.io.model_file.load_model`): the shipped file whose name
    and version the workspace's latest results carry, or the default model
    file before any result (or for a model file that is not shipped).
    """
    return _classes_of(_results_model())


def _results_model() -> tuple[str, str] | None:
    version = workspace.version_of("results")
    if version is None:
        return None
    return _latest_model(workspace.location(), version)


@lru_cache(maxsize=4)
def _latest_model(location: str, version: int) -> tuple[str, str] | None:
    results = workspace.table("results")
    if results is None or not len(results) or not {
            "model_name", "model_version"} <= set(results.columns):
        return None
    order = (results["computed_at"].astype("str").to_numpy()
             if "computed_at" in results.columns else np.arange(len(results)))
    last = results.iloc[int(np.argmax(order))]
    return str(last["model_name"]), str(last["model_version"])


@lru_cache(maxsize=8)
def _classes_of(model: tuple[str, str] | None) -> tuple[BalanceClass, ...]:
    spec = _spec_of(model)
    raw = list(spec.classes) if spec is not None else []
    n = len(raw)
    colours = (
        CLASS_COLOURS
        if n == len(CLASS_COLOURS)
        else [CLASS_COLOURS[round(i * (len(CLASS_COLOURS) - 1) / max(n - 1, 1))]
              for i in range(n)]
    )
    return tuple(BalanceClass(c.name, c.meaning, colours[i])
                 for i, c in enumerate(raw))


def class_meaning(name: str | None) -> str:
    """What a class of the model file means, in plain Dutch ("" if unknown)."""
    for c in balance_classes():
        if c.name == name:
            return c.meaning
    return ""


def band_meaning() -> str:
    """What the hatched band of a small place means, under the rules in force."""
    rules = publish.current_rules(workspace.workspace())
    return str(_(
        "Een kleine plaats: minder dan %(min)s huishoudens (en ten minste "
        "%(floor)s). U ziet alleen tussen welke twee of meer aangrenzende klassen "
        "zij valt, nooit haar precieze klasse of een getal; en alleen als uw "
        "organisatie aan het gebied is toegewezen."
    ) % {"min": rules.min_count, "floor": rules.band_min})


def indicator_descriptions() -> dict[str, str]:
    """The ``label`` of every indicator of the model the results come from
    (as :func:`balance_classes` finds it), by indicator name."""
    return _descriptions_of(_results_model())


@lru_cache(maxsize=8)
def _descriptions_of(model: tuple[str, str] | None) -> dict[str, str]:
    spec = _spec_of(model)
    return {} if spec is None else {i.name: i.label for i in spec.indicators}


@lru_cache(maxsize=8)
def _spec_of(model: tuple[str, str] | None):
    """The shipped model file with this name and version (else the default)."""
    from veerkracht.io.model_file import (
        DEFAULT_MODEL,
        MODEL_1,
        ModelError,
        load_model,
        shipped_model_path,
    )

    specs = []
    for name in (DEFAULT_MODEL, MODEL_1):
        try:
            specs.append(load_model(shipped_model_path(name)))
        except (ModelError, OSError):  # pragma: no cover - a broken install
            continue
    return next((s for s in specs if (s.name, s.version) == model),
                specs[0] if specs else None)


def audience_for(user, level: str, place_id: str | None = None) -> str:
    """``"assigned"`` or ``"public"``: who the door publishes for.

    ``"assigned"`` only for a frontline professional or a corporation's
    social manager whose organisation is assigned to an area holding all of
    the place's dwellings (:func:`veerkracht.web.accounts.scoping.can_see`);
    with ``place_id=None`` the caller has already limited the places to
    :func:`~veerkracht.web.accounts.scoping.visible_ids`.
    """
    from veerkracht.web.accounts import scoping

    if roles.role_of(user) not in ASSIGNED_ROLES:
        return "public"
    if not scoping.assignments_of(user):
        return "public"
    if place_id is not None and not scoping.can_see(user, level, place_id):
        return "public"
    return "assigned"


@dataclass(frozen=True)
class Figures:
    """Published figures of one level for one audience.

    ``frame`` is indexed by ``place_id`` and holds only places the door
    published for the audience, with the door's columns (:data:`SHOWN`) plus
    what a page draws: ``colour``, ``pattern`` (``"hatched"`` for a band) and
    ``band`` (the text shown next to the colour).
    """

    mode: str  # "results" or "dwellings"
    level: str
    period: str | None
    audience: str
    frame: pd.DataFrame
    periods: tuple[str, ...] = field(default_factory=tuple)

    def legend(self) -> dict:
        """Colours and what they mean: each class of the model file with its
        meaning, and (for the assigned audience) the hatched band."""
        band = {"label": str(_("alleen een band (kleine plaats)")),
                "colour": BAND_COLOUR, "pattern": "hatched",
                "meaning": band_meaning()}
        if self.mode == "results":
            items = [
                {"label": c.name, "colour": c.colour, "meaning": c.meaning}
                for c in balance_classes()
            ]
            if self.audience == "assigned":
                items.append(band)
            return {
                "title": "Balans (klasse)",
                "items": items,
                "note": f"Periode {self.period}." if self.period else "",
            }
        return {
            "title": "Aantal woningen",
            "items": [
                {"label": lbl, "colour": col}
                for lbl, col in zip(DWELLING_LABELS, DWELLING_COLOURS, strict=True)
            ],
            "note": "Nog geen modelresultaten in de werkmap: de kaart is gekleurd "
            "naar het aantal woningen, niet naar de balans.",
        }


def available_periods() -> tuple[str, ...]:
    """Periods in the ``results`` table, oldest first (empty without results)."""
    if workspace.version_of("results") is None or "period" not in (
            workspace.workspace().columns("results")):
        return ()
    results = workspace.table("results", ("period",))
    return tuple(sorted(results["period"].dropna().astype("str").unique()))


def figures(level: str, period: str | None = None, audience: str = "public", *,
            indicators: bool = False) -> Figures:
    """What the door publishes of every place at ``level`` for ``audience``.

    With model results: ``publish.published_places``; before any model was
    computed: ``publish.published_place_sizes`` (dwellings, public BAG data,
    under the same rules). Raises ``LookupError`` when the door has nothing
    to publish (no places derived yet).

    Kept per version of every table the door and the drawing read (results,
    the level's places, the privacy officer's setting, the approved models):
    the same answer as asking the door again, which it would give for those
    versions. The frame is shared: do not modify it.
    """
    check_level(level)
    ws = workspace.workspace()
    periods = available_periods()
    chosen = (period if period in periods else periods[-1]) if periods else None
    # everything the door and the drawing read, by version: a new compute,
    # derivation, rule or approval is a new key (in every process)
    versions = workspace.versions()
    key = (str(ws.location), level, chosen, audience, bool(indicators), periods,
           *(versions.get(name) for name in (
               "results", f"place_{level}", publish.SETTINGS_TABLE,
               publish.APPROVALS_TABLE)))
    with _cache_lock:
        hit = _cache.pop(key, None)
        if hit is not None:
            _cache[key] = hit  # the least recently used goes first
    if hit is not None:
        return hit
    try:
        if periods:
            frame = publish.published_places(
                ws, level, period=chosen, audience=audience, indicators=indicators
            )
            mode = "results"
        else:
            mode = "dwellings"
            frame = publish.published_place_sizes(ws, level)
    except publish.PublishError as exc:
        raise LookupError(str(exc)) from exc
    made = Figures(mode, level, chosen, audience, _drawn(frame, mode, level), periods)
    with _cache_lock:
        _cache[key] = made
        while len(_cache) > _CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
    return made


#: Figures made, by everything they are made of (see :func:`figures`): a map
#: layer and a profile ask for the same level several times, and a profile
#: for each of its enclosing places and periods. Shared: never modified.
_cache: dict[tuple, Figures] = {}
_cache_lock = threading.Lock()
#: levels x audiences x (periods + with indicators), with room to spare
_CACHE_SIZE = 128


_published: dict[tuple, frozenset[str]] = {}
_published_lock = threading.Lock()


def published_ids(level: str, audience: str = "public", *,
                  versions: dict | None = None) -> frozenset[str]:
    """Ids of the places of ``level`` that :func:`figures` draws for ``audience``.

    The door's answer is a function of the workspace's tables (results,
    protected statistics, the privacy officer's rules and approvals are all
    tables), so it is kept per version of every table: any change to one of
    them, in any server process, gives a new key. For lookups that need only
    *which* places are published (the place search), not their figures.
    ``versions`` is :func:`veerkracht.web.workspace.versions` when the caller
    has just read it.
    """
    check_level(level)
    versions = versions if versions is not None else workspace.versions()
    key = (workspace.location(), level, audience, tuple(sorted(versions.items())))
    with _published_lock:
        hit = _published.get(key)
    if hit is not None:
        return hit
    try:
        ids = frozenset(figures(level, audience=audience).frame.index)
    except LookupError:
        ids = frozenset()
    with _published_lock:
        if len(_published) > 64:
            _published.clear()
        _published[key] = ids
    return ids


def _drawn(frame: pd.DataFrame, mode: str, level: str) -> pd.DataFrame:
    """The door's rows with colour, pattern and band text (no arithmetic)."""
    out = frame.copy()
    if "place_id" in out.columns:
        out = out.set_index(out["place_id"].astype("str"))
    out.index.name = "place_id"
    if "visibility" not in out.columns:
        out["visibility"] = "public"
    out = out[out["visibility"].isin(["public", "band_only"]).to_numpy()]
    keep = [c for c in out.columns
            if c in SHOWN or c.startswith(("ind_", "p_"))]
    out = out[keep].copy()
    if "name" not in out.columns:
        version = workspace.version_of(f"place_{level}")
        out["name"] = out.index.map(_names(level, version))
    band_only = (out["visibility"] == "band_only").to_numpy()
    if mode == "results":
        colours = {c.name: c.colour for c in balance_classes()}
        cls = out.get("balance_class", pd.Series(None, index=out.index)).astype(
            "object")
        out["colour"] = cls.map(colours).fillna("#bdbdbd").astype(object)
        band = _band_text(out).astype(object)
        out["band"] = np.where(band_only, band, cls.fillna("geen gegevens"))
        order = {c.name: i for i, c in enumerate(balance_classes())}
        out["class_index"] = cls.map(order)
    else:
        n = pd.to_numeric(out.get("n_dwellings"), errors="coerce")
        idx = np.searchsorted(DWELLING_BINS, n.fillna(0).to_numpy(), side="right")
        out["colour"] = np.array(DWELLING_COLOURS, dtype=object)[idx]
        out["band"] = np.array(DWELLING_LABELS, dtype=object)[idx]
        out.loc[band_only, "band"] = "kleine plaats"
    out["pattern"] = np.where(band_only, "hatched", "solid").astype(object)
    out.loc[band_only, "colour"] = BAND_COLOUR
    for col in [*EXACT, *(c for c in out.columns if c.startswith("p_"))]:
        if col in out.columns:
            out[col] = out[col].astype(object).where(~band_only, None)
    if "class_index" in out.columns:
        out["class_index"] = out["class_index"].astype(object).where(~band_only, None)
    return out


@lru_cache(maxsize=16)
def _names(level: str, version: int) -> pd.Series:
    """Place names by id (one Series per version: its index is hashed once)."""
    places = workspace.table(f"place_{level}")
    return pd.Series(places["name"].astype("str").to_numpy(),
                     index=places["place_id"].astype("str").to_numpy())


def _band_text(out: pd.DataFrame) -> pd.Series:
    """The published band of each row as text ("onder druk – overbelast")."""
    if "class_band" in out.columns:
        return out["class_band"].astype(object).fillna("band onbekend")
    lo = out.get("class_lo", pd.Series(None, index=out.index)).astype(object)
    hi = out.get("class_hi", pd.Series(None, index=out.index)).astype(object)
    same = lo.eq(hi)
    text = lo.astype(str) + " – " + hi.astype(str)
    return text.where(~same, lo).where(lo.notna(), "band onbekend")


def figure_of(level: str, place_id: str, period: str | None = None,
              audience: str = "public", *, indicators: bool = False) -> dict | None:
    """One place's published figures as a dict (``None`` when not published)."""
    fig = figures(level, period, audience, indicators=indicators)
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
    """Forget the model's classes, the figures made and the published ids
    (test fixtures; versions key them otherwise)."""
    _classes_of.cache_clear()
    _latest_model.cache_clear()
    _descriptions_of.cache_clear()
    _names.cache_clear()
    with _published_lock:
        _published.clear()
    with _cache_lock:
        _cache.clear()
