"""Composition of a unit: location quotient, local entropy and diversity.

``counts`` is an ``(n, K)`` array: per unit (a dwelling's k-neighbourhood, a
stairwell, a buurt) how many households fall in each of ``K`` categories.
Units without households get NaN, never 0 (a missing figure is not a zero).
The definitions are those of PySAL ``segregation`` (``MultiLocationQuotient``,
``MultiLocalEntropy``, ``MultiLocalDiversity``); they are ours to compute
because they are three lines of numpy and we need them on k-nearest
neighbourhoods that ``segregation`` cannot build (see ``docs/multiscale.md``).
"""

from __future__ import annotations

import numpy as np

__all__ = ["local_diversity", "local_entropy", "location_quotient"]


def _as_counts(counts: np.ndarray) -> np.ndarray:
    arr = np.asarray(counts, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] < 2:
        raise ValueError("counts moet de vorm (n, K) hebben, met K >= 2 categorieën.")
    if not np.isfinite(arr).all() or (arr < 0).any():
        raise ValueError("counts moet eindig en niet-negatief zijn.")
    return arr


def _shares(arr: np.ndarray) -> np.ndarray:
    total = arr.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, arr / np.where(total > 0, total, 1), np.nan)


def location_quotient(counts: np.ndarray) -> np.ndarray:
    """Location quotient per unit and category.

    ``LQ[i, m] = (x[i, m] / x[i]) / (X[m] / X)``: a category's share in the
    unit over its share in all units together. 1 means "as everywhere",
    2 "twice as concentrated".

    Parameters
    ----------
    counts : ndarray, shape (n, K)

    Returns
    -------
    ndarray, shape (n, K)
        NaN for units without households, and for categories absent
        everywhere.

    Examples
    --------
    >>> location_quotient([[3, 1], [1, 3], [0, 0]])
    array([[1.5, 0.5],
           [0.5, 1.5],
           [nan, nan]])
    """
    arr = _as_counts(counts)
    overall = arr.sum(axis=0) / arr.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        return _shares(arr) / np.where(overall > 0, overall, np.nan)


def local_diversity(counts: np.ndarray) -> np.ndarray:
    """Theil's diversity of each unit: ``-sum_m p[i, m] * ln p[i, m]``.

    Parameters
    ----------
    counts : ndarray, shape (n, K)

    Returns
    -------
    ndarray, shape (n,)
        0 when every household is in one category, ``ln K`` at an even mix;
        NaN for units without households.

    Examples
    --------
    >>> local_diversity([[2, 2], [4, 0]]).round(4)
    array([0.6931, 0.    ])
    """
    p = _shares(_as_counts(counts))
    with np.errstate(invalid="ignore", divide="ignore"):
        terms = np.where(p > 0, p * np.log(np.where(p > 0, p, 1)), 0.0)
    out = 0.0 - terms.sum(axis=1) + 0.0  # never -0.0
    out[np.isnan(p).all(axis=1)] = np.nan
    return out


def local_entropy(counts: np.ndarray) -> np.ndarray:
    """Local entropy: the diversity scaled to [0, 1] by ``ln K``.

    Parameters
    ----------
    counts : ndarray, shape (n, K)

    Returns
    -------
    ndarray, shape (n,)

    Examples
    --------
    >>> local_entropy([[1, 1, 1], [3, 0, 0], [2, 1, 0]]).round(4)
    array([1.    , 0.    , 0.5794])
    """
    arr = _as_counts(counts)
    return local_diversity(arr) / np.log(arr.shape[1])
