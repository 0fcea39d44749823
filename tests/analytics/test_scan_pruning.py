"""The bound-pruned scan against an unpruned brute force.

The compiled scan skips every cylinder whose log-free bound (a table of
k ln k, ln x <= x - 1 on the second term) cannot beat the best so far, and
every neighbour group whose longest-window count against its shortest
window's expectation cannot. Here every cylinder is evaluated, with the
statistic computed the way the scan computes it, so the maxima must agree
exactly (==, not approximately) — replicate by replicate.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from veerkracht.analytics.warning.scan import ScanSettings, space_time_permutation_scan


def _all_cylinders_max(xy, loc, day, analysis_day, s: ScanSettings) -> float:
    """Maximum statistic over every cylinder, nothing skipped."""
    total = len(loc)
    n_loc = len(xy)
    start = int(day.min())
    nw = min(s.max_days, analysis_day - start + 1)
    age = analysis_day - day
    cd = np.bincount(age, minlength=nw)[:nw]
    cdw = np.cumsum(cd).astype(np.float64)
    cz = np.bincount(loc, minlength=n_loc)
    # cases per location and window length (cumulative)
    per = np.zeros((n_loc, nw), np.int64)
    recent = age < nw
    np.add.at(per, (loc[recent], age[recent]), 1)
    per = np.cumsum(per, axis=1)
    high = s.rates in ("high", "both")
    low = s.rates in ("low", "both")
    ctot = float(total)
    best = 0.0
    for c in range(n_loc):
        d = np.hypot(xy[:, 0] - xy[c, 0], xy[:, 1] - xy[c, 1])
        for radius in np.unique(d[(cz > 0) & (d <= s.max_radius_m)]):
            inside = d <= radius
            a = int(cz[inside].sum())
            if a > s.max_share_of_cases * total:
                break  # larger circles only hold more
            o_w = per[inside].sum(axis=0)
            for w in range(s.min_days - 1, nw):
                o = int(o_w[w])
                e = (float(a) * cdw[w]) / ctot
                if o > e and high and o >= s.min_cases or o < e and low:
                    r = ctot - o
                    v = 0.0
                    # math.log, as the compiled scan (libm): numpy's own
                    # vectorised log may differ in the last bit on some CPUs
                    if o > 0:
                        v = o * math.log(o / e)
                    if r > 0:
                        v += r * math.log(r / (ctot - e))
                    best = max(best, float(v))
    return best


def _data(seed: int):
    rng = np.random.default_rng(seed)
    n_loc = 30
    xy = rng.uniform(0, 2000, (n_loc, 2)).round(-2)  # rounding: ties in distance
    xy[7] = xy[3]
    w = rng.gamma(1.5, 1.0, n_loc)
    n = int(rng.integers(150, 600))
    loc = rng.choice(n_loc, n, p=w / w.sum())
    day = rng.integers(0, 30, n)
    # a cluster now and then, and on some seeds an empty last day (a window
    # total of 0)
    if seed % 2:
        near = np.flatnonzero(np.hypot(*(xy - xy[0]).T) < 600)
        extra = int(rng.integers(5, 20))
        loc = np.concatenate([loc, rng.choice(near, extra)])
        day = np.concatenate([day, rng.integers(25, 29, extra)])
    else:
        day = np.where(day == 29, 28, day)
    return xy, loc.astype(np.int64), day.astype(np.int64)


@pytest.mark.parametrize("seed", [1, 2, *(pytest.param(k, marks=pytest.mark.slow)
                                          for k in (3, 4, 5, 6))])
@pytest.mark.parametrize(("rates", "min_cases"), [("high", 2), ("high", 0),
                                                  ("low", 2), ("both", 1)])
def test_pruned_maximum_equals_brute_force(seed, rates, min_cases):
    xy, loc, day = _data(seed)
    s = ScanSettings(max_radius_m=1100, max_share_of_cases=0.5, max_days=9,
                     min_days=1 + seed % 3, min_cases=min_cases, replicates=6,
                     rates=rates, seed=seed)
    _assert_maxima_equal_brute_force(xy, loc, day, 29, s)


def _assert_maxima_equal_brute_force(xy, loc, day, analysis_day, s: ScanSettings):
    """The real data's and every replicate's maximum, == the enumeration."""
    r = space_time_permutation_scan(xy, loc, day, analysis_day, s)
    top = r.clusters[0].llr if r.clusters else 0.0
    assert top == _all_cylinders_max(xy, loc, day, analysis_day, s)
    ss = np.random.SeedSequence(s.seed).spawn(s.replicates)
    for i in range(s.replicates):
        perm = np.random.default_rng(ss[i]).permutation(len(loc))
        want = _all_cylinders_max(xy, loc, day[perm], analysis_day, s)
        assert r.replicate_max[i] == want, (i, r.replicate_max[i], want)


def _sparse_data(seed: int):
    """Few recent cases among many locations: most neighbour groups add no
    count to any window, so the walk skips them (the common case in a
    national scan, where four in five locations have no recent case)."""
    rng = np.random.default_rng(100 + seed)
    n_loc = 60
    xy = rng.uniform(0, 2000, (n_loc, 2)).round(-2)
    xy[11] = xy[5]
    n = int(rng.integers(120, 200))
    loc = rng.choice(n_loc, n)
    day = rng.integers(0, 60, n)
    return xy, loc.astype(np.int64), day.astype(np.int64)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(("rates", "min_cases"), [("high", 2), ("low", 2),
                                                  ("both", 1)])
def test_pruned_maximum_equals_brute_force_when_recent_cases_are_sparse(
        seed, rates, min_cases):
    xy, loc, day = _sparse_data(seed)
    s = ScanSettings(max_radius_m=900, max_share_of_cases=0.5, max_days=5,
                     min_days=1 + seed % 2, min_cases=min_cases, replicates=6,
                     rates=rates, seed=seed)
    recent = np.unique(loc[day >= 55])
    assert len(recent) < len(xy) / 2  # the data are what the test is for
    _assert_maxima_equal_brute_force(xy, loc, day, 59, s)
