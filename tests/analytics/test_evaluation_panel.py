"""Panels, timing, matching and the evaluation of one treatment (pure core)."""

import numpy as np
import pandas as pd
import pytest

from veerkracht.analytics.evaluation.evaluate import evaluate
from veerkracht.analytics.evaluation.interventions import (
    check_interventions,
    combinations,
)
from veerkracht.analytics.evaluation.panel import (
    first_periods,
    match_comparison,
    signal_panel,
)
from veerkracht.analytics.publication import publish_evaluations


def _yearly_panel(rng, n=120, years=(2021, 2022, 2023, 2024, 2025), effect=0.0,
                  treated=(), start_year=2024):
    """Parallel trends; ``effect`` from ``start_year`` on at ``treated``."""
    rows = []
    trend = {y: rng.normal(0, 0.03) for y in years}
    for i in range(n):
        pid = f"P{i:03d}"
        base = rng.normal(0, 0.2)
        size = int(rng.integers(10, 60))
        for y in years:
            hit = pid in treated and y >= start_year
            rows.append((pid, str(y), base + trend[y] + (effect if hit else 0)
                         + rng.normal(0, 0.03), size))
    return pd.DataFrame(rows, columns=["place_id", "period", "outcome", "n_dwellings"])


def test_signal_panel_labels_quarters_and_rates():
    st = pd.DataFrame({"place_id": ["a", "b"], "n_dwellings": [20, 0],
                       "sig_pressure_q0": [5.0, 1], "sig_pressure_q1": [10.0, 1],
                       "sig_attentiveness_q0": [1.0, 1]})
    p = signal_panel(st, "2025", "pressure")
    assert p["place_id"].tolist() == ["a", "a"]  # no dwellings, no rate
    assert p["period"].tolist() == ["2025-Q3", "2025-Q4"]
    assert p["outcome"].tolist() == [2.0, 1.0]  # count x 4 / dwellings
    with pytest.raises(ValueError, match="betekenis"):
        signal_panel(st, "2025", "unknown")


def test_first_periods_leave_out_what_cannot_be_compared():
    starts = pd.Series(pd.to_datetime(["2024-03-01", "2023-01-01", "2021-06-01",
                                       "2020-01-01", "2026-02-01"]),
                       index=list("abcde"))
    got = first_periods(starts, ["2021", "2022", "2023", "2024", "2025"])
    assert got["a"] == 4 and got["b"] == 3
    # began in the first period or before it, or after the last: left out
    assert got[["c", "d", "e"]].isna().all()


def test_matching_picks_the_nearest_in_level_and_trend():
    treated = pd.DataFrame({"level": [1.0, 3.0], "trend": [0.1, -0.1]},
                           index=["t1", "t2"])
    pool = pd.DataFrame({"level": [1.05, 2.9, 10.0, 1.0], "trend": [0.1, -0.1, 0, 5]},
                        index=["near1", "near2", "far", "wrong_trend"])
    assert match_comparison(treated, pool, k=1) == ["near1", "near2"]
    assert len(match_comparison(treated, pool, k=10)) == 4  # k beyond the pool
    assert match_comparison(treated, pool.iloc[:0], k=3) == []


def test_intervention_input_is_checked_in_dutch():
    ok = pd.DataFrame({"intervention_id": ["a"], "title": ["x"],
                       "domain": ["inflow"], "start": ["2025-01-01"],
                       "end": ["2025-06-30"], "intensity": ["light"]})
    assert check_interventions(ok)["start"].iloc[0] == pd.Timestamp("2025-01-01")
    for change, message in (
        ({"domain": "sport"}, "onbekend domein"),
        ({"start": "gisteren"}, "geen datum"),
        ({"end": "2024-01-01"}, "voor de start"),
        ({"intensity": "heel veel"}, "onbekende intensiteit"),
    ):
        with pytest.raises(ValueError, match=message):
            check_interventions(ok.assign(**change))
    with pytest.raises(ValueError, match="twee keer"):
        check_interventions(pd.concat([ok, ok]))
    with pytest.raises(ValueError, match="missen kolommen: domain"):
        check_interventions(ok.drop(columns="domain"))


def test_combinations_are_places_with_more_than_one_intervention():
    p = pd.DataFrame({"intervention_id": ["a", "b", "c", "a", "b"],
                      "level": ["building"] * 3 + ["street", "building"],
                      "place_id": ["x", "x", "x", "x", "y"]})
    got = combinations(p)
    # the street x is another place than the building x
    assert got.to_dict("records") == [
        {"level": "building", "place_id": "x", "combination": "a+b+c"}]


def test_a_planted_effect_is_found_against_matched_places():
    rng = np.random.default_rng(11)
    treated = [f"P{i:03d}" for i in range(0, 30)]
    panel = _yearly_panel(rng, effect=-0.10, treated=set(treated))
    starts = pd.Series(pd.Timestamp("2024-02-01"), index=treated)
    ev = evaluate(panel, starts, "balance", rng=rng)
    assert ev.status == "ok"
    assert ev.effect.att == pytest.approx(-0.10, abs=0.02)
    assert ev.effect.covers(-0.10)
    assert not set(ev.comparison) & set(treated)
    assert ev.effect.pretrend_p is not None and ev.effect.pretrend_p > 0.01
    assert ev.placebo is not None and ev.placebo.covers(0.0)
    assert ev.treated_mean_before == pytest.approx(
        panel[panel.place_id.isin(treated) & (panel.period < "2024")].outcome.mean())


def test_places_with_other_interventions_are_never_comparison():
    rng = np.random.default_rng(12)
    panel = _yearly_panel(rng)
    starts = pd.Series(pd.Timestamp("2024-02-01"), index=["P000", "P001", "P002"])
    other = {f"P{i:03d}" for i in range(3, 60)}
    ev = evaluate(panel, starts, "balance", excluded=other, rng=rng)
    assert ev.status == "ok"
    assert not set(ev.comparison) & other


def test_too_few_places_is_said_not_estimated():
    rng = np.random.default_rng(13)
    panel = _yearly_panel(rng, n=20)
    one = evaluate(panel, pd.Series(pd.Timestamp("2024-02-01"), index=["P000"]),
                   "balance", rng=rng)
    assert one.status == "te_weinig_plaatsen" and one.effect is None
    early = evaluate(panel, pd.Series(pd.Timestamp("2019-01-01"),
                                      index=["P000", "P001"]), "balance", rng=rng)
    assert early.status == "te_weinig_plaatsen"
    # all places treated: nobody to compare with
    everyone = pd.Series(pd.Timestamp("2024-02-01"), index=panel["place_id"].unique())
    assert evaluate(panel, everyone, "balance", rng=rng).status == "te_weinig_plaatsen"


def test_the_door_hides_small_and_failed_evaluations_and_the_place_lists():
    e = pd.DataFrame({"status": ["ok", "ok", "te_weinig_plaatsen"],
                      "n_treated": [12, 1, 0], "att": [-0.123456, 0.5, np.nan],
                      "lo": [-0.2, 0.1, np.nan], "hi": [-0.05, 0.9, np.nan],
                      "treated_places": ["a;b", "c", ""],
                      "comparison_places": ["d;e", "f", ""]})
    public = publish_evaluations(e)
    assert public["shown"].tolist() == [True, False, False]
    assert public["att"].iloc[0] == -0.123
    assert public[["att", "lo", "hi"]].iloc[1:].isna().all().all()
    assert "treated_places" not in public and "comparison_places" not in public
    assigned = publish_evaluations(e, audience="assigned")
    assert assigned["treated_places"].iloc[0] == "a;b"
    with pytest.raises(ValueError):
        publish_evaluations(e, audience="everyone")


def test_matching_also_weighs_composition():
    """Two pools alike in the outcome, one like the treated in who lives there:
    with composition given, the matched places come from that one."""
    rng = np.random.default_rng(14)
    panel = _yearly_panel(rng, n=80)
    treated = [f"P{i:03d}" for i in range(8)]
    starts = pd.Series(pd.Timestamp("2024-02-01"), index=treated)
    share = pd.DataFrame({"share_need": [0.6 if i < 8 or i % 2 else 0.05
                                         for i in range(80)]},
                         index=[f"P{i:03d}" for i in range(80)])
    ev = evaluate(panel, starts, "balance", rng=rng, composition=share, matches=3)
    alike = set(share.index[share["share_need"] == 0.6]) - set(treated)
    assert set(ev.comparison) <= alike
    plain = evaluate(panel, starts, "balance", rng=rng, matches=3)
    assert not set(plain.comparison) <= alike  # without it, either pool
