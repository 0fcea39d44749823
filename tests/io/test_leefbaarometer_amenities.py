"""Leefbaarometer scores and amenity points."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point

from veerkracht.io.amenities import read_amenities
from veerkracht.io.leefbaarometer import combine, read_leefbaarometer
from veerkracht.io.validation import ImportRejected

LBM = (
    "GBD,JAAR,RLBRMTR,RLBWON,RLBBEV,RLBVRZ,RLBVEI,RLBFYS,WK_CODE,KL12,KL14\n"
    "WK001400,2012,0.19,0.09,0.08,0.29,-0.21,-0.07,WK001400,8,8\n"
    "WK001400,2014,0.15,0.09,0.09,0.26,-0.21,-0.09,WK001400,8,9\n"
)


def test_scores_with_classes_of_their_own_year(tmp_path):
    path = tmp_path / "lbm.csv"
    path.write_text(LBM, encoding="utf-8")
    result = read_leefbaarometer(path)
    frame = result.frame
    assert list(frame.columns) == [
        "regiocode",
        "jaar",
        "lbm",
        "won",
        "bev",
        "vrz",
        "vei",
        "fys",
        "klasse",
        "onv",
        "soc",
        "versie",
    ]
    assert frame["versie"].tolist() == ["2.0", "2.0"]
    assert frame["onv"].isna().all() and frame["soc"].isna().all()
    assert frame["klasse"].tolist() == [8, 9]
    assert str(frame["klasse"].dtype) == "Int64" and str(frame["jaar"].dtype) == "Int64"
    assert frame["lbm"].tolist() == [0.19, 0.15]


def test_leefbaarometer_errors(tmp_path):
    path = tmp_path / "lbm.csv"
    path.write_text(
        LBM.replace(",8,9\n", ",8,12\n").replace("0.29", "hoog"), encoding="utf-8"
    )
    with pytest.raises(ImportRejected) as info:
        read_leefbaarometer(path)
    assert sorted((r.line, r.reason) for r in info.value.rows) == [
        (2, "kolom RLBVRZ: geen getal"),
        (3, "klasse moet een geheel getal 1-9 zijn"),
    ]
    path.write_text("DLBRMTR,GBD\n0.1,WK001400\n", encoding="utf-8")
    with pytest.raises(ImportRejected, match="veranderingen"):
        read_leefbaarometer(path)


def test_combine_scores_and_classes(tmp_path):
    scores = tmp_path / "scores.csv"
    scores.write_text(
        LBM.split("\n", 1)[0].rsplit(",WK_CODE", 1)[0] + "\n"
        "WK001400,2012,0.19,0.09,0.08,0.29,-0.21,-0.07\n",
        encoding="utf-8",
    )
    classes = tmp_path / "klassen.csv"
    classes.write_text("WK_CODE,KL02,KL12\nWK001400,7,8\n", encoding="utf-8")
    merged = combine([read_leefbaarometer(scores), read_leefbaarometer(classes)])
    assert merged["jaar"].tolist() == [2002, 2012]
    assert merged["klasse"].tolist() == [7, 8]
    assert math.isnan(merged["lbm"].iloc[0]) and merged["lbm"].iloc[1] == 0.19


@pytest.mark.slow
def test_real_leefbaarometer(shared_data):
    csv = read_leefbaarometer(
        shared_data / "leefbaarometer2_wijk_amsterdam_groningen_utrecht_2012_2016.csv"
    )
    assert len(csv.frame) == 369 and csv.summary["years"] == [2012, 2014, 2016]
    row = csv.frame.set_index(["regiocode", "jaar"]).loc[("WK001400", 2016)]
    assert row["klasse"] == 9 and abs(row["lbm"] - 0.211767384041338) < 1e-12
    dims = read_leefbaarometer(
        shared_data
        / "leefbaarometer2_wijk_dimensiescores_2012_2014_2016_koenkoen1.xlsx"
    )
    assert dims.summary["regions"] == 2962 and len(dims.frame) == 8886
    klassen = read_leefbaarometer(
        shared_data / "leefbaarometer2_wijk_klassen_2002_2016_koenkoen1.xlsx"
    )
    assert klassen.summary["years"] == [2002, 2008, 2012, 2014, 2016]
    both = combine([dims, klassen]).set_index(["regiocode", "jaar"])
    assert both.loc[("WK001400", 2016), "klasse"] == 9
    with pytest.raises(ImportRejected, match="veranderingen"):
        read_leefbaarometer(
            shared_data / "leefbaarometer2_wijk_ontwikkeling_koenkoen1.xlsx"
        )


LBM3 = (
    "bu_code,bu_naam,jaar,lbm,afw,fys,onv,soc,vrz,won\n"
    "BU00140000,Binnenstad-Noord,2018,4.30,0.20,0.04,-0.10,-0.03,0.27,0.01\n"
    "BU00140000,Binnenstad-Noord,2024,4.29,0.19,0.03,-0.11,-0.03,0.31,-0.01\n"
    '"BU00140001","Zuid, oud",2018,4.00,-0.10,0.01,0.02,0.01,0.05,-0.02\n'
    "BU00140001,\"Zuid, oud\",2024,4.10,0.00,0.02,0.03,0.01,0.04,-0.01\n"
)


def test_leefbaarometer3_per_buurt(tmp_path):
    path = tmp_path / "lbm3.csv"
    path.write_text(LBM3, encoding="utf-8")
    result = read_leefbaarometer(path)
    frame = result.frame
    assert result.summary["format"] == "lbm3"
    assert result.summary["years"] == [2018, 2024]
    assert frame["regiocode"].tolist() == ["BU00140000"] * 2 + ["BU00140001"] * 2
    # lbm is the deviation from the national mean (afw), as in 2.0
    assert frame["lbm"].tolist() == [0.20, 0.19, -0.10, 0.00]
    assert frame["onv"].tolist() == [-0.10, -0.11, 0.02, 0.03]
    assert frame["soc"].tolist() == [-0.03, -0.03, 0.01, 0.01]
    assert frame["versie"].unique().tolist() == ["3.0"]
    assert frame["bev"].isna().all() and frame["klasse"].isna().all()
    # a wijk file with wk_code reads the same way
    path.write_text(LBM3.replace("bu_code,bu_naam", "wk_code,wk_naam")
                    .replace("BU00140000", "WK001400").replace("BU00140001",
                                                               "WK001401"),
                    encoding="utf-8")
    assert read_leefbaarometer(path).frame["regiocode"].iloc[0] == "WK001400"


def test_leefbaarometer3_bad_rows_are_all_reported_and_nothing_is_kept(tmp_path):
    lines = LBM3.splitlines()
    bad = "\n".join([
        lines[0],
        lines[1].replace("-0.10", "laag"),              # line 2: no number
        "BU00140000,Binnenstad-Noord,2024,,,,,,,",       # line 3: no score
        lines[3].replace("BU00140001", "BU14"),          # line 4: bad code
        lines[4].replace("4.10", "4.50"),                # line 5: lbm - afw off
        "BU00140009,Nieuw,2018,4.1,0.0,0,0,0,0,0",       # line 6: fine
        "BU00140009,Nieuw,2018,4.1,0.0,0,0,0,0,0",       # line 7: duplicate
    ]) + "\n"
    path = tmp_path / "lbm3.csv"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(ImportRejected) as info:
        read_leefbaarometer(path)
    # codes are checked first (as for 2.0), then values, then consistency
    assert [(r.line, r.reason) for r in info.value.rows] == [
        (4, "geen CBS-wijk- of buurtcode")]
    path.write_text(bad.replace("BU14", "BU00140001"), encoding="utf-8")
    with pytest.raises(ImportRejected) as info:
        read_leefbaarometer(path)
    assert [(r.line, r.reason[:24]) for r in info.value.rows] == [
        (2, "kolom onv: geen getal"), (3, "geen enkele score (lbm, ")]
    fixed = bad.replace("BU14", "BU00140001").replace("laag", "-0.10").replace(
        ",,,,,,,", ",4.29,0.19,0.03,,-0.03,,-0.01")  # empty dimensions stay NA
    path.write_text(fixed, encoding="utf-8")
    with pytest.raises(ImportRejected) as info:
        read_leefbaarometer(path)
    assert [r.line for r in info.value.rows] == [5]
    assert "landelijk gemiddelde" in info.value.rows[0].reason
    path.write_text(fixed.replace("4.50", "4.10").replace(
        "BU00140009,Nieuw,2018,4.1,0.0,0,0,0,0,0\n", "", 1), encoding="utf-8")
    kept = read_leefbaarometer(path).frame.set_index(["regiocode", "jaar"])
    assert np.isnan(kept.loc[("BU00140000", 2024), "onv"])
    assert kept.loc[("BU00140000", 2024), "soc"] == -0.03
    path.write_text(fixed.replace("4.50", "4.10"), encoding="utf-8")
    with pytest.raises(ImportRejected) as info:
        read_leefbaarometer(path)
    assert [(r.line, r.reason) for r in info.value.rows] == [
        (6, "wijk en jaar komen meer dan eens voor"),
        (7, "wijk en jaar komen meer dan eens voor")]


def test_combine_keeps_versions_apart(tmp_path):
    a, b = tmp_path / "lbm2.csv", tmp_path / "lbm3.csv"
    a.write_text(LBM, encoding="utf-8")
    b.write_text(LBM3, encoding="utf-8")
    both = combine([read_leefbaarometer(a), read_leefbaarometer(b)])
    assert both.groupby("versie").size().to_dict() == {"2.0": 2, "3.0": 4}


@pytest.mark.slow
def test_real_leefbaarometer3_groningen(shared_data):
    result = read_leefbaarometer(
        shared_data / "leefbaarometer3_buurt_groningen_2018_2024.csv")
    frame = result.frame
    assert len(frame) == 526 and result.summary["regions"] == 133
    assert result.summary["years"] == [2018, 2020, 2022, 2024]
    per_year = frame.groupby("jaar")["regiocode"].nunique().to_dict()
    assert per_year == {2018: 130, 2020: 130, 2022: 133, 2024: 133}
    row = frame.set_index(["regiocode", "jaar"]).loc[("BU00140000", 2018)]
    assert row["lbm"] == pytest.approx(0.193747959005484, abs=1e-12)
    assert row["onv"] == pytest.approx(-0.101281996566179, abs=1e-12)
    assert frame["regiocode"].str.startswith("BU0014").all()


def test_generic_amenities_csv_in_rd(tmp_path):
    path = tmp_path / "bankjes.csv"
    path.write_text(
        "kind;name;x;y\nbench;Bankje Plein;233000;582000\n"
        "meeting_place;Buurthuis;233100;582100\n",
        encoding="utf-8",
    )
    result = read_amenities(path)
    assert result.frame["amenity_id"].tolist() == ["bankjes-2", "bankjes-3"]
    assert result.frame["kind"].tolist() == ["bench", "meeting_place"]
    assert result.frame.geometry.iloc[0].equals(Point(233000, 582000))


def test_amenity_errors(tmp_path):
    path = tmp_path / "v.csv"
    path.write_text(
        "kind;name;lat;lon\nBank je;A;52.3;4.9\nbench;B;52.3;oost\n"
        "bench;C;130000;480000\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRejected) as info:
        read_amenities(path)
    assert [r.line for r in info.value.rows] == [3]  # type errors first
    path.write_text("kind;name;lat;lon\nBank je;A;52.3;4.9\n", encoding="utf-8")
    with pytest.raises(ImportRejected, match="kind moet een code"):
        read_amenities(path)
    path.write_text("kind;name\nbench;A\n", encoding="utf-8")
    with pytest.raises(ImportRejected, match="coördinaten ontbreken"):
        read_amenities(path)


def test_amenities_geojson(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"kind": ["playground"], "name": ["Speeltuin"], "id": ["p1"]},
        geometry=[Point(4.9, 52.37)],
        crs="EPSG:4326",
    )
    path = tmp_path / "speel.geojson"
    gdf.to_file(path)
    frame = read_amenities(path).frame
    assert frame["amenity_id"].tolist() == ["p1"] and frame.crs.to_epsg() == 28992


@pytest.mark.slow
def test_real_repaircafes(shared_data):
    result = read_amenities(shared_data / "amsterdam_repaircafes_locaties.csv")
    assert len(result.frame) == 43
    assert result.summary["kinds"] == {"repair_cafe": 43}
    x0, y0, x1, y1 = result.frame.total_bounds
    assert x0 > 110_000 and x1 < 140_000 and y0 > 470_000 and y1 < 495_000
