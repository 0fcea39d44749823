"""Synthetic households (and signals) for real, imported dwellings.

For a municipality that has imported BAG addresses but (not yet) any
confidential household data, this layer fills the dwellings with households
that *look like* the buurt they are in, so the whole chain — model,
disclosure, maps — can be tried on the real street pattern. Every row is
marked ``synthetic=True``; nothing here describes a real person.

Calibration (per buurt, else per gemeente, else national defaults) on the CBS
kerncijfers when they were imported:

=================  ============================  ==========================
figure             kwb variable                  used for
=================  ============================  ==========================
occupancy          ``a_hh / a_woning``           share of occupied dwellings
one-person share   ``a_1p_hh / a_hh``            household type ``single``
low income         ``p_hh_li`` (%)               ``need_income``
corporation share  ``p_wcorpw`` (%)              care, outflow, urgency
                                                 (allocation routes run
                                                 through social housing)
elderly            ``a_65_oo / a_inw``           ``need_frail_elderly``
=================  ============================  ==========================

Needs cluster by stairwell (a random effect per entrance on the logit
scale), the way DESIGN.md section 1 describes, so the model's shrinkage has
something to find.

Examples
--------
>>> import pandas as pd
>>> dw = pd.DataFrame({"address_id": [f"A{i}" for i in range(200)],
...                    "entrance_id": [f"E{i // 8}" for i in range(200)],
...                    "buurtcode": "BU00000001", "gemeentecode": "GM0001"})
>>> hh, sig = households_for_dwellings(dw, seed=1, with_signals=True)
>>> bool(hh["synthetic"].all()), hh["address_id"].isin(dw["address_id"]).all()
(True, np.True_)
>>> len(sig) > 0
True
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

TYPES = ("single", "couple", "family", "single_parent", "other")
NEEDS = ("need_care", "need_income", "need_outflow", "need_frail_elderly", "urgency")
DEFAULTS = {"occupancy": 0.96, "single": 0.38, "low_income": 0.08,
            "corporation": 0.29, "elderly": 0.20}
CATEGORIES = ("noise", "neighbour_conflict", "unsafety", "neglect", "care_worry",
              "indifference")
SOURCES = ("resident", "corporation", "welfare", "area_broker", "police")


def _logit(p):
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def _expit(x):
    return 1 / (1 + np.exp(-x))


def calibration(kerncijfers: pd.DataFrame | None, buurt: pd.Series,
                gemeente: pd.Series) -> pd.DataFrame:
    """Per-dwelling calibration figures from the latest kerncijfers year.

    A figure missing for a buurt (CBS secret or absent) falls back to the
    gemeente, then to the national default in :data:`DEFAULTS`.
    """
    n = len(buurt)
    out = pd.DataFrame({k: np.full(n, np.nan) for k in DEFAULTS})
    if kerncijfers is not None and len(kerncijfers):
        k = kerncijfers.sort_values("jaar").drop_duplicates("regiocode", keep="last")
        k = k.set_index("regiocode")

        def col(name):
            return (k[name].astype("float64") if name in k.columns
                    else pd.Series(np.nan, index=k.index))

        with np.errstate(invalid="ignore", divide="ignore"):
            figs = pd.DataFrame({
                "occupancy": (col("a_hh") / col("a_woning")).clip(0.6, 1.0),
                "single": (col("a_1p_hh") / col("a_hh")).clip(0.05, 0.9),
                "low_income": (col("p_hh_li") / 100).clip(0.0, 0.6),
                "corporation": (col("p_wcorpw") / 100).clip(0.0, 1.0),
                "elderly": (col("a_65_oo") / col("a_inw")).clip(0.0, 0.6),
            })
        for codes in (buurt, gemeente):
            vals = figs.reindex(codes.astype("str").to_numpy()).to_numpy()
            fill = out.isna().to_numpy()
            out = out.mask(fill, pd.DataFrame(vals, columns=out.columns))
    for name, default in DEFAULTS.items():
        out[name] = out[name].fillna(default)
    return out


def households_for_dwellings(
    dwellings: pd.DataFrame,
    kerncijfers: pd.DataFrame | None = None,
    seed: int = 1,
    reference_date: date | None = None,
    years: int = 3,
    with_signals: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Generate households (the ``households`` contract) and optionally signals.

    Parameters
    ----------
    dwellings : DataFrame
        ``address_id``, ``entrance_id`` (NA: the dwelling is its own entrance),
        ``buurtcode``, ``gemeentecode``.
    kerncijfers : DataFrame, optional
        The imported ``kerncijfers`` table, for calibration.
    seed : int
        Same seed and dwellings, same households.
    reference_date : date, optional
        "Now" of the history (default 1 January of the current year).
    years : int
        Households that left within this many years are kept (turnover),
        and signals are spread over these years.
    with_signals : bool
        Also generate signals (``signals`` contract without geometry; they
        lie on addresses).

    Returns
    -------
    households, signals
        Frames with ``synthetic=True``; signals is None unless asked for.
    """
    rng = np.random.default_rng(seed)
    ref = pd.Timestamp(reference_date or date(date.today().year, 1, 1))
    n = len(dwellings)
    cal = calibration(kerncijfers, dwellings.get("buurtcode", pd.Series([pd.NA] * n)),
                      dwellings.get("gemeentecode", pd.Series([pd.NA] * n)))
    ent = dwellings.get("entrance_id", pd.Series([pd.NA] * n)).astype("str")
    ent = ent.fillna(dwellings["address_id"].astype("str"))
    ent_code, ent_uniques = pd.factorize(ent)
    u = rng.normal(0.0, 1.2, len(ent_uniques))[ent_code]   # stairwell effect
    occupied = rng.random(n) < cal["occupancy"].to_numpy()

    # up to three successive households per dwelling, newest first
    gens = 3
    idx = np.repeat(np.arange(n), gens)
    gen = np.tile(np.arange(gens), n)
    c = cal.iloc[idx].reset_index(drop=True)
    m = len(idx)
    p_single = c["single"].to_numpy()
    rest = np.array([0.45, 0.35, 0.10, 0.10])
    probs = np.column_stack([p_single, (1 - p_single)[:, None] * rest])
    cum = probs.cumsum(axis=1)
    htype = (rng.random(m)[:, None] > cum).sum(axis=1).clip(0, 4)
    del probs, cum  # m x 5 floats each: gigabytes for a national set
    single = htype == 0
    corp = c["corporation"].to_numpy()
    ue = u[idx]
    need_care = rng.random(m) < _expit(_logit(0.03 + 0.06 * corp) + ue + 0.3 * single)
    need_income = rng.random(m) < _expit(_logit(c["low_income"].to_numpy()) + 0.7 * ue)
    need_outflow = rng.random(m) < _expit(_logit(0.008 + 0.03 * corp) + ue)
    frail = single & (rng.random(m) < 0.35 * c["elderly"].to_numpy())
    urgency = rng.random(m) < _expit(_logit(0.02 + 0.05 * corp) + 0.5 * ue
                                     + 1.5 * (need_care | need_outflow))
    del c, p_single, corp  # the last two are views into c's m x 5 block
    # tenure durations (years): shorter for urgency and outflow households
    mean_years = np.where(urgency | need_outflow, 3.5, 11.0)
    dur = rng.exponential(mean_years)
    dur_days = (dur * 365.25).astype(np.int64) + 30
    dur_m = dur_days.reshape(n, gens)
    del mean_years, dur
    end_offset = np.zeros((n, gens), dtype=np.int64)      # days before ref
    end_offset[:, 1:] = np.cumsum(dur_m, axis=1)[:, :-1]
    start_offset = end_offset + dur_m
    horizon = int(years * 365.25)
    keep = ((gen == 0) & occupied[idx]) | ((gen > 0) & (end_offset.ravel() < horizon)
                                           & (end_offset.ravel() > 0))
    start = ref - pd.to_timedelta(start_offset.ravel(), unit="D")
    end = ref - pd.to_timedelta(end_offset.ravel(), unit="D")
    end = pd.Series(end).where(gen != 0)
    k = np.flatnonzero(keep)
    households = pd.DataFrame({
        "household_key": pd.array([f"SYN{seed}-{i:09d}" for i in k], dtype="str"),
        "address_id": pd.array(dwellings["address_id"].astype("str").to_numpy()[idx[k]],
                               dtype="str"),
        "tenure_start": start[k].normalize(),
        "tenure_end": pd.to_datetime(end.to_numpy()[k]).normalize(),
        "household_type": pd.array(np.array(TYPES)[htype[k]], dtype="str"),
        "need_care": need_care[k], "need_income": need_income[k],
        "need_outflow": need_outflow[k], "need_frail_elderly": frail[k],
        "urgency": urgency[k],
        "source": pd.array([f"synthetisch (seed={seed})"] * len(k), dtype="str"),
        "synthetic": np.ones(len(k), dtype=bool),
    })
    if not with_signals:
        return households, None
    return households, _signals(households, ref, years, rng, seed)


def _signals(hh: pd.DataFrame, ref: pd.Timestamp, years: int, rng, seed: int
             ) -> pd.DataFrame:
    """Signals on addresses: more where care and outflow needs concentrate."""
    t0 = ref - pd.DateOffset(years=years)
    start = hh["tenure_start"].clip(lower=t0)
    end = hh["tenure_end"].fillna(ref).clip(upper=ref)
    span = ((end - start).dt.days.clip(lower=0) / 365.25).to_numpy()
    heavy = (hh["need_care"] | hh["need_outflow"]).to_numpy()
    rate = np.where(heavy, 0.8, 0.06) + np.where(hh["need_frail_elderly"], 0.3, 0)
    counts = rng.poisson(rate * span)
    rows = np.repeat(np.arange(len(hh)), counts)
    total = len(rows)
    offset = rng.random(total) * span[rows] * 365.25
    when = start.to_numpy()[rows] + pd.to_timedelta(offset, unit="D").to_numpy()
    p_cat = np.where(hh["need_frail_elderly"].to_numpy()[rows][:, None],
                     np.array([[0.1, 0.05, 0.05, 0.1, 0.6, 0.1]]),
                     np.array([[0.4, 0.25, 0.12, 0.13, 0.05, 0.05]]))
    cat = (rng.random(total)[:, None] > p_cat.cumsum(axis=1)).sum(axis=1).clip(0, 5)
    src = rng.choice(len(SOURCES), total, p=[0.55, 0.2, 0.1, 0.05, 0.1])
    return pd.DataFrame({
        "signal_id": pd.array([f"SYN{seed}-S{i:08d}" for i in range(total)],
                              dtype="str"),
        "reported_at": pd.to_datetime(when).tz_localize("UTC"),
        "category": pd.array(np.array(CATEGORIES)[cat], dtype="str"),
        "source": pd.array(np.array(SOURCES)[src], dtype="str"),
        "address_id": pd.array(hh["address_id"].to_numpy()[rows], dtype="str"),
        "synthetic": np.ones(total, dtype=bool),
    }).sort_values("reported_at", kind="stable").reset_index(drop=True)
