"""Disclosure control: the one gate every household-derived figure passes.

Rules (DESIGN.md section 6, docs/privacy.md):

1. **Primary suppression.** A count or share is shown only when at least
   ``min_count`` (10) households stand behind the numerator, the denominator
   and the complement (denominator - numerator). A plain count (no
   numerator) needs at least ``min_count`` itself.
2. **Rounding.** Published counts are rounded to the nearest multiple of
   ``rounding_base`` (5), halves up.
3. **Secondary suppression.** For every parent in a hierarchy (entrance ->
   building -> block -> buurt -> wijk -> gemeente, and street -> buurt), the
   part of the parent that is not published (its suppressed children plus
   the households in no child, the *residual*) must itself be a safe
   aggregate of at least two units: when exactly one child is hidden, or the
   hidden part sums below the threshold in numerator, denominator or
   complement, the smallest visible child is hidden as well. A hidden
   parent whose children are all visible (it would be their sum) gets one
   child hidden too. This repeats until nothing changes. Then an audit
   solves all published equations at once (:func:`_exposed`) and hides
   more until no suppressed cell is determined by them, partly overlapping
   blocks and streets included.
4. **Bands only below 10 dwellings.** A place with fewer than
   ``min_dwellings`` (10) dwellings, or fewer than ``min_count`` households,
   shows only its balance class band, no numbers (``visibility =
   'band_only'``); the web application shows those bands only to
   professionals assigned to the area. Rows without households are
   ``'suppressed'``.
5. **The minimum of 10 cannot be lowered.** :class:`DisclosureRules` raises
   for any value below 10.

No function here (or anywhere in Veerkracht) returns a value per household
or per address: the cells are places.

Examples
--------
>>> rules = DisclosureRules()
>>> round_counts([3, 12, 12.5, 17], rules.rounding_base).tolist()
[5.0, 10.0, 15.0, 15.0]
>>> primary_safe([12, 5, 12], [30, 30, 20], rules.min_count).tolist()  # 20-12 < 10
[True, False, False]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: The statutory floor: no rule in Veerkracht may use a smaller threshold.
MIN_COUNT = 10

VISIBILITY = ("public", "band_only", "suppressed")


class DisclosureConfigError(ValueError):
    """A disclosure setting below the floor of 10 (or otherwise invalid)."""


@dataclass(frozen=True)
class DisclosureRules:
    """Thresholds of the disclosure rules; never below :data:`MIN_COUNT`.

    Examples
    --------
    >>> DisclosureRules(min_count=5)
    Traceback (most recent call last):
    ...
    veerkracht.analytics.disclosure.DisclosureConfigError: min_count = 5 is lager dan \
het wettelijke minimum van 10 huishoudens; dat kan niet lager worden ingesteld
    """

    min_count: int = MIN_COUNT
    min_dwellings: int = MIN_COUNT
    rounding_base: int = 5

    def __post_init__(self) -> None:
        for name in ("min_count", "min_dwellings"):
            value = getattr(self, name)
            if not isinstance(value, int | np.integer) or isinstance(value, bool):
                raise DisclosureConfigError(f"{name} moet een geheel getal zijn")
            if value < MIN_COUNT:
                raise DisclosureConfigError(
                    f"{name} = {value} is lager dan het wettelijke minimum van "
                    f"{MIN_COUNT} huishoudens; dat kan niet lager worden ingesteld")
        base = self.rounding_base
        if not isinstance(base, int | np.integer) or base < 1:
            raise DisclosureConfigError(
                "rounding_base moet een positief geheel getal zijn")


def round_counts(values, base: int = 5) -> np.ndarray:
    """Round counts to the nearest multiple of ``base`` (halves up); NaN stays NaN."""
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


def _positions(ids: pd.Series, parents: pd.Series) -> np.ndarray:
    """Position of each row's parent in ``ids`` (-1 when none or not present)."""
    missing = parents.isna().to_numpy()
    pos = pd.Index(ids.astype("str")).get_indexer(parents.astype("str").fillna(""))
    pos[missing] = -1
    return pos


def parent_positions(cells: pd.DataFrame, parent_columns: Sequence[str],
                     id_column: str = "cell_id") -> list[np.ndarray]:
    """Row position of each row's parent, per hierarchy (-1: none or absent)."""
    ids = cells[id_column]
    if ids.duplicated().any():
        raise ValueError(f"{id_column} is not unique")
    return [_positions(ids, cells[col]) for col in parent_columns]


def _ancestors(pos: np.ndarray, start: np.ndarray) -> list[np.ndarray]:
    """Ancestors of ``start`` rows, one array per generation (-1 when none)."""
    out = []
    cur = pos[start]
    while (cur >= 0).any() and len(out) < 64:
        out.append(cur)
        cur = np.where(cur >= 0, pos[np.maximum(cur, 0)], -1)
    return out


def nested_parents(positions: Sequence[np.ndarray], den0: np.ndarray
                   ) -> list[np.ndarray]:
    """Virtual parent links between overlapping hierarchies.

    When a cell ``Y`` of one hierarchy lies wholly inside a cell ``X`` of
    another (a street inside a block: every household of the street is in
    one of the block's leaves), ``X - Y`` can be computed from the two
    published cells. Treating ``X`` as an extra parent of ``Y`` lets the
    parent rule protect that difference. ``Y`` is linked to the smallest such
    ``X``; a ``Y`` whose own parent is nested in the same ``X`` is left to
    that parent, so the children of a virtual parent never overlap.
    """
    n = len(den0)
    if len(positions) < 2:
        return []
    is_parent = np.zeros(n, dtype=bool)
    has_parent = np.zeros(n, dtype=bool)
    for pos in positions:
        is_parent[pos[pos >= 0]] = True
        has_parent |= pos >= 0
    leaves = np.flatnonzero(has_parent & ~is_parent)
    if leaves.size == 0:
        return []
    anc = [_ancestors(pos, leaves) for pos in positions]
    virtual = []
    for b, pos_b in enumerate(positions):
        for a in range(len(positions)):
            if a == b:
                continue
            ys, xs, ls = [], [], []
            for yb in anc[b]:
                for xa in anc[a]:
                    ok = (yb >= 0) & (xa >= 0) & (yb != xa)
                    ys.append(yb[ok])
                    xs.append(xa[ok])
                    ls.append(leaves[ok])
            if not ys:
                continue
            y, x, leaf = np.concatenate(ys), np.concatenate(xs), np.concatenate(ls)
            key = y.astype(np.int64) * n + x
            uk, inv = np.unique(key, return_inverse=True)
            i_den = np.bincount(inv, weights=den0[leaf])
            yy, xx = uk // n, uk % n
            # every household of Y is in a leaf it shares with X
            sub = (np.abs(i_den - den0[yy]) < 1e-9) & (den0[yy] > 0)
            yy, xx = yy[sub], xx[sub]
            if yy.size == 0:
                continue
            order = np.lexsort((xx, den0[xx], yy))
            yy, xx = yy[order], xx[order]
            first = np.r_[True, yy[1:] != yy[:-1]]
            link = np.full(n, -1, dtype=np.int64)
            link[yy[first]] = xx[first]
            for pos in positions:  # a real parent needs no second link
                link[(link >= 0) & (link == pos)] = -1
            has = link >= 0
            ident = has & (np.abs(den0[np.maximum(link, 0)] - den0) < 1e-9)
            # identical sets (Y = X): one link per X, in a column of their own
            same_set = np.where(ident, link, -1)
            seen = np.zeros(n, dtype=bool)
            for y_ in np.flatnonzero(ident):  # few cells; keeps one Y per X
                if seen[same_set[y_]]:
                    same_set[y_] = -1
                seen[same_set[y_]] = True
            # strict subsets: leave Y to its parent when that parent is a
            # strict subset of the same X (X - Y = (X - parent) + (parent - Y))
            strict = np.where(has & ~ident, link, -1)
            par = pos_b
            pp = np.maximum(par, 0)
            covered = (strict >= 0) & (par >= 0) & (strict[pp] == strict)
            strict[covered] = -1
            for col in (same_set, strict):
                if (col >= 0).any():
                    virtual.append(col)
    return virtual


def _parent_rules(structure, hidden, reason, den0, num0, plain: bool, t: int,
                  n: int) -> None:
    """Rule 3 per parent (in place): repeat until no parent reveals a hidden part."""
    changed = True
    while changed:
        changed = False
        for ch, p, rnum, rden, has_res, n_child in structure:
            hid_ch = hidden[ch]
            n_hid = np.bincount(p[hid_ch], minlength=n)
            n_vis = n_child - n_hid
            h_den = np.bincount(p[hid_ch], weights=den0[ch][hid_ch], minlength=n) + rden
            h_num = np.bincount(p[hid_ch], weights=num0[ch][hid_ch], minlength=n) + rnum
            units = n_hid + has_res
            unsafe = ~primary_safe(None if plain else h_num, h_den, t)
            single = (n_hid == 1) & ~has_res
            relevant = (n_child > 0) & (~hidden | (n_vis > 0))
            bad = relevant & (
                (hidden & (units == 0)) | ((units >= 1) & (unsafe | single)))
            if not bad.any():
                continue
            changed = True
            # hide the smallest visible child of every bad parent
            cand = ~hid_ch & bad[p]
            c_idx, c_par = ch[cand], p[cand]
            if c_idx.size:
                order = np.lexsort((c_idx, den0[c_idx], c_par))
                c_idx, c_par = c_idx[order], c_par[order]
                first = np.r_[True, c_par[1:] != c_par[:-1]]
                pick = c_idx[first]
                hidden[pick] = True
                reason[pick] = "secondary"
            # a published parent whose children are all hidden and that would
            # reveal one of them is hidden itself (only across hierarchies)
            no_vis = bad & (n_vis == 0) & ~hidden
            if no_vis.any():
                hidden[no_vis] = True
                reason[no_vis] = "secondary"


def _memberships(real, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                         np.ndarray]:
    """Every (equation, cell, coefficient, equation has residual) of the attack.

    Equation ``h * n + P`` is ``P - sum(children of P in hierarchy h) -
    residual = 0``. Its coefficients are multiplied by ``(-1) ** h`` so that a
    cell in two equations of a two-hierarchy tree has one +1 and one -1 (an
    edge of a directed graph).
    """
    rows, cells, coef, res = [], [], [], []
    for h, (pos, has_res) in enumerate(real):
        sign = 1.0 if h % 2 == 0 else -1.0
        ch = np.flatnonzero(pos >= 0)
        par = np.unique(pos[ch])
        rows += [h * n + pos[ch], h * n + par]
        cells += [ch, par]
        coef += [np.full(ch.size, -sign), np.full(par.size, sign)]
        res += [has_res[pos[ch]], has_res[par]]
    if not rows:
        e = np.zeros(0, dtype=np.int64)
        return e, e, np.zeros(0), np.zeros(0, dtype=bool)
    return (np.concatenate(rows).astype(np.int64), np.concatenate(cells),
            np.concatenate(coef), np.concatenate(res))


def _exposed(real, hidden: np.ndarray, n: int) -> np.ndarray:
    """Hidden cells whose value follows exactly from the published cells.

    The attacker knows every published cell, the hierarchies and which
    parents have a residual, and solves all equations ``parent = sum(children)
    + residual`` at once. A residual occurs in one equation only, so an
    equation with a residual can never help to isolate a cell and is left
    out. Over the hidden cells the remaining equations form a matrix ``A``;
    hidden cell ``j`` is determined iff the unit vector ``e_j`` lies in the
    row space of ``A``.

    When every hidden cell occurs in at most two equations with opposite
    (sign-adjusted) coefficients, ``A`` is the incidence matrix of a graph:
    equations are vertices, hidden cells edges, and a cell in one equation
    only is an edge to a *ground* vertex standing for all equations left out.
    The row space is then the cut space, and ``e_j`` lies in it iff edge
    ``j`` is a bridge. Bridges are found with a spanning forest: a tree edge
    is a bridge iff no non-tree edge closes a cycle over it, tested by
    XOR-ing a random 64-bit label of every non-tree edge into both its ends
    and summing labels over subtrees (a zero sum by chance can only add
    suppression). Connected parts that are not a graph (a cell in three
    equations, such as a buurt under two hierarchies) are tested exactly by
    a rank-revealing QR decomposition of their own matrix.
    """
    import scipy.linalg
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import breadth_first_order, connected_components

    out = np.zeros(n, dtype=bool)
    rows, cells, coef, res = _memberships(real, n)
    keep = hidden[cells] & ~res
    rows, cells, coef = rows[keep], cells[keep], coef[keep]
    if rows.size == 0:
        return out
    urow, rid = np.unique(rows, return_inverse=True)
    ucol, cid = np.unique(cells, return_inverse=True)
    n_r, n_c = urow.size, ucol.size
    k = np.bincount(cid, minlength=n_c)
    plus = np.bincount(cid, weights=coef > 0, minlength=n_c)
    graphic = (k == 1) | ((k == 2) & (plus == 1))
    # parts of equations and cells connected without the ground vertex
    adj = coo_matrix((np.ones(rid.size), (rid, n_r + cid)),
                     shape=(n_r + n_c, n_r + n_c))
    _, comp = connected_components(adj, directed=False)
    dense_comp = np.zeros(comp.max() + 1, dtype=bool)
    dense_comp[comp[n_r + np.flatnonzero(~graphic)]] = True
    for c in np.flatnonzero(dense_comp):
        in_c = dense_comp[comp[n_r + cid]] & (comp[n_r + cid] == c)
        r_ids, r_loc = np.unique(rid[in_c], return_inverse=True)
        c_ids, c_loc = np.unique(cid[in_c], return_inverse=True)
        a = np.zeros((r_ids.size, c_ids.size))
        np.add.at(a, (r_loc, c_loc), coef[in_c])
        # e_j lies in the row space iff its projection onto an orthonormal
        # basis of that space has norm 1. A column-pivoted (rank-revealing)
        # QR of A^T gives that basis: the first `rank` columns of Q. It is
        # about three times cheaper than an SVD for the few thousand cells of
        # a city's largest component; the tests check it against an exact
        # SVD rank test.
        q, r, _ = scipy.linalg.qr(a.T, mode="economic", pivoting=True)
        diag = np.abs(np.diag(r))
        rank = int((diag > 1e-9 * max(1.0, diag.max(initial=0))).sum())
        reach = np.einsum("ij,ij->j", q[:, :rank].T, q[:, :rank].T)
        det = reach > 1 - 1e-9
        out[ucol[c_ids[det]]] = True
    # the graph part: vertices 0..n_r-1 equations, n_r ground, n_r + 1 root
    on = ~dense_comp[comp[n_r + cid]]
    e_of = np.flatnonzero(graphic & ~dense_comp[comp[n_r + np.arange(n_c)]])
    if e_of.size == 0:
        return out
    first_end = np.full(n_c, -1, dtype=np.int64)
    second_end = np.full(n_c, n_r, dtype=np.int64)  # ground by default
    order = np.lexsort((-coef[on], cid[on]))
    cc, rr = cid[on][order], rid[on][order]
    head = np.r_[True, cc[1:] != cc[:-1]]
    first_end[cc[head]] = rr[head]
    second_end[cc[~head]] = rr[~head]
    u, v = first_end[e_of], second_end[e_of]
    n_v, root = n_r + 2, n_r + 1
    g = coo_matrix((np.ones(u.size), (u, v)), shape=(n_v, n_v)).tocsr()
    _, gcomp = connected_components(g, directed=False)
    reps = np.unique(gcomp, return_index=True)[1]
    g = coo_matrix((np.ones(u.size + reps.size),
                    (np.r_[u, np.full(reps.size, root)], np.r_[v, reps])),
                   shape=(n_v, n_v)).tocsr()
    bfs, pred = breadth_first_order(g, root, directed=False,
                                    return_predecessors=True)
    # the tree edge into each vertex: the first cell joining it to its parent
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    key = lo * n_v + hi
    korder = np.argsort(key, kind="stable")
    kept = key[korder]
    child = bfs[1:].astype(np.int64)
    par = pred[child].astype(np.int64)
    real_tree = par != root
    child, par = child[real_tree], par[real_tree]
    tkey = np.minimum(child, par) * n_v + np.maximum(child, par)
    tree_edge = korder[np.searchsorted(kept, tkey)]
    is_tree = np.zeros(u.size, dtype=bool)
    is_tree[tree_edge] = True
    labels = np.random.default_rng(20200205).integers(
        1, np.iinfo(np.int64).max, size=u.size, dtype=np.int64).astype(np.uint64)
    labels[is_tree | (u == v)] = 0
    acc = np.zeros(n_v, dtype=np.uint64)
    np.bitwise_xor.at(acc, u, labels)
    np.bitwise_xor.at(acc, v, labels)
    anc = np.where(pred < 0, root, pred)  # pointer doubling: depth below root
    depth = (np.arange(n_v) != root).astype(np.int64)
    while (anc != root).any():
        depth = depth + depth[anc]
        anc = anc[anc]
    by_depth = child[np.argsort(-depth[child], kind="stable")]
    d_sorted = depth[by_depth]
    cuts = np.flatnonzero(np.r_[True, d_sorted[1:] != d_sorted[:-1], True])
    for a_, b_ in zip(cuts[:-1], cuts[1:], strict=False):
        level = by_depth[a_:b_]
        np.bitwise_xor.at(acc, pred[level], acc[level])
    bridge = tree_edge[acc[child] == 0]
    out[ucol[e_of[bridge]]] = True
    return out


def _repair(real, hidden: np.ndarray, exposed: np.ndarray, den0: np.ndarray,
            n: int) -> np.ndarray:
    """Cells to hide so that the exposed cells lose their exact value.

    For each exposed cell, the published cell with the fewest households
    among the members of the equations it is in (parent or siblings); if all
    of those are hidden, the search widens to the equations of the hidden
    members, and so on.
    """
    rows, cells, _, _ = _memberships(real, n)
    vis = ~hidden[cells]
    order = np.lexsort((cells[vis], den0[cells[vis]], rows[vis]))
    vr, vc = rows[vis][order], cells[vis][order]
    head = np.r_[True, vr[1:] != vr[:-1]] if vr.size else np.zeros(0, bool)
    best_row, best_cell = vr[head], vc[head]
    morder = np.argsort(cells, kind="stable")
    m_cells, m_rows = cells[morder], rows[morder]
    rorder = np.argsort(rows, kind="stable")
    r_rows, r_cells = rows[rorder], cells[rorder]

    def best_of(row_set: np.ndarray) -> int:
        i = np.searchsorted(best_row, row_set)
        i = i[(i < best_row.size)]
        i = i[np.isin(best_row[i], row_set)]
        if i.size == 0:
            return -1
        cand = best_cell[i]
        return int(cand[np.lexsort((cand, den0[cand]))[0]])

    picks = []
    for j in np.flatnonzero(exposed):
        row_set = m_rows[np.searchsorted(m_cells, j, "left"):
                         np.searchsorted(m_cells, j, "right")]
        seen_rows = set()
        pick = best_of(row_set)
        while pick < 0 and row_set.size:
            seen_rows.update(row_set.tolist())
            members = np.concatenate([
                r_cells[np.searchsorted(r_rows, r, "left"):
                        np.searchsorted(r_rows, r, "right")] for r in row_set])
            nxt = np.concatenate([
                m_rows[np.searchsorted(m_cells, c, "left"):
                       np.searchsorted(m_cells, c, "right")]
                for c in np.unique(members)])
            row_set = np.setdiff1d(nxt, np.fromiter(seen_rows, np.int64))
            pick = best_of(row_set)
        if pick >= 0:
            picks.append(pick)
    return np.unique(np.asarray(picks, dtype=np.int64))


def suppress_hierarchy(
    cells: pd.DataFrame,
    parent_columns: Sequence[str] = ("parent_id",),
    numerator: str | None = "numerator",
    denominator: str = "denominator",
    rules: DisclosureRules | None = None,
    id_column: str = "cell_id",
    positions: Sequence[np.ndarray] | None = None,
) -> pd.DataFrame:
    """Primary and secondary suppression over one or more place hierarchies.

    Parameters
    ----------
    cells : DataFrame
        One row per place (cell): ``id_column`` (unique), one column per
        hierarchy in ``parent_columns`` holding the parent's id (NA for a
        root), the ``numerator`` (or None for a plain count) and the
        ``denominator``. A parent's counts must be at least the sum of its
        children's; the difference is the residual (households in no child).
    parent_columns : sequence of str
        Several hierarchies may share cells (entrance -> building -> block ->
        buurt and entrance -> street -> buurt); all are protected together.
    rules : DisclosureRules, optional
    positions : sequence of arrays, optional
        The parent's row position per row for each of ``parent_columns`` (-1:
        none), followed by any :func:`nested_parents` links, when already
        known; saves time when several measures share one hierarchy.

    Returns
    -------
    DataFrame
        ``cells`` with ``suppressed`` (bool) and ``suppression``
        (``'primary'``, ``'secondary'`` or NA).

    Raises
    ------
    ValueError
        When children add up to more than their parent.
    """
    rules = rules or DisclosureRules()
    t = rules.min_count
    den = cells[denominator].to_numpy(dtype="float64", na_value=np.nan)
    num = (None if numerator is None
           else cells[numerator].to_numpy(dtype="float64", na_value=np.nan))
    if positions is None:
        positions = parent_positions(cells, parent_columns, id_column)
        positions += nested_parents(positions, np.nan_to_num(den))
    parent_columns = [*parent_columns, *(f"nested_{i}" for i in
                                         range(len(positions) - len(parent_columns)))]
    hidden = ~primary_safe(num, den, t)
    reason = np.where(hidden, "primary", None).astype(object)
    n = len(cells)
    den0 = np.nan_to_num(den)
    num0 = np.zeros(n) if num is None else np.nan_to_num(num)
    structure = []
    for col, pos in zip(parent_columns, positions, strict=True):
        ch = np.flatnonzero(pos >= 0)
        p = pos[ch]
        res_den = den0 - np.bincount(p, weights=den0[ch], minlength=n)
        res_num = num0 - np.bincount(p, weights=num0[ch], minlength=n)
        n_child = np.bincount(p, minlength=n)
        if col.startswith("nested_"):
            bad_sum = (n_child > 0) & ((res_den < -1e-9) | (res_num < -1e-9))
            if bad_sum.any():  # overlapping virtual children: drop those links
                pos = np.where((pos >= 0) & bad_sum[np.maximum(pos, 0)], -1, pos)
                ch = np.flatnonzero(pos >= 0)
                p = pos[ch]
                res_den = den0 - np.bincount(p, weights=den0[ch], minlength=n)
                res_num = num0 - np.bincount(p, weights=num0[ch], minlength=n)
                n_child = np.bincount(p, minlength=n)
        if ((res_den < -1e-9) | (res_num < -1e-9))[n_child > 0].any():
            raise ValueError(f"children add up to more than their parent ({col})")
        has_res = (n_child > 0) & ((res_den > 1e-9) | (res_num > 1e-9))
        structure.append((ch, p, res_num * has_res, res_den * has_res, has_res,
                          n_child))

    n_real = min(len(parent_columns), len(positions))
    real = [(pos, structure[i][4]) for i, pos in enumerate(positions[:n_real])
            if not parent_columns[i].startswith("nested_")]
    worth = (den0 > 0) | (num0 > 0)  # a place without households reveals nothing
    for _ in range(n + 1):
        _parent_rules(structure, hidden, reason, den0, num0, num is None, t, n)
        exposed = _exposed(real, hidden, n) & worth
        if not exposed.any():
            break
        pick = _repair(real, hidden, exposed, den0, n)
        pick = pick[~hidden[pick]]
        if pick.size == 0:  # cannot happen: a group with exposed cells has a
            # published member (else its zero right-hand sides fix nothing)
            raise RuntimeError("disclosure audit made no progress")
        hidden[pick] = True
        reason[pick] = "secondary"
    out = cells.copy()
    out["suppressed"] = hidden
    out["suppression"] = pd.Series(reason, index=cells.index, dtype="str")
    return out


def visibility(n_households, n_dwellings, rules: DisclosureRules | None = None
               ) -> np.ndarray:
    """``'public'``, ``'band_only'`` or ``'suppressed'`` per place.

    Examples
    --------
    >>> visibility([25, 6, 14, 0], [30, 6, 14, 4]).tolist()
    ['public', 'band_only', 'public', 'suppressed']
    """
    rules = rules or DisclosureRules()
    hh = np.nan_to_num(np.asarray(n_households, dtype="float64"))
    dw = np.nan_to_num(np.asarray(n_dwellings, dtype="float64"))
    public = (dw >= rules.min_dwellings) & (hh >= rules.min_count)
    return np.where(hh <= 0, "suppressed", np.where(public, "public", "band_only"))


def protect_results(
    frame: pd.DataFrame,
    share_columns: Sequence[tuple[str, str]] = (),
    parent_columns: Sequence[str] = ("parent_id",),
    rules: DisclosureRules | None = None,
) -> pd.DataFrame:
    """Apply every rule to a frame of place results (one period, one model).

    Parameters
    ----------
    frame : DataFrame
        Columns ``place_key`` (unique over levels), ``parent_columns`` (keys
        of enclosing places), ``n_households``, ``n_dwellings``, the scores
        (``pressure``, ``resilience``, ``balance`` and their ``_lo``/``_hi``)
        and, for each ``(share, count)`` in ``share_columns``, a share column
        and the household count behind its numerator.
    share_columns : sequence of (str, str)
        Shares published only when their numerator passes primary and
        secondary suppression; the counts themselves are dropped.

    Returns
    -------
    DataFrame
        The same rows with ``visibility``; numbers blanked (NA) where not
        public, counts rounded, suppressed shares NA and the count columns of
        ``share_columns`` removed.
    """
    rules = rules or DisclosureRules()
    out = frame.copy()
    vis = visibility(out["n_households"], out["n_dwellings"], rules)
    cells = out[["place_key", *parent_columns]].copy()
    cells["denominator"] = out["n_households"].to_numpy(dtype="float64",
                                                        na_value=np.nan)
    positions = parent_positions(cells, parent_columns, "place_key")
    positions += nested_parents(positions, cells["denominator"].fillna(0).to_numpy())
    counts = suppress_hierarchy(cells, parent_columns, numerator=None, rules=rules,
                                id_column="place_key", positions=positions)
    vis = np.where((vis == "public") & counts["suppressed"].to_numpy(), "band_only",
                   vis)
    out["visibility"] = vis
    public = vis == "public"
    numbers = [c for c in out.columns
               if c.startswith(("pressure", "resilience", "balance", "ind_", "p_"))
               and c not in ("balance_class", "class_lo", "class_hi")]
    for c in numbers:
        out[c] = out[c].where(public)
    for c in ("n_households", "n_dwellings"):
        out[c] = pd.Series(round_counts(out[c], rules.rounding_base),
                           index=out.index).where(public)
    suppressed = vis == "suppressed"
    for c in ("balance_class", "class_lo", "class_hi"):
        if c in out.columns:
            out[c] = out[c].where(~suppressed)
    for share, count in share_columns:
        cells["numerator"] = out[count].to_numpy(dtype="float64", na_value=np.nan)
        res = suppress_hierarchy(cells, parent_columns, numerator="numerator",
                                 rules=rules, id_column="place_key",
                                 positions=positions)
        out[share] = out[share].where(public & ~res["suppressed"].to_numpy())
        out = out.drop(columns=[count])
    return out


def protect_place_results(results: pd.DataFrame,
                          rules: DisclosureRules | None = None) -> pd.DataFrame:
    """:func:`protect_results` for the model's ``results`` rows of one period.

    Builds the two hierarchies the places form — entrance -> building ->
    block -> buurt -> wijk -> gemeente, and entrance -> street -> buurt — from
    ``level``, ``place_id``, ``parent_level``, ``parent_id`` and ``street_id``,
    protects every ``ind_X`` share that has a ``count_X`` numerator, and
    returns the rows without the counts.
    """
    r = results.reset_index(drop=True).copy()
    level = r["level"].astype("str")
    r["place_key"] = level + ":" + r["place_id"].astype("str")
    pk = r["parent_level"].astype("str") + ":" + r["parent_id"].astype("str")
    street_key = "street:" + r["street_id"].astype("str")
    r["_parent_a"] = pk.where(level != "street")
    r["_parent_b"] = pk.where(level == "street", street_key.where(level == "entrance"))
    shares = [(f"ind_{c[6:]}", c) for c in r.columns
              if c.startswith("count_") and f"ind_{c[6:]}" in r.columns]
    out = protect_results(r, shares, parent_columns=("_parent_a", "_parent_b"),
                          rules=rules)
    return out.drop(columns=["place_key", "_parent_a", "_parent_b"])


def protect_profiles(profiles: pd.DataFrame, rules: DisclosureRules | None = None
                     ) -> pd.DataFrame:
    """Disclosure control for multiscalar profiles (one row per place and k).

    A share at scale k describes the k nearest households around each member
    dwelling, so at least ``k`` households stand behind it (the union of the
    members' neighbourhoods is never smaller than one of them). It is shown
    only when

    * the place has at least ``min_dwellings`` member dwellings (below that a
      place shows only a band, and a profile is no band), and
    * with ``k`` as the denominator, numerator ``share × k`` and complement
      ``k − share × k`` are both at least ``min_count`` — conservative,
      because the real number of households behind the figure is larger;

    and it is rounded to two decimals. Hidden shares become NaN with
    ``suppressed = True``.

    Examples
    --------
    >>> p = pd.DataFrame({"k": [10, 25, 25, 25], "share": [0.3, 0.5, 0.2, 0.5],
    ...                   "n_members": [40, 40, 40, 6]})
    >>> protect_profiles(p)[["share", "suppressed"]].to_numpy().tolist()
    [[nan, True], [0.5, False], [nan, True], [nan, True]]
    """
    rules = rules or DisclosureRules()
    out = profiles.copy()
    k = out["k"].to_numpy(dtype="float64")
    share = out["share"].to_numpy(dtype="float64")
    ok = primary_safe(share * k, k, rules.min_count)
    ok &= out["n_members"].to_numpy(dtype="float64") >= rules.min_dwellings
    out["suppressed"] = ~ok
    out["share"] = np.where(ok, np.round(share, 2), np.nan)
    return out
