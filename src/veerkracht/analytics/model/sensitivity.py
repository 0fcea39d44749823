"""Global uncertainty and sensitivity analysis of the balance classes.

In the spirit of the JRC/OECD *Handbook on Constructing Composite Indicators*
(Saisana, Saltelli & Tarantola 2005; OECD/JRC 2008, steps 4 and 7): every
uncertain choice of the model is varied **together**, not one at a time, so
that interactions count and instability is not hidden behind the majority
class.

The choices (:func:`uncertain_factors`), each one *group* of the variance
decomposition:

* **a weight per indicator** — a multiplier uniform on 1 ± 50 %;
* **the class thresholds** — every ``min`` of the classes shifted jointly by a
  uniform amount in ±0.05;
* **the normalisation** — a discrete factor: as in the model file (the fixed
  reference of model 2.0), robust min–max (5th–95th percentile of the
  period), or the dwelling-weighted rank;
* **the prior** — a multiplier log-uniform on ½ .. 2 of the prior strength
  settings the model exposes (``kappa_min``, ``kappa_max``,
  ``mix_prior_strength``, ``estimation.kappa_bounds``) and, for a model
  with covariates in the prior mean, covariates on or off;
* **the signal half-life** — uniform 90 .. 365 days, for every indicator that
  has one.

The model itself is a black box: ``compute(spec) -> DataFrame`` with at least
``level``, ``place_id``, ``balance``, ``balance_class`` and ``n_dwellings``,
run on the same statistics for every variant. Nothing here knows how the
pipeline computes a balance.

Design: the radial Saltelli scheme with a scrambled Sobol' sequence
(:mod:`scipy.stats.qmc`). Two base matrices ``A`` and ``B`` of ``n`` rows and,
per group ``g``, ``AB_g`` = ``A`` with the columns of ``g`` taken from ``B``:
``n (G + 2)`` model runs for ``G`` groups. Every run is a draw from the joint
distribution of the choices, so all of them feed the uncertainty analysis
(class stability, rank range); the structure of the design gives the
variance-based indices

* first order (Saltelli et al. 2010)
  ``S_g = mean(f(B) (f(AB_g) - f(A))) / V``,
* total (Jansen 1999) ``ST_g = mean((f(A) - f(AB_g))**2) / (2 V)``,

with ``V`` the variance of ``f`` over ``A`` and ``B``. They are computed
here with numpy, vectorised over every place at once (thousands of outputs);
SALib and :func:`scipy.stats.sobol_indices` analyse one output at a time and
own the sampling, while the uncertainty analysis needs the runs themselves.

Examples
--------
A linear function of independent uniforms has ``S_i = ST_i = a_i² / Σ a²``:

>>> rng = np.random.default_rng(0)
>>> a = np.array([3.0, 1.0, 0.0])
>>> A, B = saltelli_design(3, 4096, seed=1)
>>> f = lambda x: x @ a
>>> fab = np.stack([f(ab) for ab in radial_matrices(A, B, [[0], [1], [2]])])
>>> s1, st = sobol_indices(f(A), f(B), fab)
>>> np.round(st, 2).tolist(), np.round(s1, 2).tolist()
([0.9, 0.1, 0.0], [0.9, 0.1, 0.0])
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import qmc, rankdata

from veerkracht.analytics.model.spec import ModelSpec

#: Group names of the choices, with their Dutch label.
GROUP_LABELS = {"thresholds": "klassegrenzen", "normalisation": "normalisatie",
                "prior": "prior", "half_life": "halfwaardetijd meldingen"}

NORMALISATION_LABELS = {"model": "zoals in het modelbestand",
                        "reference": "vaste referentie (modelbestand)",
                        "robust_minmax": "robuust min-max van de periode",
                        "rank": "rang (aandeel woningen lager)"}


@dataclass(frozen=True)
class Factor:
    """One uncertain input: a column of the unit cube mapped to a choice.

    ``kind`` is ``uniform`` (``low`` .. ``high``), ``loguniform`` (idem on
    a log scale) or ``choice`` (one of ``choices``, equally likely).
    """

    name: str
    group: str
    label: str
    kind: str = "uniform"
    low: float = 0.0
    high: float = 1.0
    choices: tuple[str, ...] = ()

    def value(self, u: float):
        """The choice at quantile ``u`` in [0, 1).

        >>> Factor("t", "t", "t", low=-1, high=1).value(0.75)
        0.5
        >>> Factor("n", "n", "n", kind="choice", choices=("a", "b", "c")).value(0.5)
        'b'
        """
        u = float(min(max(u, 0.0), 1.0 - 1e-12))
        if self.kind == "choice":
            return self.choices[int(u * len(self.choices))]
        if self.kind == "loguniform":
            return float(math.exp(math.log(self.low)
                                  + u * (math.log(self.high) - math.log(self.low))))
        return float(self.low + u * (self.high - self.low))


def _half_life_indicators(spec: ModelSpec) -> list[str]:
    return [i.name for i in spec.indicators if "half_life_days" in i.params]


def uncertain_factors(spec: ModelSpec, weight_change: float = 0.5,
                      threshold_shift: float = 0.05,
                      half_life_days: tuple[float, float] = (90.0, 365.0),
                      prior_factor: float = 2.0,
                      skip: Sequence[str] = ()) -> list[Factor]:
    """The uncertain choices of ``spec`` (see the module docstring).

    ``skip``: indicators the data leave out (their weight cannot matter).
    """
    factors = [Factor(f"weight:{i.name}", f"weight:{i.name}", f"gewicht {i.name}",
                      low=1 - weight_change, high=1 + weight_change)
               for i in spec.indicators if i.name not in skip]
    factors.append(Factor("threshold_shift", "thresholds", GROUP_LABELS["thresholds"],
                          low=-threshold_shift, high=threshold_shift))
    own = "reference" if getattr(spec, "reference", None) is not None else "model"
    factors.append(Factor("normalisation", "normalisation",
                          GROUP_LABELS["normalisation"], kind="choice",
                          choices=(own, "robust_minmax", "rank")))
    factors.append(Factor("prior_strength", "prior", "priorsterkte (× ½ .. 2)",
                          kind="loguniform", low=1 / prior_factor, high=prior_factor))
    est = getattr(spec, "estimation", None)
    if est is not None and getattr(est, "covariates", False):
        factors.append(Factor("prior_covariates", "prior", "covariaten in de prior",
                              kind="choice", choices=("ja", "nee")))
    if any(n not in skip for n in _half_life_indicators(spec)):
        factors.append(Factor("half_life_days", "half_life", GROUP_LABELS["half_life"],
                              low=half_life_days[0], high=half_life_days[1]))
    return factors


def apply_choices(spec: ModelSpec, choices: dict) -> ModelSpec:
    """The model variant for one set of choices (``Factor.name -> value``).

    Examples
    --------
    >>> from veerkracht.io.model_file import load_model
    >>> spec = load_model()
    >>> first = spec.indicators[0]
    >>> v = apply_choices(spec, {"threshold_shift": 0.05, f"weight:{first.name}": 1.5})
    >>> round(v.classes[0].min - spec.classes[0].min, 3)
    0.05
    >>> v.indicators[0].weight == 1.5 * first.weight
    True
    >>> v.indicators[1:] == spec.indicators[1:]
    True
    """
    weights = {name.split(":", 1)[1]: value for name, value in choices.items()
               if name.startswith("weight:")}
    out = spec.with_weights({i.name: i.weight * weights[i.name]
                             for i in spec.indicators if i.name in weights})
    shift = choices.get("threshold_shift", 0.0)
    if shift:
        out = dataclasses.replace(out, classes=tuple(
            c if c.min is None else dataclasses.replace(c, min=c.min + shift)
            for c in out.classes))
    norm = choices.get("normalisation", "model")
    if norm in ("robust_minmax", "rank"):
        inds = tuple(dataclasses.replace(i, normalise=norm, bounds=None)
                     for i in out.indicators)
        out = dataclasses.replace(out, indicators=inds)
        if getattr(out, "reference", None) is not None:
            out = dataclasses.replace(out, reference=None)
    k = choices.get("prior_strength", 1.0)
    if k != 1.0:
        out = dataclasses.replace(out, kappa_min=out.kappa_min * k,
                                  kappa_max=out.kappa_max * k,
                                  mix_prior_strength=out.mix_prior_strength * k)
        est = getattr(out, "estimation", None)
        if est is not None and hasattr(est, "kappa_bounds"):
            lo, hi = est.kappa_bounds
            out = dataclasses.replace(out, estimation=dataclasses.replace(
                est, kappa_bounds=(lo * k, hi * k)))
    if choices.get("prior_covariates") == "nee":
        out = dataclasses.replace(out, estimation=dataclasses.replace(
            out.estimation, covariates=False))
    hl = choices.get("half_life_days")
    if hl is not None:
        inds = tuple(dataclasses.replace(i, params={**i.params, "half_life_days": hl})
                     if "half_life_days" in i.params else i for i in out.indicators)
        out = dataclasses.replace(out, indicators=inds)
    return out


# -- design and estimators -------------------------------------------------------
def saltelli_design(d: int, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Base matrices ``A`` and ``B`` (``n`` × ``d``) of a scrambled Sobol' sequence.

    ``n`` should be a power of two (the Sobol' balance properties).

    >>> A, B = saltelli_design(2, 8, seed=3)
    >>> A.shape, bool(((A >= 0) & (A < 1)).all())
    ((8, 2), True)
    """
    x = qmc.Sobol(d=2 * d, scramble=True, seed=seed).random(n)
    return x[:, :d], x[:, d:]


def radial_matrices(A: np.ndarray, B: np.ndarray, groups: Sequence[Sequence[int]]
                    ) -> list[np.ndarray]:
    """``AB_g``: ``A`` with the columns of each group ``g`` from ``B``."""
    out = []
    for cols in groups:
        ab = A.copy()
        ab[:, list(cols)] = B[:, list(cols)]
        out.append(ab)
    return out


def sobol_indices(fA: np.ndarray, fB: np.ndarray, fAB: np.ndarray,
                  min_var: float = 1e-12) -> tuple[np.ndarray, np.ndarray]:
    """First-order (Saltelli 2010) and total (Jansen 1999) indices.

    Parameters
    ----------
    fA, fB : array (n, ...)
        Outputs at the rows of ``A`` and ``B`` (any trailing output axes).
    fAB : array (G, n, ...)
        Outputs at the rows of ``AB_g``.

    Returns
    -------
    S1, ST : arrays (G, ...)
        NaN where the output does not vary (variance below ``min_var``).
    """
    var, s1, st = _partial_variances(fA, fB, fAB)
    ok = var > min_var
    safe = np.where(ok, var, 1.0)
    return np.where(ok, s1 / safe, np.nan), np.where(ok, st / safe, np.nan)


def _partial_variances(fA, fB, fAB):
    """``V``, ``V·S1`` and ``V·ST`` per output (outputs centred first, which
    leaves the estimators unbiased and lowers their variance)."""
    fA, fB, fAB = (np.asarray(x, dtype="float64") for x in (fA, fB, fAB))
    both = np.concatenate([fA, fB], axis=0)
    mu = np.mean(both, axis=0)
    var = np.var(both, axis=0)
    fA, fB, fAB = fA - mu, fB - mu, fAB - mu
    v1 = np.mean(fB[None] * (fAB - fA[None]), axis=1)
    vt = 0.5 * np.mean((fA[None] - fAB) ** 2, axis=1)
    return var, v1, vt


def generalised_indices(fA, fB, fAB, w) -> tuple[np.ndarray, np.ndarray]:
    """Indices of a vector output (Gamboa, Janon, Klein & Lagnoux 2014).

    ``S_g = sum_p w_p V_p S_gp / sum_p w_p V_p`` over the outputs ``p`` (the
    places of a level, weighted by dwellings ``w``): the share of the
    dwelling-weighted total variance of all places that a choice explains.
    Places whose balance barely moves weigh little, so the aggregate is not
    dominated by the noisy ratio of two tiny numbers.
    """
    fA, fB, fAB = (np.nan_to_num(np.asarray(x, dtype="float64")) for x in
                   (fA, fB, fAB))
    var, v1, vt = _partial_variances(fA, fB, fAB)
    tot = float(np.sum(w * var))
    if tot <= 1e-12:
        n = fAB.shape[0]
        return np.full(n, np.nan), np.full(n, np.nan)
    return (v1 * w[None]).sum(axis=1) / tot, (vt * w[None]).sum(axis=1) / tot


def _bootstrap(fA, fB, fAB, n_boot: int, rng, estimator=None
               ) -> tuple[np.ndarray, np.ndarray]:
    """2.5 / 97.5 % bootstrap bounds of S1 and ST (resampling the rows)."""
    estimator = estimator or sobol_indices
    n = len(fA)
    idx = rng.integers(0, n, size=(n_boot, n))
    s1, st = [], []
    for r in idx:
        a, b = estimator(fA[r], fB[r], fAB[:, r])
        s1.append(a)
        st.append(b)
    q = [2.5, 97.5]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # outputs that never vary
        return np.nanpercentile(np.array(s1), q, axis=0), np.nanpercentile(
            np.array(st), q, axis=0)


# -- the analysis ------------------------------------------------------------------
@dataclass
class SensitivityResult:
    """Outcome of :func:`global_sensitivity`.

    Attributes
    ----------
    places : DataFrame
        Per place: ``level``, ``place_id``, ``n_dwellings``, ``base_class``,
        ``class_stability`` (share of runs in the base class),
        ``modal_class`` and its share, ``rank_base``, ``rank_p05``,
        ``rank_p95`` (1 = lowest balance of the level), ``n_ranked``,
        ``balance_p05``, ``balance_p95``.
    levels : DataFrame
        Per level: places and dwellings, the share of places and of
        dwellings with class stability >= ``stable_at``, the same among the
        places not in the best class (``*_excl``), the median width of the
        rank range as a share of the places.
    indices : DataFrame
        Per level, output and group: ``S1``, ``ST`` and their 95 % bootstrap
        bounds. Outputs: ``balans`` (the generalised indices of the balances
        of all places of the level, weighted by dwellings:
        :func:`generalised_indices`), ``klasse`` (idem of the class as an
        ordinal, 0 = best; where the thresholds show) and
        ``aandeel_zwaar`` (the share of the level's dwellings in the worst
        classes).
    """

    places: pd.DataFrame
    levels: pd.DataFrame
    indices: pd.DataFrame
    factors: list[Factor]
    n_base: int
    n_runs: int
    seed: int
    best_class: str
    worst_classes: tuple[str, ...]
    period: str = ""
    statistics: str = ""
    seconds: float = float("nan")


def global_sensitivity(spec: ModelSpec, compute: Callable[[ModelSpec], pd.DataFrame],
                       n: int = 16, seed: int = 1,
                       factors: Sequence[Factor] | None = None,
                       levels: Sequence[str] | None = None,
                       stable_at: float = 0.8,
                       worst_classes: Sequence[str] | None = None,
                       n_boot: int = 200,
                       progress: Callable[..., None] | None = None
                       ) -> SensitivityResult:
    """Seeded Monte Carlo over all choices together, and the Sobol' indices.

    Parameters
    ----------
    spec : ModelSpec
        The model as given (its classes are the base classes).
    compute : callable
        ``compute(spec) -> DataFrame`` with ``level``, ``place_id``,
        ``balance``, ``balance_class``, ``n_dwellings``; called ``1 + n (G + 2)``
        times (once for the base model).
    n : int
        Base sample size (a power of two).
    seed : int
        Same seed, same runs, same figures.
    factors : sequence of Factor, optional
        Default :func:`uncertain_factors` of ``spec``.
    levels : sequence of str, optional
        Default every level in the base results.
    stable_at : float
        A place is *class-stable* when at least this share of runs gives it
        its base class.
    worst_classes : sequence of str, optional
        Classes of the city-wide output; default the two worst classes.
    progress : callable, optional
        ``progress(n, description=..., total=...)`` (as
        :func:`veerkracht.cli.common.progress`): the total first, then one
        step per run.
    """
    if n < 2:
        raise ValueError("n moet minstens 2 zijn")
    factors = list(factors if factors is not None else uncertain_factors(spec))
    group_names = list(dict.fromkeys(f.group for f in factors))
    groups = [[j for j, f in enumerate(factors) if f.group == g] for g in group_names]
    A, B = saltelli_design(len(factors), n, seed)
    design = np.concatenate([A, B, *radial_matrices(A, B, groups)], axis=0)

    n_runs = len(design)
    if progress is not None:
        progress(0, description="basismodel", total=n_runs + 1)
    base = compute(spec)
    if progress is not None:
        progress(1, description="basismodel")
    full_lv = base["level"].astype(str).to_numpy()
    full_id = base["place_id"].astype(str).to_numpy()
    sel = (np.isin(full_lv, list(levels)) if levels is not None
           else np.ones(len(base), dtype=bool))
    base = base.loc[sel].reset_index(drop=True)
    key = pd.MultiIndex.from_arrays([full_lv[sel], full_id[sel]])
    class_names = list(spec.class_names)
    code_of = {c: k for k, c in enumerate(class_names)}

    def codes(col: pd.Series) -> np.ndarray:
        return col.astype(object).map(code_of).fillna(-1).to_numpy(dtype="int16")

    base_code = codes(base["balance_class"])
    bal = np.full((n_runs, len(base)), np.nan, dtype="float64")
    cls = np.full((n_runs, len(base)), -1, dtype="int16")
    for r, row in enumerate(design):
        variant = apply_choices(spec, {f.name: f.value(u)
                                       for f, u in zip(factors, row, strict=True)})
        res = compute(variant)
        r_lv = res["level"].astype(str).to_numpy()
        r_id = res["place_id"].astype(str).to_numpy()
        if (len(res) == len(full_lv) and np.array_equal(r_lv, full_lv)
                and np.array_equal(r_id, full_id)):
            pos = np.flatnonzero(sel)            # the same places in the same order
        else:
            pos = pd.MultiIndex.from_arrays([r_lv, r_id]).get_indexer(key)
        hit = pos >= 0
        bal[r, hit] = res["balance"].to_numpy(dtype="float64")[pos[hit]]
        cls[r, hit] = codes(res["balance_class"])[pos[hit]]
        if progress is not None:
            progress(1, description=f"variant {r + 1}/{n_runs}")

    worst = tuple(worst_classes or class_names[-2:])
    best = class_names[0]
    lv_arr = base["level"].astype(str).to_numpy()
    dw = base["n_dwellings"].to_numpy(dtype="float64")
    place_rows, level_rows, index_rows = [], [], []
    rng = np.random.default_rng(seed)
    for lv in dict.fromkeys(lv_arr):
        m = lv_arr == lv
        b, c, bc, w = bal[:, m], cls[:, m], base_code[m], dw[m]
        valid = c >= 0
        n_valid = valid.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            stability = np.where(n_valid > 0, ((c == bc[None]) & valid).sum(axis=0)
                                 / np.maximum(n_valid, 1), np.nan)
        counts = np.stack([(c == k).sum(axis=0) for k in range(len(class_names))])
        modal = counts.argmax(axis=0)
        modal_share = counts.max(axis=0) / np.maximum(n_valid, 1)
        ranks = rankdata(b, axis=1, nan_policy="omit")
        base_rank = rankdata(base["balance"].to_numpy(dtype="float64")[m],
                             nan_policy="omit")
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)   # all-NaN places
            r05, r95 = np.nanpercentile(ranks, [5, 95], axis=0)
            b05, b95 = np.nanpercentile(b, [5, 95], axis=0)
        names = np.array([*class_names, None], dtype=object)
        place_rows.append(pd.DataFrame({
            "level": lv, "place_id": base["place_id"].astype(str).to_numpy()[m],
            "n_dwellings": w.astype("int64"),
            "base_class": names[bc], "class_stability": stability,
            "modal_class": np.where(n_valid > 0, names[modal], None),
            "modal_share": np.where(n_valid > 0, modal_share, np.nan),
            "rank_base": base_rank, "rank_p05": r05, "rank_p95": r95,
            "n_ranked": int(np.isfinite(base_rank).sum()),
            "balance_p05": b05, "balance_p95": b95}))
        has = np.isfinite(stability) & (bc >= 0)
        stable = has & (stability >= stable_at)
        excl = has & (bc != code_of[best])
        n_rank = max(int(np.isfinite(base_rank).sum()), 1)
        level_rows.append({
            "level": lv, "n_places": int(has.sum()), "n_dwellings": int(w[has].sum()),
            "stable_places": _share(stable, has), "stable_dwellings":
                _share(stable, has, w),
            "n_places_excl": int(excl.sum()), "n_dwellings_excl": int(w[excl].sum()),
            "stable_places_excl": _share(stable, excl),
            "stable_dwellings_excl": _share(stable, excl, w),
            "mean_stability": _wmean(stability, has, w),
            "rank_range_median": float(np.median((r95 - r05)[has]) / n_rank)
            if has.any() else np.nan,
        })
        # variance-based indices per place (of the balance, and of the class
        # as an ordinal 0 = best), then their dwelling-weighted mean
        for output, f in (("balans", b), ("klasse", np.where(valid, c, np.nan))):
            keep = np.isfinite(f).all(axis=0)   # places with a value in every run
            f = f[:, keep]
            fA, fB = f[:n], f[n:2 * n]
            fAB = f[2 * n:].reshape(len(groups), n, -1)
            s1, st = generalised_indices(fA, fB, fAB, w[keep])
            (s1lo, s1hi), (stlo, sthi) = _bootstrap(
                fA, fB, fAB, max(n_boot // 4, 10), rng,
                lambda a, b_, ab, ww=w[keep]: generalised_indices(a, b_, ab, ww))
            for g, name in enumerate(group_names):
                index_rows.append({"level": lv, "output": output, "group": name,
                                   "S1": s1[g], "ST": st[g], "S1_lo": s1lo[g],
                                   "S1_hi": s1hi[g], "ST_lo": stlo[g],
                                   "ST_hi": sthi[g]})
        # the share of the level's dwellings in the worst classes
        heavy = np.isin(c, [code_of[k] for k in worst if k in code_of])
        tot = (valid * w[None]).sum(axis=1)
        y = (heavy * w[None]).sum(axis=1) / np.maximum(tot, 1e-12)
        yA, yB, yAB = y[:n], y[n:2 * n], y[2 * n:].reshape(len(groups), n)
        s1y, sty = sobol_indices(yA, yB, yAB)
        (s1lo, s1hi), (stlo, sthi) = _bootstrap(yA, yB, yAB, n_boot, rng)
        for g, name in enumerate(group_names):
            index_rows.append({"level": lv, "output": "aandeel_zwaar", "group": name,
                               "S1": s1y[g], "ST": sty[g], "S1_lo": s1lo[g],
                               "S1_hi": s1hi[g], "ST_lo": stlo[g], "ST_hi": sthi[g],
                               "mean": float(np.mean(y)),
                               "p05": float(np.percentile(y, 5)),
                               "p95": float(np.percentile(y, 95))})
    return SensitivityResult(
        places=pd.concat(place_rows, ignore_index=True),
        levels=pd.DataFrame(level_rows), indices=pd.DataFrame(index_rows),
        factors=factors, n_base=n, n_runs=n_runs + 1, seed=seed, best_class=best,
        worst_classes=worst)


def _share(mask: np.ndarray, among: np.ndarray, w: np.ndarray | None = None) -> float:
    if not among.any():
        return float("nan")
    w = np.ones(len(mask)) if w is None else w
    tot = w[among].sum()
    return float((w[mask & among]).sum() / tot) if tot > 0 else float("nan")


def _wmean(x: np.ndarray, among: np.ndarray, w: np.ndarray) -> float:
    among = among & np.isfinite(x)
    tot = w[among].sum()
    return float(np.sum(x[among] * w[among]) / tot) if tot > 0 else float("nan")
