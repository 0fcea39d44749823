"""``run_places`` reads its inputs compactly and derives exactly the same places."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from veerkracht.analytics.places import derive_places
from veerkracht.jobs.places import (
    PlacesError,
    read_inputs,
    run_places,
    with_gemeentecodes,
)
from veerkracht.store import open_workspace

X0, Y0 = 233_000.0, 582_000.0


def rich_addresses(seed: int = 3) -> gpd.GeoDataFrame:
    """Flats, terraces, letters, suffixes, repeated woonplaats names, non-dwellings.

    Every column of the ``addresses`` contract, also those the rules do not
    read, with pand ids and buurt codes for part of the rows only.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(30):
        gemeente = ["Oldambt", "Midden-Groningen", "Groningen"][s % 3]
        woonplaats = "Oostwold" if s % 5 == 0 else f"Plaats {s % 4}"
        x0, y0 = X0 + rng.uniform(0, 3_000), Y0 + rng.uniform(0, 3_000)
        flats = s % 3 == 1
        for k in range(int(rng.integers(2, 40))):
            nr = 1 + (k // 5 if flats else k)
            letter = ["a", "B", None, " "][k % 4] if s % 7 == 2 else None
            toev = str(k % 5 + 1) if flats else None
            postcode = f"{9600 + s} {'AB' if k < 20 else 'AC'}"
            pc = postcode.replace(" ", "")
            aid = f"{pc}-{nr}{(letter or '').strip().upper()}" + (
                f"-{toev}" if toev else "")
            jitter = rng.normal(0, 0.2, size=2) if flats else (k * 5.5, 0.0)
            rows.append({
                "address_id": aid, "straat": f"Straat {s % 11}", "huisnummer": nr,
                "huisletter": letter, "toevoeging": toev, "postcode": postcode,
                "woonplaats": woonplaats, "gemeente": gemeente,
                "vbo_id": f"vbo{s:03d}{k:03d}",
                "pand_id": f"P{s:04d}" if s % 4 == 0 else None,
                "gebruiksdoel": "woonfunctie" if k % 9 else "winkelfunctie",
                "is_dwelling": bool(k % 9),
                "buurtcode": "BU00140001" if s % 6 == 0 else None,
                "source": "test.csv",
                "x": x0 + float(jitter[0]) + nr * 6.0, "y": y0 + float(jitter[1]),
            })
    frame = pd.DataFrame(rows).drop_duplicates("address_id").reset_index(drop=True)
    for col in ("address_id", "straat", "huisletter", "toevoeging", "postcode",
                "woonplaats", "gemeente", "vbo_id", "pand_id", "gebruiksdoel",
                "buurtcode", "source"):
        frame[col] = frame[col].astype("str")
    geometry = shapely.points(frame["x"], frame["y"])
    # a non-dwelling without a point is allowed
    shop = np.flatnonzero(~frame["is_dwelling"].to_numpy())[0]
    geometry[shop] = None
    out = gpd.GeoDataFrame(frame.drop(columns=["x", "y"]), geometry=geometry,
                           crs=28992)
    return out.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def buildings_for(addresses: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A footprint around some of the terraces, and an unused one."""
    pts = addresses.geometry.dropna()
    picks = pts.iloc[::7]
    polys = [p.buffer(4.0, cap_style="square") for p in picks]
    return gpd.GeoDataFrame({
        "pand_id": [f"0014100000{i:06d}" for i in range(len(polys))],
        "bouwjaar": pd.array([1930] * len(polys), dtype="Int64"),
        "status": ["Pand in gebruik" if i % 5 else "Pand gesloopt"
                   for i in range(len(polys))],
    }, geometry=polys, crs=28992)


def buurten_for() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({
        "buurtcode": ["BU00140001", "BU00140002"],
        "buurtnaam": ["Noord", "Zuid"],
        "wijkcode": ["WK001400", "WK001400"], "wijknaam": ["Centrum"] * 2,
        "gemeentecode": ["GM0014"] * 2, "gemeentenaam": ["Groningen"] * 2,
        "aantal_inwoners": [100, 200],
    }, geometry=[shapely.box(X0, Y0, X0 + 1_500, Y0 + 3_000),
                 shapely.box(X0 + 1_500, Y0, X0 + 3_000, Y0 + 1_500)], crs=28992)


def stock_for(addresses: gpd.GeoDataFrame) -> pd.DataFrame:
    dw = addresses[addresses["is_dwelling"]]["address_id"].iloc[:12]
    return pd.DataFrame({
        "address_id": dw.to_numpy(),
        "entrance_code": pd.array(["P1"] * 4 + [None] * 8, dtype="str"),
        "complex_code": pd.array(["C1"] * 6 + ["C2"] * 6, dtype="str"),
        "huurprijs": np.arange(12.0),
    })


@pytest.fixture
def full_ws(tmp_path):
    addresses = rich_addresses()
    ws = open_workspace(tmp_path / "ws")
    with ws.transaction("import", source="test") as tx:
        tx.put("addresses", addresses)
        tx.put("buildings", buildings_for(addresses))
        tx.put("buurten", buurten_for())
        tx.put("stock", stock_for(addresses))
    return ws


def assert_same_places(got, want) -> None:
    assert set(got.levels) == set(want.levels)
    assert_geodataframe_equal(got.dwellings, want.dwellings, check_less_precise=False)
    for level in want.levels:
        assert_geodataframe_equal(got.levels[level], want.levels[level])
    assert got.summary == want.summary


def test_run_places_equals_derive_places_on_the_whole_tables(full_ws):
    # the job adds the gemeente's CBS code from its name (package list)
    addresses = with_gemeentecodes(full_ws.read("addresses"))
    want = derive_places(addresses, buildings=full_ws.read("buildings"),
                         buurten=full_ws.read("buurten"),
                         overrides=full_ws.read("stock"))
    # the set exercises every rule: footprints, codes, overrides, letters
    assert set(want.levels["building"]["method"]) == {"bag_pand", "footprint",
                                                      "cluster"}
    assert "override" in set(want.levels["entrance"]["method"])
    assert "complex" in set(want.levels["block"]["method"])
    assert want.summary["unknown_buurt_dwellings"] > 0
    got = run_places(full_ws)
    assert_same_places(got, want)
    # and what was stored is what was derived
    stored = full_ws.read("place_entrance")
    assert_geodataframe_equal(stored, want.levels["entrance"])


def test_read_inputs_is_compact(full_ws):
    addresses, buildings, buurten, overrides = read_inputs(full_ws)
    assert not isinstance(addresses, gpd.GeoDataFrame)
    assert {"toevoeging", "gebruiksdoel", "source", "vbo_id"}.isdisjoint(addresses)
    assert isinstance(addresses["straat"].dtype, pd.CategoricalDtype)
    assert isinstance(addresses["woonplaats"].dtype, pd.CategoricalDtype)
    assert addresses["x"].dtype == np.float64
    # the non-dwelling without a point keeps NaN, every other row its point
    assert int(addresses["x"].isna().sum()) == 1
    assert "bouwjaar" not in buildings and "aantal_inwoners" not in buurten
    assert list(overrides.columns) == ["address_id", "entrance_code", "complex_code"]


def test_compact_form_gives_the_same_places_in_memory():
    addresses = rich_addresses(seed=11)
    want = derive_places(addresses)
    compact = pd.DataFrame(addresses.drop(columns="geometry"))
    for col in ("straat", "woonplaats", "gemeente", "postcode", "huisletter"):
        compact[col] = compact[col].astype("category")
    compact["x"] = shapely.get_x(addresses.geometry.to_numpy())
    compact["y"] = shapely.get_y(addresses.geometry.to_numpy())
    assert_same_places(derive_places(compact), want)


def test_a_dwelling_without_point_is_refused_in_both_forms(tmp_path):
    addresses = rich_addresses()
    dwelling = np.flatnonzero(addresses["is_dwelling"].to_numpy())[0]
    addresses.loc[dwelling, "geometry"] = shapely.Point()  # empty
    with pytest.raises(ValueError, match="needs a point"):
        derive_places(addresses)
    ws = open_workspace(tmp_path / "ws")
    with ws.transaction("import", source="test") as tx:
        tx.put("addresses", addresses)
    with pytest.raises(PlacesError, match="needs a point"):
        run_places(ws)


def test_tables_without_optional_columns_still_work(tmp_path):
    addresses = rich_addresses().drop(columns=["pand_id", "buurtcode", "gemeente"])
    ws = open_workspace(tmp_path / "ws")
    with ws.transaction("import", source="test") as tx:
        tx.put("addresses", addresses)
    assert_same_places(run_places(ws), derive_places(addresses))
