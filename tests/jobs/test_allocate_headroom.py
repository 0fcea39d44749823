"""Headroom and what one placement does: the placement model against its own
full recomputation, against the real pipeline refitted, and through the door."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from veerkracht.analytics.allocation.categories import CATEGORIES, category
from veerkracht.analytics.allocation.placement import CAP_LEVELS, PlacementModel
from veerkracht.analytics.publication import recording
from veerkracht.jobs import allocate, publish
from veerkracht.jobs.demo import build_demo
from veerkracht.store import open_workspace


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("allocate") / "ws"
    build_demo(open_workspace(folder), seed=7, n_dwellings=1500, years=1)
    return folder


@pytest.fixture
def ws(demo_dir, tmp_path):
    folder = tmp_path / "ws"
    shutil.copytree(demo_dir, folder)
    publish._clear_cache()
    return open_workspace(folder)


@pytest.fixture(scope="module")
def model(demo_dir) -> PlacementModel:
    return allocate.placement_model(open_workspace(demo_dir))


def _addresses(model, n=12, seed=3):
    """Dwellings whose entrance, block and street all have computed places."""
    dw = model.dwellings
    ok = np.ones(len(dw), dtype=bool)
    for lv, col in (("entrance", "entrance_id"), ("block", "block_id"),
                    ("street", "street_id")):
        st = model.levels[lv]
        pos = st.positions(dw[col].astype(object).to_numpy())
        ok &= pos >= 0
        ok[ok] &= st.n_households[pos[ok]] >= 3
    picks = np.random.default_rng(seed).choice(np.flatnonzero(ok), n, replace=False)
    return dw.index[picks].tolist()


def test_nothing_placed_reproduces_the_computed_balance_and_class(model):
    for lv, st in model.levels.items():
        after = model.after_adding(lv, np.arange(len(st.ids)), category("zorg"), 0.0)
        assert np.allclose(after.balance, st.balance, equal_nan=True, atol=1e-12), lv
        assert (after.cls == st.cls).all(), lv


@pytest.mark.parametrize("code", ["zorg", "meervoudig", "kwetsbare_oudere"])
def test_the_incremental_answer_equals_a_full_recomputation(model, code):
    cat = category(code)
    for address in _addresses(model):
        eff = model.effect(address, cat)
        assert set(eff["level"]) == set(CAP_LEVELS)
        full = model.apply(pd.DataFrame({"address_id": [address], "category": [cat],
                                         "urgent": [False], "count": [1]}))
        for row in eff.itertuples():
            st = model.levels[row.level]
            p = st.positions([row.place_id])[0]
            assert row.balance_after == pytest.approx(full[row.level].balance[p],
                                                      abs=1e-12)
            assert row.pressure_after == pytest.approx(full[row.level].pressure[p],
                                                       abs=1e-12)
            names = [*model.spec.class_names, None]
            assert row.class_after == names[full[row.level].cls[p]]
        # a placement raises pressure where the category adds needs
        assert (eff["pressure_after"] >= eff["pressure_before"] - 1e-12).all()
        assert (eff["pressure_after"] > eff["pressure_before"]).any()
        assert (eff["headroom_after"] <= eff["headroom_before"]).all()


def test_headroom_is_monotone_and_exact_at_its_edge(model):
    """The class holds for every k up to the headroom and drops at k + 1."""
    rng = np.random.default_rng(11)
    for cat in CATEGORIES:
        for lv in CAP_LEVELS:
            st = model.levels[lv]
            room = model.headroom(lv, cat)
            assert (room["headroom_lo"] <= room["headroom"]).all()
            assert (room["headroom"] <= room["headroom_hi"]).all()
            assert (room["headroom"] <= np.floor(st.n_households)).all()
            pos = rng.choice(len(st.ids), min(40, len(st.ids)), replace=False)
            for p in pos:
                h = room["headroom"].iloc[p]
                if np.isnan(h):
                    continue
                ks = np.arange(0, int(h) + 2)
                got = model.after_adding(lv, np.full(len(ks), p), cat, ks).cls
                worse = got > st.cls[p]
                assert not worse[: int(h) + 1].any() or st.cls[p] == len(
                    model.spec.classes) - 1
                if not room["limited"].iloc[p] and st.cls[p] < len(
                        model.spec.classes) - 1:
                    assert worse[int(h) + 1], (lv, cat.code, p, h)
                # monotone: the balance never rises as more are placed
                bal = model.after_adding(lv, np.full(len(ks), p), cat, ks).balance
                assert (np.diff(bal) <= 1e-12).all()


def test_a_place_with_the_tap_open_has_no_headroom(model):
    worst = len(model.spec.classes) - 1
    for lv in CAP_LEVELS:
        st = model.levels[lv]
        room = model.headroom(lv, category("zorg"))
        assert (room["headroom"][st.cls == worst] == 0).all()


def test_many_placements_at_once_add_up_place_by_place(model):
    """apply() over several addresses of one block equals after_adding on
    the block for its own figures, whichever entrances they are in."""
    cat = category("uitstroom")
    st = model.levels["block"]
    dw = model.dwellings
    pos = st.positions(dw["block_id"].astype(object).to_numpy())
    counts = np.bincount(pos[pos >= 0], minlength=len(st.ids))
    big = int(np.argmax(np.where(st.n_households >= 10, counts, 0)))
    inside = dw.index[pos == big][[0, -1, len(dw.index[pos == big]) // 2]].tolist()
    plan = pd.DataFrame({"address_id": inside, "category": [cat] * 3,
                         "urgent": False, "count": 1})
    full = model.apply(plan)
    one = model.after_adding("block", [big], cat, 3.0)
    assert full["block"].balance[big] == pytest.approx(one.balance[0], abs=1e-12)
    assert full["block"].balance[big] < st.balance[big]


@pytest.mark.slow
def test_the_frozen_model_follows_the_refitted_pipeline(demo_dir, model):
    """Placing k households changes the balance by what the whole pipeline,
    refitted on the changed protected statistics, says (its priors move a
    little, the frozen model's do not): the figures are in docs/allocation.md."""
    from veerkracht.analytics.model.compute import compute_model
    from veerkracht.analytics.model.periods import parse_period
    from veerkracht.analytics.places import LEVEL_COLUMNS
    from veerkracht.jobs.compute import load_inputs
    from veerkracht.jobs.protect import protected_statistics

    ws = open_workspace(demo_dir)
    period = parse_period(model.period)
    stats, noise_sd, _ = protected_statistics(ws, period)
    inputs, _ = load_inputs(ws, model.spec)
    base = compute_model(model.spec, inputs, period, statistics=stats,
                         noise_sd=noise_sd)
    k = 3.0
    zeros = {i.name: np.zeros(1) for i in model.touched}
    errors = []
    for address in _addresses(model, n=4, seed=5):
        places = model.places_of(address)
        changed = {}
        for lv, frame in stats.items():
            f = frame.copy()
            col = LEVEL_COLUMNS.get(lv)
            pid = places.get(lv) if col else None
            hit = f["place_id"].astype(str) == str(pid)
            # k households without a need who lived there 2-5 years leave;
            # k with a care need move in
            for c, d in (("needs_0", -k), ("needs_1", k), ("flag_need_care", k),
                         ("tenure_2_5", -k), ("tenure_lt1", k), ("inflow_need", k)):
                if c in f.columns:
                    f.loc[hit, c] = f.loc[hit, c] + d
            changed[lv] = f
        after = compute_model(model.spec, inputs, period, statistics=changed,
                              noise_sd=noise_sd)
        for lv in CAP_LEVELS:
            st = model.levels[lv]
            p = st.positions([places[lv]])
            pred = model.after_adding(lv, p, category("zorg"), k, leave=zeros)
            key = (after["level"] == lv) & (after["place_id"] == places[lv])
            key0 = (base["level"] == lv) & (base["place_id"] == places[lv])
            real = float(after.loc[key, "balance"].iloc[0]
                         - base.loc[key0, "balance"].iloc[0])
            frozen = float(pred.balance[0] - st.balance[p[0]])
            errors.append((lv, frozen, real))
    print("frozen vs refitted change of balance:", [(lv, round(f, 4), round(r, 4))
                                                    for lv, f, r in errors])
    frozen = np.array([e[1] for e in errors])
    real = np.array([e[2] for e in errors])
    # the frozen model never says the balance rises, and says it stays only
    # where the refitted pipeline agrees exactly (one CI draw had an entrance
    # whose balance neither moved: 0.0 and 0.0, its counts already at a bound)
    assert (frozen <= 0).all(), errors
    assert ((frozen < 0) | (real == 0)).all(), errors
    # on an entrance of a few households the refit follows that entrance's
    # noisy protected counts, which also refit the reporting regression and
    # the priors: it can move either way (docs/allocation.md), so the
    # comparison is held on the block and the street
    big = np.array([e[0] != "entrance" for e in errors])
    assert (real[big] < 0).mean() >= 3 / 4, errors
    # the same size in the main: the refit itself jumps where a covariate
    # passes its |z| >= 2 gate or a strength moves, which the frozen model
    # (by design) does not follow
    ratio = frozen[big] / real[big]
    assert 0.4 <= np.median(ratio) <= 2.5, errors
    # half within a factor 3: of eight block and street comparisons, one CI
    # draw had five (streets whose refit moved 3-6 times more: the refit
    # follows a street's noisy counts too); two thirds held in the others
    assert ((ratio > 1 / 3) & (ratio < 3)).mean() >= 1 / 2, errors


def test_headroom_leaves_through_the_door_only_where_the_place_is_public(ws):
    with recording() as calls:
        room = allocate.published_headroom(ws, "entrance", "zorg")
    assert "veerkracht.jobs.allocate.published_headroom" in calls
    hidden = room["visibility"] != "public"
    assert hidden.any() and (~hidden).any()
    assert room.loc[hidden, ["headroom", "headroom_lo", "headroom_hi",
                             "balance_class"]].isna().all().all()
    assert room.loc[~hidden, "headroom"].notna().all()
    sizes = ws.read("results")
    small = sizes[(sizes["level"] == "entrance") & (sizes["n_dwellings"] < 5)]
    assert not set(small["place_id"].astype(str)) & set(room["place_id"])


def test_an_attacker_learns_nothing_of_a_suppressed_entrance_by_asking_what_if(
        ws, model):
    """The what-if of an address in a suppressed entrance names its entrance
    as 'suppressed' and gives no figure for it, for every category."""
    room = allocate.published_headroom(ws, "entrance", "zorg")
    hidden = set(room.loc[room["visibility"] != "public", "place_id"])
    dw = model.dwellings
    address = next(a for a, e in zip(dw.index, dw["entrance_id"], strict=True)
                   if str(e) in hidden)
    for cat in CATEGORIES:
        eff = allocate.published_effect(ws, address, cat.code)
        row = eff[eff["level"] == "entrance"]
        assert len(row) == 1 and row["visibility"].iloc[0] != "public"
        assert row[list(allocate.EFFECT_FIGURES)].isna().all().all()
        assert row["n_dwellings"].isna().all()


def test_results_from_exact_statistics_are_refused(demo_dir, tmp_path):
    folder = tmp_path / "exact"
    shutil.copytree(demo_dir, folder)
    ws = open_workspace(folder)
    res = ws.read("results")
    res["statistics"] = "exact"
    with ws.transaction("test") as tx:
        tx.put("results", res)
    with pytest.raises(allocate.AllocationError, match="exacte"):
        allocate.published_headroom(ws, "block", "zorg")


def test_bad_questions_get_dutch_answers(ws):
    with pytest.raises(allocate.AllocationError, match="onbekende categorie"):
        allocate.published_headroom(ws, "block", "psychiatrie")
    with pytest.raises(allocate.AllocationError, match="geen woning"):
        allocate.published_effect(ws, "0000XX-1", "zorg")
    with pytest.raises(allocate.AllocationError, match="onbekend niveau"):
        allocate.published_headroom(ws, "land", "zorg")


def test_the_linear_effects_bound_the_full_recomputation(model):
    """A household placed in an entrance's block but outside the entrance
    moves the entrance only through its prior: marginal() says how much,
    and apply() agrees: exactly with the secant at the number placed, and at
    most the steepest secant the caps use (the two differ where a score
    clips, which depends on the draw)."""
    st, bst = model.levels["entrance"], model.levels["block"]
    dw = model.dwellings
    ent = dw["entrance_id"].astype(str).to_numpy()
    blk = dw["block_id"].astype(str).to_numpy()
    cat = category("zorg")
    rng = np.random.default_rng(5)
    moved = 0
    for e in rng.permutation(np.flatnonzero(st.cls >= 0))[:60]:
        b = st.parent_pos[e]
        if b < 0:
            continue
        out = np.flatnonzero((blk == str(bst.ids[b])) & (ent != str(st.ids[e])))
        if len(out) < 2:
            continue
        k = 4 if len(out) >= 4 else 2
        plan = pd.DataFrame({"address_id": dw.index[out[:k]], "category": [cat] * k,
                             "urgent": False, "count": 1})
        fall = st.balance[e] - model.apply(plan)["entrance"].balance[e]
        lin = model.marginal("entrance", [e], cat)
        assert lin.levels[0] == "block" and lin.ancestor_pos[0, 0] == b
        at_k = model.marginal("entrance", [e], cat, steps=(float(k),)).outside[0, 0] * k
        assert fall == pytest.approx(at_k, rel=1e-9, abs=1e-12)
        assert fall <= lin.outside[0, 0] * k + 1e-12
        moved += fall > 0
        if moved >= 15:
            break
    assert moved >= 5
    # own: households in the block itself. own is the steepest secant of the
    # fall over 1, 2, 4, ... households, so the full recomputation's fall stays
    # below own * t at every t and reaches it at one of those steps (at t = 1
    # where the fall is concave; a score that starts moving late, on the
    # harmless side of its clip, makes a later secant steeper in some draws)
    every = np.arange(len(bst.ids))
    lin = model.marginal("block", every, cat)
    steepest = np.zeros(len(every))
    for t in 2.0 ** np.arange(0, 15):
        fall = bst.balance - model.after_adding("block", every, cat, t).balance
        ok = np.isfinite(fall)
        assert (fall[ok] <= lin.own[ok] * t * (1 + 1e-9) + 1e-12).all()
        steepest = np.fmax(steepest, np.where(ok, fall / t, np.nan))
    ok = np.isfinite(steepest)
    assert ok.sum() >= 10
    assert np.allclose(steepest[ok], lin.own[ok], rtol=1e-9, atol=1e-12)


def test_the_margin_is_the_fall_the_class_survives(model):
    spec = model.spec
    for lv in CAP_LEVELS:
        st = model.levels[lv]
        pos = np.arange(len(st.ids))
        m = model.margin(lv, pos)
        fin = np.isfinite(m)
        assert fin.any()
        keep = spec.classify_with_inflow(st.balance[fin] - m[fin] + 1e-9,
                                         st.inflow_net_lo[fin])
        drop = spec.classify_with_inflow(st.balance[fin] - m[fin] - 1e-6,
                                         st.inflow_net_lo[fin])
        assert (keep == st.cls[fin]).all() and (drop > st.cls[fin]).all()
        worst = len(spec.classes) - 1
        assert np.isinf(m[st.cls == worst]).all()
