"""The scan split by gemeente gives the single run's result, exactly."""

import numpy as np
import pytest

from veerkracht.analytics.warning.partition import (
    combine,
    part_clusters,
    part_replicate_max,
    partitioned_scan,
    plan_partitions,
    replicate_seeds,
)
from veerkracht.analytics.warning.scan import ScanSettings, space_time_permutation_scan


def _city(rng, n_loc=300, grid=False):
    if grid:
        # a lattice: many neighbours at exactly equal distances (ties)
        g = np.arange(int(np.sqrt(n_loc)))
        xy = np.array([(x * 100.0, y * 100.0) for x in g for y in g])
    else:
        xy = rng.uniform(0, 6000, (n_loc, 2))
    return xy


def _cases(rng, xy, n_cases=1500, days=56, hot=None):
    w = rng.gamma(2.0, 1.0, len(xy))
    loc = rng.choice(len(xy), n_cases, p=w / w.sum())
    t = rng.gamma(5.0, 1.0, days)
    day = rng.choice(days, n_cases, p=t / t.sum())
    if hot is not None:
        # an outbreak on the last days around a point on a gemeente border
        near = np.flatnonzero(np.hypot(*(xy - hot).T) < 400)
        loc = np.concatenate([loc, rng.choice(near, 40)])
        day = np.concatenate([day, rng.integers(days - 4, days, 40)])
    return loc, day


def _gemeenten(xy, cuts=(2000.0, 4000.0)):
    """Three synthetic gemeenten by x coordinate."""
    return np.array([f"GM{i:04d}" for i in np.searchsorted(cuts, xy[:, 0])])


def assert_same(a, b):
    np.testing.assert_array_equal(a.replicate_max, b.replicate_max)
    assert a.total_cases == b.total_cases
    assert len(a.clusters) == len(b.clusters)
    for x, y in zip(a.clusters, b.clusters, strict=True):
        for f in ("rank", "center", "radius_m", "start_day", "end_day", "observed",
                  "expected", "llr", "p_value", "recurrence_days", "rate"):
            assert getattr(x, f) == getattr(y, f), f
        np.testing.assert_array_equal(x.members, y.members)


@pytest.mark.parametrize(("rates", "grid", "radius"), [
    ("high", False, 1000.0), ("both", False, 800.0), ("low", False, 1200.0),
    ("high", True, 300.0), ("both", True, 500.0)])
def test_same_as_single_run(rates, grid, radius):
    rng = np.random.default_rng(7)
    xy = _city(rng, 324 if grid else 300, grid=grid)
    hot = np.array([2000.0, 3000.0]) if not grid else np.array([900.0, 900.0])
    loc, day = _cases(rng, xy, hot=hot)
    s = ScanSettings(max_radius_m=radius, max_days=14, replicates=39, seed=4,
                     rates=rates, max_secondary=8)
    one = space_time_permutation_scan(xy, loc, day, 55, s)
    cuts = (2000.0, 4000.0) if not grid else (600.0, 1150.0)
    parts = partitioned_scan(xy, loc, day, 55, s, groups=_gemeenten(xy, cuts))
    assert len(one.clusters) > 1
    assert_same(one, parts)


def test_cluster_across_the_border_found_whole():
    rng = np.random.default_rng(3)
    xy = _city(rng)
    loc, day = _cases(rng, xy, hot=np.array([2000.0, 3000.0]))
    s = ScanSettings(max_radius_m=1000.0, max_days=14, replicates=99, seed=2)
    one = space_time_permutation_scan(xy, loc, day, 55, s)
    g = _gemeenten(xy)
    parts = partitioned_scan(xy, loc, day, 55, s, groups=g)
    assert_same(one, parts)
    top = parts.clusters[0]
    # the planted outbreak straddles the border: members in two gemeenten
    assert top.p_value <= 0.01
    assert len(set(g[top.members])) == 2


@pytest.mark.slow
def test_every_partition_sees_only_its_halo_and_the_split_does_not_matter():
    rng = np.random.default_rng(5)
    xy = _city(rng)
    loc, day = _cases(rng, xy)
    s = ScanSettings(max_radius_m=700.0, max_days=10, replicates=20, seed=9)
    one = space_time_permutation_scan(xy, loc, day, 55, s)
    plan = plan_partitions(xy, loc, day, 55, s, _gemeenten(xy))
    assert len(plan.parts) == 3
    for part in plan.parts:
        own = plan.xy[part.locations[part.is_centre]]
        halo = plan.xy[part.locations[~part.is_centre]]
        assert 0 < len(halo) < len(plan.xy) - len(own)
        # every halo location lies within the radius of an own centre
        d = np.hypot(*(halo[:, None, :] - own[None, :, :]).transpose(2, 0, 1))
        assert (d.min(axis=1) <= 700.0 * (1 + 1e-9)).all()
    # the replicates may be split over workers in any batches
    seeds = replicate_seeds(s)
    reps = [np.concatenate([part_replicate_max(p, seeds[:7]),
                            part_replicate_max(p, seeds[7:], threads=True)])
            for p in plan.parts]
    assert_same(one, combine(plan, [part_clusters(p) for p in plan.parts], reps))
    # a single partition, and one per location, give the same result too
    assert_same(one, partitioned_scan(xy, loc, day, 55, s, groups=["x"] * len(xy)))
    assert_same(one, partitioned_scan(xy, loc, day, 55, s,
                                      groups=np.arange(len(xy)).astype(str)))


def test_geographic_same_as_single_run():
    rng = np.random.default_rng(8)
    lat = 52.0 + rng.uniform(0, 0.05, 200)
    lon = 5.0 + rng.uniform(0, 0.08, 200)
    xy = np.column_stack([lat, lon])
    loc, day = _cases(rng, xy, n_cases=900)
    s = ScanSettings(max_radius_m=900.0, max_days=14, replicates=19, seed=1)
    g = np.where(lon < 5.04, "GM0001", "GM0002")
    assert_same(space_time_permutation_scan(xy, loc, day, 55, s, geographic=True),
                partitioned_scan(xy, loc, day, 55, s, groups=g, geographic=True))


def test_bad_groups():
    xy = np.array([[0.0, 0.0], [1.0, 1.0]])
    with pytest.raises(ValueError, match="groups"):
        partitioned_scan(xy, [0, 1], [0, 1], 1, ScanSettings(replicates=0),
                         groups=["a"])


def test_bad_input_gets_the_single_runs_message():
    xy = np.array([[0.0, 0.0], [1.0, 1.0]])
    for loc, day, a_day, msg in (([0, 2], [0, 1], 1, "niet in xy"),
                                 ([0, 1], [5, 6], 1, "onderzoeksperiode"),
                                 ([0, 1, 1], [0, 1], 1, "even lang")):
        with pytest.raises(ValueError, match=msg):
            space_time_permutation_scan(xy, loc, day, a_day, ScanSettings(replicates=0))
        with pytest.raises(ValueError, match=msg):
            partitioned_scan(xy, loc, day, a_day, ScanSettings(replicates=0),
                             groups=["a", "b"])
