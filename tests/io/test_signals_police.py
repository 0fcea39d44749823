"""Police incident registrations as signals: detection, mapping, nothing else kept."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from veerkracht.cli.main import app
from veerkracht.io.signals import COLUMNS, parse_police_time, read_signals
from veerkracht.io.validation import ImportRejected
from veerkracht.store import open_workspace

HEADER = ("id,bronreg,srtcode,srt,straat,huisnr,postcode,plaats,gemeente,prov,wijk,"
          "buurt,subbuurt,b_dag,b_deel,b_datum,e_dag,e_deel,e_datum,k_dag,k_deel,"
          "k_datum,aangifte,poging,verdacht,aanhoud,opgeheld,object,project,temp,weer,"
          "x,y,lon,lat\n")
REAL = "groningen_politie_fietsdiefstallen_2013_2017_kennisnetwerk.csv.zst"


def row(pid, b_datum="20170920173000", x="234234", y="583983",
        obj="Openbare Weg/-Water", straat="Surinamestraat"):
    """One registration in the published layout (values after the real file)."""
    return (f"{pid},PL0100_BVH_2017250824,A72,Diefstal Fiets,{straat},140,9715PZ,"
            "Groningen,Groningen,Groningen,Wijk 03 Korrewegwijk,West-Indischebuurt,"
            f"West-Indischebuurt,woensdag,middag,{b_datum},donderdag,ochtend,"
            "20170921060000,donderdag,ochtend,20170921073960,J,N,0,0,N,"
            f'"{obj}",,n/a,Geen data aanwezig,{x},{y},6.573923,53.236559\n')


def write(tmp_path, text, name="diefstallen.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_detected_from_the_header_and_mapped(tmp_path):
    p = write(tmp_path, HEADER + row("PL0100_BVH_1") + row(
        "PL0100_BVH_2", b_datum="20170120081500", x="233211", y="583360"))
    res = read_signals(p)
    f = res.frame
    assert res.summary["format"] == "politie"
    assert f["signal_id"].tolist() == ["PL0100_BVH_1", "PL0100_BVH_2"]
    assert set(f["category"]) == {"unsafety"} and set(f["source"]) == {"police"}
    # b_datum is local time: 17:30 CEST in September, 08:15 CET in January
    assert f["reported_at"].tolist() == [pd.Timestamp("2017-09-20 15:30", tz="UTC"),
                                         pd.Timestamp("2017-01-20 07:15", tz="UTC")]
    assert f.crs.to_epsg() == 28992
    assert (f.geometry.x.tolist(), f.geometry.y.tolist()) == (
        [234234.0, 233211.0], [583983.0, 583360.0])
    assert f["address_id"].isna().all() and not f["synthetic"].any()


def test_every_other_column_is_dropped(tmp_path):
    p = write(tmp_path, HEADER + row("PL0100_BVH_1", obj="Portiek/Lift/Trappenhuis",
                                     straat="Zeer Herkenbare Steeg"))
    res = read_signals(p)
    f = res.frame
    assert list(f.columns) == [*COLUMNS, "geometry"]
    cells = " ".join(map(str, f.drop(columns="geometry").iloc[0].tolist()))
    for text in ("Herkenbare", "9715PZ", "Portiek", "Korrewegwijk", "6.573923"):
        assert text not in cells
    dropped = res.summary["not_stored_columns"]
    assert {"straat", "huisnr", "postcode", "object", "k_datum", "lon"} <= set(dropped)
    assert not {"id", "b_datum", "x", "y"} & set(dropped)


@pytest.mark.parametrize(("raw", "utc"), [
    ("20170920135960", "2017-09-20 12:00"),   # second 60 is the next minute
    ("20170920235960", "2017-09-20 22:00"),   # ... also across midnight
    ("20170820", "2017-08-19 22:00"),         # a date alone is local midnight
    ("20141026015960", "2014-10-26 00:00"),   # 02:00 twice: the summer-time one
    ("20170326023000", "2017-03-26 01:00"),   # 02:30 does not exist: 03:00 CEST
    ("20130101010000", "2013-01-01 00:00"),
])
def test_police_times(raw, utc):
    t, bad = parse_police_time(pd.Series([raw]))
    assert not bad[0]
    assert t.iloc[0] == pd.Timestamp(utc, tz="UTC")


@pytest.mark.parametrize("raw", ["2017-09-20", "20171320120000",
                                 "20170920246000", "20170920126100", "20170920120061",
                                 "2017092012", "gisteren"])
def test_bad_police_times(raw):
    t, bad = parse_police_time(pd.Series([raw]))
    assert bad[0] and pd.isna(t.iloc[0])


def test_bad_rows_reported_with_their_real_lines(tmp_path):
    # line 2 holds an object type with a line break: the next record starts on
    # line 4, as in the real file
    text = (HEADER
            + row("A1", obj="Erf/Tuin/Balkon\nOpenbare Weg/-Water")   # lines 2-3
            + row("A2", x="", y="")                                     # 4
            + row("A3", b_datum="2017-09-20")                           # 5
            + row("A4", b_datum="")                                     # 6
            + row("A5", x="6.57", y="53.23")                            # 7
            + row("A6")                                                 # 8
            + row("A6")                                                 # 9
            + row("A7"))                                                # 10
    p = write(tmp_path, text)
    with pytest.raises(ImportRejected) as exc:
        read_signals(p)
    got = {(r.line, r.reason.split(" (")[0]) for r in exc.value.rows}
    assert got == {
        (4, "geen coördinaten"),
        (5, "b_datum is geen tijdstip"),
        (6, "b_datum ontbreekt"),
        (7, "coördinaat ligt buiten Nederland"),
        (8, "id komt meer dan eens voor"),
        (9, "id komt meer dan eens voor"),
    }
    assert "graden" in exc.value.message()


def test_forced_format_needs_the_used_columns(tmp_path):
    p = write(tmp_path, "id,datum,x,y\nA1,20170920173000,234234,583983\n")
    with pytest.raises(ImportRejected, match="b_datum"):
        read_signals(p, format="politie")
    with pytest.raises(ImportRejected, match="onbekend formaat"):
        read_signals(p, format="politie-csv")


def test_forced_format_reads_a_reduced_extract(tmp_path):
    p = write(tmp_path, "id;b_datum;x;y;straat\nA1;20170920173000;234234;583983;X\n")
    f = read_signals(p, format="politie").frame
    assert f["signal_id"].tolist() == ["A1"] and "straat" not in f.columns


def test_generic_layout_still_refuses_unknown_columns(tmp_path):
    # without the police signature (no bronreg/srtcode/k_datum) it is the
    # ordinary layout, and its strict allow-list applies
    p = write(tmp_path, "id,b_datum,x,y,straat\nA1,20170920173000,234234,583983,X\n")
    with pytest.raises(ImportRejected, match="toegestane velden"):
        read_signals(p)
    with pytest.raises(ImportRejected, match="toegestane velden"):
        read_signals(p, format="standaard")


def test_forbidden_column_refuses_a_police_file(tmp_path):
    header = HEADER.replace(",lat\n", ",lat,nationaliteit_verdachte\n")
    p = write(tmp_path, header + row("A1").replace("\n", ",X\n"))
    with pytest.raises(ImportRejected, match="verboden"):
        read_signals(p)


def test_command_line_import_and_format_option(tmp_path):
    p = write(tmp_path, HEADER + row("A1") + row("A2", b_datum="20170820"))
    ws = tmp_path / "ws"
    runner = CliRunner()
    result = runner.invoke(app, ["--workspace", str(ws), "import", "signals", str(p),
                                 "--format", "politie"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "2 meldingen ingelezen" in result.output
    assert "b_datum" in result.output and "niet opgeslagen" in result.output
    with open_workspace(str(ws)) as w:
        stored = w.read("signals")
    assert sorted(stored["signal_id"]) == ["A1", "A2"]
    assert "straat" not in stored.columns and "object" not in stored.columns
    bad = write(tmp_path, HEADER + row("B1", x=""), name="kapot.csv")
    result = runner.invoke(app, ["--workspace", str(ws), "import", "signals",
                                 str(bad)], catch_exceptions=False)
    assert result.exit_code == 1 and "afgekeurd" in result.output
    with open_workspace(str(ws)) as w:
        assert sorted(w.read("signals")["signal_id"]) == ["A1", "A2"]


@pytest.mark.slow
def test_real_groningen_bicycle_thefts(shared_data):
    path = shared_data / REAL
    res = read_signals(path)
    f = res.frame
    assert len(f) == 15_947 and f["signal_id"].is_unique
    assert res.summary["format"] == "politie"
    assert res.summary["date_only_times"] == 197
    # 251 object cells span 2-3 lines (254 extra): the last record is on 16,202
    assert res.lines[-1] == 16_202
    assert f["reported_at"].min() == pd.Timestamp("2013-01-01 00:00", tz="UTC")
    assert f["reported_at"].max() == pd.Timestamp("2017-09-20 15:30", tz="UTC")
    # all in the city of Groningen (RD New)
    assert np.all((f.geometry.x > 225_000) & (f.geometry.x < 242_000))
    assert np.all((f.geometry.y > 575_000) & (f.geometry.y < 590_000))
    assert list(f.columns) == [*COLUMNS, "geometry"]
