"""The prospective space-time permutation scan statistic.

Kulldorff, Heffernan, Hartman, Assunção and Mostashari (2005), *A space-time
permutation scan statistic for disease outbreak detection*, PLoS Medicine
2(3): e59, as described in the SaTScan user guide (v10). Only case data are
needed: the counts per location ``C_z`` and per day ``C_d`` are taken as
given and a cluster is a cylinder (a circle of locations × a window of days)
holding more (or fewer) cases than ``μ = C_z · C_d / C`` says when place
and time are independent.

* Cylinders: a circle is centred on every location and grows through the
  locations in order of distance (locations at the same distance enter
  together), up to ``max_radius_m`` and to ``max_share_of_cases`` of all
  cases; a time window (prospective) always ends on the analysis day and is
  ``min_days`` to ``max_days`` long (never starting before the study start).
* Statistic: the Poisson generalised likelihood ratio of the paper,
  ``LLR = c ln(c/μ) + (C-c) ln((C-c)/(C-μ))`` for ``c > μ`` (high) or
  ``c < μ`` (low); 0 otherwise. A high cluster needs at least ``min_cases``.
* Inference: ``replicates`` Monte Carlo data sets that permute the days over
  the cases (both marginals kept); ``p = (1 + #{replicate max ≥ LLR}) /
  (R + 1)``, for the most likely and for the secondary clusters alike.
* Recurrence interval (SaTScan user guide, "Recurrence Interval (prospective
  analyses)", no adjustment for earlier analyses): once in ``D / p`` days,
  ``D`` the days between analyses, here ``D = 365.25 / analyses_per_year``.
* Secondary clusters: the best cylinder of every centre, in decreasing LLR,
  kept only when it shares no location with a cluster kept before (SaTScan's
  "no geographical overlap").

Speed: under the permutation every ``C_z`` and ``C_d`` is fixed, so every
expected count is fixed; a replicate only changes the observed counts in the
last ``max_days``. Per centre the neighbours are sorted once; per replicate
the observed counts per location and window length are built from the
cases whose permuted day falls in the windows, and a compiled (numba) walk
over the neighbours with recent cases (one branch-free pass per centre
finds them; at national density about four in five locations have none in
the last four weeks) evaluates the statistic only where it can be a maximum:
for high rates right after a location that adds cases to that window (the
expected count only grows between), for low rates right before one.
Fixed across replicates are also ``ln μ`` and a table of ``k ln k``, so a
log-free upper bound of the high-rate statistic (ADR 0007, addendum) is
tested first, once per neighbour group and then per window; the exact
statistic is computed only where the bound can beat the best so far. For
low rates the shortest window's count against the longest window's
expectation bounds a group's windows at once, then per block of windows.

Reproducibility: replicate ``i`` draws its permutation from
``np.random.SeedSequence(seed).spawn(R)[i]``, so the result is identical
whatever the scheduler or the split of replicates over workers.

>>> xy = np.array([[0.0, 0.0], [100.0, 0.0], [5000.0, 0.0], [5100.0, 0.0]])
>>> loc = np.array([0, 1, 0, 1, 2, 3, 2, 3, 2, 3, 0, 1, 0, 1])
>>> day = np.array([0, 0, 9, 9, 0, 0, 1, 1, 2, 2, 8, 8, 9, 9])
>>> r = space_time_permutation_scan(xy, loc, day, 9, ScanSettings(
...     max_days=3, replicates=99, max_share_of_cases=0.6))
>>> c = r.clusters[0]
>>> (c.members.tolist(), c.start_day, c.end_day, c.observed)
([0, 1], 8, 9, 6)
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Callable
from dataclasses import dataclass

import numba
import numpy as np
from scipy.spatial import cKDTree

from veerkracht.defaults import (
    SCAN_MAX_DAYS,
    SCAN_MAX_RADIUS_M,
    SCAN_REPLICATES,
    SCAN_SEED,
)

#: Earth radius (metres) for great-circle distances of lat/lon input. The
#: SaTScan user guide says only that circles are drawn on the spherical
#: earth; 6367 km is the radius used here (checked against its NYCfever
#: example: the 2.90 km radius and the members of its most likely cluster).
EARTH_RADIUS_M = 6_367_000.0

_RATES = {"high": (True, False), "low": (False, True), "both": (True, True)}


@dataclass(frozen=True)
class ScanSettings:
    """Settings of one scan (defaults: a weekly run over the last 4 weeks).

    ``max_radius_m`` caps the circle radius (metres; great-circle metres
    for lat/lon), ``max_share_of_cases`` the share of all cases in a circle
    (SaTScan's 50 %); windows are ``min_days`` to ``max_days`` long and end
    on the analysis day; ``min_cases`` applies to high-rate clusters only
    (as SaTScan's "minimum cases in high rate clusters"); ``rates`` is
    'high', 'low' or 'both'; ``analyses_per_year`` sets the recurrence
    interval; at most ``max_secondary`` clusters follow the most likely.
    ``early_stop`` > 0 ends the Monte Carlo once that many replicates reach
    the most likely cluster's statistic (sequential Monte Carlo, Besag and
    Clifford 1991, as SaTScan's early termination); 0 runs them all. See
    :func:`early_stop_for` and :func:`stop_point`.
    """

    max_radius_m: float = SCAN_MAX_RADIUS_M
    max_share_of_cases: float = 0.5
    max_days: int = SCAN_MAX_DAYS
    min_days: int = 1
    min_cases: int = 2
    replicates: int = SCAN_REPLICATES
    seed: int = SCAN_SEED
    rates: str = "high"
    analyses_per_year: float = 52.0
    max_secondary: int = 10
    early_stop: int = 0


@dataclass(frozen=True)
class Cluster:
    """One reported cylinder; ``members`` are location indices."""

    rank: int
    center: int
    members: np.ndarray
    radius_m: float
    start_day: int
    end_day: int
    observed: int
    expected: float
    llr: float
    p_value: float
    recurrence_days: float
    rate: str


@dataclass(frozen=True)
class ScanResult:
    """Clusters (most likely first) and the Monte Carlo maxima."""

    clusters: list[Cluster]
    replicate_max: np.ndarray
    total_cases: int
    settings: ScanSettings


# --------------------------------------------------------------------------
# compiled kernels


@numba.njit(cache=True, inline="always")
def _llr(o, e, total, high, low, min_cases):
    """Statistic of one cylinder (0 when it is not of the rate scanned)."""
    if o > e:
        if not high or o < min_cases:
            return 0.0
    elif o < e:
        if not low:
            return 0.0
    else:
        return 0.0
    r = total - o
    v = 0.0
    if o > 0:
        v = o * math.log(o / e)
    if r > 0:
        v += r * math.log(r / (total - e))
    return v


@numba.njit(cache=True, inline="always")
def _may_beat(o, e, total, best):
    """Whether the statistic can exceed ``best``, without logarithms.

    From ln x ≤ x - 1 on both terms: LLR ≤ C (o - e)² / (e (C - e)).
    """
    d = o - e
    return total * d * d * (1.0 + 1e-9) + 1e-12 > best * e * (total - e)


@numba.njit(cache=True, inline="always")
def _best_low(a, end, w0, cdw, obuf, total, min_cases, best, bj, bw, blow):
    """Low-rate cylinders ending at neighbour entry ``end`` (cases ``a``),
    windows ``w0`` and up: the best of them and the best so far.

    A low-rate statistic grows as the count falls and as the expectation
    grows; over the windows both only grow. So a set of consecutive windows
    is bounded by its shortest window's count against its longest window's
    expectation: all windows at once first, then each block of
    :data:`_BLOCK`, and only the windows of blocks whose bound can beat the
    best are evaluated (most groups have none)."""
    nw = cdw.shape[0]
    if w0 >= nw:
        return best, bj, bw, blow
    # all windows at once first: the shortest one's count, the longest's
    # expectation
    o = obuf[w0]
    e = (a * cdw[nw - 1]) / total
    if not (o < e and _may_beat(o, e, total, best)):
        return best, bj, bw, blow
    for b in range(w0 // _BLOCK, (nw + _BLOCK - 1) // _BLOCK):
        bs = max(b * _BLOCK, w0)
        be = min(b * _BLOCK + _BLOCK, nw)
        o = obuf[bs]
        e = (a * cdw[be - 1]) / total
        if not (o < e and _may_beat(o, e, total, best)):
            continue
        for w in range(bs, be):
            e = (a * cdw[w]) / total
            o = obuf[w]
            if o < e and _may_beat(o, e, total, best):
                v = _llr(o, e, total, False, True, min_cases)
                if v > best:
                    best = v
                    bj = end
                    bw = w
                    blow = True
    return best, bj, bw, blow


#: Windows per block in the kernels' block bounds (see :func:`_best_low`
#: and :func:`_centre_high`); only speed depends on it (4 was fastest of 2,
#: 4, 7 and 14 for high rates on the benchmark data).
_BLOCK = 4


#: Slack of the pruning test: a cylinder is evaluated exactly when its
#: bound is within this of the best so far (far above the rounding error of
#: either side, so no cylinder that beats the best is ever skipped).
_SLACK = 1e-6


@numba.njit(cache=True, inline="always")
def _recent_groups(j0, j1, idx, gend, first, nw, nzb, gsb, geb):
    """The entries ``j0`` .. ``j1 - 1`` of one centre whose location has
    recent cases (into ``nzb``), and the tie groups holding one (first and
    last entry into ``gsb`` and ``geb``); returns how many of each.

    One pass without branches: a location without recent cases adds a row of
    zeros and a group without one changes no count, so the walks below skip
    them. Most locations have no case in the last ``max_days`` of a
    replicate; an ``if`` per entry mispredicts, this pass does not."""
    k = 0
    m = 0
    gd = 0
    gs = j0
    for j in range(j0, j1):
        f = np.int64(first[idx[j]] < nw)
        nzb[k] = j
        k += f
        gd |= f
        e = np.int64(gend[j])
        gsb[m] = gs
        geb[m] = j
        m += e & gd
        gd &= 1 - e
        gs += (j + 1 - gs) * e
    return k, m


@numba.njit(cache=True)
def _centre(c, ptr, idx, czcum, gend, cnt, first, cdw, wmin, total, high, low,
            min_cases, obuf, floor, lcz, lq, q, xlx, nzb, gsb, geb):
    """Best cylinder of centre ``c`` above ``floor``.

    Returns (llr, neighbour entry, window, is_low); llr is ``floor`` and the
    entry -1 when no cylinder beats it. Only the tie groups with a location
    with recent cases are visited (:func:`_recent_groups`; ``nzb``, ``gsb``
    and ``geb`` are its buffers). A cylinder is only evaluated when a cheap
    bound says it can beat the best so far: for high rates the bound needs
    no logarithm (``lcz`` and ``lq`` are the logs of the zone and window
    totals, ``xlx`` the table of k ln k), and the exact statistic is
    computed, window by window as before, only for a neighbour group where
    some window passes it.
    """
    nw = cdw.shape[0]
    for w in range(nw):
        obuf[w] = 0
    rc = 1.0 / total
    best = floor
    bj = -1
    bw = -1
    blow = False
    j0 = ptr[c]
    j1 = ptr[c + 1]
    k, m = _recent_groups(j0, j1, idx, gend, first, nw, nzb, gsb, geb)
    t = 0
    for gi in range(m):
        # one tie group with recent cases: entries g .. ge (inclusive)
        g = gsb[gi]
        ge = geb[gi]
        t1 = t
        dirty = nw
        while t1 < k and nzb[t1] <= ge:
            f = first[idx[nzb[t1]]]
            if f < dirty:
                dirty = f
            t1 += 1
        if low and g > j0:
            # the circle just before this group: what it holds ends at g - 1
            best, bj, bw, blow = _best_low(czcum[g - 1], g - 1, max(dirty, wmin),
                                           cdw, obuf, total, min_cases, best, bj,
                                           bw, blow)
        for u in range(t, t1):
            # whole rows: a fixed-length loop the compiler vectorises
            row = cnt[idx[nzb[u]]]
            for w in range(nw):
                obuf[w] += row[w]
        t = t1
        w0 = max(dirty, wmin)
        if high and w0 < nw:
            a = czcum[ge]
            la = lcz[ge]
            lim = best - _SLACK
            # the bound below grows with c and falls with mu (c > mu), so
            # the longest window's count against the shortest window's
            # expectation bounds every window of this group at once
            of = float(obuf[nw - 1])
            d = of - a * q[w0]
            ub = xlx[obuf[nw - 1]] - of * (la + lq[w0]) - d * (total - of) * rc
            hit = (obuf[nw - 1] >= min_cases) & (d > -1e-9) & (ub > lim)
            if hit:
                # per window: c ln(c/mu) exactly (table, no log); the
                # second term is at most -(c - mu)(C - c)/(C - mu), which
                # is at most -(c - mu)(C - c)/C
                hit = False
                for w in range(w0, nw):
                    o = obuf[w]
                    of = float(o)
                    d = of - a * q[w]
                    ub = xlx[o] - of * (la + lq[w]) - d * (total - of) * rc
                    hit |= (o >= min_cases) & (d > -1e-9) & (ub > lim)
            if hit:
                for w in range(w0, nw):
                    e = (a * cdw[w]) / total
                    o = obuf[w]
                    of = float(o)
                    d = of - a * q[w]
                    ub = xlx[o] - of * (la + lq[w]) - d * (total - of) * rc
                    if o > e and o >= min_cases and ub > best - _SLACK:
                        v = _llr(o, e, total, True, False, min_cases)
                        if v > best:
                            best = v
                            bj = ge
                            bw = w
                            blow = False
    if low and j1 > j0:
        # the whole circle
        best, bj, bw, blow = _best_low(czcum[j1 - 1], j1 - 1, wmin, cdw, obuf,
                                       total, min_cases, best, bj, bw, blow)
    return best, bj, bw, blow


@numba.njit(cache=True)
def _centre_high(c, ptr, idx, czcum, gend, cnt, first, cdw, wmin, total,
                 min_cases, obuf, floor, lcz, lq, q, xlx, nzb, gsb, geb):
    """Best high-rate cylinder of centre ``c`` above ``floor`` (as
    :func:`_centre` with only high rates, and the same result).

    The walk visits only the tie groups with recent cases
    (:func:`_recent_groups`) and adds whole count rows without branching.
    At the end of such a group three bounds follow one another, each only
    where the one before passed: one for all windows at once (the longest
    window's count, kept in a scalar, against the shortest changed window's
    expectation); one per block of :data:`_BLOCK` windows (the block's
    longest count against its shortest expectation, without branches); then
    per window in the blocks that passed. On the benchmark data a third of
    the groups pass the first bound but under 2 % of the blocks pass the
    second, and the per-window loop over every window of a passing group was
    most of the time."""
    nw = cdw.shape[0]
    for w in range(obuf.shape[0]):
        obuf[w] = 0
    rc = 1.0 / total
    best = floor
    lim = best - _SLACK
    bj = -1
    bw = -1
    last = nw - 1
    nb = (nw + _BLOCK - 1) // _BLOCK
    tot = 0
    k, m = _recent_groups(ptr[c], ptr[c + 1], idx, gend, first, nw, nzb, gsb, geb)
    t = 0
    for gi in range(m):
        j = geb[gi]
        dirty = nw
        while t < k and nzb[t] <= j:
            loc = idx[nzb[t]]
            dirty = min(dirty, first[loc])
            row = cnt[loc]
            # the longest window's count in a scalar: read back from obuf
            # just after the vector add it would wait for the store
            tot += row[last]
            for w in range(obuf.shape[0]):
                obuf[w] += row[w]
            t += 1
        w0 = max(dirty, wmin)
        wq = min(w0, last)
        a = czcum[j]
        la = lcz[j]
        of = float(tot)
        d = of - a * q[wq]
        # c ln(c/mu) exactly (table, no log); the second term is at most
        # -(c - mu)(C - c)/(C - mu) <= -(c - mu)(C - c)/C. The bound grows
        # with c and falls with mu (c > mu), so the longest window's count
        # against the shortest window's expectation bounds them all.
        ub = xlx[tot] - of * (la + lq[wq]) - d * (total - of) * rc
        if (w0 < nw) & (tot >= min_cases) & (d > -1e-9) & (ub > lim):
            # the same bound per block of windows, as a bit mask
            mask = 0
            for b in range(nb):
                bs = max(b * _BLOCK, w0)
                be = min(b * _BLOCK + _BLOCK, nw) - 1
                o = obuf[be]
                of = float(o)
                d = of - a * q[bs]
                ub = xlx[o] - of * (la + lq[bs]) - d * (total - of) * rc
                mask |= np.int64((be >= w0) & (o >= min_cases) & (d > -1e-9)
                                 & (ub > lim)) << b
            b = 0
            while mask:
                if mask & 1:
                    for w in range(max(b * _BLOCK, w0),
                                   min(b * _BLOCK + _BLOCK, nw)):
                        o = obuf[w]
                        # the same count as one window shorter, and no
                        # smaller expectation: never better than that one
                        if o < min_cases or (w > w0 and o == obuf[w - 1]):
                            continue
                        of = float(o)
                        d = of - a * q[w]
                        if d <= -1e-9:
                            continue
                        ub = xlx[o] - of * (la + lq[w]) - d * (total - of) * rc
                        if ub > lim:
                            e = (a * cdw[w]) / total
                            if o > e:
                                v = _llr(o, e, total, True, False, min_cases)
                                if v > best:
                                    best = v
                                    lim = best - _SLACK
                                    bj = j
                                    bw = w
                mask >>= 1
                b += 1
    return best, bj, bw, False


@numba.njit(cache=True)
def _counts(n_loc, nw, locs, ages):
    """Cases per location with age < w+1 (cumulative over window length);
    the rows are padded with zeros to a multiple of 8 windows."""
    cnt = np.zeros((n_loc, (nw + 7) // 8 * 8), np.int32)
    first = np.full(n_loc, nw, np.int32)
    for i in range(locs.shape[0]):
        a = ages[i]
        if a < nw:
            cnt[locs[i], a] += 1
            if a < first[locs[i]]:
                first[locs[i]] = a
    for z in range(n_loc):
        if first[z] < nw:
            for w in range(first[z] + 1, nw):
                cnt[z, w] += cnt[z, w - 1]
    return cnt, first


@numba.njit(cache=True)
def _max_one(ptr, idx, czcum, gend, cdw, wmin, total, high, low, min_cases,
             lcz, lq, q, xlx, n_loc, locs, ages):
    """Maximum statistic of one replicate (its recent cases given)."""
    nw = cdw.shape[0]
    cnt, first = _counts(n_loc, nw, locs, ages)
    obuf = np.zeros(cnt.shape[1], np.int32)
    longest = np.max(ptr[1:] - ptr[:-1]) if ptr.shape[0] > 1 else 0
    nzb = np.empty(longest, np.int64)
    gsb = np.empty(longest, np.int64)
    geb = np.empty(longest, np.int64)
    best = 0.0
    for c in range(ptr.shape[0] - 1):
        if high and not low:
            v, _, _, _ = _centre_high(c, ptr, idx, czcum, gend, cnt, first, cdw,
                                      wmin, total, min_cases, obuf, best, lcz, lq,
                                      q, xlx, nzb, gsb, geb)
        else:
            v, _, _, _ = _centre(c, ptr, idx, czcum, gend, cnt, first, cdw, wmin,
                                 total, high, low, min_cases, obuf, best, lcz, lq,
                                 q, xlx, nzb, gsb, geb)
        if v > best:
            best = v
    return best


@numba.njit(cache=True, parallel=True)
def _max_batch(ptr, idx, czcum, gend, cdw, wmin, total, high, low, min_cases,
               lcz, lq, q, xlx, n_loc, rec_ptr, rec_loc, rec_age):
    """Maxima of a batch of replicates, one thread per replicate."""
    n = rec_ptr.shape[0] - 1
    out = np.zeros(n)
    for i in numba.prange(n):
        a, b = rec_ptr[i], rec_ptr[i + 1]
        out[i] = _max_one(ptr, idx, czcum, gend, cdw, wmin, total, high, low,
                          min_cases, lcz, lq, q, xlx, n_loc, rec_loc[a:b],
                          rec_age[a:b])
    return out


@numba.njit(cache=True, parallel=True)
def _all_centres(ptr, idx, czcum, gend, cnt, first, cdw, wmin, total, high, low,
                 min_cases, lcz, lq, q, xlx):
    """Every centre's best cylinder (the real data)."""
    n = ptr.shape[0] - 1
    llr = np.zeros(n)
    bj = np.full(n, -1, np.int64)
    bw = np.full(n, -1, np.int64)
    blow = np.zeros(n, np.bool_)
    for c in numba.prange(n):
        obuf = np.zeros(cnt.shape[1], np.int32)
        size = ptr[c + 1] - ptr[c]
        nzb = np.empty(size, np.int64)
        gsb = np.empty(size, np.int64)
        geb = np.empty(size, np.int64)
        if high and not low:
            v, j, w, lo = _centre_high(c, ptr, idx, czcum, gend, cnt, first, cdw,
                                       wmin, total, min_cases, obuf, 0.0, lcz, lq,
                                       q, xlx, nzb, gsb, geb)
        else:
            v, j, w, lo = _centre(c, ptr, idx, czcum, gend, cnt, first, cdw, wmin,
                                  total, high, low, min_cases, obuf, 0.0, lcz, lq,
                                  q, xlx, nzb, gsb, geb)
        llr[c] = v
        bj[c] = j
        bw[c] = w
        blow[c] = lo
    return llr, bj, bw, blow


# --------------------------------------------------------------------------
# the prepared problem (what a worker needs)


@dataclass(frozen=True)
class _Problem:
    n_loc: int
    ptr: np.ndarray
    idx: np.ndarray
    dist: np.ndarray
    czcum: np.ndarray
    gend: np.ndarray
    cdw: np.ndarray
    wmin: int
    total: int
    high: bool
    low: bool
    min_cases: int
    case_loc: np.ndarray
    case_age: np.ndarray  # age = analysis_day - day, per case
    lcz: np.ndarray  # ln czcum, per neighbour entry
    lq: np.ndarray  # ln(C_t / C), per window (0 where C_t = 0), padded with 0
    q: np.ndarray  # C_t / C, per window, padded with 0 to a multiple of 8
    xlx: np.ndarray  # k ln k for k = 0 .. cases in the longest window

    @property
    def fixed(self) -> tuple:
        """What the compiled scan needs besides the counts (in its order)."""
        return (self.ptr, self.idx, self.czcum, self.gend, self.cdw, self.wmin,
                float(self.total), self.high, self.low, self.min_cases, self.lcz,
                self.lq, self.q, self.xlx)


def _replicate_max(problem: _Problem, seeds: list, threads: bool) -> np.ndarray:
    """Maximum LLR of the replicates seeded by ``seeds`` (SeedSequences).

    Replicate ``i`` permutes the days over the cases with
    ``default_rng(seeds[i]).permutation``; only the cases whose new day falls
    in the longest window are passed on to the compiled scan.
    """
    p = problem
    nw = p.cdw.shape[0]
    ptrs = [0]
    locs, ages = [], []
    for ss in seeds:
        age = p.case_age[np.random.default_rng(ss).permutation(p.total)]
        recent = age < nw
        locs.append(p.case_loc[recent])
        ages.append(age[recent])
        ptrs.append(ptrs[-1] + int(recent.sum()))
    rec_ptr = np.asarray(ptrs, np.int64)
    rec_loc = np.concatenate(locs) if locs else np.zeros(0, np.int64)
    rec_age = np.concatenate(ages) if ages else np.zeros(0, np.int64)
    args = (*p.fixed, p.n_loc)
    if threads:
        return _max_batch(*args, rec_ptr, rec_loc, rec_age)
    return np.array([_max_one(*args, rec_loc[rec_ptr[i]:rec_ptr[i + 1]],
                              rec_age[rec_ptr[i]:rec_ptr[i + 1]])
                     for i in range(len(seeds))])


_WORKER_PROBLEM: _Problem | None = None


def _worker_init(problem: _Problem) -> None:
    global _WORKER_PROBLEM
    _WORKER_PROBLEM = problem


def _worker_batch(seeds: list) -> np.ndarray:
    return _replicate_max(_WORKER_PROBLEM, seeds, threads=False)


# --------------------------------------------------------------------------
# public entry point


@dataclass(frozen=True)
class _Prepared:
    """The checked input in the internal order, and what the permutation
    leaves fixed (shared by the single run and the partitions)."""

    xy: np.ndarray      # internal (space-filling-curve) order
    perm: np.ndarray    # internal -> caller's index
    loc: np.ndarray     # internal location of each case in the study period
    age: np.ndarray     # days before the analysis day of each case
    total: int
    nw: int             # time windows
    wmin: int
    cdw: np.ndarray     # cases in each window, over all locations
    cz: np.ndarray      # cases per location
    q: np.ndarray       # cdw / total, padded to a multiple of 8
    lq: np.ndarray      # its log
    xlx: np.ndarray     # k ln k for k = 0 .. cdw[-1]


def _prepare(xy, case_location, case_day, analysis_day: int, s: ScanSettings,
             study_start_day: int | None, geographic: bool) -> _Prepared:
    """Check the scan's input (Dutch messages) and prepare it."""
    if s.rates not in _RATES:
        raise ValueError(f"rates moet 'high', 'low' of 'both' zijn, niet {s.rates!r}")
    if s.max_days < 1 or s.min_days < 1 or s.min_days > s.max_days:
        raise ValueError("min_days en max_days moeten ≥ 1 zijn en min_days ≤ max_days")
    if s.replicates < 0:
        raise ValueError("replicates mag niet negatief zijn")
    if s.early_stop < 0:
        raise ValueError("early_stop mag niet negatief zijn")
    if not 0 < s.max_share_of_cases <= 1:
        raise ValueError("max_share_of_cases moet tussen 0 en 1 liggen")
    xy = np.asarray(xy, dtype=float)
    if xy.ndim != 2 or xy.shape[1] != 2 or len(xy) == 0:
        raise ValueError("xy moet een niet-lege tabel van n × 2 coördinaten zijn")
    if not np.isfinite(xy).all():
        raise ValueError("xy bevat ontbrekende of oneindige coördinaten")
    loc = np.asarray(case_location)
    day = np.asarray(case_day)
    if loc.ndim != 1 or day.ndim != 1 or len(loc) != len(day):
        raise ValueError(
            f"case_location ({loc.size}) en case_day ({day.size}) moeten even lang zijn"
        )
    if len(loc) == 0:
        raise ValueError("geen meldingen: de scan heeft minstens één melding nodig")
    if not (np.issubdtype(loc.dtype, np.integer)
            and np.issubdtype(day.dtype, np.integer)):
        raise ValueError("case_location en case_day moeten gehele getallen zijn")
    if loc.min() < 0 or loc.max() >= len(xy):
        raise ValueError("case_location verwijst naar een locatie die niet in xy staat")
    if day.min() < 0 or analysis_day < 0:
        raise ValueError("dagnummers mogen niet negatief zijn")
    start = int(day.min()) if study_start_day is None else int(study_start_day)
    keep = (day <= analysis_day) & (day >= start)
    loc = loc[keep].astype(np.int64)
    day = day[keep].astype(np.int64)
    total = len(loc)
    if total == 0:
        raise ValueError("geen meldingen in de onderzoeksperiode tot de analysedag")
    n_loc = len(xy)
    # internally the locations are in a space-filling-curve order, so that a
    # centre's neighbours lie close together in memory; reported indices are
    # the caller's
    perm = _curve_order(xy, geographic, s.max_radius_m)
    inv = np.empty(n_loc, np.int64)
    inv[perm] = np.arange(n_loc)
    n_days = analysis_day - start + 1
    nw = min(s.max_days, n_days)
    age = (analysis_day - day).astype(np.int64)
    cd = np.bincount(age, minlength=n_days)
    cdw = np.cumsum(cd[:nw]).astype(np.float64)
    loc = inv[loc]
    cz = np.bincount(loc, minlength=n_loc).astype(np.int64)
    # fixed under the permutation: the logs of the zone and window totals and
    # k ln k up to the cases in the longest window (no count can exceed it)
    pad = np.zeros((nw + 7) // 8 * 8 - nw)
    q = np.concatenate([cdw / total, pad])
    lq = np.concatenate([np.log(np.where(cdw > 0, cdw / total, 1.0)), pad])
    k = np.arange(int(cdw[-1]) + 1 if nw else 1, dtype=np.float64)
    xlx = k * np.log(np.maximum(k, 1.0))
    return _Prepared(xy[perm], perm, loc, age, total, nw, s.min_days - 1, cdw, cz,
                     q, lq, xlx)


def space_time_permutation_scan(
    xy,
    case_location,
    case_day,
    analysis_day: int,
    settings: ScanSettings = ScanSettings(),
    *,
    study_start_day: int | None = None,
    geographic: bool = False,
    scheduler=None,
    progress: Callable | None = None,
) -> ScanResult:
    """Run the prospective space-time permutation scan.

    Parameters
    ----------
    xy : array (n, 2)
        Location coordinates in metres, or (latitude, longitude) in degrees
        when ``geographic`` (great-circle distances, :data:`EARTH_RADIUS_M`).
    case_location : array of int
        Location index of each case (a count of k is k rows).
    case_day : array of int
        Day number of each case; cases after ``analysis_day`` or before
        ``study_start_day`` are left out.
    analysis_day : int
        The day every time window ends on (prospective).
    settings : ScanSettings
    study_start_day : int, optional
        First day of the study period (default: the first case day).
    geographic : bool
    scheduler : None, "local", "processes", "distributed ADDRESS" or a
        ``dask.distributed.Client``
        Where the replicates run; the result does not depend on it.
    progress : callable, optional
        ``progress(n, description=...)``, called per batch of replicates.

    Returns
    -------
    ScanResult
    """
    s = settings
    prep = _prepare(xy, case_location, case_day, analysis_day, s, study_start_day,
                    geographic)
    xy, loc, age, perm = prep.xy, prep.loc, prep.age, prep.perm
    total, nw, wmin, cdw, cz = prep.total, prep.nw, prep.wmin, prep.cdw, prep.cz
    n_loc = len(xy)
    high, low = _RATES[s.rates]
    ptr, idx, dist, czcum, gend = _neighbours(xy, cz, s, total, geographic)
    q, lq, xlx = prep.q, prep.lq, prep.xlx
    problem = _Problem(n_loc, ptr, idx, dist, czcum.astype(np.float64), gend, cdw,
                       wmin, total, high, low, int(s.min_cases), loc, age,
                       np.log(np.maximum(czcum, 1).astype(np.float64)), lq, q, xlx)

    # the real data: every centre's best cylinder
    cnt, first = _counts(n_loc, nw, loc, age)
    fx = problem.fixed
    llr, bj, bw, blow = _all_centres(*fx[:4], cnt, first, *fx[4:])

    if nw <= wmin:
        llr[:] = 0.0
    top = float(llr.max()) if len(llr) else 0.0
    rep = _run_replicates(problem, s, scheduler, progress, top) if nw > wmin else (
        np.zeros(stop_point(np.zeros(s.replicates), 0.0, s.early_stop)))

    clusters = _report(xy, geographic, problem, cnt, llr, bj, bw, blow, rep, s,
                       analysis_day, perm)
    return ScanResult(clusters=clusters, replicate_max=rep, total_cases=total,
                      settings=s)


def query_radius(s: ScanSettings, geographic: bool) -> float:
    """The k-d tree query radius of the maximum circle (a chord on the unit
    sphere times the earth's radius when geographic), a hair wide."""
    if geographic:
        qr = 2.0 * EARTH_RADIUS_M * math.sin(min(s.max_radius_m / EARTH_RADIUS_M,
                                                  math.pi) / 2.0)
    else:
        qr = s.max_radius_m
    return qr * (1.0 + 1e-9)


def _curve_order(xy: np.ndarray, geographic: bool, radius: float) -> np.ndarray:
    """Location order along a Z (Morton) curve over cells of ~radius/2."""
    if geographic:
        pts = np.column_stack((xy[:, 0] * 111_000.0,
                               xy[:, 1] * 111_000.0 * np.cos(np.radians(xy[:, 0]))))
    else:
        pts = xy
    cell = max(radius / 2.0, 1e-9)
    g = np.floor((pts - pts.min(axis=0)) / cell).astype(np.int64)
    g = np.clip(g, 0, 2**20 - 1)
    key = np.zeros(len(xy), np.int64)
    for b in range(21):
        key |= ((g[:, 0] >> b) & 1) << (2 * b)
        key |= ((g[:, 1] >> b) & 1) << (2 * b + 1)
    return np.lexsort((np.arange(len(xy)), key))


def _unit(xy: np.ndarray) -> np.ndarray:
    lat = np.radians(xy[:, 0])
    lon = np.radians(xy[:, 1])
    return np.column_stack((np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon),
                            np.sin(lat)))


def _distances(xy: np.ndarray, c: int, others: np.ndarray, geographic: bool):
    if geographic:
        u = _unit(xy[[c]])
        v = _unit(xy[others])
        # great circle from the chord (stable for short distances)
        chord = np.sqrt(((v - u) ** 2).sum(axis=1))
        ang = 2.0 * np.arcsin(np.clip(chord / 2.0, 0.0, 1.0))
        return ang * EARTH_RADIUS_M
    return np.hypot(xy[others, 0] - xy[c, 0], xy[others, 1] - xy[c, 1])


#: Environment variable with the most MiB the scan's neighbour lists may take.
SCAN_MAX_MB_ENV = "VEERKRACHT_SCAN_MAX_MB"
#: Default of :data:`SCAN_MAX_MB_ENV`: 4 GiB, about 100 million neighbour
#: entries (the 100,000-location benchmark needs 17 million).
DEFAULT_SCAN_MAX_MB = 4096
#: Bytes per neighbour entry: index, distance and case total (8 each), the
#: tie-group flag (1), and the case total and its log as floats (8 each).
_ENTRY_BYTES = 41
#: Centres per k-d tree query while the lists are built (bounds the Python
#: lists the query returns to one chunk's).
_CENTRE_CHUNK = 20_000


class ScanTooLarge(ValueError):  # noqa: N818 - reads like its parent
    """The scan's neighbour lists would not fit the memory limit (Dutch).

    ``pairs`` is the number of centre–location pairs at the asked radius,
    ``fit_m`` the largest whole-metre radius whose lists would fit (0 when
    not even 10 m does).
    """

    def __init__(self, message: str, pairs: int = 0, fit_m: int = 0):
        super().__init__(message)
        self.pairs = pairs
        self.fit_m = fit_m


def scan_max_bytes() -> int:
    """The limit in bytes: ``$VEERKRACHT_SCAN_MAX_MB`` MiB, default 4096.

    A value that is no positive whole number is refused, so a typo never
    silently lifts the limit.
    """
    raw = os.environ.get(SCAN_MAX_MB_ENV, "").strip()
    if not raw:
        return DEFAULT_SCAN_MAX_MB << 20
    mb = int(raw) if raw.isdigit() else 0
    if mb <= 0:
        raise ValueError(f"{SCAN_MAX_MB_ENV} moet een positief geheel getal (MiB) "
                         f"zijn, niet {raw!r}")
    return mb << 20


def check_neighbour_budget(tree: cKDTree, pts: np.ndarray, qr: float,
                           s: ScanSettings, geographic: bool = False,
                           advise: bool = True) -> int:
    """Count the scan's neighbour entries before any list is built.

    Every centre pairs with every location with cases within the largest
    circle; the lists hold those pairs for the whole run. When they would
    take more than :func:`scan_max_bytes`, :class:`ScanTooLarge` says so in
    one sentence, with the largest radius (in whole metres, found by
    bisection on the same count) whose lists would fit — instead of the
    machine running out of memory (entrances of a 1 million row replica
    within 1 km: about a billion pairs, 40 GiB). Returns the number of
    entries. Without ``advise`` the refusal names no radius (``fit_m`` 0)
    and costs one count instead of a bisection.
    """
    centres = cKDTree(pts)

    def pairs(radius_q: float) -> int:
        # a dual-tree count (pairs at distance <= r, as the lists' query):
        # about 3 times faster here than summing a ball query per centre
        return int(centres.count_neighbors(tree, radius_q))

    n = pairs(qr)
    limit = scan_max_bytes()
    if n * _ENTRY_BYTES <= limit:
        return n
    if not advise:
        raise ScanTooLarge(f"de scan zou {_nl_int(n)} paren bijhouden, meer dan de "
                           f"grens van {_nl_int(limit >> 20)} MiB", pairs=n)
    lo, hi = 0.0, float(s.max_radius_m)
    for _ in range(12):
        mid = (lo + hi) / 2.0
        r = ScanSettings(max_radius_m=max(mid, 1e-9))
        if pairs(query_radius(r, geographic)) * _ENTRY_BYTES <= limit:
            lo = mid
        else:
            hi = mid
    fit = math.floor(lo)
    advice = (f"bij deze dichtheid past een straal tot {_nl_int(fit)} m" if fit >= 10
              else "ook een straal van 10 m past niet")
    gib = f"{n * _ENTRY_BYTES / 2**30:.1f}".replace(".", ",")
    raise ScanTooLarge(
        f"de scan zou {_nl_int(n)} paren van een middelpunt en een locatie met "
        f"meldingen binnen {_nl_int(round(s.max_radius_m))} m bijhouden (ongeveer "
        f"{gib} GiB), meer dan de grens van {_nl_int(limit >> 20)} MiB "
        f"({SCAN_MAX_MB_ENV}); kies een kleinere maximale straal ({advice}) of zet "
        f"{SCAN_MAX_MB_ENV} hoger als het geheugen er is",
        pairs=n, fit_m=fit if fit >= 10 else 0)


def check_scan_fits(xy, case_location, settings: ScanSettings = ScanSettings(),
                    geographic: bool = False, advise: bool = True) -> int:
    """Check, before anything is built, that a scan of these cases fits the
    memory limit (:func:`check_neighbour_budget`, the same count and
    message); returns its neighbour entries or raises :class:`ScanTooLarge`.

    A run of several scans checks them all first, so that none is refused
    after another has run for minutes.
    """
    xy = np.asarray(xy, dtype=float)
    pts = _unit(xy) * EARTH_RADIUS_M if geographic else xy
    with_cases = np.unique(np.asarray(case_location, dtype=np.int64))
    return check_neighbour_budget(cKDTree(pts[with_cases]), pts,
                                  query_radius(settings, geographic), settings,
                                  geographic, advise)


def _nl_int(x: int) -> str:
    """A whole number with Dutch thousands points: 1.234.567."""
    return f"{int(x):,}".replace(",", ".")


def _neighbours(xy, cz, s: ScanSettings, total: int, geographic: bool):
    """CSR lists per centre of locations with cases, by distance, capped.

    Checked against the memory limit first (:func:`check_neighbour_budget`),
    then built :data:`_CENTRE_CHUNK` centres at a time.
    """
    with_cases = np.flatnonzero(cz > 0)
    pts = _unit(xy) * EARTH_RADIUS_M if geographic else xy
    tree = cKDTree(pts[with_cases])
    qr = query_radius(s, geographic)
    check_neighbour_budget(tree, pts, qr, s, geographic)
    ref = _unit(xy) if geographic else xy
    cap = s.max_share_of_cases * total
    chunks = []
    for a in range(0, len(xy), _CENTRE_CHUNK):
        b = min(a + _CENTRE_CHUNK, len(xy))
        found = tree.query_ball_point(pts[a:b], qr, return_sorted=True, workers=-1)
        lens = np.fromiter(map(len, found), np.int64, len(found))
        flat = np.fromiter(itertools.chain.from_iterable(found), np.int64, lens.sum())
        del found
        fptr = np.zeros(b - a + 1, np.int64)
        np.cumsum(lens, out=fptr[1:])
        chunks.append(_neighbour_lists(ref, geographic, with_cases[flat], fptr, cz,
                                       float(s.max_radius_m), cap, a))
        del flat
    if len(chunks) == 1:
        return chunks[0]
    ptr = np.zeros(len(xy) + 1, np.int64)
    at, off = 1, 0
    for part in chunks:
        ptr[at:at + len(part[0]) - 1] = part[0][1:] + off
        at += len(part[0]) - 1
        off += int(part[0][-1])
    return (ptr, *(np.concatenate([part[i] for part in chunks]) for i in range(1, 5)))


@numba.njit(cache=True)
def _neighbour_lists(ref, geographic, cand, fptr, cz, max_radius, cap, first=0):
    """Per centre: the candidates within ``max_radius`` by (distance, index),
    their running case totals, tie-group ends, cut where a whole tie group
    would exceed ``cap`` cases. ``cand`` holds each centre's candidates in
    increasing index order; ``ref`` is xy (planar) or the unit vectors; the
    centres are ``first`` .. ``first + len(fptr) - 2``."""
    n = fptr.shape[0] - 1
    ptr = np.zeros(n + 1, np.int64)
    m = fptr[n]
    idx = np.empty(m, np.int64)
    dist = np.empty(m, np.float64)
    cum = np.empty(m, np.int64)
    end = np.empty(m, np.bool_)
    k = 0
    for c in range(n):
        nb = cand[fptr[c]:fptr[c + 1]]
        z = first + c
        d = np.empty(nb.shape[0], np.float64)
        for i in range(nb.shape[0]):
            o = nb[i]
            if geographic:
                dx = ref[o, 0] - ref[z, 0]
                dy = ref[o, 1] - ref[z, 1]
                dz = ref[o, 2] - ref[z, 2]
                chord = math.sqrt(dx * dx + dy * dy + dz * dz)
                d[i] = 2.0 * math.asin(min(max(chord / 2.0, 0.0), 1.0)) * (
                    EARTH_RADIUS_M)
            else:
                d[i] = math.hypot(ref[o, 0] - ref[z, 0], ref[o, 1] - ref[z, 1])
        keep = d <= max_radius
        nb = nb[keep]
        d = d[keep]
        order = np.argsort(d, kind="mergesort")  # stable: ties by index
        nb = nb[order]
        d = d[order]
        t = nb.shape[0]
        run = 0
        start = k
        for i in range(t):
            run += cz[nb[i]]
            idx[k + i] = nb[i]
            dist[k + i] = d[i]
            cum[k + i] = run
            end[k + i] = i == t - 1 or d[i + 1] != d[i]
        # the case cap applies per tie group: a group enters whole or not
        stop = t
        i = 0
        while i < t:
            g = i
            while not end[start + g]:
                g += 1
            if cum[start + g] > cap:
                stop = i
                break
            i = g + 1
        k += stop
        ptr[c + 1] = k
    return ptr, idx[:k].copy(), dist[:k].copy(), cum[:k].copy(), end[:k].copy()


#: Replicates per batch of the local run; the early stop is decided at the
#: end of a batch, counted in seed order, so where replicates ran never
#: changes how many count.
_BATCH = 50


def early_stop_for(alpha: float, replicates: int) -> int:
    """The early stop that never changes which clusters have p ≤ ``alpha``.

    With ``R`` replicates a cluster has ``p = (1 + g) / (R + 1)``, ``g`` the
    replicates whose maximum reaches its statistic; it is at most ``alpha``
    only while ``g ≤ alpha (R + 1) - 1``. Once ``h = ⌊alpha (R + 1)⌋`` of
    the replicates done reach the most likely cluster's statistic (and so
    every other cluster's, which is no larger), no cluster can get there
    any more, and the rest is not needed: with alpha 0.05 and 999
    replicates, ``h`` = 50, SaTScan's threshold. ``alpha`` is read from its
    decimal text, so 0.05 × 1000 is exactly 50.

    >>> early_stop_for(0.05, 999), early_stop_for(0.01, 999), early_stop_for(0.05, 99)
    (50, 10, 5)
    """
    from fractions import Fraction

    if not 0 < alpha < 1:
        raise ValueError("alpha ligt tussen 0 en 1")
    return max(1, math.floor(Fraction(repr(float(alpha))) * (replicates + 1)))


def _stops(done: np.ndarray, top: float, early_stop: int) -> bool:
    """The early stop's rule: ``early_stop`` of the replicates ``done``
    reach ``top``, the real data's largest statistic."""
    return early_stop > 0 and int((np.asarray(done) >= top).sum()) >= early_stop


def stop_point(rep: np.ndarray, top: float, early_stop: int) -> int:
    """How many of the replicates (in seed order) count: all of them, or
    the end of the first batch of :data:`_BATCH` after which the rule
    (:func:`_stops`) holds."""
    n = len(rep)
    for end in range(_BATCH, n, _BATCH):
        if _stops(rep[:end], top, early_stop):
            return end
    return n


def _batches(n: int, size: int) -> list[range]:
    return [range(i, min(n, i + size)) for i in range(0, n, size)]


def _run_replicates(problem: _Problem, s: ScanSettings, scheduler, progress,
                    top: float = 0.0):
    """The replicates' maxima; with ``s.early_stop`` only those up to
    :func:`stop_point` (``top`` the real data's largest statistic). Here
    (the local run) the rest is not run; the other schedulers run all and
    keep the same ones, so the result never depends on the scheduler."""
    n = s.replicates
    if n == 0:
        return np.zeros(0)
    seeds = np.random.SeedSequence(s.seed).spawn(n)
    desc = "Monte Carlo-replicaties"
    if scheduler is None or scheduler in ("local", "none"):
        out = []
        done = 0
        for b in _batches(n, _BATCH):
            out.append(_replicate_max(problem, [seeds[i] for i in b], threads=True))
            done += len(b)
            if progress is not None:
                progress(len(b), description=desc)
            if done < n and _stops(np.concatenate(out), top, s.early_stop):
                if progress is not None:
                    progress(n - done, description=f"{desc}: vroeg gestopt na "
                             f"{done}; {s.early_stop} halen al het sterkste cluster")
                break
        return np.concatenate(out)
    rep = _run_all_replicates(problem, seeds, scheduler, progress, desc)
    return rep[:stop_point(rep, top, s.early_stop)]


def _run_all_replicates(problem: _Problem, seeds: list, scheduler, progress,
                        desc: str) -> np.ndarray:
    n = len(seeds)
    if scheduler == "processes":
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        workers = max(1, min(mp.cpu_count(), n))
        parts = _batches(n, max(1, -(-n // (workers * 4))))
        out = [None] * len(parts)
        with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn"),
                                 initializer=_worker_init,
                                 initargs=(problem,)) as pool:
            futs = {pool.submit(_worker_batch, [seeds[i] for i in b]): k
                    for k, b in enumerate(parts)}
            from concurrent.futures import as_completed

            for f in as_completed(futs):
                out[futs[f]] = f.result()
                if progress is not None:
                    progress(len(parts[futs[f]]), description=desc)
        return np.concatenate(out)
    return _run_distributed(problem, seeds, scheduler, progress, desc)


def _dask_batch(problem: _Problem, seeds: list) -> np.ndarray:
    return _replicate_max(problem, seeds, threads=False)


def _run_distributed(problem, seeds, scheduler, progress, desc):
    from dask.distributed import Client, as_completed

    own = None
    if isinstance(scheduler, str):
        if not scheduler.startswith("distributed"):
            raise ValueError(
                f"onbekende scheduler {scheduler!r}: kies 'local', 'processes' "
                "of 'distributed ADRES'")
        address = scheduler.split(None, 1)[1] if " " in scheduler.strip() else None
        if address is None:
            raise ValueError("scheduler 'distributed' heeft een adres nodig")
        client = own = Client(address)
    else:
        client = scheduler
    try:
        n = len(seeds)
        workers = max(1, sum(client.nthreads().values()))
        parts = _batches(n, max(1, -(-n // (workers * 4))))
        # hash=False: two scans of an equal problem on one client must not
        # share a key that the first releases while the second still uses it
        # ('lost dependencies')
        [remote] = client.scatter([problem], broadcast=True, hash=False)
        futs = [client.submit(_dask_batch, remote, [seeds[i] for i in b], pure=False)
                for b in parts]
        where = {f.key: k for k, f in enumerate(futs)}
        out = [None] * len(parts)
        for f in as_completed(futs):
            k = where[f.key]
            out[k] = f.result()
            if progress is not None:
                progress(len(parts[k]), description=desc)
        return np.concatenate(out)
    finally:
        if own is not None:
            own.close()


def _report(xy, geographic, p: _Problem, cnt, llr, bj, bw, blow, rep, s,
            analysis_day, perm) -> list[Cluster]:
    # equal statistics: the smaller circle first (as SaTScan reports), then
    # the caller's order
    radius = np.where(bj >= 0, p.dist[np.maximum(bj, 0)], np.inf)
    order = np.lexsort((perm, radius, -llr))
    taken = np.zeros(p.n_loc, bool)
    out: list[Cluster] = []
    r = len(rep)
    # candidate members from a tree over every location (a chord is never
    # longer than its great circle), exact distances on those only: with
    # hundreds of thousands of locations a full distance row per centre
    # made the report quadratic
    tree = cKDTree(_unit(xy) * EARTH_RADIUS_M if geographic else xy)
    for c in order:
        if llr[c] <= 0 or len(out) > s.max_secondary:
            break
        j, w = int(bj[c]), int(bw[c])
        radius_c = float(p.dist[j])
        centre = tree.data[int(c)]
        near = np.asarray(tree.query_ball_point(centre, radius_c * (1 + 1e-9) + 1e-6),
                          dtype=np.int64)
        d = _distances(xy, int(c), near, geographic)
        members = np.sort(near[d <= radius_c * (1 + 1e-12) + 1e-9])
        if taken[members].any():
            continue
        taken[members] = True
        inside = p.idx[p.ptr[c]:j + 1]
        observed = int(cnt[inside, w].sum())
        expected = float(p.czcum[j] * p.cdw[w] / p.total)
        pv = (1.0 + float((rep >= llr[c]).sum())) / (r + 1.0)
        rec = 365.25 / (s.analyses_per_year * pv)
        out.append(Cluster(rank=len(out) + 1, center=int(perm[c]),
                           members=np.sort(perm[members]),
                           radius_m=radius_c, start_day=analysis_day - w,
                           end_day=analysis_day, observed=observed,
                           expected=expected, llr=float(llr[c]), p_value=pv,
                           recurrence_days=rec, rate="low" if blow[c] else "high"))
    return out
