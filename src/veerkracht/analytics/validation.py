"""External validation: the area-level model against outcomes it never used.

The household model (``veerkracht.analytics.model``) needs confidential
household data. To check that it measures something real, we compute its
*area-level version* from public CBS figures per buurt and wijk — each model
indicator replaced by the CBS figure closest to it (its *proxy*) — and test
the association with outcomes the model did not use: the Leefbaarometer
dimension scores and police-registered crime per 1,000 inhabitants.

Nothing here is tuned on the outcomes: the proxies, their weights and their
expected directions are fixed in the model file (``[validation]``) before any
outcome is read, and the report shows every association, also the ones that go
against expectation.

The method, step by step:

1. For each dataset (one gemeente, one level, one year), every proxy is turned
   into a value per area (a share, a count per inhabitant, or a figure as is).
2. Each proxy is scaled to 0..1 against the areas of the same dataset (5th
   percentile to 0, 95th to 1, clipped: the model's ``robust_minmax``), and
   flipped where a lower value means more pressure (or more resilience).
   Where a file lacks a proxy's first column, the next source is used
   (e.g. income per inhabitant, reversed, where the low-income share is
   missing).
3. Pressure and resilience are the weighted means of the available scaled
   proxies (weights renormalised over the proxies present in that dataset);
   balance is resilience minus pressure.
4. Each score is compared with each outcome by Spearman's rank correlation,
   with a percentile bootstrap interval (seeded) and the analytic p-value.
5. Partial associations: the same rank correlation after controlling for the
   fixed controls (address density and single-family share): both the score
   and the outcome are ranked, the ranks are regressed (OLS with intercept) on
   the ranks of the controls, and the residuals are correlated (partial
   Spearman). The bootstrap redraws areas and repeats every step.
6. Added value: for each dataset and outcome the single public figure (each
   proxy on its own, and each control) with the strongest rank correlation is
   named, and the composite's partial rank correlation *given that figure* is
   reported — if it is near zero, the composite says nothing the best single
   CBS figure does not already say.
7. Disagreements: areas whose pressure quintile and outcome quintile (oriented
   so that both mean "worse") differ by three or more.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "Association",
    "Control",
    "Proxy",
    "Source",
    "ValidationReport",
    "area_scores",
    "associate",
    "best_single",
    "control_values",
    "disagreements",
    "parse_controls",
    "parse_proxies",
    "partial_spearman",
]


@dataclass(frozen=True)
class Source:
    """One way to read a proxy from CBS columns.

    The value is ``numerator / denominator`` when a denominator is given, else
    the numerator column as is; ``direction`` ``"-"`` means a higher value
    stands for less of the indicator (e.g. income per inhabitant for poverty).
    """

    numerator: str
    denominator: str | None = None
    direction: str = "+"


@dataclass(frozen=True)
class Proxy:
    """One public stand-in for a model indicator.

    Parameters
    ----------
    name
        The model indicator it stands in for (e.g. ``need_income``).
    side
        ``"pressure"`` or ``"resilience"``.
    weight
        Its weight in the area-level score.
    sources
        Ways to read it, tried in order: the first whose columns hold data in
        the dataset is used (CBS layouts differ between files and years).
    """

    name: str
    side: str
    weight: float
    sources: tuple[Source, ...]

    def value(self, frame: pd.DataFrame) -> tuple[pd.Series, Source] | None:
        """The proxy per row of ``frame`` and the source used, or None."""
        return _first_source(frame, self.sources)


def _first_source(
    frame: pd.DataFrame, sources: Sequence[Source]
) -> tuple[pd.Series, Source] | None:
    for src in sources:
        if src.numerator not in frame or frame[src.numerator].notna().sum() == 0:
            continue
        values = frame[src.numerator].astype("float64")
        if src.denominator:
            if src.denominator not in frame:
                continue
            d = frame[src.denominator].astype("float64")
            values = values / d.where(d > 0)
        if values.notna().sum() == 0:
            continue
        return values, src
    return None


@dataclass(frozen=True)
class Control:
    """A figure held constant in the partial associations (e.g. address density).

    Read like a proxy (first source with data); ``direction`` ``"-"`` turns
    the figure around (``100 - p_mgezw`` ranks like ``p_1gezw``).
    """

    name: str
    sources: tuple[Source, ...]

    def value(self, frame: pd.DataFrame) -> tuple[pd.Series, Source] | None:
        """The control per row of ``frame`` and the source used, or None."""
        found = _first_source(frame, self.sources)
        if found is None:
            return None
        values, src = found
        return (-values if src.direction == "-" else values), src


def parse_controls(table: Mapping[str, Sequence[Mapping]]) -> list[Control]:
    """Controls from ``{name: [source, ...]}`` (the shape of a proxy's sources).

    Examples
    --------
    >>> c = parse_controls({"single_family": [{"numerator": "p_1gezw"},
    ...     {"numerator": "p_mgezw", "direction": "-"}]})
    >>> c[0].name, [s.numerator for s in c[0].sources]
    ('single_family', ['p_1gezw', 'p_mgezw'])
    """
    out = []
    for name, raw_sources in table.items():
        sources = []
        for raw in raw_sources:
            direction = raw.get("direction", "+")
            if direction not in ("+", "-") or not raw.get("numerator"):
                raise ValueError(
                    f"validation.controls.{name}: elke bron heeft een numerator "
                    "en een richting '+' of '-'"
                )
            sources.append(Source(raw["numerator"], raw.get("denominator"), direction))
        if not sources:
            raise ValueError(f"validation.controls.{name}: geen sources")
        out.append(Control(name, tuple(sources)))
    return out


def control_values(
    areas: pd.DataFrame, controls: Sequence[Control]
) -> tuple[pd.DataFrame, list[str]]:
    """The controls present in ``areas`` (one column each) and their labels."""
    frame = pd.DataFrame(index=areas.index)
    labels = []
    for control in controls:
        found = control.value(areas)
        if found is None:
            continue
        values, src = found
        frame[control.name] = values
        labels.append(
            f"{control.name}={'-' if src.direction == '-' else ''}{src.numerator}"
        )
    return frame.reset_index(drop=True), labels


def parse_proxies(table: Mapping[str, Mapping]) -> list[Proxy]:
    """Read the ``[validation.proxies]`` table of the model file.

    Examples
    --------
    >>> p = parse_proxies({"need_income": {"side": "pressure", "weight": 1,
    ...     "sources": [{"numerator": "p_hh_li"},
    ...                 {"numerator": "g_ink_pi", "direction": "-"}]}})
    >>> p[0].name, p[0].weight, [s.direction for s in p[0].sources]
    ('need_income', 1.0, ['+', '-'])
    """
    proxies = []
    for name, spec in table.items():
        where = f"validation.proxies.{name}"
        side = spec.get("side")
        if side not in ("pressure", "resilience"):
            raise ValueError(f"{where}: side moet pressure of resilience zijn")
        weight = spec.get("weight")
        if (
            isinstance(weight, bool)
            or not isinstance(weight, (int, float))
            or weight <= 0
        ):
            raise ValueError(f"{where}: weight moet een positief getal zijn")
        sources = []
        for raw in spec.get("sources", []):
            direction = raw.get("direction", "+")
            if direction not in ("+", "-"):
                raise ValueError(f"{where}: direction moet '+' of '-' zijn")
            if not raw.get("numerator"):
                raise ValueError(f"{where}: elke bron heeft een numerator nodig")
            sources.append(Source(raw["numerator"], raw.get("denominator"), direction))
        if not sources:
            raise ValueError(f"{where}: geen sources")
        proxies.append(Proxy(name, side, float(weight), tuple(sources)))
    return proxies


def _scale(values: pd.Series) -> pd.Series:
    lo, hi = np.nanpercentile(values, [5, 95])
    if not np.isfinite(lo) or hi <= lo:
        return pd.Series(np.where(values.notna(), 0.5, np.nan), index=values.index)
    return ((values - lo) / (hi - lo)).clip(0, 1)


def area_scores(areas: pd.DataFrame, proxies: Sequence[Proxy]) -> pd.DataFrame:
    """Pressure, resilience and balance per area from public proxies.

    Parameters
    ----------
    areas
        Rows of the ``kerncijfers`` table of ONE dataset (one gemeente, level
        and year): areas are scaled against each other.
    proxies
        From :func:`parse_proxies`.

    Returns
    -------
    DataFrame
        ``regiocode``, one scaled column per proxy present (``proxy_NAME``),
        ``pressure``, ``resilience``, ``balance`` and ``proxies_used``.

    Examples
    --------
    >>> df = pd.DataFrame({"regiocode": ["BU1", "BU2", "BU3"],
    ...                    "p_hh_li": [5.0, 10.0, 20.0]})
    >>> p = [Proxy("need_income", "pressure", 1.0, (Source("p_hh_li"),))]
    >>> area_scores(df, p)["pressure"].round(2).tolist()
    [0.0, 0.33, 1.0]
    """
    out = pd.DataFrame({"regiocode": areas["regiocode"].to_numpy()}, index=areas.index)
    used: dict[str, list[str]] = {"pressure": [], "resilience": []}
    sums = {s: pd.Series(0.0, index=areas.index) for s in used}
    weights = {s: pd.Series(0.0, index=areas.index) for s in used}
    for proxy in proxies:
        found = proxy.value(areas)
        if found is None:
            continue
        raw, src = found
        scaled = _scale(raw)
        if src.direction == "-":
            scaled = 1 - scaled
        out[f"proxy_{proxy.name}"] = scaled
        present = scaled.notna()
        sums[proxy.side] += scaled.fillna(0) * proxy.weight
        weights[proxy.side] += present * proxy.weight
        label = src.numerator + (f"/{src.denominator}" if src.denominator else "")
        used[proxy.side].append(
            f"{proxy.name}={'-' if src.direction == '-' else ''}{label}"
        )
    for side in used:
        out[side] = sums[side] / weights[side].where(weights[side] > 0)
    out["balance"] = out["resilience"] - out["pressure"]
    out["proxies_used"] = ", ".join(used["pressure"] + used["resilience"])
    return out.reset_index(drop=True)


@dataclass(frozen=True)
class Association:
    """Spearman's rank correlation of one score with one outcome.

    ``given`` names what was held constant (partial rank correlation): empty
    for the plain correlation, else the controls or the single proxy the
    ranks were residualised on. ``expected`` is ``"+"`` or ``"-"``, or ``"?"``
    where no direction was fixed beforehand (then there is no verdict).
    """

    dataset: str
    score: str
    outcome: str
    expected: str
    n: int
    rho: float
    lo: float
    hi: float
    p_value: float
    given: str = ""

    @property
    def agrees(self) -> bool | None:
        """True when the interval lies wholly on the expected side of zero,
        False when wholly on the other side, None when it straddles zero."""
        if self.n < 5 or not np.isfinite(self.rho) or self.expected not in "+-":
            return None
        if not (np.isfinite(self.lo) and np.isfinite(self.hi)):
            return None
        above, below = self.lo > 0, self.hi < 0
        if not (above or below):
            return None
        return above if self.expected == "+" else below


def _residuals(r: np.ndarray, z: np.ndarray | None) -> np.ndarray:
    """Residuals of ``r`` (..., n) after OLS on an intercept and ``z`` (..., n, k)."""
    rc = r - r.mean(axis=-1, keepdims=True)
    if z is None or z.shape[-1] == 0:
        return rc
    # centred normal equations: k x k per resample (k is 1 or 2), pseudo-inverse
    # so that a control that is constant in a resample drops out
    zc = z - z.mean(axis=-2, keepdims=True)
    gram = np.swapaxes(zc, -1, -2) @ zc
    beta = np.linalg.pinv(gram) @ (np.swapaxes(zc, -1, -2) @ rc[..., None])
    return rc - (zc @ beta)[..., 0]


def _corr_of_residuals(
    x: np.ndarray, y: np.ndarray, z: np.ndarray | None
) -> np.ndarray:
    """Partial rank correlation along the last axis (x, y: (..., n); z: (..., n, k))."""
    rx = stats.rankdata(x, axis=-1)
    ry = stats.rankdata(y, axis=-1)
    rz = None if z is None else stats.rankdata(z, axis=-2)
    ex, ey = _residuals(rx, rz), _residuals(ry, rz)
    sxx, syy = (ex**2).sum(axis=-1), (ey**2).sum(axis=-1)
    # a score fully explained by the controls has no residual rank to correlate
    n = x.shape[-1]
    tiny = 1e-9 * n**3
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (ex * ey).sum(axis=-1) / np.sqrt(sxx * syy)
    return np.where((sxx > tiny) & (syy > tiny), r, np.nan)


def partial_spearman(x, y, controls=None) -> float:
    """Spearman's rho of ``x`` and ``y`` with ``controls`` held constant.

    All variables are ranked; the ranks of ``x`` and ``y`` are regressed (OLS
    with intercept) on the ranks of the controls and the residuals are
    correlated. Without controls this is Spearman's rho.

    Parameters
    ----------
    x, y : array-like, shape (n,)
    controls : array-like, shape (n,) or (n, k), optional

    Examples
    --------
    >>> x = np.array([1.0, 2, 3, 4, 5, 6]); z = np.array([1.0, 1, 2, 2, 3, 3])
    >>> round(partial_spearman(x, x**3), 6)
    1.0
    >>> y = np.array([2.0, 1, 4, 3, 6, 5])   # within pairs of z, y runs against x
    >>> round(partial_spearman(x, y), 3), round(partial_spearman(x, y, z), 3)
    (0.829, -1.0)
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    z = None
    if controls is not None:
        z = np.asarray(controls, dtype=float)
        z = z[:, None] if z.ndim == 1 else z
    return float(_corr_of_residuals(x, y, z))


def associate(
    dataset: str,
    score_name: str,
    score: pd.Series,
    outcome_name: str,
    outcome: pd.Series,
    expected: str,
    *,
    controls: pd.DataFrame | None = None,
    given: str = "",
    n_boot: int = 2000,
    level: float = 0.95,
    seed: int = 12345,
) -> Association:
    """Spearman's rho (partial when ``controls`` are given) with a bootstrap interval.

    The interval is the percentile interval of ``n_boot`` resamples of the
    areas (seeded); in every resample the ranks and the residuals are
    recomputed. The p-value is the analytic one (t with ``n - 2 - k`` degrees
    of freedom for ``k`` controls).

    Examples
    --------
    >>> x = pd.Series(np.arange(20.0)); y = x ** 2
    >>> a = associate("d", "pressure", x, "lbm", y, "+", n_boot=200)
    >>> round(a.rho, 6), a.agrees
    (1.0, True)
    """
    mask = score.notna().to_numpy() & outcome.notna().to_numpy()
    z = None
    if controls is not None and controls.shape[1]:
        z = controls.to_numpy(dtype=float)
        mask &= np.isfinite(z).all(axis=1)
        z = z[mask]
    x = score.to_numpy(dtype=float)[mask]
    y = outcome.to_numpy(dtype=float)[mask]
    n = int(mask.sum())
    k = 0 if z is None else z.shape[1]
    if n < 5 + k:
        return Association(dataset, score_name, outcome_name, expected, n,
                           np.nan, np.nan, np.nan, np.nan, given)
    rho = float(_corr_of_residuals(x, y, z))
    if np.isfinite(rho):
        df = n - 2 - k
        with np.errstate(divide="ignore", invalid="ignore"):
            t = rho * np.sqrt(df / max(1.0 - rho**2, 1e-300))
        p_value = float(2 * stats.t.sf(abs(t), df))
    else:
        p_value = np.nan
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(n_boot, n))
    boots = _corr_of_residuals(x[idx], y[idx], None if z is None else z[idx])
    boots = boots[np.isfinite(boots)]
    alpha = (1 - level) / 2
    if len(boots) and np.isfinite(rho):
        lo, hi = np.quantile(boots, [alpha, 1 - alpha])
    else:
        lo, hi = np.nan, np.nan
    return Association(dataset, score_name, outcome_name, expected, n, rho,
                       float(lo), float(hi), p_value, given)


def best_single(
    candidates: pd.DataFrame, outcome: pd.Series, *, min_n: int = 5
) -> tuple[str, float] | None:
    """The single figure with the strongest rank correlation with ``outcome``.

    Parameters
    ----------
    candidates
        One column per figure (each proxy on its own, each control), rows
        aligned with ``outcome``.
    outcome
        The outcome per area.

    Returns
    -------
    (name, rho) or None
        The column with the largest ``|rho|`` (ties: the first column), with
        its signed rho; None when no column has ``min_n`` complete pairs.

    Examples
    --------
    >>> c = pd.DataFrame({"a": [1.0, 2, 3, 4, 5], "b": [5.0, 4, 3, 1, 2]})
    >>> name, rho = best_single(c, pd.Series([5.0, 4, 3, 2, 1]))
    >>> name, round(rho, 6)
    ('a', -1.0)
    """
    best: tuple[str, float] | None = None
    y = outcome.to_numpy(dtype=float)
    for name in candidates.columns:
        x = candidates[name].to_numpy(dtype=float)
        ok = np.isfinite(x) & np.isfinite(y)
        if ok.sum() < min_n or np.ptp(x[ok]) == 0 or np.ptp(y[ok]) == 0:
            continue
        rho = float(stats.spearmanr(x[ok], y[ok]).statistic)
        if np.isfinite(rho) and (best is None or abs(rho) > abs(best[1])):
            best = (name, rho)
    return best


def disagreements(
    scores: pd.DataFrame,
    outcome: pd.Series,
    worse_is: str,
    *,
    names: pd.Series | None = None,
) -> pd.DataFrame:
    """Areas where pressure and outcome quintiles differ by three or more.

    ``worse_is`` says which end of the outcome is bad: ``"high"`` (crime) or
    ``"low"`` (Leefbaarometer scores).
    """
    frame = pd.DataFrame(
        {
            "regiocode": scores["regiocode"],
            "pressure": scores["pressure"],
            "outcome": outcome.to_numpy(),
        }
    )
    if names is not None:
        frame["regionaam"] = names.to_numpy()
    frame = frame.dropna(subset=["pressure", "outcome"])
    if len(frame) < 10:
        return frame.iloc[0:0]
    bad = frame["outcome"] if worse_is == "high" else -frame["outcome"]
    frame["q_pressure"] = (
        pd.qcut(frame["pressure"].rank(method="first"), 5, labels=False) + 1
    )
    frame["q_outcome"] = pd.qcut(bad.rank(method="first"), 5, labels=False) + 1
    frame["gap"] = frame["q_pressure"] - frame["q_outcome"]
    return frame[frame["gap"].abs() >= 3].sort_values("gap").reset_index(drop=True)


@dataclass(frozen=True)
class ValidationReport:
    """Every association and disagreement, per dataset."""

    associations: tuple[Association, ...]
    disagreements: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    datasets: Mapping[str, dict] = field(default_factory=dict)

    def table(self) -> pd.DataFrame:
        """The associations as one frame."""
        rows = [
            {
                "dataset": a.dataset,
                "score": a.score,
                "outcome": a.outcome,
                "expected": a.expected,
                "n": a.n,
                "rho": a.rho,
                "lo": a.lo,
                "hi": a.hi,
                "p_value": a.p_value,
                "given": a.given,
                "agrees": a.agrees,
            }
            for a in self.associations
        ]
        return pd.DataFrame(rows)
