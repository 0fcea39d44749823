"""``veerkracht warn``: the early warning over the workspace's signals.

One run, for one analysis date (``as_of``):

1. **Emerging clusters** — the prospective space-time permutation scan
   (:mod:`veerkracht.analytics.warning.scan`) per meaning of the signal
   categories (:mod:`veerkracht.analytics.signal_categories`: pressure,
   attentiveness), on the *entrances* as locations, windows ending at the
   analysis date;
2. **Going quiet** — the same scan for low rates over every signal, and
   the per-place test on the reporting rate of every street
   (:mod:`veerkracht.analytics.warning.quiet`) for the last complete
   quarter, against the street's history, the city's trend and — where the
   periods are protected — its composition;
3. **Hot spots** — Getis-Ord Gi* of the pressure signals per quarter over
   the streets (variance-stabilised residuals against the city's rate),
   with FDR control and the emerging hot-spot categories
   (:mod:`veerkracht.analytics.warning.hotspots`).

Every significant finding becomes an alert (schema:
:mod:`veerkracht.analytics.warning.alerts`) anchored to a place of at least
the band threshold of dwellings, never to an address (ADR 0008), with the
buurt, wijk and gemeente codes the web application routes it by. Alerts
of an earlier run with the same analysis date are replaced; others stay.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd

from veerkracht.analytics.model.periods import (
    calendar_quarters,
    last_complete_quarter,
    parse_period,
    quarter_of,
)
from veerkracht.analytics.places import LEVEL_COLUMNS, LEVELS, UNKNOWN
from veerkracht.analytics.publication import BAND_FLOOR
from veerkracht.analytics.signal_categories import MEANING, MEANINGS
from veerkracht.analytics.warning.alerts import (
    ALERT_COLUMNS,
    alert_id,
    check_alerts,
    empty_alerts,
    recurrence_text,
)
from veerkracht.analytics.warning.alerts import (
    MEANINGS as MEANINGS_NL,
)
from veerkracht.analytics.warning.scan import (
    ScanSettings,
    ScanTooLarge,
    check_scan_fits,
    early_stop_for,
    space_time_permutation_scan,
)
from veerkracht.defaults import WARN_ALPHA, WARN_STUDY_DAYS
from veerkracht.jobs.cluster import ClusterError, address, client_for, is_cluster
from veerkracht.jobs.compute import _read, _tick
from veerkracht.store import Workspace

Progress = Callable[..., None] | None

#: Local time: a signal's day is its calendar day in the Netherlands.
LOCAL_TZ = "Europe/Amsterdam"


class WarnError(Exception):
    """The early warning cannot run; the message is for the user (Dutch)."""


@dataclass(frozen=True)
class WarnSettings:
    """Everything a run of the early warning depends on.

    Attributes
    ----------
    scan : ScanSettings
        Windows, replicates and seed of the space-time scans.
    study_days : int
        Days of history before the analysis date that form the study
        period of the scan (its expected counts).
    alpha : float
        A cluster or hot spot is an alert when its p-value is at most this.
    quiet : bool, hotspots : bool, low_scan : bool
        Which parts run (the high-rate scan always does).
    early_stop : bool
        End a scan's Monte Carlo once no cluster can reach p ≤ ``alpha``
        any more (:func:`~veerkracht.analytics.warning.scan.early_stop_for`):
        the same alerts, fewer replicates; False runs all of them.
    fit_radius : bool
        When a scan's neighbour lists would not fit the memory limit at
        ``scan.max_radius_m``, run every scan at the largest radius that
        fits them all, rounded down to :data:`FIT_RADIUS_STEP_M`, and say
        so in the summary (``radius``), instead of refusing. False (the
        default for a caller that names a radius) refuses with that radius
        in the message. Either way the check runs before the first scan.
    quiet_level, hotspot_level : str
        The place level of the per-place quiet test and of the hot spots.
    hotspot_quarters : int
        Quarters of history for the emerging hot-spot categories.
    """

    scan: ScanSettings = field(default_factory=ScanSettings)
    study_days: int = WARN_STUDY_DAYS
    alpha: float = WARN_ALPHA
    quiet: bool = True
    hotspots: bool = True
    low_scan: bool = True
    early_stop: bool = True
    fit_radius: bool = False
    quiet_level: str = "street"
    hotspot_level: str = "street"
    hotspot_quarters: int = 8

    def __post_init__(self):
        if self.study_days < self.scan.max_days + 7:
            raise WarnError("de studieperiode (--study-days) moet minstens een week "
                            "langer zijn dan het langste tijdvenster (--max-days)")
        if not 0 < self.alpha < 1:
            raise WarnError("alpha ligt tussen 0 en 1")
        for lv in (self.quiet_level, self.hotspot_level):
            if lv not in LEVELS or lv in ("entrance",):
                raise WarnError(f"onbekend of te fijn niveau {lv!r}; kies uit "
                                f"{', '.join(LEVELS[1:])}")


# --- reading ------------------------------------------------------------------

@dataclass
class _City:
    """What the warning reads: dwellings, entrances as locations, signals."""

    dwellings: pd.DataFrame          # address_id, level columns, x, y
    n_dwellings: dict[str, pd.Series]  # level -> place_id -> dwellings
    loc_ids: np.ndarray              # entrance ids (the scan's locations)
    loc_xy: np.ndarray               # (n, 2) RD metres
    loc_of_dwelling: np.ndarray      # dwelling row -> location index
    signals: pd.DataFrame            # category, meaning, day (date), loc, dwelling


def read_city(ws: Workspace) -> _City:
    """Dwellings, their entrances as scan locations and every located signal."""
    if not ws.has("dwellings"):
        raise WarnError("er zijn nog geen plaatsen; voer eerst 'veerkracht places' uit")
    if not ws.has("signals"):
        raise WarnError("er zijn geen meldingen in de werkmap; importeer ze met "
                        "'veerkracht import signals' of maak de demo")
    cols = ["address_id", *LEVEL_COLUMNS.values(), "geometry"]
    dw = _read(ws, "dwellings", cols, points=True).reset_index(drop=True)
    dw = dw.loc[dw["x"].notna() & dw["y"].notna()].reset_index(drop=True)
    for col in LEVEL_COLUMNS.values():
        dw[col] = _level_codes(dw[col] if col in dw.columns else
                               pd.Series(UNKNOWN, index=dw.index))
    n_dw = {}
    for lv, col in LEVEL_COLUMNS.items():
        counts = dw[col].value_counts()
        counts.index = counts.index.astype(str)
        n_dw[lv] = counts
    codes, ent_ids = pd.factorize(dw["entrance_id"], sort=True)
    xy = np.column_stack([
        np.bincount(codes, weights=dw["x"].to_numpy()) / np.bincount(codes),
        np.bincount(codes, weights=dw["y"].to_numpy()) / np.bincount(codes)])
    sig = _read(ws, "signals", ["reported_at", "category", "address_id",
                                "geometry"], points=True)
    sig = sig.loc[sig["category"].astype("str").isin(MEANING)].reset_index(drop=True)
    # the dwelling of a signal: its address, else the nearest dwelling
    row = pd.Index(dw["address_id"].astype("str")).get_indexer(
        sig["address_id"].astype("str").where(sig["address_id"].notna(), ""))
    need = (row < 0) & sig["x"].notna().to_numpy() & sig["y"].notna().to_numpy()
    if need.any():
        from scipy.spatial import cKDTree

        _, near = cKDTree(dw[["x", "y"]].to_numpy()).query(
            sig.loc[need, ["x", "y"]].to_numpy(), k=1)
        row[need] = near
    sig = sig.loc[row >= 0].copy()
    sig["dwelling"] = row[row >= 0]
    sig["loc"] = codes[sig["dwelling"].to_numpy()]
    when = pd.to_datetime(sig["reported_at"], utc=True).dt.tz_convert(LOCAL_TZ)
    sig["day"] = when.dt.date
    sig["meaning"] = sig["category"].astype("str").map(MEANING)
    return _City(dw, n_dw, np.asarray(ent_ids, dtype=object), xy, codes,
                 sig[["category", "meaning", "day", "loc", "dwelling"]]
                 .reset_index(drop=True))


def _level_codes(values: pd.Series) -> pd.Series:
    """A level column as a categorical of text ids, missing as UNKNOWN.

    Categorical, not one text object per dwelling: nationally six such
    columns of 9.8 million strings took about 3.5 GiB of the run's memory.
    """
    c = values if isinstance(values.dtype, pd.CategoricalDtype) else (
        values.astype("category"))
    c = c.cat.rename_categories(c.cat.categories.astype(str))
    if c.isna().any():
        if UNKNOWN not in c.cat.categories:
            c = c.cat.add_categories([UNKNOWN])
        c = c.fillna(UNKNOWN)
    c = c.cat.remove_unused_categories()
    # in text order, as the text column was: the entrances' factorisation
    # (the scan's location order) follows it
    return c.cat.reorder_categories(sorted(c.cat.categories))


def level_at(city: _City, level: str, rows: np.ndarray) -> np.ndarray:
    """The ``level`` place ids (text) of the dwellings in ``rows``."""
    return np.asarray(city.dwellings[LEVEL_COLUMNS[level]].array.take(rows),
                      dtype=object)


def default_as_of(city: _City) -> date:
    """The last day with a signal (a run on a fresh import looks at its end)."""
    if not len(city.signals):
        raise WarnError("er zijn geen meldingen met een locatie in de werkmap")
    return max(city.signals["day"])


# --- anchoring ----------------------------------------------------------------

def anchor_place(city: _City, dwelling_rows: np.ndarray) -> tuple[str, str]:
    """The finest place (level, id) of at least BAND_FLOOR dwellings holding them all.

    ``dwelling_rows`` are the dwellings of the evidence (every dwelling of
    the cluster's locations). Falls back to the buurt (then wijk, gemeente)
    of the majority when no single place holds them all at a known level.
    """
    for lv in LEVEL_COLUMNS:
        vals = level_at(city, lv, dwelling_rows)
        first = vals[0]
        if first != UNKNOWN and (vals == first).all() and \
                int(city.n_dwellings[lv].get(first, 0)) >= BAND_FLOOR:
            return lv, str(first)
    for lv in ("buurt", "wijk", "gemeente"):
        vals = pd.Series(level_at(city, lv, dwelling_rows))
        vals = vals[vals != UNKNOWN]
        if len(vals):
            return lv, str(vals.mode().iloc[0])
    return "gemeente", UNKNOWN


def area_codes(city: _City, level: str, place_id: str) -> dict[str, str]:
    """Buurt, wijk and gemeente code of a place (its dwellings' majority)."""
    rows = np.flatnonzero((city.dwellings[LEVEL_COLUMNS[level]] == place_id)
                          .to_numpy())
    out = {}
    for lv, key in (("buurt", "buurtcode"), ("wijk", "wijkcode"),
                    ("gemeente", "gemeentecode")):
        vals = pd.Series(level_at(city, lv, rows))
        vals = vals[vals != UNKNOWN]
        out[key] = str(vals.mode().iloc[0]) if len(vals) else ""
    return out


# --- the run -------------------------------------------------------------------

def _nl(x: float, digits: int = 1) -> str:
    """A number with a Dutch decimal comma.

    >>> _nl(0.0244, 3), _nl(15.0)
    ('0,024', '15,0')
    """
    return f"{x:.{digits}f}".replace(".", ",")


def _nl_date(d: date) -> str:
    months = ("januari", "februari", "maart", "april", "mei", "juni", "juli",
              "augustus", "september", "oktober", "november", "december")
    return f"{d.day} {months[d.month - 1]} {d.year}"


def _cluster_rows(city: _City, result, meaning: str, origin: date,
                  settings: WarnSettings) -> list[dict]:
    rows = []
    for c in result.clusters:
        if c.p_value > settings.alpha:
            continue
        members = np.asarray(c.members, dtype=np.int64)
        dwellings = np.flatnonzero(np.isin(city.loc_of_dwelling, members))
        level, place = anchor_place(city, dwellings)
        start = origin + timedelta(days=int(c.start_day))
        end = origin + timedelta(days=int(c.end_day))
        what = "meer" if c.rate == "high" else "minder"
        evidence = (
            f"{MEANINGS_NL[meaning].capitalize()}: van {_nl_date(start)} tot en met "
            f"{_nl_date(end)} {c.observed} meldingen binnen {c.radius_m:.0f} m, "
            f"waar {_nl(c.expected)} te verwachten was ({what} dan verwacht; "
            f"p = {_nl(c.p_value, 3)}; {recurrence_text(c.recurrence_days)} bij "
            "toeval).")
        rows.append(_row("cluster" if c.rate == "high" else "quiet", meaning, level,
                         place, start, end, city, observed=float(c.observed),
                         expected=float(c.expected), p_value=float(c.p_value),
                         recurrence_days=float(c.recurrence_days),
                         statistic=float(c.llr), radius_m=float(c.radius_m),
                         n_locations=len(members),
                         method=f"ruimte-tijd-permutatiescan ({c.rate})",
                         evidence=evidence))
    return rows


def _row(kind, meaning, level, place, start, end, city, **values) -> dict:
    row = {"alert_id": alert_id(kind, meaning, level, place, start.isoformat(),
                                end.isoformat()),
           "kind": kind, "meaning": meaning, "level": level, "place_id": place,
           "window_start": start.isoformat(), "window_end": end.isoformat(),
           **area_codes(city, level, place)}
    row.update(values)
    return row


def _scan_partitioned(xy, loc, day, analysis_day, scan: ScanSettings, groups,
                      scheduler, progress: Progress):
    """The scan split by ``groups`` (gemeente codes per location); the
    partitions run here (``scheduler`` None or ``"local"``) or on Dask (a
    client or an address). The result equals the single run's (ADR 0012)."""
    from veerkracht.analytics.warning.partition import (
        combine,
        part_clusters,
        part_replicate_max,
        plan_partitions,
        replicate_seeds,
    )

    plan = plan_partitions(xy, loc, day, analysis_day, scan, groups)
    seeds = replicate_seeds(scan)
    desc = "Monte Carlo-replicaties (per gemeente)"
    n_parts = len(plan.parts)
    if not is_cluster(scheduler):
        reps = []
        for part in plan.parts:
            reps.append(part_replicate_max(part, seeds, threads=True))
            _tick(progress, 0, f"{desc}: {len(reps)}/{n_parts}")
        return combine(plan, [part_clusters(p) for p in plan.parts], reps)
    try:
        with client_for(scheduler) as client:
            return _scan_on(client, plan, seeds, desc, progress)
    except ClusterError as exc:
        raise WarnError(str(exc)) from None


def _scan_on(client, plan, seeds, desc: str, progress: Progress):
    """The partitions' replicates as Dask tasks, merged as the single run's."""
    from dask.distributed import as_completed

    from veerkracht.analytics.warning.partition import (
        combine,
        part_clusters,
        part_replicate_max,
    )

    n_parts = len(plan.parts)
    # every partition goes to the cluster once; the tasks carry only seeds
    remote = client.scatter(plan.parts, hash=False)
    threads = max(1, sum(client.nthreads().values()))
    size = max(1, -(-len(seeds) * n_parts // (threads * 4)))
    batches = [range(i, min(len(seeds), i + size))
               for i in range(0, len(seeds), size)]
    found = [client.submit(part_clusters, r, pure=False) for r in remote]
    futs, where = [], {}
    for k, r in enumerate(remote):
        for b, rng in enumerate(batches):
            f = client.submit(part_replicate_max, r, [seeds[i] for i in rng],
                              pure=False)
            where[f.key] = (k, b)
            futs.append(f)
    reps = [[None] * len(batches) for _ in plan.parts]
    for done, f in enumerate(as_completed(futs), 1):
        k, b = where[f.key]
        reps[k][b] = f.result()
        if done % max(1, len(futs) // 20) == 0:
            _tick(progress, 0, f"{desc}: {done}/{len(futs)} taken")
    reps = [np.concatenate(r) if r else np.zeros(0) for r in reps]
    return combine(plan, client.gather(found), reps)


def location_gemeenten(city: _City) -> np.ndarray:
    """The gemeente code of every scan location (of its first dwelling; any
    fixed rule does: the partition does not change the result)."""
    out = np.full(len(city.loc_ids), UNKNOWN, dtype=object)
    loc = city.loc_of_dwelling
    first = np.unique(loc, return_index=True)[1]
    out[loc[first]] = level_at(city, "gemeente", first)
    return out.astype(str)


def run_warn(ws: Workspace, as_of: date | None = None,
             settings: WarnSettings | None = None, scheduler=None,
             progress: Progress = None, partition: str | None = None) -> dict:
    """Run the early warning and store its alerts; returns a summary.

    Parameters
    ----------
    as_of : date, optional
        The analysis date (default: the last day with a signal).
    scheduler : optional
        Where the scan's Monte Carlo replicates run (see
        :func:`veerkracht.analytics.warning.scan.space_time_permutation_scan`):
        None or ``"local"`` (this process), ``"processes"``, a Dask scheduler
        address (``tcp://host:8786``) or a ``dask.distributed.Client``.
    partition : {None, "gemeente", "none"}
        ``"gemeente"`` splits each scan by gemeente (centres of one gemeente
        plus the locations within the radius across its border, see
        :mod:`veerkracht.analytics.warning.partition`); ``"none"`` runs it
        whole. None: by gemeente on a Dask cluster, whole otherwise. The
        alerts are the same either way.
    """
    settings = settings or WarnSettings()
    if partition is None:
        partition = "gemeente" if is_cluster(scheduler) else "none"
    if partition not in ("gemeente", "none"):
        raise WarnError(f"onbekende verdeling {partition!r}; kies 'gemeente' of 'none'")
    if partition == "gemeente" and scheduler == "processes":
        raise WarnError("de verdeling per gemeente draait hier of op een "
                        "Dask-cluster, niet met 'processes'")
    _tick(progress, 0, "Meldingen en plaatsen lezen")
    city = read_city(ws)
    as_of = as_of or default_as_of(city)
    origin = as_of - timedelta(days=settings.study_days - 1)
    sig = city.signals
    in_study = (sig["day"] >= origin) & (sig["day"] <= as_of)
    day = np.array([(d - origin).days for d in sig["day"]], dtype=np.int64)
    rows: list[dict] = []
    summary: dict = {"as_of": as_of.isoformat(), "study_start": origin.isoformat(),
                     "locations": len(city.loc_ids), "signals": int(in_study.sum()),
                     "scans": {}}
    analysis_day = settings.study_days - 1
    groups_by_loc = location_gemeenten(city) if partition == "gemeente" else None
    summary["partition"] = partition
    groups = [(m, sig["meaning"].eq(m)) for m in MEANINGS]
    scans = [(m, sel, "high") for m, sel in groups]
    if settings.low_scan:
        scans.append(("all", pd.Series(True, index=sig.index), "low"))
    scans = [(m, (sel & in_study).to_numpy(), rate) for m, sel, rate in scans]
    asked = settings.scan.max_radius_m
    fitted = _check_scans_fit(city, scans, settings, progress)
    if fitted is not None:
        _tick(progress, 0, f"Straal teruggebracht tot {_nl(fitted, 0)} m: bij "
              f"{_nl(asked, 0)} m passen de scans niet in het geheugen")
        settings = replace(settings, scan=replace(settings.scan,
                                                  max_radius_m=fitted))
    summary["radius"] = {"asked_m": asked, "used_m": settings.scan.max_radius_m,
                         "fitted": fitted is not None}
    for meaning, use, rate in scans:
        if use.sum() < settings.scan.min_cases:
            summary["scans"][f"{meaning}:{rate}"] = {"signals": int(use.sum()),
                                                     "clusters": 0}
            continue
        _tick(progress, 0, f"Scan {MEANINGS_NL[meaning]} ({rate})")
        scan = replace(settings.scan, rates=rate, early_stop=early_stop_for(
            settings.alpha, settings.scan.replicates) if settings.early_stop else 0)
        if partition == "gemeente":
            result = _scan_partitioned(
                city.loc_xy, sig["loc"].to_numpy()[use], day[use], analysis_day,
                scan, groups_by_loc, scheduler, progress)
        else:
            sched = (f"distributed {address(scheduler)}"
                     if isinstance(scheduler, str) and is_cluster(scheduler)
                     else scheduler)
            result = space_time_permutation_scan(
                city.loc_xy, sig["loc"].to_numpy()[use], day[use], analysis_day,
                scan, scheduler=sched, progress=progress)
        found = _cluster_rows(city, result, meaning, origin, settings)
        rows += found
        summary["scans"][f"{meaning}:{rate}"] = {
            "signals": int(use.sum()), "clusters": len(found),
            "replicates": int(len(result.replicate_max)),
            "top_llr": float(result.clusters[0].llr) if result.clusters else None,
            "top_p": float(result.clusters[0].p_value) if result.clusters else None}
    if settings.quiet:
        _tick(progress, 0, "Plaatsen die stil worden")
        q_rows = _quiet_rows(ws, city, as_of, settings)
        rows += q_rows
        summary["quiet"] = len(q_rows)
    if settings.hotspots:
        _tick(progress, 0, "Hotspots")
        h_rows = _hotspot_rows(city, as_of, settings)
        rows += h_rows
        summary["hotspots"] = len(h_rows)
    run_at = datetime.now(UTC).isoformat(timespec="seconds")
    new = pd.DataFrame(rows) if rows else empty_alerts()
    new["run_at"] = run_at
    new["as_of"] = as_of.isoformat()
    for c in ALERT_COLUMNS:
        if c not in new.columns:
            new[c] = np.nan if c in ("radius_m", "recurrence_days") else ""
    new = check_alerts(new.drop_duplicates("alert_id"))
    _tick(progress, 0, "Signaleringen opslaan")
    with ws.transaction("warn", source=f"as_of={as_of.isoformat()}") as tx:
        if ws.has("alerts"):
            old = ws.read("alerts")
            keep = old.loc[old["as_of"].astype("str") != as_of.isoformat()]
            new = check_alerts(pd.concat([keep, new], ignore_index=True))
        tx.put("alerts", new)
        summary["alerts"] = int((new["as_of"] == as_of.isoformat()).sum())
        tx.summary.update(summary)
    _tick(progress, 1, "Klaar")
    return summary


#: A fitted radius is a whole multiple of this many metres (rounded down):
#: a figure a user can repeat, and a little room under the limit.
FIT_RADIUS_STEP_M = 10


def _check_scans_fit(city: _City, scans: list, settings: WarnSettings,
                     progress: Progress) -> float | None:
    """Check before any scan starts that every scan fits the memory limit.

    None when they all fit at the asked radius. Otherwise, with
    ``settings.fit_radius``, the largest radius (metres, a multiple of
    :data:`FIT_RADIUS_STEP_M`) that fits every one of them; without it, or
    when not even that fits, :class:`ScanTooLarge` naming that radius (a
    scan refused after another had run for minutes cost a national run its
    time).
    """
    _tick(progress, 0, "Omvang van de scans nagaan")
    locs = city.signals["loc"].to_numpy()
    refused = []
    for meaning, use, rate in scans:
        if use.sum() < settings.scan.min_cases:
            continue
        try:
            check_scan_fits(city.loc_xy, locs[use], settings.scan, advise=False)
        except ScanTooLarge as exc:
            refused.append((exc.pairs, f"{MEANINGS_NL[meaning]} ({rate})", use))
    if not refused:
        return None
    # the radius search only for the scan with the most pairs, and for
    # another only where that radius does not fit it too (the low scan's
    # locations hold every other scan's, so nationally one search is all)
    refused.sort(key=lambda r: -r[0])
    best = None
    for _, name, use in refused:
        if best is not None:
            try:
                check_scan_fits(city.loc_xy, locs[use], replace(
                    settings.scan, max_radius_m=float(best[0].fit_m)), advise=False)
                continue
            except ScanTooLarge:
                pass
        try:
            check_scan_fits(city.loc_xy, locs[use], settings.scan)
        except ScanTooLarge as exc:
            if best is None or exc.fit_m < best[0].fit_m:
                best = (exc, name)
    exc, name = best
    step = FIT_RADIUS_STEP_M
    if settings.fit_radius and exc.fit_m >= step:
        return float(exc.fit_m // step * step)
    also = ("" if len(refused) == 1 else
            f"; van de {len(refused)} scans die niet passen is dit de grootste, "
            "dus de genoemde straal past voor alle")
    raise ScanTooLarge(f"scan {name}: {exc}{also}", pairs=exc.pairs, fit_m=exc.fit_m)


# --- quiet places and hot spots -------------------------------------------------

def _quarter_counts(city: _City, level: str, quarters: list[str],
                    meaning: str | None = None) -> pd.DataFrame:
    """Signals per place of ``level`` and quarter, zero rows included."""
    sig = city.signals
    if meaning is not None:
        sig = sig.loc[sig["meaning"] == meaning]
    place = level_at(city, level, sig["dwelling"].to_numpy())
    q = np.array([quarter_of(d) for d in sig["day"]], dtype=object)
    keep = np.isin(q, quarters) & (place != UNKNOWN)
    got = pd.DataFrame({"place_id": place[keep], "quarter": q[keep]}).value_counts()
    n_dw = city.n_dwellings[level]
    n_dw = n_dw[(n_dw.index != UNKNOWN) & (n_dw >= BAND_FLOOR)]
    grid = pd.MultiIndex.from_product([n_dw.index.astype("str"), quarters],
                                      names=["place_id", "quarter"])
    out = got.reindex(grid, fill_value=0).rename("signals").reset_index()
    out["n_dwellings"] = out["place_id"].map(n_dw).astype("int64")
    return out


def _quarters_back(last: str, n: int) -> list[str]:
    """The ``n`` quarters ending with ``last``, oldest first."""
    return calendar_quarters(last, n)[::-1]


def _quarter_window(quarter: str) -> tuple[date, date]:
    """First and last day of a calendar quarter."""
    p = parse_period(quarter)
    return p.start.date(), (p.end - pd.Timedelta(days=1)).date()


def _quiet_rows(ws: Workspace, city: _City, as_of: date,
                settings: WarnSettings) -> list[dict]:
    from veerkracht.analytics.warning.quiet import QuietSettings, quiet_places

    tested = last_complete_quarter(as_of)
    # the longest baseline the history allows: 8 quarters where there are,
    # else 4 (power doubles or more, docs/warning.md); none: no test
    oldest = min(city.signals["day"])
    for history in (8, 4):
        quarters = _quarters_back(tested, history + 1)
        if _quarter_window(quarters[0])[0] >= oldest:
            break
    else:
        return []
    qs = QuietSettings(alpha=settings.alpha, history_quarters=history)
    counts = _quarter_counts(city, settings.quiet_level, quarters)
    res = quiet_places(counts, tested, qs)
    start, end = _quarter_window(tested)
    rows = []
    for r in res.loc[res["flagged"]].itertuples(index=False):
        evidence = (
            f"Meldingen in {tested}: {int(r.observed)}, waar op grond van de "
            f"vorige {qs.history_quarters} kwartalen en de trend in de stad "
            f"{_nl(r.expected)} te verwachten was ({r.ratio:.0%} daarvan; "
            f"p = {_nl(r.p_adjusted, 3)} na correctie voor het aantal getoetste "
            "plaatsen). "
            "Minder melden kan groeiende onverschilligheid betekenen.")
        rows.append(_row("quiet", "all", settings.quiet_level, str(r.place_id),
                         start, end, city, observed=float(r.observed),
                         expected=float(r.expected), p_value=float(r.p_adjusted),
                         recurrence_days=np.nan, statistic=float(r.ratio),
                         radius_m=np.nan, n_locations=0,
                         method="meldingsbereidheid per plaats (kwartaal)",
                         evidence=evidence))
    return rows


def _hotspot_rows(city: _City, as_of: date, settings: WarnSettings) -> list[dict]:
    from veerkracht.analytics.indicators.hotspots import knn_weights
    from veerkracht.analytics.warning.hotspots import emerging_hot_spots

    last = last_complete_quarter(as_of)
    quarters = _quarters_back(last, settings.hotspot_quarters)
    first, _ = _quarter_window(quarters[0])
    if min(city.signals["day"]) > first:
        return []
    counts = _quarter_counts(city, settings.hotspot_level, quarters, "pressure")
    wide = counts.pivot(index="place_id", columns="quarter", values="signals")[quarters]
    n_dw = counts.drop_duplicates("place_id").set_index("place_id")["n_dwellings"]
    # Gi* on variance-stabilised residuals against the city's rate of the
    # quarter: sqrt(count + 3/8) - sqrt(expected + 3/8) (Anscombe). On raw
    # counts per dwelling, small street counts let false hot spots through
    # the FDR control (tests/analytics/test_warning_hotspots.py).
    count = wide.to_numpy(dtype="float64")
    size = n_dw.reindex(wide.index).to_numpy(dtype="float64")[:, None]
    expected = size * count.sum(axis=0, keepdims=True) / size.sum()
    rate = np.sqrt(count + 0.375) - np.sqrt(expected + 0.375)
    col = LEVEL_COLUMNS[settings.hotspot_level]
    dw = city.dwellings
    centre = dw.groupby(col, observed=True)[["x", "y"]].mean()
    centre.index = centre.index.astype(str)
    centre = centre.reindex(wide.index)
    if len(wide) < 10:
        return []
    w = knn_weights(centre.to_numpy(), 8)
    em = emerging_hot_spots(rate, w, alpha=settings.alpha)
    start, _ = _quarter_window(quarters[0])
    _, end = _quarter_window(last)
    rows = []
    alarm = {"new", "consecutive", "intensifying"}
    for i, (pid, r) in enumerate(zip(wide.index, em.itertuples(index=False),
                                     strict=True)):
        if r.category not in alarm:
            continue
        evidence = (
            f"Overlast en onveiligheid per woning: {r.label_nl} over de laatste "
            f"{len(quarters)} kwartalen (Getis-Ord Gi* met FDR-correctie, "
            f"{r.n_hot} kwartalen een hotspot; trend Mann-Kendall p = "
            f"{_nl(r.mk_p, 3)}).")
        rows.append(_row("hotspot", "pressure", settings.hotspot_level, str(pid),
                         start, end, city,
                         observed=float(count[i, -1]),
                         expected=float(expected[i, -1]),
                         p_value=float(r.mk_p), recurrence_days=np.nan,
                         statistic=float(r.mk_z), radius_m=np.nan, n_locations=0,
                         method=f"opkomende hotspot ({r.category})",
                         evidence=evidence))
    return rows


#: The demo's settings: fewer replicates and a smaller circle than a real
#: weekly run (999 replicates, 1000 m), so ``veerkracht demo`` stays quick;
#: p-values are then coarser (the smallest is 1/200).
DEMO_SETTINGS = WarnSettings(scan=ScanSettings(replicates=199, max_radius_m=500.0))


def run_demo_warn(ws: Workspace, progress: Progress = None) -> dict:
    """The early warning of ``veerkracht demo``: :data:`DEMO_SETTINGS`, last day."""
    return run_warn(ws, settings=DEMO_SETTINGS, progress=progress)
