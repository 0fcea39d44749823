"""Gi* per period with FDR, Mann–Kendall and the emerging hot-spot categories.

References computed in the test by packages nobody here wrote: PySAL
``esda`` (analytic Gi* z-scores), ``scipy.stats.false_discovery_control``
(Benjamini–Hochberg) and ``pymannkendall`` (Mann–Kendall with ties). The
categories are checked against hand-built series, one per definition of
ArcGIS Pro's "How Emerging Hot Spot Analysis works", with the edge cases
around the 90 % rule and the final period.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import sparse, stats

from veerkracht.analytics.indicators.hotspots import getis_ord_gi_star, knn_weights
from veerkracht.analytics.warning.hotspots import (
    CATEGORIES,
    classify_emerging,
    emerging_hot_spots,
    fdr_significance,
    gi_star_periods,
    mann_kendall,
)

SEED = 20240917
libpysal = pytest.importorskip("libpysal")
esda = pytest.importorskip("esda")


def _esda_z(y: np.ndarray, w: sparse.sparray) -> np.ndarray:
    w = sparse.csr_array(w).tolil()
    w.setdiag(0)
    graph = libpysal.graph.Graph.from_sparse(sparse.csr_array(w.tocsr()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return esda.G_Local(y, graph, transform="B", star=True, permutations=0).Zs


def _grid(side: int) -> np.ndarray:
    g = np.arange(side, dtype=float) * 100
    return np.array([(x, y) for y in g for x in g])


# --- Benjamini–Hochberg -------------------------------------------------------

@pytest.mark.parametrize("m", [1, 2, 7, 50, 1000])
def test_fdr_matches_scipy(m):
    rng = np.random.default_rng(SEED + m)
    for alpha in (0.01, 0.05, 0.2):
        for _ in range(20):
            # a mix of nulls and signals, with ties and exact zeros and ones
            p = np.where(rng.random(m) < 0.3, rng.beta(0.2, 8, m), rng.random(m))
            p[rng.random(m) < 0.05] = 0.0
            p[rng.random(m) < 0.05] = 1.0
            p = np.round(p, 3)
            ours = fdr_significance(p, alpha)
            theirs = stats.false_discovery_control(p, method="bh") <= alpha
            np.testing.assert_array_equal(ours, theirs)


def test_fdr_leaves_nan_out_of_m():
    p = np.array([0.01, np.nan, 0.04, 0.5, np.nan])
    ours = fdr_significance(p, 0.05)
    finite = ~np.isnan(p)
    theirs = stats.false_discovery_control(p[finite]) <= 0.05
    np.testing.assert_array_equal(ours[finite], theirs)
    assert not ours[~finite].any()
    assert not fdr_significance(np.full(3, np.nan)).any()


def _null_any_discovery(values: np.ndarray, w, alpha: float) -> tuple[float, float]:
    gi = gi_star_periods(values, w, alpha)
    bh = (gi["hot"] | gi["cold"]).any(axis=0).mean()
    raw = (gi["p"] <= alpha).any(axis=0).mean()
    return float(bh), float(raw)


@pytest.mark.slow
def test_fdr_on_null_data_keeps_false_discoveries_at_alpha():
    """Under the complete null any discovery is a false one, so the share of
    periods with at least one discovery is the FDR (= FWER) BH controls;
    Gi* z-scores of neighbours are positively correlated, within BH's
    guarantee for one-sided tests and, as measured here, for two-sided."""
    rng = np.random.default_rng(SEED)
    xy = rng.uniform(0, 5000, size=(400, 2))
    w = knn_weights(xy, 8)
    alpha, periods = 0.05, 2000
    bh, raw = _null_any_discovery(rng.normal(size=(400, periods)), w, alpha)
    se = np.sqrt(alpha * (1 - alpha) / periods)
    print(f"\nnormal null: periods with a discovery {bh:.4f} (BH), "
          f"{raw:.4f} (unadjusted)")
    assert bh <= alpha + 3 * se
    assert raw > 0.9  # without the correction nearly every period has one
    # small counts: the normal p-value of Gi* is too small in the upper tail
    # (skewed sums), so BH lets through more false hot spots than alpha; the
    # figures are quoted in gi_star_periods' notes (0.068 at a mean of 3)
    counts = rng.poisson(3.0, size=(400, periods))
    bh_pois, raw_pois = _null_any_discovery(counts, w, alpha)
    print(f"Poisson(3) null: {bh_pois:.4f} (BH), {raw_pois:.4f} (unadjusted)")
    assert alpha < bh_pois < 2 * alpha


# --- Gi* per period against esda ----------------------------------------------

def test_gi_star_periods_match_esda_per_period():
    rng = np.random.default_rng(SEED)
    xy = rng.uniform(0, 1000, size=(60, 2))
    w = knn_weights(xy, 6)
    values = rng.poisson(4.0, size=(60, 5)).astype(float)
    gi = gi_star_periods(values, w)
    for t in range(values.shape[1]):
        np.testing.assert_allclose(gi["z"][:, t], _esda_z(values[:, t], w),
                                   rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(gi["p"], 2 * stats.norm.sf(np.abs(gi["z"])))
    for t in range(values.shape[1]):
        sig = stats.false_discovery_control(gi["p"][:, t]) <= 0.05
        np.testing.assert_array_equal(gi["hot"][:, t], sig & (gi["z"][:, t] > 0))
        np.testing.assert_array_equal(gi["cold"][:, t], sig & (gi["z"][:, t] < 0))


def _space_time_by_hand(values, w, lags, t, lo):
    """Gi* of period t with a neighbourhood of lags earlier periods, its global
    window the periods lo..t, written out bin by bin."""
    n = values.shape[0]
    wd = sparse.csr_array(w).toarray()
    np.fill_diagonal(wd, 1.0)
    window = values[:, lo:t + 1]
    mean, sd, big_n = window.mean(), window.std(), window.size
    z = np.empty(n)
    for i in range(n):
        ws = np.concatenate([wd[i] if tt >= t - lags else np.zeros(n)
                             for tt in range(lo, t + 1)])
        lag = ws @ window.T.reshape(-1)
        wi, s1 = ws.sum(), (ws ** 2).sum()
        z[i] = (lag - mean * wi) / (sd * np.sqrt((big_n * s1 - wi ** 2) / (big_n - 1)))
    return z


@pytest.mark.parametrize("lags", [1, 2])
def test_space_time_neighbourhood(lags):
    rng = np.random.default_rng(SEED + lags)
    xy = rng.uniform(0, 1000, size=(30, 2))
    w = knn_weights(xy, 4)
    values = rng.normal(10, 3, size=(30, 6)) + np.arange(6)  # a rising level
    near = gi_star_periods(values, w, time_lags=lags)["z"]
    cube = gi_star_periods(values, w, time_lags=lags, window="cube")["z"]
    for t in range(6):
        by_hand = _space_time_by_hand(values, w, lags, t, max(0, t - lags))
        np.testing.assert_allclose(near[:, t], by_hand, rtol=1e-9, atol=1e-10)
    # with the final period the cube is the window
    np.testing.assert_allclose(cube[:, 5], _space_time_by_hand(values, w, lags, 5, 0),
                               rtol=1e-9, atol=1e-10)
    # the entire cube as one esda problem: bins stacked period-major
    st = sparse.kron(sparse.eye_array(6), w)
    w1 = w.tolil()
    w1.setdiag(1.0)
    for lag in range(1, lags + 1):
        st = st + sparse.kron(sparse.eye_array(6, k=-lag), w1.tocsr())
    theirs = _esda_z(values.T.reshape(-1), st).reshape(6, 30).T
    np.testing.assert_allclose(cube, theirs, rtol=1e-9, atol=1e-10)
    # a rising level makes late bins hot against the whole cube, not against
    # their own window
    assert cube[:, -1].mean() > 1 and abs(near[:, -1].mean()) < 0.5


def test_time_lags_zero_is_the_same_in_both_windows_only_per_period():
    rng = np.random.default_rng(SEED)
    w = knn_weights(rng.uniform(size=(25, 2)), 4)
    values = rng.normal(size=(25, 4))
    a = gi_star_periods(values, w)["z"]
    b = gi_star_periods(values, w, window="cube")["z"]
    np.testing.assert_allclose(a[:, 0], getis_ord_gi_star(values[:, 0], w).z)
    assert not np.allclose(a, b)  # cube moments differ from each period's


def test_gi_star_periods_rejects_bad_input():
    w = knn_weights(np.random.default_rng(0).uniform(size=(5, 2)), 2)
    with pytest.raises(ValueError):
        gi_star_periods(np.ones(5), w)
    with pytest.raises(ValueError):
        gi_star_periods(np.full((5, 2), np.nan), w)
    with pytest.raises(ValueError):
        gi_star_periods(np.ones((4, 2)), w)
    with pytest.raises(ValueError):
        gi_star_periods(np.ones((5, 2)), w, time_lags=-1)
    with pytest.raises(ValueError):
        gi_star_periods(np.ones((5, 2)), w, window="slice")


def test_constant_period_is_never_significant():
    rng = np.random.default_rng(SEED)
    w = knn_weights(rng.uniform(size=(20, 2)), 4)
    values = np.column_stack([np.full(20, 3.0), rng.normal(size=20)])
    gi = gi_star_periods(values, w)
    assert np.isnan(gi["z"][:, 0]).all()
    assert not gi["hot"][:, 0].any() and not gi["cold"][:, 0].any()


# --- Mann–Kendall against pymannkendall ---------------------------------------

def test_mann_kendall_matches_pymannkendall():
    mk = pytest.importorskip("pymannkendall")
    rng = np.random.default_rng(SEED)
    worst_z = worst_p = 0.0
    cases = 0
    for n in (3, 4, 5, 8, 12, 20, 40, 100):
        for kind in ("normal", "trend", "ties", "heavy ties"):
            for _ in range(15):
                x = rng.normal(size=n)
                if kind == "trend":
                    x = x + 0.3 * np.arange(n)
                elif kind == "ties":
                    x = np.round(x * 2)
                elif kind == "heavy ties":
                    x = rng.integers(0, 3, size=n).astype(float)
                z, p = mann_kendall(x)
                ref = mk.original_test(x)
                if np.std(x) == 0:
                    assert (z, p) == (0.0, 1.0)
                    continue
                worst_z = max(worst_z, abs(z - ref.z))
                worst_p = max(worst_p, abs(p - ref.p))
                cases += 1
    print(f"\nMann-Kendall: {cases} series, max |dz| {worst_z:.2e}, "
          f"max |dp| {worst_p:.2e}")
    assert worst_z < 1e-12 and worst_p < 1e-12


def test_mann_kendall_drops_nan_and_handles_short_series():
    mk = pytest.importorskip("pymannkendall")
    x = np.array([1.0, np.nan, 3, 2, 5, np.nan, 6])
    z, p = mann_kendall(x)
    ref = mk.original_test(x[~np.isnan(x)])
    assert z == pytest.approx(ref.z, abs=1e-12) and p == pytest.approx(ref.p, abs=1e-12)
    assert mann_kendall(np.array([1.0])) == (0.0, 1.0)
    assert mann_kendall(np.array([])) == (0.0, 1.0)
    assert mann_kendall(np.array([2.0, 1.0]))[1] == 1.0


@pytest.mark.slow
def test_mann_kendall_on_null_gi_star_and_the_time_lag():
    """The default ``time_lags=0`` keeps the trend test at its level; one lag
    correlates successive z-scores and inflates it (the reason for the
    default, figures quoted in :func:`gi_star_periods`)."""
    rng = np.random.default_rng(SEED)
    w = knn_weights(rng.uniform(0, 1000, size=(400, 2)), 8)
    rate = {}
    for lags in (0, 1):
        hits = []
        for _ in range(10):
            z = gi_star_periods(rng.normal(size=(400, 12)), w, time_lags=lags)["z"]
            hits.append(np.mean([mann_kendall(r)[1] <= 0.05 for r in z]))
        rate[lags] = float(np.mean(hits))
    print(f"\nMann-Kendall false trends at 0.05: lag 0 {rate[0]:.3f}, "
          f"lag 1 {rate[1]:.3f}")
    assert rate[0] <= 0.06
    assert rate[1] > 2 * rate[0]


# --- the categories, one hand-built series per definition ---------------------

def _series(pattern: str, slope: float = 0.0):
    """Hot ('H'), cold ('C') and quiet ('.') periods; z-scores +-3 (0 when
    quiet) plus ``slope`` per period, so the trend is known."""
    hot = np.array([c == "H" for c in pattern])
    cold = np.array([c == "C" for c in pattern])
    z = 3.0 * hot - 3.0 * cold + slope * np.arange(len(pattern))
    return hot, cold, z


CASES = [
    # pattern, slope, expected, why
    ("..........", 0.0, "no_pattern", "nothing significant"),
    ("....H", 0.0, "new", "hot only in the final period"),
    ("H", 0.0, "new", "a single period"),
    ("C...H", 0.0, "oscillating", "first hot now, but cold before: not new"),
    ("...HH", 0.0, "consecutive", "a final run of two, nothing before"),
    ("..HHHHHHH", 0.0, "consecutive", "7 of 9 hot: below 90 %"),
    (".HHHHHHHHH", 0.0, "persistent", "9 of 10 hot is 90 %: no longer consecutive"),
    ("H..HH", 0.0, "sporadic", "hot before the final run"),
    ("H.H.H", 0.0, "sporadic", "on and off, hot now, never cold"),
    ("H.HH.", 0.0, "no_pattern", "on and off but not hot now (sfdep: sporadic)"),
    ("C.H.H", 0.0, "oscillating", "hot now, cold before"),
    ("HHHHHHHHHH", 0.0, "persistent", "all hot, z flat (all ties)"),
    ("HHHHHHHHHH", 0.5, "intensifying", "all hot, z rising significantly"),
    ("HHHHHHHHHH", -0.2, "diminishing", "all hot, z falling significantly"),
    ("HHHHHHH..H", 0.5, "sporadic", "8 of 10: below 90 %, so not intensifying"),
    ("HHHHHHH..H", 0.0, "sporadic", "8 of 10: below 90 %, so not persistent"),
    ("HHHHHHHH.H", 0.0, "persistent", "9 of 10 with a gap is 90 %"),
    ("HHHHHHHHH.", 0.0, "historical", "9 of 10 hot, the final one not"),
    ("HHHHHHHH..", 0.0, "no_pattern", "8 of 10 hot, the final one not"),
    ("HHHH.", 0.0, "no_pattern", "fewer than 10 periods: 90 % means all"),
    ("CHHHHHHHHH", 0.0, "persistent", "9 of 10 hot with one cold: still 90 %"),
    ("HHHHHHHHHC", 0.0, "oscillating_cold", "cold now after hot"),
    ("....C", 0.0, "new_cold", ""),
    ("...CC", 0.0, "consecutive_cold", ""),
    ("C..CC", 0.0, "sporadic_cold", ""),
    ("H...C", 0.0, "oscillating_cold", ""),
    ("CCCCCCCCCC", 0.0, "persistent_cold", ""),
    ("CCCCCCCCCC", -0.5, "intensifying_cold", "ever colder"),
    ("CCCCCCCCCC", 0.2, "diminishing_cold", "less cold"),
    ("CCCCCCCCC.", 0.0, "historical_cold", ""),
    ("CCCCCCC..C", 0.0, "sporadic_cold", "8 of 10"),
]


@pytest.mark.parametrize(("pattern", "slope", "expected", "why"), CASES,
                         ids=[f"{c[0]}:{c[1]}" for c in CASES])
def test_category_follows_its_definition(pattern, slope, expected, why):
    hot, cold, z = _series(pattern, slope)
    mk_z, mk_p = mann_kendall(z)
    if expected.startswith(("intensifying", "diminishing")):
        assert mk_p <= 0.05, "the hand-built trend is not significant"
    if expected.startswith("persistent"):
        assert mk_p > 0.05
    assert classify_emerging(hot, cold, mk_z, mk_p, 0.05) == expected, why


def test_every_category_is_reached_and_labelled():
    reached = {c[2] for c in CASES}
    assert reached == set(CATEGORIES)
    assert all(CATEGORIES.values())


def test_classify_rejects_inconsistent_bins():
    with pytest.raises(ValueError):
        classify_emerging(np.array([True]), np.array([True]), 0.0, 1.0)
    with pytest.raises(ValueError):
        classify_emerging(np.array([True]), np.array([True, False]), 0.0, 1.0)


# --- end to end on a synthetic city -------------------------------------------

def _plant(plans: dict, side: int, periods: int, seed: int):
    rng = np.random.default_rng(seed)
    values = rng.normal(0, 1, size=(side * side, periods))
    centres, near = {}, set()
    for (cx, cy), (shift, expected) in plans.items():
        block = [(cy + dy) * side + cx + dx for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
        values[block] += np.asarray(shift, dtype=float)
        centres[cy * side + cx] = expected
        near |= {(cy + dy) * side + cx + dx
                 for dy in range(-2, 3) for dx in range(-2, 3)}
    return values, centres, near


def test_emerging_hot_spots_find_planted_patterns():
    """A 20 x 20 grid of noise with 3 x 3 blocks raised or lowered in chosen
    periods; the centre of each block gets the category of its plan."""
    side = 20
    w = knn_weights(_grid(side), 8)
    plans = {  # centre (col, row): (shift per period, expected)
        (3, 3): ([0] * 9 + [4], "new"),
        (10, 3): ([0] * 7 + [4] * 3, "consecutive"),
        (16, 3): ([4 + 0.6 * t for t in range(10)], "intensifying"),
        (10, 10): ([4, 0, 0, 4, 0, 0, 4, 0, 0, 4], "sporadic"),
        (16, 10): ([-4, 0, 0, 0, 0, 0, 0, 0, 0, 4], "oscillating"),
        (3, 16): ([4] * 9 + [0], "historical"),
        (10, 16): ([0] * 9 + [-4], "new_cold"),
    }
    values, centres, near = _plant(plans, side, 10, SEED)
    frame = pd.DataFrame(values, index=[f"p{i}" for i in range(side * side)])
    em = emerging_hot_spots(frame, w)
    assert list(em.index) == list(frame.index)
    assert {i: em["category"].iloc[i] for i in centres} == centres
    assert (em["label_nl"] == em["category"].map(CATEGORIES)).all()
    rest = em.iloc[sorted(set(range(side * side)) - near)]
    assert (rest["category"] == "no_pattern").mean() > 0.9
    row = em.iloc[3 * side + 16]  # intensifying block
    assert row["n_hot"] == 10 and row["last_hot"] == 9 and pd.isna(row["last_cold"])
    assert row["mk_z"] > 0 and row["mk_p"] <= 0.05
    row = em.iloc[16 * side + 3]  # historical block
    assert row["n_hot"] == 9 and row["last_hot"] == 8


def test_emerging_hot_spots_find_lasting_patterns():
    """Blocks raised or lowered by the same amount in every period. (On the
    grid above they would not stay trendless: the blocks that grow raise each
    period's variance and so lower every other z-score over time.)"""
    side = 20
    w = knn_weights(_grid(side), 8)
    plans = {(5, 5): ([4] * 10, "persistent"), (14, 14): ([-4] * 10, "persistent_cold")}
    values, centres, _ = _plant(plans, side, 10, SEED + 1)
    em = emerging_hot_spots(values, w)
    assert {i: em["category"].iloc[i] for i in centres} == centres


# --- real data: bicycle thefts in Groningen -----------------------------------

@pytest.fixture(scope="module")
def theft_cells(shared_data):
    """Police-registered bicycle thefts 2013-01..2017-09 per 250 m cell and
    quarter (cells with at least one theft)."""
    zstd = pytest.importorskip("zstandard")
    path = (shared_data
            / "groningen_politie_fietsdiefstallen_2013_2017_kennisnetwerk.csv.zst")
    if not path.exists():
        pytest.skip(f"{path.name} is not available here")
    with open(path, "rb") as fh:
        raw = zstd.ZstdDecompressor().stream_reader(fh).read()
    frame = pd.read_csv(io.BytesIO(raw), usecols=["x", "y", "b_datum"],
                        dtype={"b_datum": "str"}).dropna()
    when = pd.to_datetime(frame["b_datum"].str[:8], format="%Y%m%d", errors="coerce")
    frame = frame.assign(quarter=when.dt.to_period("Q").astype("str")).dropna()
    frame = frame[(when >= "2013-01-01") & (when < "2017-10-01")]
    cell = (frame["x"] // 250).astype(int).astype(str) + "_" + \
        (frame["y"] // 250).astype(int).astype(str)
    counts = pd.crosstab(cell, frame["quarter"]).sort_index(axis=1)
    xy = np.array([[int(a) * 250 + 125, int(b) * 250 + 125]
                   for a, b in (c.split("_") for c in counts.index)], dtype=float)
    return counts, xy


@pytest.mark.slow
def test_gi_star_matches_esda_on_real_thefts(theft_cells):
    counts, xy = theft_cells
    assert counts.shape[1] == 19 and counts.to_numpy().sum() > 15_000
    w = knn_weights(xy, 8)
    gi = gi_star_periods(counts.to_numpy(dtype=float), w)
    worst = 0.0
    for t in range(counts.shape[1]):
        theirs = _esda_z(counts.iloc[:, t].to_numpy(dtype=float), w)
        worst = max(worst, float(np.nanmax(np.abs(gi["z"][:, t] - theirs))))
    print(f"\nthefts: {counts.shape[0]} cells x {counts.shape[1]} quarters, "
          f"max |z - esda z| = {worst:.2e}")
    assert worst < 1e-9
    em = emerging_hot_spots(counts, w)
    print(em["category"].value_counts().to_string())
    # the centre of Groningen is the city's lasting bicycle-theft hot spot
    centre = np.argmin(np.hypot(xy[:, 0] - 233_500, xy[:, 1] - 582_000))
    assert em["n_hot"].iloc[centre] >= 15
    assert em["category"].iloc[centre] in {"persistent", "intensifying", "diminishing"}
