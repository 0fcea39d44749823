"""``veerkracht places`` and ``veerkracht export``, and the writers behind them.

No address is a place: exports leave out every place with fewer dwellings
than the band threshold (5), so a single-dwelling entrance is no entrance.
"""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from veerkracht.cli.main import main
from veerkracht.io.export import ExportError, write_table
from veerkracht.jobs.places import level_frame, run_places
from veerkracht.store import open_workspace

X0, Y0 = 233_000.0, 582_000.0  # Groningen, in RD New


def addresses() -> gpd.GeoDataFrame:
    rows = [  # straat, nummer, letter, toevoeging, dx, dy
        ("Bosweg", 12, None, "1", 0, 0), ("Bosweg", 12, None, "2", 0, 3),
        ("Bosweg", 12, None, "3", 0, 1), ("Bosweg", 12, None, "4", 0, 2),
        ("Bosweg", 12, None, "5", 2, 2),
        ("Bosweg", 12, None, "H", 1, 1), ("Bosweg", 14, "A", None, 6, 0),
        ("Bosweg", 14, "B", None, 12, 0), ("Kade", 1, None, None, 200, 0),
    ]
    frame = pd.DataFrame(rows, columns=["straat", "huisnummer", "huisletter",
                                        "toevoeging", "dx", "dy"])
    frame["postcode"] = "9711AA"
    frame["woonplaats"] = "Groningen"
    frame["gemeente"] = "Groningen"
    frame["address_id"] = (frame["postcode"] + "-" + frame["huisnummer"].astype(str)
                           + frame["huisletter"].fillna("")
                           + ("-" + frame["toevoeging"].astype("str")).fillna(""))
    for col in ("straat", "huisletter", "toevoeging", "postcode", "woonplaats",
                "gemeente", "address_id"):
        frame[col] = frame[col].astype("str")
    frame["is_dwelling"] = True
    geometry = shapely.points(X0 + frame["dx"], Y0 + frame["dy"])
    return gpd.GeoDataFrame(frame.drop(columns=["dx", "dy"]), geometry=geometry,
                            crs=28992)


def buurten() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({
        "buurtcode": ["BU00140000"], "buurtnaam": ["Binnenstad-Noord"],
        "wijkcode": ["WK001400"], "wijknaam": ["Centrum"],
        "gemeentecode": ["GM0014"], "gemeentenaam": ["Groningen"],
    }, geometry=[shapely.box(X0 - 50, Y0 - 50, X0 + 50, Y0 + 50)], crs=28992)


@pytest.fixture
def ws(tmp_path):
    workspace = open_workspace(tmp_path / "ws")
    with workspace.transaction("import addresses", source="test") as tx:
        tx.put("addresses", addresses())
        tx.put("buurten", buurten())
    return workspace


def run(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    captured = capsys.readouterr()
    # rich wraps long lines at the terminal width: compare words, not layout
    return (exit_info.value.code, " ".join(captured.out.split()),
            " ".join(captured.err.split()))


def test_places_needs_addresses(tmp_path, capsys):
    code, _, err = run(["-w", str(tmp_path / "leeg"), "places"], capsys)
    assert code == 2
    assert "geen adressen ingelezen" in err
    assert "veerkracht import addresses" in err


def test_places_writes_all_tables_in_one_operation(ws, capsys):
    code, out, _ = run(["-w", ws.location, "places"], capsys)
    assert code == 0
    assert "portiek" in out and "gemeente" in out
    assert "woningen" in out
    op = ws.operations()[-1]
    assert op.action == "places"
    assert set(op.tables) == {"dwellings", "place_entrance", "place_building",
                              "place_block", "place_street", "place_buurt",
                              "place_wijk", "place_gemeente"}
    assert op.summary["places"]["entrance"] == 4
    assert op.summary["unknown_buurt_dwellings"] == 1
    assert ws.read("dwellings")["address_id"].is_unique


def test_export_entrance_csv_has_members_and_points_as_xy(ws, tmp_path, capsys):
    run_places(ws)
    target = tmp_path / "portieken.csv"
    code, out, _ = run(["-w", ws.location, "export", "entrance", "--format", "csv",
                        "--out", str(target)], capsys)
    assert code == 0, out
    assert "1 rijen" in out  # 14A, 14B and Kade 1 are single addresses: no place
    frame = pd.read_csv(target, dtype=str)
    assert {"place_id", "name", "n_dwellings", "members", "x", "y"} <= set(frame)
    assert frame["place_id"].tolist() == ["E-9711AA-12-1"]
    row = frame.set_index("place_id").loc["E-9711AA-12-1"]
    assert row["members"] == ("Bosweg 12-1; Bosweg 12-2; Bosweg 12-3; Bosweg 12-4; "
                              "Bosweg 12-5; Bosweg 12-H")
    assert row["n_dwellings"] == "6"
    assert float(row["x"]) == pytest.approx(X0 + 3 / 6, abs=1e-3)


def test_export_dwelling_geojson_is_wgs84(ws, tmp_path, capsys):
    run_places(ws)
    target = tmp_path / "woningen.geojson"
    code, _, _ = run(["-w", ws.location, "export", "woning", "--out", str(target)],
                     capsys)
    assert code == 0
    doc = json.loads(target.read_text())
    assert "crs" not in doc  # RFC 7946: WGS84, no crs member
    assert len(doc["features"]) == 9
    props = doc["features"][0]["properties"]
    assert {"address_id", "entrance_id", "building_id", "block_id", "street_id",
            "buurtcode"} <= set(props)
    entrance = {f["properties"]["address_id"]: f["properties"]["entrance_id"]
                for f in doc["features"]}
    assert entrance["9711AA-12-1"] == "E-9711AA-12-1"
    # a single-dwelling entrance is no entrance, in this export too
    assert entrance["9711AA-14A"] is None and entrance["9711AA-1"] is None
    lon, lat = doc["features"][0]["geometry"]["coordinates"]
    assert 6.4 < lon < 6.7 and 53.1 < lat < 53.3
    assert not list(tmp_path.glob(".woningen*"))  # no temp file left


def test_export_block_gpkg_and_street_parquet(ws, tmp_path, capsys):
    run_places(ws)
    gpkg = tmp_path / "blokken.gpkg"
    assert run(["-w", ws.location, "export", "block", "-f", "gpkg", "-o", str(gpkg)],
               capsys)[0] == 0
    back = pyogrio.read_dataframe(gpkg)
    assert back.crs.to_epsg() == 28992
    assert {"n_dwellings", "n_entrance", "n_building"} <= set(back.columns)
    blocks = ws.read("place_block")
    assert back["n_dwellings"].sum() == blocks.loc[blocks["n_dwellings"] >= 5,
                                                   "n_dwellings"].sum()
    assert (back["n_dwellings"] >= 5).all()
    assert (back["n_entrance"] <= 1).all()  # only the entrance of 6 counts
    parquet = tmp_path / "straten.parquet"
    assert run(["-w", ws.location, "export", "straat", "-o", str(parquet)],
               capsys)[0] == 0
    streets = gpd.read_parquet(parquet)
    assert streets.crs.to_epsg() == 28992
    assert set(streets["place_id"]) == {"S-BU00140000-bosweg"}  # Kade: 1 dwelling


@pytest.mark.parametrize("level", ["buurt", "wijk", "gemeente"])
def test_export_area_levels(ws, tmp_path, level):
    run_places(ws)
    frame = level_frame(ws, level)
    # Kade lies outside the buurt polygon: the rest of its gemeente (by name)
    assert frame["n_dwellings"].sum() == (9 if level == "gemeente" else 8)
    rest = {"buurt": "BU0014XXXX", "wijk": "WK0014XX", "gemeente": "GM0014"}[level]
    if level != "gemeente":
        assert rest not in set(frame["place_id"])  # one dwelling: no place
    assert rest in set(ws.read(f"place_{level}")["place_id"])
    write_table(frame, tmp_path / f"{level}.gpkg")


def test_export_errors_are_dutch_and_clear(ws, tmp_path, capsys):
    code, _, err = run(["-w", ws.location, "export", "entrance", "-o",
                        str(tmp_path / "x.csv")], capsys)
    assert code == 2 and "voer eerst `veerkracht places` uit" in err
    run_places(ws)
    code, _, err = run(["-w", ws.location, "export", "entrance", "--format", "xlsx",
                        "-o", str(tmp_path / "x.xlsx")], capsys)
    assert code == 2 and "onbekend exportformaat" in err
    code, _, err = run(["-w", ws.location, "export", "flat", "-o",
                        str(tmp_path / "x.csv")], capsys)
    assert code == 2 and "onbekend niveau" in err
    code, _, err = run(["-w", ws.location, "export", "entrance", "-o",
                        str(tmp_path / "nergens" / "x.csv")], capsys)
    assert code == 2 and "bestaat niet" in err
    code, _, err = run(["-w", ws.location, "export", "entrance", "-o",
                        str(tmp_path / "x.txt")], capsys)
    assert code == 2 and "--format" in err


def test_help_has_examples(capsys):
    for command in ("places", "export"):
        code, out, _ = run([command, "--help"], capsys)
        assert code == 0
        assert "Voorbeelden" in out
        assert "veerkracht" in out


# ---------------------------------------------------------------- writers


def test_write_table_is_all_or_nothing(tmp_path, monkeypatch):
    target = tmp_path / "uit.csv"
    target.write_text("oud\n")
    frame = pd.DataFrame({"a": [1, 2]})

    def broken(frame, tmp, layer):
        tmp.write_text("half")
        raise OSError("schijf vol")

    monkeypatch.setitem(__import__("veerkracht.io.export", fromlist=["x"])._WRITERS,
                        "csv", broken)
    with pytest.raises(ExportError, match="schijf vol"):
        write_table(frame, target, "csv")
    assert target.read_text() == "oud\n"
    assert [p.name for p in tmp_path.iterdir()] == ["uit.csv"]


def test_write_table_csv_uses_wkt_for_polygons(tmp_path):
    frame = gpd.GeoDataFrame({"place_id": ["K-1"], "n": [3]},
                             geometry=[shapely.box(0, 0, 1, 1)], crs=28992)
    write_table(frame, tmp_path / "b.csv", "csv")
    back = pd.read_csv(tmp_path / "b.csv")
    assert back.loc[0, "geometry_wkt"].startswith("POLYGON ((")
    assert "geometry" not in back.columns


def test_write_table_refuses_geojson_without_geometry(tmp_path):
    with pytest.raises(ExportError, match="geometrie"):
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "a.geojson")
    with pytest.raises(ExportError, match="is een map"):
        write_table(pd.DataFrame({"a": [1]}), tmp_path, "csv")


def test_run_places_uses_the_corporation_stock(ws):
    stock = pd.DataFrame({
        "address_id": pd.array(["9711AA-12-1", "9711AA-12-2", "9711AA-12-H"],
                               dtype="str"),
        "corporatie": pd.array(["Woonstad"] * 3, dtype="str"),
        "complex_code": pd.array(["C1", "C1", "C1"], dtype="str"),
        "entrance_code": pd.array(["P1", "P1", "P2"], dtype="str"),
    })
    with ws.transaction("import stock") as tx:
        tx.put("stock", stock)
    run_places(ws)
    d = ws.read("dwellings").set_index("address_id")
    assert d.loc["9711AA-12-1", "entrance_id"] == "E-corp-P1"
    assert d.loc["9711AA-12-H", "entrance_id"] == "E-corp-P2"
    assert d.loc["9711AA-12-1", "block_id"] == "K-corp-C1"
    op = ws.operations()[-1]
    assert "stock" in op.summary["inputs"]
    assert op.summary["methods"]["entrance"]["override"] == 2
