"""export joins the model's figures to place levels, only after disclosure."""

from __future__ import annotations

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


def test_small_places_show_nothing_without_bands_and_only_a_band_with(ws_dir, tmp_path):
    plain = _export(ws_dir, tmp_path, "entrance")
    small = plain[plain["visibility"] != "public"]
    assert len(small) and (small["n_dwellings"] < 10).any()
    assert (
        small[["pressure", "balance", "balance_class", "class_band"]].isna().all().all()
    )
    banded = _export(ws_dir, tmp_path, "entrance", "--bands")
    band_rows = banded[banded["visibility"] == "band_only"]
    assert band_rows["class_band"].notna().any()
    assert band_rows[["pressure", "resilience", "balance"]].isna().all().all()


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
