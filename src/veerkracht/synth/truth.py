"""Cities with known truth, to prove that the estimates are calibrated.

Voorbeeldstad (:mod:`veerkracht.synth.city`) is built to *look* right; this
module is built to be *checked against*. It draws a city with the demo's
structure — the demo's buurten and block kinds (:func:`generate_blocks`:
portiek, galerij, rows, semi, mixed), entrances of 1..24 dwellings, streets
that run along blocks and take one side of each — and households whose flags
come from known place-level propensities:

1. **Buurt.** ``logit q_u,f = logit(base_f) - 0.4 resilience_u + e_u,f``
   (``e`` normal with sd :attr:`TruthParams.buurt_sd`, correlated over flags).
2. **Block.** ``m_b,f = expit(logit q_u,f + size_f x_b + tip_f [tipping])``
   with ``x_b`` the dwelling-weighted mean of ``log(entrance size)`` — need
   rises with the size of the place, the product's premise — and
   ``logit p_b,f = logit m_b,f + block_sd z_b,f``.
3. **Entrance.** ``m_e,f = expit(logit p_b,f + size_f (log n_e - x_b))``,
   ``logit p_e,f = logit m_e,f + entrance_sd z_e,f``. Between-place
   variation thus rises with size in absolute terms. The normal deviations
   ``z`` of one place are correlated over flags
   (:attr:`TruthParams.place_corr`). Deliberately *not* beta: the
   estimation assumes beta priors, and the truth should not hand it its own
   model.
4. **Households.** Each occupied dwelling holds one present household whose
   five flags are Bernoulli with its entrance's propensities, joined by a
   Gaussian copula with latent correlations :data:`HOUSEHOLD_LATENT_CORR`
   (giving phi correlations of about 0.46 between care and urgency and
   0.44 between outflow and urgency, as in the real data). Tenure depends
   on the block's resilience and the household's needs; recent arrivals
   have an ended predecessor (for the outflow statistics); household types
   follow the demo's rules.

Planted: **tipping blocks** (high need *and* low resilience: need up by
:attr:`TruthParams.tipping_logit`, resilience down, so tenure is short), and
**the entrance of the issue**: a block of 300 dwellings in entrances of 12
where nobody has a care need except in one entrance, where exactly 6 of the
12 households have one — a block at 2 % with a stairwell at 50 %.

**The truth** of a place is the mean propensity of its present households
(``p_e`` of their entrances): what the share would be on average if the same
households' flags were drawn again, and what ``y / n`` estimates without
bias. The **true kappa** of a level is the maximum-likelihood beta precision
of those true shares around their true parents, with the same covariate as
the estimation (:func:`true_kappa`).

Everything is pure and seeded: same parameters, same frames.

Examples
--------
>>> city = truth_city(TruthParams(seed=1, n_dwellings=3000))
>>> sorted(city.dwellings.columns)[:4]
['address_id', 'block_id', 'building_id', 'buurtcode']
>>> ent = city.truth.shares["entrance"].set_index("place_id")
>>> float(ent.loc[city.truth.planted_entrance, "need_care"])
0.5
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import expit, logit, ndtr

from veerkracht.analytics.places import LEVEL_COLUMNS, LEVELS
from veerkracht.synth.buildings import generate_blocks
from veerkracht.synth.params import CityParams
from veerkracht.synth.population import _household_type

#: The household flags of the ``households`` contract.
FLAGS = ("need_care", "need_income", "need_outflow", "need_frail_elderly",
         "urgency")
#: Latent (Gaussian-copula) correlation of one household's flags, in the
#: order of :data:`FLAGS`.
HOUSEHOLD_LATENT_CORR = np.array([
    # care  income outflow frail urgency
    [1.00, 0.35, 0.72, 0.30, 0.86],
    [0.35, 1.00, 0.35, 0.10, 0.45],
    [0.72, 0.35, 1.00, 0.00, 0.90],
    [0.30, 0.10, 0.00, 1.00, 0.05],
    [0.86, 0.45, 0.90, 0.05, 1.00],
])
#: The parent of each level for the true kappa (as the estimation's order).
PARENTS = {"entrance": "block", "building": "block", "block": "buurt",
           "street": "buurt", "buurt": "gemeente", "wijk": "gemeente"}
MAX_ENTRANCE = 24


@dataclass(frozen=True)
class TruthParams:
    """Knobs of a truth city (defaults: a demo-like city of 30 000 dwellings)."""

    seed: int = 20261201
    n_dwellings: int = 30_000
    end_date: date = date(2026, 1, 1)
    #: prevalence at entrance size 1 in an average buurt
    base: dict[str, float] = field(default_factory=lambda: {
        "need_care": 0.03, "need_income": 0.07, "need_outflow": 0.012,
        "need_frail_elderly": 0.05, "urgency": 0.03})
    #: logit change per unit of log(entrance size)
    size_effect: dict[str, float] = field(default_factory=lambda: {
        "need_care": 0.35, "need_income": 0.3, "need_outflow": 0.45,
        "need_frail_elderly": 0.05, "urgency": 0.4})
    #: logit increase of the planted tipping blocks
    tipping_logit: dict[str, float] = field(default_factory=lambda: {
        "need_care": 1.0, "need_income": 0.6, "need_outflow": 1.0,
        "need_frail_elderly": 0.0, "urgency": 1.0})
    buurt_sd: float = 0.3
    #: sd on the logit scale of blocks around their mean, and of entrances
    #: around their block (about kappa 10-30 and 6-20 for 2-10 % shares)
    block_sd: float = 0.9
    entrance_sd: float = 1.3
    #: copula correlation of a place's propensities over flags
    place_corr: float = 0.5
    #: share of multi-dwelling blocks planted as tipping
    tipping_share: float = 0.08
    #: resilience shift of tipping blocks (standardised)
    tipping_resilience: float = -1.5
    vacancy: float = 0.03
    #: blocks per street segment (a street takes one side of each)
    street_blocks: int = 2
    plant_entrance: bool = True


@dataclass(frozen=True)
class Truth:
    """What the estimation should find.

    Attributes
    ----------
    shares : dict
        level -> DataFrame ``place_id``, ``n_households``, ``x_size`` (the
        dwelling-weighted mean log entrance size) and one column per flag:
        the true share (mean propensity of the present households).
    kappa : dict
        level -> flag -> true beta precision around the parent
        (:func:`true_kappa`).
    generating_sd : dict
        The logit-scale sds used to draw blocks and entrances.
    tipping_blocks : frozenset of str
        ``block_id`` of the planted tipping blocks.
    planted_entrance, planted_block : str or None
        The 12-household entrance with 6 care households and its block.
    flag_corr : ndarray
        Phi correlations of the present households' flags (order
        :data:`FLAGS`), as realised.
    """

    shares: dict[str, pd.DataFrame]
    kappa: dict[str, dict[str, float]]
    generating_sd: dict[str, float]
    tipping_blocks: frozenset
    planted_entrance: str | None
    planted_block: str | None
    flag_corr: np.ndarray


@dataclass(frozen=True)
class TruthCity:
    """A truth city: ``dwellings`` and ``households`` (the contracts) and ``truth``."""

    params: TruthParams
    dwellings: pd.DataFrame
    households: pd.DataFrame
    truth: Truth


def _logit_normal(rng, m: np.ndarray, sd: float, corr: np.ndarray) -> np.ndarray:
    """``expit(logit m + sd z)`` per row and column, ``z`` correlated over columns."""
    L = np.linalg.cholesky(corr)
    z = rng.standard_normal(m.shape) @ L.T
    return expit(logit(np.clip(m, 1e-9, 1 - 1e-9)) + sd * z)


def _entrances(bu: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Entrance sizes and their building row, from the demo's buildings."""
    sizes, owner = [], []
    for i, r in enumerate(bu.itertuples(index=False)):
        if r.kind == "portiek":
            s = [int(r.storeys) * 2] * int(r.n_entrances)
        elif r.kind == "galerij":
            k = int(np.ceil(r.n_dwellings / MAX_ENTRANCE))
            s = [len(c) for c in np.array_split(np.arange(r.n_dwellings), k)]
        else:  # houses: their own front door; mixed: one door to the flats
            s = [int(r.n_dwellings)]
        sizes.extend(s)
        owner.extend([i] * len(s))
    return np.array(sizes), np.array(owner)


def truth_city(params: TruthParams | None = None) -> TruthCity:
    """Draw a city with known truth (see the module docstring)."""
    p = params or TruthParams()
    rng = np.random.default_rng(p.seed)
    streams = rng.spawn(4)
    cp = CityParams(seed=p.seed, n_dwellings=p.n_dwellings)
    blocks, bu = generate_blocks(cp, streams[0])
    bu = bu.reset_index(drop=True)
    planted_block = None
    if p.plant_entrance:
        # a galerij complex of 25 entrances of 12 in the most resilient buurt
        target = int(np.argmax([b.resilience for b in cp.buurten]))
        planted_block = int(blocks["block"].max()) + 1
        blocks = pd.concat([blocks, pd.DataFrame([{
            "block": planted_block, "buurt": target, "kind": "galerij",
            "bouwjaar": 1972, "n_dwellings": 300}])], ignore_index=True)
        rows = []
        for side, n_d in (("S", 144), ("N", 156)):
            rows.append({"block": planted_block, "side": side, "kind": "portiek",
                         "x0": 10.0, "x1": 110.0, "y0": 5.0, "y1": 15.0,
                         "storeys": 6, "n_entrances": n_d // 12,
                         "flats_per_floor": 2, "n_units": 0, "group": -1,
                         "n_dwellings": n_d})
        bu = pd.concat([bu, pd.DataFrame(rows)], ignore_index=True)
    ent_size, ent_bld = _entrances(bu)
    n_ent = len(ent_size)
    dw_ent = np.repeat(np.arange(n_ent), ent_size)
    n_dw = len(dw_ent)
    dw_bld = ent_bld[dw_ent]
    bld_block = bu["block"].to_numpy()
    dw_block = bld_block[dw_bld]
    block_buurt = blocks.set_index("block")["buurt"]
    dw_buurt = block_buurt.loc[dw_block].to_numpy()
    buurt_wijk = np.array([b.wijk for b in cp.buurten])
    dw_wijk = buurt_wijk[dw_buurt]
    is_house = bu["kind"].isin(["row", "semi", "detached"]).to_numpy()[dw_bld]

    # -- grid: blocks in rows per buurt; a street takes one side of its blocks
    blocks = blocks.sort_values("block").reset_index(drop=True)
    b_row = np.zeros(len(blocks), dtype=int)
    b_col = np.zeros(len(blocks), dtype=int)
    for u in range(len(cp.buurten)):
        sel = np.flatnonzero(blocks["buurt"].to_numpy() == u)
        cols = max(1, int(np.ceil(np.sqrt(len(sel)))))
        b_row[sel] = np.arange(len(sel)) // cols
        b_col[sel] = np.arange(len(sel)) % cols
    pos = {int(b): i for i, b in enumerate(blocks["block"])}
    dw_bpos = np.array([pos[int(b)] for b in dw_block])
    side_n = (bu["side"].to_numpy() == "N")[dw_bld]
    line = b_row[dw_bpos] + side_n
    seg = b_col[dw_bpos] // max(1, p.street_blocks)
    street = pd.Series(dw_buurt).astype(str) + "-" + pd.Series(line).astype(str) \
        + "-" + pd.Series(seg).astype(str)
    within = np.arange(n_dw) - np.repeat(np.cumsum(ent_size) - ent_size, ent_size)
    x = (dw_buurt * 1500.0 + b_col[dw_bpos] * cp.cell_w
         + bu["x0"].to_numpy()[dw_bld] + within % 12)
    y = (b_row[dw_bpos] * cp.cell_h + np.where(side_n, 80.0, 10.0)
         + within // 12)
    code_b = np.array([f"BU9999{buurt_wijk[u]:02d}{u:02d}" for u in
                       range(len(cp.buurten))])
    code_w = np.array([f"WK9999{w:02d}" for w in range(len(cp.wijken))])
    dwellings = pd.DataFrame({
        "address_id": [f"T{i:07d}" for i in range(n_dw)],
        "entrance_id": [f"TE{e:06d}" for e in dw_ent],
        "building_id": [f"TP{b:06d}" for b in dw_bld],
        "block_id": [f"TB{b:05d}" for b in dw_block],
        "street_id": ("TS-" + street).to_numpy(),
        "buurtcode": code_b[dw_buurt], "wijkcode": code_w[dw_wijk],
        "gemeentecode": "GM9999", "x": x + 164_500.0, "y": y + 491_000.0,
    })

    # -- propensities ---------------------------------------------------------
    F = len(FLAGS)
    pc = np.full((F, F), p.place_corr)
    np.fill_diagonal(pc, 1.0)
    Lp = np.linalg.cholesky(pc)
    r_prop = streams[1]
    base = logit(np.array([p.base[f] for f in FLAGS]))
    gamma = np.array([p.size_effect[f] for f in FLAGS])
    tip_eff = np.array([p.tipping_logit[f] for f in FLAGS])
    res_u = np.array([b.resilience for b in cp.buurten])
    eta_u = (base[None, :] - 0.4 * res_u[:, None]
             + p.buurt_sd * (r_prop.standard_normal((len(res_u), F)) @ Lp.T))
    # block covariate: dwelling-weighted mean log entrance size
    n_bl = len(blocks)
    logsize_dw = np.log(ent_size[dw_ent])
    x_b = (np.bincount(dw_bpos, weights=logsize_dw, minlength=n_bl)
           / np.maximum(np.bincount(dw_bpos, minlength=n_bl), 1))
    multi = np.bincount(dw_bpos, weights=(ent_size[dw_ent] > 1), minlength=n_bl) > 0
    cand = np.flatnonzero(multi & (blocks["block"].to_numpy() != planted_block))
    n_tip = int(round(p.tipping_share * len(cand)))
    tipping = np.zeros(n_bl, dtype=bool)
    tipping[r_prop.choice(cand, n_tip, replace=False)] = True
    b_buurt = blocks["buurt"].to_numpy()
    m_b = expit(eta_u[b_buurt] + gamma[None, :] * x_b[:, None]
                + tip_eff[None, :] * tipping[:, None])
    p_b = _logit_normal(r_prop, m_b, p.block_sd, pc)
    ent_bpos = dw_bpos[np.cumsum(ent_size) - ent_size]
    m_e = expit(logit(np.clip(p_b[ent_bpos], 1e-6, 1 - 1e-6))
                + gamma[None, :] * (np.log(ent_size)[:, None] - x_b[ent_bpos, None]))
    p_e = _logit_normal(r_prop, m_e, p.entrance_sd, pc)
    planted_ent = None
    care = FLAGS.index("need_care")
    if planted_block is not None:
        pb = pos[planted_block]
        in_block = np.flatnonzero(ent_bpos == pb)
        planted_ent = int(in_block[len(in_block) // 3])
        p_e[in_block, care] = 0.0
        p_e[planted_ent, care] = 0.5

    # -- households -------------------------------------------------------------
    r_hh = streams[2]
    occupied = r_hh.random(n_dw) >= p.vacancy
    if planted_block is not None:
        occupied[dw_bpos == pos[planted_block]] = True
    occ = np.flatnonzero(occupied)
    prop = p_e[dw_ent[occ]]
    Lh = np.linalg.cholesky(HOUSEHOLD_LATENT_CORR)
    u = ndtr(r_hh.standard_normal((len(occ), F)) @ Lh.T)
    flags = u < prop
    if planted_ent is not None:
        idx = np.flatnonzero(dw_ent[occ] == planted_ent)
        flags[idx, care] = False
        flags[r_hh.choice(idx, 6, replace=False), care] = True
    # tenure: resilience of the block, needs of the household
    res_b = res_u[b_buurt] + 0.5 * r_hh.standard_normal(n_bl) \
        + p.tipping_resilience * tipping
    mean_years = 9.0 * np.exp(0.4 * res_b[dw_bpos[occ]]) * np.where(
        is_house[occ], 1.4, 1.0)
    mean_years = np.where(flags[:, care] | flags[:, FLAGS.index("need_outflow")],
                          0.5 * mean_years, mean_years)
    mean_years = np.where(flags[:, FLAGS.index("urgency")], 2.5, mean_years)
    years = r_hh.exponential(mean_years)
    end = np.datetime64(p.end_date, "D")
    start = end - (years * 365.25).astype("int64").astype("timedelta64[D]") \
        - np.timedelta64(1, "D")
    hh = pd.DataFrame({"dwelling": occ, "tenure_start": start,
                       "tenure_end": np.full(len(occ), np.datetime64("NaT"),
                                             dtype="datetime64[D]")})
    for j, f in enumerate(FLAGS):
        hh[f] = flags[:, j]
    # predecessors of recent arrivals (their tenure ended before the arrival)
    recent = np.flatnonzero(years < 1.0)
    u_prev = ndtr(r_hh.standard_normal((len(recent), F)) @ Lh.T)
    prev_flags = u_prev < prop[recent]
    prev_end = start[recent] - r_hh.integers(20, 60, len(recent)).astype(
        "timedelta64[D]")
    prev_start = prev_end - (r_hh.exponential(6.0, len(recent)) * 365.25 + 30
                             ).astype("int64").astype("timedelta64[D]")
    prev = pd.DataFrame({"dwelling": occ[recent], "tenure_start": prev_start,
                         "tenure_end": prev_end})
    for j, f in enumerate(FLAGS):
        prev[f] = prev_flags[:, j]
    hh = pd.concat([hh, prev], ignore_index=True)
    hh["household_type"] = _household_type(hh, is_house, streams[3])
    households = pd.DataFrame({
        "address_id": dwellings["address_id"].to_numpy()[hh["dwelling"].to_numpy()],
        "tenure_start": hh["tenure_start"].to_numpy(),
        "tenure_end": hh["tenure_end"].to_numpy(),
        "household_type": hh["household_type"].to_numpy(),
        **{f: hh[f].to_numpy() for f in FLAGS},
    })

    # -- truth per place --------------------------------------------------------
    present_dw = occ
    shares: dict[str, pd.DataFrame] = {}
    for lv in LEVELS:
        col = dwellings[LEVEL_COLUMNS[lv]].to_numpy()
        code, ids = pd.factorize(col)
        n_p = len(ids)
        c = code[present_dw]
        nh = np.bincount(c, minlength=n_p)
        frame = {"place_id": ids.astype(str), "n_households": nh}
        xs = np.bincount(code, weights=logsize_dw, minlength=n_p) / np.maximum(
            np.bincount(code, minlength=n_p), 1)
        frame["x_size"] = xs
        for j, f in enumerate(FLAGS):
            s = np.bincount(c, weights=prop[:, j], minlength=n_p)
            frame[f] = np.where(nh > 0, s / np.maximum(nh, 1), np.nan)
        shares[lv] = pd.DataFrame(frame)
    tip_ids = frozenset(f"TB{int(blocks['block'].iloc[i]):05d}"
                        for i in np.flatnonzero(tipping))
    excl = f"TB{planted_block:05d}" if planted_block is not None else None
    kappa = {}
    for lv in PARENTS:
        pmap = parent_of(dwellings, lv, PARENTS[lv])
        blk = (parent_of(dwellings, lv, "block") if lv in ("entrance", "building")
               else None)
        kappa[lv] = {f: true_kappa(shares, dwellings, lv, f, exclude_block=excl,
                                   parents=pmap, blocks=blk) for f in FLAGS}
    phi = np.corrcoef(flags.T.astype(float))
    truth = Truth(shares, kappa, {"block_sd": p.block_sd,
                                  "entrance_sd": p.entrance_sd},
                  tip_ids,
                  f"TE{planted_ent:06d}" if planted_ent is not None else None,
                  f"TB{planted_block:05d}" if planted_block is not None else None,
                  phi)
    return TruthCity(p, dwellings, households, truth)


def parent_of(dwellings: pd.DataFrame, level: str, parent: str) -> pd.Series:
    """The parent holding most dwellings of each place (place_id -> parent id)."""
    a, b = LEVEL_COLUMNS[level], LEVEL_COLUMNS[parent]
    counts = dwellings.groupby([a, b], sort=False).size().reset_index(name="k")
    counts = counts.sort_values("k", ascending=False).drop_duplicates(a)
    return counts.set_index(a)[b].astype(str)


def beta_precision(t, m0, x=None) -> float:
    """Precision ``k`` of known shares: ``E t = m``, ``Var t = m (1 - m) / (k + 1)``.

    ``logit m = logit m0 + b0 + b (x - mean x)``; ``(b0, b)`` minimise the
    Pearson sum ``sum (t - m)**2 / (m (1 - m))``, and ``1 / (k + 1)`` is its
    mean. The shares are known exactly (no sampling noise), so this moment
    estimator is consistent; unlike the beta likelihood it does not depend on
    how close to 0 the smallest shares are.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> t = rng.beta(2.0, 18.0, 5000)
    >>> 17 < beta_precision(t, np.full(5000, 0.1)) < 24
    True
    """
    t = np.asarray(t, dtype="float64")
    eta0 = logit(np.clip(np.asarray(m0, dtype="float64"), 1e-6, 1 - 1e-6))
    X = np.ones((len(t), 1)) if x is None else np.column_stack(
        [np.ones(len(t)), np.asarray(x, dtype="float64") - np.mean(x)])

    def pearson(theta):
        m = np.clip(expit(eta0 + X @ theta), 1e-9, 1 - 1e-9)
        return float(np.mean((t - m) ** 2 / (m * (1 - m))))

    res = minimize(pearson, np.zeros(X.shape[1]), method="BFGS")
    rho = max(res.fun, 1e-12)
    return float(1.0 / rho - 1.0)


def true_kappa(shares: dict[str, pd.DataFrame], dwellings: pd.DataFrame,
               level: str, flag: str, exclude_block: str | None = None,
               parents: pd.Series | None = None, blocks: pd.Series | None = None
               ) -> float:
    """The true beta precision of a level's shares around their parents.

    ML (:func:`beta_precision`) of the true shares of the places with
    households, around the true share of the parent (:data:`PARENTS`, the one
    holding most dwellings), with the dwelling-weighted mean log entrance
    size as covariate — the estimation's model applied to the truth.
    """
    par = PARENTS[level]
    s = shares[level]
    s = s[s["n_households"] > 0]
    if exclude_block is not None and level in ("entrance", "building"):
        blk = blocks if blocks is not None else parent_of(dwellings, level, "block")
        s = s[blk.reindex(s["place_id"]).to_numpy() != exclude_block]
    elif exclude_block is not None and level == "block":
        s = s[s["place_id"] != exclude_block]
    pmap = parents if parents is not None else parent_of(dwellings, level, par)
    pt = shares[par].set_index("place_id")[flag]
    m0 = pt.reindex(pmap.reindex(s["place_id"]).to_numpy()).to_numpy()
    ok = np.isfinite(m0) & np.isfinite(s[flag].to_numpy())
    if ok.sum() < 3:
        return float("nan")
    return beta_precision(s[flag].to_numpy()[ok], m0[ok], s["x_size"].to_numpy()[ok])


def with_seed(params: TruthParams, seed: int) -> TruthParams:
    """The same parameters with another seed."""
    return dataclasses.replace(params, seed=seed)


__all__ = ["FLAGS", "HOUSEHOLD_LATENT_CORR", "Truth", "TruthCity", "TruthParams",
           "beta_precision", "parent_of", "true_kappa", "truth_city", "with_seed"]
