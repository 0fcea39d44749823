"""Protected statistics are drawn once per period, stored, and budgeted."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from veerkracht.analytics.dp import LEVELS, NoisePlan, epsilon_of, postprocess
from veerkracht.analytics.model.periods import parse_period
from veerkracht.analytics.statistics import COUNT_COLUMNS, place_statistics
from veerkracht.jobs.places import run_places
from veerkracht.jobs.protect import (
    LEDGER_TABLE,
    PROTECTED_TABLE,
    ProtectError,
    ledger,
    privacy_budget,
    protected_statistics,
)
from veerkracht.store import open_workspace
from veerkracht.synth import generate_city


def _city_ws(path):
    """Voorbeeldstad's tables and places, without compute (no ledger rows)."""
    ws = open_workspace(path)
    city = generate_city(seed=3, n_dwellings=1500, years=2)
    with ws.transaction("demo", source="test city") as tx:
        for name, frame in city.tables().items():
            tx.put(name, frame)
    run_places(ws)
    return ws


@pytest.fixture()
def city_ws(tmp_path):
    return _city_ws(tmp_path / "ws")


def test_first_call_draws_and_stores_every_level_in_one_transaction(city_ws):
    ops_before = len(city_ws.operations())
    ticks = []
    stats, sd, row = protected_statistics(
        city_ws, "2025", progress=lambda n=1, description=None: ticks.append(n))
    assert set(stats) == set(LEVELS)
    assert sum(ticks) == 3 + len(LEVELS)
    ops = city_ws.operations()
    assert len(ops) == ops_before + 1
    assert set(ops[-1].tables) == {PROTECTED_TABLE, LEDGER_TABLE}
    stored = city_ws.read(PROTECTED_TABLE)
    assert set(stored["period"]) == {"2025"}
    assert len(stored) == sum(len(f) for f in stats.values())
    for lv, frame in stats.items():
        assert list(frame.columns) == ["place_id", "n_dwellings", *COUNT_COLUMNS]
        assert (frame["n_dwellings"] >= 5).all()
        assert all(frame[c].dtype == np.int64 for c in COUNT_COLUMNS)
        shown = postprocess(frame)      # what a person may be shown
        assert (shown[list(COUNT_COLUMNS)] >= 0).all().all()
        assert sd[lv]["n_households"] == pytest.approx(row[f"sigma_households_{lv}"])
    assert row["operation"] == "protect"
    assert row["households_version"] == city_ws.info("households").version


def test_later_calls_return_the_stored_draw(city_ws):
    first, sd1, row1 = protected_statistics(city_ws, "2025")
    again, sd2, row2 = protected_statistics(city_ws, "2025")
    for lv in first:
        pd.testing.assert_frame_equal(first[lv], again[lv])
    assert sd1 == sd2
    assert len(ledger(city_ws).rows) == 1
    # the same plan given explicitly is still the stored draw
    protected_statistics(city_ws, "2025", plan=NoisePlan())
    assert len(ledger(city_ws).rows) == 1


def test_noise_is_real_and_only_places_from_five_dwellings(city_ws):
    stats, _, _ = protected_statistics(city_ws, "2025")
    dw = city_ws.read("dwellings")
    hh = city_ws.read("households")
    from veerkracht.store import points_xy

    exact = place_statistics(points_xy(dw), hh, None, parse_period("2025"))
    block = exact["block"]
    kept = block[block["n_dwellings"] >= 5].reset_index(drop=True)
    noisy = stats["block"]
    assert noisy["place_id"].tolist() == kept["place_id"].tolist()
    assert (noisy["n_dwellings"].to_numpy() == kept["n_dwellings"].to_numpy()).all()
    diff = noisy["n_households"].to_numpy() - kept["n_households"].to_numpy()
    # σ ≈ 5: most counts move (upward noise of a full block is capped at its
    # dwellings, so about half of those stay)
    assert (diff != 0).mean() > 0.3
    assert np.abs(diff).max() >= 5


def test_redraw_is_refused_without_the_flag_and_costs_budget_with_it(city_ws):
    stats, _, _ = protected_statistics(city_ws, "2025")
    with pytest.raises(ProtectError, match="al beschermd.*--redraw"):
        protected_statistics(city_ws, "2025", plan=NoisePlan(rho_households=2.0))
    assert len(ledger(city_ws).rows) == 1
    new, _, row = protected_statistics(city_ws, "2025",
                                       plan=NoisePlan(rho_households=2.0), redraw=True)
    assert row["operation"] == "redraw"
    rows = ledger(city_ws).rows
    assert rows["operation"].tolist() == ["protect", "redraw"]
    assert privacy_budget(city_ws)["rho_households"] == pytest.approx(3.0)
    # the redraw replaced the stored draw of that period, nothing else
    stored = city_ws.read(PROTECTED_TABLE)
    assert len(stored) == sum(len(f) for f in new.values())
    assert not all(new[lv]["n_households"].equals(stats[lv]["n_households"])
                   for lv in new)


def test_two_periods_add_up_in_the_ledger(city_ws):
    protected_statistics(city_ws, "2025")
    protected_statistics(city_ws, "2026", plan=NoisePlan(rho_households=0.5,
                                                          rho_signals=0.1))
    budget = privacy_budget(city_ws)
    assert budget["periods"] == 2 and budget["draws"] == 2
    assert budget["rho_households"] == pytest.approx(1.5)
    assert budget["rho_signals"] == pytest.approx(0.35)
    assert budget["epsilon_households"] == pytest.approx(epsilon_of(1.5))
    # ε of the sum, not the sum of ε (zCDP composes in ρ)
    assert budget["epsilon_households"] < epsilon_of(1.0) + epsilon_of(0.5)
    assert budget["per_period"]["2026"]["rho_signals"] == pytest.approx(0.1)
    stored = city_ws.read(PROTECTED_TABLE)
    assert set(stored["period"]) == {"2025", "2026"}


def test_changed_households_make_the_draw_stale(city_ws):
    protected_statistics(city_ws, "2025")
    hh = city_ws.read("households")
    with city_ws.transaction("import households") as tx:
        tx.put("households", hh.iloc[:-1])
    with pytest.raises(ProtectError, match="huishoudens veranderd.*--redraw"):
        protected_statistics(city_ws, "2025")
    _, _, row = protected_statistics(city_ws, "2025", redraw=True)
    assert row["households_version"] == city_ws.info("households").version
    protected_statistics(city_ws, "2025")   # fresh again


def test_bad_period_and_bad_plan_are_dutch_errors(city_ws):
    with pytest.raises(ProtectError, match="onbekende periode"):
        protected_statistics(city_ws, "volgend jaar")
    empty = open_workspace(city_ws.location + "-leeg")
    with pytest.raises(ProtectError, match="veerkracht places"):
        protected_statistics(empty, "2025")


def test_stored_types_round_trip(city_ws):
    stats, sd, row = protected_statistics(city_ws, "2025")
    _, sd2, row2 = protected_statistics(city_ws, "2025")
    for lv, frame in stats.items():
        assert all(frame[c].dtype == np.int64 for c in COUNT_COLUMNS)
        assert all(math.isclose(sd[lv][c], sd2[lv][c]) for c in sd[lv])
    assert row2["period"] == "2025"


def _cli(argv, capsys):
    from veerkracht.cli.main import main

    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    captured = capsys.readouterr()
    return (exit_info.value.code, " ".join(captured.out.split()),
            " ".join(captured.err.split()))


def test_cli_protect_refuses_a_second_draw_and_shows_the_ledger(city_ws, capsys):
    ws = ["--workspace", city_ws.location]
    code, out, _ = _cli([*ws, "privacy", "protect", "--period", "2025"], capsys)
    assert code == 0
    assert "portiek" in out and "ε = 7,77" in out
    code, _, err = _cli([*ws, "privacy", "protect", "--period", "2025"], capsys)
    assert code == 2 and "al beschermd" in err and "--redraw" in err
    code, _, err = _cli([*ws, "privacy", "protect", "--period", "2025",
                         "--band-min", "3"], capsys)
    assert code == 2 and "niet lager dan 5" in err
    code, _, err = _cli([*ws, "privacy", "protect", "--period", "ooit"], capsys)
    assert code == 2 and "onbekende periode" in err
    code, out, _ = _cli([*ws, "privacy", "protect", "--period", "2025", "--redraw",
                         "--rho-households", "0.5"], capsys)
    assert code == 0
    code, out, _ = _cli([*ws, "privacy", "ledger"], capsys)
    assert code == 0
    assert "eerste" in out and "opnieuw" in out
    assert "huishoudens ρ = 1,50" in out
    code, out, _ = _cli([*ws, "privacy", "protect", "--help"], capsys)
    assert "Voorbeeld: --rho-households" in out and "--redraw" in out


def test_households_and_signals_are_both_counted_before_the_noise(city_ws):
    from veerkracht.analytics.statistics import SIGNAL_COLUMNS
    from veerkracht.jobs.protect import _exact_statistics

    exact = _exact_statistics(city_ws, parse_period("2025"))
    top = exact["gemeente"]
    assert top["n_households"].sum() > 500
    assert top[list(SIGNAL_COLUMNS)].to_numpy().sum() > 100
    stats, sd, _ = protected_statistics(city_ws, "2025")
    noisy = stats["gemeente"]
    for c in ("n_households", *SIGNAL_COLUMNS):
        err = abs(int(noisy[c].iloc[0]) - int(top[c].iloc[0]))
        assert err <= 6 * sd["gemeente"][c], c
