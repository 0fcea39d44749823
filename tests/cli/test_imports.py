"""``veerkracht import ...``: all-or-nothing, a report and a CSV on rejection."""

from __future__ import annotations

import csv

import pytest
from typer.testing import CliRunner

from veerkracht.cli.main import app
from veerkracht.store import open_workspace

HEADER = (
    "straat;huisnummer;huisletter;huisnummertoevoeging;postcode;woonplaats;"
    "gemeente;provincie;lat;lon\n"
)
GOOD = (
    "Bosweg;1;;;9351AA;Leek;Westerkwartier;Groningen;53.16286776;6.39284044\n"
    "Bosweg;3;A;;9351AA;Leek;Westerkwartier;Groningen;53.16298694;6.39290328\n"
)
OTHER = "Markt;2;;;8000AA;Zwolle;Zwolle;Overijssel;52.5125;6.0944\n"

runner = CliRunner()


def run(ws, *args):
    return runner.invoke(app, ["--workspace", str(ws), *args], catch_exceptions=False)


def state(ws):
    with open_workspace(str(ws)) as w:
        return (
            [(t.name, t.rows, t.version) for t in w.tables()],
            [(o.id, o.action) for o in w.operations()],
        )


@pytest.fixture
def files(tmp_path):
    good = tmp_path / "goed.csv"
    good.write_text(HEADER + GOOD, encoding="utf-8")
    other = tmp_path / "ander.csv"
    other.write_text(HEADER + OTHER, encoding="utf-8")
    return good, other


def test_import_combines_files_in_one_transaction(tmp_path, files):
    ws = tmp_path / "ws"
    result = run(ws, "import", "addresses", *map(str, files))
    assert result.exit_code == 0, result.output
    assert "3 adressen ingelezen uit 2 bestanden" in result.output
    with open_workspace(str(ws)) as w:
        frame = w.read("addresses")
        ops = w.operations()
    assert sorted(frame["address_id"]) == ["8000AA-2", "9351AA-1", "9351AA-3A"]
    assert frame.crs.to_epsg() == 28992
    assert len(ops) == 1 and ops[0].action == "import addresses"
    assert ops[0].summary["rows_written"] == 3
    assert ops[0].summary["crs_in"] == ["EPSG:4326"]
    assert ops[0].source == "goed.csv, ander.csv"


def test_default_replaces_and_append_adds(tmp_path, files):
    ws = tmp_path / "ws"
    good, other = files
    assert run(ws, "import", "addresses", str(good)).exit_code == 0
    assert run(ws, "import", "addresses", str(other)).exit_code == 0
    with open_workspace(str(ws)) as w:
        assert w.read("addresses")["address_id"].tolist() == ["8000AA-2"]
    result = run(ws, "import", "addresses", str(good), "--append")
    assert result.exit_code == 0, result.output
    with open_workspace(str(ws)) as w:
        assert len(w.read("addresses")) == 3


def test_append_of_the_same_addresses_is_rejected(tmp_path, files):
    ws = tmp_path / "ws"
    good, _ = files
    assert run(ws, "import", "addresses", str(good)).exit_code == 0
    before = state(ws)
    result = run(ws, "import", "addresses", str(good), "--append")
    assert result.exit_code == 1
    assert "staat al in de werkmap" in result.output
    assert state(ws) == before


ERRORS = {
    "broken_row": (
        "rij.csv",
        (HEADER + GOOD + "Bosweg;5x;;;9351AA;Leek;W;G;53.16;6.39\n").encode(),
        "regel 4: huisnummer is geen geheel getal",
    ),
    "wrong_column": (
        "kolom.csv",
        (HEADER.replace("postcode", "pc") + GOOD).encode(),
        "verplichte kolom(men) ontbreken",
    ),
    "wrong_encoding": (
        "latin.csv",
        (HEADER + GOOD.replace("Bosweg", "Bösweg")).encode("latin-1"),
        "geen UTF-8-tekst",
    ),
    "truncated_zst": ("kapot.csv.zst", b"\x28\xb5\x2f\xfd\x24\x10", "zstd-archief"),
    "wrong_crs": (
        "rd.csv",
        (HEADER + GOOD.replace("53.16286776;6.39284044", "577000;220000")).encode(),
        "RD New",
    ),
    # A repeated key far apart is a register pair, kept with a warning
    # (ADR 0009, tests/io/test_addresses_provinces.py), not a rejection.
    "empty": ("leeg.csv", b"", "het bestand is leeg"),
    "unknown_format": ("iets.bin", b"\x00\x01binary", "onbekend bestandsformaat"),
}


@pytest.mark.parametrize("case", sorted(ERRORS), ids=sorted(ERRORS))
def test_rejections_leave_the_workspace_unchanged(tmp_path, files, case):
    ws = tmp_path / "ws"
    assert run(ws, "import", "addresses", str(files[0])).exit_code == 0
    before = state(ws)
    name, content, message = ERRORS[case]
    bad = tmp_path / name
    bad.write_bytes(content)
    result = run(ws, "import", "addresses", str(files[1]), str(bad))
    assert result.exit_code == 1
    assert message in result.output
    assert "De werkmap is niet gewijzigd." in result.output
    assert state(ws) == before


def test_missing_file_is_reported(tmp_path):
    ws = tmp_path / "ws"
    result = run(ws, "import", "addresses", str(tmp_path / "weg.csv"))
    assert result.exit_code == 1
    assert "bestand niet gevonden" in result.output
    assert state(ws) == ([], [])


def test_rejected_rows_go_to_a_csv_next_to_the_workspace(tmp_path):
    ws = tmp_path / "ws"
    bad = tmp_path / "fout.csv"
    rows = "".join(f"Bosweg;{i}b;;;9351AA;Leek;W;G;53.16;6.39\n" for i in range(25))
    bad.write_text(HEADER + rows, encoding="utf-8")
    result = run(ws, "import", "addresses", str(bad))
    assert result.exit_code == 1
    assert "en nog 5 (totaal 25 afgekeurde rijen)" in result.output
    reports = list(tmp_path.glob("afgekeurd-addresses-*.csv"))
    assert len(reports) == 1
    with reports[0].open(encoding="utf-8") as fh:
        table = list(csv.reader(fh, delimiter=";"))
    assert len(table) == 26
    assert table[1][:3] == ["fout.csv", "2", "huisnummer is geen geheel getal"]


def test_every_command_has_help_with_examples(tmp_path):
    for command in (
        "addresses",
        "buildings",
        "buurten",
        "kerncijfers",
        "leefbaarometer",
        "amenities",
    ):
        result = runner.invoke(app, ["import", command, "--help"])
        assert result.exit_code == 0, command
        assert "Voorbeelden" in result.output and f"import {command}" in result.output


def test_kerncijfers_import_never_stores_origin_columns(tmp_path):
    ws = tmp_path / "ws"
    path = tmp_path / "kwb-2023.csv"
    path.write_text(
        "gwb_code_10;regio;a_inw;a_nl_all;a_gbl_eu;p_wcorpw\n"
        "GM0344;Utrecht;367947;222298;25291;.\n",
        encoding="utf-8",
    )
    result = run(ws, "import", "kerncijfers", str(path))
    assert result.exit_code == 0, result.output
    assert "niet opgeslagen (herkomst/nationaliteit): a_gbl_eu, a_nl_all" in (
        result.output
    )
    with open_workspace(str(ws)) as w:
        frame = w.read("kerncijfers")
        op = w.operations()[-1]
    assert "a_nl_all" not in frame.columns and "a_gbl_eu" not in frame.columns
    assert frame["p_wcorpw"].isna().all()
    assert op.summary["dropped_columns"] == ["a_gbl_eu", "a_nl_all"]


@pytest.mark.slow
def test_real_files_through_the_command_line(tmp_path, shared_data):
    ws = tmp_path / "ws"
    d = shared_data
    steps = [
        (
            "addresses",
            d / "ljpc_adressen_Groningen.csv.zst",
            d / "ljpc_adressen_Flevoland.csv.zst",
        ),
        ("buildings", d / "doesburg_bag_panden_20200915_nlextract.gpkg"),
        ("buurten", d / "amsterdam_gebied_buurten_wkt_mercury.csv"),
        (
            "kerncijfers",
            d / "cbs_kwb2023_gemeente_utrecht_wardeiling.xlsx",
            d / "cbs_kwb2024_gemeente_utrecht_wardeiling.xlsx",
            d / "woonikveilig_groningen_GM0014_wijken_buurten_2024.csv",
        ),
        (
            "leefbaarometer",
            d / "leefbaarometer2_wijk_dimensiescores_2012_2014_2016_koenkoen1.xlsx",
            d / "leefbaarometer2_wijk_klassen_2002_2016_koenkoen1.xlsx",
        ),
        ("amenities", d / "amsterdam_repaircafes_locaties.csv"),
    ]
    for command, *paths in steps:
        result = run(ws, "import", command, *map(str, paths))
        assert result.exit_code == 0, result.output
    with open_workspace(str(ws)) as w:
        rows = {t.name: t.rows for t in w.tables()}
        kerncijfers = w.read("kerncijfers")
    assert rows["addresses"] == 328_867 - 1_125 + 222_318 - 108
    assert rows["buildings"] == 7797 and rows["buurten"] == 481
    assert rows["kerncijfers"] == 122 + 122 + 171 * 4
    assert rows["amenities"] == 43
    assert not any(c.startswith(("a_nl_", "a_geb_", "a_gbl_")) for c in kerncijfers)


def test_kerncijfers_year_option(tmp_path):
    ws = tmp_path / "ws"
    path = tmp_path / "cijfers.csv"
    path.write_text(
        "gwb_code_10;regio;a_inw\nGM0344;Utrecht;367947\n", encoding="utf-8"
    )
    result = run(ws, "import", "kerncijfers", str(path))
    assert result.exit_code == 1 and "--jaar" in result.output
    assert run(ws, "import", "kerncijfers", str(path), "--jaar", "2022").exit_code == 0
    with open_workspace(str(ws)) as w:
        assert w.read("kerncijfers")["jaar"].tolist() == [2022]
