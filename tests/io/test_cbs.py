"""Kerncijfers: CBS markers become NA, origin columns are never stored."""

from __future__ import annotations

import math

import openpyxl
import pytest

from veerkracht.io.cbs import is_origin_column, read_kerncijfers
from veerkracht.io.validation import ImportRejected

KWB_HEADER = [
    "gwb_code_10",
    "gwb_code_8",
    "regio",
    "gm_naam",
    "recs",
    "a_inw",
    "a_nl_all",
    "a_geb_nl",
    "a_gbl_eu",
    "a_geb",
    "p_wcorpw",
    "p_hh_li",
]


def _xlsx(tmp_path, rows, name="kwb-2023.xlsx", sheet="kwb-2023", header=KWB_HEADER):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(header)
    for r in rows:
        ws.append(r)
    path = tmp_path / name
    wb.save(path)
    return path


ROWS = [
    [
        "GM0344",
        "0344",
        "Utrecht",
        "Utrecht",
        "Gemeente",
        367947,
        "222298",
        "1",
        "2",
        "4145",
        31,
        ".",
    ],
    [
        "WK034401",
        "034401",
        "Wijk 01 West",
        "Utrecht",
        "Wijk",
        29040,
        "x",
        "1",
        "2",
        "360",
        "-99999999",
        12.5,
    ],
    [
        "BU03440111",
        "03440111",
        "Lombok-Oost",
        "Utrecht",
        "Buurt",
        "-",
        "?",
        "1",
        "2",
        "",
        "-99999997",
        "x",
    ],
]


def test_kwb_markers_become_na_and_origin_columns_are_dropped(tmp_path):
    result = read_kerncijfers(_xlsx(tmp_path, ROWS))
    frame = result.frame
    assert list(frame.columns[:4]) == ["regiocode", "regioniveau", "regionaam", "jaar"]
    assert frame["regioniveau"].tolist() == ["gemeente", "wijk", "buurt"]
    assert frame["jaar"].tolist() == [2023] * 3
    for dropped in ("a_nl_all", "a_geb_nl", "a_gbl_eu"):
        assert dropped not in frame.columns
        assert dropped in result.summary["dropped_columns"]
    assert "a_geb" in frame.columns  # births, not birth country
    assert frame["a_inw"].tolist()[:2] == [367947.0, 29040.0]
    assert math.isnan(frame["a_inw"].iloc[2])  # "-"
    assert frame["p_wcorpw"].isna().tolist() == [False, True, True]  # -9999999x
    assert frame["p_hh_li"].isna().tolist() == [True, False, True]  # "." and "x"
    assert not (frame.select_dtypes("number") == 0).any().any()
    assert all(frame[c].dtype == "float64" for c in ("a_inw", "p_wcorpw", "a_geb"))


def test_text_in_a_figure_is_rejected_with_line(tmp_path):
    rows = [r.copy() for r in ROWS]
    rows[1][5] = "veel"
    with pytest.raises(ImportRejected) as info:
        read_kerncijfers(_xlsx(tmp_path, rows))
    assert [(r.line, r.reason) for r in info.value.rows] == [
        (3, "kolom a_inw: geen getal")
    ]


def test_bad_and_duplicate_regiocodes(tmp_path):
    rows = [r.copy() for r in ROWS]
    rows[2][0] = "Lombok"
    with pytest.raises(ImportRejected) as info:
        read_kerncijfers(_xlsx(tmp_path, rows))
    assert [r.line for r in info.value.rows] == [4]
    rows[2][0] = "GM0344"
    with pytest.raises(ImportRejected) as info:
        read_kerncijfers(_xlsx(tmp_path, rows))
    assert [r.line for r in info.value.rows] == [2, 4]


def test_year_from_file_name_or_argument(tmp_path):
    path = _xlsx(tmp_path, ROWS, name="cijfers.xlsx", sheet="Blad1")
    with pytest.raises(ImportRejected, match="jaar"):
        read_kerncijfers(path)
    assert read_kerncijfers(path, year=2022).frame["jaar"].tolist() == [2022] * 3
    path = _xlsx(tmp_path, ROWS, name="kwb2024_utrecht.xlsx", sheet="Blad1")
    assert read_kerncijfers(path).summary["jaar"] == 2024


def test_unknown_layout_and_wrong_encoding(tmp_path):
    path = tmp_path / "iets_2024.csv"
    path.write_text("a;b\n1;2\n", encoding="utf-8")
    with pytest.raises(ImportRejected, match="onbekende indeling"):
        read_kerncijfers(path)
    path.write_bytes("gwb_code_10;regio;a_inw\nGM0344;Utr\xe9cht;1\n".encode("latin-1"))
    with pytest.raises(ImportRejected, match="UTF-8"):
        read_kerncijfers(path)


def test_origin_detection():
    for name in (
        "a_nl_all",
        "a_eur_al",
        "a_neu_al",
        "a_geb_nl",
        "a_geb_eu",
        "a_geb_ne",
        "a_gbl_eu",
        "a_gbl_ne",
        "p_marok",
        "percentage_met_migratieachtergrond",
        "aantal_niet_westers",
        "nationaliteit_nl",
        "geboorteland_buitenland",
    ):
        assert is_origin_column(name), name
    for name in ("a_inw", "a_geb", "p_geb", "a_hh", "p_wcorpw", "g_woz"):
        assert not is_origin_column(name), name


def test_amsterdam_2021_layout_keeps_zeros_but_flags_them(tmp_path):
    path = tmp_path / "amsterdam_kwb2021.csv"
    path.write_text(
        "aantal_inwoners,woningvoorraad,percentage_gehuwd,"
        "percentage_met_migratieachtergrond,stadsdeel,buurtcode,buurtnaam\n"
        "1115,773,14,40,Centrum,BU03630000,Kop Zeedijk\n"
        "5,0,0,0,Centrum,BU03630100,Stationsplein e.o.\n",
        encoding="utf-8",
    )
    result = read_kerncijfers(path)
    assert result.summary["jaar"] == 2021
    assert result.frame["a_woning"].tolist() == [773.0, 0.0]
    assert result.summary["zeros_possibly_missing"] == {"a_woning": 1, "p_gehuwd": 1}
    assert "percentage_met_migratieachtergrond" in result.summary["dropped_columns"]
    assert not any("migratie" in c for c in result.frame.columns)


@pytest.mark.slow
def test_real_kwb_xlsx(shared_data):
    r23 = read_kerncijfers(shared_data / "cbs_kwb2023_gemeente_utrecht_wardeiling.xlsx")
    r24 = read_kerncijfers(shared_data / "cbs_kwb2024_gemeente_utrecht_wardeiling.xlsx")
    for r, year in ((r23, 2023), (r24, 2024)):
        f = r.frame.set_index("regiocode")
        assert len(f) == 122 and (f["jaar"] == year).all()
        assert r.summary["levels"] == {"buurt": 111, "wijk": 10, "gemeente": 1}
        assert sorted(r.summary["dropped_columns"]) == sorted(
            [
                "a_nl_all",
                "a_eur_al",
                "a_neu_al",
                "a_geb_nl",
                "a_geb_eu",
                "a_geb_ne",
                "a_gbl_eu",
                "a_gbl_ne",
            ]
        )
        assert not any(
            c.startswith(("a_nl_", "a_eur", "a_neu", "a_geb_", "a_gbl"))
            for c in f.columns
        )
    f23 = r23.frame.set_index("regiocode")
    f24 = r24.frame.set_index("regiocode")
    assert f23.loc["GM0344", "a_inw"] == 367947
    assert f23.loc["GM0344", "p_wcorpw"] == 31
    assert f23.loc["GM0344", "p_koopw"] == 44
    assert math.isnan(f23.loc["GM0344", "g_ele"])  # "." in the file
    assert f24.loc["GM0344", "a_inw"] == 374238
    assert math.isnan(f24.loc["GM0344", "bev_dich"])  # "." in the 2024 file
    assert math.isnan(f24.loc["WK034401", "p_wcorpw"])


@pytest.mark.slow
def test_real_amsterdam_2021(shared_data):
    r = read_kerncijfers(shared_data / "amsterdam_cbs_kwb2021_buurten_mercury.csv")
    f = r.frame.set_index("regiocode")
    assert len(f) == 479 and r.summary["jaar"] == 2021
    assert f.loc["BU03630001", "a_inw"] == 695
    assert f.loc["BU03630003", "g_woz"] == 0  # upstream 0 for a secret value, kept
    assert r.summary["zeros_possibly_missing"]["g_woz"] == 87


@pytest.mark.slow
def test_real_woonikveilig(shared_data):
    r = read_kerncijfers(
        shared_data / "woonikveilig_groningen_GM0014_wijken_buurten_2024.csv"
    )
    f = r.frame.set_index(["regiocode", "jaar"])
    assert r.summary["rows_read"] == 171
    assert r.summary["crime_years"] == [2021, 2022, 2023, 2024]
    assert len(f) == 171 * 4
    row = f.loc[("BU00140105", 2024)]
    assert row["a_inw"] == 935 and row["misdrijven_per_1000"] == 49.0
    assert row["misdrijven_totaal"] == 39 and row["misdrijven_12mnd"] == 47
    assert f.loc[("BU00140105", 2021), "misdrijven_totaal"] == 43
    assert math.isnan(f.loc[("BU00141908", 2024), "a_inw"])  # empty cell, not 0
    a = read_kerncijfers(
        shared_data / "woonikveilig_amsterdam_GM0363_wijken_buurten_2024.csv"
    )
    assert a.summary["rows_read"] == 627
    assert a.summary["levels"] == {"buurt": 517 * 4, "wijk": 110 * 4}
    fa = a.frame.set_index(["regiocode", "jaar"])
    assert fa.loc[("BU0363KA05", 2024), "misdrijven_per_1000"] == 68.1
