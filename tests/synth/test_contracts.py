"""Voorbeeldstad follows the table contracts of docs/architecture.md."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from veerkracht.synth import TABLES, City, generate_city

STR = "str"
CONTRACTS: dict[str, dict[str, str]] = {
    "addresses": {
        "address_id": STR,
        "straat": STR,
        "huisnummer": "int64",
        "huisletter": STR,
        "toevoeging": STR,
        "postcode": STR,
        "woonplaats": STR,
        "gemeente": STR,
        "vbo_id": STR,
        "pand_id": STR,
        "gebruiksdoel": STR,
        "is_dwelling": "bool",
        "buurtcode": STR,
        "source": STR,
    },
    "buildings": {"pand_id": STR, "bouwjaar": "Int64", "status": STR, "source": STR},
    "buurten": {
        "buurtcode": STR,
        "buurtnaam": STR,
        "wijkcode": STR,
        "wijknaam": STR,
        "gemeentecode": STR,
        "gemeentenaam": STR,
        "source_code": STR,
    },
    "amenities": {"amenity_id": STR, "kind": STR, "name": STR, "source": STR},
    "stock": {
        "address_id": STR,
        "corporatie": STR,
        "complex_code": STR,
        "tenure": STR,
        "rent": "float64",
        "entrance_code": STR,
    },
    "households": {
        "household_key": STR,
        "address_id": STR,
        "tenure_start": "datetime64[us]",
        "tenure_end": "datetime64[us]",
        "household_type": STR,
        "need_care": "bool",
        "need_income": "bool",
        "need_outflow": "bool",
        "need_frail_elderly": "bool",
        "urgency": "bool",
        "source": STR,
        "synthetic": "bool",
    },
    "signals": {
        "signal_id": STR,
        "reported_at": "datetime64[us, UTC]",
        "category": STR,
        "source": STR,
        "address_id": STR,
        "synthetic": "bool",
    },
    "initiatives": {
        "initiative_id": STR,
        "kind": STR,
        "size": "int64",
        "started": "datetime64[us]",
        "ended": "datetime64[us]",
        "synthetic": "bool",
    },
    "professionals": {
        "presence_id": STR,
        "role": STR,
        "hours_per_week": "int64",
        "started": "datetime64[us]",
        "ended": "datetime64[us]",
        "synthetic": "bool",
    },
    "shared_spaces": {
        "space_id": STR,
        "pand_id": STR,
        "entrance_code": STR,
        "kind": STR,
        "condition": "int64",
        "inspected_at": "datetime64[us]",
        "synthetic": "bool",
    },
    "interventions": {
        "intervention_id": STR,
        "title": STR,
        "domain": STR,
        "level": STR,
        "start": "datetime64[us]",
        "end": "datetime64[us]",
        "intensity": STR,
        "organisations": STR,
        "goal": STR,
        "target_group": STR,
        "approach": STR,
        "working_elements": STR,
        "preconditions": STR,
        "description": STR,
        "source": STR,
        "synthetic": "bool",
    },
    "intervention_places": {
        "intervention_id": STR,
        "level": STR,
        "place_id": STR,
        "synthetic": "bool",
    },
    "streets": {
        "street_id": STR,
        "straat": STR,
        "woonplaats": STR,
        "wijkcode": STR,
        "synthetic": "bool",
    },
}
GEOMETRY = {
    "addresses": "Point",
    "buildings": "Polygon",
    "buurten": "Polygon",
    "amenities": "Point",
    "signals": "Point",
    "initiatives": "Point",
    "professionals": "Point",
    "streets": "LineString",
}
IDS = {
    "addresses": "address_id",
    "buildings": "pand_id",
    "buurten": "buurtcode",
    "amenities": "amenity_id",
    "stock": "address_id",
    "households": "household_key",
    "signals": "signal_id",
    "initiatives": "initiative_id",
    "professionals": "presence_id",
    "shared_spaces": "space_id",
    "streets": "street_id",
    "interventions": "intervention_id",
}


@pytest.mark.parametrize("name", sorted(CONTRACTS))
def test_columns_and_dtypes_follow_the_contract(city: City, name: str):
    frame = city.tables()[name]
    expected = CONTRACTS[name]
    columns = [c for c in frame.columns if c != "geometry"]
    assert columns == list(expected)
    for col, dtype in expected.items():
        got = frame[col].dtype
        if dtype == STR:
            assert isinstance(got, pd.StringDtype), f"{name}.{col}: {got}"
        else:
            assert str(got) == dtype, f"{name}.{col}: {got} != {dtype}"
    if name in GEOMETRY:
        assert isinstance(frame, gpd.GeoDataFrame)
        assert frame.crs.to_epsg() == 28992
        assert set(frame.geom_type) == {GEOMETRY[name]}
        assert frame.geometry.is_valid.all()
    else:
        assert not isinstance(frame, gpd.GeoDataFrame)
    key = [IDS[name]] if name in IDS else ["intervention_id", "place_id"]
    assert not frame.duplicated(key).any()
    assert frame[key].notna().all().all()
    if "synthetic" in frame.columns:
        assert frame["synthetic"].all()


def test_every_table_is_there(city: City):
    assert set(city.tables()) == set(TABLES) == set(CONTRACTS)


def test_missing_values_are_na_never_empty_strings(city: City):
    for name, frame in city.tables().items():
        for col in frame.columns:
            if isinstance(frame[col].dtype, pd.StringDtype):
                assert not (frame[col] == "").any(), f"{name}.{col}"


def test_codes_are_fictional_and_well_formed(city: City):
    b = city.buurten
    assert 6 <= len(b) <= 10
    assert 2 <= b["wijkcode"].nunique() <= 4
    assert b["buurtcode"].str.fullmatch(r"BU9999\d{4}").all()
    assert b["wijkcode"].str.fullmatch(r"WK9999\d{2}").all()
    assert (b["gemeentecode"] == "GM9999").all()
    assert (b["gemeentenaam"] == "Voorbeeldstad").all()
    assert (b["buurtcode"].str[2:8] == b["wijkcode"].str[2:]).all()
    a = city.addresses
    assert a["postcode"].str.fullmatch(r"99\d{2}[A-Z]{2}").all()
    assert a["vbo_id"].str.fullmatch(r"999901\d{10}").all()
    assert city.buildings["pand_id"].str.fullmatch(r"999910\d{10}").all()
    key = (
        a["postcode"]
        + "-"
        + a["huisnummer"].astype(str)
        + a["huisletter"].fillna("")
        + ("-" + a["toevoeging"]).fillna("")
    )
    assert (key == a["address_id"]).all()


def test_placed_in_the_netherlands_in_rd(city: City):
    x0, y0, x1, y1 = city.buurten.total_bounds
    assert 100_000 < x0 < x1 < 250_000
    assert 400_000 < y0 < y1 < 600_000
    assert 1_000 < x1 - x0 < 10_000


def test_buurten_tile_the_city(city: City):
    b = city.buurten
    union = shapely.union_all(b.geometry.to_numpy())
    assert union.area == pytest.approx(b.area.sum(), rel=1e-9)
    assert isinstance(union, shapely.Polygon)  # one connected city


def test_every_address_lies_in_its_buurt(city: City):
    a = city.addresses
    joined = gpd.sjoin(
        a[["address_id", "buurtcode", "geometry"]],
        city.buurten[["buurtcode", "geometry"]],
        predicate="within",
        how="left",
    )
    assert len(joined) == len(a)
    assert (joined["buurtcode_left"] == joined["buurtcode_right"]).all()


def test_every_address_lies_inside_its_building(city: City):
    a = city.addresses
    footprints = city.buildings.set_index("pand_id").geometry
    polys = footprints.loc[a["pand_id"]].to_numpy()
    assert shapely.contains_properly(polys, a.geometry.to_numpy()).all()


def test_buildings_do_not_overlap(city: City):
    b = city.buildings
    left, right = b.sindex.query(b.geometry, predicate="overlaps")
    assert len(left) == 0


def test_portiek_entrances_share_a_number_with_suffixes(city: City):
    a = city.addresses
    suff = a[a["toevoeging"].notna()]
    assert {"H", "1", "2"} <= set(suff["toevoeging"])
    sizes = suff.groupby(["straat", "huisnummer", "postcode"]).size()
    assert sizes.between(6, 8).all()
    assert len(sizes) > 100


def test_galerijflats_give_every_flat_its_own_number(city: City):
    kinds = city.building_types.set_index("pand_id")
    a = city.addresses
    gal = a[kinds.loc[a["pand_id"], "kind"].to_numpy() == "galerij"]
    assert len(gal) > 500
    assert gal["toevoeging"].isna().all() and gal["huisletter"].isna().all()
    per = gal.groupby("pand_id")
    assert (per["huisnummer"].nunique() == per.size()).all()
    assert per.size().between(48, 120).all()
    assert (per["straat"].nunique() == 1).all()


def test_house_numbers_are_odd_and_even_by_side(city: City):
    a = city.addresses
    one = a.groupby(["straat", "postcode"])["huisnummer"].agg(lambda s: set(s % 2))
    assert (one.map(len) == 1).all()


def test_row_houses_touch_and_form_blocks(city: City):
    kinds = city.building_types.set_index("pand_id")["kind"]
    b = city.buildings
    rows = b[kinds.loc[b["pand_id"]].to_numpy() == "row"]
    left, right = rows.sindex.query(rows.geometry, predicate="touches")
    pairs = left < right
    assert pairs.sum() > 0.6 * len(rows)
    # each touching pair shares a whole wall, not a corner
    shared = shapely.intersection(
        rows.geometry.to_numpy()[left[pairs]], rows.geometry.to_numpy()[right[pairs]]
    )
    assert (shapely.length(shared) > 5).all()


def test_mixed_buildings_have_shops_below_dwellings(city: City):
    a = city.addresses
    shops = a[~a["is_dwelling"]]
    assert len(shops) > 20
    assert (shops["gebruiksdoel"] == "winkelfunctie").all()
    assert (a.loc[a["is_dwelling"], "gebruiksdoel"] == "woonfunctie").all()
    mixed = a[a["pand_id"].isin(shops["pand_id"])]
    assert mixed["is_dwelling"].any()
    upstairs = mixed[mixed["is_dwelling"]]
    assert upstairs["huisletter"].isin(["A", "B", "C"]).all()


def test_street_names_unique_per_woonplaats(city: City):
    s = city.streets
    assert s["straat"].is_unique
    assert set(city.addresses["straat"]) <= set(s["straat"])
    assert (s["straat"].str.len() > 5).all()


def test_stock_covers_every_dwelling(city: City):
    a = city.addresses
    assert set(city.stock["address_id"]) == set(a.loc[a["is_dwelling"], "address_id"])
    s = city.stock
    assert set(s["tenure"]) == {"social_rent", "mid_rent", "private_rent", "owner"}
    corp = s["tenure"].isin(["social_rent", "mid_rent"])
    assert s.loc[corp, "corporatie"].notna().all()
    assert s.loc[corp, "complex_code"].notna().all()
    assert s.loc[~corp, "complex_code"].isna().all()
    assert s.loc[s["tenure"] == "owner", "rent"].isna().all()
    assert s.loc[s["tenure"] != "owner", "rent"].gt(300).all()


def test_households_are_consistent_over_time(city: City):
    h = city.households
    a = city.addresses
    assert set(h["address_id"]) <= set(a.loc[a["is_dwelling"], "address_id"])
    done = h["tenure_end"].notna()
    assert (h.loc[done, "tenure_end"] >= h.loc[done, "tenure_start"]).all()
    # one household per dwelling at a time: the living ones are unique per address
    current = h[~done]
    assert current["address_id"].is_unique
    ordered = h.sort_values(["address_id", "tenure_start"])
    prev_end = ordered.groupby("address_id")["tenure_end"].shift()
    assert (prev_end.isna() | (prev_end <= ordered["tenure_start"])).all()
    assert set(h["household_type"]) == {
        "single",
        "couple",
        "family",
        "single_parent",
        "other",
    }
    frail = h["need_frail_elderly"]
    assert (h.loc[frail, "household_type"] == "single").all()


def test_signals_are_located(city: City):
    s = city.signals
    on_address = s["address_id"].notna()
    assert 0.1 < (~on_address).mean() < 0.5
    pos = city.addresses.set_index("address_id").geometry
    assert (
        pos.loc[s.loc[on_address, "address_id"]].to_numpy()
        == s.loc[on_address].geometry.to_numpy()
    ).all()
    assert set(s["category"]) == {
        "noise",
        "neighbour_conflict",
        "unsafety",
        "neglect",
        "care_worry",
        "indifference",
    }
    assert set(s["source"]) == {
        "resident",
        "corporation",
        "welfare",
        "area_broker",
        "police",
    }
    inside = gpd.sjoin(s[["geometry"]], city.buurten[["geometry"]], predicate="within")
    assert inside.index.is_unique and len(inside) == len(s)


def test_shared_spaces_point_at_buildings_and_entrances(city: City):
    sp = city.shared_spaces
    assert set(sp["pand_id"]) <= set(city.buildings["pand_id"])
    assert set(sp["kind"]) == {"stairwell", "gallery", "courtyard", "storage"}
    assert sp["condition"].between(1, 5).all()
    stair = sp[sp["kind"] == "stairwell"]
    a = city.addresses
    doors = set(a["postcode"] + "-" + a["huisnummer"].astype(str))
    assert set(stair["entrance_code"]) <= doors


def test_no_forbidden_fields_anywhere(city: City):
    forbidden = re.compile(
        r"nation|ethni|etni|country|birth|geboorte|migra|herkomst|"
        r"afkomst|origin|religi|risk|score|rank",
        re.IGNORECASE,
    )
    for name, frame in city.tables().items():
        for col in frame.columns:
            assert not forbidden.search(col), f"{name}.{col}"


def test_reaches_the_requested_size():
    small = generate_city(seed=5, n_dwellings=3000, years=1)
    n = int(small.addresses["is_dwelling"].sum())
    assert 3000 <= n <= 3000 * 1.08
    assert len(small.households) >= n


def test_invalid_params_raise_a_clear_error():
    with pytest.raises(ValueError, match="n_dwellings"):
        generate_city(n_dwellings=10)


def test_dwelling_counts_by_building_kind(city: City):
    kinds = city.building_types.set_index("pand_id")["kind"]
    a = city.addresses[city.addresses["is_dwelling"]]
    share = kinds.loc[a["pand_id"]].value_counts(normalize=True)
    assert set(share.index) == {
        "portiek",
        "galerij",
        "row",
        "semi",
        "detached",
        "mixed",
    }
    storeys = city.building_types.groupby("kind")["storeys"]
    assert storeys.min()["galerij"] >= 6 and storeys.max()["galerij"] <= 10
    assert storeys.min()["portiek"] >= 3 and storeys.max()["portiek"] <= 4
    assert np.isclose(share.sum(), 1.0)


def test_interventions_follow_their_definition_and_point_at_flats(city: City):
    from veerkracht.analytics.evaluation.interventions import (
        INTERVENTION_COLUMNS,
        PLACE_COLUMNS,
        check_interventions,
        combinations,
    )
    from veerkracht.synth.interventions import MIN_DWELLINGS, PLANTED

    iv, places = city.interventions, city.intervention_places
    assert list(iv.columns) == list(INTERVENTION_COLUMNS)
    assert list(places.columns) == list(PLACE_COLUMNS)
    check_interventions(iv)
    assert set(iv["intervention_id"]) == {p.intervention_id for p in PLANTED}
    assert set(places["intervention_id"]) <= set(iv["intervention_id"])
    dw = city.addresses[city.addresses["is_dwelling"]]
    size = dw.groupby("pand_id").size()
    pand = places["place_id"].str.removeprefix("B-")
    assert pand.isin(size.index).all()
    assert (size[pand.to_numpy()] >= MIN_DWELLINGS).all()
    # the concierge shares buildings with the living room: a combination
    assert set(combinations(places)["combination"]) == {
        "demo-conciërge+demo-huiskamer"}
