"""Local hot-spot statistics: Getis-Ord Gi* and local Moran's I.

Analytic values only (the z-score of Gi* under the normality assumption and
Moran's local I itself). Permutation p-values are left to callers that can
afford them: on this machine ``esda`` needs minutes per variable per million
points for 99 permutations, and the early warning uses Monte Carlo scans with
its own seed. The formulas are those of PySAL ``esda`` (``G_Local`` with
``star=True`` and binary weights, ``Moran_Local``), checked against it in
``tests/analytics/test_references.py``.

We build the weights ourselves because ``libpysal``'s k-nearest graph refuses
coinciding points (flats at one address point) unless told how to treat them;
:func:`knn_weights` keeps them as neighbours at distance 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.spatial import cKDTree

__all__ = ["GiStar", "LocalMoran", "getis_ord_gi_star", "knn_weights", "local_moran"]


def knn_weights(xy: np.ndarray, k: int) -> sparse.csr_array:
    """Binary k-nearest-neighbour weights, without the point itself.

    Parameters
    ----------
    xy : ndarray, shape (n, 2)
        Coordinates in a metric CRS; points may coincide.
    k : int
        Neighbours per point (fewer when there are not ``k`` other points).

    Returns
    -------
    scipy.sparse.csr_array, shape (n, n)
        ``w[i, j] = 1`` when ``j`` is one of the ``k`` nearest other points of
        ``i``. Coinciding points are each other's nearest neighbours; ties at
        the k-th distance are broken by cKDTree (deterministic for one input).

    Examples
    --------
    >>> w = knn_weights(np.array([[0.0, 0], [0, 0], [5, 0]]), 1)
    >>> w.toarray().astype(int)
    array([[0, 1, 0],
           [1, 0, 0],
           [0, 1, 0]])

    The third point is as far from the first as from the second; cKDTree
    keeps the second.
    """
    xy = np.asarray(xy, dtype=np.float64)
    n = xy.shape[0]
    kk = min(int(k), n - 1)
    if kk < 1:
        return sparse.csr_array((n, n))
    _, idx = cKDTree(xy).query(xy, k=kk + 1)
    rows = np.repeat(np.arange(n), kk + 1).reshape(n, kk + 1)
    not_self = idx != rows
    # drop the point itself; where it was not among the first kk+1 (more than
    # kk coinciding points), drop the farthest instead
    drop_last = not_self.all(axis=1)
    not_self[drop_last, -1] = False
    cols = idx[not_self].reshape(n, kk)
    data = np.ones(n * kk)
    return sparse.csr_array((data, (np.repeat(np.arange(n), kk), cols.ravel())),
                            shape=(n, n))


@dataclass(frozen=True)
class GiStar:
    """Getis-Ord Gi* per unit.

    Attributes
    ----------
    g : ndarray
        ``sum_j w_ij y_j / sum_j y_j`` (self included).
    expected : ndarray
        Its expectation under no spatial association, ``W_i / n``.
    z : ndarray
        The analytic z-score; positive is a hot spot.
    """

    g: np.ndarray
    expected: np.ndarray
    z: np.ndarray


def getis_ord_gi_star(y: np.ndarray, w: sparse.sparray) -> GiStar:
    """Getis-Ord Gi* with the unit itself in its own neighbourhood.

    ``z_i = (sum_j w_ij y_j - ybar W_i) / (s sqrt((n S1_i - W_i^2) / (n - 1)))``
    with ``w_ii = 1``, ``W_i = sum_j w_ij``, ``S1_i = sum_j w_ij^2`` and ``s``
    the population standard deviation of ``y``. For binary weights this is
    ``esda.G_Local(y, w, transform="B", star=True).Zs``.

    Parameters
    ----------
    y : ndarray, shape (n,)
    w : sparse array, shape (n, n)
        Neighbour weights; the diagonal is replaced by 1.

    Returns
    -------
    GiStar

    Examples
    --------
    >>> xy = np.array([[0.0, 0], [1, 0], [2, 0], [10, 0], [11, 0], [12, 0]])
    >>> res = getis_ord_gi_star(np.array([5.0, 6, 5, 1, 0, 1]), knn_weights(xy, 2))
    >>> res.z.round(3)
    array([ 2.192,  2.192,  2.192, -2.192, -2.192, -2.192])
    """
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    n = y.shape[0]
    ws = sparse.csr_array(w, dtype=np.float64).tolil()
    ws.setdiag(1.0)
    ws = ws.tocsr()
    if ws.shape != (n, n):
        raise ValueError("w past niet bij y.")
    lag = ws @ y
    wi = np.asarray(ws.sum(axis=1)).reshape(-1)
    s1 = np.asarray(ws.multiply(ws).sum(axis=1)).reshape(-1)
    mean = y.mean()
    sd = y.std()
    with np.errstate(invalid="ignore", divide="ignore"):
        g = lag / y.sum()
        z = (lag - mean * wi) / (sd * np.sqrt((n * s1 - wi**2) / (n - 1)))
    return GiStar(g=g, expected=wi / n, z=z)


@dataclass(frozen=True)
class LocalMoran:
    """Local Moran's I per unit.

    Attributes
    ----------
    i : ndarray
        ``(n - 1) z_i (W z)_i / sum_j z_j^2`` with ``z`` standardised ``y``.
    quadrant : ndarray of int
        1 high-high, 2 low-high, 3 low-low, 4 high-low (esda's numbering).
    """

    i: np.ndarray
    quadrant: np.ndarray


def local_moran(y: np.ndarray, w: sparse.sparray, *,
                row_standardize: bool = True) -> LocalMoran:
    """Local Moran's I (Anselin 1995), as ``esda.Moran_Local(...).Is``.

    Parameters
    ----------
    y : ndarray, shape (n,)
    w : sparse array, shape (n, n)
        Neighbour weights without the unit itself.
    row_standardize : bool
        Divide each row of ``w`` by its sum (esda's ``transformation="r"``).

    Returns
    -------
    LocalMoran

    Examples
    --------
    >>> xy = np.array([[0.0, 0], [1, 0], [2, 0], [10, 0], [11, 0], [12, 0]])
    >>> res = local_moran(np.array([5.0, 6, 5, 1, 0, 1]), knn_weights(xy, 2))
    >>> res.i.round(3)
    array([0.735, 0.882, 0.735, 0.735, 0.882, 0.735])
    >>> res.quadrant.tolist()
    [1, 1, 1, 3, 3, 3]
    """
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    n = y.shape[0]
    ws = sparse.csr_array(w, dtype=np.float64)
    if row_standardize:
        rs = np.asarray(ws.sum(axis=1)).reshape(-1)
        ws = sparse.diags_array(np.where(rs > 0, 1 / np.where(rs > 0, rs, 1), 0)) @ ws
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (y - y.mean()) / y.std()
    lag = ws @ z
    i = (n - 1) * z * lag / (z * z).sum()
    high, high_lag = z > 0, lag > 0
    quadrant = np.select([high & high_lag, ~high & high_lag, ~high & ~high_lag],
                         [1, 2, 3], 4)
    return LocalMoran(i=i, quadrant=quadrant)
