"""Multiscalar k-nearest-dwelling profiles (the EquiPop idea).

For every dwelling the share of households with a support need among its k
nearest dwellings, for k = 10, 25, ..., 1600, and the aggregation of those
shares to places. The computation is **exact**: no approximation, no error
bound to carry. See ``docs/multiscale.md`` for the method and
``docs/adr/0003-multiscale-profiles.md`` for the decision.

Rules
-----
* Distances are Euclidean in the plane of the coordinates (RD New metres).
* A dwelling belongs to its own neighbourhood, as do all dwellings at the same
  coordinate (distance 0), as in EquiPop and in PySAL ``segregation``'s spatial
  variants.
* Ties at the k-th distance are shared **fractionally**: when ``m`` dwellings
  lie closer than the k-th distance and ``t`` dwellings lie exactly at it, each
  tied dwelling counts for ``(k - m) / t``. The neighbourhood then always weighs
  exactly ``k`` dwellings and the result does not depend on the input order.
  (``scipy``'s ``cKDTree`` picks ``k - m`` of the tied ones arbitrarily; the
  two agree wherever there is no tie across the k-th distance.)
* When fewer than ``k`` dwellings exist in total, the neighbourhood is all of
  them and ``k_reached`` records how many that was.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numba
import numpy as np
import pandas as pd

__all__ = [
    "DEFAULT_KS",
    "KnnProfile",
    "aggregate_profile",
    "kth_radius_bound",
    "knn_shares",
    "knn_shares_at",
    "partitioned_place_profiles",
    "place_profiles",
    "published_place_shares",
]

DEFAULT_KS: tuple[int, ...] = (10, 25, 50, 100, 200, 400, 800, 1600)


@dataclass(frozen=True)
class KnnProfile:
    """Shares among the k nearest dwellings, for every input point.

    Attributes
    ----------
    ks : tuple of int
        The neighbourhood sizes asked for, ascending.
    shares : ndarray, shape (n, len(ks), c)
        Per point, per k, per category: the share of the k nearest dwellings
        that have the category (weighted sum of ``values`` divided by the
        weight of the neighbourhood, which is ``k_reached``).
    k_reached : ndarray of int64, shape (len(ks),)
        The neighbourhood size actually used: ``min(k, total dwellings)``.
    population : ndarray of float64, shape (n,)
        Dwellings per input point (the ``population`` argument).
    error_bound : ndarray or None
        ``None``: the shares are exact (ties shared fractionally). Kept so an
        approximate method can state its per-point bound in the same place.
    categories : tuple of str
        Names of the value columns.
    """

    ks: tuple[int, ...]
    shares: np.ndarray
    k_reached: np.ndarray
    population: np.ndarray
    error_bound: np.ndarray | None
    categories: tuple[str, ...]

    def share(self, category: str | int = 0) -> np.ndarray:
        """Shares of one category, shape (n, len(ks))."""
        j = self.categories.index(category) if isinstance(category, str) else category
        return self.shares[:, :, j]


def knn_shares(
    xy: np.ndarray,
    values: np.ndarray | pd.DataFrame,
    ks: Sequence[int] = DEFAULT_KS,
    *,
    population: np.ndarray | None = None,
    categories: Sequence[str] | None = None,
    cell: float | None = None,
    workers: int = 2,
) -> KnnProfile:
    """Share of each category among the k nearest dwellings of every point.

    Parameters
    ----------
    xy : ndarray, shape (n, 2)
        Coordinates in a metric CRS (RD New). Points may coincide.
    values : ndarray, shape (n,) or (n, c), or DataFrame
        Per point, how many of its dwellings have each category (a 0/1
        indicator when every point is one dwelling). Must lie between 0 and
        ``population``.
    ks : sequence of int
        Neighbourhood sizes, in dwellings (default 10, 25, ..., 1600).
    population : ndarray, shape (n,), optional
        Dwellings per point (default 1). Use it to pass points that were
        already collapsed to unique locations.
    categories : sequence of str, optional
        Names for the value columns (default: the DataFrame's columns, else
        ``"c0"``, ``"c1"``, ...).
    cell : float, optional
        Height in metres of the strips of the search index. Only speed
        depends on it, never the result (default: chosen from the density).
    workers : int
        Threads (numba) for the search.

    Returns
    -------
    KnnProfile

    Examples
    --------
    >>> import numpy as np
    >>> xy = np.array([[0.0, 0], [1, 0], [1, 0], [5, 0], [9, 0]])
    >>> need = np.array([1, 0, 1, 0, 1])
    >>> p = knn_shares(xy, need, ks=(1, 2, 4, 10))
    >>> p.share().round(3)
    array([[1.   , 0.75 , 0.5  , 0.6  ],
           [0.5  , 0.5  , 0.5  , 0.6  ],
           [0.5  , 0.5  , 0.5  , 0.6  ],
           [0.   , 0.333, 0.5  , 0.6  ],
           [1.   , 0.5  , 0.5  , 0.6  ]])
    >>> p.k_reached.tolist()
    [1, 2, 4, 5]

    The point at x=0 has the two dwellings at x=1 tied for its second place:
    each counts for half, so its share at k=2 is (1 + 0.5*0 + 0.5*1) / 2. At
    x=5 three dwellings tie at distance 4 for one place: (0 + 2/3) / 2.
    """
    xy = np.asarray(xy, dtype=np.float64)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ValueError("xy moet de vorm (n, 2) hebben.")
    if isinstance(values, pd.DataFrame):
        categories = tuple(categories or map(str, values.columns))
        vals = values.to_numpy(dtype=np.float64)
    else:
        vals = np.asarray(values, dtype=np.float64)
    if vals.ndim == 1:
        vals = vals[:, None]
    n = xy.shape[0]
    if vals.shape[0] != n:
        raise ValueError("values en xy hebben niet evenveel rijen.")
    c = vals.shape[1]
    categories = tuple(categories) if categories else tuple(f"c{j}" for j in range(c))
    if len(categories) != c:
        raise ValueError("categories past niet bij het aantal kolommen van values.")
    pop = (np.ones(n) if population is None
           else np.asarray(population, dtype=np.float64).reshape(-1))
    if pop.shape[0] != n:
        raise ValueError("population en xy hebben niet evenveel rijen.")
    finite = np.isfinite(xy).all() and np.isfinite(vals).all()
    if not (finite and np.isfinite(pop).all()):
        raise ValueError("xy, values en population mogen geen ontbrekende waarden "
                         "bevatten.")
    if (pop < 0).any() or (vals < 0).any() or (vals > pop[:, None] + 1e-9).any():
        raise ValueError("values moet tussen 0 en population liggen.")
    ks_t = tuple(int(k) for k in ks)
    if not ks_t or any(k < 1 for k in ks_t) or list(ks_t) != sorted(set(ks_t)):
        raise ValueError("ks moet oplopen en uit positieve gehele getallen bestaan.")

    total = float(pop.sum())
    k_reached = np.array([min(k, total) for k in ks_t], dtype=np.float64)
    shares = np.zeros((n, len(ks_t), c))
    if n == 0 or total == 0:
        return KnnProfile(ks_t, shares, k_reached.astype(np.int64), pop, None,
                          categories)

    # (d) collapse coinciding points: every dwelling at one coordinate has the
    # same neighbourhood, so search once per unique location and broadcast.
    # (a lexsort and a row comparison: several times faster than np.unique
    # with axis=0, which sorts the rows as opaque byte strings)
    order = np.lexsort((xy[:, 1], xy[:, 0]))
    first = np.empty(n, dtype=bool)
    first[0] = True
    np.any(xy[order[1:]] != xy[order[:-1]], axis=1, out=first[1:])
    uniq = xy[order[first]]
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.cumsum(first) - 1
    m = uniq.shape[0]
    upop = np.bincount(inverse, weights=pop, minlength=m)
    uval = np.zeros((m, c))
    for j in range(c):
        uval[:, j] = np.bincount(inverse, weights=vals[:, j], minlength=m)
    keep = upop > 0
    index = _StripIndex.build(uniq[keep], upop[keep], uval[keep], cell)
    # query every unique location (also those without dwellings) along a
    # Hilbert curve: every query is near the previous one, whose radius bounds
    # its own search (closer on average than a serpentine through the strips,
    # so the bounding radius and the candidate count are smaller)
    qorder = np.argsort(_hilbert_key(uniq), kind="stable")
    out = _query(index, uniq[qorder], k_reached, workers)
    # each dwelling's row of ``out`` directly (its location's place in the
    # query order): no copy of ``out`` back in location order, which
    # nationally held a third (n x ks) array beside ``out`` and ``shares``
    rank = np.empty(m, dtype=np.int64)
    rank[qorder] = np.arange(m)
    del qorder, index
    shares = out[rank[inverse]]
    return KnnProfile(ks_t, shares, k_reached.astype(np.int64), pop, None, categories)


def _hilbert_key(xy: np.ndarray, bits: int = 16) -> np.ndarray:
    """Position of every point along a Hilbert curve over its bounding square.

    The square is cut into ``2**bits`` x ``2**bits`` cells; points in one cell
    share a key. Only the order of the queries depends on it, never a result.
    """
    lo = xy.min(axis=0)
    span = max(float(np.ptp(xy[:, 0])), float(np.ptp(xy[:, 1])), 1e-9)
    side = 1 << bits
    g = np.minimum(((xy - lo) / span * side).astype(np.int64), side - 1)
    x, y = g[:, 0].copy(), g[:, 1].copy()
    key = np.zeros(len(xy), dtype=np.int64)
    s = side >> 1
    while s > 0:
        rx = (x & s) > 0
        ry = (y & s) > 0
        key += s * s * ((3 * rx) ^ ry)
        # rotate the quadrant so the curve continues where it left off
        flip = ~ry
        fx = np.where(flip & rx, side - 1 - x, x)
        fy = np.where(flip & rx, side - 1 - y, y)
        x, y = np.where(flip, fy, fx), np.where(flip, fx, fy)
        s >>= 1
    return key


@dataclass(frozen=True)
class _StripIndex:
    """Locations sorted by horizontal strip of height ``h``, then by x."""

    x: np.ndarray
    y: np.ndarray
    pop: np.ndarray
    val: np.ndarray
    row_ptr: np.ndarray
    y0: float
    h: float

    @classmethod
    def build(cls, xy: np.ndarray, pop: np.ndarray, val: np.ndarray,
              cell: float | None) -> _StripIndex:
        y0 = float(xy[:, 1].min())
        span_x = float(np.ptp(xy[:, 0])) + 1.0
        span_y = float(np.ptp(xy[:, 1])) + 1.0
        if cell is None:
            # about 30 dwellings per h x h square at the mean density, within
            # [10 m, 200 m]; only speed depends on it
            density = pop.sum() / (span_x * span_y)
            cell = float(np.clip(np.sqrt(30.0 / density), 10.0, 200.0))
        h = max(float(cell), span_y / 2_000_000)  # bounded row table
        row = np.floor((xy[:, 1] - y0) / h).astype(np.int64)
        order = np.lexsort((xy[:, 1], xy[:, 0], row))
        nrows = int(row.max()) + 1
        row_ptr = np.zeros(nrows + 1, dtype=np.int64)
        np.cumsum(np.bincount(row, minlength=nrows), out=row_ptr[1:])
        return cls(np.ascontiguousarray(xy[order, 0]),
                   np.ascontiguousarray(xy[order, 1]), pop[order],
                   np.ascontiguousarray(val[order]), row_ptr, y0, h)


def _query(index: _StripIndex, q: np.ndarray, k_reached: np.ndarray,
           workers: int) -> np.ndarray:
    nq = q.shape[0]
    nchunks = max(1, min(nq, 64 * max(1, workers)))
    bounds = np.linspace(0, nq, nchunks + 1).astype(np.int64)
    out = np.empty((nq, k_reached.shape[0], index.val.shape[1]))
    old = numba.get_num_threads()
    numba.set_num_threads(max(1, min(workers, numba.config.NUMBA_NUM_THREADS)))
    # hand the chunks out one at a time (dynamic scheduling): on a shared
    # machine one thread may be slowed down, and a static split would then
    # leave the other idle at the end
    old_chunk = numba.set_parallel_chunksize(1)
    try:
        _query_chunks(index.x, index.y, index.pop, index.val, index.row_ptr,
                      index.y0, index.h, q[:, 0].copy(), q[:, 1].copy(),
                      k_reached, bounds, out)
    finally:
        numba.set_parallel_chunksize(old_chunk)
        numba.set_num_threads(old)
    return out


# nogil: a caller's other threads (a web server, a Dask worker's) need not
# wait for the GIL while this kernel runs
@numba.njit(parallel=True, cache=True, nogil=True)
def _query_chunks(x, y, pop, val, row_ptr, y0, h, qx, qy, kr, bounds,
                  out):  # pragma: no cover
    for ci in numba.prange(bounds.shape[0] - 1):
        _query_range(x, y, pop, val, row_ptr, y0, h, qx, qy, kr,
                     bounds[ci], bounds[ci + 1], out)


@numba.njit(cache=True)
def _lower(x, lo, hi, v):  # pragma: no cover
    # first index in x[lo:hi] with x >= v
    while lo < hi:
        mid = (lo + hi) >> 1
        if x[mid] < v:
            lo = mid + 1
        else:
            hi = mid
    return lo


@numba.njit(cache=True)
def _upper(x, lo, hi, v):  # pragma: no cover
    # first index in x[lo:hi] with x > v
    while lo < hi:
        mid = (lo + hi) >> 1
        if x[mid] <= v:
            lo = mid + 1
        else:
            hi = mid
    return lo


@numba.njit(cache=True)
def _reach(px, py, xmin, xmax, ymin, ymax):  # pragma: no cover
    # distance from (px, py) to the farthest corner of the bounding box
    dx = max(abs(px - xmin), abs(px - xmax))
    dy = max(abs(py - ymin), abs(py - ymax))
    return np.sqrt(dx * dx + dy * dy)


@numba.njit(cache=True)
def _query_range(x, y, pop, val, row_ptr, y0, h, qx, qy, kr, start, stop,
                 out):  # pragma: no cover
    nrows = row_ptr.shape[0] - 1
    nk = kr.shape[0]
    c = val.shape[1]
    kmax = kr[nk - 1]
    xmin = x.min()
    xmax = x.max()
    ymin = y.min()
    ymax = y.max()
    nb = max(16, int(kmax) // 2)
    bpop = np.zeros(nb)
    bval = np.zeros((nb, c))
    slot = np.full(nb, -1, dtype=np.int64)
    cap = 4096
    cd = np.empty(cap)
    ci = np.empty(cap, dtype=np.int64)
    sel = np.empty(cap, dtype=np.int64)
    cb = np.empty(cap, dtype=np.int64)
    accv = np.zeros(c)
    cumv = np.zeros(c)
    kb = np.empty(nk, dtype=np.int64)
    rk = -1.0
    lastx = 0.0
    lasty = 0.0
    for qi in range(start, stop):
        px = qx[qi]
        py = qy[qi]
        if rk < 0.0:
            rho = 2.0 * h
        else:
            # the k-th neighbour distance is 1-Lipschitz: r_k(p) <= r_k(q) + |p-q|,
            # so this radius holds the kmax nearest (a tiny margin for rounding)
            step = np.sqrt((px - lastx) ** 2 + (py - lasty) ** 2)
            # after a jump (a gap in the data) the old radius is only a guess
            rho = (rk + step) * (1.0 + 1e-9) + 1e-6 if step <= 0.5 * rk else rk
        # ---- gather every location with d < rho, then sort the candidates
        # into d^2 buckets (equal-area rings); grow rho until the gathered
        # weight reaches kmax
        while True:
            n = 0
            r2 = rho * rho
            rlo = int(np.floor((py - rho - y0) / h))
            rhi = int(np.floor((py + rho - y0) / h))
            if rlo < 0:
                rlo = 0
            if rhi > nrows - 1:
                rhi = nrows - 1
            for r in range(rlo, rhi + 1):
                a = row_ptr[r]
                b = row_ptr[r + 1]
                if a == b:
                    continue
                ylo = y0 + r * h
                yhi = ylo + h
                dy = 0.0
                if py < ylo:
                    dy = ylo - py
                elif py > yhi:
                    dy = py - yhi
                if dy >= rho:
                    continue
                half = np.sqrt(r2 - dy * dy) * (1.0 + 1e-12) + 1e-9
                lo = _lower(x, a, b, px - half)
                hi = _upper(x, lo, b, px + half)
                if n + hi - lo > cap:
                    while n + hi - lo > cap:
                        cap *= 2
                    nd = np.empty(cap)
                    nd[:n] = cd[:n]
                    cd = nd
                    ni = np.empty(cap, dtype=np.int64)
                    ni[:n] = ci[:n]
                    ci = ni
                    sel = np.empty(cap, dtype=np.int64)
                    cb = np.empty(cap, dtype=np.int64)
                # branch-free: store every one, keep it when inside the disc
                for j in range(lo, hi):
                    ddx = x[j] - px
                    ddy = y[j] - py
                    d2 = ddx * ddx + ddy * ddy
                    cd[n] = d2
                    ci[n] = j
                    n += d2 < r2
            scale = nb / r2
            bpop[:] = 0.0
            bval[:, :] = 0.0
            got = 0.0
            for t in range(n):
                bk = min(int(cd[t] * scale), nb - 1)
                cb[t] = bk
                j = ci[t]
                pj = pop[j]
                got += pj
                bpop[bk] += pj
                for cc in range(c):
                    bval[bk, cc] += val[j, cc]
            if got >= kmax:
                break
            if rho > _reach(px, py, xmin, xmax, ymin, ymax):
                break  # every location is within rho: all gathered
            if got > 0:
                rho = rho * max(1.15, min(2.0, np.sqrt(kmax / got) * 1.05))
            else:
                rho = rho * 2.0
        # ---- the bucket of every k: where the cumulative weight reaches k
        cum = 0.0
        ki = 0
        for bk in range(nb):
            cum += bpop[bk]
            while ki < nk and cum >= kr[ki]:
                kb[ki] = bk
                ki += 1
            if ki == nk:
                break
        while ki < nk:  # rounding: the total fell short of kmax by a hair
            kb[ki] = nb - 1
            ki += 1
        for ki in range(nk):
            slot[kb[ki]] = 1
        # members of those buckets only, sorted by d^2
        m = 0
        for t in range(n):
            if slot[cb[t]] > 0:
                sel[m] = t
                m += 1
        for ki in range(nk):
            slot[kb[ki]] = -1
        if m <= 32:
            for u in range(1, m):
                v = sel[u]
                w = u - 1
                while w >= 0 and cd[sel[w]] > cd[v]:
                    sel[w + 1] = sel[w]
                    w -= 1
                sel[w + 1] = v
        else:  # clustered distances (a village, a tower block): n log n
            keys = np.empty(m)
            for u in range(m):
                keys[u] = cd[sel[u]]
            perm = np.argsort(keys)
            tmp = sel[:m].copy()
            for u in range(m):
                sel[u] = tmp[perm[u]]
        # ---- resolve each k: whole buckets before its own, then its members
        # one distance group at a time; the group across k counts fractionally
        cum = 0.0
        cumv[:] = 0.0
        bk = 0
        u0 = 0  # first member of bucket kb[ki] in sel
        for ki in range(nk):
            while bk < kb[ki]:
                cum += bpop[bk]
                for cc in range(c):
                    cumv[cc] += bval[bk, cc]
                bk += 1
            while u0 < m and cb[sel[u0]] < kb[ki]:
                u0 += 1
            k = kr[ki]
            acc = cum
            for cc in range(c):
                accv[cc] = cumv[cc]
            u = u0
            while u < m:
                g_end = u + 1
                while g_end < m and cd[sel[g_end]] == cd[sel[u]]:
                    g_end += 1
                gpop = 0.0
                for w in range(u, g_end):
                    gpop += pop[ci[sel[w]]]
                if acc + gpop >= k:
                    frac = (k - acc) / gpop if gpop > 0 else 0.0
                    for w in range(u, g_end):
                        j = ci[sel[w]]
                        for cc in range(c):
                            accv[cc] += frac * val[j, cc]
                    if ki == nk - 1:
                        rk = np.sqrt(cd[sel[u]])
                    break
                acc += gpop
                for w in range(u, g_end):
                    j = ci[sel[w]]
                    for cc in range(c):
                        accv[cc] += val[j, cc]
                u = g_end
            else:
                if ki == nk - 1:  # rounding shortfall: everything was taken
                    rk = rho
            for cc in range(c):
                out[qi, ki, cc] = accv[cc] / k
        lastx = px
        lasty = py
    return 0


def aggregate_profile(profile: KnnProfile, groups: pd.Series | np.ndarray,
                      category: str | int = 0) -> pd.DataFrame:
    """Aggregate dwelling profiles to places.

    Parameters
    ----------
    profile : KnnProfile
        Result of :func:`knn_shares`, one row per dwelling (or per point with
        its ``population``).
    groups : Series, ndarray or Categorical, shape (n,)
        The place id of every point; missing ids are left out.
    category : str or int
        Which category to aggregate.

    Returns
    -------
    DataFrame
        One row per place (index ``place_id``): ``n_dwellings`` and, per k,
        ``mean_k{k}`` (mean over the member dwellings of their shares) and
        ``pooled_k{k}`` (the members' neighbourhoods pooled: the sum over
        members of the category weight in their neighbourhood divided by the
        sum of the neighbourhood weights). Every neighbourhood weighs
        ``k_reached`` dwellings, so the two coincide; ``pooled`` is kept
        because it is the figure that adds up over places. Neighbourhoods
        of different members overlap: a dwelling near many members counts
        many times, exactly as it weighs in each member's own profile.

    Examples
    --------
    >>> import numpy as np
    >>> xy = np.array([[0.0, 0], [1, 0], [2, 0], [10, 0]])
    >>> p = knn_shares(xy, np.array([1, 1, 0, 0]), ks=(1, 2))
    >>> aggregate_profile(p, np.array(["A", "A", "B", "B"]))
    ... # doctest: +NORMALIZE_WHITESPACE
              n_dwellings  mean_k1  mean_k2  pooled_k1  pooled_k2
    place_id
    A                 2.0      1.0    0.875        1.0      0.875
    B                 2.0      0.0    0.250        0.0      0.250

    At x=1 the dwellings at x=0 and x=2 tie for the second place, so its
    share at k=2 is (1 + 0.5) / 2 and place A's mean is (1 + 0.75) / 2.
    """
    share = profile.share(category)
    codes, ids = place_codes(groups)
    if len(codes) != share.shape[0]:
        raise ValueError("groups past niet bij het profiel (ander aantal rijen).")
    # sums per place by bincount on integer codes: a groupby on string ids
    # over every dwelling cost seconds per level on the real addresses
    member = codes >= 0
    c = codes[member]
    n_places = len(ids)
    w = np.asarray(profile.population, dtype="float64")[member]
    present = np.bincount(c, minlength=n_places) > 0
    order = np.flatnonzero(present)
    order = order[np.argsort(ids[order], kind="stable")]

    def total(x):
        # groupby().sum() skips NaN; so does this
        return np.bincount(c, weights=np.nan_to_num(x, nan=0.0),
                           minlength=n_places)[order]

    wsum = total(w)
    wpos = np.where(wsum > 0, wsum, np.nan)
    out = pd.DataFrame(index=pd.Index(ids[order], name="place_id"))
    out["n_dwellings"] = wsum
    sums = [total(share[member, i] * w) for i in range(len(profile.ks))]
    for i, k in enumerate(profile.ks):
        out[f"mean_k{k}"] = sums[i] / wpos
    for i, k in enumerate(profile.ks):
        kr = profile.k_reached[i]
        out[f"pooled_k{k}"] = total(share[member, i] * w * kr) / (wpos * kr)
    return out


def place_codes(ids) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes and the distinct ids of a column of place ids.

    ``ids`` is an array of ids (``None``/NaN: no place) or a
    :class:`pandas.Categorical`; code -1 means no place. Places are joined
    and summed on these codes instead of on the strings.

    >>> codes, ids = place_codes(np.array(["b", None, "a", "b"], dtype=object))
    >>> codes.tolist(), ids.tolist()
    ([0, -1, 1, 0], ['b', 'a'])
    """
    if isinstance(ids, pd.Categorical):
        return (np.asarray(ids.codes, dtype=np.int64),
                np.asarray(ids.categories, dtype=object))
    codes, uniques = pd.factorize(np.asarray(ids, dtype=object))
    return np.asarray(codes, dtype=np.int64), np.asarray(uniques, dtype=object)


def place_profiles(
    xy: np.ndarray,
    need: np.ndarray,
    places: Mapping[str, np.ndarray],
    ks: Sequence[int] = DEFAULT_KS,
    *,
    workers: int = 2,
    min_members: int = 1,
) -> pd.DataFrame:
    """Multiscalar profiles of every place of every level, from one search.

    Parameters
    ----------
    xy : ndarray, shape (n, 2)
        The occupied dwellings (one household each) in RD New.
    need : ndarray, shape (n,)
        1 where the household has a support need, else 0.
    places : mapping of level -> ndarray of place ids, shape (n,)
        The place of each dwelling per level (``None``/NaN: no place).
    ks : sequence of int
        Neighbourhood sizes.
    min_members : int
        Places with fewer member dwellings get no rows. Every dwelling is
        still searched and is still a neighbour of others; only the table
        is shorter (a job passes the door's ``band_min``: a place under it
        is never published, and on the real addresses the rows of all
        places were 26 times as many).

    Returns
    -------
    DataFrame
        Long format: ``level``, ``place_id``, ``k``, ``share`` (mean over the
        member dwellings of the need share among their k nearest households)
        and ``n_members`` (the member dwellings behind it). Pass it through
        :func:`veerkracht.analytics.publication.publish_profiles` before it
        leaves the workspace. In Veerkracht ``need`` is never a household
        flag: it is :func:`published_place_shares`, post-processing of
        protected place statistics (ADR 0006).

    Examples
    --------
    >>> xy = np.array([[0.0, 0], [1, 0], [2, 0], [10, 0]])
    >>> out = place_profiles(xy, np.array([1, 1, 0, 0]),
    ...                      {"street": np.array(["A", "A", "B", "B"])}, ks=(2,))
    >>> out[["place_id", "k", "share"]].to_numpy().tolist()
    [['A', 2, 0.875], ['B', 2, 0.25]]
    """
    profile = knn_shares(np.asarray(xy, dtype="float64"),
                         np.asarray(need, dtype="float64"), ks=ks, workers=workers)
    return _long_profiles(profile, places, min_members)


def _long_profiles(profile: KnnProfile, places: Mapping[str, np.ndarray],
                   min_members: int = 1) -> pd.DataFrame:
    """The long table of :func:`place_profiles` from a dwelling profile."""
    frames = []
    for level, ids in places.items():
        agg = aggregate_profile(profile, ids)
        agg = agg.loc[agg["n_dwellings"].to_numpy() >= min_members]
        long = agg[[f"mean_k{k}" for k in profile.ks]].reset_index(drop=True)
        long.columns = list(profile.ks)
        # stacked on the row position, not the id: looking the ids up again
        # (a string map over places x k rows) cost seconds on large levels
        long = long.stack().rename("share").reset_index()
        pos = long["level_0"].to_numpy()
        long = pd.DataFrame({
            "place_id": agg.index.to_numpy()[pos], "k": long["level_1"].to_numpy(),
            "share": long["share"].to_numpy(),
            "n_members": agg["n_dwellings"].to_numpy()[pos].astype("int64")})
        long.insert(0, "level", level)
        frames.append(long)
    out = pd.concat(frames, ignore_index=True)
    out["k"] = out["k"].astype("int64")
    return out


def published_place_shares(
    places: Mapping[str, np.ndarray],
    shares: Mapping[str, pd.Series],
    order: Sequence[str] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per dwelling the protected need share of the finest published place.

    The multiscalar profile is post-processing of protected figures
    (ADR 0006): a dwelling carries no household flag, but the need share of
    the finest place containing it that is published (public under the
    door's rules), so the share among its k nearest dwellings is the
    dwelling-weighted mean of those places' protected need shares.

    Parameters
    ----------
    places : mapping of level -> ndarray of place ids, shape (n,)
        The place of each dwelling per level (``None``/NaN: no place), or a
        :class:`pandas.Categorical` of them.
    shares : mapping of level -> Series
        The protected need share (0..1) of each *published* place, indexed by
        place id; places left out are not published.
    order : sequence of str, optional
        Levels from fine to coarse; default the order of ``places``.

    Returns
    -------
    (ndarray, ndarray)
        The share per dwelling (NaN where no level publishes one) and the
        index in ``order`` of the level it came from (-1 where none).

    Examples
    --------
    >>> places = {"entrance": np.array(["e1", "e2", None]),
    ...           "block": np.array(["b", "b", "b"])}
    >>> shares = {"entrance": pd.Series({"e1": 0.5}), "block": pd.Series({"b": 0.2})}
    >>> v, lv = published_place_shares(places, shares)
    >>> v.tolist(), lv.tolist()
    ([0.5, 0.2, 0.2], [0, 1, 1])
    """
    order = list(order or places)
    n = len(next(iter(places.values()))) if places else 0
    value = np.full(n, np.nan)
    source = np.full(n, -1, dtype=np.int64)
    for i, level in enumerate(order):
        if level not in places or level not in shares:
            continue
        todo = np.isnan(value)
        if not todo.any():
            break
        codes, ids = place_codes(places[level])
        if not len(ids):
            continue
        # one look-up per distinct place, then by code per dwelling
        per_place = shares[level].astype("float64").reindex(ids).to_numpy()
        got = np.where(codes >= 0, per_place[np.maximum(codes, 0)], np.nan)
        hit = todo & ~np.isnan(got)
        value[hit] = np.clip(got[hit], 0.0, 1.0)
        source[hit] = i
    return value, source


# --------------------------------------------------------------------------
# partitioned by gemeente (ADR 0012)


def kth_radius_bound(xy: np.ndarray, k: int) -> float:
    """An upper bound, over the points of ``xy``, of the distance from a point
    to its k-th nearest point of ``xy`` (itself and coinciding points
    included; one dwelling per point). ``inf`` when ``xy`` has fewer than
    ``k`` points.

    The points are counted on a grid of square cells; for the points of a
    cell, the k-th neighbour lies at most ``(r + 1) · c · √2`` away when the
    cells within ``r`` cells of it (a square of ``2r + 1`` cells a side) hold
    at least k points. Within any superset of ``xy`` the k-th neighbour is no
    farther, so a partition that holds every point within this distance of
    its own points sees their whole neighbourhoods. A grid, not a k-nearest
    search: at k = 1600 an exact search costs ten times the profiles.

    >>> rng = np.random.default_rng(0)
    >>> xy = rng.uniform(0, 100, (500, 2))
    >>> from scipy.spatial import cKDTree
    >>> exact = cKDTree(xy).query(xy, k=[50])[0].max()
    >>> bound = kth_radius_bound(xy, 50)
    >>> bool(exact <= bound <= 4 * exact)
    True
    """
    xy = np.asarray(xy, dtype=np.float64)
    n = len(xy)
    if n < k or n == 0:
        return np.inf
    lo = xy.min(axis=0)
    span = np.maximum(xy.max(axis=0) - lo, 1e-9)
    # cells of about k/64 points at the mean density (at most 2048 a side):
    # the bound is then within about sqrt(2) (a square for a disc) and a
    # cell's diagonal of the largest k-th distance
    c = max(float(np.sqrt(span[0] * span[1] * k / (64.0 * n))),
            float(span.max()) / 2048.0, 1e-6)
    g = np.minimum(((xy - lo) / c).astype(np.int64),
                   np.ceil(span / c).astype(np.int64))
    nx, ny = int(g[:, 0].max()) + 1, int(g[:, 1].max()) + 1
    counts = np.zeros((nx, ny), np.int64)
    np.add.at(counts, (g[:, 0], g[:, 1]), 1)
    sat = np.zeros((nx + 1, ny + 1), np.int64)  # summed-area table
    sat[1:, 1:] = counts.cumsum(0).cumsum(1)
    cx, cy = np.nonzero(counts)
    best = np.full(len(cx), -1, np.int64)
    todo = np.arange(len(cx))
    r = 0
    while len(todo):
        x0 = np.maximum(cx[todo] - r, 0)
        x1 = np.minimum(cx[todo] + r + 1, nx)
        y0 = np.maximum(cy[todo] - r, 0)
        y1 = np.minimum(cy[todo] + r + 1, ny)
        s = sat[x1, y1] - sat[x0, y1] - sat[x1, y0] + sat[x0, y0]
        done = s >= k
        best[todo[done]] = r
        todo = todo[~done]
        r += 1
    return float((best.max() + 1) * c * np.sqrt(2.0) * (1.0 + 1e-9))


def knn_shares_at(xy: np.ndarray, values: np.ndarray, queries: np.ndarray,
                  k_reached: np.ndarray, *, workers: int = 2) -> np.ndarray:
    """Shares among the k nearest of ``xy`` at the points ``queries`` only.

    As :func:`knn_shares` (one dwelling per point, ties shared
    fractionally), with the neighbourhood sizes ``k_reached`` given (those of
    the whole data set, not of ``xy``): a partition's data are its own
    points and its halo, its queries only its own points.

    Returns
    -------
    ndarray, shape (len(queries), len(k_reached), c)
    """
    xy = np.asarray(xy, dtype=np.float64)
    vals = np.asarray(values, dtype=np.float64)
    if vals.ndim == 1:
        vals = vals[:, None]
    q = np.asarray(queries, dtype=np.float64)
    kr = np.asarray(k_reached, dtype=np.float64)
    if len(xy) < kr[-1]:
        raise ValueError("te weinig punten voor de grootste k in deze partitie")
    # coinciding points searched as one (as knn_shares does)
    order = np.lexsort((xy[:, 1], xy[:, 0]))
    first = np.empty(len(xy), dtype=bool)
    first[0] = True
    np.any(xy[order[1:]] != xy[order[:-1]], axis=1, out=first[1:])
    inverse = np.empty(len(xy), dtype=np.int64)
    inverse[order] = np.cumsum(first) - 1
    uniq = xy[order[first]]
    m = len(uniq)
    upop = np.bincount(inverse, minlength=m).astype(np.float64)
    uval = np.column_stack([np.bincount(inverse, weights=vals[:, j], minlength=m)
                            for j in range(vals.shape[1])])
    index = _StripIndex.build(uniq, upop, uval, None)
    if len(q) == 0:
        return np.zeros((0, len(kr), vals.shape[1]))
    qo = np.lexsort((q[:, 1], q[:, 0]))
    qfirst = np.empty(len(q), dtype=bool)
    qfirst[0] = True
    np.any(q[qo[1:]] != q[qo[:-1]], axis=1, out=qfirst[1:])
    qinv = np.empty(len(q), dtype=np.int64)
    qinv[qo] = np.cumsum(qfirst) - 1
    quniq = q[qo[qfirst]]
    horder = np.argsort(_hilbert_key(quniq), kind="stable")
    out = _query(index, quniq[horder], kr, workers)
    res = np.empty_like(out)
    res[horder] = out
    return res[qinv]


def _halo(xy: np.ndarray, own: np.ndarray, radius: float) -> np.ndarray:
    """Indices of the points outside ``own`` within ``radius`` of one of its
    points (a little more, never less: rounding only adds points)."""
    from scipy.spatial import cKDTree

    if not np.isfinite(radius):
        return np.setdiff1d(np.arange(len(xy)), own)
    r = radius * (1.0 + 1e-9) + 1e-6
    lo = xy[own].min(axis=0) - r
    hi = xy[own].max(axis=0) + r
    mask = np.all((xy >= lo) & (xy <= hi), axis=1)
    mask[own] = False
    cand = np.flatnonzero(mask)
    if len(cand) == 0:
        return cand
    d, _ = cKDTree(xy[own]).query(xy[cand], k=1, distance_upper_bound=r)
    return cand[d <= r]


def _own_radius(xy_own: np.ndarray, k: int) -> float:
    return kth_radius_bound(xy_own, k) if len(xy_own) else 0.0


def _part_shares(xy_data, need_data, is_own, k_reached, workers):
    return knn_shares_at(xy_data, need_data, xy_data[is_own], k_reached,
                         workers=workers)


def partitioned_place_profiles(
    xy: np.ndarray,
    need: np.ndarray,
    places: Mapping[str, np.ndarray],
    groups,
    ks: Sequence[int] = DEFAULT_KS,
    *,
    map=map,
    workers: int = 2,
    min_members: int = 1,
    detail: dict | None = None,
) -> pd.DataFrame:
    """:func:`place_profiles` computed partition by partition (by gemeente).

    Each partition holds its own points and an exact halo: every outside
    point within ``R``, the largest distance from one of its own points to
    that point's ``max(ks)``-th nearest *own* point, bounded from above on
    a grid (a first pass on the own points alone, :func:`kth_radius_bound`).
    The k-th neighbour among all points is never farther than among a
    subset, so the halo holds every neighbourhood whole,
    whatever lies across the border, ties included; a partition with fewer
    own points than ``max(ks)`` sees every point. The neighbourhoods, and
    so the weights of every dwelling in them, are the single run's; only
    the order in which the search adds them up can differ, so a share can
    differ from the single run's in the last bits (the tests bound it at
    1e-12; the single run itself already varies as much with ``workers``).

    Parameters
    ----------
    xy, need, places, ks, workers, min_members
        As :func:`place_profiles`.
    groups : array-like, shape (n,)
        The partition of every point (its gemeente code).
    map : callable
        ``map(function, *iterables)`` that runs the partitions (the builtin:
        here, one after the other; a job passes one that runs them on Dask).
    detail : dict, optional
        Filled with ``parts`` (label, own points, halo points, radius).

    Examples
    --------
    >>> xy = np.array([[0.0, 0], [1, 0], [2, 0], [10, 0]])
    >>> out = partitioned_place_profiles(xy, np.array([1, 1, 0, 0]),
    ...     {"street": np.array(["A", "A", "B", "B"])}, ["g", "g", "h", "h"], ks=(2,))
    >>> out[["place_id", "k", "share"]].to_numpy().tolist()
    [['A', 2, 0.875], ['B', 2, 0.25]]
    """
    xy = np.asarray(xy, dtype=np.float64)
    need = np.asarray(need, dtype=np.float64)
    n = len(xy)
    ks_t = tuple(int(k) for k in ks)
    if not ks_t or any(k < 1 for k in ks_t) or list(ks_t) != sorted(set(ks_t)):
        raise ValueError("ks moet oplopen en uit positieve gehele getallen bestaan.")
    if need.shape != (n,) or not np.isfinite(xy).all() or not np.isfinite(need).all():
        raise ValueError("xy en need moeten evenveel rijen hebben, zonder ontbrekende "
                         "waarden.")
    labels = pd.Series(np.asarray(groups, dtype=object)).fillna("?").astype(str)
    if len(labels) != n:
        raise ValueError("groups past niet bij xy (ander aantal rijen).")
    k_reached = np.array([min(k, n) for k in ks_t], dtype=np.float64)
    codes, names = pd.factorize(labels, sort=True)
    owns = [np.flatnonzero(codes == i) for i in range(len(names))]
    kmax = int(k_reached[-1])
    radii = list(map(_own_radius, [xy[o] for o in owns], [kmax] * len(owns)))
    datas, masks = [], []
    for own, r in zip(owns, radii, strict=True):
        data = np.union1d(own, _halo(xy, own, r))
        datas.append(data)
        masks.append(np.isin(data, own))
    got = list(map(_part_shares, [xy[d] for d in datas], [need[d] for d in datas],
                   masks, [k_reached] * len(owns), [workers] * len(owns)))
    shares = np.empty((n, len(ks_t), 1))
    for d, msk, s in zip(datas, masks, got, strict=True):
        shares[d[msk]] = s
    if detail is not None:
        detail["parts"] = [(str(lb), int(len(o)), int(len(d) - len(o)), float(r))
                           for lb, o, d, r in zip(names, owns, datas, radii,
                                                  strict=True)]
    profile = KnnProfile(ks_t, shares, k_reached.astype(np.int64), np.ones(n), None,
                         ("c0",))
    return _long_profiles(profile, places, min_members)
