"""Balance classes with their uncertainty.

The balance ``b = resilience - pressure`` has a posterior standard deviation
``sd`` (docs/method.md). Each place gets

* ``balance_class`` — the class of the point estimate;
* ``class_lo`` / ``class_hi`` — the classes of the interval's lower and
  upper bound (the worst and best class the data allow);
* ``class_band`` — the band shown where numbers are not ("onder druk –
  overbelast", or one class name when both bounds agree);
* ``p_<class>`` — the probability of each class under a normal posterior.

Examples
--------
>>> from veerkracht.io.model_file import load_model
>>> spec = load_model()
>>> out = classify_balance(spec, np.array([-0.2]), np.array([0.05]), 0.9)
>>> out["balance_class"].tolist(), out["class_band"].tolist()
(['onder druk'], ['onder druk – overbelast'])
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from veerkracht.analytics.model.spec import ModelSpec


def class_slug(name: str) -> str:
    """Column-safe name of a class: ``'kraan open'`` -> ``'kraan_open'``."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def z_of(interval: float) -> float:
    """The normal quantile of a central interval (1.645 for 0.90)."""
    return float(ndtri(0.5 + interval / 2))


def classify_balance(spec: ModelSpec, balance: np.ndarray, sd: np.ndarray,
                     interval: float) -> pd.DataFrame:
    """Class, interval classes, band and class probabilities per place."""
    b = np.asarray(balance, dtype="float64")
    sd = np.asarray(sd, dtype="float64")
    z = z_of(interval)
    lo, hi = np.clip(b - z * sd, -1, 1), np.clip(b + z * sd, -1, 1)
    names = np.array([*spec.class_names, None], dtype=object)
    c_mid, c_lo, c_hi = spec.classify(b), spec.classify(lo), spec.classify(hi)
    out = pd.DataFrame({
        "balance_class": pd.array(names[c_mid], dtype="str"),
        "class_lo": pd.array(names[c_lo], dtype="str"),
        "class_hi": pd.array(names[c_hi], dtype="str"),
    })
    band = np.where(c_lo == c_hi, names[c_mid],
                    np.char.add(np.char.add(names[c_hi].astype(str), " – "),
                                names[c_lo].astype(str)))
    out["class_band"] = pd.array(np.where(c_mid < 0, None, band), dtype="str")
    edges = spec.class_edges()  # lower bounds, best first; last -inf
    uppers = np.r_[np.inf, edges[:-1]]
    safe_sd = np.where(sd > 0, sd, 1e-12)
    for name, low, up in zip(spec.class_names, edges, uppers, strict=True):
        p = ndtr((up - b) / safe_sd) - ndtr((low - b) / safe_sd)
        out[f"p_{class_slug(name)}"] = np.where(np.isnan(b), np.nan, p)
    return out
