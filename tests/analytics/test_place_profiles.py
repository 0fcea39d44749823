"""Profiles per place: one search, means per level, and their disclosure rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from veerkracht.analytics.disclosure import MIN_COUNT, protect_profiles
from veerkracht.analytics.multiscale import (
    aggregate_profile,
    knn_shares,
    place_profiles,
)


def test_place_profiles_are_the_member_means_of_the_dwelling_shares():
    rng = np.random.default_rng(12345)
    xy = rng.uniform(0, 500, size=(400, 2))
    need = (rng.random(400) < 0.3).astype(float)
    streets = np.array([f"S{i % 7}" for i in range(400)], dtype=object)
    blocks = np.array([f"K{i % 31}" if i % 5 else None for i in range(400)],
                      dtype=object)
    ks = (10, 25, 100)
    got = place_profiles(xy, need, {"street": streets, "block": blocks}, ks=ks)
    dwelling = knn_shares(xy, need, ks=ks).share()
    for level, ids in (("street", streets), ("block", blocks)):
        for j, k in enumerate(ks):
            frame = pd.DataFrame({"id": ids, "s": dwelling[:, j]}).dropna()
            want = frame.groupby("id")["s"].mean()
            sub = got[(got["level"] == level) & (got["k"] == k)].set_index("place_id")
            pd.testing.assert_series_equal(sub["share"].sort_index(),
                                           want.rename("share").sort_index(),
                                           check_names=False, rtol=1e-12)
    # dwellings without a block are in no block profile
    counts = got[(got["level"] == "block") & (got["k"] == 10)]["n_members"].sum()
    assert counts == sum(b is not None for b in blocks)
    agg = aggregate_profile(knn_shares(xy, need, ks=ks), streets)
    assert agg["n_dwellings"].sum() == 400
    assert got.groupby(["level", "place_id"]).size().eq(len(ks)).all()


@settings(max_examples=200, deadline=None)
@given(
    k=st.sampled_from([10, 25, 50, 100, 200, 400, 800, 1600]),
    share=st.floats(0, 1),
    members=st.integers(1, 500),
)
def test_a_shown_profile_share_always_has_ten_with_and_ten_without(k, share, members):
    out = protect_profiles(pd.DataFrame({"k": [k], "share": [share],
                                         "n_members": [members]}))
    row = out.iloc[0]
    if not row["suppressed"]:
        assert members >= MIN_COUNT
        assert share * k >= MIN_COUNT and (1 - share) * k >= MIN_COUNT
        assert row["share"] == round(share, 2)
    else:
        assert np.isnan(row["share"])


def test_k10_is_never_shown_and_small_places_show_no_profile():
    frame = pd.DataFrame({"k": [10, 100, 100], "share": [0.5, 0.5, 0.5],
                          "n_members": [1000, 9, 10]})
    assert protect_profiles(frame)["suppressed"].tolist() == [True, True, False]
