"""The scan's neighbour lists: built in chunks of centres, and refused with
one sentence before they outgrow memory (VEERKRACHT_SCAN_MAX_MB)."""

from __future__ import annotations

import numpy as np
import pytest

import veerkracht.analytics.warning.scan as scan
from veerkracht.analytics.warning.partition import partitioned_scan
from veerkracht.analytics.warning.scan import (
    ScanSettings,
    ScanTooLarge,
    space_time_permutation_scan,
)


def _city(n_loc=600, n_sig=3000, seed=3):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 3000, (n_loc, 2))
    loc = rng.integers(0, n_loc, n_sig)
    day = rng.integers(0, 60, n_sig)
    return xy, loc, day


def test_lists_built_in_chunks_equal_one_chunk(monkeypatch):
    xy, loc, day = _city()
    s = ScanSettings(max_radius_m=800.0)
    cz = np.bincount(loc, minlength=len(xy))
    whole = scan._neighbours(xy, cz, s, len(loc), False)
    monkeypatch.setattr(scan, "_CENTRE_CHUNK", 37)  # many uneven chunks
    parts = scan._neighbours(xy, cz, s, len(loc), False)
    for a, b in zip(whole, parts, strict=True):
        np.testing.assert_array_equal(a, b)
    r1 = space_time_permutation_scan(xy, loc, day, 59, ScanSettings(
        max_radius_m=800.0, replicates=19))
    monkeypatch.setattr(scan, "_CENTRE_CHUNK", 20_000)
    r2 = space_time_permutation_scan(xy, loc, day, 59, ScanSettings(
        max_radius_m=800.0, replicates=19))
    np.testing.assert_array_equal(r1.replicate_max, r2.replicate_max)


def test_too_many_pairs_are_refused_with_a_radius_that_fits(monkeypatch):
    xy, loc, day = _city()
    s = ScanSettings(max_radius_m=3000.0, replicates=9)
    cz = np.bincount(loc, minlength=len(xy))
    pairs = int((cz > 0).sum()) * len(xy)  # 3 km covers the whole square
    monkeypatch.setenv("VEERKRACHT_SCAN_MAX_MB", "1")
    assert pairs * 41 > 2**20
    with pytest.raises(ScanTooLarge, match=r"VEERKRACHT_SCAN_MAX_MB") as err:
        space_time_permutation_scan(xy, loc, day, 59, s)
    msg = str(err.value)
    assert "paren van een middelpunt" in msg and "GiB" in msg
    fit = float(msg.split("straal tot ")[1].split(" m")[0].replace(".", ""))
    assert 10 <= fit < 3000
    # the radius it names fits (the count grows with the square of the radius)
    space_time_permutation_scan(xy, loc, day, 59, ScanSettings(
        max_radius_m=fit, replicates=9))
    # the partitioned scan is held to the same limit
    with pytest.raises(ScanTooLarge):
        partitioned_scan(xy, loc, day, 59, s, groups=(xy[:, 0] > 1500).astype(int))


@pytest.mark.parametrize("raw", ["0", "-5", "veel", "1.5"])
def test_a_bad_limit_is_refused_not_ignored(monkeypatch, raw):
    xy, loc, day = _city(n_loc=50, n_sig=200)
    monkeypatch.setenv("VEERKRACHT_SCAN_MAX_MB", raw)
    with pytest.raises(ValueError, match="positief geheel getal"):
        space_time_permutation_scan(xy, loc, day, 59, ScanSettings(replicates=9))


def test_the_documented_default_is_the_scans():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "config.md").read_text()
    assert (f"| `{scan.SCAN_MAX_MB_ENV}` | `{scan.DEFAULT_SCAN_MAX_MB}` |") in doc


def test_the_count_is_the_lists_and_the_refusal_carries_it(monkeypatch):
    """check_scan_fits counts exactly the entries the lists hold (a brute
    force over every pair agrees), and a refusal carries that count and the
    radius its message names."""
    from scipy.spatial.distance import cdist

    xy, loc, day = _city()
    with_cases = np.unique(loc)
    for radius in (150.0, 800.0):
        s = ScanSettings(max_radius_m=radius, max_share_of_cases=1.0)
        brute = int((cdist(xy, xy[with_cases]) <= radius).sum())
        assert scan.check_scan_fits(xy, loc, s) == brute
        cz = np.bincount(loc, minlength=len(xy))
        assert len(scan._neighbours(xy, cz, s, len(loc), False)[1]) == brute
    monkeypatch.setenv("VEERKRACHT_SCAN_MAX_MB", "1")
    with pytest.raises(ScanTooLarge) as err:
        scan.check_scan_fits(xy, loc, ScanSettings(max_radius_m=3000.0))
    assert err.value.pairs == int((cdist(xy, xy[with_cases]) <= 3000.0).sum())
    assert f"straal tot {scan._nl_int(err.value.fit_m)} m" in str(err.value)
    # the largest whole metre that fits, to the bisection's 0.25 m
    assert (cdist(xy, xy[with_cases]) <= err.value.fit_m).sum() * 41 <= 2**20
    assert (cdist(xy, xy[with_cases]) <= err.value.fit_m + 2).sum() * 41 > 2**20
