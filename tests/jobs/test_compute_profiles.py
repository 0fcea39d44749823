"""compute stores multiscalar profiles beside the results, in one transaction,
computed from the period's protected place statistics (ADR 0006)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from veerkracht.analytics.publication import PublicationRules
from veerkracht.jobs.compute import run_compute
from veerkracht.jobs.demo import build_demo
from veerkracht.jobs.publish import (
    PublishError,
    compute_profiles,
    published_profiles,
    set_rules,
)
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


def test_profiles_are_post_processing_of_the_protected_statistics(demo_ws):
    """Recomputed from the stored protected draw alone, the profiles are the same."""
    prof = demo_ws.read("profiles")
    period = str(prof["period"].iloc[0])
    ledger = demo_ws.read("privacy_ledger")
    assert period in set(ledger["period"].astype(str))
    stats = demo_ws.read("protected_statistics")
    stats = stats[stats["period"].astype(str) == period]
    dw = pd.DataFrame(demo_ws.read("dwellings").drop(columns="geometry"))
    pts = demo_ws.read("dwellings").geometry
    dw["x"], dw["y"] = pts.x.to_numpy(), pts.y.to_numpy()
    again = compute_profiles(dw, stats, period)
    key = ["level", "place_id", "k"]
    a = prof.assign(level=prof["level"].astype(str)).sort_values(key)
    b = again.sort_values(key)
    assert len(a) == len(b)
    np.testing.assert_allclose(a["share"].to_numpy(), b["share"].to_numpy(),
                               rtol=1e-9)
    # a place's households in the profile are its protected (noisy) count
    assert prof["n_households"].dropna().ne(
        prof["n_households"].dropna().round()).sum() == 0


def test_rerun_replaces_only_the_same_period_and_version(demo_ws):
    before = demo_ws.read("profiles")
    run_compute(demo_ws)
    after = demo_ws.read("profiles")
    assert len(after) == len(before)
    run_compute(demo_ws, profiles=False)
    assert len(demo_ws.read("profiles")) == len(before)


def test_published_profiles_hide_unsafe_scales(demo_ws):
    out = published_profiles(demo_ws, "buurt")
    shown = out[~out["suppressed"]]
    assert len(shown) > 0
    assert ((shown["share"] * shown["k"]) >= 10).all()
    assert ((1 - shown["share"]) * shown["k"] >= 10).all()
    assert np.allclose(shown["share"], shown["share"].round(3))
    assert out.loc[out["k"] == 10, "suppressed"].all()
    with pytest.raises(PublishError, match="onbekend niveau"):
        published_profiles(demo_ws, "woning")


def test_no_profile_for_a_place_that_is_no_place(demo_ws):
    dw = demo_ws.read("dwellings", columns=["entrance_id"])
    sizes = dw["entrance_id"].astype(str).value_counts()
    small = set(sizes.index[sizes < 5])
    assert small  # the demo has small entrances
    # not stored (never published, so not computed into the table) ...
    prof = demo_ws.read("profiles")
    stored = prof.loc[prof["level"].astype(str) == "entrance", "place_id"]
    assert len(stored) and not small & set(stored.astype(str))
    assert (prof["n_members"] >= 5).all()
    # ... and not published
    out = published_profiles(demo_ws, "entrance")
    assert len(out) and not small & set(out["place_id"])


def test_raising_the_threshold_hides_more(demo_ws, tmp_path):
    before = published_profiles(demo_ws, "block")
    set_rules(demo_ws, PublicationRules(min_count=40), "privacy_officer")
    try:
        after = published_profiles(demo_ws, "block")
        assert after["suppressed"].sum() > before["suppressed"].sum()
    finally:
        set_rules(demo_ws, PublicationRules(), "privacy_officer")
