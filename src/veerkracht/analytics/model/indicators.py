"""Inputs of the model and its context indicators, per dwelling.

Model 2.0 reads households and signals only through the per-place
statistics (:mod:`veerkracht.analytics.statistics`, which uses the helpers
here to place households and signals on dwellings). What this module
computes itself are the *context* indicators, from public data: walking
distance to initiatives, professionals and facilities, entrance and block
size and the condition of shared spaces, per *site* — an entrance, or a
dwelling without one — and handed to each of its dwellings.

Nothing here returns a value per household or address to the outside: the
per-dwelling arrays are internal and are only ever summed into places by
:func:`veerkracht.analytics.model.compute.compute_indicators`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from veerkracht.analytics.model.periods import Period
from veerkracht.analytics.model.spec import Indicator
from veerkracht.analytics.places import LEVEL_COLUMNS

#: Chunk of facilities queried at once (bounds memory of the neighbour lists).
_CHUNK = 256


@dataclass
class ModelInputs:
    """Everything the model reads, as plain frames (no geometry objects).

    Attributes
    ----------
    dwellings : DataFrame
        ``address_id``, the level columns of :data:`LEVEL_COLUMNS` (missing
        ones are skipped) and ``x``, ``y`` in RD New; optionally the public
        covariates of the prior mean: ``corporation`` (the address is in a
        corporation's imported ``stock``) and ``bouwjaar`` (of its pand).
    households : DataFrame or None
        The ``households`` contract.
    signals : DataFrame or None
        ``reported_at``, ``address_id`` (NA allowed) and ``x``, ``y`` (NaN when
        the signal is on an address).
    amenities, initiatives, professionals : DataFrame or None
        ``x``, ``y`` plus ``kind`` / ``size``, ``started``, ``ended`` /
        ``hours_per_week``, ``started``, ``ended``.
    shared_space_links : DataFrame or None
        ``space_id``, ``address_id``, ``condition``, ``inspected_at``: every
        shared space joined to the addresses it serves
        (:func:`link_shared_spaces`).
    """

    dwellings: pd.DataFrame
    households: pd.DataFrame | None = None
    signals: pd.DataFrame | None = None
    amenities: pd.DataFrame | None = None
    initiatives: pd.DataFrame | None = None
    professionals: pd.DataFrame | None = None
    shared_space_links: pd.DataFrame | None = None


class ModelDataError(ValueError):
    """The inputs do not allow a computation (e.g. a period without data)."""


def _dates(series: pd.Series) -> np.ndarray:
    """Timestamps as naive datetime64[ns] (UTC dropped), NaT for missing.

    ISO 8601 in any of its forms, mixed within one column (pandas otherwise
    infers one format from the first value and turns the others into NaT).

    >>> d = _dates(pd.Series(["2025-06-01", "2025-06-01 12:00:00", None]))
    >>> np.datetime_as_string(d, unit="h").tolist()
    ['2025-06-01T00', '2025-06-01T12', 'NaT']
    """
    s = pd.to_datetime(series, errors="coerce", utc=True, format="ISO8601")
    return s.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")


def _bool(series: pd.Series) -> np.ndarray:
    return series.astype("boolean").fillna(False).to_numpy(dtype=bool)


@dataclass
class DwellingFrame:
    """The dwellings as integer codes per level, sites and coordinates."""

    n: int
    address_ids: pd.Series                 # address_id per dwelling (str)
    codes: dict[str, np.ndarray]          # level -> place code per dwelling (-1: none)
    ids: dict[str, np.ndarray]            # level -> place ids (by code)
    site: np.ndarray                      # site code per dwelling
    site_xy: np.ndarray                   # (sites, 2)
    site_n: np.ndarray                    # dwellings per site


def prepare_dwellings(dwellings: pd.DataFrame) -> DwellingFrame:
    """Factorise the place columns and form sites (entrances, else dwellings)."""
    n = len(dwellings)
    codes, ids = {}, {}
    for level, col in LEVEL_COLUMNS.items():
        if col not in dwellings.columns:
            continue
        values = dwellings[col].astype("str")
        if level in ("buurt", "wijk", "gemeente"):  # 'onbekend' is no area
            values = values.where(values != "onbekend")
        code, uniques = pd.factorize(values, use_na_sentinel=True)
        if len(uniques) == 0:
            continue
        codes[level] = code.astype(np.int32 if len(uniques) < 2**31 - 1 else np.int64)
        ids[level] = np.asarray(uniques, dtype=object)
    ent = codes.get("entrance", np.full(n, -1, dtype=np.int64))
    n_ent = len(ids.get("entrance", ()))
    lone = ent < 0
    site = ent.copy()
    site[lone] = n_ent + np.arange(int(lone.sum()))
    n_site = n_ent + int(lone.sum())
    x = dwellings["x"].to_numpy(dtype="float64")
    y = dwellings["y"].to_numpy(dtype="float64")
    site_n = np.bincount(site, minlength=n_site).astype("float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        sx = np.bincount(site, weights=x, minlength=n_site) / site_n
        sy = np.bincount(site, weights=y, minlength=n_site) / site_n
    addr = dwellings["address_id"].astype("str").reset_index(drop=True)
    return DwellingFrame(n, addr, codes, ids, site, np.column_stack([sx, sy]), site_n)


def dwelling_positions(dw: DwellingFrame, address_ids: pd.Series) -> np.ndarray:
    """Row of each address in the dwellings (-1 when unknown or missing).

    Both columns are factorised together (in Arrow for string columns), so
    no Python string objects or hash index of millions of addresses are
    built — this keeps a national run within memory.
    """
    other = address_ids.astype("str").reset_index(drop=True)
    both = pd.concat([dw.address_ids, other], ignore_index=True)
    codes, uniques = pd.factorize(both, use_na_sentinel=True)
    first = np.full(len(uniques), -1, dtype=np.int64)
    own = codes[: dw.n]
    # the first dwelling with each address id (ids are unique in `dwellings`)
    first[own[::-1]] = np.arange(dw.n)[::-1]
    theirs = codes[dw.n:]
    return np.where(theirs >= 0, first[np.maximum(theirs, 0)], -1)


def signal_positions(signals: pd.DataFrame, dw: DwellingFrame, snap_distance_m: float,
                     wanted: np.ndarray | None = None) -> np.ndarray:
    """The dwelling that carries each signal (-1: none).

    A signal on an address goes to that dwelling; a signal on a point (no
    known address) to one representative dwelling of the nearest site within
    ``snap_distance_m``. ``wanted`` limits the snapping to those signals.
    """
    pos = np.full(len(signals), -1, dtype=np.int64)
    if "address_id" in signals.columns:
        pos = dwelling_positions(dw, signals["address_id"].astype("str"))
    need_snap = pos < 0
    if wanted is not None:
        need_snap &= wanted
    if need_snap.any() and {"x", "y"} <= set(signals.columns):
        xy = signals.loc[need_snap, ["x", "y"]].to_numpy(dtype="float64")
        good = ~np.isnan(xy).any(axis=1)
        valid_site = ~np.isnan(dw.site_xy).any(axis=1)
        if good.any() and valid_site.any():
            site_ids = np.flatnonzero(valid_site)
            tree = cKDTree(dw.site_xy[valid_site])
            d, j = tree.query(xy[good], distance_upper_bound=snap_distance_m)
            hit = np.isfinite(d)
            # one representative dwelling per site carries the site's signals
            first = np.full(len(dw.site_n), -1, dtype=np.int64)
            order = np.argsort(dw.site, kind="stable")
            s_sorted = dw.site[order]
            starts = np.r_[True, s_sorted[1:] != s_sorted[:-1]]
            first[s_sorted[starts]] = order[starts]
            snapped = np.full(int(good.sum()), -1, dtype=np.int64)
            snapped[hit] = first[site_ids[j[hit]]]
            idx = np.flatnonzero(need_snap)[good]
            pos[idx] = snapped
    return pos


def _active(frame: pd.DataFrame, period: Period) -> np.ndarray:
    n = len(frame)
    ok = np.ones(n, dtype=bool)
    if "started" in frame.columns:
        s = _dates(frame["started"])
        ok &= np.isnat(s) | (s < np.datetime64(period.end))
    if "ended" in frame.columns:
        e = _dates(frame["ended"])
        ok &= np.isnat(e) | (e >= np.datetime64(period.start))
    return ok


def reach_per_site(ind: Indicator, table: pd.DataFrame, dw: DwellingFrame,
                   period: Period) -> np.ndarray:
    """Two-step floating catchment: supply per 100 dwellings within distance.

    Each active facility (initiative, professional) with amount ``w`` (1, its
    size or its hours) is shared by the ``D`` dwellings within ``distance_m``;
    a site receives ``100 * w / D`` from every facility that reaches it.
    """
    r = ind.params["distance_m"]
    out = np.zeros(len(dw.site_n))
    act = _active(table, period)
    xy = table.loc[act, ["x", "y"]].to_numpy(dtype="float64")
    amount = ind.params["amount"]
    w = (np.ones(len(xy)) if amount == "count"
         else table.loc[act, amount].to_numpy(dtype="float64", na_value=np.nan))
    good = ~np.isnan(xy).any(axis=1) & ~np.isnan(w) & (w > 0)
    xy, w = xy[good], w[good]
    valid_site = ~np.isnan(dw.site_xy).any(axis=1)
    if len(xy) == 0 or not valid_site.any():
        return out
    site_ids = np.flatnonzero(valid_site)
    tree = cKDTree(dw.site_xy[valid_site])
    for lo in range(0, len(xy), _CHUNK):
        hits = tree.query_ball_point(xy[lo:lo + _CHUNK], r, workers=-1)
        lengths = np.fromiter((len(h) for h in hits), dtype=np.int64, count=len(hits))
        if lengths.sum() == 0:
            continue
        flat = site_ids[np.concatenate([np.asarray(h, dtype=np.int64) for h in hits])]
        fac = np.repeat(np.arange(len(hits)), lengths)
        reached = np.bincount(fac, weights=dw.site_n[flat], minlength=len(hits))
        share = 100.0 * w[lo:lo + _CHUNK] / np.where(reached > 0, reached, 1)
        out += np.bincount(flat, weights=share[fac], minlength=len(out))
    return out


def facilities_per_site(ind: Indicator, amenities: pd.DataFrame, dw: DwellingFrame
                        ) -> np.ndarray:
    """Weighted count of amenities within ``distance_m`` of each site."""
    r = ind.params["distance_m"]
    out = np.zeros(len(dw.site_n))
    valid_site = ~np.isnan(dw.site_xy).any(axis=1)
    if not valid_site.any():
        return out
    pts = dw.site_xy[valid_site]
    kinds = amenities["kind"].astype("str")
    for kind, weight in ind.params["kinds"].items():
        sel = (kinds == kind).to_numpy()
        xy = amenities.loc[sel, ["x", "y"]].to_numpy(dtype="float64")
        xy = xy[~np.isnan(xy).any(axis=1)]
        if len(xy) == 0 or float(weight) == 0:
            continue
        tree = cKDTree(xy)
        counts = tree.query_ball_point(pts, r, return_length=True, workers=-1)
        out[valid_site] += float(weight) * counts
    return out


def shared_space_per_dwelling(links: pd.DataFrame, dw: DwellingFrame,
                              period: Period) -> np.ndarray:
    """Mean condition (1–5) of the shared spaces serving each dwelling (NaN: none).

    Only inspections up to the end of the period count; per space the latest.
    """
    t = _dates(links["inspected_at"])
    ok = np.isnat(t) | (t < np.datetime64(period.end))
    lk = links.loc[ok].assign(_t=t[ok])
    lk = lk.sort_values("_t", na_position="first")
    latest = lk.drop_duplicates(["space_id", "address_id"], keep="last")
    pos = dwelling_positions(dw, latest["address_id"])
    cond = latest["condition"].to_numpy(dtype="float64", na_value=np.nan)
    use = (pos >= 0) & ~np.isnan(cond)
    s = np.bincount(pos[use], weights=cond[use], minlength=dw.n)
    c = np.bincount(pos[use], minlength=dw.n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(c > 0, s / np.maximum(c, 1), np.nan)


def link_shared_spaces(shared_spaces: pd.DataFrame, addresses: pd.DataFrame | None,
                       stock: pd.DataFrame | None = None) -> pd.DataFrame:
    """Join shared spaces to the addresses they serve (by pand or entrance code).

    A space with a ``pand_id`` serves every address in that pand (from
    ``addresses.pand_id``); one with an ``entrance_code`` every address with
    that code in the corporation's ``stock``.
    """
    cols = ["space_id", "condition", "inspected_at"]
    parts = []
    if addresses is not None and "pand_id" in addresses.columns:
        by_pand = shared_spaces.dropna(subset=["pand_id"])[[*cols, "pand_id"]]
        parts.append(by_pand.merge(addresses[["address_id", "pand_id"]].dropna(),
                                   on="pand_id")[[*cols, "address_id"]])
    if stock is not None and "entrance_code" in stock.columns and (
            "entrance_code" in shared_spaces.columns):
        by_ent = shared_spaces.dropna(subset=["entrance_code"])
        by_ent = by_ent[[*cols, "entrance_code"]]
        parts.append(by_ent.merge(stock[["address_id", "entrance_code"]].dropna(),
                                  on="entrance_code")[[*cols, "address_id"]])
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="object")
                             for c in [*cols, "address_id"]})
    return pd.concat(parts, ignore_index=True).drop_duplicates(["space_id",
                                                                "address_id"])
