"""compute stores multiscalar profiles beside the results, in one transaction."""

from __future__ import annotations

import pytest

from veerkracht.jobs.compute import ComputeError, profiles_for_export, run_compute
from veerkracht.jobs.demo import build_demo
from veerkracht.store import open_workspace


@pytest.fixture(scope="module")
def demo_ws(tmp_path_factory):
    ws = open_workspace(tmp_path_factory.mktemp("demo") / "ws")
    build_demo(ws, seed=3, n_dwellings=1500, years=1)
    return ws


def test_profiles_cover_every_level_for_the_latest_period(demo_ws):
    prof = demo_ws.read("profiles")
    results = demo_ws.read("results")
    latest = max(results["period"].astype(str))
    assert set(prof["period"].astype(str)) == {latest}
    assert set(prof["level"].astype(str)) == {"entrance", "building", "block",
                                              "street", "buurt", "wijk", "gemeente"}
    assert prof["share"].between(0, 1).all()
    ops = demo_ws.operations()
    compute_op = [o for o in ops if o.action == "compute"][-1]
    assert {"results", "profiles"} <= set(compute_op.tables)


def test_rerun_replaces_only_the_same_period_and_version(demo_ws):
    before = demo_ws.read("profiles")
    run_compute(demo_ws)
    after = demo_ws.read("profiles")
    assert len(after) == len(before)
    run_compute(demo_ws, profiles=False)
    assert len(demo_ws.read("profiles")) == len(before)


def test_export_hides_unsafe_scales(demo_ws):
    out = profiles_for_export(demo_ws, "buurt")
    shown = out[~out["suppressed"]]
    assert len(shown) > 0
    assert ((shown["share"] * shown["k"]) >= 10).all()
    assert ((1 - shown["share"]) * shown["k"] >= 10).all()
    assert out.loc[out["k"] == 10, "suppressed"].all()
    with pytest.raises(ComputeError, match="onbekend niveau"):
        profiles_for_export(demo_ws, "woning")
