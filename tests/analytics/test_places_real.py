"""Place derivation on real open data (LJPc, Doesburg panden, Amsterdam)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from veerkracht.analytics.places import (
    LEVELS,
    UNKNOWN,
    _in_use,
    derive_places,
    touching_groups,
)
from veerkracht.io.addresses import combine_results, read_addresses
from veerkracht.io.buildings import read_buildings
from veerkracht.io.buurten import read_buurten

pytestmark = pytest.mark.slow

ID_COLUMN = {"entrance": "entrance_id", "building": "building_id", "block": "block_id",
             "street": "street_id", "buurt": "buurtcode", "wijk": "wijkcode",
             "gemeente": "gemeentecode"}


def _path(shared_data, name):
    path = shared_data / name
    if not path.exists():
        pytest.skip(f"{name} is not available here")
    return path


@pytest.fixture(scope="module")
def ljpc(shared_data):
    results = [read_addresses(_path(shared_data, f"ljpc_adressen_{p}.csv.zst"))
               for p in ("Groningen", "Flevoland")]
    addresses = combine_results(results)
    return addresses, derive_places(addresses)


def assert_partition(places, addresses):
    d = places.dwellings
    assert len(d) == int(addresses["is_dwelling"].sum())
    assert d["address_id"].is_unique
    assert set(d["address_id"]) == set(addresses.loc[addresses["is_dwelling"],
                                                     "address_id"])
    for level in LEVELS:
        table = places.levels[level]
        ids = d[ID_COLUMN[level]]
        assert ids.notna().all(), level
        assert table["place_id"].is_unique, level
        assert set(ids) == set(table["place_id"]), level
        assert table["n_dwellings"].sum() == len(d), level
        assert (table["n_dwellings"] >= 1).all(), level


def test_groningen_and_flevoland_every_dwelling_in_one_place_per_level(ljpc):
    addresses, places = ljpc
    assert len(places.dwellings) > 540_000
    assert_partition(places, addresses)
    # LJPc gives no buurt code and we have no polygons for these provinces
    assert places.levels["buurt"]["place_id"].tolist() == [UNKNOWN]
    assert places.summary["unknown_buurt_dwellings"] == len(places.dwellings)


def test_ljpc_sanity_figures(ljpc):
    """The figures recorded in docs/places.md ("Real data")."""
    _, places = ljpc
    n = len(places.dwellings)
    e = places.levels["entrance"]
    multi = e.loc[e["n_dwellings"] > 1, "n_dwellings"].sum() / n
    assert 0.06 < multi < 0.12
    largest = e.nlargest(1, "n_dwellings").iloc[0]
    # a holiday park: Slingerweg 1, Zeewolde (documented failure case)
    assert largest["name"] == "Slingerweg 1"
    assert 600 < largest["n_dwellings"] < 800
    # the Lelystad flat where every dwelling has its own number on one point
    d = places.dwellings.set_index("address_id")
    flat = d.loc[[f"8224KS-{n}" for n in range(401, 462, 2)], "entrance_id"]
    assert flat.nunique() == 1
    assert e.set_index("place_id").loc[flat.iloc[0], "method"] == "point"
    # suffixes of one number in Groningen city: one entrance
    b = places.levels["building"]
    assert 0.15 < b.loc[b["n_dwellings"] > 1, "n_dwellings"].sum() / n < 0.3
    s = places.levels["street"]
    assert 14_000 < len(s) < 16_000
    # every entrance lies in one building, every building in one block
    assert e["parent_id"].notna().all()
    assert b["parent_id"].notna().all()


def test_ljpc_ids_are_stable_under_row_order(ljpc):
    addresses, places = ljpc
    sub = addresses[addresses["postcode"].str.startswith("97")]
    first = derive_places(sub)
    again = derive_places(sub.sample(frac=1.0, random_state=7))
    pd.testing.assert_frame_equal(first.dwellings, again.dwellings)
    for level in LEVELS:
        pd.testing.assert_frame_equal(first.levels[level], again.levels[level])


@pytest.fixture(scope="module")
def doesburg(shared_data):
    path = _path(shared_data, "doesburg_bag_panden_20200915_nlextract.gpkg")
    return read_buildings(path).frame


def test_doesburg_blocks_from_touching_footprints(doesburg):
    in_use = _in_use(doesburg).reset_index(drop=True)
    assert len(in_use) < len(doesburg)  # demolished, planned panden are left out
    labels = touching_groups(in_use.geometry.values)
    sizes = np.bincount(labels)
    assert len(sizes) < len(in_use) / 2  # terraced rows and town centre join up
    # two panden that share a wall (Doesburg, 1988) form one block
    ids = in_use["pand_id"].to_numpy()
    a = labels[ids == "0221100000311383"][0]
    b = labels[ids == "0221100000311384"][0]
    assert a == b
    # every footprint in a block touches another one of that block
    for k in np.flatnonzero(sizes > 1)[:50]:
        members = in_use.geometry.values[labels == k]
        for g in members:
            others = members[~shapely.equals(members, g)]
            assert shapely.dwithin(others, g, 0.5).any()


def test_doesburg_derivation_on_footprints_alone(doesburg):
    """No addresses exist for Doesburg: one synthetic dwelling per in-use pand."""
    in_use = _in_use(doesburg).reset_index(drop=True)
    points = shapely.point_on_surface(in_use.geometry.values)
    import geopandas as gpd

    addresses = gpd.GeoDataFrame({
        "address_id": pd.array([f"D-{i:05d}" for i in range(len(in_use))], dtype="str"),
        "straat": pd.array(["Straat"] * len(in_use), dtype="str"),
        "huisnummer": np.arange(1, len(in_use) + 1),
        "woonplaats": pd.array(["Doesburg"] * len(in_use), dtype="str"),
        "is_dwelling": True,
    }, geometry=points, crs=28992)
    places = derive_places(addresses, buildings=doesburg)
    d = places.dwellings.set_index("address_id")
    pand_of = pd.Series(in_use["pand_id"].to_numpy(), index=addresses["address_id"])
    # overlapping footprints may catch a point; nearly all land in their own pand
    own = (d["building_id"] == "B-" + pand_of.reindex(d.index)).mean()
    assert own > 0.99
    blocks = places.levels["block"]
    assert set(blocks["method"]) == {"footprints"}
    expected = len(np.unique(touching_groups(in_use.geometry.values)))
    assert abs(len(blocks) - expected) <= expected * 0.01
    assert blocks.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).all()


def test_houthavens_with_amsterdam_buurten(shared_data):
    addresses = read_addresses(
        _path(shared_data, "amsterdam_houthavens_bag_adressen_gokoala.gpkg")).frame
    buurten = read_buurten(
        _path(shared_data, "amsterdam_gebied_buurten_2015_2021_mercury.gpkg")).frame
    places = derive_places(addresses, buurten=buurten)
    assert_partition(places, addresses)
    d = places.dwellings
    assert (d["buurtcode"] != UNKNOWN).all()
    assert d["buurtcode"].str.startswith("BU0363").all()
    assert (d["gemeentecode"] == "GM0363").all()
    buurt = places.levels["buurt"].set_index("place_id")
    assert "Zeeheldenbuurt" in set(buurt["name"])
    assert buurt.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    # Barentszplein 1-H, 1-1, 1-2, ...: one entrance
    labels = addresses.set_index("address_id")
    one = labels[(labels["straat"] == "Barentszplein") & (labels["huisnummer"] == 1)
                 & labels["huisletter"].isna()].index
    assert len(one) > 2
    assert d.set_index("address_id").loc[one, "entrance_id"].nunique() == 1
    # streets are within a buurt
    assert set(places.levels["street"]["method"]) == {"buurt"}
