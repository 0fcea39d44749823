"""Sensitivity of the balance classes to the model's weights.

For every indicator three variants of the model are compared with the model
as given: its weight 25 % higher, 25 % lower, and the indicator left out.
For each variant and level we report

* **class stability** — the share of places that keep their balance class;
* **Spearman's rank correlation** between the balances of the two models.

Scores are computed once; only the weighted sums change, so the analysis
costs a fraction of a model run.

Examples
--------
>>> import numpy as np
>>> stability_and_rank(np.array([0.2, -0.3, 0.0, 0.5]),
...                    np.array([0.25, -0.2, 0.01, 0.4]),
...                    np.array([0, 2, 1, 0]), np.array([0, 2, 1, 0]))
(1.0, 1.0)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from veerkracht.analytics.model.compute import IndicatorValues, _composite
from veerkracht.analytics.model.spec import ModelSpec


def _balance(spec: ModelSpec, values: IndicatorValues, level: str
             ) -> tuple[np.ndarray, np.ndarray]:
    lvv = values.levels[level]
    p, _ = _composite(spec, lvv, "pressure")
    r, _ = _composite(spec, lvv, "resilience")
    b = r - p
    return b, spec.classify(b)


def stability_and_rank(base: np.ndarray, alt: np.ndarray, base_class: np.ndarray,
                       alt_class: np.ndarray) -> tuple[float, float]:
    """Share of places keeping their class, and Spearman's rho of the balances."""
    ok = ~np.isnan(base) & ~np.isnan(alt)
    if ok.sum() == 0:
        return float("nan"), float("nan")
    stable = float(np.mean(base_class[ok] == alt_class[ok]))
    if ok.sum() < 3 or np.ptp(base[ok]) == 0 or np.ptp(alt[ok]) == 0:
        return stable, float("nan")
    return stable, float(spearmanr(base[ok], alt[ok]).statistic)


def sensitivity(spec: ModelSpec, values: IndicatorValues, change: float = 0.25,
                levels: Sequence[str] | None = None) -> pd.DataFrame:
    """Class stability and rank correlation under perturbed and dropped weights.

    Parameters
    ----------
    spec : ModelSpec
    values : IndicatorValues
        Scored indicator values (after
        :func:`~veerkracht.analytics.model.compute.score_indicators`).
    change : float
        Relative weight change (0.25 = ±25 %).
    levels : sequence of str, optional
        Default every level present.

    Returns
    -------
    DataFrame
        ``indicator``, ``variant`` (``+25%``, ``-25%``, ``weggelaten``),
        ``level``, ``n_places``, ``class_stability``, ``spearman``.
    """
    levels = [lv for lv in (levels or values.levels) if lv in values.levels]
    base = {lv: _balance(spec, values, lv) for lv in levels}
    pct = f"{round(change * 100):d}%"
    rows = []
    for ind in spec.indicators:
        if ind.name in values.skipped:
            continue
        variants = [
            (f"+{pct}", spec.with_weights({ind.name: ind.weight * (1 + change)})),
            (f"-{pct}", spec.with_weights({ind.name: ind.weight * (1 - change)})),
        ]
        if len(spec.group(ind.group)) > 1:
            variants.append(("weggelaten", spec.without(ind.name)))
        for label, alt_spec in variants:
            for lv in levels:
                b0, c0 = base[lv]
                b1, c1 = _balance(alt_spec, values, lv)
                stable, rho = stability_and_rank(b0, b1, c0, c1)
                rows.append({"indicator": ind.name, "variant": label, "level": lv,
                             "n_places": int((~np.isnan(b0)).sum()),
                             "class_stability": stable, "spearman": rho})
    return pd.DataFrame(rows)
