"""build_demo writes the whole city in one operation, then runs the jobs."""

from __future__ import annotations

import geopandas as gpd
import pytest

from veerkracht.jobs import demo
from veerkracht.store.files import FileWorkspace
from veerkracht.synth import TABLES


def test_build_demo_writes_every_table_in_one_operation(tmp_path, monkeypatch):
    monkeypatch.setattr(demo, "_optional", lambda module, name: None)
    ws = FileWorkspace(tmp_path / "ws")
    calls = []
    summary = demo.build_demo(
        ws,
        seed=4,
        n_dwellings=800,
        years=1,
        progress=lambda n=1, description=None, total=None: calls.append(description),
    )
    ops = ws.operations()
    assert len(ops) == 1
    assert ops[0].action == "demo"
    assert ops[0].source == "Voorbeeldstad seed=4"
    assert set(ops[0].tables) == set(TABLES)
    assert ops[0].summary["synthetic"] is True
    assert {t.name for t in ws.tables()} == set(TABLES)
    addresses = ws.read("addresses")
    assert isinstance(addresses, gpd.GeoDataFrame)
    assert addresses.crs.to_epsg() == 28992
    assert len(addresses) == summary["rows"]["addresses"]
    assert ws.read("households")["synthetic"].all()
    assert summary["steps"] == {"places": "skipped", "compute": "skipped",
                                "warn": "skipped", "evaluate": "skipped"}
    assert summary["planted"]["tipping_buurten"]
    assert summary["operation"] == ops[0].id
    assert calls and calls[-1] == "Klaar"


def test_build_demo_runs_places_and_compute_when_present(tmp_path, monkeypatch):
    ran = []

    def fake(module, name):
        def job(ws, progress=None):
            ran.append((name, ws.has("addresses")))

        return job

    monkeypatch.setattr(demo, "_optional", fake)
    ws = FileWorkspace(tmp_path / "ws")
    summary = demo.build_demo(ws, seed=4, n_dwellings=400, years=1)
    planted = len(ws.read("intervention_places")) > 0
    assert ran == [("run_places", True), ("run_compute", True),
                   ("run_demo_warn", True)] + [("run_evaluate", True)] * planted
    assert summary["steps"] == {"places": "done", "compute": "done", "warn": "done",
                                "evaluate": "done" if planted else "skipped"}


def test_failed_generation_leaves_the_workspace_untouched(tmp_path, monkeypatch):
    ws = FileWorkspace(tmp_path / "ws")
    monkeypatch.setattr(demo, "_optional", lambda module, name: None)
    with pytest.raises(ValueError):
        demo.build_demo(ws, n_dwellings=5)
    assert ws.tables() == [] and ws.operations() == []


def test_optional_only_skips_missing_modules():
    assert demo._optional("veerkracht.jobs.does_not_exist", "run") is None
    assert demo._optional("veerkracht.synth", "generate_city") is not None
