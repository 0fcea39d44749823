"""Sensitivity analysis: stability and rank correlation behave as they must."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from veerkracht.analytics.model.compute import compute_indicators, score_indicators
from veerkracht.analytics.model.periods import parse_period
from veerkracht.analytics.model.sensitivity import sensitivity, stability_and_rank
from veerkracht.io.model_file import load_model

sys.path.insert(0, str(Path(__file__).parent))
from test_model_compute import make_city  # noqa: E402


def test_identical_models_are_perfectly_stable():
    b = np.array([0.3, -0.1, -0.5, 0.2])
    c = np.array([0, 1, 4, 0])
    assert stability_and_rank(b, b, c, c) == (1.0, 1.0)


def test_reversed_ranking_gives_minus_one():
    b = np.array([0.3, 0.1, -0.2, -0.5])
    stable, rho = stability_and_rank(b, -b, np.zeros(4), np.ones(4))
    assert stable == 0.0 and np.isclose(rho, -1.0)


def test_sensitivity_table_on_a_small_city():
    spec = load_model()
    values = score_indicators(spec, compute_indicators(spec, make_city(),
                                                       parse_period("2024")))
    table = sensitivity(spec, values, levels=["entrance", "block"])
    n_ind = len(spec.indicators)
    assert len(table) == n_ind * 3 * 2
    assert set(table["variant"]) == {"+25%", "-25%", "weggelaten"}
    assert table["class_stability"].between(0, 1).all()
    # a ±25 % weight change keeps the ranking almost intact
    small = table[table["variant"] != "weggelaten"]
    assert (small["spearman"] > 0.9).all()
    # leaving out the strongest pressure signal changes more than a 25 % nudge
    care = table[(table.indicator == "need_care") & (table.level == "entrance")]
    by = care.set_index("variant")["spearman"]
    assert by["weggelaten"] <= by["+25%"]
