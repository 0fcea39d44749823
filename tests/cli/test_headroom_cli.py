"""``veerkracht headroom`` and ``veerkracht what-if`` from the outside."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from veerkracht.cli.main import app, main
from veerkracht.jobs.demo import build_demo
from veerkracht.store import open_workspace

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("headroom") / "ws"
    build_demo(open_workspace(folder), seed=5, n_dwellings=1500, years=1)
    return folder


def test_headroom_writes_every_place_and_figures_only_for_public_ones(demo_dir,
                                                                      tmp_path):
    out = tmp_path / "ruimte.csv"
    res = runner.invoke(app, ["-w", str(demo_dir), "headroom", "--level", "blok",
                              "--category", "zorg", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "zonder ruimte voor 'zorg'" in res.output
    room = pd.read_csv(out, sep=";", decimal=",")
    assert set(room["level"]) == {"block"} and set(room["category"]) == {"zorg"}
    public = room["visibility"] == "public"
    assert public.any() and (~public).any()
    figures = ["headroom", "headroom_lo", "headroom_hi"]
    assert room.loc[~public, figures].isna().all().all()
    assert (room.loc[public, "headroom_lo"] <= room.loc[public, "headroom"]).all()
    assert (room.loc[public, "headroom"] <= room.loc[public, "headroom_hi"]).all()


def test_what_if_names_the_three_places_and_refuses_bad_input(demo_dir, capsys):
    res = runner.invoke(app, ["-w", str(demo_dir), "what-if", "9990AA 1 1",
                              "--category", "uitstroom"])
    assert res.exit_code == 0, res.output
    assert "blok" in res.output and "straat" in res.output
    assert "ruimte" in res.output or "niet getoond" in res.output
    for argv, message in (
            (["what-if", "9990AA 1 1", "--category", "psychiatrie"],
             "onbekende categorie"),
            (["what-if", "1234ZZ 1", "--category", "zorg"], "bestaat niet"),
            (["headroom", "--level", "land", "--category", "zorg"], "onbekend niveau")):
        with pytest.raises(SystemExit) as stop:
            main(["-w", str(demo_dir), *argv])
        assert stop.value.code == 2
        assert message in capsys.readouterr().err.replace("\n", " ")


def test_a_scenario_from_the_command_line_is_marked_and_refuses_nonsense(
        demo_dir, tmp_path, capsys):
    out = tmp_path / "scenario.csv"
    res = runner.invoke(app, ["-w", str(demo_dir), "scenario", "--demand",
                              "zorg=20,uitstroom+urgent=10", "--years", "2",
                              "--seed", "3", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "SCENARIO — geen voorspelling" in res.output
    table = pd.read_csv(out, sep=";", decimal=",")
    assert table["scenario"].all() and set(table["year"]) == {0, 1, 2}
    assert not {"place_id", "address_id"} & set(table.columns)
    for argv, message in (
            (["scenario", "--demand", "zorg"], "categorie=aantal"),
            (["scenario", "--demand", "zorg=-3"], "negatief"),
            (["scenario", "--demand", "zorg=5", "--turnover", "2"], "verhuisgraad"),
            (["scenario", "--demand", "zorg=5", "--policy", "loting"],
             "onbekend beleid")):
        with pytest.raises(SystemExit) as stop:
            main(["-w", str(demo_dir), *argv])
        assert stop.value.code == 2, argv
        assert message in capsys.readouterr().err.replace("\n", " "), argv
