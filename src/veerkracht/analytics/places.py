"""Places: every dwelling in exactly one entrance, building, block, street, buurt.

The rules, the id scheme and the tolerances are written down in
``docs/places.md``; this module is their single implementation. It is pure:
frames in, a frozen :class:`PlaceSet` out, no I/O.

The derivation is vectorised throughout (factorize, ``np.bincount``, sparse
connected components, ``shapely`` 2 array functions), so that a national
set of about 9.5 million dwellings fits in minutes on two cores.

Examples
--------
>>> import geopandas as gpd, pandas as pd, shapely
>>> addresses = gpd.GeoDataFrame(
...     {"address_id": ["1234AB-12-1", "1234AB-12-2", "1234AB-14"],
...      "straat": ["Bosweg"] * 3, "huisnummer": [12, 12, 14],
...      "huisletter": pd.array([None] * 3, dtype="str"),
...      "toevoeging": pd.array(["1", "2", None], dtype="str"),
...      "postcode": ["1234AB"] * 3, "woonplaats": ["Leek"] * 3,
...      "is_dwelling": [True] * 3},
...     geometry=shapely.points([(0, 0), (0, 1), (30, 0)]), crs=28992)
>>> places = derive_places(addresses)
>>> places.dwellings["entrance_id"].tolist()
['E-1234AB-12-1', 'E-1234AB-12-1', 'E-1234AB-14']
>>> places.levels["entrance"]["n_dwellings"].tolist()
[2, 1]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from veerkracht.defaults import LEVELS

__all__ = [
    "ADDRESS_COLUMNS",
    "BLOCK_LINK_DISTANCE",
    "BUILDING_COLUMNS",
    "BUURT_COLUMNS",
    "BUILDING_LINK_DISTANCE",
    "COINCIDE_TOLERANCE",
    "FOOTPRINT_TOUCH_TOLERANCE",
    "IN_USE_STATUSES",
    "LEVELS",
    "LEVEL_COLUMNS",
    "TABLES",
    "AREA_SNAP_DISTANCE",
    "REST",
    "UNKNOWN",
    "WIJK_COLUMNS",
    "PlaceSet",
    "derive_places",
    "touching_groups",
]

#: Workspace table per level (docs/architecture.md, "Derived").
TABLES = {"dwellings": "dwellings"} | {lvl: f"place_{lvl}" for lvl in LEVELS}
#: The column of ``dwellings`` that holds each level's place id.
LEVEL_COLUMNS = {"entrance": "entrance_id", "building": "building_id",
                 "block": "block_id", "street": "street_id", "buurt": "buurtcode",
                 "wijk": "wijkcode", "gemeente": "gemeentecode"}
#: Code for a buurt, wijk or gemeente that neither a code nor a polygon gives.
UNKNOWN = "onbekend"
#: Suffix of the "rest" of a known wijk or gemeente (docs/places.md): a dwelling
#: of a known wijk without buurt goes to ``BU`` + wijk digits + ``XX``; of a known
#: gemeente without wijk to ``WK`` + gemeente digits + ``XX`` and ``BU`` +
#: gemeente digits + ``XXXX``. CBS uses no code ending in ``XX``.
REST = "XX"
#: A dwelling whose point lies in no wijk polygon of its own gemeente goes to
#: the nearest one within this distance (metres): simplified CBS outlines cut
#: off addresses along their borders.
AREA_SNAP_DISTANCE = 50.0

#: Address points closer than this (metres) on the same street share an entrance.
COINCIDE_TOLERANCE = 0.5
#: Without footprints: points of multi-dwelling entrances on the same street and
#: postcode closer than this (metres) belong to one building.
BUILDING_LINK_DISTANCE = 8.0
#: Without footprints: points on the same street closer than this (metres) link
#: their buildings into one block.
BLOCK_LINK_DISTANCE = 9.0
#: Footprints closer than this (metres) touch, and form one block.
FOOTPRINT_TOUCH_TOLERANCE = 0.5
#: BAG pand statuses (lower case) whose footprints count; NA counts as in use.
IN_USE_STATUSES = frozenset({
    "pand in gebruik",
    "pand in gebruik (niet ingemeten)",
    "verbouwing pand",
    "sloopvergunning verleend",
})
#: Neighbours looked at per address point for the point-based rules.
_K_NEIGHBOURS = 8
#: Above this many multi-footprint blocks, block geometry is the convex hull of
#: the footprint vertices instead of their exact union (speed).
_MAX_UNIONS = 50_000
_RD = 28992


@dataclass(frozen=True)
class PlaceSet:
    """Every dwelling and the places it belongs to.

    Attributes
    ----------
    dwellings : geopandas.GeoDataFrame
        One row per dwelling: ``address_id``, ``entrance_id``, ``building_id``,
        ``block_id``, ``street_id``, ``buurtcode`` (or ``onbekend``),
        ``wijkcode``, ``gemeentecode``, point geometry (EPSG:28992).
    levels : dict of str to geopandas.GeoDataFrame
        Per level of :data:`LEVELS`, one row per place: ``place_id``, ``name``,
        ``parent_id``, ``buurtcode``, ``n_dwellings``, ``method``, geometry.
    summary : dict
        Counts per level, methods per level, dwellings in an unknown buurt.
    """

    dwellings: gpd.GeoDataFrame
    levels: dict[str, gpd.GeoDataFrame]
    summary: dict = field(default_factory=dict)

    def tables(self) -> dict[str, gpd.GeoDataFrame]:
        """The workspace tables by name: ``dwellings``, ``place_entrance``, ..."""
        out = {"dwellings": self.dwellings}
        out.update({TABLES[lvl]: frame for lvl, frame in self.levels.items()})
        return out


# --------------------------------------------------------------------------
# small vectorised helpers


def _str(values: pd.Series | np.ndarray | list) -> pd.Series:
    """A pandas ``str`` Series with NA for missing and for blank strings."""
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
        # clean the categories once and take them in Arrow: casting the
        # categorical itself would make a Python string object per row
        codes = values.cat.codes.to_numpy()
        cats = _str(pd.Series(values.cat.categories, dtype="str"))
        if not len(cats):
            return pd.Series(pd.NA, index=range(len(codes)), dtype="str")
        return _take(cats, np.maximum(codes, 0)).mask(codes < 0)
    s = pd.Series(values, dtype="str") if not isinstance(values, pd.Series) else values
    s = s.astype("str").reset_index(drop=True)
    s = s.str.strip()
    return s.mask(s == "")


def _codes(*columns: pd.Series | np.ndarray) -> np.ndarray:
    """Dense int codes of the combined key; NA is a value of its own."""
    if len(columns) == 1:
        codes, _ = pd.factorize(pd.Series(columns[0]), use_na_sentinel=False)
        return codes.astype(np.int64)
    frame = pd.DataFrame({f"c{i}": _codes(c) for i, c in enumerate(columns)})
    return frame.groupby(list(frame.columns), sort=False).ngroup().to_numpy(np.int64)


def _group_edges(codes: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Edges joining every row to the first row of its group (rows in ``mask``)."""
    idx = np.arange(len(codes)) if mask is None else np.flatnonzero(mask)
    c = codes[idx]
    uniq, first = np.unique(c, return_index=True)
    first_row = np.empty(uniq.max() + 1 if len(uniq) else 0, dtype=np.int64)
    first_row[uniq] = idx[first]
    to = first_row[c]
    real = to != idx  # a row's edge to itself links nothing
    return np.vstack([idx[real], to[real]]).astype(np.int32)


def _components(n: int, edges: list[np.ndarray]) -> np.ndarray:
    """Connected component label of each of ``n`` nodes, given (2, m) edges."""
    edges = [e for e in edges if e.size]
    if not edges:
        return np.arange(n, dtype=np.int64)
    e = np.hstack([x.astype(np.int32, copy=False) for x in edges])
    graph = sparse.coo_matrix(
        (np.ones(e.shape[1], dtype=np.int8), (e[0], e[1])), shape=(n, n)
    ).tocsr()
    del e
    _, labels = connected_components(graph, directed=False)
    return labels.astype(np.int64)


def _relabel(labels: np.ndarray, rank: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dense labels ordered by their smallest member rank; and that member's row.

    Returns ``(codes, rep)``: ``codes[i]`` is the place number of row ``i`` and
    ``rep[k]`` the row of place ``k`` whose ``rank`` is smallest. Both depend
    on ``rank`` only, never on row order, so ids built from ``rep`` are stable.
    """
    labels = pd.factorize(labels)[0]
    best = np.full(labels.max() + 1, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(best, labels, rank)
    order = np.argsort(best, kind="stable")
    new = np.empty_like(order)
    new[order] = np.arange(len(order))
    codes = new[labels]
    inv_rank = np.empty_like(rank)
    inv_rank[rank] = np.arange(len(rank))
    return codes, inv_rank[best[order]]


def _unique_per_group(codes: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """``values`` (int, -1 = none) when constant within each group, else -1."""
    lo = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    hi = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
    np.minimum.at(lo, codes, values)
    np.maximum.at(hi, codes, values)
    return np.where(lo == hi, lo, -1)


def _slug(values: pd.Series) -> pd.Series:
    """Readable id part: lower case, runs of other characters become one ``-``."""
    s = values.astype("str").str.lower()
    s = s.str.replace(r"[^0-9a-z]+", "-", regex=True).str.strip("-")
    return s.mask(s == "", "x")


def _dedupe_ids(ids: pd.Series, tiebreak: pd.Series) -> pd.Series:
    """Append ``-2``, ``-3`` ... to ids that collide, in ``tiebreak`` order."""
    ids = ids.reset_index(drop=True)
    dup = ids.duplicated(keep=False)
    if not dup.any():
        return ids
    sub = pd.DataFrame({"id": ids[dup], "t": tiebreak.reset_index(drop=True)[dup]})
    sub = sub.sort_values(["id", "t"])
    nth = sub.groupby("id").cumcount()
    suffix = np.where(nth > 0, "-" + (nth + 1).astype(str), "")
    ids = ids.copy()
    ids.loc[sub.index] = sub["id"] + suffix
    return ids


def _arrow_order(values: pd.Series) -> np.ndarray:
    """Stable sort order of strings, in Arrow (no Python string objects)."""
    arr = pa.array(values.astype("str").array)
    return pc.sort_indices(arr).to_numpy()


def _rank(address_id: pd.Series) -> np.ndarray:
    """Rank of each address id in sorted order (the stable tie breaker)."""
    order = _arrow_order(address_id)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank


#: Groups with more points than this get the hull of their extreme points.
_EXACT_HULL_MAX = 16


def _extreme_rows(xy: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Rows holding the extreme point of each group in 8 directions.

    The hull of these (at most 8) points is the polygon spanned by the
    members furthest west, east, south, north and along both diagonals: an
    inner approximation of the group's convex hull that avoids building a
    multipoint of every member (for a street of 2,000 dwellings, say).
    """
    proj = pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1],
                         "d": xy[:, 0] + xy[:, 1], "a": xy[:, 0] - xy[:, 1]})
    grouped = proj.groupby(codes, sort=False)
    picks = np.concatenate([grouped.idxmax().to_numpy().ravel(),
                            grouped.idxmin().to_numpy().ravel()])
    return np.unique(picks)


def _hulls(xy: np.ndarray, codes: np.ndarray, n: int,
           points: np.ndarray | None = None) -> np.ndarray:
    """Convex hull of the points of each group (a point for one member).

    Groups of more than ``_EXACT_HULL_MAX`` points get the hull of their
    extreme points (:func:`_extreme_rows`). ``points`` (the rows of ``xy`` as
    shapely points) saves a multipoint per single-member group, the common
    case.
    """
    size = np.bincount(codes, minlength=n)
    out = np.empty(n, dtype=object)
    if points is not None:
        single = size == 1
        out[single] = points[_first_rows(codes, n)[single]]
        rows = np.flatnonzero(size[codes] >= 2)
    else:
        rows = np.arange(len(codes))
    if not len(rows):
        return out
    # Whole groups at a time, about _HULL_CHUNK rows each: every group's hull
    # is computed from exactly the same points in the same order as in one
    # pass, but the multipoints (a GEOS point per member) of only one chunk
    # exist at any moment.
    rows = rows[np.argsort(codes[rows], kind="stable")]
    grp = codes[rows]
    starts = np.flatnonzero(np.r_[True, grp[1:] != grp[:-1]])
    at = np.searchsorted(starts, np.arange(0, len(rows), _HULL_CHUNK))
    bounds = np.unique(np.r_[starts[at[at < len(starts)]], len(rows)])
    del grp, starts
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        if a < b:
            _hulls_of_rows(xy, codes, size, np.sort(rows[a:b]), out)
    return out


#: Rows per pass of :func:`_hulls` (bounds the transient GEOS multipoints).
_HULL_CHUNK = 500_000


def _hulls_of_rows(xy: np.ndarray, codes: np.ndarray, size: np.ndarray,
                   rows: np.ndarray, out: np.ndarray) -> None:
    """Fill ``out`` with the hulls of the groups of ``rows`` (all their rows)."""
    big = size[codes[rows]] > _EXACT_HULL_MAX
    if big.any():
        sub = rows[big]
        extreme = sub[_extreme_rows(xy[sub], codes[sub])]
        rows = np.concatenate([rows[~big], extreme])
    sub, groups = pd.factorize(codes[rows], sort=True)
    order = np.lexsort((rows, sub))
    multi = shapely.multipoints(xy[rows][order], indices=sub[order])
    out[groups] = shapely.convex_hull(multi)


def _first_rows(codes: np.ndarray, n: int) -> np.ndarray:
    """The first row of each of ``n`` groups."""
    first = np.full(n, -1, dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes))[::-1]
    return first


def _hull_of(children: np.ndarray, parent: np.ndarray, n: int) -> np.ndarray:
    """Convex hull per parent of the vertices of its children's geometries."""
    coords, idx = shapely.get_coordinates(children, return_index=True)
    return _hulls(coords, parent[idx], n)


def _mean_points(xy: np.ndarray, codes: np.ndarray, n: int,
                 points: np.ndarray) -> np.ndarray:
    """Mean point of each group; single members keep their own point object."""
    counts = np.bincount(codes, minlength=n)
    out = np.empty(n, dtype=object)
    first = np.full(n, -1, dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes))[::-1]
    out[counts == 1] = points[first[counts == 1]]
    many = np.flatnonzero(counts > 1)
    if len(many):
        mx = np.bincount(codes, weights=xy[:, 0], minlength=n)[many] / counts[many]
        my = np.bincount(codes, weights=xy[:, 1], minlength=n)[many] / counts[many]
        out[many] = shapely.points(np.round(mx, 3), np.round(my, 3))
    return out


def _neighbour_pairs(xy: np.ndarray, street: np.ndarray,
                     radius: float) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``(i, j), i < j`` of points on one street within ``radius``.

    Rows on the same street at the same point (to the millimetre) are
    collapsed to one *site* first, so that a pile of flats on one point does
    not use up the k neighbours looked at per site; pairs join the first rows
    of two sites (the rows of one site are linked by the rules themselves).
    Every rule that uses the pairs wants both points on the same street, so
    other pairs are dropped here. Indices are int32 to save memory.
    """
    mm = np.round(xy * 1000).astype(np.int64)
    _, first = np.unique(_codes(street, mm[:, 0], mm[:, 1]), return_index=True)
    del mm
    loc = xy[first]
    if len(loc) < 2:
        return np.empty((2, 0), np.int32), np.empty(0, np.float32)
    tree = cKDTree(loc)
    k = min(_K_NEIGHBOURS, len(loc))
    site_street = street[first]
    out_i, out_j, out_d = [], [], []
    for start in range(0, len(loc), 500_000):
        chunk = loc[start:start + 500_000]
        dist, idx = tree.query(chunk, k=k, distance_upper_bound=radius, workers=2)
        src = np.repeat(np.arange(start, start + len(chunk)), k).reshape(-1, k)
        keep = (idx < len(loc)) & (src < idx)
        src, idx, dist = src[keep], idx[keep], dist[keep]
        same = site_street[src] == site_street[idx]
        out_i.append(first[src[same]].astype(np.int32))
        out_j.append(first[idx[same]].astype(np.int32))
        out_d.append(dist[same].astype(np.float32))
    pairs = np.vstack([np.concatenate(out_i), np.concatenate(out_j)])
    return pairs, np.concatenate(out_d)


# --------------------------------------------------------------------------
# the rules


def touching_groups(
    footprints: np.ndarray, tolerance: float = FOOTPRINT_TOUCH_TOLERANCE
) -> np.ndarray:
    """Group polygons whose footprints touch (within ``tolerance`` metres).

    Parameters
    ----------
    footprints : array of shapely geometries
        Building footprints in a metric CRS (EPSG:28992).
    tolerance : float
        Gap still counted as touching: BAG footprints of adjoining houses share
        a wall but their outlines are digitised separately.

    Returns
    -------
    numpy.ndarray
        Component label per footprint (0-based, arbitrary order).

    Examples
    --------
    >>> import shapely
    >>> boxes = [shapely.box(0, 0, 5, 5), shapely.box(5, 0, 10, 5),
    ...          shapely.box(20, 0, 25, 5)]
    >>> touching_groups(boxes).tolist()
    [0, 0, 1]
    """
    geoms = np.asarray(footprints, dtype=object)
    tree = shapely.STRtree(geoms)
    pairs = tree.query(geoms, predicate="dwithin", distance=tolerance)
    return _components(len(geoms), [pairs])


def _in_use(buildings: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if "status" not in buildings.columns:
        return buildings
    status = buildings["status"].astype("str").str.strip().str.lower()
    return buildings[status.isna() | status.isin(IN_USE_STATUSES).fillna(False)]


def _check_crs(frame: gpd.GeoDataFrame, what: str) -> None:
    if frame.crs is None or frame.crs.to_epsg() != _RD:
        raise ValueError(f"{what} must be in EPSG:28992 (RD New), got {frame.crs}")


class _LazyPoints:
    """Shapely points of the input coordinates, made only when indexed.

    For addresses given as ``x``/``y`` columns: the rules work on the
    coordinates, and a GEOS point per dwelling (about 140 bytes each) is only
    made for the rows that need one (a spatial join, a single-member place,
    the ``dwellings`` table), from exactly the coordinates given.
    """

    def __init__(self, xy: np.ndarray):
        self.xy = xy

    def __len__(self) -> int:
        return len(self.xy)

    def __getitem__(self, rows) -> np.ndarray:
        return shapely.points(self.xy[rows])


@dataclass
class _Frame:
    """The dwellings as plain arrays, with what the rules need."""

    address_id: pd.Series
    straat: pd.Series
    huisnummer: np.ndarray
    huisletter: pd.Series
    postcode: np.ndarray  # codes
    woonplaats: pd.Series
    gemeente: pd.Series
    xy: np.ndarray
    rank: np.ndarray
    street_code: np.ndarray  # gemeente + woonplaats + straat
    points: np.ndarray | _LazyPoints  # shapely points of the input coordinates

    @property
    def n(self) -> int:
        return len(self.rank)


_USED_COLUMNS = ("address_id", "straat", "huisnummer", "huisletter", "postcode",
                 "woonplaats", "gemeente", "pand_id", "buurtcode", "gemeentecode")
#: Every ``addresses`` column :func:`derive_places` reads (besides the points).
ADDRESS_COLUMNS = (*_USED_COLUMNS, "is_dwelling")
#: Every ``buildings`` and ``buurten`` column it reads (besides the geometry).
BUILDING_COLUMNS = ("pand_id", "status")
BUURT_COLUMNS = ("buurtcode", "buurtnaam", "wijkcode", "wijknaam", "gemeentecode",
                 "gemeentenaam")
#: Every ``wijken`` column it reads (besides the geometry).
WIJK_COLUMNS = ("wijkcode", "wijknaam", "gemeentecode", "gemeentenaam")


def _take(series: pd.Series, idx: np.ndarray) -> pd.Series:
    """Rows ``idx`` of ``series`` with a fresh RangeIndex (Arrow stays Arrow)."""
    return series.take(idx).reset_index(drop=True)


def _by_lookup(values: np.ndarray, strings: pd.Series) -> pd.Series:
    """``strings[values]`` as a str Series; NA where ``values`` is negative."""
    out = _take(strings.astype("str"), np.maximum(values, 0))
    return out.mask(values < 0)


def _labels(names: tuple[str, ...], codes: np.ndarray) -> np.ndarray:
    """Small vocabulary per row without a fixed-width unicode copy per row."""
    return np.asarray(names, dtype=object)[codes]


def _has_xy(addresses: pd.DataFrame) -> bool:
    """Whether ``addresses`` gives its points as ``x``/``y`` columns."""
    return (not isinstance(addresses, gpd.GeoDataFrame)
            and {"x", "y"} <= set(addresses.columns))


def _prepare(addresses: pd.DataFrame) -> tuple[pd.DataFrame, _Frame]:
    """The dwellings' columns in address_id order, and the arrays the rules use.

    Only the columns the rules read are copied, so that the input frame is
    not duplicated (it dominates memory at national scale). Text columns may
    be categoricals; they are read as the strings they stand for.
    """
    xy_form = _has_xy(addresses)
    if not xy_form:
        if not isinstance(addresses, gpd.GeoDataFrame):
            raise ValueError("addresses need a point geometry or x/y columns")
        _check_crs(addresses, "addresses")
    missing = {"address_id", "straat", "huisnummer"} - set(addresses.columns)
    if missing:
        raise ValueError(f"addresses lack columns {sorted(missing)}")
    if "is_dwelling" in addresses.columns:
        flag = addresses["is_dwelling"].fillna(False).astype(bool).to_numpy()
        idx = np.flatnonzero(flag)
    else:
        idx = np.arange(len(addresses))
    ids = _take(addresses["address_id"], idx)
    if ids.duplicated().any():
        raise ValueError("address_id is not unique")
    # Work in address_id order: every result (ids, float sums, hull vertex
    # order) is then independent of the order of the input rows.
    if len(idx):
        idx = idx[np.argsort(_rank(ids))]
    # one column at a time, so that only one raw copy exists at any moment
    dw = pd.DataFrame({
        c: (_str(_take(addresses[c], idx)) if c != "huisnummer"
            else _take(addresses[c], idx))
        for c in _USED_COLUMNS if c in addresses.columns})
    if xy_form:
        xy = np.column_stack([
            addresses[c].to_numpy(dtype=np.float64, na_value=np.nan)[idx]
            for c in ("x", "y")]) if len(idx) else np.empty((0, 2))
        if not np.isfinite(xy).all():
            raise ValueError("every dwelling needs a point")
        geoms = _LazyPoints(xy)
    else:
        geoms = np.asarray(addresses.geometry.values.take(idx))
        if len(dw) and (shapely.is_missing(geoms) | shapely.is_empty(geoms)).any():
            raise ValueError("every dwelling needs a point")
        if len(dw) and (shapely.get_type_id(geoms) != 0).any():
            raise ValueError("every dwelling needs a point geometry")
        xy = shapely.get_coordinates(geoms)

    def col(name: str) -> pd.Series:
        if name in dw.columns:
            return dw[name]
        return pd.Series(pd.NA, index=dw.index, dtype="str")

    gemeente = col("gemeente")
    woonplaats = col("woonplaats").fillna(gemeente)
    straat = col("straat")
    frame = _Frame(
        address_id=dw["address_id"],
        straat=straat,
        huisnummer=pd.to_numeric(dw["huisnummer"]).fillna(-1).to_numpy(np.int64),
        huisletter=col("huisletter").str.upper(),
        postcode=_codes(col("postcode").str.upper().str.replace(" ", "")),
        woonplaats=woonplaats,
        gemeente=gemeente,
        xy=np.round(xy, 3),
        rank=np.arange(len(dw), dtype=np.int64),
        # woonplaats names repeat (two Oostwolds in Groningen): add the gemeente
        street_code=_codes(gemeente.str.lower(), woonplaats.str.lower(),
                           straat.str.lower()),
        points=geoms,
    )
    # keep only what later rules read; the other copies are freed here
    rest = {c: dw[c] for c in ("pand_id", "buurtcode", "gemeentecode")
            if c in dw.columns}
    return pd.DataFrame({"address_id": frame.address_id, **rest}), frame


def _override_codes(dw: pd.DataFrame, overrides: pd.DataFrame | None,
                    column: str) -> pd.Series:
    """The override code per dwelling (NA where none)."""
    if overrides is None or column not in overrides.columns or not len(overrides):
        return pd.Series(pd.NA, index=dw.index, dtype="str")
    ov = overrides[["address_id", column]].copy()
    ov["address_id"] = _str(ov["address_id"])
    ov[column] = _str(ov[column])
    ov = ov.dropna().drop_duplicates("address_id")
    codes = _str(dw["address_id"]).map(ov.set_index("address_id")[column])
    return _str(codes)


_ENTRANCE_METHODS = ("override", "single", "number", "point")


def _entrances(f: _Frame, override: pd.Series, pairs: np.ndarray,
               dist: np.ndarray):
    """Entrance labels, methods and ids (see docs/places.md, "Entrance")."""
    free = override.isna().to_numpy()
    same_door = _codes(f.street_code, f.huisnummer, f.huisletter.fillna(""))
    i, j = pairs
    near = (dist <= COINCIDE_TOLERANCE) & (f.street_code[i] == f.street_code[j])
    near &= free[i] & free[j]
    exact = _codes(f.street_code, f.xy[:, 0], f.xy[:, 1])
    edges = [
        _group_edges(same_door, free),
        _group_edges(exact, free),
        pairs[:, near],
        _group_edges(_codes(override.fillna("")), ~free),
    ]
    labels = _components(f.n, edges)
    codes, rep = _relabel(labels, f.rank)
    n = len(rep)
    size = np.bincount(codes, minlength=n)
    one_door = _unique_per_group(codes, same_door, n) >= 0
    over = ~free[rep]
    method = _labels(_ENTRANCE_METHODS,
                     np.where(over, 0, np.where(size == 1, 1,
                                                np.where(one_door, 2, 3))))
    over_s = pd.Series(over)
    ids = ("E-" + _take(f.address_id, rep)).where(
        ~over_s, "E-corp-" + _take(override, rep))
    return codes, rep, method, ids


def _name_with_range(f: _Frame, codes: np.ndarray, rep: np.ndarray,
                     prefix: str = "") -> pd.Series:
    """"Bosweg 3A", or "Bosweg 1–15" when the members span several numbers.

    The range runs over the members on the street of the representative.
    """
    n = len(rep)
    on_rep_street = f.street_code == f.street_code[rep][codes]
    big = np.iinfo(np.int64).max
    lo = np.full(n, big, dtype=np.int64)
    hi = np.full(n, -1, dtype=np.int64)
    np.minimum.at(lo, codes[on_rep_street], f.huisnummer[on_rep_street])
    np.maximum.at(hi, codes[on_rep_street], f.huisnummer[on_rep_street])
    straat = _take(f.straat.fillna("onbekende straat"), rep)
    letter = _take(f.huisletter.fillna(""), rep)
    lo_s = pd.Series(pc.cast(pa.array(lo), pa.string()), dtype="str")
    hi_s = pd.Series(pc.cast(pa.array(hi), pa.string()), dtype="str")
    num = (lo_s + letter).where(pd.Series(lo == hi), lo_s + "–" + hi_s)
    return prefix + straat + " " + num


_BUILDING_METHODS = ("bag_pand", "footprint", "cluster")
_BLOCK_METHODS = ("complex", "footprints", "cluster")


def _buildings(f: _Frame, dw: pd.DataFrame, buildings: gpd.GeoDataFrame | None,
               entrance: np.ndarray, entrance_size: np.ndarray, pairs: np.ndarray,
               dist: np.ndarray):
    """Building labels per dwelling, and the pand id and footprint per label."""
    pand = (_str(dw["pand_id"]) if "pand_id" in dw.columns
            else pd.Series(pd.NA, index=dw.index, dtype="str"))
    method = np.where(pand.notna().to_numpy(), 0, 2)
    footprints = None
    if buildings is not None and len(buildings):
        _check_crs(buildings, "buildings")
        use = _in_use(buildings)
        use = use[use.geometry.notna() & ~use.geometry.is_empty]
        use = use.assign(pand_id=_str(use["pand_id"]).to_numpy())
        use = use.sort_values("pand_id").drop_duplicates("pand_id")
        footprints = use.set_index("pand_id").geometry
        todo = np.flatnonzero(pand.isna().to_numpy())
        if len(todo) and len(use):
            tree = shapely.STRtree(use.geometry.values)
            pt_idx, fp_idx = tree.query(f.points[todo], predicate="intersects")
            # several footprints (overlap): the smallest pand id wins
            best = np.full(len(todo), np.iinfo(np.int64).max, dtype=np.int64)
            np.minimum.at(best, pt_idx, fp_idx)
            hit = best < len(use)
            found = np.full(len(pand), -1, dtype=np.int64)
            found[todo[hit]] = best[hit]
            pand = pand.fillna(_by_lookup(found, use["pand_id"].reset_index(drop=True)))
            method[todo[hit]] = 1
    free = pand.isna().to_numpy()
    # point-based clustering for the dwellings without a pand
    multi = entrance_size[entrance] >= 2
    i, j = pairs
    link = (dist <= BUILDING_LINK_DISTANCE) & free[i] & free[j]
    link &= multi[i] & multi[j] & (f.street_code[i] == f.street_code[j])
    link &= f.postcode[i] == f.postcode[j]
    edges = [
        _group_edges(_codes(pand.fillna("")), ~free),
        _group_edges(entrance, free),
        _group_edges(_codes(f.street_code, f.huisnummer), free),
        pairs[:, link],
    ]
    labels = _components(f.n, edges)
    codes, rep = _relabel(labels, f.rank)
    pand_rep = _take(pand, rep)
    ids = ("B-" + pand_rep).fillna("B-" + _take(f.address_id, rep))
    return (codes, rep, _labels(_BUILDING_METHODS, method[rep]), ids, pand_rep,
            footprints)


def _blocks(f: _Frame, b_codes: np.ndarray, b_rep: np.ndarray, pand_rep: pd.Series,
            footprints: pd.Series | None, complex_code: pd.Series,
            pairs: np.ndarray, dist: np.ndarray):
    """Block labels per dwelling (see docs/places.md, "Block")."""
    nb = len(b_rep)
    has_fp = np.zeros(nb, dtype=bool)
    fp_geoms = np.empty(nb, dtype=object)
    if footprints is not None:
        known = pand_rep.map(footprints)
        fp_geoms = known.to_numpy(dtype=object)
        has_fp = pd.notna(known).to_numpy()
    free = complex_code.isna().to_numpy()
    edges = [_group_edges(b_codes),
             _group_edges(_codes(complex_code.fillna("")), ~free)]
    # buildings with footprints: touching footprints of dwelling buildings
    fp_b = np.flatnonzero(has_fp)
    if len(fp_b):
        labels = touching_groups(fp_geoms[fp_b])
        b_label = np.full(nb, -1, dtype=np.int64)
        b_label[fp_b] = labels
        d_label = b_label[b_codes]
        edges.append(_group_edges(np.where(d_label >= 0, d_label, 0),
                                  (d_label >= 0) & free))
    # the others: address points close together on one street
    nofp = ~has_fp[b_codes] & free
    i, j = pairs
    link = (dist <= BLOCK_LINK_DISTANCE) & nofp[i] & nofp[j]
    link &= f.street_code[i] == f.street_code[j]
    edges.append(pairs[:, link])
    labels = _components(f.n, edges)
    codes, rep = _relabel(labels, f.rank)
    nk = len(rep)
    over = ~free[rep]
    fp_block = _unique_per_group(codes, np.where(has_fp[b_codes], 1, 0), nk) == 1
    method = _labels(_BLOCK_METHODS, np.where(over, 0, np.where(fp_block, 1, 2)))
    # id: the smallest pand id among footprint blocks, else the first address
    ids = "K-" + _take(f.address_id, rep)
    if has_fp.any():
        rows = np.flatnonzero(has_fp[b_codes])
        first_pand = (_take(pand_rep, b_codes[rows]).groupby(codes[rows]).min()
                      .reindex(range(nk)))
        ids = ("K-" + pd.Series(first_pand.to_numpy(), dtype="str")).fillna(ids)
    ids = ids.where(~pd.Series(over), "K-corp-" + _take(complex_code, rep))
    return codes, rep, method, ids, fp_geoms, has_fp


_AREA_METHODS = ("code", "polygon", "unknown", "mixed", "nearest", "name")
_CODE = {"buurt": r"BU\d{4}[0-9A-Z]{4}", "wijk": r"WK\d{4}[0-9A-Z]{2}",
         "gemeente": r"GM\d{4}"}


def _per_unique(values: pd.Series, fn) -> pd.Series:
    """``fn`` applied to the distinct values only, taken back per row (str).

    Area codes repeat a lot (a few hundred gemeenten for millions of
    dwellings): mapping or parsing them per row would cost seconds.
    """
    codes, uniques = pd.factorize(values)
    if not len(uniques):
        return pd.Series(pd.NA, index=range(len(values)), dtype="str")
    out = _str(fn(pd.Series(np.asarray(uniques, dtype=object), dtype="str")))
    return _take(out, np.maximum(codes, 0)).mask(codes < 0)


def _valid(codes: pd.Series, level: str) -> pd.Series:
    """``codes`` upper-cased, NA where it is no CBS code of ``level``."""
    def check(u):
        u = _str(u).str.upper()
        return u.where(u.str.fullmatch(_CODE[level]).fillna(False))

    return _per_unique(codes, check)


def _polygon_gemeente(table: gpd.GeoDataFrame, key: str) -> np.ndarray:
    """The gemeente code of each polygon: its column, else from its own code."""
    nested = "GM" + _str(table[key]).str.slice(2, 6)
    if "gemeentecode" in table.columns:
        nested = _valid(table["gemeentecode"], "gemeente").fillna(nested)
    return nested.to_numpy(dtype=object, na_value=None)


def _in_polygon(points, table: gpd.GeoDataFrame, key: str, gemeente: np.ndarray,
                gemeenten: pd.Index) -> tuple[np.ndarray, np.ndarray]:
    """Row of ``table`` (sorted by ``key``) holding each point, -1 where none.

    ``gemeente`` is each point's gemeente as a position in ``gemeenten``
    (-1 when unknown). A polygon of another gemeente than the dwelling's
    (when that is known) does not count; the second array flags the points
    that lay only in such polygons. On a shared edge the smallest code wins.
    """
    tree = shapely.STRtree(table.geometry.values)
    pt_idx, poly_idx = tree.query(points, predicate="intersects")
    poly_gm = gemeenten.get_indexer(_polygon_gemeente(table, key))
    g = gemeente[pt_idx]
    own = (g < 0) | (poly_gm[poly_idx] == g)
    best = np.full(len(points), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(best, pt_idx[own], poly_idx[own])
    hit_any = np.bincount(pt_idx, minlength=len(points)) > 0
    found = np.where(best < len(table), best, -1)
    return found, hit_any & (found < 0)


def _nearest_own(points, table: gpd.GeoDataFrame, key: str, gemeente: np.ndarray,
                 gemeenten: pd.Index) -> np.ndarray:
    """Row of the nearest polygon of each point's own gemeente, within the snap
    distance; -1 where there is none (``gemeente`` as in :func:`_in_polygon`)."""
    out = np.full(len(points), -1, dtype=np.int64)
    poly_gm = gemeenten.get_indexer(_polygon_gemeente(table, key))
    for gm in np.unique(gemeente[gemeente >= 0]):
        rows = np.flatnonzero(poly_gm == gm)
        pts = np.flatnonzero(gemeente == gm)
        if not len(rows) or not len(pts):
            continue
        tree = shapely.STRtree(table.geometry.values[rows])
        pi, qi = tree.query_nearest(points[pts], max_distance=AREA_SNAP_DISTANCE,
                                    all_matches=False)
        out[pts[pi]] = rows[qi]
    return out


def _sorted_by(table: gpd.GeoDataFrame | None, key: str) -> gpd.GeoDataFrame | None:
    if table is None or not len(table) or key not in table.columns:
        return None
    if isinstance(table, gpd.GeoDataFrame):
        _check_crs(table, {"buurtcode": "buurten", "wijkcode": "wijken",
                           "gemeentecode": "gemeenten"}[key])
    table = table.assign(**{key: _str(table[key]).str.upper().to_numpy()})
    return table.dropna(subset=[key]).sort_values(key).reset_index(drop=True)


def _lookup(table: gpd.GeoDataFrame | None, key: str, column: str) -> pd.Series:
    """``column`` by ``key`` of a table (empty when the table lacks it)."""
    if table is None or column not in table.columns:
        return pd.Series(dtype="str")
    out = pd.Series(_str(table[column]).to_numpy(), index=_str(table[key]).to_numpy())
    return out[~out.index.duplicated()].dropna()


@dataclass
class _Areas:
    """Buurt, wijk and gemeente code per dwelling and how each was found."""

    buurt: pd.Series
    wijk: pd.Series
    gemeente: pd.Series
    methods: dict[str, np.ndarray]  # level -> index into _AREA_METHODS
    summary: dict
    gemeente_names: pd.Series  # code -> the addresses' own gemeente name


def _areas(f: _Frame, dw: pd.DataFrame, buurten: gpd.GeoDataFrame | None,
           wijken: gpd.GeoDataFrame | None) -> _Areas:
    """Buurt, wijk and gemeente of every dwelling (docs/places.md, "Buurt, ...").

    The gemeente of the address (``gemeentecode``, from its name) is leading:
    a buurt or wijk of another gemeente is not used for it. Then the buurt
    (its code, else the buurt polygon holding the point), the wijk (the
    buurt's, else the wijk polygon holding the point, else the nearest wijk
    polygon of its gemeente within :data:`AREA_SNAP_DISTANCE`), and what is
    still missing becomes the rest of the wijk or gemeente (:data:`REST`),
    or :data:`UNKNOWN` when not even the gemeente is known.
    """
    n = f.n
    none = pd.Series(pd.NA, index=dw.index, dtype="str")
    gm_name = (_valid(dw["gemeentecode"], "gemeente") if "gemeentecode" in dw.columns
               else none.copy())
    # the gemeente per dwelling as an integer (no Python string per row)
    gm_arr, gm_index = pd.factorize(gm_name)
    gm_index = pd.Index(np.asarray(gm_index, dtype=object))
    bt = _sorted_by(buurten, "buurtcode")
    wt = _sorted_by(wijken, "wijkcode")
    summary = {"buurt_other_gemeente": 0, "wijk_other_gemeente": 0,
               "wijk_snapped": 0}

    # buurt: the source's code, else the polygon of its own gemeente
    bu = (_valid(dw["buurtcode"], "buurt") if "buurtcode" in dw.columns
          else none.copy())
    bu_method = np.where(bu.notna().to_numpy(), 0, 2)
    if bt is not None:
        todo = np.flatnonzero(bu.isna().to_numpy())
        if len(todo):
            found, other = _in_polygon(f.points[todo], bt, "buurtcode", gm_arr[todo],
                                       gm_index)
            hit = found >= 0
            got = np.full(n, -1, dtype=np.int64)
            got[todo[hit]] = found[hit]
            bu = bu.fillna(_by_lookup(got, bt["buurtcode"]))
            bu_method[todo[hit]] = 1
            summary["buurt_other_gemeente"] = int(other.sum())
    # the buurt's gemeente, compared as integers (computed per distinct buurt)
    lookup = _lookup(bt, "buurtcode", "gemeentecode")
    bu_codes, bu_uniques = pd.factorize(bu)
    bu_u = pd.Series(np.asarray(bu_uniques, dtype=object), dtype="str")
    bu_gm = gm_index.get_indexer(_str(bu_u.map(lookup)).fillna(
        "GM" + bu_u.str.slice(2, 6)).to_numpy(dtype=object, na_value=None))
    bu_gm = np.append(bu_gm, -1)[bu_codes]  # code -1 (no buurt) -> -1
    clash = (gm_arr >= 0) & (bu_codes >= 0) & (bu_gm != gm_arr)
    del bu_codes, bu_uniques, bu_u, bu_gm
    if clash.any():  # a source code in another gemeente than the address's
        bu = bu.mask(clash)
        bu_method[clash] = 2
        summary["buurt_other_gemeente"] += int(clash.sum())

    # wijk: the buurt's, else the polygon of its own gemeente, else the nearest
    lookup = _lookup(bt, "buurtcode", "wijkcode")
    wk = _per_unique(bu, lambda u: _valid(u.map(lookup), "wijk").fillna(
        "WK" + u.str.slice(2, 8)))
    wk_method = np.where(wk.notna().to_numpy(), bu_method, 2)
    if wt is not None and bt is not None:
        # buurt and wijk polygons of different years may disagree: the buurt's
        # wijk is kept (a buurt lies in one wijk); the disagreement is counted
        had = np.flatnonzero(wk.notna().to_numpy())
        found, _ = _in_polygon(f.points[had], wt, "wijkcode", gm_arr[had], gm_index)
        poly_wk = _by_lookup(found, wt["wijkcode"])
        differ = (poly_wk.notna() & poly_wk.ne(_take(wk, had))).to_numpy(dtype=bool)
        summary["wijk_of_buurt_not_wijk_polygon"] = int(differ.sum())
    if wt is not None:
        todo = np.flatnonzero(wk.isna().to_numpy())
        got = np.full(n, -1, dtype=np.int64)
        if len(todo):
            found, other = _in_polygon(f.points[todo], wt, "wijkcode", gm_arr[todo],
                                       gm_index)
            hit = found >= 0
            got[todo[hit]] = found[hit]
            wk_method[todo[hit]] = 1
            summary["wijk_other_gemeente"] = int(other.sum())
            rest = todo[~hit]
            rest = rest[gm_arr[rest] >= 0]
            if len(rest):
                near = _nearest_own(f.points[rest], wt, "wijkcode", gm_arr[rest],
                                    gm_index)
                got[rest[near >= 0]] = near[near >= 0]
                wk_method[rest[near >= 0]] = 4
                summary["wijk_snapped"] = int((near >= 0).sum())
        wk = wk.fillna(_by_lookup(got, wt["wijkcode"]))

    # From here on per distinct (buurt, wijk, gemeente) of the dwellings: a
    # few thousand combinations instead of millions of rows.
    key = _codes(bu, wk, gm_name)
    n_keys = int(key.max()) + 1 if len(key) else 0
    rep = _first_rows(key, n_keys)
    bu_k, wk_k, gmn_k = _take(bu, rep), _take(wk, rep), _take(gm_name, rep)
    del bu, wk
    known_wk = wk_k.notna().to_numpy()
    # gemeente: the address's, else the wijk's
    lookup = _lookup(wt, "wijkcode", "gemeentecode")
    wk_gm = _str(wk_k.map(lookup)).fillna("GM" + wk_k.str.slice(2, 6))
    gm_k = gmn_k.fillna(wk_gm.where(wk_k.notna()))
    gm_method = np.where(gm_arr >= 0, 5, np.where(known_wk[key], wk_method, 2))
    # the rest of a known wijk or gemeente, never one area for everything
    wk_k = wk_k.fillna(("WK" + gm_k.str.slice(2, 6) + REST).where(gm_k.notna()))
    # BU gggg ww XX in a known wijk; BU gggg XX XX in the rest of a gemeente
    bu_k = bu_k.fillna(("BU" + wk_k.str.slice(2, 8) + REST).where(wk_k.notna()))
    size = np.bincount(key, minlength=n_keys)

    def count(mask: np.ndarray) -> int:
        return int(size[mask].sum())

    summary["rest_buurt_dwellings"] = count(
        bu_k.str.endswith(REST).fillna(False).to_numpy(dtype=bool))
    summary["rest_wijk_dwellings"] = count(
        wk_k.str.endswith(REST).fillna(False).to_numpy(dtype=bool))
    summary["unknown_gemeente_dwellings"] = count(gm_k.isna().to_numpy())
    no_code = gm_arr < 0
    unmatched = f.gemeente[no_code & f.gemeente.notna().to_numpy()]
    summary["gemeente_names_unmatched"] = (
        {str(k): int(v) for k, v in unmatched.value_counts().sort_index().items()}
        if "gemeentecode" in dw.columns else {})
    # the addresses' own name of each gemeente code (its first dwelling's)
    with_code = np.flatnonzero(~no_code)
    first = with_code[_first_rows(gm_arr[with_code], len(gm_index))] \
        if len(with_code) else with_code
    own = pd.DataFrame({"code": _take(gm_name, first).to_numpy(),
                        "name": _take(f.gemeente, first).to_numpy()}).dropna()
    return _Areas(_take(bu_k.fillna(UNKNOWN), key), _take(wk_k.fillna(UNKNOWN), key),
                  _take(gm_k.fillna(UNKNOWN), key),
                  {"buurt": bu_method, "wijk": wk_method, "gemeente": gm_method},
                  summary,
                  pd.Series(own["name"].to_numpy(), index=own["code"].to_numpy(),
                            dtype="str"))


def _is_rest(codes: pd.Series) -> np.ndarray:
    """Whether each buurtcode is :data:`UNKNOWN` or the rest of a wijk/gemeente."""
    return ((codes == UNKNOWN) | codes.str.endswith(REST)).fillna(True).to_numpy(bool)


def _street_ids(f: _Frame, rep: np.ndarray, unknown: np.ndarray,
                buurtcode: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``S-<buurtcode>-<straat>``, or ``S-<woonplaats>-<straat>`` without buurt.

    A woonplaats name that occurs in two gemeenten gets the gemeente in the
    id and the name of the unknown-buurt streets that would collide.
    """
    straat = f.straat.fillna(UNKNOWN).iloc[rep].reset_index(drop=True)
    woonplaats = f.woonplaats.fillna(UNKNOWN).iloc[rep].reset_index(drop=True)
    gemeente = f.gemeente.fillna(UNKNOWN).iloc[rep].reset_index(drop=True)
    code = pd.Series(buurtcode.to_numpy()[rep], dtype="str")
    straat_slug = _slug(straat)
    area = pd.Series(np.where(unknown, _slug(woonplaats).to_numpy(dtype=object),
                              code.to_numpy(dtype=object)), dtype="str")
    ids = "S-" + area + "-" + straat_slug
    clash = ids.duplicated(keep=False).to_numpy() & unknown
    ids[clash] = ("S-" + _slug(gemeente) + "-" + area + "-" + straat_slug)[clash]
    ids = _dedupe_ids(ids, pd.Series(rep))
    names = straat.where(~unknown, straat + ", " + woonplaats)
    names[clash] = (names + " (" + gemeente + ")")[clash]
    return ids.astype("str"), names.astype("str")


# --------------------------------------------------------------------------
# assembling the place tables


def _place_frame(ids: pd.Series, names: pd.Series, method: np.ndarray,
                 codes: np.ndarray, parent_codes: np.ndarray | None,
                 parent_ids: pd.Series | None, buurt_codes: np.ndarray,
                 buurt_ids: pd.Series, geometry: np.ndarray) -> gpd.GeoDataFrame:
    """One place table, rows sorted by ``place_id``."""
    n = len(ids)
    order = _arrow_order(ids)
    size = np.bincount(codes, minlength=n)
    if parent_codes is not None:
        parent = _by_lookup(_unique_per_group(codes, parent_codes, n)[order],
                            parent_ids)
    else:
        parent = pd.Series(pd.NA, index=range(n), dtype="str")
    buurt = _by_lookup(_unique_per_group(codes, buurt_codes, n)[order], buurt_ids)
    frame = pd.DataFrame({
        "place_id": _take(ids.astype("str"), order),
        "name": _take(names.astype("str"), order),
        "parent_id": parent,
        "buurtcode": buurt,
        "n_dwellings": size[order].astype(np.int64),
        "method": pd.Series(np.asarray(method, dtype=object)[order], dtype="str"),
    })
    return gpd.GeoDataFrame(
        frame, geometry=gpd.array.from_shapely(np.asarray(geometry)[order], crs=_RD))


def _block_geometry(codes: np.ndarray, nk: int, b_codes: np.ndarray,
                    fp_geoms: np.ndarray, has_fp: np.ndarray,
                    xy: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Union of the footprints of a block; hull of its points where it has none."""
    geom = _hulls(xy, codes, nk, points)
    # footprints per block (each building once)
    pairs = pd.DataFrame({"k": codes, "b": b_codes}).drop_duplicates()
    pairs = pairs[has_fp[pairs["b"].to_numpy()]]
    if not len(pairs):
        return geom
    all_fp = _unique_per_group(codes, np.where(has_fp[b_codes], 1, 0), nk) == 1
    pairs = pairs[all_fp[pairs["k"].to_numpy()]]
    counts = pairs["k"].value_counts()
    ones = counts.index[counts == 1].to_numpy()
    one = pairs[pairs["k"].isin(ones)]
    geom[one["k"].to_numpy()] = fp_geoms[one["b"].to_numpy()]
    many = pairs[~pairs["k"].isin(ones)].sort_values("k")
    if len(many):
        ks = many["k"].to_numpy()
        bs = many["b"].to_numpy()
        starts = np.flatnonzero(np.r_[True, ks[1:] != ks[:-1]])
        groups = np.split(bs, starts[1:])
        if len(groups) <= _MAX_UNIONS:
            for k, members in zip(ks[starts], groups, strict=True):
                geom[k] = shapely.union_all(fp_geoms[members])
        else:
            coords, idx = shapely.get_coordinates(fp_geoms[bs], return_index=True)
            geom[ks[starts]] = _hulls(coords, pd.factorize(ks[idx])[0],
                                      len(starts))
    return geom


def _area_names(u_ids: pd.Series, w_ids: pd.Series, g_ids: pd.Series,
                buurten, wijken, gemeenten,
                address_names: pd.Series) -> dict[str, pd.Series]:
    """Names of the buurt, wijk and gemeente places; rest areas say so.

    Gemeente names come from the gemeenten list, else the wijk or buurt
    table, else the addresses' own gemeente name; wijk names from the wijk
    table, else the buurt table.
    """
    def lookup(tables, key, column):
        out = pd.Series(dtype="str")
        for table in tables:  # the first table that knows a name wins
            if table is not None and key in table.columns and len(table):
                out = out.combine_first(_lookup(table, key, column))
        return out.astype("str")

    gm_name = lookup((gemeenten, wijken, buurten), "gemeentecode", "gemeentenaam")
    gm_name = gm_name.combine_first(address_names).astype("str")
    wk_name = lookup((wijken, buurten), "wijkcode", "wijknaam")
    bu_name = lookup((buurten,), "buurtcode", "buurtnaam")
    gemeente = g_ids.map(gm_name).astype("str")
    wijk = w_ids.map(wk_name).astype("str")
    buurt = u_ids.map(bu_name).astype("str")
    # the rest of a wijk or gemeente: "<gemeente> (wijk onbekend)", ...
    w_gm = ("GM" + w_ids.str.slice(2, 6)).map(gm_name).astype("str").fillna(
        "GM" + w_ids.str.slice(2, 6))
    rest_w = w_ids.str.endswith(REST).fillna(False)
    wijk = wijk.mask(rest_w, w_gm + " (wijk onbekend)")
    u_wk = ("WK" + u_ids.str.slice(2, 8))
    u_wk_name = u_wk.map(wk_name).astype("str").fillna(u_wk)
    u_gm = ("GM" + u_ids.str.slice(2, 6)).map(gm_name).astype("str").fillna(
        "GM" + u_ids.str.slice(2, 6))
    rest_u = u_ids.str.endswith(REST).fillna(False)
    rest_uw = u_ids.str.endswith(REST * 2).fillna(False)
    buurt = buurt.mask(rest_u, u_wk_name + " (buurt onbekend)")
    buurt = buurt.mask(rest_uw, u_gm + " (wijk en buurt onbekend)")
    names = {"buurt": buurt.fillna(u_ids), "wijk": wijk.fillna(w_ids),
             "gemeente": gemeente.fillna(g_ids)}
    for lvl in names:
        names[lvl] = names[lvl].mask(names[lvl] == UNKNOWN, f"Onbekende {lvl}")
    return names


def _area_geometry(u_ids: pd.Series, w_ids: pd.Series, g_ids: pd.Series,
                   u_geom: np.ndarray, w_geom: np.ndarray, g_geom: np.ndarray,
                   buurten, wijken, gemeenten) -> None:
    """Polygons of the areas where they were imported (in place of the hulls).

    Buurt: its polygon; the rest of a wijk that has no buurt polygon at all:
    the wijk polygon. Wijk: its polygon, else the union of its buurt
    polygons. Gemeente: its polygon, else the union of its wijk polygons,
    else of its buurt polygons. Everything else keeps the hull of its points.
    """
    def polygons(table, key):
        if not isinstance(table, gpd.GeoDataFrame) or key not in table.columns \
                or not len(table):
            return pd.Series(dtype=object)
        t = table.assign(**{key: _str(table[key]).str.upper().to_numpy()})
        t = t.dropna(subset=[key]).drop_duplicates(key)
        return pd.Series(t.geometry.to_numpy(), index=t[key].to_numpy(), dtype=object)

    def unions(table, key, by, ids):
        """Union of the polygons of ``table`` per ``by`` code, for ``ids``."""
        if not isinstance(table, gpd.GeoDataFrame) or by not in table.columns \
                or not len(table):
            return {}
        codes = _str(table[by]).str.upper().to_numpy(dtype=object, na_value=None)
        geoms = table.geometry.to_numpy()
        wanted = set(ids.dropna())
        out = {}
        for code in pd.unique(codes[pd.notna(codes)]):
            if code in wanted:
                out[code] = shapely.union_all(geoms[codes == code])
        return out

    def put(geom, ids, found):
        values = ids.map(found).to_numpy(dtype=object) if len(found) else None
        if values is None:
            return
        got = pd.notna(values)
        geom[got] = values[got]

    wk_poly = polygons(wijken, "wijkcode")
    put(u_geom, u_ids, polygons(buurten, "buurtcode"))
    # the rest of a wijk without any buurt polygon is the whole wijk
    with_buurten = set(_str(buurten["wijkcode"]).dropna()) if isinstance(
        buurten, gpd.GeoDataFrame) and "wijkcode" in buurten.columns else set()
    rest_wijk = ("WK" + u_ids.str.slice(2, 8)).where(
        u_ids.str.endswith(REST).fillna(False)
        & ~u_ids.str.endswith(REST * 2).fillna(False))
    rest_wijk = rest_wijk.where(~rest_wijk.isin(with_buurten))
    put(u_geom, rest_wijk, wk_poly)
    put(w_geom, w_ids, unions(buurten, "buurtcode", "wijkcode", w_ids))
    put(w_geom, w_ids, wk_poly)
    put(g_geom, g_ids, unions(buurten, "buurtcode", "gemeentecode", g_ids))
    if isinstance(wijken, gpd.GeoDataFrame) and len(wijken):
        wk = wijken
        if "gemeentecode" not in wk.columns:
            wk = wk.assign(gemeentecode=("GM" + _str(wk["wijkcode"]).str.slice(2, 6))
                           .to_numpy())
        put(g_geom, g_ids, unions(wk, "wijkcode", "gemeentecode", g_ids))
    put(g_geom, g_ids, polygons(gemeenten, "gemeentecode"))


def derive_places(
    addresses: gpd.GeoDataFrame | pd.DataFrame,
    buildings: gpd.GeoDataFrame | None = None,
    buurten: gpd.GeoDataFrame | None = None,
    overrides: pd.DataFrame | None = None,
    wijken: gpd.GeoDataFrame | None = None,
    gemeenten: pd.DataFrame | None = None,
) -> PlaceSet:
    """Put every dwelling in exactly one place per level.

    Parameters
    ----------
    addresses : geopandas.GeoDataFrame or pandas.DataFrame
        The ``addresses`` table (docs/architecture.md), points in EPSG:28992.
        Only rows with ``is_dwelling`` (all rows when the column is absent)
        become dwellings. Read are ``address_id``, ``straat``, ``huisnummer``
        and, when present, ``huisletter``, ``postcode``, ``woonplaats``,
        ``gemeente``, ``pand_id``, ``buurtcode`` and ``is_dwelling``
        (:data:`ADDRESS_COLUMNS`); text columns may be categoricals. The
        points are either the geometry of a GeoDataFrame or, in a plain
        DataFrame, float columns ``x`` and ``y`` in RD New metres (the compact
        form ``veerkracht.jobs.places`` reads; no point objects per address).
        Both forms give identical results.
    buildings : geopandas.GeoDataFrame, optional
        BAG panden (``pand_id``, ``status``, footprint). Dwellings without a
        ``pand_id`` are placed in the in-use footprint that contains them.
    buurten : geopandas.GeoDataFrame, optional
        Buurt polygons with ``buurtcode`` (and ``buurtnaam``, ``wijkcode``,
        ``wijknaam``, ``gemeentecode``, ``gemeentenaam`` when known).
    overrides : pandas.DataFrame, optional
        A corporation's own grouping: ``address_id`` with ``entrance_code``
        and/or ``complex_code`` (the ``stock`` table). A code replaces the
        derived entrance or block of the addresses that have one.
    wijken : geopandas.GeoDataFrame, optional
        Wijk polygons with ``wijkcode`` (and ``wijknaam``, ``gemeentecode``,
        ``gemeentenaam``): a dwelling without buurt gets the wijk holding its
        point.
    gemeenten : pandas.DataFrame, optional
        ``gemeentecode`` and ``gemeentenaam`` (names of the gemeente places),
        with polygons when a GeoDataFrame (their outlines).

    Notes
    -----
    An address's ``gemeentecode`` column (the job fills it from the gemeente
    name) is leading for its gemeente; see docs/places.md, "Buurt, wijk,
    gemeente", for the order of the sources and the rest areas.

    Returns
    -------
    PlaceSet
        The dwellings with their place ids, and one table per level.
    """
    dw, f = _prepare(addresses)
    if f.n == 0:
        raise ValueError("no dwellings: no address has a residential use")
    radius = max(BLOCK_LINK_DISTANCE, BUILDING_LINK_DISTANCE, COINCIDE_TOLERANCE)
    pairs, dist = _neighbour_pairs(f.xy, f.street_code, radius)

    # entrance
    ov_entrance = _override_codes(dw, overrides, "entrance_code")
    e_codes, e_rep, e_method, e_ids = _entrances(f, ov_entrance, pairs, dist)
    e_size = np.bincount(e_codes)
    e_ids = _dedupe_ids(e_ids, pd.Series(e_rep))
    e_names = _name_with_range(f, e_codes, e_rep)
    e_names = (e_names + " (corporatie " + _take(ov_entrance, e_rep) + ")").fillna(
        e_names)

    # building
    b_codes, b_rep, b_method, b_ids, pand_rep, footprints = _buildings(
        f, dw, buildings, e_codes, e_size, pairs, dist)
    b_ids = _dedupe_ids(b_ids, pd.Series(b_rep))
    b_names = _name_with_range(f, b_codes, b_rep)

    # block
    ov_complex = _override_codes(dw, overrides, "complex_code")
    k_codes, k_rep, k_method, k_ids, fp_geoms, has_fp = _blocks(
        f, b_codes, b_rep, pand_rep, footprints, ov_complex, pairs, dist)
    k_ids = _dedupe_ids(k_ids, pd.Series(k_rep))
    del pairs, dist
    k_names = _name_with_range(f, k_codes, k_rep, prefix="Blok ")

    # buurt, wijk, gemeente
    areas = _areas(f, dw, buurten, wijken)
    buurtcode, wijkcode, gemeentecode = areas.buurt, areas.wijk, areas.gemeente

    # street: straat within buurt, within woonplaats (and the rest area) when
    # the buurt is unknown or only the rest of a wijk or gemeente
    unknown = _is_rest(buurtcode)
    in_buurt = _codes(buurtcode)
    straat = np.where(unknown, -1, _codes(f.straat.str.lower()))
    s_labels = _codes(np.where(unknown, f.street_code, -1), in_buurt, straat)
    del in_buurt, straat
    s_codes, s_rep = _relabel(s_labels, f.rank)
    del s_labels
    s_ids, s_names = _street_ids(f, s_rep, unknown[s_rep], buurtcode)
    s_method = _labels(("buurt", "woonplaats"), unknown[s_rep].astype(np.int64))
    n_unknown = int(unknown.sum())
    # the address texts are not needed any more: free them before the tables
    f.straat = f.huisletter = f.woonplaats = f.gemeente = None
    del dw, ov_entrance, ov_complex, e_size, unknown

    u_codes, u_ids = pd.factorize(buurtcode, sort=True)
    w_codes, w_ids = pd.factorize(wijkcode, sort=True)
    g_codes, g_ids = pd.factorize(gemeentecode, sort=True)
    u_ids, w_ids, g_ids = (pd.Series(x, dtype="str") for x in (u_ids, w_ids, g_ids))

    # geometry
    xy = f.xy
    if isinstance(f.points, _LazyPoints):
        # from here on every dwelling needs its point (the dwellings table, the
        # single-member places): make them once, so that all tables share them
        f.points = f.points[:]
    pts = f.points
    e_geom = _mean_points(xy, e_codes, len(e_ids), pts)
    b_geom = _hulls(xy, b_codes, len(b_ids), pts)
    if footprints is not None:
        fp = pand_rep.map(footprints).to_numpy(dtype=object)
        got = pd.notna(fp)
        b_geom[got] = fp[got]
    k_geom = _block_geometry(k_codes, len(k_ids), b_codes, fp_geoms, has_fp, xy,
                             pts)
    s_geom = _hulls(xy, s_codes, len(s_ids), pts)
    # streets nest in buurten, buurten in wijken, wijken in gemeenten: the hull
    # of the children's hulls is the hull of all points, at a fraction of the cost
    u_geom = _hull_of(s_geom, u_codes[s_rep], len(u_ids))
    w_geom = _hull_of(u_geom, w_codes[_first_rows(u_codes, len(u_ids))], len(w_ids))
    g_geom = _hull_of(w_geom, g_codes[_first_rows(w_codes, len(w_ids))], len(g_ids))
    names = _area_names(u_ids, w_ids, g_ids, buurten, wijken, gemeenten,
                        areas.gemeente_names)
    _area_geometry(u_ids, w_ids, g_ids, u_geom, w_geom, g_geom, buurten, wijken,
                   gemeenten)
    # Only the tables are built from here on: free every per-dwelling array
    # and per-place helper that they do not read (about 1 GiB nationally).
    del xy, pand_rep, footprints, fp_geoms, has_fp, e_rep, b_rep, k_rep, s_rep
    f.xy = f.rank = f.street_code = f.postcode = f.huisnummer = None

    def area_method(codes, n, level):
        u = _unique_per_group(codes, areas.methods[level], n)
        return _labels(_AREA_METHODS, np.where(u >= 0, u, 3))

    dwellings = gpd.GeoDataFrame({
        "address_id": f.address_id,
        "entrance_id": _take(e_ids, e_codes),
        "building_id": _take(b_ids, b_codes),
        "block_id": _take(k_ids, k_codes),
        "street_id": _take(s_ids, s_codes),
        "buurtcode": buurtcode.astype("str"),
        "wijkcode": wijkcode.astype("str"),
        "gemeentecode": gemeentecode.astype("str"),
    }, geometry=gpd.array.from_shapely(np.asarray(pts[:]), crs=_RD))
    # Each level's pieces are dropped once its table exists: at national
    # scale the names and ids of entrances alone take gigabytes.
    levels = {}
    levels["entrance"] = _place_frame(e_ids, e_names, e_method, e_codes, b_codes,
                                      b_ids, u_codes, u_ids, e_geom)
    del e_ids, e_names, e_method, e_geom, e_codes
    levels["building"] = _place_frame(b_ids, b_names, b_method, b_codes, k_codes,
                                      k_ids, u_codes, u_ids, b_geom)
    del b_ids, b_names, b_method, b_geom, b_codes
    levels["block"] = _place_frame(k_ids, k_names, k_method, k_codes, s_codes,
                                   s_ids, u_codes, u_ids, k_geom)
    del k_ids, k_names, k_method, k_geom, k_codes
    levels["street"] = _place_frame(s_ids, s_names, s_method, s_codes, u_codes,
                                    u_ids, u_codes, u_ids, s_geom)
    levels["buurt"] = _place_frame(u_ids, names["buurt"],
                                   area_method(u_codes, len(u_ids), "buurt"), u_codes,
                                   w_codes, w_ids, u_codes, u_ids, u_geom)
    levels["wijk"] = _place_frame(w_ids, names["wijk"],
                                  area_method(w_codes, len(w_ids), "wijk"), w_codes,
                                  g_codes, g_ids, u_codes, u_ids, w_geom)
    levels["gemeente"] = _place_frame(g_ids, names["gemeente"],
                                      area_method(g_codes, len(g_ids), "gemeente"),
                                      g_codes, None, None, u_codes, u_ids, g_geom)
    summary = {
        "dwellings": len(dwellings),
        "places": {lvl: int(len(t)) for lvl, t in levels.items()},
        "methods": {lvl: {str(k): int(v) for k, v in
                          t["method"].value_counts().sort_index().items()}
                    for lvl, t in levels.items()},
        "unknown_buurt_dwellings": n_unknown,
        "areas": areas.summary,
        "tolerances_m": {"coincide": COINCIDE_TOLERANCE,
                         "building_link": BUILDING_LINK_DISTANCE,
                         "block_link": BLOCK_LINK_DISTANCE,
                         "footprint_touch": FOOTPRINT_TOUCH_TOLERANCE},
    }
    return PlaceSet(dwellings=dwellings, levels=levels, summary=summary)


