"""Gemeente, wijk and buurt of every dwelling: name, polygons, the rest areas."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from veerkracht.analytics.places import AREA_SNAP_DISTANCE
from veerkracht.cli.main import main
from veerkracht.jobs.places import run_places
from veerkracht.store import open_workspace

X0, Y0 = 233_000.0, 582_000.0

#: address id -> (x offset, gemeente name, expected buurt, wijk, gemeente)
CASES = {
    "in-buurt": (100, "Groningen", "BU00140000", "WK001400", "GM0014"),
    "in-wijk": (700, "Groningen", "BU001400XX", "WK001400", "GM0014"),
    "former-name": (1500, "Haren", "BU001401XX", "WK001401", "GM0014"),
    # in a wijk of another gemeente, 20 m from its own: the nearest own wijk
    "border": (2020, "GRONINGEN", "BU001401XX", "WK001401", "GM0014"),
    # deep in another gemeente's wijk: the rest of its own gemeente
    "far": (2600, "Groningen", "BU0014XXXX", "WK0014XX", "GM0014"),
    "other": (2600, "Midden-Groningen", "BU195200XX", "WK195200", "GM1952"),
    "no-name": (2700, None, "BU195200XX", "WK195200", "GM1952"),
    "atlantis": (9000, "Atlantis", "onbekend", "onbekend", "onbekend"),
}


def addresses() -> gpd.GeoDataFrame:
    ids = list(CASES)
    frame = pd.DataFrame({
        "address_id": ids,
        "straat": ["Bosweg"] * len(ids),
        "huisnummer": np.arange(1, len(ids) + 1),
        "huisletter": pd.array([None] * len(ids), dtype="str"),
        "toevoeging": pd.array([None] * len(ids), dtype="str"),
        "postcode": ["9711AA"] * len(ids),
        "woonplaats": ["Groningen"] * len(ids),
        "gemeente": pd.array([CASES[i][1] for i in ids], dtype="str"),
        "is_dwelling": True,
    })
    for col in ("address_id", "straat", "postcode", "woonplaats"):
        frame[col] = frame[col].astype("str")
    xs = np.array([X0 + CASES[i][0] for i in ids], dtype=float)
    return gpd.GeoDataFrame(frame, geometry=shapely.points(xs, np.full(len(ids), Y0)),
                            crs=28992)


def strip(x0: float, x1: float) -> shapely.Polygon:
    return shapely.box(X0 + x0, Y0 - 500, X0 + x1, Y0 + 500)


def wijken() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({
        "wijkcode": ["WK001400", "WK001401", "WK195200"],
        "wijknaam": ["Centrum", "Haren-West", "Hoogezand"],
        "gemeentecode": ["GM0014", "GM0014", "GM1952"],
        "gemeentenaam": ["Groningen", "Groningen", "Midden-Groningen"],
    }, geometry=[strip(0, 1000), strip(1000, 2000), strip(2000, 3000)], crs=28992)


def buurten() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({
        "buurtcode": ["BU00140000"], "buurtnaam": ["Binnenstad"],
        "wijkcode": ["WK001400"], "wijknaam": ["Centrum"],
        "gemeentecode": ["GM0014"], "gemeentenaam": ["Groningen"],
    }, geometry=[strip(0, 500)], crs=28992)


@pytest.fixture
def ws(tmp_path):
    workspace = open_workspace(tmp_path / "ws")
    with workspace.transaction("import", source="test") as tx:
        tx.put("addresses", addresses())
        tx.put("wijken", wijken())
        tx.put("buurten", buurten())
    return workspace


def test_every_dwelling_gets_gemeente_wijk_and_buurt(ws):
    places = run_places(ws)
    d = places.dwellings.set_index("address_id")
    for aid, (_, _, buurt, wijk, gemeente) in CASES.items():
        assert d.loc[aid, ["buurtcode", "wijkcode", "gemeentecode"]].tolist() == [
            buurt, wijk, gemeente], aid
    areas = places.summary["areas"]
    assert areas["wijk_other_gemeente"] == 2  # border and far
    assert areas["wijk_snapped"] == 1  # border
    assert areas["gemeente_names_unmatched"] == {"Atlantis": 1}
    assert areas["unknown_gemeente_dwellings"] == 1
    assert AREA_SNAP_DISTANCE < 600  # "far" must stay too far to snap


def test_rest_areas_nest_and_are_named(ws):
    places = run_places(ws)
    lv = {k: v.set_index("place_id") for k, v in places.levels.items()}
    # every area has its parent, also the rest areas (never one for everything)
    assert lv["buurt"]["parent_id"].to_dict() == {
        "BU00140000": "WK001400", "BU001400XX": "WK001400",
        "BU001401XX": "WK001401", "BU0014XXXX": "WK0014XX",
        "BU195200XX": "WK195200", "onbekend": "onbekend"}
    assert lv["wijk"]["parent_id"].to_dict() == {
        "WK001400": "GM0014", "WK001401": "GM0014", "WK0014XX": "GM0014",
        "WK195200": "GM1952", "onbekend": "onbekend"}
    assert lv["buurt"].loc["BU001400XX", "name"] == "Centrum (buurt onbekend)"
    assert lv["buurt"].loc["BU0014XXXX", "name"] == "Groningen (wijk en buurt onbekend)"
    assert lv["wijk"].loc["WK0014XX", "name"] == "Groningen (wijk onbekend)"
    assert lv["gemeente"].loc["GM1952", "name"] == "Midden-Groningen"
    assert lv["gemeente"].loc["GM0014", "method"] == "name"
    assert lv["gemeente"].loc["GM1952", "method"] == "mixed"  # name and polygon
    assert lv["wijk"].loc["WK001401", "method"] == "mixed"  # polygon and nearest
    # streets in a rest area are keyed by woonplaats, like unknown buurten
    streets = places.levels["street"].set_index("place_id")
    street_of = places.dwellings.set_index("address_id")["street_id"]
    assert street_of["in-buurt"] == "S-BU00140000-bosweg"
    assert streets.loc[street_of["in-buurt"], "method"] == "buurt"
    for aid in ("in-wijk", "former-name", "far", "other"):
        assert streets.loc[street_of[aid], "method"] == "woonplaats", aid
    assert street_of["in-wijk"] != street_of["former-name"]  # two rest buurten


def test_area_geometry_is_the_imported_polygon(ws):
    places = run_places(ws)
    lv = {k: v.set_index("place_id") for k, v in places.levels.items()}
    w = wijken().set_index("wijkcode")
    for code in ("WK001400", "WK001401", "WK195200"):
        assert lv["wijk"].loc[code, "geometry"].equals(w.loc[code, "geometry"])
    # the gemeente is the union of its wijken; a rest buurt of a wijk without
    # buurt polygons is the whole wijk
    assert lv["gemeente"].loc["GM0014", "geometry"].area == pytest.approx(2e6)
    assert lv["buurt"].loc["BU001401XX", "geometry"].equals(w.loc["WK001401",
                                                                  "geometry"])
    assert lv["buurt"].loc["BU00140000", "geometry"].area == pytest.approx(5e5)
    # where nothing was imported: the hull of the points (a point here)
    assert lv["wijk"].loc["WK0014XX", "geometry"].geom_type == "Point"


def test_imported_gemeente_list_and_polygons_win(ws):
    with ws.transaction("import gemeenten", source="test") as tx:
        tx.put("gemeenten", gpd.GeoDataFrame(
            {"gemeentecode": ["GM0014", "GM9001"],
             "gemeentenaam": ["Stad Groningen", "Atlantis"]},
            geometry=[strip(0, 2000).buffer(10), strip(8000, 10000)], crs=28992))
    places = run_places(ws)
    d = places.dwellings.set_index("address_id")
    assert d.loc["atlantis", ["buurtcode", "wijkcode", "gemeentecode"]].tolist() == [
        "BU9001XXXX", "WK9001XX", "GM9001"]
    g = places.levels["gemeente"].set_index("place_id")
    assert g.loc["GM0014", "name"] == "Stad Groningen"
    assert g.loc["GM0014", "geometry"].area == pytest.approx(
        strip(0, 2000).buffer(10).area)
    # "Haren" is still known from the package's former names
    assert d.loc["former-name", "gemeentecode"] == "GM0014"
    assert places.summary["areas"]["gemeente_names_unmatched"] == {}


def test_without_polygons_every_gemeente_has_its_own_rest(tmp_path):
    workspace = open_workspace(tmp_path / "ws")
    with workspace.transaction("import", source="test") as tx:
        tx.put("addresses", addresses())
    places = run_places(workspace)
    d = places.dwellings.set_index("address_id")
    assert d.loc["in-buurt", "buurtcode"] == "BU0014XXXX"
    assert d.loc["other", "wijkcode"] == "WK1952XX"
    assert d.loc["no-name", "gemeentecode"] == "onbekend"
    assert set(places.levels["gemeente"]["place_id"]) == {"GM0014", "GM1952",
                                                          "onbekend"}


def run_cli(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    captured = capsys.readouterr()
    return exit_info.value.code, " ".join(captured.out.split()), " ".join(
        captured.err.split())


def test_cli_imports_wijken_and_gemeenten_then_places(tmp_path, capsys):
    ws_path = tmp_path / "ws"
    workspace = open_workspace(ws_path)
    with workspace.transaction("import", source="test") as tx:
        tx.put("addresses", addresses())
    wijk_file = tmp_path / "wijken.geojson"
    wijken().rename(columns={"wijkcode": "WK_CODE", "wijknaam": "WK_NAAM",
                             "gemeentecode": "GM_CODE", "gemeentenaam": "GM_NAAM"}
                    ).to_crs(4326).to_file(wijk_file)
    code, out, err = run_cli(["-w", str(ws_path), "import", "wijken",
                              str(wijk_file)], capsys)
    assert code == 0, err
    assert "3 wijken ingelezen" in out and "EPSG:4326 -> EPSG:28992" in out
    gm_file = tmp_path / "gemeenten.csv"
    gm_file.write_text("Gemeentecode;Gemeentenaam\n9001;Atlantis\n", encoding="utf-8")
    code, out, err = run_cli(["-w", str(ws_path), "import", "gemeenten",
                              str(gm_file)], capsys)
    assert code == 0, err
    assert "1 gemeenten ingelezen" in out
    code, out, err = run_cli(["-w", str(ws_path), "places"], capsys)
    assert code == 0, err
    assert "dichtstbijzijnde wijk" in out
    stored = open_workspace(ws_path).read("dwellings").set_index("address_id")
    assert stored.loc["atlantis", "gemeentecode"] == "GM9001"
    assert stored.loc["border", "wijkcode"] == "WK001401"
    # a file without a recognisable code column is refused with a clear message
    bad = tmp_path / "kapot.geojson"
    gpd.GeoDataFrame({"naam": ["x"]}, geometry=[strip(0, 10)], crs=28992).to_file(bad)
    code, out, err = run_cli(["-w", str(ws_path), "import", "wijken", str(bad)],
                             capsys)
    assert code == 1 and "wijkcode" in out + err


@pytest.mark.slow
def test_real_groningen_and_flevoland(shared_data, tmp_path):
    from veerkracht.io.addresses import combine_results, read_addresses
    from veerkracht.io.buurten import read_buurten, read_wijken

    results = [read_addresses(shared_data / f"ljpc_adressen_{p}.csv.zst")
               for p in ("Groningen", "Flevoland")]
    wk = read_wijken(shared_data
                     / "cbs_wijken_2024_groningen_flevoland_geoinzicht.gpkg")
    bu = read_buurten(shared_data / "groningen_cbs_buurten_2017_kennisnetwerk.gpkg")
    workspace = open_workspace(tmp_path / "ws")
    with workspace.transaction("import", source="test") as tx:
        tx.put("addresses", combine_results(results))
        tx.put("wijken", wk.frame)
        tx.put("buurten", bu.frame)
    places = run_places(workspace)
    d = places.dwellings
    n = len(d)
    areas = places.summary["areas"]
    print({"dwellings": n, **areas})
    assert n > 540_000
    # the gemeente from the name: all 16, the 10 of Groningen among them
    assert areas["gemeente_names_unmatched"] == {}
    gm = places.levels["gemeente"]
    assert len(gm) == 16 and "onbekend" not in set(gm["place_id"])
    groningen = {"GM0014", "GM0037", "GM0047", "GM0765", "GM1895", "GM1950",
                 "GM1952", "GM1966", "GM1969", "GM1979"}
    assert groningen <= set(gm["place_id"])
    # the wijk from point-in-polygon, of the dwelling's own gemeente
    real_wijk = ~d["wijkcode"].str.endswith("XX")
    in_polygon = 1 - areas["wijk_snapped"] / n - (~real_wijk).mean()
    print(f"in own wijk polygon {in_polygon:.4%}, in a wijk {real_wijk.mean():.4%}, "
          f"only in another gemeente's wijk {areas['wijk_other_gemeente']}")
    assert in_polygon >= 0.999
    assert real_wijk.mean() >= 0.999
    assert areas["wijk_other_gemeente"] / n < 0.001
    assert (d["wijkcode"].str.slice(2, 6) == d["gemeentecode"].str.slice(2, 6)).all()
    # every wijk of the 2024 file that holds dwellings is a place
    wijk_ids = set(places.levels["wijk"]["place_id"])
    assert wijk_ids <= set(wk.frame["wijkcode"]) | {f"WK{g[2:]}XX" for g in
                                                    gm["place_id"]}
    assert len(wijk_ids & set(wk.frame["wijkcode"])) > 200
    # buurten where polygons exist: the old city of Groningen (2017)
    in_buurt = d.loc[d["gemeentecode"] == "GM0014", "buurtcode"].str.endswith("XX")
    share = 1 - in_buurt.mean()
    print(f"GM0014 dwellings in a 2017 buurt {share:.2%}, "
          f"buurt's wijk differs from 2024 wijk polygon "
          f"{areas.get('wijk_of_buurt_not_wijk_polygon')}")
    assert 0.85 < share < 0.95
    # the hierarchy is complete: every place has its parent, except blocks
    # whose chain of points runs over a buurt or wijk border (docs/places.md)
    for level in ("entrance", "building", "street", "buurt", "wijk"):
        assert places.levels[level]["parent_id"].notna().all(), level
    blocks = places.levels["block"]
    split = blocks["parent_id"].isna()
    print(f"blocks over a street/area border: {int(split.sum())} of {len(blocks)} "
          f"({blocks.loc[split, 'n_dwellings'].sum()} dwellings)")
    assert split.mean() < 0.01
    # wijk and gemeente are drawn as their polygons
    w = places.levels["wijk"].set_index("place_id")
    assert w.loc["WK001400", "geometry"].equals(
        wk.frame.set_index("wijkcode").loc["WK001400", "geometry"])
    assert (gm.geometry.geom_type == "MultiPolygon").all() or \
        gm.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).all()
