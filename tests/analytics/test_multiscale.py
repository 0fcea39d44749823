"""Exact k-nearest-dwelling shares against brute force and against cKDTree."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from veerkracht.analytics.multiscale import (
    DEFAULT_KS,
    aggregate_profile,
    knn_shares,
)

SEED = 12345
ATOL = 1e-12


def brute_force(xy, values, ks, population=None):
    """Reference: sort all distances per point, fractional tie at the k-th."""
    n = len(xy)
    pop = np.ones(n) if population is None else np.asarray(population, float)
    vals = np.asarray(values, float).reshape(n, -1)
    total = pop.sum()
    out = np.zeros((n, len(ks), vals.shape[1]))
    for i in range(n):
        d2 = ((xy - xy[i]) ** 2).sum(axis=1)
        order = np.argsort(d2, kind="stable")
        cum = np.cumsum(pop[order])
        for a, k in enumerate(ks):
            k = min(k, total)
            r2 = d2[order][np.searchsorted(cum, k - 1e-9)]
            inner, tied = d2 < r2, d2 == r2
            taken = k - pop[inner].sum()
            tied_part = taken / pop[tied].sum() * vals[tied].sum(0)
            out[i, a] = (vals[inner].sum(0) + tied_part) / k
    return out


def random_case(rng, n, grid):
    """Integer coordinates on a small grid: many coinciding points and ties."""
    xy = rng.integers(0, grid, size=(n, 2)).astype(float) * 7.5 + 150_000
    pop = rng.integers(0, 4, size=n).astype(float)
    pop[0] = max(pop[0], 1)
    vals = np.column_stack([rng.binomial(pop.astype(int), p) for p in (0.1, 0.5)])
    return xy, vals.astype(float), pop


@pytest.mark.parametrize("grid", [3, 12, 40, 1000], ids=lambda g: f"grid{g}")
@pytest.mark.parametrize("trial", range(4))
def test_equals_brute_force_with_coinciding_points_and_ties(grid, trial):
    rng = np.random.default_rng(SEED + 97 * trial + grid)
    xy, vals, pop = random_case(rng, int(rng.integers(2, 400)), grid)
    ks = (1, 3, 10, 25, 50, 100, 200, 1600)
    got = knn_shares(xy, vals, ks, population=pop)
    np.testing.assert_allclose(got.shares, brute_force(xy, vals, ks, pop), atol=ATOL)
    assert got.error_bound is None
    assert got.k_reached.tolist() == [min(k, int(pop.sum())) for k in ks]


def test_unit_points_clustered_data_equals_brute_force():
    rng = np.random.default_rng(SEED)
    centres = rng.uniform(0, 5_000, size=(8, 2))
    xy = np.repeat(centres, 150, axis=0) + rng.normal(0, 40, size=(1200, 2))
    xy[::7] = xy[1::7]  # coinciding pairs, like flats at one address point
    need = (rng.random(1200) < 0.2).astype(float)
    got = knn_shares(xy, need, DEFAULT_KS)
    np.testing.assert_allclose(got.share(), brute_force(xy, need, DEFAULT_KS)[:, :, 0],
                               atol=ATOL)


def test_tie_rule_is_fractional_and_order_free():
    # point 0 has two dwellings tied at distance 1 for its second place
    xy = np.array([[0.0, 0.0], [1.0, 0.0], [-1.0, 0.0]])
    need = np.array([0.0, 1.0, 0.0])
    p = knn_shares(xy, need, ks=(2,))
    assert p.share()[0, 0] == pytest.approx((0 + 0.5 * 1 + 0.5 * 0) / 2)
    perm = np.array([2, 0, 1])
    q = knn_shares(xy[perm], need[perm], ks=(2,))
    np.testing.assert_allclose(q.share(), p.share()[perm], atol=ATOL)


def test_own_dwelling_and_coinciding_dwellings_are_in_the_neighbourhood():
    xy = np.array([[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [3.0, 4.0]])
    need = np.array([1.0, 1.0, 0.0, 1.0])
    p = knn_shares(xy, need, ks=(1, 3, 4))
    # k=1 at a location with three dwellings: one third of each
    np.testing.assert_allclose(p.share()[0], [2 / 3, 2 / 3, 3 / 4])
    # k=3 at (3, 4): itself, then 2 of the 3 tied dwellings at distance 5
    np.testing.assert_allclose(p.share()[3], [1.0, (1 + 2 / 3 * 2) / 3, 3 / 4])


def test_population_weights_equal_repeated_points():
    rng = np.random.default_rng(SEED)
    xy = rng.uniform(0, 1000, size=(300, 2))
    pop = rng.integers(1, 5, size=300)
    need = rng.binomial(pop, 0.3).astype(float)
    weighted = knn_shares(xy, need, (10, 50, 400), population=pop)
    rep = np.repeat(np.arange(300), pop)
    first = np.r_[0, np.cumsum(pop)[:-1]]
    flags = np.zeros(len(rep))
    for i in range(300):  # spread each point's need over its dwellings
        flags[first[i]:first[i] + int(need[i])] = 1.0
    repeated = knn_shares(xy[rep], flags, (10, 50, 400))
    np.testing.assert_allclose(repeated.share()[first], weighted.share(), atol=ATOL)


def test_index_cell_changes_speed_not_result():
    rng = np.random.default_rng(SEED)
    xy, vals, pop = random_case(rng, 500, 60)
    base = knn_shares(xy, vals, DEFAULT_KS, population=pop).shares
    for cell in (0.5, 7.5, 100.0, 5_000.0):
        other = knn_shares(xy, vals, DEFAULT_KS, population=pop, cell=cell, workers=1)
        np.testing.assert_allclose(other.shares, base, atol=ATOL)


def test_fewer_dwellings_than_k_uses_all_of_them():
    xy = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    p = knn_shares(xy, np.array([1.0, 0.0, 0.0]), ks=(2, 10, 1600))
    assert p.k_reached.tolist() == [2, 3, 3]
    np.testing.assert_allclose(p.share()[:, 1:], 1 / 3)


def test_dataframe_values_name_the_categories():
    xy = np.array([[0.0, 0.0], [1.0, 1.0]])
    frame = pd.DataFrame({"need_care": [1, 0], "need_income": [0, 0]})
    p = knn_shares(xy, frame, ks=(1, 2))
    assert p.categories == ("need_care", "need_income")
    np.testing.assert_allclose(p.share("need_care")[:, 1], 0.5)
    np.testing.assert_allclose(p.share("need_income"), 0.0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"xy": np.zeros((3, 3))}, "vorm"),
        ({"values": np.array([1.0, np.nan, 0.0])}, "ontbrekende"),
        ({"values": np.array([2.0, 0.0, 0.0])}, "tussen 0 en population"),
        ({"ks": (25, 10)}, "oplopen"),
        ({"ks": (0, 10)}, "positieve"),
        ({"population": np.ones(2)}, "population"),
    ],
    ids=["shape", "missing", "above-population", "unsorted-ks", "zero-k", "pop-len"],
)
def test_bad_input_is_refused_in_dutch(kwargs, message):
    args = {"xy": np.zeros((3, 2)), "values": np.array([1.0, 0.0, 0.0]), "ks": (1, 2)}
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        knn_shares(args.pop("xy"), args.pop("values"), args.pop("ks"), **args)


def test_empty_input():
    p = knn_shares(np.zeros((0, 2)), np.zeros(0), ks=(10,))
    assert p.shares.shape == (0, 1, 1)


def test_aggregate_profile_mean_and_pooled():
    rng = np.random.default_rng(SEED)
    xy = rng.uniform(0, 2000, size=(400, 2))
    pop = rng.integers(1, 4, size=400)
    need = rng.binomial(pop, 0.25).astype(float)
    place = pd.Series(rng.choice(["a", "b", "c"], size=400)).astype("str")
    place[5] = pd.NA
    p = knn_shares(xy, need, (10, 100), population=pop)
    agg = aggregate_profile(p, place)
    assert list(agg.index) == ["a", "b", "c"]
    for name in "abc":
        member = (place == name).fillna(False).to_numpy()
        w = pop[member]
        s = p.share()[member]
        assert agg.loc[name, "n_dwellings"] == w.sum()
        means = agg.loc[name, ["mean_k10", "mean_k100"]].to_numpy(float)
        np.testing.assert_allclose(means, (s * w[:, None]).sum(0) / w.sum())
        np.testing.assert_allclose(agg.loc[name, "pooled_k100"],
                                   (s[:, 1] * w * 100).sum() / (w.sum() * 100))


# --- real data: a Groningen subset against scipy's cKDTree --------------------

def _groningen_xy(shared_data, bbox):
    zstd = pytest.importorskip("zstandard")
    from pyproj import Transformer

    path = shared_data / "ljpc_adressen_Groningen.csv.zst"
    with open(path, "rb") as fh:
        raw = zstd.ZstdDecompressor().stream_reader(fh).read()
    frame = pd.read_csv(io.BytesIO(raw), sep=";", usecols=["lat", "lon"])
    x, y = Transformer.from_crs(4326, 28992, always_xy=True).transform(
        frame["lon"].to_numpy(), frame["lat"].to_numpy())
    keep = (x > bbox[0]) & (x < bbox[2]) & (y > bbox[1]) & (y < bbox[3])
    return np.column_stack([x[keep], y[keep]])


@pytest.mark.slow
def test_real_subset_matches_ckdtree_except_exact_ties(shared_data):
    from scipy.spatial import cKDTree

    # central Groningen city: dense, flats, some coinciding address points
    xy = _groningen_xy(shared_data, (232_000, 580_000, 235_000, 583_000))
    assert len(xy) > 15_000
    rng = np.random.default_rng(SEED)
    need = (rng.random(len(xy)) < 0.15).astype(float)
    ks = np.array(DEFAULT_KS)
    got = knn_shares(xy, need, DEFAULT_KS).share()
    sample = rng.choice(len(xy), 3_000, replace=False)
    _, idx = cKDTree(xy).query(xy[sample], k=int(ks.max()))
    base = np.cumsum(need[idx], axis=1)[:, ks - 1] / ks
    diff = np.abs(got[sample] - base)
    # where they differ, the k-th distance must be a tie that cKDTree broke
    # arbitrarily: ours must lie inside the range any tie-break could give
    rows, cols = np.nonzero(diff > ATOL)
    assert len(rows) < 0.02 * diff.size
    for i, a in zip(rows, cols, strict=True):
        k = ks[a]
        dx, dy = (xy - xy[sample[i]]).T
        d2 = dx * dx + dy * dy  # as the search computes it
        r2 = d2[idx[i, k - 1]]
        inner, tied = d2 < r2, d2 == r2
        assert tied.sum() >= 2
        take = k - inner.sum()
        lo = need[inner].sum() + max(0, take - (tied.sum() - need[tied].sum()))
        hi = need[inner].sum() + min(take, need[tied].sum())
        assert lo / k - ATOL <= got[sample[i], a] <= hi / k + ATOL
        assert lo / k - ATOL <= base[i, a] <= hi / k + ATOL
