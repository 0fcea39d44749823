"""The model computation on small hand-made cities."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from veerkracht.analytics.model.compute import compute_model
from veerkracht.analytics.model.indicators import ModelDataError, ModelInputs
from veerkracht.analytics.model.periods import parse_period
from veerkracht.io.model_file import load_model

SEED = 12345


def make_city(n_blocks=12, entrances_per_block=4, per_entrance=8, seed=SEED,
              hot_block=0):
    """Two buurten of blocks of stairwells; block ``hot_block`` concentrates needs."""
    rng = np.random.default_rng(seed)
    rows = []
    for b in range(n_blocks):
        buurt = "BU00010001" if b < n_blocks // 2 else "BU00010002"
        for e in range(entrances_per_block):
            for d in range(per_entrance):
                rows.append({
                    "address_id": f"A{b:02d}{e}{d:02d}",
                    "entrance_id": f"E{b:02d}{e}",
                    "building_id": f"G{b:02d}",
                    "block_id": f"B{b:02d}",
                    "street_id": f"S{b // 3}",
                    "buurtcode": buurt,
                    "wijkcode": "WK000100",
                    "gemeentecode": "GM0001",
                    "x": 100_000.0 + 120 * b + 10 * e,
                    "y": 450_000.0 + d,
                })
    dw = pd.DataFrame(rows)
    n = len(dw)
    hot = dw["block_id"].eq(f"B{hot_block:02d}").to_numpy()
    p_need = np.where(hot, 0.6, 0.05)
    hh = pd.DataFrame({
        "household_key": [f"H{i}" for i in range(n)],
        "address_id": dw["address_id"],
        "tenure_start": pd.to_datetime("2024-06-01") - pd.to_timedelta(
            np.where(hot, rng.integers(10, 700, n), rng.integers(300, 9000, n)), "D"),
        "tenure_end": pd.NaT,
        "household_type": rng.choice(["single", "couple", "family", "single_parent",
                                      "other"], n),
        "need_care": rng.random(n) < p_need,
        "need_income": rng.random(n) < p_need,
        "need_outflow": rng.random(n) < p_need / 2,
        "need_frail_elderly": rng.random(n) < 0.05,
        "urgency": rng.random(n) < p_need / 2,
        "source": "test", "synthetic": True,
    })
    sig_addr = rng.choice(dw["address_id"][hot], 40)
    signals = pd.DataFrame({
        "signal_id": [f"S{i}" for i in range(45)],
        "reported_at": pd.to_datetime("2024-03-01", utc=True) + pd.to_timedelta(
            rng.integers(0, 270, 45), "D"),
        "category": "noise", "source": "resident",
        "address_id": pd.array([*sig_addr, *[pd.NA] * 5], dtype="str"),
        "x": [np.nan] * 40 + [100_000.0 + 120 * 5] * 5,
        "y": [np.nan] * 40 + [450_000.0] * 5,
    })
    amen = pd.DataFrame({"kind": ["community_centre", "shop", "bench"],
                         "x": [101_300.0, 100_100.0, 100_700.0],
                         "y": [450_000.0] * 3})
    init = pd.DataFrame({"x": [101_200.0], "y": [450_000.0], "size": [5],
                         "started": pd.NaT, "ended": pd.NaT})
    prof = pd.DataFrame({"x": [100_000.0], "y": [450_000.0], "hours_per_week": [16.0],
                         "started": pd.NaT, "ended": pd.NaT})
    links = pd.DataFrame({"space_id": ["s1", "s2"],
                          "address_id": [dw["address_id"][0], dw["address_id"][40]],
                          "condition": [2, 5], "inspected_at": pd.NaT})
    return ModelInputs(dw, hh, signals, amen, init, prof, links)


@pytest.fixture(scope="module")
def spec():
    return load_model()


@pytest.fixture(scope="module")
def result(spec):
    return compute_model(spec, make_city(), parse_period("2024"))


def test_one_row_per_place_and_level(result):
    counts = result.groupby("level").size().to_dict()
    assert counts == {"entrance": 48, "building": 12, "block": 12, "street": 4,
                      "buurt": 2, "wijk": 1, "gemeente": 1}
    assert not result.duplicated(["level", "place_id"]).any()
    assert "household_key" not in result.columns and "address_id" not in result.columns
    assert result.loc[result.level == "entrance", "n_dwellings"].eq(8).all()
    assert result.loc[result.level == "gemeente", "n_households"].item() == 384


def test_provenance_is_recorded(result, spec):
    import json

    assert (result["model_version"] == "2.0").all()
    settings = json.loads(result["estimation"].iloc[0])
    assert settings["draws"] == 200 and settings["kappa_bounds"] == [0.5, 1e5]
    assert set(settings["kappa"]) >= {
        "stacked_needs", "signals", "reporting"}
    assert "fallbacks" in result.columns
    assert (result["model_hash"] == spec.hash).all() and len(spec.hash) == 16
    assert (result["period"] == "2024").all()
    assert (result["period_end"] == pd.Timestamp("2025-01-01")).all()


def test_concentrated_block_is_worse(result):
    blocks = result[result.level == "block"].set_index("place_id")
    assert blocks["pressure"].idxmax() == "B00"
    assert blocks.loc["B00", "balance"] < blocks.drop("B00")["balance"].min()
    order = list(load_model().class_names)
    worst = order.index(blocks.loc["B00", "balance_class"])
    assert worst >= 2  # at least "onder druk"


def test_intervals_contain_estimate_and_widen_for_small_places(result):
    for col in ("pressure", "resilience", "balance"):
        assert (result[f"{col}_lo"] <= result[col] + 1e-12).all()
        assert (result[f"{col}_hi"] >= result[col] - 1e-12).all()
    width = (result.balance_hi - result.balance_lo).groupby(result.level).mean()
    assert width["entrance"] > width["buurt"] > 0


def test_class_probabilities_sum_to_one(result, spec):
    from veerkracht.analytics.model.classes import class_slug

    cols = [f"p_{class_slug(c)}" for c in spec.class_names]
    np.testing.assert_allclose(result[cols].sum(axis=1), 1.0, atol=1e-9)


def test_shrinkage_pulls_small_places_to_their_parent(spec):
    city = make_city()
    # one stairwell of two households, both with a care need
    hh = city.households
    small = city.dwellings["entrance_id"].eq("E051")
    addr = city.dwellings.loc[small, "address_id"]
    keep = ~hh["address_id"].isin(addr[2:])
    hh = hh.loc[keep].copy()
    hh.loc[hh["address_id"].isin(addr[:2]), "need_care"] = True
    city.households = hh
    res = compute_model(spec, city, parse_period("2024"))
    ent = res[(res.level == "entrance")].set_index("place_id")
    block = res[(res.level == "block")].set_index("place_id")
    raw = 1.0  # two of two households with a need: stacked score 0.5 .. 1
    est = ent.loc["E051", "ind_stacked_needs"]
    assert block.loc["B05", "ind_stacked_needs"] < est < raw
    assert ent.loc["E051", "n_households"] == 2


def test_missing_tables_skip_their_indicators(spec):
    city = make_city()
    city.amenities = city.initiatives = city.professionals = None
    city.shared_space_links = None
    res = compute_model(spec, city, parse_period("2024"))
    used = res["indicators_used"].iloc[0].split(",")
    assert "facilities" not in used and "stacked_needs" in used
    assert res["ind_facilities"].isna().all()
    assert res["pressure"].notna().all()


def test_period_without_data_is_refused(spec):
    with pytest.raises(ModelDataError, match="geen gegevens"):
        compute_model(spec, make_city(), parse_period("1990"))


def test_signals_on_a_point_snap_to_the_nearest_entrance(result):
    ent = result[result.level == "entrance"].set_index("place_id")
    # five point signals near block 5 raise its rate above its siblings'
    assert ent.loc["E050", "ind_signals"] > ent.loc["E080", "ind_signals"]


def test_deterministic(spec):
    a = compute_model(spec, make_city(), parse_period("2024"))
    b = compute_model(spec, make_city(), parse_period("2024"))
    pd.testing.assert_frame_equal(a, b)


def test_model_1_file_is_still_computable():
    from veerkracht.io.model_file import MODEL_1, shipped_model_path

    spec1 = load_model(shipped_model_path(MODEL_1))
    res = compute_model(spec1, make_city(), parse_period("2024"))
    assert (res["model_version"] == "1.0").all()
    blocks = res[res.level == "block"].set_index("place_id")
    assert blocks["pressure"].idxmax() == "B00"
    assert blocks["ind_need_care"].notna().all()
