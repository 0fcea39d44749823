"""Hulls computed in chunks of whole groups equal the hulls of one pass."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from veerkracht.analytics import places as places_module
from veerkracht.analytics.places import LEVELS, derive_places


def scattered_addresses(seed: int = 7) -> gpd.GeoDataFrame:
    """Streets of terraces, flats on one point and long rows (> 16 members)."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(40):
        n = int(rng.integers(1, 60))  # some streets longer than _EXACT_HULL_MAX
        x0, y0 = rng.uniform(0, 5_000, size=2)
        flats = rng.random() < 0.3
        for k in range(n):
            nr = 1 + (k // 4 if flats else k)
            toev = str(k % 4 + 1) if flats else None
            if flats:
                dx, dy = rng.normal(0, 0.3, size=2)
            else:
                dx, dy = k * 6.0, rng.normal(0, 2)
            rows.append({
                "address_id": f"{1000 + s}AB-{nr}" + (f"-{toev}" if toev else ""),
                "straat": f"Straat {s % 25}", "huisnummer": nr,
                "huisletter": None, "toevoeging": toev,
                "postcode": f"{1000 + s}AB", "woonplaats": "Leek",
                "is_dwelling": True, "x": x0 + nr * 6.0 + dx, "y": y0 + dy,
            })
    frame = pd.DataFrame(rows).drop_duplicates("address_id")
    for col in ("address_id", "straat", "huisletter", "toevoeging", "postcode",
                "woonplaats"):
        frame[col] = frame[col].astype("str")
    geometry = shapely.points(frame["x"], frame["y"])
    return gpd.GeoDataFrame(frame.drop(columns=["x", "y"]), geometry=geometry,
                            crs=28992).reset_index(drop=True)


@pytest.mark.parametrize("chunk", [1, 7, 50])
def test_hulls_per_chunk_equal_one_pass(chunk, monkeypatch):
    rng = np.random.default_rng(3)
    sizes = np.r_[1, 1, 2, 3, 17, 40, 5, 1, 16, 90]
    codes = np.repeat(np.arange(len(sizes)), sizes)
    rng.shuffle(codes)
    xy = np.round(rng.uniform(0, 100, size=(len(codes), 2)), 3)
    points = shapely.points(xy)
    whole = places_module._hulls(xy, codes, len(sizes), points)
    monkeypatch.setattr(places_module, "_HULL_CHUNK", chunk)
    chunked = places_module._hulls(xy, codes, len(sizes), points)
    assert shapely.equals_exact(whole, chunked, tolerance=0).all()
    # and without the single-member shortcut
    assert shapely.equals_exact(places_module._hulls(xy, codes, len(sizes)),
                                whole, tolerance=0).all()


def test_derivation_in_chunks_gives_identical_tables(monkeypatch):
    addresses = scattered_addresses()
    whole = derive_places(addresses)
    assert (whole.levels["street"]["n_dwellings"] > 16).any()  # extreme-point path
    monkeypatch.setattr(places_module, "_HULL_CHUNK", 5)
    chunked = derive_places(addresses)
    pd.testing.assert_frame_equal(whole.dwellings, chunked.dwellings)
    for level in LEVELS:
        pd.testing.assert_frame_equal(whole.levels[level], chunked.levels[level])
        assert whole.levels[level].geometry.geom_equals_exact(
            chunked.levels[level].geometry, 0).all()
    assert whole.summary == chunked.summary
