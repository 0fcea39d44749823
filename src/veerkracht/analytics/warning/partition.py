"""The space-time permutation scan split into partitions (e.g. by gemeente).

Every partition holds the *centres* of one group of locations (a gemeente,
or several) and, as a halo, every location with cases within the maximum
radius of one of those centres, across the group's border. What the scan
needs beyond that is global and small, and every partition gets it whole:

* the totals ``C``, per location ``C_z`` and per window ``C_t`` (so every
  expected count, and the case cap of a circle, is the single run's);
* the case table (location, day) of the whole study, so replicate ``i``
  permutes the days over *all* cases with the single run's
  ``SeedSequence(seed).spawn(R)[i]`` and the partition keeps the cases that
  fall on its locations (the others go to one dummy location no circle
  reaches);
* the locations in the single run's internal (space-filling-curve) order,
  so neighbours at equal distance enter a circle in the same order.

A partition's circles are therefore the single run's circles of its
centres, with the same counts, and a replicate's maximum over all centres is
the maximum of the partitions' maxima: exactly, not approximately, since
each statistic is computed from the same integers and the same floats in
the same order. The real data's best cylinder per centre is reported by the
partition of that centre; :func:`combine` ranks them and removes overlap
over all of them as :func:`~veerkracht.analytics.warning.scan.
space_time_permutation_scan` does, so the clusters are identical too.

Pure: numpy and scipy only; where the partitions run (this process, a Dask
cluster) is for the caller (:mod:`veerkracht.jobs.warn`).

>>> xy = np.array([[0.0, 0.0], [100.0, 0.0], [5000.0, 0.0], [5100.0, 0.0]])
>>> loc = np.array([0, 1, 0, 1, 2, 3, 2, 3, 2, 3, 0, 1, 0, 1])
>>> day = np.array([0, 0, 9, 9, 0, 0, 1, 1, 2, 2, 8, 8, 9, 9])
>>> s = ScanSettings(max_days=3, replicates=99, max_share_of_cases=0.6)
>>> one = space_time_permutation_scan(xy, loc, day, 9, s)
>>> parts = partitioned_scan(xy, loc, day, 9, s, groups=["a", "b", "b", "b"])
>>> bool((one.replicate_max == parts.replicate_max).all())
True
>>> parts.clusters[0].members.tolist(), parts.clusters[0].llr == one.clusters[0].llr
([0, 1], True)
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import numpy as np
from scipy.spatial import cKDTree

from veerkracht.analytics.warning.scan import (
    _RATES,
    EARTH_RADIUS_M,
    Cluster,
    ScanResult,
    ScanSettings,
    _all_centres,
    _counts,
    _distances,
    _neighbour_lists,
    _prepare,
    _Problem,
    _replicate_max,
    _unit,
    check_neighbour_budget,
    query_radius,
    space_time_permutation_scan,  # noqa: F401  (the doctest's reference)
    stop_point,
)

__all__ = ["ScanPart", "PartClusters", "Plan", "plan_partitions", "part_clusters",
           "part_replicate_max", "combine", "partitioned_scan", "replicate_seeds"]


@dataclass(frozen=True)
class ScanPart:
    """What one worker needs for one partition (nothing is read from disk).

    ``locations`` are internal (curve-order) indices of the partition's
    locations, increasing; local index ``i`` is ``locations[i]`` and the
    last local index is the dummy location of the cases elsewhere.
    ``is_centre`` marks the partition's own centres among them.
    """

    label: str
    locations: np.ndarray
    is_centre: np.ndarray
    lists: _Problem       # the problem without the signals' locations
    case_index: np.ndarray  # the signals on the partition's locations
    case_local: np.ndarray  # and their local location

    @property
    def problem(self) -> _Problem:
        """The scan problem of this partition: every signal of the study,
        those elsewhere on the dummy location (built where it runs, so a
        partition travels with only its own signals' locations)."""
        full = np.full(self.lists.total, self.lists.n_loc - 1, np.int64)
        full[self.case_index] = self.case_local
        return replace(self.lists, case_loc=full)


@dataclass(frozen=True)
class PartClusters:
    """The best real-data cylinder of every own centre with a statistic > 0
    (internal centre indices; radius, window, rate, counts)."""

    centre: np.ndarray
    llr: np.ndarray
    radius_m: np.ndarray
    window: np.ndarray
    low: np.ndarray
    observed: np.ndarray
    expected: np.ndarray


@dataclass(frozen=True)
class Plan:
    """The partitions and what :func:`combine` needs centrally."""

    parts: list[ScanPart]
    xy: np.ndarray          # internal order
    perm: np.ndarray        # internal -> caller's index
    total: int
    n_windows: int
    wmin: int
    geographic: bool
    analysis_day: int
    settings: ScanSettings


def plan_partitions(xy, case_location, case_day, analysis_day: int,
                    settings: ScanSettings, groups, *,
                    study_start_day: int | None = None,
                    geographic: bool = False) -> Plan:
    """Split a scan into one partition per distinct value of ``groups``.

    Parameters
    ----------
    xy, case_location, case_day, analysis_day, settings, study_start_day,
    geographic
        As :func:`~veerkracht.analytics.warning.scan.space_time_permutation_scan`.
    groups : array-like, one label per location
        The partition of every location as a centre (e.g. its gemeente code).
        The input is checked and prepared exactly as the single run does
        (the same function, the same messages).

    Returns
    -------
    Plan
    """
    s = settings
    groups = np.asarray(groups).astype(str)
    if groups.shape != (len(np.asarray(xy)),):
        raise ValueError(f"groups heeft {groups.size} waarden, xy {len(xy)} locaties")
    prep = _prepare(xy, case_location, case_day, analysis_day, s, study_start_day,
                    geographic)
    xy, loc, age, perm = prep.xy, prep.loc, prep.age, prep.perm
    total, nw, wmin, cdw, cz = prep.total, prep.nw, prep.wmin, prep.cdw, prep.cz
    q, lq, xlx = prep.q, prep.lq, prep.xlx
    high, low = _RATES[s.rates]
    groups = groups[perm]

    pts = _unit(xy) * EARTH_RADIUS_M if geographic else xy
    ref = _unit(xy) if geographic else xy
    qr = query_radius(s, geographic)
    with_cases = np.flatnonzero(cz > 0)
    tree = cKDTree(pts[with_cases])
    # the parts together hold the single run's lists (and the halo's)
    check_neighbour_budget(tree, pts, qr, s, geographic)
    parts = []
    for label in np.unique(groups):
        own = np.flatnonzero(groups == label)
        found = tree.query_ball_point(pts[own], qr, return_sorted=True)
        lens = np.fromiter(map(len, found), np.int64, len(found))
        flat = with_cases[np.fromiter(itertools.chain.from_iterable(found), np.int64,
                                      int(lens.sum()))]
        del found
        where = np.union1d(own, flat)            # increasing internal indices
        is_centre = np.isin(where, own)
        n = len(where)
        # candidates per local location: every case location within the query
        # radius of a centre (the single run's candidates, in its order), none
        # for the halo and the dummy
        rows = np.zeros(n + 1, np.int64)
        rows[np.searchsorted(where, own)] = lens
        fptr = np.zeros(n + 2, np.int64)
        np.cumsum(rows, out=fptr[1:])
        # the centres' lists, laid out in local order (own is increasing, so
        # its lists already are)
        cand = np.searchsorted(where, flat)
        ref_l = np.concatenate([ref[where], ref[where[-1:]]])
        cz_l = np.concatenate([cz[where], [0]])
        ptr, idx, dist, czcum, gend = _neighbour_lists(
            ref_l, geographic, cand, fptr, cz_l, float(s.max_radius_m),
            s.max_share_of_cases * total)
        # the signals on the partition's locations only; the worker puts the
        # others on the dummy location (ScanPart.problem)
        on = np.isin(loc, where)
        problem = _Problem(n + 1, ptr, idx, dist, czcum.astype(np.float64), gend,
                           cdw, wmin, total, high, low, int(s.min_cases),
                           np.zeros(0, np.int64), age,
                           np.log(np.maximum(czcum, 1).astype(np.float64)), lq, q,
                           xlx)
        parts.append(ScanPart(str(label), where, is_centre, problem,
                              np.flatnonzero(on),
                              np.searchsorted(where, loc[on]).astype(np.int32)))
    return Plan(parts, xy, perm, total, nw, wmin, geographic, int(analysis_day), s)


def replicate_seeds(settings: ScanSettings) -> list:
    """The single run's seeds: replicate ``i`` gets ``spawn(R)[i]``."""
    if settings.replicates == 0:
        return []
    return np.random.SeedSequence(settings.seed).spawn(settings.replicates)


def part_clusters(part: ScanPart) -> PartClusters:
    """The real data's best cylinder of each of the partition's centres."""
    p = part.problem
    nw = p.cdw.shape[0]
    cnt, first = _counts(p.n_loc, nw, p.case_loc, p.case_age)
    fx = p.fixed
    llr, bj, bw, blow = _all_centres(*fx[:4], cnt, first, *fx[4:])
    if nw <= p.wmin:
        llr[:] = 0.0
    sel = np.flatnonzero(part.is_centre & (llr[:-1] > 0)) if len(llr) > 1 else (
        np.zeros(0, np.int64))
    j = bj[sel]
    w = bw[sel]
    observed = np.array([int(cnt[p.idx[p.ptr[c]:jj + 1], ww].sum())
                         for c, jj, ww in zip(sel, j, w, strict=True)], np.int64)
    expected = np.array([float(p.czcum[jj] * p.cdw[ww] / p.total)
                         for jj, ww in zip(j, w, strict=True)], np.float64)
    return PartClusters(part.locations[sel], llr[sel], p.dist[j].astype(np.float64),
                        w.astype(np.int64), blow[sel].astype(bool), observed,
                        expected)


def part_replicate_max(part: ScanPart, seeds: list,
                       threads: bool = False) -> np.ndarray:
    """Maximum statistic over the partition's centres, per replicate seed."""
    if part.lists.cdw.shape[0] <= part.lists.wmin:
        return np.zeros(len(seeds))
    return _replicate_max(part.problem, seeds, threads=threads)


def combine(plan: Plan, clusters: list[PartClusters],
            replicate_max: list[np.ndarray]) -> ScanResult:
    """Merge the partitions: maximum per replicate; clusters ranked and kept
    without overlap exactly as the single run's report does."""
    s = plan.settings
    rep = np.zeros(s.replicates)
    for r in replicate_max:
        rep = np.maximum(rep, r)
    cat = {f: np.concatenate([getattr(c, f) for c in clusters])
           for f in PartClusters.__dataclass_fields__}
    # the single run's early stop, on the merged maxima in seed order
    top = float(cat["llr"].max()) if len(cat["llr"]) else 0.0
    rep = rep[:stop_point(rep, top, s.early_stop)]
    perm = plan.perm
    order = np.lexsort((perm[cat["centre"]], cat["radius_m"], -cat["llr"]))
    xy, geographic = plan.xy, plan.geographic
    tree = cKDTree(_unit(xy) * EARTH_RADIUS_M if geographic else xy)
    taken = np.zeros(len(xy), bool)
    out: list[Cluster] = []
    r = len(rep)
    for i in order:
        if cat["llr"][i] <= 0 or len(out) > s.max_secondary:
            break
        c = int(cat["centre"][i])
        radius_c = float(cat["radius_m"][i])
        near = np.asarray(tree.query_ball_point(tree.data[c],
                                                radius_c * (1 + 1e-9) + 1e-6),
                          dtype=np.int64)
        d = _distances(xy, c, near, geographic)
        members = np.sort(near[d <= radius_c * (1 + 1e-12) + 1e-9])
        if taken[members].any():
            continue
        taken[members] = True
        llr = float(cat["llr"][i])
        pv = (1.0 + float((rep >= llr).sum())) / (r + 1.0)
        w = int(cat["window"][i])
        out.append(Cluster(rank=len(out) + 1, center=int(perm[c]),
                           members=np.sort(perm[members]), radius_m=radius_c,
                           start_day=plan.analysis_day - w, end_day=plan.analysis_day,
                           observed=int(cat["observed"][i]),
                           expected=float(cat["expected"][i]), llr=llr, p_value=pv,
                           recurrence_days=365.25 / (s.analyses_per_year * pv),
                           rate="low" if cat["low"][i] else "high"))
    return ScanResult(clusters=out, replicate_max=rep, total_cases=plan.total,
                      settings=s)


def partitioned_scan(xy, case_location, case_day, analysis_day: int,
                     settings: ScanSettings = ScanSettings(), *, groups,
                     study_start_day: int | None = None,
                     geographic: bool = False) -> ScanResult:
    """The scan run partition by partition in this process (the reference of
    the distributed run; the same result as the single run)."""
    plan = plan_partitions(xy, case_location, case_day, analysis_day, settings,
                           groups, study_start_day=study_start_day,
                           geographic=geographic)
    seeds = replicate_seeds(settings)
    return combine(plan, [part_clusters(p) for p in plan.parts],
                   [part_replicate_max(p, seeds, threads=True) for p in plan.parts])
