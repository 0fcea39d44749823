"""``veerkracht allocate``: the example plan, the advice files, bad input."""

from __future__ import annotations

import pandas as pd
import pytest
from tests.allocation_city import copy_city

from veerkracht.cli.main import main

pytestmark = pytest.mark.slow  # builds a computed city (~20 s) once


def run(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    captured = capsys.readouterr()
    return (
        exit_info.value.code,
        " ".join(captured.out.split()),
        " ".join(captured.err.split()),
    )


def test_example_plan_then_advice(tmp_path, capsys):
    ws = copy_city(tmp_path / "ws")
    plan = tmp_path / "plan.csv"
    code, out, err = run(["-w", str(ws), "allocate", "--voorbeeld", str(plan)], capsys)
    assert code == 0, err
    assert plan.read_text(encoding="utf-8").startswith("# Voorbeeldplan")
    folder = tmp_path / "advies"
    code, out, err = run(
        [
            "-w",
            str(ws),
            "allocate",
            str(plan),
            "--uit",
            str(folder),
            "--tijdslimiet",
            "20",
        ],
        capsys,
    )
    assert code == 0, (out, err)
    assert "Oplossing:" in out and "optimaal" in out
    for name in ("advies_per_woning.csv", "advies_per_plaats.csv", "eerlijkheid.csv"):
        assert (folder / name).is_file()
    fair = pd.read_csv(folder / "eerlijkheid.csv", sep=";")
    assert {"huidig", "advies", "naief"} <= set(fair.columns)


def test_bad_plan_is_one_dutch_line_and_exit_2(tmp_path, capsys):
    ws = copy_city(tmp_path / "ws")
    plan = tmp_path / "plan.csv"
    plan.write_text(
        "soort;categorie;aantal\nhuishoudens;onbekend;3\n", encoding="utf-8"
    )
    code, out, err = run(["-w", str(ws), "allocate", str(plan)], capsys)
    assert code == 2
    assert "regel 2: onbekende categorie" in err
