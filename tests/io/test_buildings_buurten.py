"""Buildings (BAG panden) and buurt polygons."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from veerkracht.io.buildings import read_buildings
from veerkracht.io.buurten import amsterdam_to_cbs, read_buurten
from veerkracht.io.validation import ImportRejected


def _panden(tmp_path, rows, crs="EPSG:28992", name="panden.gpkg"):
    gdf = gpd.GeoDataFrame(
        pd.DataFrame(rows).drop(columns="geometry"),
        geometry=[r["geometry"] for r in rows],
        crs=crs,
    )
    path = tmp_path / name
    gdf.to_file(path, layer="pand") if name.endswith(".gpkg") else gdf.to_file(path)
    return path


def _pand(pid, year=1970, status="Pand in gebruik", x=206000.0, y=447000.0, **kw):
    return {
        "identificatie": pid,
        "bouwjaar": year,
        "status": status,
        "geometry": box(x, y, x + 10, y + 10),
        **kw,
    }


def test_buildings_keep_status_and_map_placeholder_years(tmp_path):
    path = _panden(
        tmp_path,
        [_pand("0221100000311191"), _pand("0221100000311192", 9999, "Pand gesloopt")],
    )
    result = read_buildings(path)
    frame = result.frame
    assert list(frame.columns) == [
        "pand_id",
        "bouwjaar",
        "status",
        "source",
        "geometry",
    ]
    assert str(frame["bouwjaar"].dtype) == "Int64"
    assert frame["bouwjaar"].isna().tolist() == [False, True]
    assert frame["status"].tolist() == ["Pand in gebruik", "Pand gesloopt"]
    assert result.summary["placeholder_years_to_na"] == 1


def test_building_errors_name_the_feature(tmp_path):
    path = _panden(
        tmp_path,
        [_pand("0221100000311191"), _pand("12", 1970), _pand("0221100000311193", 3000)],
    )
    with pytest.raises(ImportRejected) as info:
        read_buildings(path)
    assert [(r.line, r.reason) for r in info.value.rows] == [
        (2, "pand-id is geen BAG-id van 16 cijfers"),
        (3, "bouwjaar valt buiten 1000-2100"),
    ]


def test_duplicate_panden_without_versions_are_refused(tmp_path):
    path = _panden(tmp_path, [_pand("0221100000311191"), _pand("0221100000311191")])
    with pytest.raises(ImportRejected) as info:
        read_buildings(path)
    assert [r.line for r in info.value.rows] == [1, 2]


def test_latest_voorkomen_wins(tmp_path):
    path = _panden(
        tmp_path,
        [
            _pand("0221100000311191", 1970, voorkomen=1),
            _pand("0221100000311191", 1971, voorkomen=2),
        ],
    )
    result = read_buildings(path)
    assert result.frame["bouwjaar"].tolist() == [1971]
    assert result.summary["older_versions_dropped"] == 1


def test_geojson_in_rd_declared_as_wgs84_is_refused(tmp_path):
    path = tmp_path / "panden.geojson"
    path.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature",'
        '"properties":{"id":"0363100012957338","bouwjaar":1925},'
        '"geometry":{"type":"Polygon","coordinates":[[[121000,487000],'
        "[121010,487000],[121010,487010],[121000,487000]]]}}]}"
    )
    with pytest.raises(ImportRejected) as info:
        read_buildings(path)
    assert "RD New" in str(info.value)


def test_buildings_unknown_format(tmp_path):
    path = tmp_path / "panden.shp.zip"
    path.write_bytes(b"PK")
    with pytest.raises(ImportRejected, match="onbekend bestandsformaat"):
        read_buildings(path)


def test_amsterdam_codes_to_cbs():
    assert amsterdam_to_cbs("A00b") == "BU03630001"
    assert amsterdam_to_cbs("K59b") == "BU03635901"
    assert amsterdam_to_cbs("SAA1") is None


def test_cbs_buurten_layout(tmp_path):
    gdf = gpd.GeoDataFrame(
        {
            "buurtcode": ["BU00140000", "BU00140001"],
            "buurtnaam": ["A", "B"],
            "wijkcode": ["WK001400", "WK001400"],
            "gemeentecode": ["GM0014", "GM0014"],
            "gemeentenaam": ["Groningen", "Groningen"],
        },
        geometry=[
            box(233000, 582000, 233100, 582100),
            box(233100, 582000, 233200, 582100),
        ],
        crs="EPSG:28992",
    )
    path = tmp_path / "buurten.gpkg"
    gdf.to_file(path, layer="buurten")
    result = read_buurten(path)
    assert result.frame["buurtcode"].tolist() == ["BU00140000", "BU00140001"]
    assert result.frame["wijknaam"].isna().all()
    assert result.frame.crs.to_epsg() == 28992


def test_cbs_buurten_bad_and_duplicate_codes(tmp_path):
    gdf = gpd.GeoDataFrame(
        {
            "buurtcode": ["BU00140000", "00140001", "BU00140000"],
            "buurtnaam": list("abc"),
            "wijkcode": ["WK001400"] * 3,
            "gemeentecode": ["GM0014"] * 3,
        },
        geometry=[box(233000, 582000, 233100, 582100)] * 3,
        crs="EPSG:28992",
    )
    path = tmp_path / "buurten.gpkg"
    gdf.to_file(path, layer="buurten")
    with pytest.raises(ImportRejected) as info:
        read_buurten(path)
    assert [r.line for r in info.value.rows] == [2]
    gdf.loc[1, "buurtcode"] = "BU00140001"
    gdf.to_file(path, layer="buurten")
    with pytest.raises(ImportRejected) as info:
        read_buurten(path)
    assert [r.line for r in info.value.rows] == [1, 3]


def test_buurten_missing_column(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"code": ["BU00140000"]}, geometry=[Point(1, 1).buffer(1)], crs="EPSG:28992"
    )
    path = tmp_path / "b.geojson"
    gdf.to_file(path)
    with pytest.raises(ImportRejected, match="buurtcode"):
        read_buurten(path)


def test_amsterdam_wkt_csv_with_bom(tmp_path):
    path = tmp_path / "buurten.csv"
    wkt = "POLYGON((4.89 52.37,4.90 52.37,4.90 52.38,4.89 52.37))"
    path.write_bytes(
        (
            "\ufeffOBJECTNUMMER;Buurtcode;Buurtnaam;Wijkcode;Stadsdeelcode;"
            f'WKT_LNG_LAT;\n1;"A00b";"Oude Kerk";"A00";"A";"{wkt}";\n'
            f'2;"SAA1";"Weesp";"SAA";"S";"{wkt}";\n'
        ).encode()
    )
    result = read_buurten(path)
    assert result.frame["buurtcode"].tolist() == ["BU03630001"]
    assert result.frame["source_code"].tolist() == ["A00b"]
    assert result.summary["skipped_without_cbs_code"] == ["SAA1"]


@pytest.mark.slow
def test_real_panden(shared_data):
    doesburg = read_buildings(
        shared_data / "doesburg_bag_panden_20200915_nlextract.gpkg"
    )
    assert len(doesburg.frame) == 7797
    assert doesburg.summary["status_counts"]["Pand gesloopt"] == 389
    x0, y0, x1, y1 = doesburg.frame.total_bounds
    assert x0 > 204_000 and x1 < 210_000 and y0 > 445_000 and y1 < 451_000
    ams = read_buildings(
        shared_data / "amsterdam_10buurten_panden_bouwjaar_bertspaan.geojson"
    )
    assert len(ams.frame) == 5711
    assert ams.frame["pand_id"].str.fullmatch(r"036310\d{10}").all()
    assert ams.summary["crs_in"] == "EPSG:4326"
    x0, y0, x1, y1 = ams.frame.total_bounds
    assert x0 > 110_000 and x1 < 135_000 and y0 > 475_000 and y1 < 495_000


@pytest.mark.slow
def test_real_amsterdam_buurten_match_the_cbs_codes(shared_data):
    csv_result = read_buurten(shared_data / "amsterdam_gebied_buurten_wkt_mercury.csv")
    gpkg = gpd.read_file(
        shared_data / "amsterdam_gebied_buurten_2015_2021_mercury.gpkg"
    )
    gpkg_result = read_buurten(
        shared_data / "amsterdam_gebied_buurten_2015_2021_mercury.gpkg"
    )
    for result in (csv_result, gpkg_result):
        assert len(result.frame) == 481
        assert len(result.summary["skipped_without_cbs_code"]) == 19
    derived = dict(zip(gpkg["Buurtcode"], gpkg["cbs_buurtcode_afgeleid"], strict=True))
    frame = gpkg_result.frame
    assert (frame["buurtcode"] == frame["source_code"].map(derived)).all()
    kwb = pd.read_csv(shared_data / "amsterdam_cbs_kwb2021_buurten_mercury.csv")
    assert set(kwb["buurtcode"]) <= set(frame["buurtcode"])
    x0, y0, x1, y1 = frame.total_bounds
    assert x0 > 108_000 and x1 < 136_000 and y0 > 475_000 and y1 < 495_000
