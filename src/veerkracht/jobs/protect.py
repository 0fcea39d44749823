"""Protect the place statistics of a period once, and keep the budget ledger.

:func:`protected_statistics` is the only way the per-place statistics leave
their exact form (ADR 0006): it counts them from the workspace
(:func:`veerkracht.analytics.statistics.place_statistics`), adds OpenDP
noise (:func:`veerkracht.analytics.dp.protect_statistics`) and stores the
draw in ``protected_statistics`` together with a row in the append-only
``privacy_ledger``, in one transaction. Every later call for that period
returns the stored draw, so recomputing with another model file, level or
setting costs nothing. A new draw costs budget again and is only made when
asked for (``redraw=True``); it is recorded in the ledger.

When ``dwellings``, ``households`` or ``signals`` changed after a period was
protected, the stored draw no longer describes the data: the call refuses
(in Dutch) and asks for an explicit redraw.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd

from veerkracht.analytics.dp import (
    LEDGER_COLUMNS,
    LEVELS,
    Ledger,
    NoisePlan,
    PrivacyError,
    bound_contributions,
    ledger_row,
    protect_statistics,
)
from veerkracht.analytics.model.periods import PeriodError, parse_period
from veerkracht.analytics.places import LEVEL_COLUMNS
from veerkracht.analytics.statistics import (
    COUNT_COLUMNS,
    HOUSEHOLD_COLUMNS,
    SIGNAL_COLUMNS,
    STATISTICS_VERSION,
    place_statistics,
)
from veerkracht.store import Workspace, concat_rows

Progress = Callable[..., None] | None

PROTECTED_TABLE = "protected_statistics"
LEDGER_TABLE = "privacy_ledger"
#: Tables whose version is recorded with a draw (a change makes it stale).
SOURCE_TABLES = ("dwellings", "households", "signals")
#: Level columns of ``dwellings`` (as ``veerkracht compute`` reads them).
DWELLING_LEVEL_COLUMNS = tuple(LEVEL_COLUMNS.values())
#: Household fields the statistics count (see statistics.place_statistics).
_HOUSEHOLD_FIELDS = ("household_key", "address_id", "tenure_start", "tenure_end",
                     "household_type", "need_care", "need_income", "need_outflow",
                     "need_frail_elderly", "urgency")
#: Threads that sample noise for large levels (OpenDP's calls release the
#: GIL; see docs/benchmarks.md).
NOISE_WORKERS = 2
#: Progress steps besides one per level.
STEPS = 3


class ProtectError(Exception):
    """The statistics cannot be protected or returned; Dutch, for the user."""


def _tick(progress: Progress, n: int = 1, description: str | None = None) -> None:
    if progress is not None:
        progress(n, description=description)


def _versions(ws: Workspace) -> dict[str, int | None]:
    info = {t.name: t.version for t in ws.tables()}
    return {t: info.get(t) for t in SOURCE_TABLES}


def ledger(ws: Workspace) -> Ledger:
    """The privacy ledger of the workspace (empty when nothing was protected)."""
    if not ws.has(LEDGER_TABLE):
        return Ledger.from_rows([])
    return Ledger(ws.read(LEDGER_TABLE))


def privacy_budget(ws: Workspace) -> dict:
    """ρ and ε (δ = 10⁻⁶) spent over all periods and draws, plus per period.

    ``per_period`` maps period -> {"draws", "rho_households", "rho_signals"}.
    """
    led = ledger(ws)
    totals = led.totals()
    rows = led.rows
    totals["per_period"] = {
        str(p): {"draws": len(g), "rho_households": float(g["rho_households"].sum()),
                 "rho_signals": float(g["rho_signals"].sum())}
        for p, g in rows.groupby("period", sort=True)} if len(rows) else {}
    return totals


def _exact_statistics(ws: Workspace, period) -> dict[str, pd.DataFrame]:
    """Exact statistics from the workspace (confidential, never stored).

    Reads with the readers of ``veerkracht compute`` (only the columns the
    statistics count), but independently of any model file: what is
    protected must not depend on the model.
    """
    from veerkracht.jobs.compute import _read

    if not ws.has("dwellings"):
        raise ProtectError("er zijn nog geen plaatsen afgeleid; voer eerst "
                           "'veerkracht places' uit (na 'veerkracht import "
                           "addresses')")
    if not ws.has("households"):
        raise ProtectError(
            "er zijn geen huishoudens; lees ze in met 'veerkracht import households "
            "BESTAND' of maak een synthetische laag met 'veerkracht synth households'")
    dwellings = _read(ws, "dwellings", ["address_id", *DWELLING_LEVEL_COLUMNS,
                                        "geometry"], points=True)
    stored = set(ws.columns("households"))
    missing = [f for f in ("address_id", "tenure_start", "tenure_end")
               if f not in stored]
    if missing:
        raise ProtectError(f"de huishoudens missen de velden {missing}; lees ze "
                           "opnieuw in")
    households = bound_contributions(
        ws.read("households", columns=[f for f in _HOUSEHOLD_FIELDS if f in stored]),
        period.end)
    signals = None
    if ws.has("signals"):
        cols = set(ws.columns("signals"))
        if not {"reported_at", "category"} <= cols:
            raise ProtectError("de meldingen missen 'reported_at' of 'category'; "
                               "lees ze opnieuw in")
        signals = _read(ws, "signals", [c for c in (
            "reported_at", "category", "address_id", "geometry") if c in cols],
            points=True)
    return place_statistics(dwellings, households, signals, period)


def _stored(ws: Workspace, label: str, row: dict) -> tuple[dict, dict]:
    table = ws.read(PROTECTED_TABLE)
    table = table[table["period"].astype(str) == label]
    stats, sd = {}, {}
    for lv in LEVELS:
        if math.isnan(row[f"sigma_households_{lv}"]):
            continue
        part = table[table["level"].astype(str) == lv]
        frame = part.drop(columns=["level", "period"]).reset_index(drop=True)
        frame["place_id"] = frame["place_id"].astype("str")
        for c in ("n_dwellings", *COUNT_COLUMNS):
            frame[c] = frame[c].astype("int64")
        stats[lv] = frame
        sd[lv] = {**dict.fromkeys(HOUSEHOLD_COLUMNS, row[f"sigma_households_{lv}"]),
                  **dict.fromkeys(SIGNAL_COLUMNS, row[f"sigma_signals_{lv}"])}
    return stats, sd


def _same_plan(plan: NoisePlan, row: dict) -> bool:
    sigma = plan.sigma_households()
    return (math.isclose(plan.rho_households, row["rho_households"])
            and math.isclose(plan.rho_signals, row["rho_signals"])
            and int(plan.band_min) == int(row["band_min"])
            and all(math.isnan(row[f"sigma_households_{lv}"])
                    or math.isclose(s, row[f"sigma_households_{lv}"])
                    for lv, s in sigma.items()))


def _stale(row: dict, now: dict[str, int | None]) -> list[str]:
    names = {"dwellings": "de woningen (plaatsen)", "households": "de huishoudens",
             "signals": "de meldingen"}
    changed = []
    for t in SOURCE_TABLES:
        before = int(row[f"{t}_version"])
        current = -1 if now[t] is None else int(now[t])
        if before != current:
            changed.append(names[t])
    return changed


def protected_statistics(ws: Workspace, period, plan: NoisePlan | None = None,
                         redraw: bool = False, progress: Progress = None
                         ) -> tuple[dict[str, pd.DataFrame],
                                    dict[str, dict[str, float]], dict]:
    """The protected statistics of ``period``: the stored draw, or a first one.

    Parameters
    ----------
    ws : Workspace
        Needs ``dwellings`` and ``households``; ``signals`` when present.
    period : str or Period
        ``2025`` or ``2025-Q3``.
    plan : NoisePlan, optional
        For a first draw or a redraw; default :class:`NoisePlan`. For a
        period already protected it must match the stored draw (or be None).
    redraw : bool
        Draw again for a protected period: costs budget again (ledger).
    progress : callable, optional
        ``progress(n, description=...)``; :data:`STEPS` plus one per level.

    Returns
    -------
    stats, noise_sd, ledger_row
        level -> protected frame (``place_id``, ``n_dwellings``,
        :data:`~veerkracht.analytics.statistics.COUNT_COLUMNS`), level ->
        {column: σ}, and the ledger row (dict) of the draw returned.
    """
    try:
        per = period if hasattr(period, "label") else parse_period(period)
    except PeriodError as exc:
        raise ProtectError(f"onbekende periode {period!r}: {exc}") from exc
    # One draw at a time per workspace, across processes (ADR 0010): a second
    # run waits, then finds the first one's draw in the ledger and returns it,
    # so two runs at once neither draw nor charge the budget twice.
    with ws.lock(f"privacy protect {per.label}"):
        return _protected_statistics_locked(ws, per, plan, redraw, progress)


def _protected_statistics_locked(ws: Workspace, per, plan: NoisePlan | None,
                                 redraw: bool, progress: Progress
                                 ) -> tuple[dict[str, pd.DataFrame],
                                            dict[str, dict[str, float]], dict]:
    label = per.label
    now = _versions(ws)
    rows = ledger(ws).for_period(label)
    if len(rows) and not redraw:
        row = rows.iloc[-1].to_dict()
        changed = _stale(row, now)
        if changed:
            raise ProtectError(
                f"sinds de bescherming van periode {label} zijn "
                f"{' en '.join(changed)} veranderd; de bewaarde beschermde "
                "statistieken horen niet meer bij de gegevens. Trek opnieuw met "
                f"'veerkracht privacy protect --period {label} --redraw' (dat "
                "kost opnieuw privacybudget en komt in het grootboek)")
        if str(row["statistics_version"]) != STATISTICS_VERSION:
            raise ProtectError(
                f"periode {label} is beschermd met statistiekversie "
                f"{row['statistics_version']}, de huidige is {STATISTICS_VERSION}; "
                "trek opnieuw met --redraw")
        if plan is not None and not _same_plan(plan, row):
            raise ProtectError(
                f"periode {label} is al beschermd (ρ huishoudens "
                f"{row['rho_households']:g}, ρ meldingen {row['rho_signals']:g}, "
                f"drempel {int(row['band_min'])} woningen); een nieuwe trekking "
                "met andere instellingen kost extra privacybudget en gebeurt "
                "alleen met --redraw")
        stats, sd = _stored(ws, label, row)
        _tick(progress, STEPS + len(LEVELS), "Bewaarde trekking gelezen")
        return stats, sd, row

    plan = plan or NoisePlan()
    try:
        plan.verify()
    except PrivacyError as exc:
        raise ProtectError(str(exc)) from exc
    _tick(progress, 1, "Gegevens lezen")
    exact = _exact_statistics(ws, per)
    exact = {lv: f for lv, f in exact.items() if lv in plan.levels}
    _tick(progress, 1, "Ruis toevoegen")
    try:
        stats, sd = protect_statistics(exact, plan, progress=progress,
                                       workers=NOISE_WORKERS)
    except PrivacyError as exc:
        raise ProtectError(str(exc)) from exc
    _tick(progress, len(LEVELS) - len(stats), "Beschermde statistieken opslaan")
    row = ledger_row(plan, label, "redraw" if len(rows) else "protect", now,
                     levels=list(stats))
    long = pd.concat([f.assign(level=lv, period=label) for lv, f in stats.items()],
                     ignore_index=True)
    long = long[["level", "period", "place_id", "n_dwellings", *COUNT_COLUMNS]]
    long["level"] = long["level"].astype("str")
    with ws.transaction("privacy protect", source=f"periode {label}") as tx:
        if ws.has(PROTECTED_TABLE):
            old = ws.read(PROTECTED_TABLE)
            old = old[old["period"].astype(str) != label]
            long = concat_rows([old, long])
        tx.put(PROTECTED_TABLE, long)
        tx.append(LEDGER_TABLE, pd.DataFrame([row], columns=list(LEDGER_COLUMNS)))
        tx.summary = {"period": label, "operation": row["operation"],
                      "rho_households": row["rho_households"],
                      "rho_signals": row["rho_signals"],
                      "places": {lv: len(f) for lv, f in stats.items()}}
    _tick(progress, 1, "Opgeslagen")
    return stats, sd, row
