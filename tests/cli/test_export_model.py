"""export joins the model's figures to place levels, only through the door."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from veerkracht.cli.main import app
from veerkracht.jobs.demo import build_demo
from veerkracht.store import open_workspace

runner = CliRunner()


@pytest.fixture(scope="module")
def ws_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export") / "ws"
    build_demo(open_workspace(folder), seed=5, n_dwellings=1500, years=1)
    return str(folder)


def _export(ws_dir, tmp_path, level, *extra):
    out = tmp_path / f"{level}.csv"
    r = runner.invoke(app, ["-w", ws_dir, "export", level, "--out", str(out), *extra])
    assert r.exit_code == 0, r.output
    return pd.read_csv(out)


def test_place_levels_carry_protected_model_columns(ws_dir, tmp_path):
    frame = _export(ws_dir, tmp_path, "buurt")
    for col in (
        "pressure",
        "resilience",
        "balance",
        "balance_lo",
        "balance_hi",
        "balance_class",
        "visibility",
        "model_version",
        "period",
    ):
        assert col in frame.columns
    public = frame[frame["visibility"] == "public"]
    assert len(public) and public["balance"].notna().all()
    assert (public["balance_lo"] <= public["balance"]).all()
    assert (public["balance"] <= public["balance_hi"]).all()


def test_bulk_exports_have_no_small_place_and_no_band(ws_dir, tmp_path):
    for level in ("entrance", "building", "block", "street"):
        frame = _export(ws_dir, tmp_path, level)
        assert (frame["n_dwellings"] >= 5).all()  # no address is a place
        assert set(frame["visibility"]) <= {"public", "suppressed"}
        hidden = frame[frame["visibility"] != "public"]
        assert len(hidden) or level != "entrance"
        cols = ["n_households", "pressure", "balance", "balance_class", "class_band",
                "class_lo", "class_hi", *[c for c in frame if c.startswith("p_")]]
        assert hidden[cols].isna().all().all()
        if "members" in frame:
            assert hidden["members"].isna().all()
        public = frame[frame["visibility"] == "public"]
        assert (public["n_households"] >= 10).all()
        assert (public["n_households"] % 5 == 0).all()
        for c in ("pressure", "balance", "p_in_balans"):
            assert np.allclose(public[c], public[c].round(3))


def test_bands_are_refused_in_an_export(ws_dir, tmp_path):
    out = tmp_path / "x.csv"
    r = runner.invoke(app, ["-w", ws_dir, "export", "entrance", "--bands", "--out",
                            str(out)])
    assert r.exit_code != 0
    assert "nooit klassebanden" in str(r.exception or r.output)
    assert not out.exists()


def test_raising_the_threshold_reaches_the_export(ws_dir, tmp_path):
    before = _export(ws_dir, tmp_path, "block")
    r = runner.invoke(app, ["-w", ws_dir, "privacy", "settings", "--min-count", "40"])
    assert r.exit_code == 0, r.output
    try:
        after = _export(ws_dir, tmp_path, "block")
        assert (after["visibility"] == "public").sum() < (
            before["visibility"] == "public").sum()
        assert (after.loc[after["visibility"] == "public", "n_households"] >= 40).all()
    finally:
        runner.invoke(app, ["-w", ws_dir, "privacy", "settings", "--min-count", "10"])
    low = runner.invoke(app, ["-w", ws_dir, "privacy", "settings", "--min-count", "9"])
    assert low.exit_code != 0


def test_dwelling_export_never_has_a_model_figure(ws_dir, tmp_path):
    frame = _export(ws_dir, tmp_path, "dwelling")
    assert not {"pressure", "balance", "balance_class", "visibility"} & set(
        frame.columns
    )


def test_unknown_period_is_a_clear_error(ws_dir, tmp_path):
    r = runner.invoke(
        app,
        [
            "-w",
            ws_dir,
            "export",
            "buurt",
            "--period",
            "1999",
            "--out",
            str(tmp_path / "x.csv"),
        ],
    )
    assert r.exit_code != 0
    assert "1999" in str(r.exception or r.output)
    assert not (tmp_path / "x.csv").exists()


def test_results_from_exact_statistics_are_refused(ws_dir, tmp_path):
    import shutil

    from veerkracht.jobs.compute import run_compute

    folder = tmp_path / "exact"
    shutil.copytree(ws_dir, folder)
    ws = open_workspace(folder)
    period = max(ws.read("results", columns=["period"])["period"].astype(str))
    run_compute(ws, period=period, profiles=False, protected=False)
    r = runner.invoke(app, ["-w", str(folder), "export", "block", "--out",
                            str(tmp_path / "x.csv")])
    assert r.exit_code != 0
    assert "onbeschermde" in str(r.exception or r.output)
    assert not (tmp_path / "x.csv").exists()

