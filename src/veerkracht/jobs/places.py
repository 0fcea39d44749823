"""Derive the places (``veerkracht places``) and assemble them for export.

:func:`run_places` reads the imported tables, calls
:func:`veerkracht.analytics.places.derive_places` and writes every place table
in one transaction. :func:`level_frame` is the single place where the frame
exported per level is put together; model figures are joined there only as
the publication door hands them out
(:func:`veerkracht.jobs.publish.published_places`, audience ``'public'``).
"""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from veerkracht.analytics.places import (
    ADDRESS_COLUMNS,
    BUILDING_COLUMNS,
    BUURT_COLUMNS,
    LEVELS,
    TABLES,
    WIJK_COLUMNS,
    PlaceSet,
    derive_places,
)
from veerkracht.defaults import EXPORT_LEVELS, LEVEL_NAMES_NL
from veerkracht.io.gemeenten import PACKAGE_LIST
from veerkracht.store import Workspace

__all__ = ["EXPORT_LEVELS", "LEVEL_NAMES_NL", "PlacesError", "level_frame",
           "read_areas", "read_inputs", "run_places", "with_gemeentecodes"]

Progress = Callable[..., None] | None

#: The dwelling column holding each level's place id.
_ID_COLUMN = {"entrance": "entrance_id", "building": "building_id",
              "block": "block_id", "street": "street_id", "buurt": "buurtcode",
              "wijk": "wijkcode", "gemeente": "gemeentecode"}
_STOCK_COLUMNS = ("address_id", "entrance_code", "complex_code")
#: Address texts with few distinct values, kept as categoricals in memory.
_CATEGORICAL = ("straat", "huisletter", "postcode", "woonplaats", "gemeente",
                "buurtcode")
_GEOMETRY = "geometry"


class PlacesError(Exception):
    """Places cannot be derived or exported; the message is for the user (Dutch)."""


def _tick(progress: Progress, n: int = 1, description: str | None = None,
          total: int | None = None) -> None:
    if progress is not None:
        progress(n, description=description, total=total)


def run_places(ws: Workspace, progress: Progress = None) -> PlaceSet:
    """Derive every place level from the imported tables and store them.

    Parameters
    ----------
    ws : Workspace
        Must hold ``addresses``; ``buildings``, ``buurten`` and ``stock`` are
        used when present.
    progress : callable, optional
        ``advance(n=1, description=None, total=None)``.

    Returns
    -------
    PlaceSet
        What was written (``dwellings`` and ``place_*`` tables, in one
        transaction whose summary holds the counts per level and method).

    Raises
    ------
    PlacesError
        When no addresses (or no dwellings) were imported.
    """
    _tick(progress, 0, "Adressen lezen", total=4)
    if not ws.has("addresses"):
        raise PlacesError(
            "er zijn nog geen adressen ingelezen; lees eerst adressen in met "
            "`veerkracht import addresses BESTAND`"
        )
    addresses, buildings, buurten, overrides = read_inputs(ws)
    wijken, gemeenten = read_areas(ws)
    if not len(addresses):
        raise PlacesError("de tabel met adressen is leeg; lees eerst adressen in")
    _tick(progress, 1, "Plaatsen afleiden")
    if "is_dwelling" in addresses.columns and not addresses["is_dwelling"].any():
        raise PlacesError(
            "geen enkel ingelezen adres is een woning (woonfunctie); er zijn "
            "dus geen plaatsen af te leiden"
        )
    try:
        places = derive_places(addresses, buildings=buildings, buurten=buurten,
                               overrides=overrides, wijken=wijken,
                               gemeenten=gemeenten)
    except ValueError as exc:  # a contract the importers should have enforced
        raise PlacesError(f"plaatsen afleiden is mislukt: {exc}") from exc
    _tick(progress, 1, "Plaatsen opslaan")
    sources = [t for t in ("addresses", "buildings", "buurten", "wijken",
                           "gemeenten", "stock") if ws.has(t)]
    if not ws.has("gemeenten"):
        sources.append(f"veerkracht/data/{PACKAGE_LIST}")
    with ws.transaction("places", source=", ".join(sources)) as tx:
        for name, frame in places.tables().items():
            tx.put(name, frame)
        tx.summary = dict(places.summary, inputs=sources)
    _tick(progress, 1, "Klaar")
    return places


def _read_columns(ws: Workspace, name: str,
                  wanted: tuple[str, ...]) -> pd.DataFrame:
    """The columns of ``wanted`` that table ``name`` has (others are not read)."""
    present = set(ws.columns(name))
    return ws.read(name, columns=[c for c in wanted if c in present])


def _compact_addresses(addresses: pd.DataFrame) -> pd.DataFrame:
    """Addresses in the compact form :func:`derive_places` accepts.

    Repetitive texts become categoricals and 2-D RD New points become float
    ``x``/``y`` columns (no point object per address); anything else (no
    geometry, another CRS, a missing or non-point geometry) keeps its
    geometry, so that ``derive_places`` raises its usual error. A missing or
    empty point becomes NaN, which ``derive_places`` refuses for a dwelling
    just as it refuses the missing point.
    """
    for col in _CATEGORICAL:
        if col in addresses.columns:
            addresses[col] = addresses[col].astype("str").astype("category")
    if not isinstance(addresses, gpd.GeoDataFrame):
        return addresses
    geoms = addresses.geometry.to_numpy()
    # missing (type -1) and empty points become NaN: an error for dwellings only
    points = (addresses.crs is not None and addresses.crs.to_epsg() == 28992
              and bool(np.isin(shapely.get_type_id(geoms), (0, -1)).all())
              and not shapely.has_z(geoms).any())
    if not points:
        return addresses
    has = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    x = np.full(len(geoms), np.nan)
    y = np.full(len(geoms), np.nan)
    x[has], y[has] = shapely.get_x(geoms[has]), shapely.get_y(geoms[has])
    del geoms, has
    frame = pd.DataFrame(addresses.drop(columns=addresses.geometry.name))
    frame["x"] = x
    frame["y"] = y
    return frame


def with_gemeentecodes(addresses: pd.DataFrame,
                       gemeenten: pd.DataFrame | None = None) -> pd.DataFrame:
    """``addresses`` with a ``gemeentecode`` per address, from its gemeente name.

    The names are matched with
    :func:`veerkracht.io.gemeenten.match_names` against ``gemeenten`` (the
    workspace's list) and the package list; a code the source already gave
    is kept. Categorical names stay categorical (one match per name).

    Parameters
    ----------
    addresses : pandas.DataFrame
        With a ``gemeente`` column (names); without one it is returned as is.
    gemeenten : pandas.DataFrame, optional
        ``gemeentecode`` and ``gemeentenaam``, winning over the package list.

    Returns
    -------
    pandas.DataFrame
        The same frame (modified in place) with ``gemeentecode``.
    """
    from veerkracht.io.gemeenten import match_names

    if "gemeente" not in addresses.columns:
        return addresses
    names = addresses["gemeente"]
    if isinstance(names.dtype, pd.CategoricalDtype):
        cats = names.cat.categories
        lookup = pd.Series(match_names(pd.Series(cats.astype(str)), gemeenten)
                           .to_numpy(), index=cats)
        codes = names.map(lookup)
    else:
        codes = match_names(names.astype("str"), gemeenten)
    codes = pd.Series(np.asarray(codes, dtype=object), index=addresses.index,
                      dtype="str")
    if "gemeentecode" in addresses.columns:
        codes = addresses["gemeentecode"].astype("str").fillna(codes)
    addresses["gemeentecode"] = codes.astype("category")
    return addresses


def read_areas(ws: Workspace) -> tuple[gpd.GeoDataFrame | None,
                                       pd.DataFrame | None]:
    """The imported ``wijken`` and ``gemeenten`` tables (None when absent).

    Only the columns the rules use are read; ``gemeenten`` keeps its
    polygons when it was imported from a polygon file.
    """
    wijken = (_read_columns(ws, "wijken", (*WIJK_COLUMNS, _GEOMETRY))
              if ws.has("wijken") else None)
    gemeenten = (_read_columns(ws, "gemeenten",
                               ("gemeentecode", "gemeentenaam", _GEOMETRY))
                 if ws.has("gemeenten") else None)
    if gemeenten is None:
        from veerkracht.io.gemeenten import package_list

        gemeenten = package_list()
    return wijken, gemeenten


def read_inputs(ws: Workspace) -> tuple[pd.DataFrame, pd.DataFrame | None,
                                        pd.DataFrame | None, pd.DataFrame | None]:
    """Read what :func:`derive_places` uses, compactly; the order of its arguments.

    The gemeente names get their CBS code (:func:`with_gemeentecodes`).
    Only the columns the rules read (:data:`ADDRESS_COLUMNS`,
    :data:`BUILDING_COLUMNS`, :data:`BUURT_COLUMNS`, the stock codes), the
    address texts as categoricals and the address points as ``x``/``y``:
    for a national set about a tenth of the whole ``addresses`` table as
    shapely points and Arrow strings. The results are identical (tested).

    Returns
    -------
    tuple
        ``(addresses, buildings, buurten, overrides)``; the last three are
        None when the workspace lacks the table.
    """
    addresses = _compact_addresses(
        _read_columns(ws, "addresses", (*ADDRESS_COLUMNS, _GEOMETRY)))
    own = (_read_columns(ws, "gemeenten", ("gemeentecode", "gemeentenaam"))
           if ws.has("gemeenten") else None)
    addresses = with_gemeentecodes(addresses, own)
    buildings = (_read_columns(ws, "buildings", (*BUILDING_COLUMNS, _GEOMETRY))
                 if ws.has("buildings") else None)
    buurten = (_read_columns(ws, "buurten", (*BUURT_COLUMNS, _GEOMETRY))
               if ws.has("buurten") else None)
    overrides = (_read_columns(ws, "stock", _STOCK_COLUMNS)
                 if ws.has("stock") else None)
    # the whole-column Arrow buffers of the read are gone: give their memory
    # back instead of keeping it in Arrow's pool through the derivation
    pa.default_memory_pool().release_unused()
    return addresses, buildings, buurten, overrides


def _require(ws: Workspace, table: str) -> None:
    if not ws.has(table):
        raise PlacesError(
            "er zijn nog geen plaatsen afgeleid; voer eerst `veerkracht places` uit"
        )


def _address_labels(ws: Workspace, address_ids: pd.Series) -> pd.Series:
    """"Bosweg 12A-2" per address id (NA when the address is gone)."""
    cols = ["address_id", "straat", "huisnummer", "huisletter", "toevoeging"]
    addr = ws.read("addresses", columns=cols)
    num = addr["huisnummer"].astype("Int64").astype("str")
    letter = addr["huisletter"].astype("str").fillna("")
    suffix = ("-" + addr["toevoeging"].astype("str")).fillna("")
    label = addr["straat"].astype("str").fillna("?") + " " + num + letter + suffix
    lookup = pd.Series(label.to_numpy(), index=addr["address_id"].astype("str"))
    return address_ids.map(lookup).astype("str")


def level_frame(ws: Workspace, level: str, *, period: str | None = None
                ) -> pd.DataFrame:
    """The export frame of one level: places with their members and counts.

    Parameters
    ----------
    ws : Workspace
        Holding the tables written by :func:`run_places`.
    level : str
        ``dwelling`` (one row per dwelling with the ids of its places) or a
        level of :data:`veerkracht.analytics.places.LEVELS`.
    period : str, optional
        Which computed period's figures to join (default: the latest).

    Returns
    -------
    geopandas.GeoDataFrame
        For ``dwelling``: the ``dwellings`` table plus an ``address`` label;
        the id of a place with fewer dwellings than the band threshold is
        left empty (such a place is no place). For a place level: the
        ``place_*`` rows with at least ``band_min`` dwellings, plus
        ``n_<level>`` counts of each smaller level inside it (counting only
        places of that size) and, for ``entrance``, ``members``: the address
        labels, ``; ``-joined.

    Notes
    -----
    No address is a place: a place with fewer than ``band_min`` dwellings
    (:func:`veerkracht.jobs.publish.current_rules`, at least 5) is never a
    row, so a single-dwelling entrance is no entrance here. Once ``veerkracht
    compute`` has run, the model's figures are joined through the
    publication door (:func:`veerkracht.jobs.publish.published_places`) with
    audience ``'public'``: a bulk export never carries a band, and a place
    that is not public carries no figure, class or member list, exactly as a
    place without households. The ``dwelling`` level never gets model
    figures: a figure per address would be a score per household. Nothing
    else assembles exports.
    """
    from veerkracht.jobs.publish import current_rules

    if level not in EXPORT_LEVELS:
        raise PlacesError(
            f"onbekend niveau {level!r}; kies uit {', '.join(EXPORT_LEVELS)}"
        )
    _require(ws, "dwellings")
    band_min = current_rules(ws).band_min
    dwellings = ws.read("dwellings")
    small = {}  # per level: ids of places too small to be a place
    for lv in LEVELS:
        col = _ID_COLUMN[lv]
        if col in dwellings.columns:
            size = dwellings[col].value_counts()
            small[lv] = set(size.index[size < band_min].astype("str"))
    if level == "dwelling":
        frame = dwellings.copy()
        for lv, ids in small.items():
            col = _ID_COLUMN[lv]
            if ids:
                frame[col] = frame[col].where(~frame[col].astype("str").isin(ids))
        frame.insert(1, "address", _address_labels(ws, frame["address_id"]).to_numpy())
        return frame
    _require(ws, TABLES[level])
    places = ws.read(TABLES[level])
    places = places[places["n_dwellings"].to_numpy() >= band_min].reset_index(
        drop=True)
    key = dwellings[_ID_COLUMN[level]]
    extra = {}
    for smaller in LEVELS[: LEVELS.index(level)]:
        ids = dwellings[_ID_COLUMN[smaller]]
        ids = ids.where(~ids.astype("str").isin(small.get(smaller, set())))
        counts = ids.groupby(key.to_numpy()).nunique()
        n = places["place_id"].map(counts).fillna(0)
        extra[f"n_{smaller}"] = n.astype(np.int64)
    if level == "entrance":
        labels = _address_labels(ws, dwellings["address_id"])
        order = np.lexsort((dwellings["address_id"].to_numpy(), key.to_numpy()))
        members = (pd.Series(labels.to_numpy()[order]).fillna("?")
                   .groupby(key.to_numpy()[order], sort=False).agg("; ".join))
        extra["members"] = places["place_id"].map(members).astype("str")
    at = list(places.columns).index("n_dwellings") + 1
    frame = places.copy()
    for i, (name, values) in enumerate(extra.items()):
        frame.insert(at + i, name, values.to_numpy())
    if ws.has("results"):
        frame = _join_model(ws, frame, level, period)
    return frame


def _join_model(ws: Workspace, frame: pd.DataFrame, level: str,
                period: str | None) -> pd.DataFrame:
    """Join the published model figures of one level (see :func:`level_frame`)."""
    from veerkracht.jobs.publish import published_places

    model = published_places(ws, level, period, audience="public")
    model = model.drop(columns=["level", "n_dwellings"], errors="ignore")
    merged = frame.merge(model, on="place_id", how="left", validate="one_to_one")
    # a place without a published row is the same as one without households
    vis = merged["visibility"].astype(object).where(merged["visibility"].notna(),
                                                    "suppressed")
    merged["visibility"] = pd.array(vis.to_numpy(), dtype="str")
    if "members" in merged.columns:
        hidden = merged["visibility"].ne("public").to_numpy()
        merged["members"] = merged["members"].astype(object).where(~hidden, None)
    return type(frame)(merged, geometry="geometry", crs=frame.crs) if hasattr(
        frame, "crs") else merged
