"""``veerkracht evaluate``: what the registered interventions did (docs/evaluation.md).

Reads the workspace tables ``interventions`` and ``intervention_places``
(registered in the web application or the API, or planted in Voorbeeldstad),
the protected ``results`` and the latest period's ``protected_statistics``;
estimates, per intervention and per combination and for every outcome of
:data:`veerkracht.analytics.evaluation.panel.OUTCOMES`, the effect against
matched comparison places (:func:`veerkracht.analytics.evaluation.evaluate.
evaluate`); and stores every row in ``evaluations`` in one transaction.
Nothing here is published: :func:`published_evaluations` is the door.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from veerkracht.analytics import publication as pub
from veerkracht.analytics.evaluation.evaluate import evaluate
from veerkracht.analytics.evaluation.interventions import (
    check_interventions,
    combinations,
)
from veerkracht.analytics.evaluation.panel import (
    OUTCOMES,
    SIGNAL_OUTCOMES,
    result_panel,
    signal_panel,
)
from veerkracht.analytics.publication import door
from veerkracht.errors import WorkspaceError
from veerkracht.store.base import Workspace, utcnow

TABLE = "evaluations"
#: Seed of the placebo draws: the same workspace gives the same evaluation.
DEFAULT_SEED = 20261202
#: Default confidence level of the intervals.
DEFAULT_INTERVAL = 0.90


class EvaluateError(WorkspaceError):
    """Evaluation impossible (missing tables, bad input); message in Dutch."""


def _treatments(interventions: pd.DataFrame, places: pd.DataFrame):
    """(id, kind, title, domains, level, starts) per intervention and combination."""
    starts = dict(zip(interventions["intervention_id"].astype("str"),
                      interventions["start"], strict=True))
    titles = dict(zip(interventions["intervention_id"].astype("str"),
                      interventions["title"].astype("str"), strict=True))
    domains = dict(zip(interventions["intervention_id"].astype("str"),
                       interventions["domain"].astype("str"), strict=True))
    unknown = sorted(set(places["intervention_id"].astype("str")) - set(starts))
    if unknown:
        raise EvaluateError(f"plaatsen horen bij een onbekende interventie: "
                            f"{unknown[0]!r}")
    out = []
    for iid, rows in places.groupby(places["intervention_id"].astype("str")):
        for level, at in rows.groupby(rows["level"].astype("str")):
            s = pd.Series(starts[iid], index=at["place_id"].astype("str").unique())
            out.append((iid, "interventie", titles[iid], domains[iid], level, s))
    combos = combinations(places)
    for (level, combo), at in combos.groupby(["level", "combination"]):
        members = combo.split("+")
        start = max(pd.Timestamp(starts[m]) for m in members)
        s = pd.Series(start, index=at["place_id"].astype("str").unique())
        out.append((combo, "combinatie", " + ".join(titles[m] for m in members),
                    "+".join(sorted({domains[m] for m in members})), level, s))
    return out


def _public_places(stats: pd.DataFrame, rules) -> set[str]:
    """Places public under ``rules`` by their protected counts."""
    ok = pub.public_by_counts(stats["n_dwellings"], stats["n_households"], rules)
    return set(stats.loc[ok, "place_id"].astype("str"))


def run_evaluate(ws: Workspace, outcomes=None, interval: float = DEFAULT_INTERVAL,
                 seed: int = DEFAULT_SEED,
                 progress: Callable[..., None] | None = None) -> dict:
    """Evaluate every registered intervention and combination; store the rows.

    Parameters
    ----------
    outcomes : list of str, optional
        Keys of :data:`OUTCOMES`; all of them by default.
    interval : float
        Confidence level of the intervals (0.90).
    seed : int
        Seed of the placebo draws.
    progress : callable, optional
        ``advance(n=1, description=None, total=None)``.

    Returns
    -------
    dict
        ``rows``, ``estimated`` (rows with an effect), ``treatments``,
        ``outcomes``, ``statistics_period`` and ``operation``.
    """
    from veerkracht.jobs.publish import current_rules, latest_statistics

    outcomes = list(outcomes or OUTCOMES)
    bad = [o for o in outcomes if o not in OUTCOMES]
    if bad:
        raise EvaluateError(f"onbekende uitkomst {bad[0]!r}; kies uit "
                            f"{', '.join(OUTCOMES)}")
    if not 0 < interval < 1:
        raise EvaluateError("--interval moet tussen 0 en 1 liggen, bijvoorbeeld 0.9")
    for name in ("interventions", "intervention_places"):
        if not ws.has(name):
            raise EvaluateError(f"de werkmap heeft nog geen {name}: registreer "
                                "eerst interventies (webapplicatie of API)")
    try:
        interventions = check_interventions(ws.read("interventions"))
    except ValueError as exc:
        raise EvaluateError(str(exc)) from None
    places = ws.read("intervention_places")
    treatments = _treatments(interventions, places)
    if not treatments:
        raise EvaluateError("er zijn geen interventies met plaatsen om te evalueren")
    levels = sorted({t[4] for t in treatments})
    got = latest_statistics(ws, levels)
    if got is None:
        raise EvaluateError("er zijn nog geen beschermde statistieken; voer eerst "
                            "'veerkracht compute' uit")
    period, stats = got
    results = ws.read("results") if ws.has("results") else None
    rules = current_rules(ws)
    rng = np.random.default_rng(seed)
    from veerkracht.analytics.evaluation.deviance import composition

    panels: dict[tuple[str, str], pd.DataFrame | str] = {}
    shares: dict[str, pd.DataFrame] = {}
    for level in levels:
        st = stats[stats["level"] == level]
        public = _public_places(st, rules)
        shares[level] = composition(st[st["place_id"].astype("str").isin(public)])
        for outcome in outcomes:
            try:
                if outcome in SIGNAL_OUTCOMES:
                    panel = signal_panel(st, period, SIGNAL_OUTCOMES[outcome][0])
                elif results is None:
                    raise ValueError("er zijn nog geen resultaten")
                else:
                    panel = result_panel(results, level, outcome)
            except ValueError as exc:
                panels[level, outcome] = str(exc)
                continue
            panels[level, outcome] = panel[panel["place_id"].isin(public)]
    excluded = {lv: set(places.loc[places["level"].astype("str") == lv, "place_id"]
                        .astype("str")) for lv in levels}
    total = len(treatments) * len(outcomes)
    if progress is not None:
        progress(0, description="Interventies evalueren", total=total)
    rows = []
    for tid, kind, title, domains, level, starts in treatments:
        for outcome in outcomes:
            panel = panels[level, outcome]
            row = {"treatment_id": tid, "kind": kind, "title": title,
                   "domains": domains, "level": level, "outcome": outcome,
                   "interval": interval}
            if isinstance(panel, str):
                row |= {"status": "geen_uitkomst", "message": panel}
            else:
                ev = evaluate(panel, starts, outcome, excluded=excluded[level],
                              rng=rng, level=interval, composition=shares[level])
                row |= _row(ev)
            rows.append(row)
            if progress is not None:
                progress(1, description=f"{title}: {OUTCOMES[outcome]}")
    frame = pd.DataFrame(rows)
    frame["statistics_period"] = period
    frame["computed_at"] = utcnow()
    frame["seed"] = seed
    for col in frame.columns:
        if frame[col].dtype == object:
            frame[col] = frame[col].astype("str")
    with ws.transaction("evaluate", source="veerkracht evaluate") as tx:
        tx.put(TABLE, frame)
        tx.summary.update({"rows": len(frame), "statistics_period": period})
    return {"rows": len(frame), "estimated": int((frame["status"] == "ok").sum()),
            "treatments": len(treatments), "outcomes": outcomes,
            "statistics_period": period, "operation": ws.operations()[-1].id}


def _row(ev) -> dict:
    """The stored columns of one :class:`Evaluation`."""
    nan = float("nan")
    row = {"status": ev.status, "message": ev.message,
           "method": ev.effect.method if ev.effect else "",
           "n_treated": len(ev.treated), "n_comparison": len(ev.comparison),
           "treated_places": ";".join(ev.treated),
           "comparison_places": ";".join(ev.comparison),
           "periods": f"{ev.periods[0]}–{ev.periods[-1]}" if ev.periods else "",
           "treated_mean_before": ev.treated_mean_before}
    e, p = ev.effect, ev.placebo
    lo, hi = e.interval if e else (nan, nan)
    plo, phi = p.interval if p else (nan, nan)
    row |= {"att": e.att if e else nan, "se": e.se if e else nan, "lo": lo, "hi": hi,
            "pretrend_p": (e.pretrend_p if e and e.pretrend_p is not None else nan),
            "placebo_att": p.att if p else nan, "placebo_lo": plo, "placebo_hi": phi}
    return row


@door
def published_evaluations(ws: Workspace, audience: str = "public") -> pd.DataFrame:
    """The stored evaluations through the publication door.

    :func:`veerkracht.analytics.publication.publish_evaluations`: figures only
    for estimated effects on at least two public places, rounded; the place
    lists only for ``'assigned'``. Empty when nothing was evaluated.
    """
    from veerkracht.jobs.publish import current_rules

    frame = (ws.read(TABLE) if ws.has(TABLE) else
             pd.DataFrame({"status": pd.Series(dtype="str"),
                           "n_treated": pd.Series(dtype="float64")}))
    return pub.publish_evaluations(frame, current_rules(ws), audience)


__all__ = ["EvaluateError", "published_deviance", "published_evaluations",
           "run_evaluate"]


def _deviance_of(ws: Workspace, level: str, period: str,
                 results: pd.DataFrame, rules, interval: float) -> pd.DataFrame:
    """Positive deviance of one level and period, on public places only."""
    from veerkracht.analytics.evaluation.deviance import composition, positive_deviance
    from veerkracht.jobs.publish import protected_statistics_of

    got = protected_statistics_of(ws, period, [level])
    if got is None:
        raise EvaluateError(f"periode {period} heeft geen beschermde statistieken")
    st = got[1]
    public = _public_places(st, rules)
    rows = results[(results["level"].astype("str") == level)
                   & (results["period"].astype("str") == period)]
    if "statistics" in rows.columns:
        rows = rows[rows["statistics"].astype("str") == "protected"]
    rows = rows[rows["place_id"].astype("str").isin(public)]
    rows = rows.drop_duplicates("place_id", keep="last").set_index(
        rows["place_id"].astype("str").to_numpy())
    comp = composition(st[st["place_id"].astype("str").isin(public)])
    comp = comp[~comp.index.duplicated(keep="last")]
    try:
        return positive_deviance(rows["balance"].astype("float64"),
                                 rows["balance_sd"].astype("float64"), comp,
                                 level=interval)
    except ValueError as exc:
        raise EvaluateError(str(exc)) from None


@door
def published_deviance(ws: Workspace, level: str = "block", period: str | None = None,
                       interval: float = DEFAULT_INTERVAL) -> pd.DataFrame:
    """Places doing clearly better than their composition predicts (public).

    :mod:`veerkracht.analytics.evaluation.deviance` on the protected balance
    of the places that are public under the rules, with the composition from
    their protected statistics; figures rounded at the door. Columns:
    ``place_id``, ``name``, ``rank``, ``balance``, ``predicted``,
    ``deviation``, ``deviation_lo``, ``deviation_hi``, ``positive`` and
    ``interventions`` (titles of the interventions registered there). The
    frame's ``attrs`` hold ``period``, ``previous``, ``rank_correlation``
    with the previous period (Spearman) and ``common`` (places in both).
    """
    from veerkracht.analytics.evaluation.deviance import rank_stability
    from veerkracht.analytics.evaluation.panel import period_order
    from veerkracht.jobs.publish import current_rules

    if level not in ("entrance", "building", "block", "street", "buurt"):
        raise EvaluateError(f"onbekend niveau {level!r}; kies entrance, building, "
                            "block, street of buurt")
    for name in ("results", "protected_statistics"):
        if not ws.has(name):
            raise EvaluateError("er zijn nog geen beschermde resultaten; voer eerst "
                                "'veerkracht compute' uit")
    results = ws.read("results")
    periods = period_order(results.loc[results["level"].astype("str") == level,
                                       "period"])
    if not periods:
        raise EvaluateError(f"niveau {level} is niet berekend")
    period = str(period or periods[-1])
    if period not in periods:
        raise EvaluateError(f"periode {period} is niet berekend; wel: "
                            f"{', '.join(periods)}")
    rules = current_rules(ws)
    now = _deviance_of(ws, level, period, results, rules, interval)
    previous = periods[periods.index(period) - 1] if periods.index(period) else None
    rho, common = float("nan"), 0
    if previous is not None:
        try:
            before = _deviance_of(ws, level, previous, results, rules, interval)
            rho, common = rank_stability(now, before)
        except EvaluateError:
            pass
    names = {}
    table = f"place_{level}"
    if ws.has(table):
        p = ws.read(table, columns=["place_id", "name"])
        names = dict(zip(p["place_id"].astype("str"), p["name"].astype("str"),
                         strict=True))
    titles: dict[str, list[str]] = {}
    if ws.has("interventions") and ws.has("intervention_places"):
        iv = ws.read("interventions")
        title = dict(zip(iv["intervention_id"].astype("str"),
                         iv["title"].astype("str"), strict=True))
        ip = ws.read("intervention_places")
        for r in ip[ip["level"].astype("str") == level].itertuples():
            titles.setdefault(str(r.place_id), []).append(title.get(
                str(r.intervention_id), str(r.intervention_id)))
    out = now.reset_index(names="place_id")
    out = out.rename(columns={"index": "place_id"})
    out.insert(1, "name", out["place_id"].map(names).fillna(""))
    out["balance"] = out["predicted"] + out["residual"]
    out["interventions"] = ["; ".join(titles.get(p, [])) for p in out["place_id"]]
    for col in ("balance", "predicted", "deviation", "deviation_lo", "deviation_hi"):
        out[col] = out[col].round(rules.decimals)
    # "clearly better" as published: a lower end that rounds to 0 is not
    # above 0 on the page (one CI draw showed a positive place at 0.000)
    out["positive"] = out["positive"] & (out["deviation_lo"] > 0)
    out = out[["place_id", "name", "rank", "balance", "predicted", "deviation",
               "deviation_lo", "deviation_hi", "positive", "interventions"]]
    out.attrs = {"period": period, "previous": previous,
                 "rank_correlation": None if rho != rho else round(rho, 3),
                 "common": common, "level": level}
    return out


LIBRARY_TABLE = "library_entries"


@door
def published_library(ws: Workspace, gemeente: str | None = None) -> dict:
    """This workspace's knowledge library: every published effect, as a document.

    From :func:`published_evaluations` (public audience: the door's figures,
    how many places, never which) and the ``interventions`` descriptions, in
    the format of :mod:`veerkracht.analytics.evaluation.library`; checked
    against its own schema before it is returned. ``gemeente``: the CBS
    code (``GM0014``) of the municipality that shares it, default the
    workspace's only one. Stories go along only from ``shared_stories``
    (approved by the privacy officer in the web application), without place
    or author.
    """
    from veerkracht.analytics.evaluation.library import (
        build_library,
        check_library,
        stories_of,
    )

    places = ws.read("place_gemeente", columns=["place_id", "name"]) if ws.has(
        "place_gemeente") else pd.DataFrame({"place_id": [], "name": []})
    known = dict(zip(places["place_id"].astype("str"), places["name"].astype("str"),
                     strict=True))
    if gemeente is None:
        if len(known) != 1:
            raise EvaluateError("kies de gemeente die de bibliotheek deelt met "
                                f"--gemeente (de werkmap heeft er {len(known)})")
        gemeente = next(iter(known))
    if gemeente not in known:
        raise EvaluateError(f"gemeente {gemeente!r} is niet in de werkmap; wel: "
                            f"{', '.join(sorted(known)) or 'geen'}")
    shown = published_evaluations(ws)
    interventions = ws.read("interventions") if ws.has("interventions") else \
        pd.DataFrame()
    stories = stories_of(ws.read("shared_stories") if ws.has("shared_stories")
                         else None,
                         ws.read("intervention_places") if ws.has(
                             "intervention_places") else pd.DataFrame())
    document = build_library(shown, interventions,
                             {"code": gemeente, "name": known[gemeente]}, utcnow(),
                             stories=stories)
    return check_library(document)


def import_library(ws: Workspace, data: bytes | str) -> dict:
    """Check another municipality's library and keep its entries beside one's own.

    The entries replace those of an earlier import from the same
    municipality (table ``library_entries``, one transaction). Returns
    ``municipality``, ``entries`` and ``effects``. A document that does not
    follow the format is refused whole (:class:`LibraryError`).
    """
    from veerkracht.analytics.evaluation.library import check_library, library_entries

    document = check_library(data)
    rows = library_entries(document)
    code = document["municipality"]["code"]
    if ws.has(LIBRARY_TABLE):
        old = ws.read(LIBRARY_TABLE)
        old = old[old["municipality_code"].astype("str") != code]
        rows = pd.concat([old, rows], ignore_index=True) if len(old) else rows
    with ws.transaction("library-import", source=f"kennisbibliotheek {code}") as tx:
        tx.put(LIBRARY_TABLE, rows)
        tx.summary.update({"municipality": code,
                           "entries": len(document["entries"])})
    return {"municipality": document["municipality"],
            "entries": len(document["entries"]),
            "effects": int(sum(len(e["effects"]) for e in document["entries"]))}
