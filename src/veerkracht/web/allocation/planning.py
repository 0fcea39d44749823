"""A year's plan and multi-year scenarios, for the roles that plan (thin layer).

Every figure comes from :mod:`veerkracht.jobs.allocate` —
:func:`~veerkracht.jobs.allocate.published_plan` and
:func:`~veerkracht.jobs.allocate.published_scenario`, both behind the
publication door — and the files are the ones ``veerkracht allocate``
writes (:func:`~veerkracht.jobs.allocate.plan_outputs`). This module

* reads an uploaded PLAN.csv as the CLI does (every refused row with its
  line in the file);
* refuses a plan with vacancies outside the user's areas
  (:func:`veerkracht.web.accounts.scoping.dwellings_in_areas`): a
  corporation plans within its own areas, a policy adviser assigned the
  gemeente within the whole municipality;
* keeps of the advice per place only the places the user's role and areas
  let them see (a corporation no streets, a policy adviser no blocks or
  entrances), on the page and in the download alike;
* keeps a run's answer for its user only, in the site's cache for
  :data:`RESULT_SECONDS` under a random key held in the user's session
  (never in a URL), so the downloads are the page's own numbers.

The audit trail gets what was asked — the number of vacancies, households per
category, the status — never an address or the file.
"""

from __future__ import annotations

import re
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from django.core.cache import cache
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from veerkracht.analytics.allocation.categories import CATEGORIES, CODES
from veerkracht.jobs import allocate
from veerkracht.web import workspace
from veerkracht.web.accounts import roles, scoping
from veerkracht.web.levels import LABELS

#: an uploaded plan may be this large (bytes)
MAX_BYTES = 1_000_000
#: seconds for the optimiser: the default and the most a user may choose
TIME_LIMIT = 20
MAX_TIME_LIMIT = 60
#: how long a run's answer stays for its downloads
RESULT_SECONDS = 30 * 60
SESSION_KEY = "allocation_plan"

#: what each solver status says on the page
STATUS = {
    "optimal": gettext_lazy("optimaal"),
    "within_gap": gettext_lazy("binnen 1 % van optimaal, bewezen door de ondergrens "
                               "van de solver"),
    "time_limit": gettext_lazy("tijdslimiet bereikt"),
    "partial": gettext_lazy("gedeeltelijk: niet iedereen geplaatst, geen plaats "
                            "zakt een klasse"),
    "infeasible": gettext_lazy("onhaalbaar: niet iedereen past"),
    "caps_not_met": gettext_lazy("niet veilig: er zakken nog plaatsen een klasse"),
    "heuristic": gettext_lazy("benadering"),
}
#: the audit purposes of a run, by status (and of a refusal and a download)
PURPOSES = (*(f"plan_{s}" for s in STATUS), "plan_rejected", "plan_outside",
            "plan_download", "plan_example", "scenario", "scenario_download")

#: the fairness indicators on the page, in this order (eerlijkheid.csv has all)
INDICATORS = {
    "dissimilarity": gettext_lazy("segregatie-index D"),
    "isolation": gettext_lazy("isolatie-index xPx*"),
    "largest_share": gettext_lazy("grootste aandeel met ondersteuningsbehoefte in "
                                  "een straat"),
    "under_pressure": gettext_lazy("aandeel met ondersteuningsbehoefte in een plaats "
                                   "“onder druk” of slechter"),
    "gini": gettext_lazy("Gini-coëfficiënt over straten"),
}
STATES = {"huidig": gettext_lazy("nu"), "advies": gettext_lazy("advies"),
          "naief": gettext_lazy("eerst komt, eerst maalt")}


class PlanRefused(ValueError):
    """An uploaded plan that was not run: the Dutch lines say why (each with
    its line in the file where there is one)."""

    def __init__(self, message: str, lines=()):
        super().__init__(message)
        self.lines = list(lines)


@dataclass
class PlanResult:
    """What the result page shows and the downloads hand out."""

    token: str
    user_id: int
    summary: dict
    status_label: str
    fairness: list
    lorenz: list
    per_place: list
    hidden_places: int
    per_dwelling_rows: int
    files: dict = field(default_factory=dict)


# -- the example ----------------------------------------------------------------

def example_for(user) -> str:
    """An example plan on the workspace's addresses inside the user's areas."""
    inside = scoping.dwellings_in_areas(user)
    every = workspace.table("dwellings", ("address_id",))
    all_ids = set() if every is None else set(every["address_id"].astype("str"))
    try:
        return allocate.example_plan_text(
            workspace.workspace(), None if inside >= all_ids else inside)
    except allocate.AllocationError as exc:
        raise PlanRefused(str(exc)) from None


# -- reading and checking an uploaded plan ----------------------------------------

def _safe_name(name: str) -> str:
    stem = Path(str(name or "plan")).stem
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", stem)[:60].strip("._") or "plan"
    return stem + ".csv"


def read_upload(uploaded) -> tuple[object, pd.DataFrame]:
    """The read plan and its vacancies (with their lines), or
    :class:`PlanRefused` listing every rejected row as the CLI reports it."""
    if uploaded.size > MAX_BYTES:
        raise PlanRefused(_("Het bestand is groter dan %(mb)s MB; een plan voor een "
                            "jaar past ruim daarbinnen.") % {"mb": MAX_BYTES // 10**6})
    ws = workspace.workspace()
    with tempfile.TemporaryDirectory(prefix="veerkracht-plan-") as tmp:
        path = Path(tmp) / _safe_name(uploaded.name)
        with path.open("wb") as fh:
            for chunk in uploaded.chunks():
                fh.write(chunk)
        try:
            plan = allocate.read_plan_file(path)
            vacancies = allocate.plan_vacancy_lines(ws, plan)
        except allocate.AllocationError as exc:
            raise PlanRefused(_rejected_header(exc),
                              [r.describe() for r in exc.rows]) from None
    return plan, vacancies


def _rejected_header(exc: allocate.AllocationError) -> str:
    n = len(exc.rows)
    if not n:
        return str(exc)
    first = str(exc).splitlines()[0]
    if n == 1:
        return first
    return _("%(n)s regels van het plan zijn afgekeurd; er is niets berekend.") % {
        "n": n}


def outside_lines(user, vacancies: pd.DataFrame) -> list[str]:
    """Dutch lines for every plan line with a vacancy outside the user's areas."""
    inside = scoping.dwellings_in_areas(user)
    out = vacancies[~vacancies["address_id"].astype(str).isin(inside)]
    lines = []
    for line, rows in out.groupby("line", sort=True):
        if (rows["soort"] == "voorraad").any():
            lines.append(_("regel %(line)s: %(n)s vrijkomende woningen van deze "
                           "voorraad liggen buiten uw gebieden")
                         % {"line": line, "n": int(rows["count"].sum())})
        else:
            lines.append(_("regel %(line)s: deze woning ligt buiten uw gebieden")
                         % {"line": line})
    return lines


def demand_of(plan) -> dict[str, int]:
    """Households per category (and ``urgent``: of them via urgency) of a plan."""
    counts = dict.fromkeys(CODES, 0)
    urgent = 0
    for g in plan.groups:
        counts[g.category.code] += int(g.count)
        urgent += int(g.count) if g.urgent else 0
    counts = {c: n for c, n in counts.items() if n}
    counts["urgent"] = urgent
    return counts


def audit_object(prefix: str, vacancies: int | None, counts: dict) -> str:
    """``plan:v12:zorg3:inkomen5:urgent5``: sizes and categories, no address."""
    parts = [prefix]
    if vacancies is not None:
        parts.append(f"v{int(vacancies)}")
    parts += [f"{code}{int(n)}" for code, n in counts.items()]
    return ":".join(parts)[:120]


# -- running it -----------------------------------------------------------------

def _plain(value):
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


def _visible_places(user, per_place: pd.DataFrame) -> pd.DataFrame:
    """The rows of places the user's role and areas let them see."""
    levels = set(roles.levels_for(user))
    keep = np.array([lv in levels and scoping.can_see(user, lv, str(pid))
                     for lv, pid in zip(per_place["niveau"], per_place["plaats_id"],
                                        strict=True)], dtype=bool)
    return per_place[keep].reset_index(drop=True)


def _names(places: pd.DataFrame) -> dict:
    """Names of the places (street name, a block's or entrance's address)."""
    from veerkracht.web.places import services as place_services

    out = {}
    for lv, part in places.groupby("niveau"):
        ids = [str(p) for p in part["plaats_id"].unique()]
        for pid, name in place_services.shown_places(str(lv), ids).items():
            out[(str(lv), str(pid))] = name
    return out


def run(user, plan, vacancies: pd.DataFrame, time_limit: float) -> PlanResult:
    """Solve the plan through the door and keep the answer for ``user``."""
    time_limit = float(min(max(time_limit, 1), MAX_TIME_LIMIT))
    try:
        got = allocate.published_plan(workspace.workspace(), plan,
                                      time_limit=time_limit)
    except allocate.AllocationError as exc:
        raise PlanRefused(str(exc).splitlines()[0],
                          [r.describe() for r in exc.rows]) from None
    places = _visible_places(user, got["per_plaats"])
    shown = {**got, "per_plaats": places}
    names = _names(places)
    cat_labels = dict(categories())
    s = got["samenvatting"]
    label = str(STATUS.get(s["status"], s["status_tekst"]))
    fair = got["eerlijkheid"]
    fairness = []
    order = {lv: i for i, lv in enumerate(("entrance", "building", "block", "street",
                                           "buurt", "wijk", "gemeente"))}
    for ind, name in INDICATORS.items():
        part = fair[fair["indicator"] == ind]
        part = part.iloc[np.argsort([order.get(lv, 99) for lv in part["niveau"]],
                                    kind="stable")]
        rows = [{"level": str(LABELS.get(r.niveau, r.niveau)),
                 **{k: _plain(getattr(r, k)) for k in STATES}}
                for r in part.itertuples()]
        if rows:
            fairness.append({"indicator": ind, "label": str(name), "rows": rows})
    lorenz = [{"state": st, "households": _plain(h), "need": _plain(n)}
              for st, h, n in got["lorenz"][["toestand", "households", "need"]]
              .itertuples(index=False)]
    result = PlanResult(
        token=secrets.token_urlsafe(16),
        user_id=user.pk,
        summary={k: _plain(v) if not isinstance(v, list) else v
                 for k, v in s.items()},
        status_label=label,
        fairness=fairness,
        lorenz=lorenz,
        per_place=[{"level": str(r["niveau"]),
                    "level_label": str(LABELS.get(r["niveau"], r["niveau"])),
                    "place_id": str(r["plaats_id"]),
                    "name": names.get((r["niveau"], str(r["plaats_id"])), ""),
                    "category": str(r["categorie"]),
                    "category_label": cat_labels.get(r["categorie"], r["categorie"]),
                    "urgent": r["urgentie"] == "ja", "placed": int(r["geplaatst"]),
                    "shown": r["zichtbaarheid"] == "public",
                    "headroom": _plain(r["ruimte"])}
                   for r in places.to_dict("records")],
        hidden_places=len(got["per_plaats"]) - len(places),
        per_dwelling_rows=len(got["per_woning"]),
        files=allocate.plan_outputs(shown),
    )
    return result


def _key(user_id: int, token: str) -> str:
    return f"veerkracht:allocation-plan:{int(user_id)}:{token}"


def keep(request, result: PlanResult) -> None:
    """Keep the answer for this user; the session holds only its random key."""
    cache.set(_key(result.user_id, result.token), result, RESULT_SECONDS)
    request.session[SESSION_KEY] = result.token


def kept(request) -> PlanResult | None:
    """The user's last answer, while it is kept (never another user's)."""
    token = request.session.get(SESSION_KEY)
    if not token or not request.user.is_authenticated:
        return None
    result = cache.get(_key(request.user.pk, str(token)))
    if result is None or result.user_id != request.user.pk:
        return None
    return result


# -- scenarios --------------------------------------------------------------------

def policies() -> list[tuple[str, str]]:
    from veerkracht.analytics.allocation.scenario import POLICIES

    return [(code, _(label)) for code, label in POLICIES.items()]


def categories() -> list[tuple[str, str]]:
    return [(c.code, _(c.label)) for c in CATEGORIES]


def _norm(name: str) -> str:
    return " ".join(str(name).casefold().split())


def corporations_for(user) -> list[str]:
    """The stock's corporations the user may run a scenario for: every one
    for a policy adviser; for a corporation only its own (the stock's name is
    the organisation's name, or starts with it)."""
    stock = workspace.table("stock", ("corporatie",))
    if stock is None:
        return []
    names = sorted(stock["corporatie"].dropna().astype("str").unique())
    if roles.role_of(user) != roles.CORPORATION:
        return names
    profile = getattr(user, "profile", None)
    org = _norm(profile.organisation.name) if profile is not None and \
        profile.organisation_id is not None else ""
    if len(org) < 4:
        return []
    return [n for n in names if _norm(n) == org or _norm(n).startswith(org)]


def demand_text(counts: dict[str, int], urgent: dict[str, int]) -> str:
    """``zorg=40,uitstroom+urgent=30`` (what ``--demand`` takes)."""
    parts = [f"{code}={int(n)}" for code, n in counts.items() if n]
    parts += [f"{code}+urgent={int(n)}" for code, n in urgent.items() if n]
    return ",".join(parts)


@dataclass
class ScenarioAnswer:
    seed: int
    years: list
    period: str
    turnover: float
    corporation: str | None
    levels: list  # [{"level", "label", "rows": [{"policy", "label", "values",
    #                "unplaced", "cells"}], "svg"}]
    unplaced: list = field(default_factory=list)  # [{"policy", "label", "total"}]


def scenario(demand: str, years: int, chosen: tuple[str, ...], seed: int,
             turnover: float, corporation: str | None) -> tuple[ScenarioAnswer,
                                                                pd.DataFrame]:
    """The door's scenario, arranged per level, policy and year."""
    from veerkracht.web.allocation import charts

    ws = workspace.workspace()
    try:
        wanted = allocate.parse_demand(demand)
        res = allocate.published_scenario(ws, wanted, years, chosen, seed, turnover,
                                          corporation)
    except allocate.AllocationError as exc:
        raise ValueError(str(exc)) from None
    labels = dict(policies())
    year_list = sorted(int(y) for y in res["year"].unique())
    levels = []
    for lv in ("block", "street"):
        part = res[res["level"] == lv]
        if part.empty:
            continue
        rows = []
        for pol in chosen:
            r = part[part["policy"] == pol].sort_values("year")
            values = [int(v) for v in r["under_pressure"]]
            unplaced = [int(v) for v in r["unplaced"]]
            rows.append({"policy": pol, "label": labels.get(pol, pol),
                         "values": values, "unplaced": unplaced,
                         "cells": list(zip(year_list, values, unplaced,
                                           strict=True))})
        levels.append({"level": lv, "label": str(LABELS[lv]), "rows": rows,
                       "svg": charts.scenario_svg(lv, year_list, rows)})
    # households left without a vacancy, per policy (the same at every level)
    first = res[res["level"] == res["level"].iloc[0]]
    unplaced = [{"policy": pol, "label": labels.get(pol, pol),
                 "total": int(first.loc[first["policy"] == pol, "unplaced"].sum())}
                for pol in chosen]
    return ScenarioAnswer(seed, year_list, str(res["period"].iloc[0]), turnover,
                          corporation, levels, unplaced), res
