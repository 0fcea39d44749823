"""The area-level validation core: proxies, scaling, Spearman with bootstrap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from veerkracht.analytics.validation import (
    Proxy,
    Source,
    area_scores,
    associate,
    disagreements,
    parse_proxies,
)

INCOME = Proxy(
    "need_income",
    "pressure",
    1.0,
    (Source("p_hh_li"), Source("g_ink_pi", direction="-")),
)
RENT = Proxy("urgency", "pressure", 3.0, (Source("p_wcorpw"),))
SHOP = Proxy("facilities", "resilience", 1.0, (Source("g_afs_gs", direction="-"),))


def _areas(n=40, seed=1):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "regiocode": [f"BU{i:08d}" for i in range(n)],
            "regionaam": [f"buurt {i}" for i in range(n)],
            "p_hh_li": rng.uniform(2, 30, n),
            "p_wcorpw": rng.uniform(0, 80, n),
            "g_afs_gs": rng.uniform(0.2, 3, n),
            "a_inw": rng.integers(50, 5000, n).astype(float),
        }
    )


def test_scores_are_weighted_means_of_robust_minmax_scaled_proxies():
    areas = _areas()
    got = area_scores(areas, [INCOME, RENT, SHOP])

    def scaled(v):
        lo, hi = np.percentile(v, [5, 95])
        return np.clip((v - lo) / (hi - lo), 0, 1)

    want_p = (scaled(areas["p_hh_li"]) * 1 + scaled(areas["p_wcorpw"]) * 3) / 4
    want_r = 1 - scaled(areas["g_afs_gs"])
    np.testing.assert_allclose(got["pressure"], want_p, rtol=1e-12)
    np.testing.assert_allclose(got["resilience"], want_r, rtol=1e-12)
    np.testing.assert_allclose(got["balance"], want_r - want_p, rtol=1e-12)
    assert got["proxies_used"].iloc[0] == (
        "need_income=p_hh_li, urgency=p_wcorpw, facilities=-g_afs_gs"
    )


def test_fallback_source_is_used_and_reversed_when_the_first_is_missing():
    areas = _areas().drop(columns="p_hh_li")
    areas["g_ink_pi"] = np.linspace(10, 50, len(areas))
    got = area_scores(areas, [INCOME])
    assert got["proxies_used"].iloc[0] == "need_income=-g_ink_pi"
    # richest area has the lowest pressure
    assert got["pressure"].iloc[-1] == 0 and got["pressure"].iloc[0] == 1


def test_missing_values_renormalise_weights_per_area():
    areas = _areas(n=20)
    areas.loc[3, "p_wcorpw"] = np.nan
    got = area_scores(areas, [INCOME, RENT])
    lo, hi = np.percentile(areas["p_hh_li"], [5, 95])
    assert got.loc[3, "pressure"] == pytest.approx(
        np.clip((areas.loc[3, "p_hh_li"] - lo) / (hi - lo), 0, 1)
    )


def test_spearman_matches_scipy_and_interval_contains_it():
    rng = np.random.default_rng(7)
    x = pd.Series(rng.normal(size=200))
    y = pd.Series(0.5 * x + rng.normal(size=200))
    a = associate("d", "pressure", x, "crime", y, "+", seed=3)
    assert a.rho == pytest.approx(stats.spearmanr(x, y).statistic, abs=1e-12)
    assert a.lo < a.rho < a.hi
    assert a.agrees is True
    b = associate("d", "pressure", x, "crime", y, "-", seed=3)
    assert b.agrees is False
    flat = associate("d", "pressure", x, "crime", pd.Series(rng.normal(size=200)), "+")
    assert flat.lo < 0 < flat.hi and flat.agrees is None


def test_too_few_pairs_give_no_verdict():
    a = associate(
        "d",
        "pressure",
        pd.Series([1.0, 2, np.nan]),
        "lbm",
        pd.Series([1.0, np.nan, 3]),
        "-",
    )
    assert a.n == 1 and a.agrees is None and np.isnan(a.rho)


def test_disagreements_flag_areas_three_quintiles_apart():
    scores = pd.DataFrame(
        {"regiocode": [f"BU{i}" for i in range(50)], "pressure": np.arange(50.0)}
    )
    crime = pd.Series(np.arange(50.0))
    crime.iloc[0], crime.iloc[49] = 100.0, -1.0  # lowest pressure, most crime; and back
    gap = disagreements(scores, crime, "high")
    assert set(gap["regiocode"]) == {"BU0", "BU49"}
    # Leefbaarometer: low is bad, so a high score at high pressure disagrees
    lbm = pd.Series(-np.arange(50.0))
    lbm.iloc[49] = 100.0
    assert set(disagreements(scores, lbm, "low")["regiocode"]) == {"BU49"}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"side": "druk", "weight": 1, "sources": [{"numerator": "a"}]}, "side"),
        (
            {"side": "pressure", "weight": "zwaar", "sources": [{"numerator": "a"}]},
            "weight",
        ),
        ({"side": "pressure", "weight": 1, "sources": []}, "sources"),
        (
            {
                "side": "pressure",
                "weight": 1,
                "sources": [{"numerator": "a", "direction": "up"}],
            },
            "direction",
        ),
    ],
    ids=["side", "weight", "no-sources", "direction"],
)
def test_bad_proxy_specs_are_refused(spec, message):
    with pytest.raises(ValueError, match=message):
        parse_proxies({"x": spec})
