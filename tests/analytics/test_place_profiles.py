"""Profiles per place: one search, means per level, the door's rule, and the
per-dwelling input taken from published places only (ADR 0006)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veerkracht.analytics.multiscale import (
    aggregate_profile,
    knn_shares,
    place_profiles,
    published_place_shares,
)
from veerkracht.analytics.publication import BAND_FLOOR, MIN_COUNT, publish_profiles


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
    households=st.floats(-3, 600),
)
def test_a_shown_profile_share_always_has_ten_with_and_ten_without(
        k, share, members, households):
    out = publish_profiles(pd.DataFrame({"place_id": ["p"], "k": [k],
                                         "share": [share], "n_members": [members],
                                         "n_households": [households]}))
    if members < BAND_FLOOR:
        assert out.empty  # no address is a place
        return
    row = out.iloc[0]
    if not row["suppressed"]:
        assert households >= MIN_COUNT
        # the complement as the door counts it: k minus the share's count
        # ((1 - 0.9) * 100 is 9.999... in floating point; 100 - 90 is 10)
        assert share * k >= MIN_COUNT and k - share * k >= MIN_COUNT
        assert row["share"] == round(share, 3)
    else:
        assert np.isnan(row["share"])


def test_k10_is_never_shown_and_small_places_show_no_profile():
    frame = pd.DataFrame({"place_id": ["a", "b", "c", "d"], "k": [10, 100, 100, 100],
                          "share": [0.5, 0.5, 0.5, 0.5],
                          "n_members": [1000, 9, 10, 4],
                          "n_households": [900, 9, 10, 4]})
    out = publish_profiles(frame)
    assert out["place_id"].tolist() == ["a", "b", "c"]
    assert out["suppressed"].tolist() == [True, True, False]


def test_each_dwelling_takes_the_finest_published_place():
    places = {"entrance": np.array(["e1", "e1", "e2", None, "e3"], dtype=object),
              "block": np.array(["b1", "b1", "b1", "b1", "b2"], dtype=object),
              "buurt": np.array(["u", "u", "u", "u", "u"], dtype=object)}
    shares = {"entrance": pd.Series({"e1": 0.6}),  # e2, e3 not published
              "block": pd.Series({"b1": 0.3}),     # b2 not published
              "buurt": pd.Series({"u": 1.7})}      # clipped to a share
    value, level = published_place_shares(places, shares,
                                          ["entrance", "block", "buurt"])
    assert value.tolist() == [0.6, 0.6, 0.3, 0.3, 1.0]
    assert level.tolist() == [0, 0, 1, 1, 2]
    none, lv = published_place_shares(places, {}, ["entrance"])
    assert np.isnan(none).all() and (lv == -1).all()


def test_profiles_from_place_shares_are_dwelling_weighted_means():
    # two published places of 3 and 1 dwellings at one point: every dwelling's
    # neighbourhood of 4 is the dwelling-weighted mean of the two shares
    xy = np.zeros((4, 2))
    value, _ = published_place_shares(
        {"block": np.array(["a", "a", "a", "b"], dtype=object)},
        {"block": pd.Series({"a": 0.2, "b": 0.6})})
    out = place_profiles(xy, value, {"street": np.array(["s"] * 4, dtype=object)},
                         ks=(4,))
    assert out["share"].iloc[0] == pytest.approx((3 * 0.2 + 0.6) / 4)


def test_min_members_drops_rows_of_small_places_but_keeps_their_dwellings():
    # the 3 dwellings of street "t" get no rows, yet they stay neighbours of
    # the others: every other place's shares are those of the whole table
    rng = np.random.default_rng(7)
    xy = rng.uniform(0, 100, size=(60, 2))
    need = (rng.random(60) < 0.4).astype(float)
    streets = np.array(["t" if i < 3 else f"S{i % 4}" for i in range(60)],
                       dtype=object)
    ks = (5, 20)
    whole = place_profiles(xy, need, {"street": streets}, ks=ks)
    cut = place_profiles(xy, need, {"street": streets}, ks=ks, min_members=5)
    assert "t" in set(whole["place_id"]) and "t" not in set(cut["place_id"])
    assert (cut["n_members"] >= 5).all()
    pd.testing.assert_frame_equal(
        cut.reset_index(drop=True),
        whole[whole["place_id"] != "t"].reset_index(drop=True))
