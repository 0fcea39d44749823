"""The linear-programming attack on published place counts (shared by the tests).

The attacker knows the public dwellings and which place of every level each
dwelling belongs to, and sees one published count per place (all levels,
both hierarchies). Unknowns: the count per dwelling, in [0, u]. For a hidden
target place (never published) it solves for the lowest and highest total
consistent with every published count (exactly, or within ``slack`` · σ),
and a best guess by a least-absolute-deviation fit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import linprog

ID_COLUMNS = {"entrance": "entrance_id", "building": "building_id",
              "block": "block_id", "street": "street_id", "buurt": "buurtcode",
              "wijk": "wijkcode", "gemeente": "gemeentecode"}


def design(dwellings: pd.DataFrame, published: dict[str, pd.DataFrame], column: str,
           sigma: dict[str, float] | None = None):
    """Sparse membership matrix A (places x dwellings), counts y and σ per row."""
    rows, cols, y, s = [], [], [], []
    offset = 0
    for lv, frame in published.items():
        ids = dwellings[ID_COLUMNS[lv]].astype("str").to_numpy()
        index = pd.Index(frame["place_id"].astype("str"))
        pos = index.get_indexer(ids)
        member = np.flatnonzero(pos >= 0)
        rows.append(pos[member] + offset)
        cols.append(member)
        y.append(frame[column].to_numpy(dtype=float))
        s.append(np.full(len(frame), (sigma or {}).get(lv, 0.0)))
        offset += len(frame)
    a = sp.csr_matrix((np.ones(sum(len(r) for r in rows)),
                       (np.concatenate(rows), np.concatenate(cols))),
                      shape=(offset, len(dwellings)))
    return a, np.concatenate(y), np.concatenate(s)


def bounds(a, y, s, target: np.ndarray, upper: float, slack: float = 3.0):
    """[lowest, highest] total of the target dwellings given every count."""
    n = a.shape[1]
    c = np.zeros(n)
    c[target] = 1.0
    kw = {"bounds": (0, upper), "method": "highs"}
    if not s.any():
        kw.update(A_eq=a, b_eq=y)
    else:
        kw.update(A_ub=sp.vstack([a, -a]).tocsr(),
                  b_ub=np.concatenate([y + slack * s, -(y - slack * s)]))
    lo = linprog(c, **kw)
    hi = linprog(-c, **kw)
    if lo.status != 0 or hi.status != 0:
        return np.nan, np.nan
    return lo.fun, -hi.fun


def best_fit(a, y, s, upper: float) -> np.ndarray:
    """Per-dwelling counts minimising Σ |A x - y| / σ (σ = 1 when exact)."""
    m, n = a.shape
    w = np.where(s > 0, 1.0 / np.maximum(s, 1e-9), 1.0)
    eye = sp.identity(m, format="csr")
    a_eq = sp.hstack([a, -eye, eye]).tocsr()
    c = np.concatenate([np.zeros(n), w, w])
    bnds = [(0, upper)] * n + [(0, None)] * (2 * m)
    res = linprog(c, A_eq=a_eq, b_eq=y, bounds=bnds, method="highs")
    if res.status != 0:
        raise RuntimeError(res.message)
    return res.x[:n]


def attack(dwellings, truth: np.ndarray, published, column, sigma, targets,
           upper: float, slack: float = 3.0) -> dict:
    """Run the attack on every target (lists of dwelling positions)."""
    a, y, s = design(dwellings, published, column, sigma)
    x = best_fit(a, y, s, upper)
    lo_hi = np.array([bounds(a, y, s, t, upper, slack) for t in targets])
    true = np.array([truth[t].sum() for t in targets])
    guess = np.array([np.rint(x[t].sum()) for t in targets])
    width = lo_hi[:, 1] - lo_hi[:, 0]
    return {"targets": len(targets),
            "pinned": float(np.mean(width < 0.5)),
            "median_width": float(np.nanmedian(width)),
            "covered": float(np.mean((lo_hi[:, 0] - 1e-6 <= true)
                                     & (true <= lo_hi[:, 1] + 1e-6))),
            "hit_rate": float(np.mean(guess == true)),
            "per_dwelling": x}
