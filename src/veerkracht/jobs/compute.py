"""Compute the model (``veerkracht compute``) and hand out protected results.

:func:`run_compute` reads the workspace, calls
:func:`veerkracht.analytics.model.compute.compute_model` for each period and
APPENDS the rows to ``results`` in one transaction. Results are kept per
period and model version side by side: rerunning the same period with the
same model name and version replaces exactly that slice and nothing else
(docs/method.md, "Resultaten bewaren").

``results`` is confidential: figures leave the workspace only through the
publication door, :mod:`veerkracht.jobs.publish` (``published_places`` and
the other entry points there).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from veerkracht.analytics.model.compute import (
    HOUSEHOLD_KINDS,
    compute_model,
    constant_column,
)
from veerkracht.analytics.model.indicators import (
    ModelDataError,
    ModelInputs,
    link_shared_spaces,
)
from veerkracht.analytics.model.periods import Period, PeriodError, parse_period
from veerkracht.analytics.model.spec import (
    ModelError,
    ModelSpec,
    forbidden_message,
    is_forbidden_field,
)
from veerkracht.analytics.places import LEVEL_COLUMNS
from veerkracht.analytics.publication import publish_places
from veerkracht.io.model_file import load_model
from veerkracht.jobs.cluster import ClusterError, client_for, is_cluster
from veerkracht.jobs.publish import (
    current_rules,
    profiles_of_workspace,
    summary_of_rows,
)
from veerkracht.store import Workspace, concat_rows

Progress = Callable[..., None] | None

class ComputeError(Exception):
    """The model cannot be computed; the message is for the user (Dutch)."""


def _tick(progress: Progress, n: int = 1, description: str | None = None) -> None:
    if progress is not None:
        progress(n, description=description)


#: Tables read during one :func:`run_compute` (see :func:`_reading_once`).
_ONCE: dict | None = None


@contextlib.contextmanager
def _reading_once():
    """Within the block, :func:`_read` reads each table version once.

    ``run_compute`` reads ``dwellings`` and ``signals`` for the model and,
    on a period's first use, again for its protection
    (:func:`veerkracht.jobs.protect.protected_statistics` uses the same
    reader): parsing their geometry twice cost seconds on the real
    addresses. Nothing is written inside the block, so a version read once
    stays the current one; callers get a shallow copy.
    """
    global _ONCE
    outer = _ONCE
    _ONCE = {} if outer is None else outer
    try:
        yield
    finally:
        _ONCE = outer


def _forget_reads() -> None:
    """Let go of the tables :func:`_reading_once` keeps, and give the memory back.

    Freed small objects (the strings of a table's id columns) stay in the C
    heap, counted in the process's resident memory, until the heap is
    trimmed; large arrays allocated afterwards do not reuse them. Nationally
    the trim returned about 0.75 GiB before the profiles (glibc only; a
    no-op elsewhere).
    """
    if _ONCE is not None:
        _ONCE.clear()
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _read(ws: Workspace, name: str, columns=None, points: bool = False
          ) -> pd.DataFrame | None:
    """A table (None when absent), limited to ``columns`` when they all exist.

    Reading only the needed columns keeps a national run within memory; when
    some are missing the whole table is read, so the caller can name them.
    ``points``: the geometry as plain ``x``/``y`` columns (the workspace's
    ``read_points``, which for plain points builds no geometry object per
    row); within :func:`_reading_once` only those are kept, so the model and
    the protection share one frame.
    """
    if not ws.has(name):
        return None
    if columns is not None and set(columns) <= set(ws.columns(name)):
        cols = list(columns)
    else:
        cols = None

    def fresh() -> pd.DataFrame:
        if points:
            return ws.read_points(name, cols)
        return ws.read(name) if cols is None else ws.read(name, columns=cols)

    if _ONCE is None:
        return fresh()
    version = next((t.version for t in ws.tables() if t.name == name), None)
    key = (str(ws.location), name, version, None if cols is None else tuple(cols),
           points)
    if key not in _ONCE:
        _ONCE[key] = fresh()
    return _ONCE[key].copy(deep=False)


def load_inputs(ws: Workspace, spec: ModelSpec) -> tuple[ModelInputs, dict[str, Any]]:
    """Read every table the model uses; refuse fields that were never imported.

    Returns the inputs and a provenance record (table -> version and
    operation id) stored with every result row.
    """
    if not ws.has("dwellings"):
        raise ComputeError("er zijn nog geen plaatsen afgeleid; voer eerst "
                           "'veerkracht places' uit (na 'veerkracht import addresses')")
    level_cols = ["entrance_id", "building_id", "block_id", "street_id", "buurtcode",
                  "wijkcode", "gemeentecode"]
    dwellings = _read(ws, "dwellings", ["address_id", *level_cols, "geometry"],
                      points=True)
    dwellings = _with_covariates(ws, dwellings)
    needs_households = any(i.kind in HOUSEHOLD_KINDS for i in spec.indicators)
    wanted = {f for i in spec.indicators for f in i.household_fields()}
    wanted |= {"address_id", "tenure_start", "tenure_end"}
    # the statistics count every allowed field the table has (model 2.0)
    allowed = set(spec.household_fields) | wanted
    have = set(ws.columns("households")) if ws.has("households") else set()
    households = _read(ws, "households", sorted(wanted | (allowed & have)))
    if needs_households and households is None:
        raise ComputeError(
            "er zijn geen huishoudens; lees ze in met 'veerkracht import households "
            "BESTAND' of maak een synthetische laag met 'veerkracht synth households'")
    problems = []
    if households is not None:
        for col in households.columns:
            if is_forbidden_field(col):
                problems.append(forbidden_message(col))
        for f in sorted(wanted - set(households.columns)):
            problems.append(f"het veld {f!r} is nooit geïmporteerd (tabel "
                            "households); lees het opnieuw in of haal de indicator "
                            "uit het model")
    signals = _read(ws, "signals", ["reported_at", "category", "address_id",
                                    "geometry"], points=True)
    if signals is not None:
        for f in sorted({"reported_at", "category"} - set(signals.columns)):
            problems.append(f"het veld {f!r} is nooit geïmporteerd (tabel signals)")
    for ind in spec.indicators:
        if ind.kind == "reach" and ind.params["amount"] != "count":
            table = _read(ws, ind.params["table"])
            if table is not None and ind.params["amount"] not in table.columns:
                problems.append(f"het veld {ind.params['amount']!r} is nooit "
                                f"geïmporteerd (tabel {ind.params['table']})")
    if problems:
        raise ComputeError("het model kan niet worden berekend:\n  - "
                           + "\n  - ".join(problems))
    links = None
    if ws.has("shared_spaces"):
        addresses = (ws.read("addresses", columns=["address_id", "pand_id"])
                     if ws.has("addresses") else None)
        links = link_shared_spaces(ws.read("shared_spaces"), addresses,
                                   _read(ws, "stock"))
    inputs = ModelInputs(
        dwellings=dwellings,
        households=households,
        signals=signals,
        amenities=_read(ws, "amenities", points=True),
        initiatives=_read(ws, "initiatives", points=True),
        professionals=_read(ws, "professionals", points=True),
        shared_space_links=links,
    )
    used = ("dwellings", "households", "signals", "amenities", "initiatives",
            "professionals", "shared_spaces", "addresses", "stock")
    provenance = {}
    for t in ws.tables():
        if t.name in used:
            provenance[t.name] = {"version": t.version, "operation_id": t.operation_id}
    return inputs, provenance


def _with_covariates(ws: Workspace, dwellings: pd.DataFrame) -> pd.DataFrame:
    """Public covariates of the prior mean on the dwellings, where imported.

    ``corporation``: the address is in the corporation's ``stock`` (with a
    ``corporatie`` when that column exists); ``bouwjaar``: the building year
    of its pand (``addresses.pand_id`` -> ``buildings.bouwjaar``).
    """
    ids = dwellings["address_id"].astype("str")
    if ws.has("stock") and "address_id" in ws.columns("stock"):
        cols = [c for c in ("address_id", "corporatie") if c in ws.columns("stock")]
        stock = ws.read("stock", columns=cols)
        if "corporatie" in stock.columns:
            stock = stock[stock["corporatie"].notna()]
        dwellings["corporation"] = ids.isin(set(stock["address_id"].astype("str"))
                                            ).to_numpy()
    if (ws.has("buildings") and ws.has("addresses")
            and "bouwjaar" in ws.columns("buildings")
            and "pand_id" in ws.columns("addresses")):
        adr = ws.read("addresses", columns=["address_id", "pand_id"])
        bld = ws.read("buildings", columns=["pand_id", "bouwjaar"])
        year = pd.to_numeric(bld["bouwjaar"], errors="coerce")
        by_pand = pd.Series(year.to_numpy(), index=bld["pand_id"].astype("str")
                            ).groupby(level=0).first()
        by_addr = pd.Series(adr["pand_id"].astype("str").map(by_pand).to_numpy(),
                            index=adr["address_id"].astype("str"))
        by_addr = by_addr[~by_addr.index.duplicated()]
        dwellings["bouwjaar"] = ids.map(by_addr).to_numpy(dtype="float64",
                                                          na_value=np.nan)
    return dwellings


def default_periods(inputs: ModelInputs) -> list[Period]:
    """Complete calendar years with signals; else the latest tenure change's year.

    A year counts as complete when the signals reach to within a month of
    its end: a year whose last quarter has no data yet would look as if
    every place went quiet (``going_quiet``). When no year is complete, the
    latest year with signals.
    """
    if inputs.signals is not None and len(inputs.signals):
        t = pd.to_datetime(inputs.signals["reported_at"], utc=True, errors="coerce")
        if t.notna().any():
            last = t.max().tz_localize(None)
            years = [parse_period(y) for y in range(t.min().year, t.max().year + 1)]
            done = [p for p in years if p.end <= last + pd.Timedelta(days=31)]
            return done or years[-1:]
    if inputs.households is not None and len(inputs.households):
        dates = pd.concat([
            pd.to_datetime(inputs.households["tenure_start"], errors="coerce"),
            pd.to_datetime(inputs.households["tenure_end"], errors="coerce")])
        if dates.notna().any():
            return [parse_period(dates.max().year)]
    raise ComputeError("er zijn geen huishoudens en geen meldingen: geef een "
                       "periode op met --period of lees eerst gegevens in")


def _has_data(inputs: ModelInputs, period: Period, lookback_days: float = 730.0
              ) -> bool:
    """Someone lives in the dwellings at the end of ``period``, or a signal falls
    in its window (``lookback_days`` before its end): the check the model
    makes on exact statistics, made before a first draw."""
    hh = inputs.households
    if hh is not None and len(hh):
        start = pd.to_datetime(hh["tenure_start"], errors="coerce")
        end = pd.to_datetime(hh["tenure_end"], errors="coerce")
        if ((start < period.end) & (end.isna() | (end >= period.end))).any():
            return True
    sig = inputs.signals
    if sig is not None and len(sig):
        t = pd.to_datetime(sig["reported_at"], utc=True, errors="coerce")
        t = t.dt.tz_localize(None)
        if ((t < period.end)
                & (t >= period.end - pd.Timedelta(days=lookback_days))).any():
            return True
    return False


def _statistics_for(ws: Workspace, period: Period, protected: bool = True,
                    inputs: ModelInputs | None = None):
    """The statistics the model reads for a period, which kind, and the draw.

    ``protected`` True (the published path, default): the protected
    statistics of the period (:func:`veerkracht.jobs.protect.protected_statistics`):
    the stored draw when the period has one, else a first draw, which costs
    privacy budget and is recorded in the ledger. False: the exact
    statistics, for internal use only (tests, simulation): the door refuses
    every result computed from them.

    Returns ``(stats, noise_sd, kind, draw)``; ``draw`` is None for exact
    statistics, else ``{"period", "drawn", "rho_households", "rho_signals"}``
    (``drawn``: this call made the draw).
    """
    if not protected:
        return None, None, "exact", None
    from veerkracht.jobs.protect import ProtectError, ledger, protected_statistics

    before = len(ledger(ws).for_period(period.label))
    if not before and inputs is not None and not _has_data(inputs, period):
        # noise on an empty period would look like data and cost budget
        raise ComputeError(
            f"de periode {period.label} heeft geen gegevens: er woont aan het eind "
            "ervan geen bekend huishouden in de woningen en er zijn geen meldingen "
            "in het venster; er is niets beschermd en geen privacybudget besteed")
    try:
        stats, sd, row = protected_statistics(ws, period)
    except ProtectError as exc:
        raise ComputeError(str(exc)) from None
    draw = {"period": period.label, "drawn": before == 0,
            "rho_households": float(row["rho_households"]),
            "rho_signals": float(row["rho_signals"])}
    return stats, sd, "protected", draw


def run_set_reference(ws: Workspace, period: str, out, model_path=None,
                      progress: Progress = None, protected: bool = True
                      ) -> dict:
    """Write a model file whose ``[reference]`` is taken from ``period``.

    Computes the indicators of the period (nothing is stored in the
    workspace), takes the dwelling-weighted q05 and q95 of every
    ``robust_minmax`` indicator over the places of the model's
    ``reference_level``
    (:func:`veerkracht.analytics.model.compute.reference_quantiles`) and
    writes the model file's text with that ``[reference]`` to ``out``.
    """
    from pathlib import Path

    from veerkracht.analytics.model.compute import (
        compute_indicators,
        reference_quantiles,
        reference_reporting,
    )
    from veerkracht.io.model_file import model_bytes, with_reference

    try:
        spec = load_model(model_path)
        raw = model_bytes(model_path).decode("utf-8-sig")
        p = parse_period(period)
    except (ModelError, PeriodError) as exc:
        raise ComputeError(str(exc)) from None
    _tick(progress, 0, "Gegevens lezen")
    inputs, _ = load_inputs(ws, spec)
    stats, sd, kind, _ = _statistics_for(ws, p, protected, inputs)
    _tick(progress, 0, f"Referentie uit {p.label}")
    try:
        values = compute_indicators(spec, inputs, p, progress, stats, sd)
    except ModelDataError as exc:
        raise ComputeError(str(exc)) from None
    q = reference_quantiles(spec, values)
    level = (spec.reference_level if spec.reference_level in values.levels
             else next(iter(values.levels)))
    source = (f"{spec.name} {spec.version}, periode {p.label}, niveau {level}, "
              f"{kind} statistieken, werkmap {ws.location}")
    # a fresh fit of the reporting regression on this period, not the old one
    import dataclasses

    values_fresh = compute_indicators(dataclasses.replace(spec, reference=None),
                                      inputs, p, None, stats, sd)
    text = with_reference(raw, p.label, level, source, q,
                          reference_reporting(values_fresh))
    load_check = Path(out)
    load_check.write_text(text, encoding="utf-8")
    try:
        load_model(load_check)
    except ModelError as exc:  # pragma: no cover - with_reference writes valid TOML
        raise ComputeError(str(exc)) from None
    return {"out": str(load_check), "period": p.label, "level": level,
            "statistics": kind, "quantiles": q}


def run_compute(ws: Workspace, model_path=None, period: str | None = None,
                progress: Progress = None, profiles: bool = True,
                protected: bool = True, scheduler=None) -> dict:
    """Compute pressure, resilience and balance and append them to ``results``.

    Parameters
    ----------
    ws : Workspace
        Must hold ``dwellings`` (``veerkracht places``) and, for household
        indicators, ``households``; ``signals``, ``amenities``,
        ``initiatives``, ``professionals`` and ``shared_spaces`` are used
        where present (an indicator whose table is missing is left out and
        reported).
    model_path : path, optional
        A model file; the shipped default when None.
    period : str, optional
        ``2025`` or ``2025-Q3``; default every calendar year with signals.
    profiles : bool
        Also compute the multiscalar profiles (k = 10 … 1600 nearest
        dwellings, from the protected place statistics:
        :func:`veerkracht.jobs.publish.compute_profiles`) for the latest
        period computed, stored in ``profiles`` in the same transaction as
        the results.
    protected : bool
        Which place statistics the model reads (:func:`_statistics_for`):
        True (default, the published path) the protected statistics of each
        period, drawn on first use (budget spent and recorded in the
        ledger, ``privacy`` in the summary) and reused afterwards; False
        the exact statistics, for internal use only (tests, simulation):
        the publication door refuses those results. Every row records which
        in ``statistics``.
    scheduler : optional
        Where the profiles' nearest-neighbour search runs: None or
        ``"local"`` (this process) or a Dask scheduler address / Client
        (partitioned by gemeente, :func:`veerkracht.jobs.publish.compute_profiles`).
        The model's maximum-likelihood fits always run here.

    Returns
    -------
    dict
        ``model``, ``periods``, ``rows``, ``skipped`` indicators and, per
        period and level, the number of places per class as published
        (``classes``, from public rows only) and per visibility; with
        protected statistics ``privacy``: ``draws`` (per period: drawn now
        or reused, ρ) and ``ledger`` (:func:`veerkracht.jobs.protect.privacy_budget`
        totals after the run).

    Raises
    ------
    ComputeError
        With a Dutch message (invalid model, missing tables or fields, a
        period without data).
    """
    try:
        spec = load_model(model_path)
    except ModelError as exc:
        raise ComputeError(str(exc)) from None
    with _reading_once(), _cluster_once(scheduler if profiles else None) as sched:
        return _run_compute(ws, spec, period, progress, profiles, protected,
                            sched if profiles else scheduler)


@contextlib.contextmanager
def _cluster_once(scheduler):
    """The run's Dask client, connected before any work: an unreachable
    scheduler is one Dutch error at the start, not after the model has run
    (and one connection serves the whole run)."""
    if not (isinstance(scheduler, str) and is_cluster(scheduler)):
        yield scheduler
        return
    try:
        with client_for(scheduler) as client:
            yield client
    except ClusterError as exc:
        raise ComputeError(str(exc)) from None


def _run_compute(ws: Workspace, spec: ModelSpec, period: str | None,
                 progress: Progress, profiles: bool, protected: bool,
                 scheduler=None) -> dict:
    _tick(progress, 0, "Gegevens lezen")
    inputs, provenance = load_inputs(ws, spec)
    try:
        periods = [parse_period(period)] if period else default_periods(inputs)
    except PeriodError as exc:
        raise ComputeError(str(exc)) from None
    frames, summary = [], {"model": {"name": spec.name, "version": spec.version,
                                     "hash": spec.hash},
                           "periods": [p.label for p in periods], "classes": {},
                           "visibility": {}}
    computed_at = datetime.now(UTC).isoformat(timespec="seconds")
    draws: list[dict] = []
    for p in periods:
        _tick(progress, 0, f"Model berekenen voor {p.label}")
        stats, noise_sd, kind, draw = _statistics_for(ws, p, protected, inputs)
        if draw is not None:
            draws.append(draw)
        try:
            res = compute_model(spec, inputs, p, progress, statistics=stats,
                                noise_sd=noise_sd)
        except ModelDataError as exc:
            raise ComputeError(str(exc)) from None
        res["statistics"] = constant_column(kind, len(res))
        res["computed_at"] = constant_column(computed_at, len(res))
        res["inputs"] = constant_column(json.dumps(provenance, sort_keys=True),
                                        len(res))
        lookback = max((i.params.get("lookback_days") or 730.0
                        for i in spec.indicators
                        if i.kind in ("signal_rate", "reporting_index")), default=0)
        res["signals_window_start"] = p.end - pd.Timedelta(days=lookback)
        res["signals_window_end"] = p.end
        frames.append(res)
        published = summary_of_rows(res, current_rules(ws), spec.class_names)
        summary["classes"][p.label] = published["classes"]
        summary["visibility"][p.label] = published["visibility"]
        _tick(progress, 1, f"{p.label}: {len(res)} plaatsen")
    stats = noise_sd = res = None
    prof = None
    if profiles:
        # the profiles need the dwellings only: at national size the
        # households and signals (and their cached reads) are gigabytes
        # and of the dwellings only what the profiles read: their address
        # ids alone are 9.8 million strings
        cols = [c for c in ("x", "y", *LEVEL_COLUMNS.values())
                if c in inputs.dwellings.columns]
        dwellings = inputs.dwellings[cols]
        del inputs
        _forget_reads()
        _tick(progress, 0, f"Multischaalprofielen voor {periods[-1].label}")
        try:
            prof = profiles_of_workspace(ws, dwellings, periods[-1].label,
                                         scheduler=scheduler)
        except ClusterError as exc:
            raise ComputeError(str(exc)) from None
    if draws:
        from veerkracht.jobs.protect import privacy_budget

        totals = privacy_budget(ws)
        totals.pop("per_period", None)
        summary["privacy"] = {"draws": draws, "ledger": totals}
    # one frame per period: their constant columns (period, the estimation
    # settings, the provenance) stay categoricals; pd.concat would turn
    # them into one string per row (5 kB of estimation settings on each of
    # 135,000 rows: 0.7 GB and 6 s for every reader of the table)
    new = concat_rows(frames)
    if prof is not None:
        prof["model_name"] = spec.name
        prof["model_version"] = spec.version
        summary["profiles"] = {"period": periods[-1].label, "rows": len(prof)}
    used = new["indicators_used"].iloc[0].split(",") if len(new) else []
    summary["skipped"] = [i.name for i in spec.indicators if i.name not in used]
    _tick(progress, 0, "Resultaten opslaan")
    with ws.transaction("compute", source=spec.name + " " + spec.version) as tx:
        if ws.has("results"):
            old = ws.read("results")
            same = (old["model_name"].eq(spec.name) & old["model_version"].eq(
                spec.version) & old["period"].isin([p.label for p in periods]))
            summary["replaced_rows"] = int(same.sum())
            new = concat_rows([old.loc[~same.to_numpy()], new])
        else:
            summary["replaced_rows"] = 0
        tx.put("results", new)
        if prof is not None:
            if ws.has("profiles"):
                old = ws.read("profiles")
                same = (old["model_name"].astype(str).eq(spec.name)
                        & old["model_version"].astype(str).eq(spec.version)
                        & old["period"].astype(str).eq(periods[-1].label))
                prof = concat_rows([old.loc[~same.to_numpy()], prof])
            tx.put("profiles", prof)
        summary["rows"] = int(sum(len(f) for f in frames))
        tx.summary.update(summary)
    return summary


def run_synth_households(ws: Workspace, seed: int = 1, signals: bool = False,
                         reference_date=None, progress: Progress = None) -> dict:
    """Fill the imported dwellings with synthetic households (and signals).

    Calibrated on the imported ``kerncijfers`` where present
    (:mod:`veerkracht.synth.households_for_dwellings`); every row has
    ``synthetic=True``. Replaces ``households`` (and ``signals`` with
    ``signals=True``) in one transaction, but never overwrites real
    (non-synthetic) data.
    """
    import geopandas as gpd

    from veerkracht.synth.households_for_dwellings import households_for_dwellings

    if not ws.has("dwellings"):
        raise ComputeError("er zijn nog geen woningen; voer eerst 'veerkracht "
                           "import addresses' en 'veerkracht places' uit")
    for name in ("households", *(("signals",) if signals else ())):
        if ws.has(name):
            synth = ws.read(name, columns=["synthetic"])["synthetic"]
            if len(synth) and not synth.astype(bool).all():
                raise ComputeError(
                    f"de tabel {name} bevat echte (niet-synthetische) gegevens; "
                    "synthetische gegevens worden daar niet overheen geschreven")
    _tick(progress, 0, "Woningen lezen")
    # only the columns the households use, without points: for a national
    # set the whole table (and a copy of it without geometry) cost gigabytes
    have = set(ws.columns("dwellings"))
    used = [c for c in ("address_id", "entrance_id", "buurtcode", "gemeentecode")
            if c in have]
    kern = _read(ws, "kerncijfers")
    _tick(progress, 0, "Huishoudens maken")
    hh, sig = households_for_dwellings(
        pd.DataFrame(ws.read("dwellings", columns=used)), kern,
        seed=seed, reference_date=reference_date, with_signals=signals)
    summary = {"seed": seed, "households": len(hh),
               "living_now": int(hh["tenure_end"].isna().sum()),
               "calibrated_on_kerncijfers": kern is not None, "synthetic": True}
    if sig is not None:
        geo = ws.read("dwellings", columns=["address_id", "geometry"])
        geo = geo.drop_duplicates("address_id")
    with ws.transaction("synth households", source=f"seed={seed}") as tx:
        tx.put("households", hh)
        if sig is not None:
            pos = pd.Index(geo["address_id"]).get_indexer(sig["address_id"])
            geom = np.asarray(geo.geometry.array, dtype=object)[pos]
            tx.put("signals", gpd.GeoDataFrame(sig, geometry=list(geom),
                                               crs=geo.crs or "EPSG:28992"))
            summary["signals"] = len(sig)
        tx.summary.update(summary)
    _tick(progress, 1, "Klaar")
    return summary


#: Monte Carlo draws per variant in the sensitivity analysis: the point
#: balance and class do not depend on them (only the intervals do).
SENSITIVITY_DRAWS = 2


def sensitivity_compute(inputs: ModelInputs, period: Period, statistics=None,
                        noise_sd=None, draws: int = SENSITIVITY_DRAWS
                        ) -> Callable[[ModelSpec], pd.DataFrame]:
    """``compute(spec) -> results`` for the sensitivity analysis, on fixed statistics.

    The same three stages as :func:`compute_model`, with the first
    (:func:`compute_indicators`: the maximum-likelihood priors, by far the
    costliest) kept for variants that differ from an earlier one only in
    weights and class thresholds, which that stage does not read. In the
    Saltelli design most variants are such (``AB_g`` keeps ``A``'s prior,
    half-life and normalisation), so the stage runs about ``5 N`` instead of
    ``N (G + 2)`` times. Intervals come from ``draws`` Monte Carlo draws
    only: the analysis reads the point balance and class.
    """
    import copy
    import dataclasses

    from veerkracht.analytics.model.compute import (
        combine,
        compute_indicators,
        score_indicators,
    )

    cache: dict[str, Any] = {}

    def compute(variant: ModelSpec) -> pd.DataFrame:
        est = getattr(variant, "estimation", None)
        if est is not None and hasattr(est, "n_draws"):
            variant = dataclasses.replace(
                variant, estimation=dataclasses.replace(est, n_draws=draws))
        key = repr(dataclasses.replace(
            variant.with_weights({i.name: 1.0 for i in variant.indicators}),
            classes=()))
        values = cache.get(key)
        if values is None:
            values = compute_indicators(variant, inputs, period, None, statistics,
                                        noise_sd)
            cache[key] = values
            while len(cache) > 256:
                cache.pop(next(iter(cache)))
        values = copy.deepcopy(values)
        score_indicators(variant, values)
        return combine(variant, values)

    return compute


def run_sensitivity(ws: Workspace, model_path=None, period: str | None = None,
                    runs: int = 8, seed: int = 1, progress: Progress = None,
                    store: bool = True, protected: bool = True):
    """Global uncertainty and sensitivity analysis of one period (JRC/OECD).

    A seeded quasi-Monte Carlo over weights, class thresholds, normalisation,
    prior settings and the signal half-life together
    (:func:`veerkracht.analytics.model.sensitivity.global_sensitivity`). The
    model is run as a black box on the same inputs (and, for a pipeline that
    reads per-place statistics, on statistics computed once), ``1 + runs (G +
    2)`` times for ``G`` groups of choices. The statistics are those
    :func:`run_compute` reads (``protected`` as there).

    With ``store`` the per-place class stability and rank range are kept in
    the table ``sensitivity`` (confidential, like ``results``), keyed by
    ``level``, ``place_id``, ``period``, ``model_name`` and
    ``model_version``; rerunning replaces that slice.

    Returns
    -------
    SensitivityResult
        With ``period`` and ``seconds`` set as attributes.
    """
    import time

    from veerkracht.analytics.model.sensitivity import global_sensitivity

    t0 = time.perf_counter()
    try:
        spec = load_model(model_path)
        _tick(progress, 0, "Gegevens lezen")
        inputs, _ = load_inputs(ws, spec)
        p = parse_period(period) if period else default_periods(inputs)[-1]
    except (ModelError, PeriodError) as exc:
        raise ComputeError(str(exc)) from None
    # the same statistics as run_compute (the protected draw of the period,
    # made on first use), computed once: no variant re-reads a household row
    _tick(progress, 0, f"Plaatsstatistieken voor {p.label}")
    stats, noise_sd, kind, _ = _statistics_for(ws, p, protected, inputs)
    if stats is None:
        from veerkracht.analytics.statistics import place_statistics

        stats = place_statistics(inputs.dwellings, inputs.households, inputs.signals,
                                 p)
    full = sensitivity_compute(inputs, p, stats, noise_sd)
    # the analysis and its tables cover only the places the door publishes
    # for the base model (audience 'public'): a summary never says more
    # about a place than an export does
    base = full(spec)
    base["period"] = p.label
    base["statistics"] = kind
    shown = publish_places(base, current_rules(ws), "public")
    public = set(zip(shown.loc[shown["visibility"] == "public", "level"].astype(str),
                     shown.loc[shown["visibility"] == "public", "place_id"].astype(str),
                     strict=True))

    def compute(variant: ModelSpec) -> pd.DataFrame:
        rows = full(variant)
        keep = [(lv, pid) in public for lv, pid in
                zip(rows["level"].astype(str), rows["place_id"].astype(str),
                    strict=True)]
        return rows.loc[keep].reset_index(drop=True)

    _tick(progress, 0, f"Gevoeligheid voor {p.label}")
    try:
        result = global_sensitivity(spec, compute, n=runs, seed=seed,
                                    progress=progress)
    except ModelDataError as exc:
        raise ComputeError(str(exc)) from None
    result.period = p.label
    result.statistics = kind
    result.seconds = time.perf_counter() - t0
    if store:
        _tick(progress, 0, "Stabiliteit opslaan")
        new = result.places.copy()
        new.insert(2, "period", p.label)
        new.insert(3, "model_name", spec.name)
        new.insert(4, "model_version", spec.version)
        new.insert(5, "model_hash", spec.hash)
        new["n_runs"] = result.n_runs
        new["seed"] = seed
        new["statistics"] = kind  # the door shows stability only if 'protected'
        new["computed_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        with ws.transaction("sensitivity", source=f"{spec.name} {spec.version} "
                            f"seed={seed} runs={runs}") as tx:
            if ws.has("sensitivity"):
                old = ws.read("sensitivity")
                same = (old["model_name"].astype(str).eq(spec.name)
                        & old["model_version"].astype(str).eq(spec.version)
                        & old["period"].astype(str).eq(p.label))
                new = concat_rows([old.loc[~same.to_numpy()], new])
            tx.put("sensitivity", new)
            tx.summary.update({"period": p.label, "runs": result.n_runs,
                               "seed": seed, "places": len(result.places)})
    return result
