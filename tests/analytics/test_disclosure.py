"""The publication door's rules (ADR 0006): fixed cases and properties.

Differential privacy on the statistics protects against differencing and
linear attacks; these tests check the CBS-style rules on top and that no
address is a place: thresholds that cannot be lowered, nothing below the band
threshold, bands only for assigned professionals from an approved model,
the CBS rule on protected counts, rounding and no full precision.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veerkracht.analytics.publication import (
    BAND_FLOOR,
    EXPORT_COLUMNS,
    MIN_COUNT,
    PublicationConfigError,
    PublicationRules,
    class_counts,
    place_visibility,
    primary_safe,
    publish_places,
    publish_profiles,
    publish_signal_counts,
    round_counts,
)

CLASSES = ("in balans", "kwetsbaar evenwicht", "onder druk")


def _results(n_dwellings, n_households, **extra) -> pd.DataFrame:
    n = len(n_dwellings)
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({
        "level": "block", "place_id": [f"K{i}" for i in range(n)],
        "period": "2025", "model_name": "m", "model_version": "2.0",
        "model_hash": "abc", "n_dwellings": n_dwellings,
        "n_households": np.asarray(n_households, dtype="float64"),
        "pressure": rng.random(n), "pressure_lo": 0.0, "pressure_hi": 1.0,
        "resilience": rng.random(n), "balance": rng.uniform(-1, 1, n),
        "balance_sd": 0.1, "balance_class": pd.array(
            [CLASSES[i % 3] for i in range(n)], dtype="str"),
        "class_lo": "in balans", "class_hi": "onder druk",
        "class_band": "in balans – onder druk",
        "p_in_balans": rng.random(n), "p_onder_druk": rng.random(n),
        "statistics": "protected",
    })
    for k, v in extra.items():
        frame[k] = v
    return frame


@pytest.mark.parametrize("kwargs", [{"min_count": 9}, {"min_count": 0},
                                    {"band_min": 4}, {"band_min": 1},
                                    {"band_min": 12}, {"min_count": 10.5},
                                    {"rounding_base": 0}, {"min_count": True}])
def test_thresholds_cannot_be_lowered_or_made_nonsense(kwargs):
    with pytest.raises(PublicationConfigError):
        PublicationRules(**kwargs)


def test_defaults_and_raising():
    r = PublicationRules()
    assert (r.min_count, r.band_min, r.rounding_base) == (MIN_COUNT, BAND_FLOOR, 5)
    assert MIN_COUNT == 10 and BAND_FLOOR == 5
    raised = PublicationRules(min_count=25, band_min=8)
    vis = place_visibility([30, 20, 9, 7], "assigned", raised, model_approved=True)
    assert vis.tolist() == ["public", "band_only", "band_only", "suppressed"]


def test_the_dutch_message_names_the_floor():
    with pytest.raises(PublicationConfigError, match="wettelijke minimum van 10"):
        PublicationRules(min_count=5)
    with pytest.raises(PublicationConfigError, match="ondergrens van 5"):
        PublicationRules(band_min=2)


def test_places_below_band_min_dwellings_are_no_rows_at_all():
    res = _results([1, 4, 5, 30], [1, 4, 5, 30])
    for audience, approved in (("public", False), ("assigned", True)):
        out = publish_places(res, audience=audience, model_approved=approved)
        assert out["place_id"].tolist() == ["K2", "K3"]


def test_suppressed_is_indistinguishable_from_no_households():
    res = _results([8, 8, 8, 8], [0, 3, 4.0, np.nan])
    out = publish_places(res, audience="assigned", model_approved=True)
    assert (out["visibility"] == "suppressed").all()
    # every row is the same apart from its id
    rest = out.drop(columns=["place_id"])
    assert len(rest.astype(str).drop_duplicates()) == 1
    figures = [c for c in out.columns if c not in ("level", "place_id", "period",
                                                   "model_name", "model_version",
                                                   "model_hash", "visibility")]
    assert out[figures].isna().all().all()


def test_results_from_exact_statistics_are_never_published():
    res = _results([40, 40, 40], [40.0, 40, 40])
    res["statistics"] = ["protected", "exact", "protected"]
    out = publish_places(res, audience="assigned", model_approved=True)
    assert out["visibility"].tolist() == ["public", "suppressed", "public"]
    legacy = publish_places(res.drop(columns="statistics"))  # before ADR 0006
    assert (legacy["visibility"] == "suppressed").all()
    assert legacy["balance"].isna().all()


def test_bands_only_for_assigned_with_an_approved_model():
    res = _results([20, 20, 20], [7.0, 12, 9.9])
    assigned = publish_places(res, audience="assigned", model_approved=True)
    assert assigned["visibility"].tolist() == ["band_only", "public", "band_only"]
    band = assigned[assigned["visibility"] == "band_only"]
    assert band["class_band"].notna().all()
    # a band is the band only: no class, no probability, no number, no count
    others = [c for c in band.columns if c not in (
        "level", "place_id", "period", "model_name", "model_version", "model_hash",
        "visibility", "class_band")]
    assert band[others].isna().all().all()
    for audience, approved in (("public", True), ("public", False),
                               ("assigned", False)):
        out = publish_places(res, audience=audience, model_approved=approved)
        assert out["visibility"].tolist() == ["suppressed", "public", "suppressed"]
        assert out.loc[out["visibility"] != "public", "class_band"].isna().all()
    with pytest.raises(PublicationConfigError):
        publish_places(res, audience="administrator")


def test_public_rows_are_rounded_and_never_full_precision():
    res = _results([40, 60], [37.0, 52.4])
    out = publish_places(res)
    assert out["n_households"].tolist() == [35.0, 50.0]
    assert out["n_dwellings"].tolist() == [40.0, 60.0]
    for c in ("pressure", "resilience", "balance", "p_in_balans", "p_onder_druk"):
        v = out[c].to_numpy()
        assert np.allclose(v, np.round(v, 3)) and not np.allclose(
            v, res[c].to_numpy(), atol=1e-12)
    known = [c for c in out.columns if c in EXPORT_COLUMNS]
    assert known == [c for c in EXPORT_COLUMNS if c in known]  # in export order
    assert set(out.columns) - set(EXPORT_COLUMNS) == {"p_in_balans", "p_onder_druk"}
    assert "balance_sd" not in out.columns and "count_x" not in out.columns


def test_shares_need_ten_behind_numerator_denominator_and_complement():
    res = _results([40, 40, 40, 40], [40.0, 40, 40, 15],
                   ind_need=[0.5, 0.2, 0.8, 0.5], count_need=[20.0, 8, 32, 7],
                   ind_context=[1.5, 1.5, 1.5, 1.5])
    out = publish_places(res, indicators=True)
    assert out["ind_need"].isna().tolist() == [False, True, True, True]
    assert out["ind_context"].notna().all()  # not a share: public places show it
    assert "count_need" not in out.columns
    assert publish_places(res).columns.str.startswith("ind_").sum() == 0


def test_the_cbs_rule_itself():
    assert primary_safe([12, 5, 12], [30, 30, 20]).tolist() == [True, False, False]
    assert primary_safe(None, [9, 10, np.nan]).tolist() == [False, True, False]
    assert round_counts([3, 12, 12.5, 17, np.nan]).tolist()[:4] == [5, 10, 15, 15]


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(st.tuples(st.integers(0, 60), st.floats(-5, 80)), min_size=1,
                  max_size=30),
    audience=st.sampled_from(["public", "assigned"]),
    approved=st.booleans(),
    min_count=st.integers(10, 40),
    band_min=st.integers(5, 10),
)
def test_no_output_breaks_the_rules(rows, audience, approved, min_count, band_min):
    rules = PublicationRules(min_count=min_count, band_min=band_min)
    dw = [r[0] for r in rows]
    hh = [r[1] for r in rows]
    res = _results(dw, hh, ind_need=0.4, count_need=np.asarray(hh) * 0.4)
    out = publish_places(res, rules, audience, approved, indicators=True)
    src = res.set_index("place_id")
    assert (src.loc[out["place_id"], "n_dwellings"] >= band_min).all()
    assert len(out) == sum(d >= band_min for d in dw)
    hh_of = src.loc[out["place_id"], "n_households"].to_numpy()
    public = out["visibility"].eq("public").to_numpy()
    band = out["visibility"].eq("band_only").to_numpy()
    assert (hh_of[public] >= min_count).all()
    assert (out.loc[public, "n_households"] % 5 == 0).all()
    if band.any():
        assert audience == "assigned" and approved
        assert ((hh_of[band] >= band_min) & (hh_of[band] < min_count)).all()
    hidden = ~public
    assert out.loc[hidden, ["pressure", "balance", "n_households", "balance_class",
                            "p_in_balans", "ind_need"]].isna().all().all()
    assert out.loc[hidden & ~band, "class_band"].isna().all()
    shown = out["ind_need"].notna().to_numpy()
    num = hh_of[shown] * 0.4
    assert ((num >= min_count) & (hh_of[shown] - num >= min_count)).all()


def test_profiles_follow_the_same_rules():
    p = pd.DataFrame({"place_id": list("abcde"), "k": [10, 100, 100, 100, 100],
                      "share": [0.5, 0.5, 0.05, 0.5, 0.5123456],
                      "n_members": [40, 40, 40, 4, 40],
                      "n_households": [40, 40, 40, 4, 9]})
    out = publish_profiles(p)
    assert out["place_id"].tolist() == ["a", "b", "c", "e"]  # d: no place
    assert out["suppressed"].tolist() == [True, False, True, True]
    assert out["share"].notna().tolist() == [False, True, False, False]
    # raising the threshold works here too: 40 households are no longer enough
    raised = publish_profiles(p.assign(k=1000), PublicationRules(min_count=45))
    assert raised["suppressed"].all()
    assert not publish_profiles(p.assign(k=1000)).set_index("place_id").loc[
        "b", "suppressed"]


def test_signal_counts_only_for_public_places_in_calendar_windows():
    c = pd.DataFrame({
        "place_id": ["a", "a", "a", "b", "c"],
        "window": ["2025-Q1", "2025-Q2", "2025", "2025-Q1", "2025-Q1"],
        "meaning": "attentiveness", "count": [1.0, 23, 12, 40, 40],
        "n_dwellings": [30, 30, 30, 8, 3], "n_households": [28, 28, 28, 7, 3]})
    out = publish_signal_counts(c)
    assert out["place_id"].tolist() == ["a", "a", "a"]
    assert out["count"].tolist()[1:] == [25.0, 10.0]
    assert np.isnan(out["count"].iloc[0]) and out["below_min"].iloc[0]
    with pytest.raises(PublicationConfigError, match="kalenderkwartaal"):
        publish_signal_counts(c.assign(window="2025-03"))
    places = pd.DataFrame({"place_id": ["a", "b"], "visibility": ["suppressed",
                                                                  "public"]})
    got = publish_signal_counts(c, places=places)
    assert got["place_id"].tolist() == ["b"]


def test_a_single_report_never_shows():
    c = pd.DataFrame({"place_id": "a", "window": ["2025-Q1", "2025-Q2"],
                      "meaning": ["attentiveness", "pressure"], "count": [1.0, 0],
                      "n_dwellings": 50, "n_households": 45})
    out = publish_signal_counts(c)
    # both rows exist whether or not a report was made, and neither shows it
    assert len(out) == 2 and out["count"].isna().all()


def test_class_counts_count_public_rows_only():
    res = _results([20, 20, 20, 3], [7.0, 12, 30, 30])
    pub = publish_places(res, audience="assigned", model_approved=True)
    got = class_counts(pub, CLASSES)
    assert sum(got["block"].values()) == 3  # the place of 3 dwellings is absent
    assert got["block"]["niet openbaar"] == 1
