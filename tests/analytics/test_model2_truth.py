"""Model 2.0 against a city with known truth (veerkracht.synth.truth).

Planted tipping blocks (high need, low resilience) must be recovered by the
balance, and the issue's 12-household entrance (6 care households in a block
at 2 %) must be able to stand apart from its block. The figures are printed
(``pytest -s``) for docs/method-pipeline.md.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from scipy.stats import mannwhitneyu

from veerkracht.analytics.model.compute import compute_model
from veerkracht.analytics.model.indicators import ModelInputs
from veerkracht.analytics.model.periods import parse_period
from veerkracht.io.model_file import load_model

truth = pytest.importorskip("veerkracht.synth.truth")


@pytest.fixture(scope="module")
def city_and_result():
    city = truth.truth_city(truth.TruthParams(seed=20261201, n_dwellings=12_000,
                                              end_date=date(2026, 1, 1)))
    res = compute_model(load_model(), ModelInputs(city.dwellings, city.households),
                        parse_period("2025"))
    return city, res


def test_planted_tipping_blocks_are_recovered(city_and_result):
    city, res = city_and_result
    blocks = res[(res.level == "block") & (res.n_households >= 10)]
    tipping = blocks["place_id"].isin(city.truth.tipping_blocks).to_numpy()
    assert tipping.sum() >= 3
    # AUC of "low balance" for tipping against the other blocks
    b = blocks["balance"].to_numpy()
    u = mannwhitneyu(-b[tipping], -b[~tipping]).statistic
    auc = u / (tipping.sum() * (~tipping).sum())
    print(f"\nAUC tipping blocks: {auc:.3f} ({tipping.sum()} of {len(blocks)} blocks)")
    assert auc >= 0.8


def test_the_12_household_entrance_can_differ_from_its_block(city_and_result):
    city, res = city_and_result
    ent = res[(res.level == "entrance")
              & (res.place_id == city.truth.planted_entrance)].iloc[0]
    blk = res[(res.level == "block")
              & (res.place_id == city.truth.planted_block)].iloc[0]
    print(f"\nentrance stacked needs {ent['ind_stacked_needs']:.3f} "
          f"(block {blk['ind_stacked_needs']:.3f}); balance {ent['balance']:.3f} "
          f"[{ent['balance_lo']:.3f}, {ent['balance_hi']:.3f}] "
          f"{ent['balance_class']} vs block {blk['balance']:.3f} "
          f"{blk['balance_class']}")
    assert ent["n_households"] == 12
    # 6 of 12 with a need: stacked score at least 0.25, far above the block
    assert ent["ind_stacked_needs"] >= 0.25 > blk["ind_stacked_needs"]
    assert ent["pressure"] > blk["pressure"]
    assert ent["balance_class"] != blk["balance_class"]
    cols = [c for c in res.columns if c.startswith("p_")]
    assert np.isclose(ent[cols].sum(), 1.0)
