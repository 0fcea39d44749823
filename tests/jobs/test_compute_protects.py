"""``veerkracht compute`` protects by default (ADR 0006): on a fresh workspace
compute then export works, the first compute of a period draws once (one
ledger row), a second compute reuses that draw, and exact statistics stay
internal (the door refuses them)."""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from veerkracht.cli.main import main
from veerkracht.jobs.compute import run_compute
from veerkracht.jobs.places import run_places
from veerkracht.jobs.protect import LEDGER_TABLE, PROTECTED_TABLE, ledger
from veerkracht.jobs.publish import PublishError, published_places
from veerkracht.store.files import FileWorkspace
from veerkracht.synth import generate_city

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analytics"))
from test_model_compute import make_city  # noqa: E402


@pytest.fixture
def fresh(tmp_path):
    """Dwellings and households only: nothing protected, nothing computed."""
    city = make_city()
    ws = FileWorkspace(tmp_path / "ws")
    dw = city.dwellings
    geo = gpd.GeoDataFrame(dw.drop(columns=["x", "y"]),
                           geometry=shapely.points(dw["x"], dw["y"]),
                           crs="EPSG:28992")
    hh = city.households.copy()
    hh["tenure_end"] = pd.NaT
    with ws.transaction("places", source="test") as tx:
        tx.put("dwellings", geo)
        tx.put("households", hh)
    return ws


def test_first_compute_draws_once(fresh):
    ws = fresh
    assert not ws.has(LEDGER_TABLE)
    summary = run_compute(ws, period="2024", profiles=False)
    draws = summary["privacy"]["draws"]
    assert [d["period"] for d in draws] == ["2024"] and draws[0]["drawn"]
    assert draws[0]["rho_households"] > 0
    assert summary["privacy"]["ledger"]["draws"] == 1
    assert len(ledger(ws).rows) == 1
    assert set(ws.read("results")["statistics"].astype(str)) == {"protected"}
    blocks = published_places(ws, "block", period="2024")  # the door accepts them
    assert len(blocks) == 12 and blocks["pressure"].notna().any()


def test_fresh_workspace_compute_then_export(tmp_path, capsys):
    """Generated city, places derived, nothing protected: the CLI path."""
    ws = FileWorkspace(tmp_path / "ws")
    city = generate_city(seed=2, n_dwellings=300, years=1)
    with ws.transaction("demo", source="test") as tx:
        for name, frame in city.tables().items():
            tx.put(name, frame)
    run_places(ws)
    w = ["-w", str(ws.location)]
    for argv in (["compute", "--no-profiles"], ["export", "buurt", "--out",
                                                 str(tmp_path / "buurten.csv")]):
        with pytest.raises(SystemExit) as code:
            main([*w, *argv])
        captured = capsys.readouterr()
        assert code.value.code == 0, captured.err
        if argv[0] == "compute":
            text = " ".join(captured.out.split())
            assert "nu beschermd" in text and "Grootboek:" in text
    periods = set(ws.read("results")["period"].astype(str))
    rows = ledger(ws).rows  # one draw per period computed, none twice
    assert sorted(rows["period"].astype(str)) == sorted(periods)
    exported = pd.read_csv(tmp_path / "buurten.csv")
    assert len(exported) == 9 and "pressure" in exported.columns


def test_second_compute_reuses_the_draw(fresh):
    ws = fresh
    run_compute(ws, period="2024", profiles=False)
    first = ws.read(PROTECTED_TABLE)
    again = run_compute(ws, period="2024", profiles=False)
    assert not again["privacy"]["draws"][0]["drawn"]
    assert len(ledger(ws).rows) == 1  # no budget spent again
    pd.testing.assert_frame_equal(ws.read(PROTECTED_TABLE), first)
    assert again["privacy"]["ledger"]["rho_households"] == pytest.approx(
        again["privacy"]["draws"][0]["rho_households"])
    # a new period is a new draw, recorded as such
    third = run_compute(ws, period="2024-Q2", profiles=False)
    assert third["privacy"]["draws"][0]["drawn"]
    assert sorted(ledger(ws).rows["period"].astype(str)) == ["2024", "2024-Q2"]
    # the second period joined the first without turning the per-run columns
    # into one string per row (at national size that was over 10 GiB)
    res = ws.read("results")
    assert sorted(set(res["period"].astype(str))) == ["2024", "2024-Q2"]
    for col in ("period", "inputs", "computed_at", "model_hash"):
        assert isinstance(res[col].dtype, pd.CategoricalDtype), col


def test_exact_statistics_are_internal_only(fresh):
    ws = fresh
    summary = run_compute(ws, period="2024", profiles=False, protected=False)
    assert "privacy" not in summary and not ws.has(LEDGER_TABLE)
    assert set(ws.read("results")["statistics"].astype(str)) == {"exact"}
    with pytest.raises(PublishError, match="onbeschermde"):
        published_places(ws, "block", period="2024")


def test_compute_cli_has_no_exact_switch(capsys):
    with pytest.raises(SystemExit):
        main(["compute", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "beschermde plaatsstatistieken" in help_text
    for flag in ("--exact", "--unprotected", "--no-protect"):
        assert flag not in help_text
