"""Jobs split by gemeente on a Dask LocalCluster give the single run's tables.

A small synthetic city whose three wijken are made three gemeenten; every
table (alerts, scan arrays) of the partitioned run, in this process and on
a two-worker LocalCluster, is compared exactly with the single run.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from veerkracht.analytics.multiscale import (
    knn_shares,
    knn_shares_at,
    partitioned_place_profiles,
    place_profiles,
)
from veerkracht.analytics.warning.alerts import ALERT_COLUMNS
from veerkracht.analytics.warning.scan import ScanSettings, space_time_permutation_scan
from veerkracht.jobs.demo import build_demo
from veerkracht.jobs.places import run_places
from veerkracht.jobs.publish import compute_profiles
from veerkracht.jobs.warn import (
    LEVEL_COLUMNS,
    WarnSettings,
    _scan_partitioned,
    location_gemeenten,
    read_city,
    run_warn,
)
from veerkracht.store import open_workspace
from veerkracht.store.files import FileWorkspace
from veerkracht.synth import generate_city
from veerkracht.synth.params import CityParams

distributed = pytest.importorskip("dask.distributed")


def _three_gemeenten_ws(path, n_dwellings=2500, seed=3):
    # without the planted interventions: their thinned signals leave this
    # small city without the alert the comparisons below need
    city = generate_city(seed=seed, n_dwellings=n_dwellings, years=2,
                         params=CityParams(interventions=False))
    ws = FileWorkspace(path)
    with ws.transaction("demo", source="test") as tx:
        for name, frame in city.tables().items():
            tx.put(name, frame)
    run_places(ws)
    dw = ws.read("dwellings")
    # three synthetic gemeenten: one per wijk of the demo city
    dw[LEVEL_COLUMNS["gemeente"]] = ("GM" + dw[LEVEL_COLUMNS["wijk"]].astype("str")
                                     .str[-4:])
    with ws.transaction("test", source="three gemeenten") as tx:
        tx.put("dwellings", dw)
    return ws, city


@pytest.fixture(scope="module")
def city3(tmp_path_factory):
    return _three_gemeenten_ws(tmp_path_factory.mktemp("dask") / "ws")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1,
                                  processes=False, dashboard_address=None) as lc:
        yield lc


FAST = WarnSettings(scan=ScanSettings(replicates=99, max_radius_m=400.0))


def _alerts(ws, as_of):
    a = ws.read("alerts")
    cols = [c for c in ALERT_COLUMNS if c != "run_at"]
    return (a.loc[a["as_of"] == as_of.isoformat(), cols]
            .sort_values("alert_id").reset_index(drop=True))


def test_city_has_three_gemeenten(city3):
    ws, _ = city3
    g = location_gemeenten(read_city(ws))
    assert len(np.unique(g)) == 3


@pytest.mark.slow
def test_scan_on_local_cluster_equals_single_run(city3, cluster):
    ws, city = city3
    c = read_city(ws)
    groups = location_gemeenten(c)
    sig = c.signals
    as_of = city.planted.cluster_start + timedelta(days=42)
    origin = as_of - timedelta(days=FAST.study_days - 1)
    use = ((sig["day"] >= origin) & (sig["day"] <= as_of)).to_numpy()
    day = np.array([(d - origin).days for d in sig["day"]], dtype=np.int64)[use]
    loc = sig["loc"].to_numpy()[use]
    for rates in ("high", "low"):
        s = ScanSettings(replicates=29, max_radius_m=400.0, rates=rates)
        one = space_time_permutation_scan(c.loc_xy, loc, day, FAST.study_days - 1, s)
        with distributed.Client(cluster) as client:
            on_client = _scan_partitioned(c.loc_xy, loc, day, FAST.study_days - 1,
                                          s, groups, client, None)
        by_address = _scan_partitioned(c.loc_xy, loc, day, FAST.study_days - 1, s,
                                       groups, cluster.scheduler_address, None)
        here = _scan_partitioned(c.loc_xy, loc, day, FAST.study_days - 1, s,
                                 groups, None, None)
        assert len(one.clusters) > 0
        for other in (on_client, by_address, here):
            np.testing.assert_array_equal(one.replicate_max, other.replicate_max)
            assert len(one.clusters) == len(other.clusters)
            for x, y in zip(one.clusters, other.clusters, strict=True):
                assert (x.center, x.radius_m, x.start_day, x.observed, x.expected,
                        x.llr, x.p_value, x.rate) == (
                    y.center, y.radius_m, y.start_day, y.observed, y.expected,
                    y.llr, y.p_value, y.rate)
                np.testing.assert_array_equal(x.members, y.members)


@pytest.mark.slow
def test_warn_alerts_on_local_cluster_equal_single_run(city3, cluster):
    ws, city = city3
    as_of = city.planted.cluster_start + timedelta(days=56)
    s1 = run_warn(ws, as_of=as_of, settings=FAST)
    single = _alerts(ws, as_of)
    s2 = run_warn(ws, as_of=as_of, settings=FAST, scheduler=cluster.scheduler_address)
    on_dask = _alerts(ws, as_of)
    s3 = run_warn(ws, as_of=as_of, settings=FAST, partition="gemeente")
    here = _alerts(ws, as_of)
    assert (s1["partition"], s2["partition"], s3["partition"]) == (
        "none", "gemeente", "gemeente")
    assert len(single) > 0
    assert single.equals(on_dask)
    assert single.equals(here)
    assert s1["scans"] == s2["scans"] == s3["scans"]


# --------------------------------------------------------------- profiles

#: Shares of a partitioned search may differ from the single run's in the
#: last bits (the order of the sums, see partitioned_place_profiles); the
#: neighbourhoods themselves are the same, so the difference stays at
#: rounding level.
TOL = 1e-12


def _profile_city(rng, n=4000):
    # a dense town on a 5 m lattice (many ties and coinciding dwellings) and
    # a sparse countryside gemeente beside it, plus a tiny gemeente of fewer
    # dwellings than the largest k
    town = np.round(rng.uniform(0, 1500, (n, 2)) / 5) * 5
    rural = np.column_stack([rng.uniform(1500, 6000, n // 8),
                             rng.uniform(0, 1500, n // 8)])
    tiny = rng.uniform(0, 30, (40, 2)) + [1480.0, 700.0]
    xy = np.vstack([town, rural, tiny])
    g = np.array(["GM0001"] * len(town) + ["GM0002"] * len(rural) + ["GM0003"] * 40)
    g[:len(town)][town[:, 0] >= 750] = "GM0004"
    need = rng.uniform(0, 1, len(xy)).round(2)
    return xy, need, g


def _compare_profiles(a, b):
    key = ["level", "place_id", "k"]
    a = a.sort_values(key).reset_index(drop=True)
    b = b.sort_values(key).reset_index(drop=True)
    assert list(a.columns) == list(b.columns)
    for c in a.columns:
        if c == "share":
            np.testing.assert_allclose(a[c].to_numpy(), b[c].to_numpy(), rtol=0,
                                       atol=TOL)
        else:
            assert a[c].equals(b[c]), c
    return float(np.abs(a["share"] - b["share"]).max())


def test_partitioned_profiles_equal_the_single_run_per_dwelling():
    rng = np.random.default_rng(4)
    xy, need, g = _profile_city(rng)
    ks = (10, 50, 200, 400)
    places = {"entrance": np.arange(len(xy)).astype(str),   # one per dwelling
              "gemeente": g}
    detail = {}
    one = place_profiles(xy, need, places, ks=ks)
    parts = partitioned_place_profiles(xy, need, places, g, ks=ks, detail=detail)
    diff = _compare_profiles(one, parts)
    assert diff <= TOL
    by = {lb: (own, halo, r) for lb, own, halo, r in detail["parts"]}
    # the tiny gemeente has fewer dwellings than k = 400: it sees every point
    assert by["GM0003"][2] == np.inf and by["GM0003"][1] == len(xy) - 40
    # the town's halves see only a halo around their border; the sparse
    # countryside's own 400th neighbours lie far away, so its bound takes in
    # the whole town (exact, not minimal)
    for lb in ("GM0001", "GM0004"):
        assert 0 < by[lb][1] < len(xy) - by[lb][0]
    assert by["GM0002"][1] == len(xy) - by["GM0002"][0]


def test_a_halo_too_small_would_show():
    """The comparison can fail: without a halo the border dwellings differ."""
    rng = np.random.default_rng(4)
    xy, need, g = _profile_city(rng)
    own = g == "GM0001"
    kr = np.array([10.0, 200.0])
    alone = knn_shares_at(xy[own], need[own], xy[own], kr)
    whole = knn_shares(xy, need, ks=(10, 200)).shares[own]
    assert np.abs(alone - whole).max() > 0.01
    # with every point as data the query-only search is the single run's
    every = knn_shares_at(xy, need, xy[own], kr)
    np.testing.assert_allclose(every, whole, rtol=0, atol=TOL)


@pytest.fixture(scope="module")
def demo3(tmp_path_factory):
    ws = open_workspace(tmp_path_factory.mktemp("demo3") / "ws")
    build_demo(ws, seed=3, n_dwellings=1500, years=1)
    dw = pd.DataFrame(ws.read("dwellings").drop(columns="geometry"))
    pts = ws.read("dwellings").geometry
    dw["x"], dw["y"] = pts.x.to_numpy(), pts.y.to_numpy()
    # three synthetic gemeenten by x coordinate
    cut = np.quantile(dw["x"], [1 / 3, 2 / 3])
    dw[LEVEL_COLUMNS["gemeente"]] = np.array(["GM0001", "GM0002", "GM0003"])[
        np.searchsorted(cut, dw["x"].to_numpy())]
    stats = ws.read("protected_statistics")
    period = max(stats["period"].astype(str))
    stats = stats[stats["period"].astype(str) == period]
    # the gemeente statistics of the demo's single gemeente no longer apply
    stats = stats[stats["level"].astype(str) != "gemeente"]
    return dw, stats, period


@pytest.mark.slow
def test_compute_profiles_on_local_cluster_equal_single_run(demo3, cluster):
    dw, stats, period = demo3
    one = compute_profiles(dw, stats, period)
    here = compute_profiles(dw, stats, period, partition="gemeente")
    on_address = compute_profiles(dw, stats, period,
                                  scheduler=cluster.scheduler_address)
    with distributed.Client(cluster) as client:
        on_client = compute_profiles(dw, stats, period, scheduler=client)
    assert one is not None and len(one) > 100
    for other in (here, on_address, on_client):
        assert _compare_profiles(one, other) <= TOL


# --------------------------------------------------------------- the commands


@pytest.mark.slow
def test_cli_warn_on_the_cluster_equals_the_single_run(city3, cluster):
    from typer.testing import CliRunner

    from veerkracht.cli.main import app

    runner = CliRunner()
    ws, city = city3
    d = city.planted.cluster_start + timedelta(days=56)
    base = ["-w", str(ws.location), "warn", "run", "--as-of", d.isoformat(),
            "--replicates", "99", "--max-radius", "400"]
    r = runner.invoke(app, base)
    assert r.exit_code == 0, r.output
    single = _alerts(ws, d)
    r = runner.invoke(app, [*base, "--scheduler", cluster.scheduler_address])
    assert r.exit_code == 0, r.output
    assert single.equals(_alerts(ws, d)) and len(single) > 0
    r = runner.invoke(app, [*base, "--partition", "elders"])
    assert r.exit_code != 0 and "verdeling" in (r.output + str(r.exception))


@pytest.mark.slow
def test_run_compute_sends_the_profiles_to_the_cluster(tmp_path, cluster):
    from veerkracht.jobs.compute import run_compute

    ws = open_workspace(tmp_path / "ws")
    build_demo(ws, seed=3, n_dwellings=1500, years=1)   # computes once, here
    before = ws.read("profiles")
    run_compute(ws, period=str(before["period"].iloc[0]),
                scheduler=cluster.scheduler_address)
    after = ws.read("profiles")
    assert len(before) > 100
    assert _compare_profiles(before, after) <= TOL


def test_the_grid_bound_is_never_below_the_exact_kth_distance():
    from scipy.spatial import cKDTree

    from veerkracht.analytics.multiscale import kth_radius_bound

    rng = np.random.default_rng(12)
    for trial in range(20):
        n = int(rng.integers(50, 3000))
        parts = [rng.normal(rng.uniform(0, 5000, 2), rng.uniform(1, 300),
                            (n // 3, 2)),
                 rng.uniform(0, rng.uniform(10, 8000), (n // 3, 2)),
                 np.repeat(rng.uniform(0, 5000, (1, 2)), n // 3, axis=0)]
        xy = np.round(np.vstack(parts), int(rng.integers(0, 3)))
        k = int(rng.integers(1, len(xy) + 1))
        exact = cKDTree(xy).query(xy, k=[k])[0].max()
        assert kth_radius_bound(xy, k) >= exact, (trial, k)
    assert kth_radius_bound(np.zeros((3, 2)), 4) == np.inf
