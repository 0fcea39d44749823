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
    # optimal, or a safe greedy plan that beat the program (plan.optimise)
    assert "Oplossing:" in out and ("optimaal" in out or "gretig: beter" in out)
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


def test_a_plan_too_large_gets_the_largest_safe_advice_and_exit_1(tmp_path, capsys):
    """All dwellings turn over and 600 households with two or more needs
    come: far more than the caps hold. The advice still places the most it
    can, says how many and why, writes its files, and exits with 1."""
    ws = copy_city(tmp_path / "ws")
    plan = tmp_path / "plan.csv"
    plan.write_text(
        "soort;verhuisgraad;categorie;aantal\n"
        "voorraad;0.5;;\n"
        "huishoudens;;meervoudig;600\n",
        encoding="utf-8",
    )
    folder = tmp_path / "advies"
    code, out, err = run(["-w", str(ws), "allocate", str(plan), "--uit", str(folder)],
                         capsys)
    assert code == 1, (out, err)
    assert "onhaalbaar" in out and "plaatst er" in out and "passen niet" in out
    assert "ondergrens –, marge –" in out  # no bound for a plan that leaves some out
    per_dwelling = pd.read_csv(folder / "advies_per_woning.csv", sep=";")
    advised = per_dwelling.loc[per_dwelling["advies"] == "meervoudig", "aantal"].sum()
    assert 0 < advised < 600
    assert f"{advised} van 600 huishoudens geadviseerd" in out
