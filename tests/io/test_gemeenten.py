"""Gemeente names to CBS codes, gemeente lists and wijk polygons in CBS layouts."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from veerkracht.io.buurten import read_buurten, read_wijken
from veerkracht.io.gemeenten import (
    match_names,
    normalise_name,
    package_aliases,
    package_list,
    read_gemeenten,
)
from veerkracht.io.validation import ImportRejected

#: Groningen's gemeenten before the mergers of 2018-2021, and where they went.
FORMER_GRONINGEN = {
    "Haren": "GM0014", "Ten Boer": "GM0014",
    "Hoogezand-Sappemeer": "GM1952", "Menterwolde": "GM1952", "Slochteren": "GM1952",
    "Bellingwedde": "GM1950", "Vlagtwedde": "GM1950",
    "Grootegast": "GM1969", "Leek": "GM1969", "Marum": "GM1969", "Zuidhorn": "GM1969",
    "Bedum": "GM1966", "De Marne": "GM1966", "Eemsmond": "GM1966", "Winsum": "GM1966",
    "Appingedam": "GM1979", "Delfzijl": "GM1979", "Loppersum": "GM1979",
    "Winschoten": "GM1895", "Scheemda": "GM1895", "Reiderland": "GM1895",
}


def test_package_list_is_every_gemeente_of_2023_once():
    gm = package_list()
    assert len(gm) == 342
    assert gm["gemeentecode"].is_unique and gm["gemeentenaam"].is_unique
    assert gm["gemeentecode"].str.fullmatch(r"GM\d{4}").all()
    # names stay unique after normalising (else matching would be ambiguous)
    assert gm["gemeentenaam"].map(normalise_name).is_unique
    groningen = gm.set_index("gemeentecode").loc[
        ["GM0014", "GM1966", "GM1969", "GM1979", "GM1952", "GM1950", "GM1895",
         "GM0765", "GM0037", "GM0047"], "gemeentenaam"]
    assert groningen.tolist() == ["Groningen", "Het Hogeland", "Westerkwartier",
                                  "Eemsdelta", "Midden-Groningen", "Westerwolde",
                                  "Oldambt", "Pekela", "Stadskanaal", "Veendam"]


def test_aliases_point_at_gemeenten_of_the_list_and_clash_with_none():
    codes = set(package_list()["gemeentecode"])
    aliases = package_aliases()
    assert set(aliases["gemeentecode"]) <= codes
    current = set(package_list()["gemeentenaam"].map(normalise_name))
    # a former name is never a current name (it would silently move addresses)
    assert not set(aliases["naam"].map(normalise_name)) & current


@pytest.mark.parametrize(("name", "code"), [
    ("Groningen", "GM0014"), ("GRONINGEN", "GM0014"), (" groningen ", "GM0014"),
    ("'s-Gravenhage", "GM0518"), ("s-Gravenhage", "GM0518"), ("Den Haag", "GM0518"),
    ("'s Gravenhage", "GM0518"), ("’s-Gravenhage", "GM0518"),
    ("'s-Hertogenbosch", "GM0796"), ("Den Bosch", "GM0796"),
    ("Súdwest-Fryslân", "GM1900"), ("Sudwest-Fryslan", "GM1900"),
    ("Súdwest Fryslân", "GM1900"), ("SÚDWEST-FRYSLÂN", "GM1900"),
    ("Noardeast-Fryslân", "GM1970"), ("Bergen (NH.)", "GM0373"),
    ("Bergen (L.)", "GM0893"), ("Bergen (NH)", "GM0373"),
    ("Nuenen, Gerwen en Nederwetten", "GM0820"), ("Gemeente Het Hogeland", "GM1966"),
    *FORMER_GRONINGEN.items(),
])
def test_names_match_robustly(name, code):
    assert match_names([name]).tolist() == [code]


def test_unknown_names_stay_missing():
    got = match_names(pd.Series(["Atlantis", None, "", "Bergen"], dtype="str"))
    # "Bergen" alone is ambiguous (NH or L): no guess
    assert got.isna().all()


def test_workspace_list_wins_over_the_package_list():
    own = pd.DataFrame({"gemeentecode": ["GM2001"], "gemeentenaam": ["Almere"]})
    assert match_names(["Almere", "Lelystad"], own).tolist() == ["GM2001", "GM0995"]


def test_read_gemeenten_cbs_list_with_plain_codes(tmp_path):
    path = tmp_path / "gemeenten-alfabetisch-2024.csv"
    path.write_text("Gemeentecode;Gemeentenaam;Provincienaam\n"
                    "14;Groningen;Groningen\n0034;Almere;Flevoland\n",
                    encoding="utf-8")
    result = read_gemeenten(path)
    assert result.frame["gemeentecode"].tolist() == ["GM0014", "GM0034"]
    assert list(result.frame.columns) == ["gemeentecode", "gemeentenaam"]
    assert result.summary["columns_detected"] == {"gemeentecode": "Gemeentecode",
                                                  "gemeentenaam": "Gemeentenaam"}


def test_read_gemeenten_refuses_duplicates_and_missing_columns(tmp_path):
    path = tmp_path / "g.csv"
    path.write_text("GemeentecodeGM,Gemeentenaam\nGM0014,Groningen\n"
                    "GM0015,GRONINGEN\nGM14x,Almere\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as info:
        read_gemeenten(path)
    assert [r.line for r in info.value.rows] == [4]
    path.write_text("GemeentecodeGM,Gemeentenaam\nGM0014,Groningen\n"
                    "GM0015,GRONINGEN\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as info:
        read_gemeenten(path)
    assert [r.line for r in info.value.rows] == [2, 3]
    path.write_text("naam,provincie\nGroningen,Groningen\n", encoding="utf-8")
    with pytest.raises(ImportRejected, match="gemeentecode ontbreekt"):
        read_gemeenten(path)


def _polygons(tmp_path, columns, crs="EPSG:28992", name="w.gpkg"):
    n = len(next(iter(columns.values())))
    gdf = gpd.GeoDataFrame(
        columns, geometry=[box(233000 + 100 * i, 582000, 233100 + 100 * i, 582100)
                           for i in range(n)], crs="EPSG:28992").to_crs(crs)
    path = tmp_path / name
    gdf.to_file(path)
    return path


def test_read_gemeenten_polygons_in_web_mercator(tmp_path):
    path = _polygons(tmp_path, {"statcode": ["GM0014"], "statnaam": ["Groningen"]},
                     crs="EPSG:3857", name="gemeenten.geojson")
    result = read_gemeenten(path)
    assert result.frame.crs.to_epsg() == 28992
    assert result.frame["gemeentecode"].tolist() == ["GM0014"]
    x0, y0, x1, y1 = result.frame.total_bounds
    assert abs(x0 - 233000) < 0.5 and abs(y1 - 582100) < 0.5


@pytest.mark.parametrize("columns", [
    # PDOK/CBS wijkenbuurten 2022+
    {"wijkcode": ["WK001400", "WK001401"], "wijknaam": ["Centrum", "Oud-Zuid"],
     "gemeentecode": ["GM0014"] * 2, "gemeentenaam": ["Groningen"] * 2},
    # CBS wijk- en buurtkaart up to 2020 (shapefile names)
    {"WK_CODE": ["WK001400", "WK001401"], "WK_NAAM": ["Centrum", "Oud-Zuid"],
     "GM_CODE": ["GM0014"] * 2, "GM_NAAM": ["Groningen"] * 2},
    # R tmap NLD_dist: only code and name; the gemeente follows from the code
    {"code": ["WK001400", "WK001401"], "name": ["Centrum", "Oud-Zuid"],
     "province": ["Groningen"] * 2},
])
def test_read_wijken_detects_the_layout(tmp_path, columns):
    path = _polygons(tmp_path, columns, crs="EPSG:4326")
    frame = read_wijken(path).frame
    assert frame["wijkcode"].tolist() == ["WK001400", "WK001401"]
    assert frame["wijknaam"].tolist() == ["Centrum", "Oud-Zuid"]
    assert frame["gemeentecode"].tolist() == ["GM0014", "GM0014"]
    assert frame.crs.to_epsg() == 28992


def test_read_wijken_errors_name_what_is_missing(tmp_path):
    path = _polygons(tmp_path, {"code": ["X1"], "naam": ["Centrum"]})
    with pytest.raises(ImportRejected, match="wijkcode") as info:
        read_wijken(path)
    assert "wk_code" in info.value.message().lower()
    path = _polygons(tmp_path, {"wijkcode": ["WK001400"], "gemeentecode": ["GM0034"]},
                     name="w2.gpkg")
    with pytest.raises(ImportRejected, match="ligt niet in de gemeentecode"):
        read_wijken(path)
    path = _polygons(tmp_path, {"wijkcode": ["WK001400", "WK001400"]}, name="w3.gpkg")
    with pytest.raises(ImportRejected, match="meer dan eens"):
        read_wijken(path)


def test_read_buurten_2017_names_and_derived_wijk(tmp_path):
    path = _polygons(tmp_path, {"BU_CODE": ["BU00140000"], "BU_NAAM": ["Binnenstad"],
                                "GM_NAAM": ["Groningen"]}, crs="EPSG:4326")
    frame = read_buurten(path).frame
    assert frame[["buurtcode", "wijkcode", "gemeentecode"]].iloc[0].tolist() == [
        "BU00140000", "WK001400", "GM0014"]


@pytest.mark.slow
def test_real_files_read_and_every_ljpc_gemeente_name_maps(shared_data):
    data = shared_data
    listed = read_gemeenten(data / "cbs_gemeenten_alfabetisch_2023_edugis.csv").frame
    pd.testing.assert_frame_equal(
        listed.sort_values("gemeentecode").reset_index(drop=True), package_list())
    wijken = read_wijken(data / "cbs_wijken_2024_groningen_flevoland_geoinzicht.gpkg")
    assert len(wijken.frame) == 236 and wijken.frame["gemeentecode"].nunique() == 16
    national = read_wijken(data / "cbs_wijken_2022_nl_kerncijfers_tmap.gpkg").frame
    assert len(national) == 3340
    assert national["gemeentecode"].nunique() == 345
    assert len(read_gemeenten(data / "cbs_gemeenten_2022_nl_kerncijfers_tmap.gpkg")
               .frame) == 345
    buurten = read_buurten(data / "groningen_cbs_buurten_2017_kennisnetwerk.gpkg").frame
    assert len(buurten) == 108 and (buurten["gemeentecode"] == "GM0014").all()
    for province in ("Groningen", "Flevoland"):
        names = pd.read_csv(data / f"ljpc_adressen_{province}.csv.zst", sep=";",
                            usecols=["gemeente"], dtype="str")["gemeente"]
        distinct = pd.Series(names.unique(), dtype="str")
        codes = match_names(distinct)
        assert codes.notna().all(), distinct[codes.isna()].tolist()
        assert codes.nunique() == len(distinct)
        assert len(distinct) == {"Groningen": 10, "Flevoland": 6}[province]
