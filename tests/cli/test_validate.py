"""``veerkracht validate`` on the real CBS, police and Leefbaarometer files."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from veerkracht.cli.main import app
from veerkracht.store import open_workspace

runner = CliRunner()


def test_validate_without_kerncijfers_is_a_clear_error(tmp_path):
    result = runner.invoke(app, ["-w", str(tmp_path / "ws"), "validate"])
    assert result.exit_code != 0
    assert "kerncijfers" in str(result.exception or result.output)


@pytest.mark.slow
def test_validate_on_real_figures(tmp_path, shared_data):
    ws = str(tmp_path / "ws")
    files = [
        shared_data / f
        for f in (
            "cbs_kwb2023_gemeente_utrecht_wardeiling.xlsx",
            "woonikveilig_groningen_GM0014_wijken_buurten_2024.csv",
            "woonikveilig_amsterdam_GM0363_wijken_buurten_2024.csv",
        )
    ]
    r = runner.invoke(app, ["-w", ws, "import", "kerncijfers", *map(str, files)])
    assert r.exit_code == 0, r.output
    lbm = (
        shared_data
        / "leefbaarometer2_wijk_dimensiescores_2012_2014_2016_koenkoen1.xlsx"
    )
    r = runner.invoke(app, ["-w", ws, "import", "leefbaarometer", str(lbm)])
    assert r.exit_code == 0, r.output
    out = tmp_path / "validatie.md"
    r = runner.invoke(app, ["-w", ws, "validate", "--out", str(out)])
    assert r.exit_code == 0, r.output
    rows = open_workspace(ws).read("validation")
    # every dataset that has both proxies and an outcome is there
    datasets = set(rows["dataset"])
    assert {"GM0014 buurt 2024", "GM0363 buurt 2024", "GM0344 wijk 2023"} <= datasets
    assert rows["n"].min() >= 5
    crime = rows[
        (rows["dataset"] == "GM0014 buurt 2024") & (rows["score"] == "pressure")
    ]
    assert len(crime) == 1 and crime["n"].iloc[0] > 100
    assert "| GM0014 buurt 2024 | pressure | misdrijven_per_1000 |" in out.read_text()
    # a second run appends instead of overwriting
    runner.invoke(app, ["-w", ws, "validate"])
    assert len(open_workspace(ws).read("validation")) == 2 * len(rows)
