"""Multi-year scenarios: seeded, the same vacancies for every policy, the
advisor within each year's headroom, and nobody hidden as 'placed'."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from veerkracht.analytics.allocation import scenario
from veerkracht.analytics.allocation.categories import category
from veerkracht.analytics.allocation.placement import CAP_LEVELS
from veerkracht.jobs import allocate
from veerkracht.jobs.demo import build_demo
from veerkracht.store import open_workspace


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scenario") / "ws"
    build_demo(open_workspace(folder), seed=9, n_dwellings=1500, years=1)
    return allocate.placement_model(open_workspace(folder))


@pytest.fixture(scope="module")
def stock(model):
    ids = model.dwellings.index.to_numpy()
    return pd.DataFrame({"address_id": ids, "turnover": 0.15})


DEMAND = [scenario.Demand(category("zorg"), 25),
          scenario.Demand(category("uitstroom"), 15, urgent=True),
          scenario.Demand(category("meervoudig"), 10)]


def test_a_scenario_is_seeded_and_marked(model, stock):
    a = scenario.simulate(model, stock, DEMAND, years=2, seed=4)
    b = scenario.simulate(model, stock, DEMAND, years=2, seed=4)
    pd.testing.assert_frame_equal(a, b)
    assert a["scenario"].all()
    assert set(a["year"]) == {0, 1, 2}
    assert set(a["policy"]) == set(scenario.POLICIES)
    c = scenario.simulate(model, stock, DEMAND, years=2, seed=5)
    assert not a.equals(c)


def test_every_policy_sees_the_same_vacancies(model, stock):
    dw = model.dwellings.reset_index(drop=True)
    first = scenario.vacancies_of_year(stock, dw, np.random.default_rng([4, 1]))
    again = scenario.vacancies_of_year(stock, dw, np.random.default_rng([4, 1]))
    assert first["address_id"].tolist() == again["address_id"].tolist()
    assert 0.10 < len(first) / len(stock) < 0.20


def test_the_advisor_stays_within_each_years_headroom(model, stock):
    dw = model.dwellings.reset_index(drop=True)
    vac = scenario.vacancies_of_year(stock, dw, np.random.default_rng([1, 1]))
    placed = scenario.policy_advisor(model, vac, DEMAND, np.random.default_rng(2))
    assert placed["address_id"].is_unique
    assert set(placed["address_id"]) <= set(vac["address_id"])
    after = model.apply(placed)
    for lv in CAP_LEVELS:
        st = model.levels[lv]
        got = st.positions(model.dwellings.loc[placed["address_id"],
                                               f"{lv}_id"].astype(object).to_numpy())
        hit = np.unique(got[got >= 0])
        assert (after[lv].cls[hit] <= st.cls[hit]).all(), lv
    routes = scenario.policy_routes(model, vac, DEMAND, np.random.default_rng(2))
    assert len(routes) == min(len(vac), sum(d.count for d in DEMAND))


def test_a_street_cap_holds_and_the_unplaced_are_counted(model, stock):
    dw = model.dwellings.reset_index(drop=True)
    vac = scenario.vacancies_of_year(stock, dw, np.random.default_rng([3, 1]))
    placed = scenario.policy_street_cap(model, vac, DEMAND, np.random.default_rng(1),
                                        cap_share=0.1)
    per_street = vac["street_id"].value_counts()
    got = dw.set_index("address_id").loc[placed["address_id"], "street_id"]
    assert (got.value_counts() <= np.floor(per_street.reindex(
        got.value_counts().index) * 0.1)).all()
    big = [scenario.Demand(category("zorg"), 10_000)]
    out = scenario.simulate(model, stock, big, years=1, seed=3,
                            policies=("street_cap",))
    year1 = out[(out["year"] == 1) & (out["level"] == "block")].iloc[0]
    assert year1["unplaced"] > 0
    assert year1["placed"] + year1["unplaced"] == 10_000


def test_heavy_demand_under_todays_routes_puts_more_places_under_pressure(
        model, stock):
    heavy = [scenario.Demand(category("meervoudig"), 120),
             scenario.Demand(category("uitstroom"), 60)]
    out = scenario.simulate(model, stock, heavy, years=3, seed=8,
                            policies=("routes", "advisor"))
    last = out[(out["year"] == 3) & (out["level"] == "block")].set_index("policy")
    assert last.loc["advisor", "under_pressure"] <= last.loc["routes",
                                                             "under_pressure"]


def test_bad_scenarios_are_refused_in_dutch(model, stock):
    with pytest.raises(scenario.ScenarioError, match="onbekend beleid"):
        scenario.simulate(model, stock, DEMAND, policies=("loting",))
    with pytest.raises(scenario.ScenarioError, match="1 tot 10 jaar"):
        scenario.simulate(model, stock, DEMAND, years=0)
    with pytest.raises(scenario.ScenarioError, match="verhuisgraad"):
        scenario.simulate(model, stock.assign(turnover=1.5), DEMAND)
