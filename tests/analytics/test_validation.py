"""The area-level validation core: proxies, scaling, Spearman with bootstrap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from veerkracht.analytics.validation import (
    Association,
    Proxy,
    Source,
    area_scores,
    associate,
    best_single,
    control_values,
    disagreements,
    parse_controls,
    parse_proxies,
    partial_spearman,
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


def _partial_from_matrix(r_xy, r_xz, r_yz):
    return (r_xy - r_xz * r_yz) / np.sqrt((1 - r_xz**2) * (1 - r_yz**2))


def test_partial_spearman_is_the_partial_formula_on_the_rank_correlations():
    # with one control, residualising ranks on ranks is exactly the textbook
    # partial-correlation formula applied to Spearman's rho (ties included)
    rng = np.random.default_rng(11)
    x = rng.normal(size=80)
    y = x + rng.normal(size=80)
    z = np.round(x + y + rng.normal(size=80))  # integer: many ties
    rho = lambda a, b: stats.spearmanr(a, b).statistic  # noqa: E731
    want = _partial_from_matrix(rho(x, y), rho(x, z), rho(y, z))
    assert partial_spearman(x, y, z) == pytest.approx(want, abs=1e-12)
    assert partial_spearman(x, y) == pytest.approx(rho(x, y), abs=1e-12)


def test_partial_spearman_recovers_the_known_partial_of_a_trivariate_normal():
    # corr(x, y) = 0.6, corr(x, z) = corr(y, z) = 0.5. The population Spearman
    # correlation of a bivariate normal is 6/pi * arcsin(r/2); the partial
    # rank correlation given z follows from those three by the formula.
    cov = np.array([[1, 0.6, 0.5], [0.6, 1, 0.5], [0.5, 0.5, 1]])
    data = np.random.default_rng(5).multivariate_normal(np.zeros(3), cov, 60_000)
    grade = lambda r: 6 / np.pi * np.arcsin(r / 2)  # noqa: E731
    want = _partial_from_matrix(grade(0.6), grade(0.5), grade(0.5))
    got = partial_spearman(data[:, 0], data[:, 1], data[:, 2])
    assert got == pytest.approx(want, abs=0.01)
    assert want == pytest.approx(0.455, abs=0.001)  # not the plain 0.58
    # x and y both driven by z only: partial near 0 while plain is large
    zc = np.random.default_rng(6).normal(size=(2, 5_000))
    x, y = zc[0] + 0.3 * zc[1], zc[0] - 0.3 * zc[1]
    assert stats.spearmanr(x, y).statistic > 0.7
    assert partial_spearman(x, y, zc[0]) < -0.9  # what is left runs against


def test_partial_association_has_a_bootstrap_interval_and_a_verdict():
    rng = np.random.default_rng(8)
    z = rng.normal(size=(300, 2))
    x = z[:, 0] + z[:, 1] + rng.normal(size=300)
    y = z[:, 0] + z[:, 1] + rng.normal(size=300)  # related only through z
    controls = pd.DataFrame(z, columns=["density", "single_family"])
    plain = associate("d", "pressure", pd.Series(x), "crime", pd.Series(y), "+")
    part = associate("d", "pressure", pd.Series(x), "crime", pd.Series(y), "+",
                     controls=controls, given="density+single_family")
    assert plain.agrees is True and plain.rho > 0.4
    assert part.given == "density+single_family" and part.n == 300
    assert part.lo < part.rho < part.hi and part.lo < 0 < part.hi
    assert part.agrees is None
    # a missing control drops the area from the partial association only
    controls.loc[0, "density"] = np.nan
    part = associate("d", "pressure", pd.Series(x), "crime", pd.Series(y), "+",
                     controls=controls)
    assert part.n == 299
    # a score that is its control has nothing left: no figure, no verdict
    same = associate("d", "pressure", pd.Series(z[:, 0]), "crime", pd.Series(y),
                     "+", controls=controls[["single_family"]].assign(
                         single_family=z[:, 0]))
    assert np.isnan(same.rho) and same.agrees is None


def test_no_verdict_without_a_fixed_direction():
    a = Association("d", "single: x", "crime", "?", 50, 0.8, 0.7, 0.9, 0.0)
    assert a.agrees is None
    assert Association("d", "s", "crime", "-", 50, 0.8, 0.7, 0.9, 0.0).agrees is False


def test_best_single_takes_the_strongest_absolute_rank_correlation():
    rng = np.random.default_rng(2)
    y = pd.Series(rng.normal(size=200))
    cand = pd.DataFrame({
        "weak": y + rng.normal(scale=3, size=200),
        "strong_negative": -y + rng.normal(scale=0.3, size=200),
        "medium": y + rng.normal(scale=1, size=200),
        "constant": np.ones(200),
        "too_few": [1.0, 2.0] + [np.nan] * 198,
    })
    name, rho = best_single(cand, y)
    assert name == "strong_negative" and rho < -0.9
    assert best_single(cand[["constant", "too_few"]], y) is None


def test_controls_read_their_first_source_and_turn_around_on_minus():
    controls = parse_controls({
        "address_density": [{"numerator": "ste_oad"}],
        "single_family": [{"numerator": "p_1gezw"},
                          {"numerator": "p_mgezw", "direction": "-"}],
    })
    areas = pd.DataFrame({"ste_oad": [100.0, 2000], "p_mgezw": [10.0, 90]})
    frame, labels = control_values(areas, controls)
    assert labels == ["address_density=ste_oad", "single_family=-p_mgezw"]
    assert frame["single_family"].tolist() == [-10.0, -90.0]
    with pytest.raises(ValueError, match="numerator"):
        parse_controls({"x": [{"direction": "-"}]})
