"""The address reader: LJPc CSV and BAG GeoPackage, every error case."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import zstandard
from pyproj import Transformer
from shapely.geometry import Point

from veerkracht.io.addresses import COLUMNS, detect_format, read_addresses
from veerkracht.io.validation import ImportRejected

HEADER = (
    "straat;huisnummer;huisletter;huisnummertoevoeging;postcode;woonplaats;"
    "gemeente;provincie;lat;lon\n"
)
ROWS = [
    "Bosweg;1;;;9351AA;Leek;Westerkwartier;Groningen;53.16286776;6.39284044",
    "Bosweg;3;A;;9351AA;Leek;Westerkwartier;Groningen;53.16298694;6.39290328",
    "Bosweg;12;;2;9351AA;Leek;Westerkwartier;Groningen;53.16300000;6.39300000",
]


def write(tmp_path, rows, name="adressen.csv", header=HEADER, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes((header + "\n".join(rows) + "\n").encode(encoding))
    return path


def rejected(path, **kwargs) -> ImportRejected:
    with pytest.raises(ImportRejected) as info:
        read_addresses(path, **kwargs)
    return info.value


def test_reads_ljpc_rows_into_the_contract(tmp_path):
    result = read_addresses(write(tmp_path, ROWS))
    frame = result.frame
    assert list(frame.columns) == [*COLUMNS, "geometry"]
    assert frame.crs.to_epsg() == 28992
    assert frame["address_id"].tolist() == ["9351AA-1", "9351AA-3A", "9351AA-12-2"]
    assert str(frame["huisnummer"].dtype) == "int64"
    assert frame["is_dwelling"].dtype == bool and frame["is_dwelling"].all()
    assert frame["huisletter"].isna().tolist() == [True, False, True]
    assert frame["vbo_id"].isna().all() and frame["gebruiksdoel"].isna().all()
    assert result.summary["rows_read"] == 3 and result.summary["rows_written"] == 3
    assert result.summary["crs_in"] == "EPSG:4326"
    tr = Transformer.from_crs(4326, 28992, always_xy=True)
    x, y = tr.transform(6.39284044, 53.16286776)
    assert frame.geometry.iloc[0].distance(Point(x, y)) < 1e-6


def test_reads_zstd_compressed_csv(tmp_path):
    plain = write(tmp_path, ROWS)
    packed = tmp_path / "adressen.csv.zst"
    packed.write_bytes(zstandard.ZstdCompressor().compress(plain.read_bytes()))
    assert len(read_addresses(packed).frame) == 3


def test_truncated_zstd_is_refused(tmp_path):
    plain = write(tmp_path, ROWS * 200)
    packed = zstandard.ZstdCompressor().compress(plain.read_bytes())
    path = tmp_path / "kapot.csv.zst"
    path.write_bytes(packed[: len(packed) // 2])
    err = rejected(path)
    assert "afgebroken" in str(err) and err.file_level


def test_garbage_zst_is_refused(tmp_path):
    path = tmp_path / "geen.csv.zst"
    path.write_bytes(b"dit is geen archief")
    assert "zstd" in str(rejected(path))


def test_broken_rows_are_reported_with_their_lines(tmp_path):
    rows = [
        ROWS[0],
        ROWS[1].replace(";3;", ";3a;"),
        ROWS[2].replace("53.163", "noord"),
        ROWS[0].replace(";1;", ";;").replace("9351AA", "9351XY"),
    ]
    err = rejected(write(tmp_path, rows))
    lines = {(r.line, r.reason) for r in err.rows}
    assert (3, "huisnummer is geen geheel getal") in lines
    assert (4, "lat is geen getal") in lines
    assert (5, "huisnummer ontbreekt") in lines
    assert "regel 3" in str(err) and "'3a'" in str(err)


def test_too_many_fields_names_the_line(tmp_path):
    err = rejected(write(tmp_path, [ROWS[0], ROWS[1] + ";extra"]))
    assert [r.line for r in err.rows] == [3]


def test_missing_column_is_named(tmp_path):
    header = HEADER.replace(";lon", ";lng")
    err = rejected(write(tmp_path, ROWS, header=header))
    assert "lon" in str(err) and "lng" in str(err)  # missing and unexpected


def test_wrong_encoding_is_explained(tmp_path):
    rows = [ROWS[0], ROWS[1].replace("Bosweg", "Bösweg")]
    err = rejected(write(tmp_path, rows, encoding="latin-1"))
    assert "UTF-8" in str(err)
    assert err.rows[0].line == 3


def test_rd_coordinates_in_a_latlon_file_are_refused(tmp_path):
    rows = [
        r.replace("53.16286776;6.39284044", "577000;220000")
        .replace("53.16298694;6.39290328", "577010;220010")
        .replace("53.16300000;6.39300000", "577020;220020")
        for r in ROWS
    ]
    err = rejected(write(tmp_path, rows))
    assert "RD New" in str(err)
    assert len(err.rows) == 3


def test_point_outside_the_netherlands_is_refused(tmp_path):
    err = rejected(write(tmp_path, [ROWS[0], ROWS[1].replace("53.1629", "48.8")]))
    assert [r.line for r in err.rows] == [3]
    assert "buiten Nederland" in err.rows[0].reason


def test_exact_and_nearby_duplicates_are_merged(tmp_path):
    near = ROWS[0].replace("53.16286776", "53.16290000")
    result = read_addresses(write(tmp_path, [ROWS[0], ROWS[0], near, ROWS[1]]))
    assert result.frame["address_id"].tolist() == ["9351AA-1", "9351AA-3A"]
    assert result.summary["duplicates_merged"] == 2
    assert result.summary["duplicate_lines"] == [3, 4]


def test_conflicting_duplicates_are_kept_apart(tmp_path):
    # Register pairs (ADR 0009): never a reason to refuse the file.
    far = ROWS[0].replace("53.16286776", "53.20000000")
    other_street = ROWS[0].replace("Bosweg", "Dorpsstraat")
    result = read_addresses(write(tmp_path, [ROWS[0], ROWS[1], far, ROWS[2],
                                             other_street]))
    assert len(result.frame) == 5 and result.frame["address_id"].is_unique
    assert result.summary["conflicts"][0]["lines"] == [2, 4, 6]


def test_letter_case_makes_distinct_addresses(tmp_path):
    lower = ROWS[1].replace(";A;", ";a;")
    frame = read_addresses(write(tmp_path, [ROWS[1], lower])).frame
    assert frame["address_id"].tolist() == ["9351AA-3A", "9351AA-3a"]


def test_empty_file_and_header_only(tmp_path):
    empty = tmp_path / "leeg.csv"
    empty.write_bytes(b"")
    assert "leeg" in str(rejected(empty))
    assert "kopregel" in str(rejected(write(tmp_path, [], name="kop.csv")))


def test_missing_file_and_unknown_format(tmp_path):
    assert "niet gevonden" in str(rejected(tmp_path / "weg.csv"))
    odd = tmp_path / "adressen.bin"
    odd.write_bytes(b"\x00\x01\x02")
    assert "onbekend bestandsformaat" in str(rejected(odd))
    assert "onbekend formaat" in str(rejected(write(tmp_path, ROWS), format="xml"))


def test_detect_format(tmp_path):
    assert detect_format(write(tmp_path, ROWS, name="a.txt")) == "ljpc-csv"


def _gpkg(tmp_path, rows, crs="EPSG:28992", layer="verblijfsobjecten"):
    gdf = gpd.GeoDataFrame(
        rows, geometry=[Point(r.pop("x"), r.pop("y")) for r in rows], crs=crs
    )
    path = tmp_path / "bag.gpkg"
    gdf.to_file(path, layer=layer, driver="GPKG")
    return path


def _bag(nid, nr, x=121000.0, y=489000.0, **extra):
    return {
        "nummer_id": nid,
        "straatnaam": "Barentszplein",
        "huisnummer": nr,
        "huisletter": None,
        "toevoeging": None,
        "woonplaats": "Amsterdam",
        "postcode": "1013NJ",
        "status": "Naamgeving uitgegeven",
        "x": x,
        "y": y,
        **extra,
    }


def test_bag_geopackage_uses_the_bag_id(tmp_path):
    path = _gpkg(tmp_path, [_bag("0363200000039881", 1), _bag("0363200000039882", 2)])
    result = read_addresses(path)
    assert result.summary["format"] == "bag-gpkg"
    assert result.frame["address_id"].tolist() == [
        "0363200000039881",
        "0363200000039882",
    ]
    assert result.frame["is_dwelling"].all()


def test_bag_geopackage_with_degrees_in_rd_is_refused(tmp_path):
    path = _gpkg(tmp_path, [_bag("0363200000039881", 1, x=4.9, y=52.37)])
    err = rejected(path)
    assert "graden" in str(err)
    assert err.rows[0].source.endswith("verblijfsobjecten")


def test_bag_geopackage_use_class_decides_dwelling(tmp_path):
    path = _gpkg(
        tmp_path,
        [
            _bag("1", 1, gebruiksdoel="woonfunctie"),
            _bag("2", 2, gebruiksdoel="kantoorfunctie"),
        ],
    )
    frame = read_addresses(path).frame
    assert frame["is_dwelling"].tolist() == [True, False]
    assert frame["gebruiksdoel"].tolist() == ["woonfunctie", "kantoorfunctie"]


def test_bag_geopackage_without_address_layers(tmp_path):
    path = _gpkg(tmp_path, [_bag("1", 1)], layer="iets_anders")
    assert "geen BAG-adreslagen" in str(rejected(path))


@pytest.mark.slow
def test_real_ljpc_files(shared_data):
    tr = Transformer.from_crs(4326, 28992, always_xy=True)
    expected = {"Groningen": (328_867, 1_125), "Flevoland": (222_318, 108)}
    for province, (rows, merged) in expected.items():
        result = read_addresses(shared_data / f"ljpc_adressen_{province}.csv.zst")
        assert result.summary["rows_read"] == rows
        assert result.summary["duplicates_merged"] == merged
        assert len(result.frame) == rows - merged
        assert result.frame["address_id"].is_unique
        x0, y0, x1, y1 = result.frame.total_bounds
        if province == "Groningen":
            assert x0 > 200_000 and x1 < 280_000 and y0 > 535_000 and y1 < 615_000
            # Bosweg 1, Leek: first line of the file, transformed independently.
            row = result.frame.loc[result.frame["address_id"] == "9351AA-1"]
            x, y = tr.transform(6.39284044, 53.16286776)
            assert row.geometry.iloc[0].distance(Point(x, y)) < 0.01
        else:
            assert x0 > 130_000 and x1 < 200_000 and y0 > 470_000 and y1 < 545_000


@pytest.mark.slow
def test_real_bag_geopackage(shared_data):
    result = read_addresses(
        shared_data / "amsterdam_houthavens_bag_adressen_gokoala.gpkg"
    )
    assert result.summary["layers"] == {
        "ligplaatsen": 67,
        "standplaatsen": 1,
        "verblijfsobjecten": 1836,
    }
    frame = result.frame
    assert len(frame) == 1904 and frame["address_id"].is_unique
    assert frame["address_id"].str.fullmatch(r"\d{16}").all()
    assert frame["is_dwelling"].all()
    row = frame.loc[frame["address_id"] == "0363200000039881"].iloc[0]
    assert (row["straat"], row["huisnummer"], row["toevoeging"]) == (
        "Barentszplein",
        1,
        "H",
    )
    assert np.allclose(row.geometry.coords[0], (121223.0, 489163.0))
    # One verblijfsobject has no postcode: its BAG id still identifies it.
    assert frame["postcode"].isna().sum() == 1


def test_bag_id_on_two_objects_is_a_register_pair_kept_by_object_id(tmp_path):
    # one nummeraanduiding as the address of a house and a berth (ADR 0009)
    path = _gpkg(tmp_path, [
        _bag("0363200000039881", 1, vbo_id="0363010000000002"),
        _bag("0363200000039881", 1, x=121400.0, vbo_id="0363010000000001"),
        _bag("0363200000039882", 2, vbo_id="0363010000000003")])
    result = read_addresses(path)
    assert result.frame["address_id"].tolist() == [
        "0363200000039881~0363010000000002", "0363200000039881",
        "0363200000039882"]
    assert result.summary["conflicting_keys"] == 1
    assert result.summary["conflicts"][0]["kept"] == [
        [1, "0363200000039881~0363010000000002"], [2, "0363200000039881"]]
    assert any("waarschuwing" in n for n in result.summary["notes"])
    # the same file in another order gives the same ids
    again = read_addresses(_gpkg(tmp_path, [
        _bag("0363200000039882", 2, vbo_id="0363010000000003"),
        _bag("0363200000039881", 1, x=121400.0, vbo_id="0363010000000001"),
        _bag("0363200000039881", 1, vbo_id="0363010000000002")]))
    assert sorted(again.frame["address_id"]) == sorted(result.frame["address_id"])


@pytest.mark.parametrize("objects", [("0363010000000001", "0363010000000001"),
                                     (None, None), ("0363010000000001", None)])
def test_bag_id_repeated_on_one_or_unknown_object_is_refused(tmp_path, objects):
    path = _gpkg(tmp_path, [_bag("0363200000039881", 1, vbo_id=o) for o in objects])
    err = rejected(path)
    assert [r.line for r in err.rows] == [1, 2]
    assert "BAG-id komt meer dan eens voor" in err.rows[0].reason


def test_bag_pair_over_two_geopackages_of_one_call(tmp_path):
    from typer.testing import CliRunner

    from veerkracht.cli.main import app
    from veerkracht.store import open_workspace

    def gpkg(name, rows):
        d = tmp_path / name
        d.mkdir()
        return str(_gpkg(d, rows))

    a = gpkg("a", [_bag("0363200000039881", 1, vbo_id="0363010000000002")])
    b = gpkg("b", [_bag("0363200000039881", 1, x=121400.0, vbo_id="0363010000000001")])
    ws = str(tmp_path / "ws")
    result = CliRunner().invoke(app, ["-w", ws, "import", "addresses", a, b])
    assert result.exit_code == 0, result.output
    assert "registerpaar over een bestandsgrens" in result.output
    with open_workspace(ws) as w:
        assert sorted(w.read("addresses")["address_id"]) == [
            "0363200000039881", "0363200000039881~0363010000000002"]
    # the same object in both files is a real duplicate
    c = gpkg("c", [_bag("0363200000039881", 1, vbo_id="0363010000000002")])
    result = CliRunner().invoke(app, ["-w", str(tmp_path / "ws2"), "import",
                                      "addresses", a, c])
    assert result.exit_code == 1 and "staat ook in een ander bestand" in result.output
