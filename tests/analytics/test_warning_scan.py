"""The prospective space-time permutation scan (veerkracht.analytics.warning.scan).

The SaTScan reference test reads SaTScan's NYCfever sample (not committed:
its licence is share-alike) from the folder in VEERKRACHT_SATSCAN_SAMPLES or
from a local git mirror of SaTScan's public repository, and skips otherwise.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import os
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from veerkracht.analytics.warning.scan import (
    ScanSettings,
    space_time_permutation_scan,
)

MIRROR = Path("/work/.mirror/scanstatistics+satscan/repo")
PRM_NAMES = ("NYCfever.prm", "NYCSpaceTimePermutation.prm")


# ---------------------------------------------------------------- SaTScan data


def _sample(name: str) -> str | None:
    folder = os.environ.get("VEERKRACHT_SATSCAN_SAMPLES")
    if folder and (Path(folder) / name).exists():
        return (Path(folder) / name).read_text()
    if MIRROR.exists():
        r = subprocess.run(
            ["git", "--git-dir", str(MIRROR), "show",
             f"HEAD:installers/sample_data/{name}"],
            capture_output=True, text=True)
        if r.returncode == 0:
            return r.stdout
    return None


def _nycfever():
    cas, geo = _sample("NYCfever.cas"), _sample("NYCfever.geo")
    prm = next((t for t in map(_sample, PRM_NAMES) if t is not None), None)
    if cas is None or geo is None or prm is None:
        pytest.skip("SaTScan's NYCfever sample not found: set "
                    "VEERKRACHT_SATSCAN_SAMPLES to a folder with NYCfever.cas, "
                    ".geo and the space-time permutation .prm")
    par = {}
    for line in prm.splitlines():
        if "=" in line and not line.startswith(";"):
            k, v = line.split("=", 1)
            par[k.strip()] = v.strip()
    return cas, geo, par


def _date(s: str) -> dt.date:
    return dt.date(*map(int, s.split("/")))


@pytest.mark.slow
def test_satscan_nycfever_reference():
    cas, geo, par = _nycfever()
    # what the parameter file asks for, checked rather than assumed
    assert par["AnalysisType"] == "4"          # prospective space-time
    assert par["ModelType"] == "2"             # space-time permutation
    assert par["ScanAreas"] == "1"             # high rates
    assert par["CoordinatesType"] == "1"       # latitude/longitude
    assert par["TimeAggregationUnits"] == "3"  # days
    assert par["TimeAggregationLength"] == "1"
    assert par["MaxTemporalSizeInterpretation"] == "1"  # in days
    assert par["UseDistanceFromCenterOption"] == "y"
    start, end = _date(par["StartDate"]), _date(par["EndDate"])
    assert _date(par["ProspectiveStartDate"]) == end
    g = pd.read_csv(io.StringIO(geo), sep=r"\s+", header=None,
                    names=["id", "lat", "lon"], dtype={"id": str})
    c = pd.read_csv(io.StringIO(cas), sep=r"\s+", header=None,
                    names=["id", "n", "date"], dtype={"id": str})
    index = {k: i for i, k in enumerate(g["id"])}
    day = np.array([(_date(s) - start).days for s in c["date"]])
    loc = np.repeat(c["id"].map(index).to_numpy(), c["n"].to_numpy())
    day = np.repeat(day, c["n"].to_numpy())
    reps = int(par["MonteCarloReps"])
    settings = ScanSettings(
        max_radius_m=float(par["MaxSpatialSizeInDistanceFromCenter"]) * 1000.0,
        max_share_of_cases=float(par["MaxSpatialSizeInPopulationAtRisk"]) / 100,
        max_days=int(par["MaxTemporalSize"]),
        min_days=int(par["MinimumTemporalClusterSize"]),
        min_cases=int(par["MinimumCasesInHighRateClusters"]),
        replicates=reps, seed=1, rates="high",
        analyses_per_year=365.25)  # a daily analysis, as the sample is
    r = space_time_permutation_scan(
        g[["lat", "lon"]].to_numpy(), loc, day, (end - start).days, settings,
        study_start_day=0, geographic=True)
    top = r.clusters[0]
    assert g["id"][top.center] == "11418"
    assert len(top.members) == 9
    assert round(top.radius_m / 1000, 2) == 2.90
    assert start + dt.timedelta(top.start_day) == dt.date(2001, 11, 22)
    assert start + dt.timedelta(top.end_day) == dt.date(2001, 11, 24)
    assert top.observed == 4
    assert round(top.expected, 2) == 0.67
    assert top.llr == pytest.approx(3.845418, abs=1e-6)
    assert [round(x.llr, 6) for x in r.clusters[1:3]] == [3.164201, 2.137259]
    second = r.clusters[1]
    assert [g["id"][m] for m in second.members] == ["11372"]  # as SaTScan's
    assert second.observed == 2
    # SaTScan reports p ≈ 0.22 at 999 replicates; both are Monte Carlo
    # estimates, so allow 4 standard deviations of their difference
    tol = 4 * math.sqrt(2 * 0.22 * 0.78 / reps)
    assert abs(top.p_value - 0.22) < tol
    assert top.recurrence_days == pytest.approx(1 / top.p_value)


# ------------------------------------------------------------- brute force


def _brute_max(xy, loc, day, analysis_day, s: ScanSettings):
    """Best cylinder by enumerating every circle and window, independently."""
    total = len(loc)
    cz = np.bincount(loc, minlength=len(xy))
    start = day.min()
    best = (0.0, None)
    for c in range(len(xy)):
        d = np.hypot(*(xy - xy[c]).T)
        for radius in sorted(set(d[cz > 0])):
            if radius > s.max_radius_m:
                continue
            inside = d <= radius
            if cz[inside].sum() > s.max_share_of_cases * total:
                continue
            for w in range(s.min_days, s.max_days + 1):
                lo = analysis_day - w + 1
                if lo < start:
                    continue
                inwin = (day >= lo) & (day <= analysis_day)
                o = int((inside[loc] & inwin).sum())
                e = cz[inside].sum() * inwin.sum() / total
                v = 0.0
                if (o > e and s.rates in ("high", "both") and o >= s.min_cases) or (
                        o < e and s.rates in ("low", "both")):
                    v = (o * math.log(o / e) if o else 0.0) + (
                        (total - o) * math.log((total - o) / (total - e))
                        if total > o else 0.0)
                # equal statistics: the smaller circle, then the first centre
                if v > best[0] + 1e-12 or (
                        v > 0 and abs(v - best[0]) <= 1e-12 and radius < best[1][1]):
                    best = (v, (c, radius, lo, o, e))
    return best


def _tiny(seed):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 1500, (12, 2)).round(-1)  # rounding makes some ties
    xy[5] = xy[4]                                  # two at the same spot
    loc = rng.integers(0, 12, 70)
    day = rng.integers(0, 15, 70)
    return xy, loc, day


@pytest.mark.parametrize("rates", ["high", "low", "both"])
@pytest.mark.parametrize("seed", [3, 4])
def test_matches_brute_force(rates, seed):
    xy, loc, day = _tiny(seed)
    s = ScanSettings(max_radius_m=900, max_days=6, min_days=2, replicates=5,
                     rates=rates, seed=seed)
    r = space_time_permutation_scan(xy, loc, day, 14, s)
    v, (c, radius, lo, o, e) = _brute_max(xy, loc, day, 14, s)
    top = r.clusters[0]
    assert top.llr == pytest.approx(v, rel=1e-12)
    assert (top.observed, top.start_day) == (o, lo)
    assert top.expected == pytest.approx(e)
    assert top.radius_m == pytest.approx(radius)
    assert top.rate == ("high" if o > e else "low")
    # replicates: the documented permutation of replicate i, by brute force
    ss = np.random.SeedSequence(seed).spawn(s.replicates)
    for i in range(s.replicates):
        perm = np.random.default_rng(ss[i]).permutation(len(loc))
        want, _ = _brute_max(xy, loc, day[perm], 14, s)
        assert r.replicate_max[i] == pytest.approx(want, rel=1e-12, abs=1e-12)


def test_secondary_clusters_share_no_location():
    xy, loc, day = _tiny(7)
    r = space_time_permutation_scan(xy, loc, day, 14, ScanSettings(
        max_radius_m=600, max_days=6, replicates=19, rates="both"))
    seen: set[int] = set()
    assert len(r.clusters) >= 2
    for k, c in enumerate(r.clusters, start=1):
        assert c.rank == k
        assert not seen & set(c.members.tolist())
        seen |= set(c.members.tolist())
    llrs = [c.llr for c in r.clusters]
    assert llrs == sorted(llrs, reverse=True)
    ps = [c.p_value for c in r.clusters]
    assert ps == sorted(ps)


# ------------------------------------------------------- simulated truth


def _city(rng, n_loc=40):
    return rng.uniform(0, 4000, (n_loc, 2))


def _null(rng, xy, n_cases=400, days=56, planted=0):
    w = rng.gamma(2.0, 1.0, len(xy))
    w[:planted] = 2.0  # the planted locations get the mean weight
    loc = rng.choice(len(xy), n_cases, p=w / w.sum())
    t = rng.gamma(5.0, 1.0, days)
    day = rng.choice(days, n_cases, p=t / t.sum())
    return loc, day


@pytest.mark.slow
def test_null_calibration():
    """No space-time interaction: P(p ≤ 0.05) of the most likely ≈ 5 %."""
    hits, n = 0, 200
    for k in range(n):
        rng = np.random.default_rng(1000 + k)
        xy = _city(rng)
        loc, day = _null(rng, xy)
        r = space_time_permutation_scan(xy, loc, day, 55, ScanSettings(
            max_days=14, replicates=99, seed=k))
        hits += bool(r.clusters) and r.clusters[0].p_value <= 0.05
    rate = hits / n
    print(f"null false-alarm rate P(p<=0.05) = {rate:.3f} over {n} data sets")
    sd = math.sqrt(0.05 * 0.95 / n)
    assert abs(rate - 0.05) <= 3 * sd


@pytest.mark.slow
@pytest.mark.parametrize("rates", ["high", "low"])
def test_planted_cluster_found(rates):
    """3x rate (high) or silence (low) in a 500 m circle in the last week."""
    found, n = 0, 20
    for k in range(n):
        rng = np.random.default_rng(5000 + k)
        xy = _city(rng, 60)
        centre = np.array([2000.0, 2000.0])
        # four locations within 300 m of the centre, so that the circle has
        # a base rate to be tripled (or silenced): ~1/15 of all signals
        xy[:4] = centre + rng.uniform(-200, 200, (4, 2))
        near = np.flatnonzero(np.hypot(*(xy - centre).T) <= 500)
        loc, day = _null(rng, xy, n_cases=1500, planted=4)
        recent = day >= 49
        at = np.isin(loc, near)
        if rates == "high":
            extra = rng.poisson(2 * (at & recent).sum())
            loc = np.concatenate([loc, rng.choice(near, extra)])
            day = np.concatenate([day, rng.integers(49, 56, extra)])
        else:
            # going quiet: the circle gets its usual share of cases, but none
            # of them in the last week (those are moved elsewhere)
            keep = ~(at & recent)
            elsewhere = rng.choice(np.setdiff1d(np.arange(len(xy)), near),
                                   int((~keep).sum()))
            loc = np.concatenate([loc[keep], elsewhere])
            day = np.concatenate([day[keep], day[~keep]])
        r = space_time_permutation_scan(xy, loc, day, 55, ScanSettings(
            max_days=14, replicates=99, seed=k, rates=rates,
            max_radius_m=800))
        top = r.clusters[0]
        ok = top.p_value < 0.05 and bool(set(top.members) & set(near.tolist()))
        ok = ok and top.rate == rates
        found += ok
    print(f"planted {rates} found with p<0.05 in {found}/{n} runs")
    assert found >= 0.8 * n


# ------------------------------------------------------------- early stop


def _planted_or_null(k: int):
    """Data set ``k``: every third has a 3x rate in the last week around
    (2000, 2000), the rest none."""
    rng = np.random.default_rng(7000 + k)
    xy = _city(rng, 60)
    loc, day = _null(rng, xy, n_cases=1200)
    if k % 3 == 0:
        near = np.flatnonzero(np.hypot(*(xy - 2000.0).T) <= 500)
        extra = rng.poisson(2 * (np.isin(loc, near) & (day >= 49)).sum())
        loc = np.concatenate([loc, rng.choice(near, extra)])
        day = np.concatenate([day, rng.integers(49, 56, extra)])
    return xy, loc, day


def test_early_stop_keeps_every_significant_cluster():
    """Against the full Monte Carlo on 30 data sets (10 with a planted
    cluster): the replicates run are the full run's first ones, ended at a
    batch, and the clusters with p ≤ 0.05 are exactly the full run's, with
    the same p-values; without a cluster most runs stop early."""
    from veerkracht.analytics.warning.scan import early_stop_for

    reps = 199
    h = early_stop_for(0.05, reps)
    assert h == 10
    used, stopped = [], 0
    for k in range(30):
        xy, loc, day = _planted_or_null(k)
        full = space_time_permutation_scan(xy, loc, day, 55, ScanSettings(
            max_days=14, replicates=reps, seed=k, max_radius_m=800))
        early = space_time_permutation_scan(xy, loc, day, 55, ScanSettings(
            max_days=14, replicates=reps, seed=k, max_radius_m=800, early_stop=h))
        n = len(early.replicate_max)
        assert n == reps or n % 50 == 0
        np.testing.assert_array_equal(early.replicate_max, full.replicate_max[:n])

        def alerts(r):
            return [(c.center, c.start_day, c.llr, c.p_value, c.members.tolist())
                    for c in r.clusters if c.p_value <= 0.05]

        assert alerts(early) == alerts(full)
        if n < reps:
            stopped += 1
            # stopped: no cluster could reach 0.05, in either run
            assert all(c.p_value > 0.05 for c in full.clusters)
        if k % 3:
            used.append(n)
    print(f"early stop: {stopped}/30 runs stopped early; replicates run without "
          f"a planted cluster: mean {np.mean(used):.0f} of {reps}")
    assert stopped >= 10 and np.mean(used) < reps / 2


def test_stop_point_counts_in_seed_order_at_batch_ends():
    from veerkracht.analytics.warning.scan import stop_point

    rep = np.zeros(180)
    rep[[3, 60, 61]] = 5.0
    assert stop_point(rep, 5.0, 0) == 180          # off
    assert stop_point(rep, 5.0, 1) == 50           # the first batch has one
    assert stop_point(rep, 5.0, 3) == 100          # the third comes at 61
    assert stop_point(rep, 5.0, 4) == 180          # never: all of them
    assert stop_point(rep, 0.0, 50) == 50          # no cluster: everything reaches 0


def test_early_stop_is_the_same_partitioned():
    from veerkracht.analytics.warning.partition import partitioned_scan

    for k in (1, 3):
        xy, loc, day = _planted_or_null(k)
        s = ScanSettings(max_days=14, replicates=199, seed=k, max_radius_m=800,
                         early_stop=10)
        single = space_time_permutation_scan(xy, loc, day, 55, s)
        parts = partitioned_scan(xy, loc, day, 55, s,
                                 groups=(xy[:, 0] > 2000).astype(int))
        _same(single, parts)
    assert len(single.replicate_max) < 199 or k == 3


# ------------------------------------------------------------- schedulers


def _medium():
    rng = np.random.default_rng(11)
    xy = _city(rng, 80)
    loc, day = _null(rng, xy, n_cases=800)
    return xy, loc, day


def _same(a, b):
    np.testing.assert_array_equal(a.replicate_max, b.replicate_max)
    assert len(a.clusters) == len(b.clusters)
    for x, y in zip(a.clusters, b.clusters, strict=True):
        assert (x.center, x.start_day, x.observed, x.llr, x.p_value) == (
            y.center, y.start_day, y.observed, y.llr, y.p_value)
        np.testing.assert_array_equal(x.members, y.members)


def test_seeded_and_progress():
    xy, loc, day = _medium()
    ticks = []
    s = ScanSettings(replicates=120, seed=5, max_days=14)
    a = space_time_permutation_scan(
        xy, loc, day, 55, s, progress=lambda n, description=None: ticks.append(n))
    b = space_time_permutation_scan(xy, loc, day, 55, s)
    _same(a, b)
    assert sum(ticks) == 120 and len(ticks) > 1
    c = space_time_permutation_scan(xy, loc, day, 55, ScanSettings(
        replicates=120, seed=6, max_days=14))
    assert not np.array_equal(a.replicate_max, c.replicate_max)
    # the first replicates do not depend on how many there are
    d = space_time_permutation_scan(xy, loc, day, 55, ScanSettings(
        replicates=30, seed=5, max_days=14))
    np.testing.assert_array_equal(d.replicate_max, a.replicate_max[:30])


@pytest.mark.slow
def test_dask_distributed_same_result():
    distributed = pytest.importorskip("dask.distributed")
    xy, loc, day = _medium()
    s = ScanSettings(replicates=99, seed=3, max_days=14)
    local = space_time_permutation_scan(xy, loc, day, 55, s)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1,
                                  processes=False, dashboard_address=None) as lc, \
            distributed.Client(lc) as client:
        remote = space_time_permutation_scan(xy, loc, day, 55, s, scheduler=client)
        by_address = space_time_permutation_scan(
            xy, loc, day, 55, s, scheduler=f"distributed {lc.scheduler_address}")
    _same(local, remote)
    _same(local, by_address)


def test_scheduler_none_runs_here_like_local():
    """``--scheduler none`` means this process, as for compute (jobs.cluster)."""
    xy, loc, day = _medium()
    s = ScanSettings(replicates=9, seed=3, max_days=14)
    _same(space_time_permutation_scan(xy, loc, day, 55, s, scheduler="local"),
          space_time_permutation_scan(xy, loc, day, 55, s, scheduler="none"))


@pytest.mark.slow
def test_process_pool_same_result():
    xy, loc, day = _medium()
    s = ScanSettings(replicates=40, seed=3, max_days=14)
    _same(space_time_permutation_scan(xy, loc, day, 55, s),
          space_time_permutation_scan(xy, loc, day, 55, s, scheduler="processes"))
    # the early stop keeps the same replicates wherever they ran
    s = ScanSettings(replicates=199, seed=3, max_days=14, early_stop=10)
    _same(space_time_permutation_scan(xy, loc, day, 55, s),
          space_time_permutation_scan(xy, loc, day, 55, s, scheduler="processes"))


# ------------------------------------------------------------- bad input


@pytest.mark.parametrize(("args", "message"), [
    (([[0, 0], [1, 1]], [0, 1, 1], [0, 1]), "even lang"),
    (([[0, 0], [1, 1]], [0, 1], [0, -1]), "negatief"),
    (([[0, 0], [1, 1]], [], []), "geen meldingen"),
    ((np.zeros((0, 2)), [0], [0]), "niet-lege"),
    (([[0, 0], [1, 1]], [0, 2], [0, 1]), "niet in xy"),
    (([[0, 0], [1, 1]], [0.5, 1], [0, 1]), "gehele getallen"),
    (([[0, 0], [1, 1]], [0, 1], [5, 6]), "geen meldingen in de onderzoeksperiode"),
])
def test_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        space_time_permutation_scan(*args, analysis_day=3 if message.startswith(
            "geen meldingen in") else 4)


def test_bad_settings():
    with pytest.raises(ValueError, match="rates"):
        space_time_permutation_scan([[0, 0]], [0], [0], 0, ScanSettings(rates="up"))
    with pytest.raises(ValueError, match="min_days"):
        space_time_permutation_scan([[0, 0]], [0], [0], 0, ScanSettings(
            min_days=5, max_days=2))
    with pytest.raises(ValueError, match="scheduler"):
        space_time_permutation_scan([[0, 0], [9, 9]], [0, 1], [0, 1], 1,
                                    ScanSettings(replicates=2), scheduler="cloud")
