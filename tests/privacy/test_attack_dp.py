"""Attacks on the protected place statistics, and what they are bounded by.

The guarantee (ADR 0006, docs/privacy.md): every published figure is
post-processing of statistics protected with ρ-zCDP per period. For any
test an attacker runs on everything published — one added household, a
linear program over all counts of all levels, a crafted model file — the
chance of telling two data sets apart that differ in one household is
bounded by the privacy loss. These tests run the attacks and compare them
with the bound; where the attack works on exact counts, they show that too.
"""

from __future__ import annotations

import math
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from veerkracht.analytics.dp import (
    LEVELS,
    NoisePlan,
    epsilon_of,
    postprocess,
    protect_statistics,
    sample_noisy,
)
from veerkracht.analytics.model.periods import parse_period
from veerkracht.analytics.statistics import HOUSEHOLD_COLUMNS, place_statistics
from veerkracht.jobs.places import run_places
from veerkracht.jobs.protect import protected_statistics
from veerkracht.store import open_workspace, points_xy
from veerkracht.synth import generate_city

sys.path.insert(0, str(Path(__file__).parent))
from lp_attack import ID_COLUMNS, attack, best_fit, design  # noqa: E402

PERIOD = parse_period("2025")
Z95 = norm.ppf(0.95)


def tv_gaussian(mu: float) -> float:
    """Largest TPR − FPR of any test between N(0, 1) and N(μ, 1)."""
    return 2 * norm.cdf(mu / 2) - 1


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    ws = open_workspace(tmp_path_factory.mktemp("attack") / "ws")
    c = generate_city(seed=3, n_dwellings=1500, years=2)
    with ws.transaction("demo", source="test city") as tx:
        for name, frame in c.tables().items():
            tx.put(name, frame)
    run_places(ws)
    dw = points_xy(ws.read("dwellings")).reset_index(drop=True)
    return ws, dw, ws.read("households"), ws.read("signals")


def _live(hh):
    end = pd.Timestamp(PERIOD.end)
    s = pd.to_datetime(hh["tenure_start"])
    e = pd.to_datetime(hh["tenure_end"])
    return ((s < end) & (e.isna() | (e >= end))).to_numpy()


def _indicator(hh, column):
    """The household-level 0/1 behind a statistics column."""
    if column.startswith("flag_"):
        return hh[column[5:]].fillna(False).astype(int)
    if column.startswith("type_"):
        return (hh["household_type"].astype(str) == column[5:]).astype(int)
    raise ValueError(column)


def _per_dwelling(dw, hh, column):
    live = hh[_live(hh)].assign(value=lambda f: _indicator(f, column))
    t = live.groupby("address_id")["value"].sum()
    return dw["address_id"].map(t).fillna(0).to_numpy(dtype=float)


# --- (a) one added household ---------------------------------------------------


def test_one_added_household_is_hidden_within_the_zcdp_bound(city):
    """The optimal test (knowing every other household) on all levels at once.

    Without and with one household, the exact vectors differ in at most 11
    cells per level; the attacker's likelihood-ratio statistic on those cells
    has, under the discrete Gaussian, power at most Φ(μ − z) at false-positive
    rate 5 %, μ = √(Σ ‖Δ‖² / σ²) ≤ √(2ρ). We draw it through OpenDP.
    """
    _, dw, hh, _ = city
    plan = NoisePlan()
    live = np.flatnonzero(_live(hh))
    rng = np.random.default_rng(11)
    target = None
    exact = place_statistics(dw, hh, None, PERIOD)
    for i in rng.permutation(live):
        block = dw.loc[dw["address_id"] == hh["address_id"].iloc[i], "block_id"]
        size = exact["block"].set_index("place_id")["n_dwellings"]
        if len(block) and size.get(block.iloc[0], 0) >= 5:
            target = i
            break
    assert target is not None
    without = place_statistics(dw, hh.drop(index=hh.index[target]), None, PERIOD)
    sh = plan.sigma_households()
    deltas, base, sigmas = [], [], []
    mu2 = 0.0
    for lv in LEVELS:
        keep = exact[lv]["n_dwellings"].to_numpy() >= plan.band_min
        a = exact[lv].loc[keep, list(HOUSEHOLD_COLUMNS)].to_numpy()
        b = without[lv].loc[keep, list(HOUSEHOLD_COLUMNS)].to_numpy()
        d = (a - b).ravel()
        changed = np.flatnonzero(d)
        assert len(changed) <= 11 and np.abs(d).max(initial=0) <= 1
        deltas.append(d[changed])
        base.append(b.ravel()[changed])
        sigmas.append(np.full(len(changed), sh[lv]))
        mu2 += (d ** 2).sum() / sh[lv] ** 2
    delta, b0 = np.concatenate(deltas), np.concatenate(base)
    sig = np.concatenate(sigmas)
    assert len(delta) >= 10       # the household is published on several levels
    mu = math.sqrt(mu2)
    assert mu <= math.sqrt(2 * plan.rho_households) + 1e-9
    trials = 3000

    def statistic(world):
        x = np.tile(world, (trials, 1))
        out = np.empty(x.shape, dtype=np.int64)
        for s in np.unique(sig):
            cols = np.flatnonzero(sig == s)
            out[:, cols] = sample_noisy(x[:, cols], float(s))
        return ((out - b0) * delta / sig ** 2).sum(axis=1)

    t0, t1 = statistic(b0), statistic(b0 + delta)
    # the test's threshold for 5 % false positives: T ~ N(0, μ²) without it
    threshold = Z95 * mu
    fpr = float((t0 > threshold).mean())
    power = float((t1 > threshold).mean())
    se = math.sqrt(0.25 / trials)
    # any test with false-positive rate f has power <= Φ(μ − Φ⁻¹(1 − f))
    bound = norm.cdf(mu - norm.ppf(1 - min(fpr + 3 * se, 0.5)))
    print(f"\none household: μ = {mu:.3f}, false positives {fpr:.3f}, power "
          f"{power:.3f}, bound at 5 % {norm.cdf(mu - Z95):.3f}, "
          f"ε(δ=1e-6) of the period = {epsilon_of(1.0):.2f}")
    assert abs(fpr - 0.05) <= 4 * math.sqrt(0.05 * 0.95 / trials)
    assert power <= bound + 3 * se
    # the attack is the optimal one: it reaches the bound (the noise is not larger
    # than planned either, else utility is lost for nothing)
    assert power >= norm.cdf(mu - norm.ppf(1 - max(fpr - 3 * se, 0.001))) - 3 * se


# --- (b) the linear program on every published count ----------------------------


def _hidden_blocks(dw, exact, n, seed=0):
    blk = exact["block"]
    hidden = blk.loc[(blk["n_dwellings"] >= 2) & (blk["n_dwellings"] < 5), "place_id"]
    rng = np.random.default_rng(seed)
    pick = rng.choice(hidden.to_numpy(), size=min(n, len(hidden)), replace=False)
    ids = dw["block_id"].astype("str").to_numpy()
    return [np.flatnonzero(ids == h) for h in pick]


def _published_exact(exact, band_min=5):
    return {lv: f[f["n_dwellings"] >= band_min] for lv, f in exact.items()}


def lp_report(dw, hh, column, n_targets=40, plan=None):
    plan = plan or NoisePlan()
    exact = place_statistics(dw, hh, None, PERIOD)
    truth = _per_dwelling(dw, hh, column)
    upper = max(1.0, truth.max())
    targets = _hidden_blocks(dw, exact, n_targets)
    raw, sd = protect_statistics(exact, plan)
    # what leaves the workspace is shown after post-processing (never < 0)
    noisy = {lv: postprocess(f) for lv, f in raw.items()}
    on_exact = attack(dw, truth, _published_exact(exact), column, None, targets, upper)
    on_noisy = attack(dw, truth, noisy, column,
                      {lv: sd[lv][column] for lv in sd}, targets, upper)
    prior = truth.mean()
    public = float(np.mean([np.rint(len(t) * prior) == truth[t].sum()
                            for t in targets]))
    return on_exact, on_noisy, public


@pytest.mark.parametrize("column, pinned_exact", [("flag_need_care", 0.5),
                                                  ("type_single", 0.05)])
def test_lp_pins_hidden_blocks_on_exact_counts_but_not_on_protected(city, column,
                                                                    pinned_exact):
    _, dw, hh, _ = city
    on_exact, on_noisy, public = lp_report(dw, hh, column)
    print(f"\nLP {column}: exact pinned {on_exact['pinned']:.2f}, hit "
          f"{on_exact['hit_rate']:.2f}; protected pinned {on_noisy['pinned']:.2f}, "
          f"median width {on_noisy['median_width']:.1f}, hit "
          f"{on_noisy['hit_rate']:.2f}; public-only guess hit {public:.2f}")
    assert on_exact["targets"] >= 20
    assert on_exact["pinned"] >= pinned_exact   # the attack is real on exact counts
    assert on_exact["covered"] == 1.0
    assert on_noisy["pinned"] <= 0.05           # and fails on protected ones
    assert on_noisy["covered"] >= 0.95


def _flip_one(hh, dw, target_block, field):
    """A household in the block without need ``field`` gets it (neighbour)."""
    addresses = set(dw.loc[dw["block_id"].astype(str) == target_block, "address_id"])
    live = _live(hh)
    cand = np.flatnonzero(live & hh["address_id"].isin(addresses).to_numpy()
                          & ~hh[field].fillna(False).astype(bool).to_numpy())
    if not len(cand):
        return None
    out = hh.copy()
    out.loc[out.index[cand[0]], field] = True
    return out


def test_lp_guess_tells_neighbouring_data_sets_apart_no_better_than_the_bound(city):
    """Post-processing cannot beat the mechanism: over many draws, the LP's best
    guess for a hidden block under D and D' (one household's need flag
    flipped) differs in distribution by at most the Gaussian TV bound of the
    column it reads; on exact counts it tells them apart every time."""
    _, dw, hh, _ = city
    column = "flag_need_care"
    plan = NoisePlan()
    exact = place_statistics(dw, hh, None, PERIOD)
    targets = _hidden_blocks(dw, exact, 40, seed=1)
    ids = dw["block_id"].astype("str").to_numpy()
    world = None
    for t in targets:
        flipped = _flip_one(hh, dw, ids[t[0]], "need_care")
        if flipped is not None:
            world, target = flipped, t
            break
    assert world is not None
    other = place_statistics(dw, world, None, PERIOD)
    sh = plan.sigma_households()
    sigma = {lv: sh[lv] for lv in exact}
    c0 = _per_dwelling(dw, hh, column)[target].sum()

    def guess(stats, noise):
        pub = {}
        for lv, f in _published_exact(stats).items():
            g = f[["place_id", column]].copy()
            if noise:
                g[column] = np.maximum(sample_noisy(g[column].to_numpy(), sigma[lv]), 0)
            pub[lv] = g
        a, y, s = design(dw, pub, column, sigma if noise else None)
        return best_fit(a, y, s, 1.0)[target].sum()

    assert guess(exact, False) == pytest.approx(c0)
    assert guess(other, False) == pytest.approx(c0 + 1)
    draws = 120
    g0 = np.array([guess(exact, True) for _ in range(draws)])
    g1 = np.array([guess(other, True) for _ in range(draws)])
    # the best threshold test on the LP guess, both directions
    cuts = np.unique(np.concatenate([g0, g1]))
    adv = max(abs((g1 >= c).mean() - (g0 >= c).mean()) for c in cuts)
    mu = math.sqrt(sum(1 / sigma[lv] ** 2 for lv in sigma))   # Δ = 1 per level
    bound = tv_gaussian(mu)
    # sampling error of a max over thresholds: Kolmogorov–Smirnov at 1 %
    tol = 1.63 * math.sqrt(2 / draws)
    print(f"\nLP on D vs D': advantage {adv:.3f}, bound {bound:.3f} (+{tol:.3f} "
          "sampling), exact counts: 1.000")
    assert adv <= bound + tol


# --- (c) a crafted model file sees only the protected statistics ----------------


def _crafted_model(tmp_path):
    from veerkracht.io.model_file import default_model_bytes

    text = default_model_bytes().decode()
    weights = iter([16, 8, 4, 2, 1] + [1] * 100)
    text = re.sub(r"(?m)^weight = .*$", lambda m: f"weight = {next(weights)}", text)
    path = tmp_path / "crafted.toml"
    path.write_text(text)
    return path


def test_any_model_file_is_post_processing_of_the_protected_statistics(city, tmp_path):
    from veerkracht.analytics.model.compute import compute_model
    from veerkracht.io.model_file import load_model
    from veerkracht.jobs.compute import load_inputs

    ws, _, hh, _ = city
    stats, sd, _ = protected_statistics(ws, PERIOD)
    rng = np.random.default_rng(5)
    garbage = hh.copy()
    for col in ("need_care", "need_income", "need_outflow", "need_frail_elderly",
                "urgency"):
        garbage[col] = rng.random(len(hh)) < 0.5
    garbage["address_id"] = rng.permutation(garbage["address_id"].to_numpy())
    garbage["household_type"] = "single"
    for path in (None, _crafted_model(tmp_path)):
        spec = load_model(path)
        inputs, _ = load_inputs(ws, spec)
        real = compute_model(spec, inputs, PERIOD, statistics=stats, noise_sd=sd)
        inputs.households = garbage
        fake = compute_model(spec, inputs, PERIOD, statistics=stats, noise_sd=sd)
        pd.testing.assert_frame_equal(real, fake)
        assert len(real) > 0


# --- real addresses (Groningen) with a synthetic household layer -----------------


@pytest.fixture(scope="module")
def groningen(shared_data):
    from veerkracht.analytics.places import derive_places
    from veerkracht.io.addresses import combine_results, read_addresses
    from veerkracht.synth.households_for_dwellings import households_for_dwellings

    path = shared_data / "ljpc_adressen_Groningen.csv.zst"
    if not path.exists():
        pytest.skip("ljpc_adressen_Groningen.csv.zst is not available here")
    places = derive_places(combine_results([read_addresses(path)]))
    dw = points_xy(places.dwellings)
    # a region of about 2 × 2 km in the city; the areas stand in as a grid
    # (the LJPc file has no buurt codes): buurt 500 m, wijk 1 km, one gemeente
    cx, cy = 233_500.0, 582_000.0
    inside = (dw["x"].between(cx - 1000, cx + 1000)
              & dw["y"].between(cy - 1000, cy + 1000))
    dw = dw.loc[inside].reset_index(drop=True)
    gx, gy = ((dw["x"] - cx + 1000) // 500).astype(int), ((dw["y"] - cy + 1000)
                                                         // 500).astype(int)
    dw["buurtcode"] = "BU" + gx.astype(str) + "_" + gy.astype(str)
    dw["wijkcode"] = "WK" + (gx // 2).astype(str) + "_" + (gy // 2).astype(str)
    dw["gemeentecode"] = "GM0014"
    hh, _ = households_for_dwellings(dw, seed=1, reference_date=pd.Timestamp(
        "2026-01-01").date())
    return dw, hh


@pytest.mark.slow
def test_real_addresses_lp_cannot_pin_hidden_blocks(groningen):
    dw, hh = groningen
    assert len(dw) > 3000
    on_exact, on_noisy, public = lp_report(dw, hh, "flag_need_care", n_targets=40)
    print(f"\nGroningen {len(dw)} dwellings: exact pinned {on_exact['pinned']:.2f}; "
          f"protected pinned {on_noisy['pinned']:.2f}, width "
          f"{on_noisy['median_width']:.1f}, hit {on_noisy['hit_rate']:.2f} vs "
          f"public-only {public:.2f}")
    assert on_exact["pinned"] >= 0.5
    assert on_noisy["pinned"] <= 0.05
    assert on_noisy["covered"] >= 0.95


@pytest.mark.slow
def test_real_addresses_protect_every_level_and_clamps_hold(groningen):
    dw, hh = groningen
    exact = place_statistics(dw, hh, None, PERIOD)
    noisy, sd = protect_statistics(exact, NoisePlan())
    assert set(noisy) == set(LEVELS)
    for lv, f in noisy.items():
        assert (f["n_dwellings"] >= 5).all()
        shown = postprocess(f)
        assert (shown[list(HOUSEHOLD_COLUMNS)] >= 0).all().all()
        assert (shown["n_households"] <= shown["n_dwellings"]).all()
        assert set(f["place_id"]) <= set(exact[lv]["place_id"])
    assert "entrance" in noisy and set(ID_COLUMNS) == set(LEVELS)
