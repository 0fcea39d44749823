"""Jobs split by gemeente on a Dask LocalCluster give the single run's tables.

A small synthetic city whose three wijken are made three gemeenten; every
table (alerts, scan arrays) of the partitioned run, in this process and on
a two-worker LocalCluster, is compared exactly with the single run.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from veerkracht.analytics.warning.alerts import ALERT_COLUMNS
from veerkracht.analytics.warning.scan import ScanSettings, space_time_permutation_scan
from veerkracht.jobs.places import run_places
from veerkracht.jobs.warn import (
    LEVEL_COLUMNS,
    WarnSettings,
    _scan_partitioned,
    location_gemeenten,
    read_city,
    run_warn,
)
from veerkracht.store.files import FileWorkspace
from veerkracht.synth import generate_city

distributed = pytest.importorskip("dask.distributed")


def _three_gemeenten_ws(path, n_dwellings=2500, seed=3):
    city = generate_city(seed=seed, n_dwellings=n_dwellings, years=2)
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
