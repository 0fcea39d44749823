"""The publication door on a workspace: every figure leaves through here.

:mod:`veerkracht.analytics.publication` holds the rules (pure); this module
reads what they need from the workspace — the stored results, profiles and
protected statistics, the privacy officer's setting (``privacy_settings``)
and the approved model files (``approved_models``) — and hands out only
published rows. The CLI, the web pages, the API, the PDF and Open311 call
these functions and do no disclosure arithmetic of their own
(docs/privacy.md, "De publicatiedeur / The publication door"; ADR 0006).

Entry points (each registered with
:func:`veerkracht.analytics.publication.door`):

* :func:`published_places` — model figures of one level;
* :func:`published_profiles` — multiscalar profiles of one level;
* :func:`published_signal_counts` — protected signal counts per calendar
  quarter;
* :func:`published_summary` — class counts per level for summaries;
* :func:`published_place_sizes` — dwellings per place (public BAG data)
  before any model was computed;
* :func:`published_stability` — the class stability of one place under the
  global sensitivity analysis (``sensitivity``).

Settings: :func:`current_rules`, :func:`set_rules`; model approval:
:func:`approve_model`, :func:`is_approved`.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from contextlib import contextmanager
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from veerkracht.analytics import publication as pub
from veerkracht.analytics.model.periods import calendar_quarters
from veerkracht.analytics.multiscale import (
    DEFAULT_KS,
    place_profiles,
    published_place_shares,
)
from veerkracht.analytics.places import LEVEL_COLUMNS, LEVELS
from veerkracht.analytics.publication import (
    EXPORT_COLUMNS,
    PublicationConfigError,
    PublicationRules,
    door,
)
from veerkracht.jobs.cluster import client_for, is_cluster
from veerkracht.store import Workspace

__all__ = [
    "EXPORT_COLUMNS", "PublishError", "approve_model", "compute_profiles",
    "current_rules", "is_approved", "published_place_sizes", "published_places",
    "published_profiles", "published_signal_counts", "published_stability",
    "published_summary", "set_rules", "summary_of_rows",
]

SETTINGS_TABLE = "privacy_settings"
APPROVALS_TABLE = "approved_models"
STATISTICS_TABLE = "protected_statistics"
#: Roles that may change the publication rules or approve a model file.
PRIVACY_ROLES = ("privacy_officer",)


class PublishError(Exception):
    """Nothing can be published as asked; the message is for the user (Dutch)."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise PublishError(f"onbekend niveau {level!r} ({', '.join(LEVELS)})")


def _check_role(actor_role: str) -> None:
    if actor_role not in PRIVACY_ROLES:
        raise PublishError(
            "alleen de privacy officer (rol 'privacy_officer') kan de "
            f"publicatieregels wijzigen of een model goedkeuren, niet {actor_role!r}")


# --------------------------------------------------------------------------
# The privacy officer's setting

def current_rules(ws: Workspace) -> PublicationRules:
    """The publication rules in force: the privacy officer's last setting.

    Default rules (10 households, band threshold 5) when none was set.
    """
    if not ws.has(SETTINGS_TABLE):
        return PublicationRules()
    row = ws.read(SETTINGS_TABLE).iloc[-1]
    try:
        return PublicationRules(min_count=int(row["min_count"]),
                                band_min=int(row["band_min"]))
    except (PublicationConfigError, ValueError, TypeError):  # never fall lower
        raise PublishError("de privacy-instelling in de werkmap is ongeldig; "
                           "stel haar opnieuw in met 'veerkracht privacy "
                           "settings'") from None


def set_rules(ws: Workspace, rules: PublicationRules, actor_role: str) -> dict:
    """Store the privacy officer's setting (one row); every output reads it.

    ``actor_role`` is the role of who changed it (never a name); the change
    is an operation in the workspace log.
    """
    _check_role(actor_role)
    if not isinstance(rules, PublicationRules):
        raise PublishError("verwacht PublicationRules")
    row = {"min_count": int(rules.min_count), "band_min": int(rules.band_min),
           "updated_at": _now(), "actor_role": actor_role}
    with ws.transaction("privacy settings", source=actor_role) as tx:
        tx.put(SETTINGS_TABLE, pd.DataFrame([row]))
        tx.summary.update({k: row[k] for k in ("min_count", "band_min")})
    _clear_cache()
    return row


# --------------------------------------------------------------------------
# Approved model files

def approve_model(ws: Workspace, name: str, version: str, model_hash: str,
                  actor_role: str) -> dict:
    """Record that the privacy officer approved a model file (name, version, hash).

    Only an approved model file gives bands to assigned professionals; an
    edited file has another hash and needs a new approval.
    """
    _check_role(actor_role)
    row = {"model_name": str(name), "model_version": str(version),
           "model_hash": str(model_hash), "approved_by_role": actor_role,
           "approved_at": _now()}
    with ws.transaction("approve model", source=f"{name} {version}") as tx:
        tx.append(APPROVALS_TABLE, pd.DataFrame([row]))
        tx.summary.update({k: row[k] for k in ("model_name", "model_version",
                                               "model_hash")})
    _clear_cache()
    return row


def is_approved(ws: Workspace, name: str, version: str, model_hash: str) -> bool:
    """Whether exactly this model file (name, version and hash) was approved."""
    if not ws.has(APPROVALS_TABLE):
        return False
    t = ws.read(APPROVALS_TABLE)
    hit = (t["model_name"].astype(str).eq(str(name))
           & t["model_version"].astype(str).eq(str(version))
           & t["model_hash"].astype(str).eq(str(model_hash)))
    return bool(hit.any())


# --------------------------------------------------------------------------
# Results of one period and model (kept per results version)

_CACHE: dict[tuple, pd.DataFrame] = {}
_CACHE_LOCK = threading.Lock()


#: Provenance of a result row that no published figure is made of: the
#: estimation settings and fitted priors (kilobytes of JSON), the inputs read,
#: the fallbacks taken. Tables written before they were stored as categoricals
#: hold them as one string per row, gigabytes at 500,000 dwellings: the door
#: does not read them.
_PROVENANCE = ("estimation", "inputs", "fallbacks")


def _clear_cache() -> None:
    with _CACHE_LOCK:
        _CACHE.clear()


def _cached(key: tuple, make):
    """``make()`` once per ``key`` (which holds the table versions it reads);
    the least recently used entry goes first."""
    with _CACHE_LOCK:
        hit = _CACHE.pop(key, None)
        if hit is not None:
            _CACHE[key] = hit
    if hit is not None:
        return hit
    value = make()
    with _CACHE_LOCK:
        _CACHE[key] = value
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
    return value


#: entries of the door's cache: the result rows of the periods, the
#: protected statistics and multiscalar profiles of every level
_CACHE_SIZE = 32


def _version(ws: Workspace, name: str) -> int | None:
    return ws.info(name).version if ws.has(name) else None


def _period_rows(ws: Workspace, period: str | None,
                 model_version: str | None) -> pd.DataFrame:
    """Result rows (every level) of one period and model; see published_places."""
    if not ws.has("results"):
        raise PublishError("er zijn nog geen resultaten; voer eerst "
                           "'veerkracht compute' uit")
    key = ("rows", str(ws.location), _version(ws, "results"), period, model_version)
    return _cached(key, lambda: _read_period_rows(ws, period, model_version))


def _read_period_rows(ws: Workspace, period: str | None,
                      model_version: str | None) -> pd.DataFrame:
    res = ws.read("results", columns=[c for c in ws.columns("results")
                                      if c not in _PROVENANCE])
    for col in ("level", "period", "model_name", "model_version", "computed_at"):
        if col in res.columns:
            res[col] = res[col].astype("str")  # categoricals of several runs
    if period is None:
        period = str(res.loc[res["period_end"] == res["period_end"].max(),
                             "period"].iloc[0])
    res = res[res["period"] == str(period)]
    if not len(res):
        raise PublishError(f"er zijn geen resultaten voor periode {period}")
    if model_version is None:
        latest = res.sort_values("computed_at").iloc[-1]
        model_version = latest["model_version"]
        res = res[res["model_name"] == latest["model_name"]]
    res = res[res["model_version"] == str(model_version)]
    if not len(res):
        raise PublishError(f"er zijn geen resultaten van modelversie "
                           f"{model_version} voor periode {period}")
    other = [c for c in res.columns if c.startswith(("p_", "ind_", "count_"))
             and res[c].isna().all()]  # columns of other model versions
    return res.drop(columns=other).reset_index(drop=True)


def _require_protected(rows: pd.DataFrame) -> None:
    """Refuse results computed from exact statistics: they are not published."""
    if pub.protected_rows(rows).all():
        return
    label = str(rows["period"].iloc[0])
    raise PublishError(
        f"de resultaten van periode {label} zijn berekend op exacte, onbeschermde "
        "statistieken en worden niet gepubliceerd; bescherm de periode met "
        f"'veerkracht privacy protect --period {label}' en bereken opnieuw met "
        f"'veerkracht compute --period {label}'")


def _approved_rows(ws: Workspace, rows: pd.DataFrame) -> bool:
    if not len(rows):
        return False
    r = rows.iloc[0]
    return is_approved(ws, r["model_name"], r["model_version"],
                       r.get("model_hash", ""))


def _class_names(rows: pd.DataFrame) -> tuple[str, ...] | None:
    """The classes (best first) of the shipped model file of these rows.

    None for another model file: the door then reads the order from the
    rows (:func:`veerkracht.analytics.publication.class_order`).
    """
    if not len(rows):
        return None
    from veerkracht.io.model_file import DEFAULT_MODEL, MODEL_1

    r = rows.iloc[0]
    for name in (DEFAULT_MODEL, MODEL_1):
        spec = _shipped_spec(name)
        if spec is not None and (spec.name, spec.version) == (
                str(r["model_name"]), str(r["model_version"])):
            return spec.class_names
    return None


_SPECS: dict = {}


def _shipped_spec(name: str):
    if name not in _SPECS:
        from veerkracht.io.model_file import ModelError, load_model, shipped_model_path

        try:
            _SPECS[name] = load_model(shipped_model_path(name))
        except (ModelError, OSError):
            _SPECS[name] = None
    return _SPECS[name]


@door
def published_places(ws: Workspace, level: str, period: str | None = None,
                     model_version: str | None = None, audience: str = "public",
                     model_approved: bool | None = None, *,
                     indicators: bool = False) -> pd.DataFrame:
    """Published model figures of one level (exports, map, profiles, API).

    Parameters
    ----------
    level : str
        entrance, building, block, street, buurt, wijk or gemeente.
    period : str, optional
        Default: the latest period computed.
    model_version : str, optional
        Default: the model of the most recent computation of that period.
    audience : {'public', 'assigned'}
        ``'assigned'`` only for a professional assigned to the area (the
        caller checks the assignment); bulk exports are always ``'public'``.
    model_approved : bool, optional
        Read from ``approved_models`` (:func:`is_approved`); passing
        ``False`` withholds bands, passing ``True`` cannot approve a model
        that the privacy officer did not approve.
    indicators : bool
        Also the ``ind_*`` values (shares under the CBS rule).

    Returns
    -------
    DataFrame
        See :func:`veerkracht.analytics.publication.publish_places`, under
        the rules of :func:`current_rules`. Join on ``place_id``.
    """
    _check_level(level)
    rows = _period_rows(ws, period, model_version)
    _require_protected(rows)
    approved = _approved_rows(ws, rows) and model_approved is not False
    rules = current_rules(ws)
    try:
        out = pub.publish_places(rows[rows["level"] == level], rules, audience,
                                 approved, indicators=indicators,
                                 class_names=_class_names(rows))
    except PublicationConfigError as exc:
        raise PublishError(str(exc)) from None
    return out


def summary_of_rows(rows: pd.DataFrame, rules: PublicationRules,
                    class_names=None) -> dict:
    """Class and visibility counts per level of result rows, as published.

    For compute summaries: the rows pass :func:`publish_places` (audience
    ``'public'``) first, so a summary never says more than an export.
    """
    published = pub.publish_places(rows, rules, "public")
    return {
        "classes": pub.class_counts(published, class_names),
        "visibility": {
            lv: {k: int(v) for k, v in g.value_counts().items()}
            for lv, g in published.groupby(published["level"].astype("str"),
                                           sort=False)["visibility"]},
    }


@door
def published_summary(ws: Workspace, period: str | None = None,
                      model_version: str | None = None) -> dict:
    """Places per class and per visibility per level, from published rows only."""
    rows = _period_rows(ws, period, model_version)
    out = summary_of_rows(rows, current_rules(ws))
    out["period"] = str(rows["period"].iloc[0])
    out["model"] = {"name": str(rows["model_name"].iloc[0]),
                    "version": str(rows["model_version"].iloc[0])}
    return out


@door
def published_place_sizes(ws: Workspace, level: str) -> pd.DataFrame:
    """Dwellings per place before any model figure exists (public BAG data).

    Places below ``band_min`` dwellings are left out (no address is a
    place); counts under ``min_count`` are NaN, the others rounded.
    Columns ``place_id``, ``name``, ``n_dwellings``, ``visibility``.
    """
    _check_level(level)
    table = f"place_{level}"
    if not ws.has(table):
        raise PublishError("er zijn nog geen plaatsen afgeleid; voer eerst "
                           "'veerkracht places' uit")
    rules = current_rules(ws)
    places = ws.read(table, columns=["place_id", "name", "n_dwellings"])
    n = places["n_dwellings"].to_numpy(dtype="float64")
    keep = n >= rules.band_min
    n = n[keep]
    ok = pub.primary_safe(None, n, rules.min_count)
    return pd.DataFrame({
        "place_id": places.loc[keep, "place_id"].astype("str").to_numpy(),
        "name": places.loc[keep, "name"].astype("str").to_numpy(),
        "n_dwellings": np.where(ok, pub.round_counts(n, rules.rounding_base),
                                np.nan),
        "visibility": np.where(ok, "public", "suppressed"),
    })


SENSITIVITY_TABLE = "sensitivity"


@door
def published_stability(ws: Workspace, level: str, place_id: str,
                        audience: str = "public", period: str | None = None,
                        model_version: str | None = None) -> dict | None:
    """The class stability of one place, when its class is published.

    From the table ``sensitivity``
    (:func:`veerkracht.jobs.compute.run_sensitivity`): the share of the
    sensitivity runs (weights, thresholds, normalisation, prior, half-life
    varied together) in which the place keeps its class. Shown only

    * for a place that is ``'public'`` for ``audience`` in
      :func:`published_places` of the same period and model (a band-only or
      suppressed place has no class, so no stability of it);
    * from rows of the same model file (name, version and hash) and period;
    * from rows computed on protected statistics (column ``statistics``);
    * when the analysis's base class is the class published for the place:
      otherwise the stability is that of another class (results recomputed
      since, by other code or statistics) and is not shown until the
      analysis is run again.

    Returns
    -------
    dict or None
        ``period``, ``base_class`` (the place's class in the base run),
        ``class_stability`` and ``modal_share`` (rounded to two decimals),
        ``modal_class`` and ``n_runs``; None when there is nothing to show.

    Examples
    --------
    >>> from veerkracht.store import open_workspace
    >>> import tempfile
    >>> ws = open_workspace(tempfile.mkdtemp())
    >>> published_stability(ws, "block", "b1") is None  # no results, no table
    True
    """
    _check_level(level)
    if not ws.has(SENSITIVITY_TABLE) or not ws.has("results"):
        return None
    try:
        places = published_places(ws, level, period, model_version, audience)
    except PublishError:
        return None
    row = places[places["place_id"].astype("str") == str(place_id)]
    if not len(row) or str(row["visibility"].iloc[0]) != "public":
        return None
    r = row.iloc[0]
    st = ws.read(SENSITIVITY_TABLE)
    if "statistics" not in st.columns:
        return None  # from before the kind was recorded: not published
    hit = (st["level"].astype("str").eq(level)
           & st["place_id"].astype("str").eq(str(place_id))
           & st["period"].astype("str").eq(str(r["period"]))
           & st["model_name"].astype("str").eq(str(r["model_name"]))
           & st["model_version"].astype("str").eq(str(r["model_version"]))
           & st["statistics"].astype("str").eq("protected"))
    if "model_hash" in st.columns and "model_hash" in r.index:
        hit &= st["model_hash"].astype("str").eq(str(r["model_hash"]))
    st = st[hit.to_numpy()]
    if not len(st):
        return None
    s = st.sort_values("computed_at").iloc[-1] if "computed_at" in st.columns \
        else st.iloc[-1]
    stability = float(s["class_stability"])
    if not np.isfinite(stability) or pd.isna(s["base_class"]):
        return None
    if "balance_class" in r.index and str(s["base_class"]) != str(r["balance_class"]):
        return None  # the stability of another class than the one shown
    modal, share = s.get("modal_class"), s.get("modal_share")
    return {
        "period": str(r["period"]),
        "base_class": str(s["base_class"]),
        "class_stability": round(stability, 2),
        "modal_class": None if modal is None or pd.isna(modal) else str(modal),
        "modal_share": (None if share is None or pd.isna(share)
                        else round(float(share), 2)),
        "n_runs": int(s["n_runs"]) if "n_runs" in s.index else None,
    }


# --------------------------------------------------------------------------
# Protected statistics (written by veerkracht.jobs.protect)

def _statistics(ws: Workspace, period: str | None,
                levels=None) -> tuple[str, pd.DataFrame] | None:
    """(period, rows) of ``protected_statistics``; None when there are none."""
    if not ws.has(STATISTICS_TABLE):
        return None
    key = ("statistics", str(ws.location), _version(ws, STATISTICS_TABLE), period,
           None if levels is None else tuple(levels))
    return _cached(key, lambda: _read_statistics(ws, period, levels))


def protected_statistics_of(ws: Workspace, period: str | None, levels=None
                            ) -> tuple[str, pd.DataFrame] | None:
    """(period, rows) of one period's protected statistics, post-processed.

    For jobs that estimate on protected figures (``veerkracht evaluate``,
    ``deviance``): the same rows the door shows from. ``period`` None: the
    latest. None when none were drawn.
    """
    return _statistics(ws, period, levels)


def latest_statistics(ws: Workspace, levels=None
                      ) -> tuple[str, pd.DataFrame] | None:
    """:func:`protected_statistics_of` the latest period."""
    return protected_statistics_of(ws, None, levels)


def _read_statistics(ws: Workspace, period: str | None,
                     levels) -> tuple[str, pd.DataFrame] | None:
    st = ws.read(STATISTICS_TABLE)
    st["period"] = st["period"].astype("str")
    if period is None:
        if not len(st):
            return None
        period = _latest_period(st["period"])
    st = st[st["period"] == str(period)]
    if "level" in st.columns:
        st = st.assign(level=st["level"].astype("str"))
        if levels is not None:
            st = st[st["level"].isin(list(levels))]
    # the stored draw holds the raw noisy counts: consistent for display
    from veerkracht.analytics.dp import postprocess

    return str(period), postprocess(st.reset_index(drop=True))


def _latest_period(labels: pd.Series) -> str:
    """The label whose period ends last (the first such label, in row order).

    Each distinct label is parsed once: the same answer as ``max`` over the
    rows, without parsing a label per row.
    """
    return max(pd.unique(labels.astype("str")), key=_period_key)


def _period_key(label: str):
    from veerkracht.analytics.model.periods import parse_period

    return parse_period(label).end


@door
def published_signal_counts(ws: Workspace, level: str, place_ids,
                            period: str | None = None,
                            audience: str = "public", *,
                            window: str = "quarter") -> pd.DataFrame:
    """Protected signal counts of some places per calendar quarter and meaning.

    From the columns ``sig_<meaning>_q<k>`` of ``protected_statistics`` (k
    quarters back from the end of the period, labelled by calendar quarter);
    only places that are public under :func:`current_rules` get counts, each
    rounded and shown only from ``min_count`` on
    (:func:`veerkracht.analytics.publication.publish_signal_counts`). Every
    meaning and quarter has a row, reported or not. Empty when no protected
    statistics exist. With ``window="year"`` the quarters are summed per
    calendar year first (post-processing of the protected counts), then the
    rules apply to the yearly counts.

    The stored quarters are windows of 730/8 days back from the end of the
    period (:mod:`veerkracht.analytics.statistics`); they are labelled by the
    calendar quarter they cover, whose bounds they miss by at most 1.5 days
    for a year period.
    """
    _check_level(level)
    if window not in ("quarter", "year"):
        raise PublishError(f"onbekend venster {window!r}: kies 'quarter' "
                           "(kalenderkwartaal) of 'year' (kalenderjaar)")
    cols = ["place_id", "window", "meaning", "count", "below_min"]
    got = _statistics(ws, period, [level])
    if got is None:
        return pd.DataFrame({c: [] for c in cols})
    label, st = got
    ids = {str(p) for p in place_ids}
    st = st[st["place_id"].astype("str").isin(ids)]
    if not len(st):
        return pd.DataFrame({c: [] for c in cols})
    sig = [c for c in st.columns if c.startswith("sig_") and "_q" in c]
    quarters = sorted({int(c.rsplit("_q", 1)[1]) for c in sig})
    names = calendar_quarters(label, max(quarters, default=-1) + 1)
    long = st.melt(id_vars=["place_id", "n_dwellings", "n_households"],
                   value_vars=sig, var_name="cell", value_name="count")
    meaning_q = long["cell"].str.slice(4).str.rsplit("_q", n=1, expand=True)
    long["meaning"] = meaning_q[0]
    long["window"] = [names[int(q)] for q in meaning_q[1]]
    if window == "year":
        long["window"] = long["window"].str.slice(0, 4)
        long = (long.groupby(["place_id", "window", "meaning"], as_index=False)
                .agg(count=("count", "sum"), n_dwellings=("n_dwellings", "first"),
                     n_households=("n_households", "first")))
    out = pub.publish_signal_counts(
        long[["place_id", "window", "meaning", "count", "n_dwellings",
              "n_households"]], current_rules(ws), audience)
    return out.sort_values(["place_id", "meaning", "window"]).reset_index(drop=True)


@door
def published_profiles(ws: Workspace, level: str, period: str | None = None,
                       audience: str = "public") -> pd.DataFrame:
    """Published multiscalar profiles of one level (long format).

    ``place_id``, ``period``, ``k``, ``share`` (NaN where hidden) and
    ``suppressed``; see
    :func:`veerkracht.analytics.publication.publish_profiles`. Default
    period: the latest one with profiles.
    """
    _check_level(level)
    if not ws.has("profiles"):
        raise PublishError("er zijn nog geen multischaalprofielen; voer eerst "
                           "'veerkracht compute' uit")
    key = ("profiles", str(ws.location), _version(ws, "profiles"), level, period)
    period, prof = _cached(key, lambda: _level_profiles(ws, level, period))
    out = pub.publish_profiles(prof, current_rules(ws), audience)
    out["period"] = str(period)
    cols = ["place_id", "period", "k", "share", "suppressed"]
    return out[cols].reset_index(drop=True)


def _level_profiles(ws: Workspace, level: str,
                    period: str | None) -> tuple[str | None, pd.DataFrame]:
    """(period, stored profile rows of ``level`` in it); default the latest."""
    prof = ws.read("profiles")
    prof = prof[prof["level"].astype(str) == level]
    if period is None and len(prof):
        period = _latest_period(prof["period"])
    return period, prof[prof["period"].astype(str) == str(period)]


# --------------------------------------------------------------------------
# Multiscalar profiles from protected place statistics

def _need_shares(stats: Mapping[str, pd.DataFrame] | pd.DataFrame,
                 rules: PublicationRules) -> tuple[dict, dict]:
    """Protected need share and households of every public place, per level."""
    if isinstance(stats, pd.DataFrame):
        stats = {str(lv): g for lv, g in stats.groupby(
            stats["level"].astype("str"), sort=False)}
    shares, households = {}, {}
    for lv, st in stats.items():
        ids = st["place_id"].astype("str").to_numpy()
        hh = st["n_households"].to_numpy(dtype="float64", na_value=np.nan)
        dw = st["n_dwellings"].to_numpy(dtype="float64", na_value=np.nan)
        none = st["needs_0"].to_numpy(dtype="float64", na_value=np.nan)
        public = (np.nan_to_num(dw, nan=-1) >= rules.band_min) & pub.primary_safe(
            None, hh, rules.min_count)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.clip(1.0 - none / hh, 0.0, 1.0)
        shares[lv] = pd.Series(share[public], index=ids[public])
        households[lv] = pd.Series(hh, index=ids)
    return shares, households


def compute_profiles(dwellings: pd.DataFrame,
                     statistics: Mapping[str, pd.DataFrame] | pd.DataFrame,
                     period: str, rules: PublicationRules | None = None,
                     ks=DEFAULT_KS, scheduler=None,
                     partition: str | None = None) -> pd.DataFrame | None:
    """Multiscalar profiles of every place, as post-processing of protected figures.

    Each dwelling carries the protected need share (households with at least
    one support need, ``1 − needs_0 / n_households``) of the finest place
    containing it that is public under ``rules`` (entrance, building, block,
    street, buurt, wijk, gemeente); the share among its k nearest dwellings
    is the dwelling-weighted mean of those places' shares
    (:func:`veerkracht.analytics.multiscale.published_place_shares`). No
    household row is read.

    Parameters
    ----------
    dwellings : DataFrame
        ``x``, ``y`` and the level columns (:data:`LEVEL_COLUMNS`).
    statistics : mapping or DataFrame
        Protected statistics per level (``place_id``, ``n_dwellings``,
        ``n_households``, ``needs_0``): a dict level -> frame, or one frame
        with a ``level`` column (the ``protected_statistics`` table of one
        period).
    scheduler : None, "local", a Dask scheduler address or a Client
        Where the nearest-neighbour search runs: this process, or partitioned
        by gemeente on a Dask cluster
        (:func:`veerkracht.analytics.multiscale.partitioned_place_profiles`,
        ADR 0012; the workers get arrays and read nothing themselves).
    partition : {None, "gemeente", "none"}
        Split the search by gemeente (with an exact halo across borders);
        None: by gemeente on a Dask cluster, whole otherwise. The shares of
        the split run equal the single run's up to rounding in the last bits
        (the order of the sums; at most a few 1e-16 in the tests).

    Returns
    -------
    DataFrame or None
        ``level``, ``place_id``, ``period``, ``k``, ``share``, ``n_members``
        (the place's dwellings in the search) and ``n_households`` (the
        place's protected households), for the places with at least the
        rules' ``band_min`` member dwellings (the others are never
        published; their dwellings still count as neighbours); None when no
        dwelling has a published share.
    """
    rules = rules or PublicationRules()
    shares, households = _need_shares(statistics, rules)
    dw = dwellings
    has_xy = (dw["x"].notna() & dw["y"].notna()).to_numpy()
    # categorical codes, not Python strings: the ids of every level for every
    # dwelling as objects cost seconds on the real addresses
    places = {lv: pd.Categorical(dw[col])
              for lv, col in LEVEL_COLUMNS.items() if col in dw.columns}
    value, _ = published_place_shares(places, shares, [lv for lv in LEVELS
                                                       if lv in places])
    use = has_xy & ~np.isnan(value)
    if use.sum() < 2:
        return None
    xy = np.column_stack([dw["x"].to_numpy()[use], dw["y"].to_numpy()[use]])
    dask = is_cluster(scheduler)
    if partition is None:
        partition = "gemeente" if dask else "none"
    if partition not in ("gemeente", "none"):
        raise PublishError(f"onbekende verdeling {partition!r}; kies 'gemeente' of "
                           "'none'")
    ks_used = tuple(k for k in ks if k <= len(xy))
    place_ids = {lv: ids[use] for lv, ids in places.items()}
    if partition == "gemeente":
        from veerkracht.analytics.multiscale import partitioned_place_profiles

        col = LEVEL_COLUMNS["gemeente"]
        groups = (dw[col].astype("object").to_numpy()[use] if col in dw.columns
                  else np.full(len(xy), "?", dtype=object))
        if dask:
            with _dask_map(scheduler) as run:
                out = partitioned_place_profiles(xy, value[use], place_ids, groups,
                                                 ks=ks_used, map=run,
                                                 min_members=rules.band_min)
        else:
            out = partitioned_place_profiles(xy, value[use], place_ids, groups,
                                             ks=ks_used, min_members=rules.band_min)
    else:
        # no rows for places under the door's band: they are never published
        out = place_profiles(xy, value[use], place_ids, ks=ks_used,
                             min_members=rules.band_min)
    out.insert(2, "period", str(period))
    hh = np.full(len(out), np.nan)
    level = out["level"].to_numpy()
    pid = out["place_id"].to_numpy()
    for lv, s in households.items():
        sel = np.flatnonzero(level == lv)
        # one hash look-up per row (Series.map on strings costs ~3 s here)
        pos = s.index.get_indexer(pid[sel])
        vals = s.to_numpy(dtype="float64", na_value=np.nan)
        hh[sel] = np.where(pos >= 0, vals[np.maximum(pos, 0)], np.nan)
    out["n_households"] = hh
    return out


@contextmanager
def _dask_map(scheduler):
    """``map(function, *iterables)`` that runs on a Dask cluster: the
    arguments are scattered to the workers first (they read nothing from
    the workspace), the results gathered in order."""
    with client_for(scheduler) as client:

        def run(function, *iterables):
            # hash=False: equal arguments of two calls (a k grid) must not
            # share a key that the first call releases while the second uses it
            args = [client.scatter(list(it), hash=False) for it in iterables]
            return client.gather(client.map(function, *args, pure=False))

        yield run


def profiles_of_workspace(ws: Workspace, dwellings: pd.DataFrame, period: str,
                          ks=DEFAULT_KS, scheduler=None) -> pd.DataFrame | None:
    """:func:`compute_profiles` from the period's protected statistics.

    Reads the stored draw (:func:`veerkracht.jobs.protect.protected_statistics`
    makes the first one, recorded in the privacy ledger). None when the
    period cannot be protected (no households): then no profile is stored,
    because nothing is computed from household rows.
    """
    from veerkracht.jobs.protect import ProtectError, protected_statistics

    try:
        stats, _, _ = protected_statistics(ws, str(period))
    except ProtectError:
        return None
    if not stats:
        return None
    return compute_profiles(dwellings, stats, str(period), current_rules(ws), ks,
                            scheduler=scheduler)
