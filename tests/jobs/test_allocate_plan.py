"""``run_plan`` and the door entry ``published_plan`` on a computed city."""

from __future__ import annotations

import pandas as pd
import pytest
from tests.allocation_city import copy_city

from veerkracht.analytics.publication import recording
from veerkracht.jobs.allocate import (
    AllocationError,
    published_headroom,
    published_plan,
    run_plan,
)
from veerkracht.store import open_workspace

pytestmark = pytest.mark.slow  # builds a computed city (~20 s) once


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    return open_workspace(copy_city(tmp_path_factory.mktemp("plan") / "ws"))


def _plan(rows):
    cols = ["soort", "adres_id", "aantal", "verhuisgraad", "categorie", "gelijkvloers"]
    return pd.DataFrame([{c: r.get(c) for c in cols} for r in rows])


def test_a_stock_plan_is_solved_and_published(ws):
    plan = _plan(
        [
            {"soort": "voorraad", "verhuisgraad": 0.1},
            # small: 15 households did not fit on one draw of the test city's
            # privacy noise (the caps count the parents; docs/allocation.md
            # section 11): this test is about the door, not capacity
            {"soort": "huishoudens", "categorie": "zorg", "aantal": 4},
            {"soort": "huishoudens", "categorie": "inkomen", "aantal": 2},
        ]
    )
    run = run_plan(ws, plan)
    # heuristic: a safe greedy plan beat the program (plan.optimise)
    assert run.advice.status in ("optimal", "within_gap", "heuristic")
    assert (run.advice.unplaced == 0).all()
    assert run.advice.violations.empty
    # largest remainder: the city's vacancies are the rounded total turnover
    stock = ws.read("stock")
    assert run.vacancies["count"].sum() == round(
        0.1 * stock["corporatie"].notna().sum()
    )
    with recording() as calls:
        got = published_plan(ws, plan)
    assert any(c.endswith("published_plan") for c in calls)
    assert any(c.endswith("published_headroom") for c in calls)
    per = got["per_plaats"]
    assert per["geplaatst"].sum() == 3 * 6  # every level reports each placement
    assert set(per["niveau"]) <= {"entrance", "building", "block", "street"}
    hidden = per["zichtbaarheid"] != "public"
    assert per.loc[hidden, "ruimte"].isna().all()
    assert not {"household_key", "naam", "bsn"} & set(got["per_woning"].columns)
    assert set(got["eerlijkheid"].columns) >= {"indicator", "huidig", "advies", "naief"}


def test_a_plan_aimed_at_a_suppressed_entrance_learns_no_headroom(ws):
    room = published_headroom(ws, "entrance", "zorg")
    hidden = room.loc[room["visibility"] != "public", "place_id"]
    assert len(hidden)
    dw = ws.read("dwellings")
    target = (
        dw[dw["entrance_id"].isin(hidden)]
        .groupby("entrance_id")["address_id"]
        .apply(list)
        .sort_values(key=lambda s: -s.str.len())
        .iloc[0]
    )
    ent = dw.loc[dw["address_id"] == target[0], "entrance_id"].iloc[0]
    plan = _plan(
        [
            *({"soort": "woning", "adres_id": a, "aantal": 3} for a in target),
            {"soort": "huishoudens", "categorie": "zorg", "aantal": 1},
        ]
    )
    got = published_plan(ws, plan)
    per = got["per_plaats"]
    rows = per[(per["niveau"] == "entrance") & (per["plaats_id"] == ent)]
    assert rows["ruimte"].isna().all()
    text = per.to_csv() + got["per_woning"].to_csv()
    assert "headroom" not in text


def test_unknown_addresses_are_listed_with_their_lines(ws):
    plan = _plan(
        [
            {"soort": "woning", "adres_id": "0000XX-1"},
            {"soort": "huishoudens", "categorie": "zorg", "aantal": 1},
        ]
    )
    with pytest.raises(AllocationError, match="regel 2: adres niet gevonden"):
        run_plan(ws, plan)
