"""The publication door: the one set of rules every published figure passes.

Every figure that leaves a workspace — exports of every level and format,
compute summaries, map layers, place profiles (page, API, PDF), multiscalar
profiles, signal counts, Open311 answers — is made here from rows whose
household and signal counts are already *protected* (noisy, ADR 0006,
:mod:`veerkracht.jobs.protect`). Differential privacy on those counts is what
protects against differencing and linear attacks; the rules below are the
CBS-style rules kept on top, applied to the protected counts. Secondary
suppression and the cross-hierarchy audit are retired (ADR 0006 §4).

Rules (:class:`PublicationRules`, docs/privacy.md "De publicatiedeur"):

1. **No address is a place.** A place with fewer than ``band_min`` (5)
   dwellings is never a row of any output; a single-dwelling entrance is no
   entrance anywhere (it belongs to its building and street).
2. **Below the band threshold: nothing.** A place with fewer than
   ``band_min`` protected households gets visibility ``'suppressed'`` and no
   figure, band, class, colour or member list — exactly as a place without
   households.
3. **Bands only for the assigned, from an approved model.** With
   ``band_min <= households < min_count`` a place is ``'band_only'`` (the
   class band, nothing else) for audience ``'assigned'`` when the model file
   is approved; for every other audience and for unapproved models it is
   ``'suppressed'``. Bulk exports are always audience ``'public'``.
   **A band spans at least two adjacent classes** (:func:`two_class_bands`):
   a band whose interval lies inside one class would be the exact class,
   which a small place never gets; it is widened by the neighbouring class
   the place's posterior finds more likely (``p_<class>``; on a tie or
   without probabilities, the worse one). A band that cannot be widened
   (class order unknown) is not published: the place is ``'suppressed'``.
4. **CBS rule on the protected counts.** A place is ``'public'`` with at
   least ``min_count`` (10) protected households; a published share needs
   ``min_count`` behind numerator, denominator and complement.
5. **Rounding.** Counts to multiples of ``rounding_base`` (5), figures to
   ``decimals`` (3) decimals: no full double precision leaves the door.
6. **Only protected results.** A result row computed from exact statistics
   (column ``statistics`` not ``'protected'``, or no such column: results
   from before ADR 0006) is never published: every such place is
   ``'suppressed'``. :func:`veerkracht.jobs.publish.published_places`
   refuses such results with a Dutch message.
7. **Floors that cannot be lowered.** ``min_count`` never below 10,
   ``band_min`` never below 5; the privacy officer can raise both
   (:func:`veerkracht.jobs.publish.set_rules`), and every output reads the
   current setting (:func:`veerkracht.jobs.publish.current_rules`).

Every entry point of the door is registered with :func:`door`; the test
``tests/test_one_door.py`` checks that every CLI command and every URL that
emits place figures calls one of them (:func:`recording`).

Examples
--------
>>> rules = PublicationRules()
>>> round_counts([3, 12, 12.5, 17], rules.rounding_base).tolist()
[5.0, 10.0, 15.0, 15.0]
>>> primary_safe([12, 5, 12], [30, 30, 20], rules.min_count).tolist()  # 20-12 < 10
[True, False, False]
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

#: The statutory floor of households behind any published count or share.
MIN_COUNT = 10
#: The floor of the band threshold (dwellings and protected households).
BAND_FLOOR = 5

Audience = Literal["public", "assigned"]
AUDIENCES: tuple[str, ...] = ("public", "assigned")
VISIBILITY: tuple[str, ...] = ("public", "band_only", "suppressed")

#: Columns of a published place row, in order (plus ``p_<class>`` per class).
EXPORT_COLUMNS = (
    "level", "place_id", "period", "model_name", "model_version", "model_hash",
    "visibility", "n_dwellings", "n_households", "pressure", "pressure_lo",
    "pressure_hi", "resilience", "resilience_lo", "resilience_hi", "balance",
    "balance_lo", "balance_hi", "balance_class", "class_lo", "class_hi",
    "class_band",
)
#: Columns that identify a row; kept on every row, suppressed or not.
_KEY_COLUMNS = ("level", "place_id", "period", "model_name", "model_version",
                "model_hash", "visibility")
_CLASS_COLUMNS = ("balance_class", "class_lo", "class_hi")
#: A signal window is a calendar quarter (``2025-Q3``) or year (``2025``).
WINDOW_PATTERN = re.compile(r"^\d{4}(-Q[1-4])?$")


class PublicationConfigError(ValueError):
    """A publication setting below its floor (or otherwise invalid); Dutch."""


@dataclass(frozen=True)
class PublicationRules:
    """Thresholds of the door; never below :data:`MIN_COUNT` / :data:`BAND_FLOOR`.

    Examples
    --------
    >>> PublicationRules(min_count=20).band_min
    5
    >>> PublicationRules(min_count=5)
    Traceback (most recent call last):
    ...
    veerkracht.analytics.publication.PublicationConfigError: min_count = 5 is \
lager dan het wettelijke minimum van 10 huishoudens; dat kan niet lager worden \
ingesteld
    >>> PublicationRules(band_min=3)
    Traceback (most recent call last):
    ...
    veerkracht.analytics.publication.PublicationConfigError: band_min = 3 is \
lager dan de ondergrens van 5; dat kan niet lager worden ingesteld
    """

    min_count: int = MIN_COUNT
    band_min: int = BAND_FLOOR
    rounding_base: int = 5
    decimals: int = 3

    def __post_init__(self) -> None:
        for name in ("min_count", "band_min", "rounding_base", "decimals"):
            value = getattr(self, name)
            if not isinstance(value, int | np.integer) or isinstance(value, bool):
                raise PublicationConfigError(f"{name} moet een geheel getal zijn")
        if self.min_count < MIN_COUNT:
            raise PublicationConfigError(
                f"min_count = {self.min_count} is lager dan het wettelijke minimum "
                f"van {MIN_COUNT} huishoudens; dat kan niet lager worden ingesteld")
        if self.band_min < BAND_FLOOR:
            raise PublicationConfigError(
                f"band_min = {self.band_min} is lager dan de ondergrens van "
                f"{BAND_FLOOR}; dat kan niet lager worden ingesteld")
        if self.band_min > self.min_count:
            raise PublicationConfigError(
                f"band_min = {self.band_min} is hoger dan min_count = "
                f"{self.min_count}; de banddrempel ligt nooit boven de drempel "
                "voor getallen")
        if self.rounding_base < 1:
            raise PublicationConfigError(
                "rounding_base moet een positief geheel getal zijn")
        if not 0 <= self.decimals <= 6:
            raise PublicationConfigError("decimals moet tussen 0 en 6 liggen")


def _check_audience(audience: str) -> None:
    if audience not in AUDIENCES:
        raise PublicationConfigError(
            f"onbekend publiek {audience!r}; kies uit {', '.join(AUDIENCES)}")


# --------------------------------------------------------------------------
# The registry of entry points (checked by tests/test_one_door.py)

#: Every function through which figures leave the workspace, by name.
DOOR: dict[str, Callable] = {}
_calls: list[str] = []
_recording = 0
_lock = threading.Lock()


def door(func: Callable) -> Callable:
    """Register ``func`` as an entry point of the door (and record its calls).

    A call is recorded only inside :func:`recording`; otherwise the wrapper
    costs one integer comparison.
    """
    name = f"{func.__module__}.{func.__qualname__}"

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if _recording:
            with _lock:
                _calls.append(name)
        return func(*args, **kwargs)

    wrapper.door_name = name  # type: ignore[attr-defined]
    DOOR[name] = wrapper
    return wrapper


@contextmanager
def recording() -> Iterator[list[str]]:
    """Collect the names of door entry points called inside the block.

    >>> with recording() as calls:
    ...     _ = publish_profiles(pd.DataFrame({"place_id": [], "k": [], "share": [],
    ...                                        "n_members": []}))
    >>> calls
    ['veerkracht.analytics.publication.publish_profiles']
    """
    global _recording
    with _lock:
        start = len(_calls)
        _recording += 1
    out: list[str] = []
    try:
        yield out
    finally:
        with _lock:
            out.extend(_calls[start:])
            _recording -= 1
            if not _recording:
                _calls.clear()


# --------------------------------------------------------------------------
# The primary rules

def round_counts(values, base: int = 5) -> np.ndarray:
    """Round counts to the nearest multiple of ``base`` (halves up); NaN stays NaN.

    Negative protected counts (noise) round like any other value; callers
    publish counts only where :func:`primary_safe` holds.
    """
    v = np.asarray(values, dtype="float64")
    return np.floor(v / base + 0.5) * base


def primary_safe(numerator, denominator, min_count: int = MIN_COUNT) -> np.ndarray:
    """True where numerator, denominator and complement are all >= ``min_count``.

    With ``numerator=None`` only the count (``denominator``) is checked.
    NaN counts are never safe.
    """
    den = np.asarray(denominator, dtype="float64")
    if numerator is None:
        return np.nan_to_num(den, nan=-1) >= min_count
    num = np.asarray(numerator, dtype="float64")
    ok = (num >= min_count) & (den >= min_count) & (den - num >= min_count)
    return ok & ~np.isnan(num) & ~np.isnan(den)


def place_visibility(n_households, audience: str = "public",
                     rules: PublicationRules | None = None,
                     model_approved: bool = False) -> np.ndarray:
    """``'public'``, ``'band_only'`` or ``'suppressed'`` per place.

    From the *protected* household count only; places with fewer than
    ``band_min`` dwellings must already be left out (:func:`publish_places`).

    Examples
    --------
    >>> place_visibility([25, 7, 3, 0, -2], "assigned", model_approved=True).tolist()
    ['public', 'band_only', 'suppressed', 'suppressed', 'suppressed']
    >>> place_visibility([25, 7], "public", model_approved=True).tolist()
    ['public', 'suppressed']
    >>> place_visibility([25, 7], "assigned").tolist()  # model not approved
    ['public', 'suppressed']
    """
    _check_audience(audience)
    rules = rules or PublicationRules()
    hh = np.nan_to_num(np.asarray(n_households, dtype="float64"), nan=-1.0)
    bands = audience == "assigned" and bool(model_approved)
    band = (hh >= rules.band_min) & (hh < rules.min_count) & bands
    return np.where(hh >= rules.min_count, "public",
                    np.where(band, "band_only", "suppressed")).astype(object)


def public_by_counts(n_dwellings, n_households,
                     rules: PublicationRules | None = None) -> np.ndarray:
    """Whether each place is public by its protected counts alone.

    At least ``band_min`` dwellings (rule 1) and ``'public'`` visibility
    (rule 4) for the public audience.

    >>> public_by_counts([30, 30, 3], [25, 7, 25]).tolist()
    [True, False, False]
    """
    rules = rules or PublicationRules()
    dw = pd.Series(n_dwellings).to_numpy(dtype="float64", na_value=np.nan)
    hh = pd.Series(n_households).to_numpy(dtype="float64", na_value=np.nan)
    return (np.nan_to_num(dw, nan=-1) >= rules.band_min) & (
        place_visibility(hh, "public", rules) == "public")


def protected_rows(results: pd.DataFrame) -> np.ndarray:
    """True for result rows computed from protected statistics (ADR 0006).

    >>> protected_rows(pd.DataFrame({"statistics": ["protected", "exact"]})).tolist()
    [True, False]
    >>> protected_rows(pd.DataFrame({"n_households": [12]})).tolist()  # before DP
    [False]
    """
    if "statistics" not in results.columns:
        return np.zeros(len(results), dtype=bool)
    return results["statistics"].astype("str").eq("protected").to_numpy()


BAND_SEP = " – "


def _slug(name: str) -> str:
    # the column name of a class (veerkracht.analytics.model.classes.class_slug)
    return re.sub(r"[^a-z0-9]+", "_", str(name).lower()).strip("_")


def class_order(rows: pd.DataFrame, class_names=None) -> tuple[str, ...] | None:
    """The classes best first: ``class_names``, else read from the rows.

    Without ``class_names`` the order is that of the ``p_<class>`` columns
    (written in the model's class order), named by the class names the rows
    use; None when a column has no name in the rows (the order is unknown).

    >>> rows = pd.DataFrame({"balance_class": ["a b", "c"], "class_band": [
    ...     "a b – c", "c – d"], "p_a_b": [.5, 0], "p_c": [.5, .6], "p_d": [0, .4]})
    >>> class_order(rows)
    ('a b', 'c', 'd')
    >>> class_order(rows.drop(columns="class_band")) is None  # 'd' never named
    True
    """
    if class_names is not None:
        return tuple(str(c) for c in class_names)
    seen: dict[str, str] = {}
    for c in ("balance_class", "class_lo", "class_hi", "class_band"):
        if c in rows.columns:
            for v in rows[c].dropna().astype("str").unique():
                for name in v.split(BAND_SEP):
                    seen.setdefault(_slug(name), name)
    slugs = [c[2:] for c in rows.columns if c.startswith("p_")]
    if not slugs or any(s not in seen for s in slugs):
        return None
    return tuple(seen[s] for s in slugs)


def _prob(rows: pd.DataFrame, name: str, i: int) -> float:
    col = f"p_{_slug(name)}"
    v = rows[col].iloc[i] if col in rows.columns else np.nan
    return -1.0 if pd.isna(v) else float(v)


def two_class_bands(rows: pd.DataFrame, class_names=None) -> np.ndarray:
    """The ``class_band`` of each row, spanning at least two adjacent classes.

    A band of one class (its interval lies inside that class) is widened by
    a neighbouring class: the one with the larger ``p_<class>`` (the side the
    estimate lies nearer to), the worse one on a tie or without
    probabilities, the only one at either end. Bands of two or more classes
    are kept. None where the band is missing or the class order is unknown
    (:func:`class_order`). Bands read best class first ("onder druk –
    overbelast"), as the model writes them.

    Examples
    --------
    >>> order = ["in balans", "kwetsbaar evenwicht", "onder druk"]
    >>> rows = pd.DataFrame({"class_band": ["in balans", "kwetsbaar evenwicht",
    ...     "kwetsbaar evenwicht", "onder druk", "in balans – onder druk", None],
    ...     "p_in_balans": [.9, .3, .1, 0, .4, 0],
    ...     "p_kwetsbaar_evenwicht": [.1, .6, .6, .2, .2, 0],
    ...     "p_onder_druk": [0, .1, .3, .8, .4, 0]})
    >>> two_class_bands(rows, order).tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['in balans – kwetsbaar evenwicht', 'in balans – kwetsbaar evenwicht',
     'kwetsbaar evenwicht – onder druk', 'kwetsbaar evenwicht – onder druk',
     'in balans – onder druk', None]
    """
    order = class_order(rows, class_names)
    bands = rows["class_band"].astype(object).to_numpy() if "class_band" in \
        rows.columns else np.full(len(rows), None, dtype=object)
    out = np.full(len(rows), None, dtype=object)
    for i, band in enumerate(bands):
        if band is None or (not isinstance(band, str) and pd.isna(band)):
            continue
        band = str(band)
        if BAND_SEP in band:
            out[i] = band
            continue
        if order is None or band not in order or len(order) < 2:
            continue
        k = order.index(band)
        if k == 0:
            other = 1
        elif k == len(order) - 1:
            other = k - 1
        else:
            p_better, p_worse = (_prob(rows, order[j], i) for j in (k - 1, k + 1))
            other = k - 1 if p_better > p_worse else k + 1
        lo, hi = sorted((k, other))
        out[i] = f"{order[lo]}{BAND_SEP}{order[hi]}"
    return out


def _figure_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns
            if c.startswith(("pressure", "resilience", "balance", "p_"))
            and c not in (*_CLASS_COLUMNS, "balance_sd")
            and pd.api.types.is_numeric_dtype(frame[c])]


@door
def publish_places(results: pd.DataFrame, rules: PublicationRules | None = None,
                   audience: str = "public", model_approved: bool = False, *,
                   indicators: bool = False, class_names=None) -> pd.DataFrame:
    """Published rows of model results (one period, one model, any levels).

    Parameters
    ----------
    results : DataFrame
        Rows of ``results`` whose ``n_households`` and ``count_*`` are the
        protected counts; at least ``level``, ``place_id``, ``n_dwellings``,
        ``n_households`` and ``statistics`` (rows not ``'protected'`` are
        suppressed, rule 6).
    rules : PublicationRules, optional
        The privacy officer's current setting
        (:func:`veerkracht.jobs.publish.current_rules`); default rules.
    audience : {'public', 'assigned'}
        ``'public'`` for bulk exports, anonymous users and the API without an
        area assignment: never bands. ``'assigned'``: a professional
        assigned to the area; bands where the model is approved.
    model_approved : bool
        Whether the privacy officer approved the model file of these rows.
    indicators : bool
        Also publish the ``ind_<name>`` values of public places; a share
        (an indicator with a ``count_<name>`` numerator) only where
        numerator, denominator and complement pass :func:`primary_safe`.
    class_names : sequence of str, optional
        The model's classes, best first, to widen bands of one class
        (:func:`two_class_bands`); default: read from the rows
        (:func:`class_order`).

    Returns
    -------
    DataFrame
        :data:`EXPORT_COLUMNS` (those present) plus ``p_<class>`` (and
        ``ind_*`` with ``indicators``): figures only where ``visibility ==
        'public'``; only ``class_band`` where ``'band_only'``; nothing where
        ``'suppressed'``. Counts rounded to ``rounding_base``, figures to
        ``decimals`` decimals. Places below ``band_min`` dwellings are absent.

    Examples
    --------
    >>> res = pd.DataFrame({"level": "block", "place_id": ["a", "b", "c", "d"],
    ...     "n_dwellings": [40, 8, 8, 3], "n_households": [37.0, 7, 2, 3],
    ...     "balance": [0.12345, -0.3, 0.1, 0.0], "balance_class": "x",
    ...     "class_band": "x – y", "p_x": [0.61234, 0.5, 0.5, 0.5], "p_y": 0.3,
    ...     "statistics": "protected"})
    >>> out = publish_places(res, audience="assigned", model_approved=True)
    >>> out[["place_id", "visibility", "n_households", "balance", "class_band"]
    ...     ].to_numpy().tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['a', 'public', 35.0, 0.123, 'x – y'], ['b', 'band_only', nan, nan, 'x – y'],
     ['c', 'suppressed', nan, nan, nan]]
    >>> publish_places(res)["visibility"].tolist()  # public: no bands
    ['public', 'suppressed', 'suppressed']
    >>> publish_places(res.assign(statistics="exact"))["visibility"].tolist()
    ['suppressed', 'suppressed', 'suppressed']
    """
    rules = rules or PublicationRules()
    _check_audience(audience)
    dw = results["n_dwellings"].to_numpy(dtype="float64", na_value=np.nan)
    rows = results.loc[np.nan_to_num(dw, nan=-1.0) >= rules.band_min]
    rows = rows.reset_index(drop=True)
    hh = rows["n_households"].to_numpy(dtype="float64", na_value=np.nan)
    hh = np.where(protected_rows(rows), hh, np.nan)  # exact counts: never
    vis = place_visibility(hh, audience, rules, model_approved)
    band = vis == "band_only"
    bands = np.full(len(rows), None, dtype=object)
    if band.any():
        bands[band] = two_class_bands(rows.loc[band], class_order(rows, class_names))
        vis = np.where(band & pd.isna(bands), "suppressed", vis).astype(object)
        band = vis == "band_only"  # no band of two classes: nothing at all
    public = vis == "public"
    p_cols = sorted(c for c in rows.columns if c.startswith("p_"))
    cols = [c for c in EXPORT_COLUMNS if c in rows.columns and c != "visibility"]
    ind_cols = ([c for c in rows.columns if c.startswith("ind_")] if indicators
                else [])
    out = pd.DataFrame({c: rows[c] for c in cols}, index=rows.index)
    for c in ("level", "place_id", "period", "model_name", "model_version",
              "model_hash"):
        if c in out.columns:
            out[c] = out[c].astype("str")
    at = min(len(out.columns), 6)
    out.insert(at, "visibility", pd.array(vis, dtype="str"))
    for c in ("n_households", "n_dwellings"):
        if c in out.columns:
            v = round_counts(rows[c].to_numpy(dtype="float64", na_value=np.nan),
                             rules.rounding_base)
            out[c] = np.where(public, v, np.nan)
    figures = [c for c in _figure_columns(rows) if c in cols or c in p_cols]
    for c in figures:
        v = np.round(rows[c].to_numpy(dtype="float64", na_value=np.nan),
                     rules.decimals)
        out[c] = np.where(public, v, np.nan)
    for c in _CLASS_COLUMNS:
        if c in out.columns:
            out[c] = pd.array(np.where(public, rows[c].astype(object), None),
                              dtype="str")
    if "class_band" in out.columns:
        out["class_band"] = pd.array(
            np.where(public, rows["class_band"].astype(object),
                     np.where(band, bands, None)), dtype="str")
    for c in ind_cols:
        v = np.round(rows[c].to_numpy(dtype="float64", na_value=np.nan),
                     rules.decimals)
        ok = public.copy()
        count = f"count_{c[4:]}"
        if count in rows.columns:
            ok &= primary_safe(rows[count].to_numpy(dtype="float64",
                                                    na_value=np.nan),
                               hh, rules.min_count)
        out[c] = np.where(ok, v, np.nan)
    return out.reset_index(drop=True)


@door
def publish_profiles(profiles: pd.DataFrame, rules: PublicationRules | None = None,
                     audience: str = "public") -> pd.DataFrame:
    """Published multiscalar profiles (one row per place and k).

    ``profiles`` holds ``place_id``, ``k``, ``share`` (already computed from
    protected place estimates, :func:`veerkracht.jobs.publish.compute_profiles`),
    ``n_members`` (the place's dwellings) and, where known, ``n_households``
    (the place's protected households). A place with fewer than ``band_min``
    dwellings has no rows; a share is shown only for places that are public
    (``n_households >= min_count``) and when, with ``k`` as denominator,
    ``share × k`` and ``k − share × k`` are both at least ``min_count``;
    rounded to ``decimals``. Profiles are never bands: the audience changes
    nothing. Hidden shares are NaN with ``suppressed = True``.

    Examples
    --------
    >>> p = pd.DataFrame({"place_id": list("abcd"), "k": [10, 25, 25, 25],
    ...     "share": [0.3, 0.5123456, 0.2, 0.5], "n_members": [40, 40, 40, 4],
    ...     "n_households": [38, 38, 38, 4]})
    >>> publish_profiles(p)[["place_id", "share", "suppressed"]].to_numpy().tolist()
    [['a', nan, True], ['b', 0.512, False], ['c', nan, True]]
    """
    rules = rules or PublicationRules()
    _check_audience(audience)
    members = profiles["n_members"].to_numpy(dtype="float64", na_value=np.nan)
    out = profiles.loc[np.nan_to_num(members, nan=-1.0) >= rules.band_min].copy()
    k = out["k"].to_numpy(dtype="float64")
    share = out["share"].to_numpy(dtype="float64", na_value=np.nan)
    ok = primary_safe(share * k, k, rules.min_count)
    if "n_households" in out.columns:
        ok &= primary_safe(None, out["n_households"].to_numpy(
            dtype="float64", na_value=np.nan), rules.min_count)
    out["suppressed"] = ~ok
    out["share"] = np.where(ok, np.round(share, rules.decimals), np.nan)
    keep = [c for c in ("level", "place_id", "period", "k", "share", "suppressed")
            if c in out.columns]
    return out[keep].reset_index(drop=True)


@door
def publish_signal_counts(counts: pd.DataFrame, rules: PublicationRules | None = None,
                          audience: str = "public", *,
                          places: pd.DataFrame | None = None) -> pd.DataFrame:
    """Published signal counts per place, calendar window and meaning.

    Parameters
    ----------
    counts : DataFrame
        ``place_id``, ``window`` (a calendar quarter ``2025-Q3`` or year
        ``2025``; never a month), ``meaning`` and ``count`` (the protected
        count), one row for every place, window and meaning asked for —
        whether or not a signal was reported, so that no row reveals a
        report. Without ``places`` also ``n_dwellings`` and ``n_households``
        (protected) of the place.
    places : DataFrame, optional
        Published place rows (:func:`publish_places`): only places whose
        ``visibility`` is ``'public'`` there get counts.

    Returns
    -------
    DataFrame
        ``place_id``, ``window``, ``meaning``, ``count`` (rounded to
        ``rounding_base``; NaN below ``min_count``) and ``below_min`` (bool)
        — only for places that are public under the same rules (a band-only
        or suppressed place gets no signal figure at all).

    Raises
    ------
    PublicationConfigError
        For a window that is not a calendar quarter or year.

    Examples
    --------
    >>> c = pd.DataFrame({"place_id": ["a", "a", "b"], "window": ["2025-Q1",
    ...     "2025-Q2", "2025-Q1"], "meaning": "pressure", "count": [13.0, 4, 40],
    ...     "n_dwellings": [30, 30, 8], "n_households": [28, 28, 7]})
    >>> publish_signal_counts(c)[["place_id", "count", "below_min"]
    ...     ].to_numpy().tolist()
    [['a', 15.0, False], ['a', nan, True]]
    """
    rules = rules or PublicationRules()
    _check_audience(audience)
    windows = counts["window"].astype("str")
    bad = sorted(set(windows[~windows.str.match(WINDOW_PATTERN)]))
    if bad:
        raise PublicationConfigError(
            "meldingen worden alleen per kalenderkwartaal (2025-Q3) of "
            f"kalenderjaar (2025) gepubliceerd, niet per {bad[0]!r}")
    if places is not None:
        pub = places.loc[places["visibility"].astype("str") == "public", "place_id"]
        public = counts["place_id"].astype("str").isin(set(pub.astype("str")))
        public = public.to_numpy()
    else:
        public = public_by_counts(counts["n_dwellings"], counts["n_households"],
                                  rules)
    rows = counts.loc[public]
    n = rows["count"].to_numpy(dtype="float64", na_value=np.nan)
    ok = primary_safe(None, n, rules.min_count)
    out = pd.DataFrame({
        "place_id": rows["place_id"].astype("str").to_numpy(),
        "window": rows["window"].astype("str").to_numpy(),
        "meaning": rows["meaning"].astype("str").to_numpy(),
        "count": np.where(ok, round_counts(n, rules.rounding_base), np.nan),
        "below_min": ~ok,
    })
    if "level" in rows.columns:
        out.insert(0, "level", rows["level"].astype("str").to_numpy())
    return out


#: Figures of an evaluation row (rounded to ``decimals`` at the door).
EVALUATION_FIGURES = ("att", "se", "lo", "hi", "pretrend_p", "placebo_att",
                      "placebo_lo", "placebo_hi", "treated_mean_before")
#: Fewest public treated places an effect is published for.
EVALUATION_MIN_TREATED = 2


@door
def publish_evaluations(evaluations: pd.DataFrame,
                        rules: PublicationRules | None = None,
                        audience: str = "public") -> pd.DataFrame:
    """Published effects of interventions (``veerkracht evaluate``).

    An evaluation is estimated only on places that are public under the
    rules (:func:`veerkracht.jobs.evaluate.run_evaluate` leaves the others
    out of its panels before estimating), from protected figures. Here:

    * an effect on fewer than ``EVALUATION_MIN_TREATED`` treated places, or
      one that was not estimated (``status`` not ``'ok'``), has no figures;
      a synthetic control (``method`` ``'synth'``) is the one exception: it
      is made for one large place, public by itself (ADR 0027);
    * figures are rounded to ``decimals``;
    * the lists of treated and comparison places (``treated_places``,
      ``comparison_places``) leave the door only for ``'assigned'``: the
      public sees how many, not which.

    >>> e = pd.DataFrame({"status": ["ok", "ok"], "n_treated": [12, 1],
    ...     "att": [-0.123456, 0.5], "treated_places": ["a;b", "c"],
    ...     "comparison_places": ["d", "e"]})
    >>> publish_evaluations(e)[["att", "shown"]].to_numpy().tolist()
    [[-0.123, True], [nan, False]]
    >>> publish_evaluations(e.assign(method=["did", "synth"]))["shown"].tolist()
    [True, True]
    """
    rules = rules or PublicationRules()
    _check_audience(audience)
    out = evaluations.copy()
    n = np.nan_to_num(out["n_treated"].to_numpy(dtype="float64", na_value=np.nan),
                      nan=0)
    synth = (out["method"].astype("str") == "synth").to_numpy() if "method" in \
        out.columns else np.zeros(len(out), dtype=bool)
    shown = (out["status"].astype("str") == "ok").to_numpy() & (
        (n >= EVALUATION_MIN_TREATED) | (synth & (n == 1)))
    for col in EVALUATION_FIGURES:
        if col in out.columns:
            v = out[col].to_numpy(dtype="float64", na_value=np.nan)
            out[col] = np.where(shown, np.round(v, rules.decimals), np.nan)
    out["shown"] = shown
    if audience != "assigned":
        out = out.drop(columns=[c for c in ("treated_places", "comparison_places")
                                if c in out.columns])
    return out.reset_index(drop=True)


@door
def class_counts(published: pd.DataFrame, class_names=None) -> dict:
    """Places per class per level, from published rows only (public ones).

    Band-only and suppressed rows are counted under ``'niet openbaar'``:
    a summary never says more than the published rows.

    >>> pub = pd.DataFrame({"level": ["block"] * 3, "visibility": ["public",
    ...     "public", "suppressed"], "balance_class": ["a", "b", None]})
    >>> class_counts(pub, ["a", "b", "c"])
    {'block': {'a': 1, 'b': 1, 'c': 0, 'niet openbaar': 1}}
    """
    out: dict = {}
    for lv, rows in published.groupby(published["level"].astype("str"), sort=False):
        public = rows["visibility"].astype("str") == "public"
        counts = rows.loc[public, "balance_class"].astype("str").value_counts()
        names = list(class_names) if class_names is not None else sorted(counts.index)
        out[lv] = {c: int(counts.get(c, 0)) for c in names}
        out[lv]["niet openbaar"] = int((~public).sum())
    return out
