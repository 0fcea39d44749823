"""The map's base layer: street lines and label points from public BAG geometry.

Where the workspace holds no street centre lines (BAG has none; only the
demo city writes a ``streets`` table), a street is drawn through the address
points of its own name: one point per house number (the flats of one number
collapse), each point moved halfway to the nearest point of the other parity
on the same street (Dutch numbering puts odd and even numbers on opposite
sides, so the midpoints lie near the middle of the street), and the points
of one street joined by their minimum spanning tree, without links longer
than ``max_gap`` (a street name that comes back elsewhere in town stays two
pieces). The result is a light grey sketch under the coloured places, not a
survey.

Pure: arrays in, shapely geometry out; no I/O, no web framework.

Examples
--------
>>> import numpy as np
>>> x = np.array([0, 10, 20, 30, 0, 10, 20, 30], dtype=float)
>>> y = np.array([10, 10, 10, 10, -10, -10, -10, -10], dtype=float)
>>> number = np.array([1, 3, 5, 7, 2, 4, 6, 8])
>>> keys, lines = street_lines(x, y, np.array(["Bosweg"] * 8), number)
>>> keys.tolist(), lines[0].geom_type, round(lines[0].length), lines[0].bounds[1]
(['Bosweg'], 'LineString', 30, 0.0)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial import cKDTree

#: Longest link (metres) between two points of one street's line.
MAX_GAP = 150.0
#: A point pairs with the other side of its street within this distance (m).
PAIR_WITHIN = 60.0
#: Neighbours looked at per point for the pairing and the spanning tree.
_K = 12


def street_lines(
    x: np.ndarray,
    y: np.ndarray,
    street: np.ndarray,
    number: np.ndarray,
    *,
    max_gap: float = MAX_GAP,
    pair_within: float = PAIR_WITHIN,
    tolerance: float = 2.0,
) -> tuple[np.ndarray, np.ndarray]:
    """One line (or multi-line) per street through its address points.

    Parameters
    ----------
    x, y : array of float
        Address coordinates (metres, RD New).
    street : array
        The street of each address (e.g. ``"woonplaats|straat"``); addresses
        with the same key belong to one street.
    number : array of int
        House number of each address (letters and suffixes left out).
    max_gap : float
        Longest link between two points of one street.
    pair_within : float
        Farthest the other side of the street is looked for.
    tolerance : float
        Simplification of the result (metres).

    Returns
    -------
    keys : array of object
        The street keys that got a line (streets of one house number have
        none), in sorted order.
    lines : array of shapely geometry
        ``LineString`` or ``MultiLineString`` per key.
    """
    frame = pd.DataFrame({"x": np.asarray(x, float), "y": np.asarray(y, float),
                          "street": np.asarray(street, dtype=object),
                          "number": pd.to_numeric(pd.Series(number), errors="coerce")
                          .to_numpy()})
    frame = frame.dropna()
    frame = frame[np.isfinite(frame["x"]) & np.isfinite(frame["y"])]
    if frame.empty:
        return np.array([], dtype=object), np.array([], dtype=object)
    # one point per house number of a street (the flats of one number)
    pts = frame.groupby(["street", "number"], sort=True)[["x", "y"]].mean()
    codes, keys = pd.factorize(pts.index.get_level_values("street"), sort=True)
    parity = pts.index.get_level_values("number").to_numpy().astype(np.int64) % 2
    xy = pts[["x", "y"]].to_numpy()
    mid = _pair_across(xy, codes, parity, pair_within)
    # the same midpoint twice (both sides pair up) is one point
    rounded = np.round(mid, 1)
    _, first = np.unique(np.column_stack([codes, rounded]), axis=0, return_index=True)
    first = np.sort(first)
    mid, codes = mid[first], codes[first]
    src, dst = _spanning_forest(mid, codes, max_gap)
    if len(src) == 0:
        return np.array([], dtype=object), np.array([], dtype=object)
    segments = shapely.linestrings(
        np.stack([mid[src], mid[dst]], axis=1).reshape(-1, 2),
        indices=np.repeat(np.arange(len(src)), 2),
    )
    owner = codes[src]
    order = np.argsort(owner, kind="stable")
    owner, segments = owner[order], segments[order]
    street_ids, starts = np.unique(owner, return_index=True)
    groups = np.split(segments, starts[1:])
    merged = np.array(
        [shapely.line_merge(shapely.multilinestrings(g)) for g in groups],
        dtype=object,
    )
    merged = shapely.simplify(merged, tolerance, preserve_topology=False)
    return np.asarray(keys, dtype=object)[street_ids], merged


def _pair_across(xy: np.ndarray, codes: np.ndarray, parity: np.ndarray,
                 within: float) -> np.ndarray:
    """Each point halfway to the nearest point of the other parity on its street."""
    n = len(xy)
    if n < 2:
        return xy.copy()
    k = min(_K, n)
    dist, idx = cKDTree(xy).query(xy, k=k, distance_upper_bound=within)
    valid = idx < n
    safe = np.where(valid, idx, 0)
    other = valid & (codes[safe] == codes[:, None]) & (parity[safe] != parity[:, None])
    has = other.any(axis=1)
    pick = np.argmax(other, axis=1)  # the nearest such point (rows are sorted)
    partner = safe[np.arange(n), pick]
    out = xy.copy()
    out[has] = (xy[has] + xy[partner[has]]) / 2.0
    return out


def _spanning_forest(xy: np.ndarray, codes: np.ndarray,
                     max_gap: float) -> tuple[np.ndarray, np.ndarray]:
    """Edges (i, j) of the minimum spanning forest of each street's points."""
    n = len(xy)
    if n < 2:
        return np.array([], dtype=np.int64), np.array([], dtype=np.int64)
    k = min(_K, n)
    dist, idx = cKDTree(xy).query(xy, k=k, distance_upper_bound=max_gap)
    rows = np.repeat(np.arange(n), k)
    cols, d = idx.ravel(), dist.ravel()
    keep = (cols < n) & (cols != rows)
    rows, cols, d = rows[keep], cols[keep], d[keep]
    same = codes[rows] == codes[cols]
    rows, cols, d = rows[same], cols[same], d[same]
    # a zero weight is no edge to csgraph: coinciding points get a tiny one
    graph = sparse.coo_matrix((np.maximum(d, 1e-6), (rows, cols)), shape=(n, n))
    tree = minimum_spanning_tree(graph.tocsr()).tocoo()
    return tree.row.astype(np.int64), tree.col.astype(np.int64)


def label_points(lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where a street's name goes, and its angle (degrees, readable upright).

    The middle of the longest part of each line; the angle is that of the
    line there, above -90 and up to 90 degrees counter-clockwise from east,
    so the text never stands on its head.

    >>> import shapely
    >>> pts, angles = label_points(np.array([shapely.LineString([(0, 0), (10, 10)])]))
    >>> shapely.get_coordinates(pts).round(6).tolist(), angles.round(1).tolist()
    ([[5.0, 5.0]], [45.0])
    """
    lines = np.asarray(lines, dtype=object)
    points = np.empty(len(lines), dtype=object)
    angles = np.zeros(len(lines))
    for i, geom in enumerate(lines):
        parts = list(getattr(geom, "geoms", [geom]))
        part = max(parts, key=lambda g: g.length)
        half = part.length / 2.0
        a = part.interpolate(max(half - 5.0, 0.0))
        b = part.interpolate(min(half + 5.0, part.length))
        points[i] = part.interpolate(half)
        angle = np.degrees(np.arctan2(b.y - a.y, b.x - a.x))
        if angle > 90:
            angle -= 180
        elif angle <= -90:  # a vertical name reads from bottom to top
            angle += 180
        angles[i] = angle
    return points, angles
