"""Planted interventions: some that work, one that does not, and a combination.

Voorbeeldstad gets three interventions on flats (buildings of at least
:data:`MIN_DWELLINGS` dwellings), each on :data:`SHARE` of them, starting a
whole number of calendar quarters before the end of the last calendar year
the model computes (2025 for the default history to November 2026):

* **Huiskamer in de flat** (shared spaces) — from four quarters before the
  end, pressure signals (nuisance, conflict, unsafety, neglect,
  indifference) at its buildings fall to half their rate: it works;
* **Portiekgesprekken** (light connectedness) — from three quarters before
  the end, no change at all: it does not work;
* **Buurtconciërge** (professionals) — from two quarters before the end,
  ``0.8``; about half of its buildings also have the living room, so the
  combination (``0.5 × 0.8``) is there too.

The effect is planted by thinning the generated signals (each pressure
signal of a treated entrance after the start is kept with the factor as
probability: exactly a Poisson rate times the factor), with its own random
stream, so every other table of the city is what it was without it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from veerkracht.analytics.signal_categories import MEANING

#: Buildings with at least this many dwellings can get an intervention.
MIN_DWELLINGS = 10
#: Share of those buildings each intervention runs on (at least 3).
SHARE = 0.15


@dataclass(frozen=True)
class PlantedIntervention:
    """One planted intervention and its true effect on pressure signals."""

    intervention_id: str
    title: str
    domain: str
    quarters_before_end: int
    factor: float  # rate ratio of pressure signals from the start
    intensity: str
    organisations: str
    goal: str
    target_group: str
    approach: str
    working_elements: str
    preconditions: str


PLANTED = (
    PlantedIntervention(
        "demo-huiskamer", "Huiskamer in de flat", "shared_spaces", 4, 0.5,
        "medium", "Woonstichting Voorbeeldstad; Welzijn Voorbeeldstad",
        "Bewoners van een flat leren elkaar kennen en spreken elkaar aan.",
        "Alle bewoners van de flat, in het bijzonder nieuwe bewoners.",
        "Een lege ruimte op de begane grond wordt huiskamer; twee ochtenden "
        "per week koffie met een opbouwwerker, daarna door bewoners zelf.",
        "Een vaste plek en vaste tijd; laagdrempelig; bewoners bepalen het "
        "programma.",
        "Een ruimte die de corporatie om niet beschikbaar stelt; een "
        "opbouwwerker het eerste jaar.",
    ),
    PlantedIntervention(
        "demo-portiek", "Portiekgesprekken", "light_connectedness", 3, 1.0,
        "light", "Welzijn Voorbeeldstad",
        "Afspraken over samenleven in het portiek.",
        "Bewoners van een portiek.",
        "Een gespreksleider nodigt de bewoners van een portiek één keer uit "
        "en legt afspraken vast.",
        "Gezamenlijke afspraken; één contactpersoon per portiek.",
        "Een gespreksleider; bereidheid van bewoners om te komen.",
    ),
    PlantedIntervention(
        "demo-conciërge", "Buurtconciërge", "professionals", 2, 0.8,
        "intensive", "Woonstichting Voorbeeldstad",
        "Een vast aanspreekpunt in en om de flat.",
        "Bewoners en hun directe omgeving.",
        "Een conciërge is vier dagen per week in en om de flat, spreekt "
        "bewoners aan, signaleert zorgen en meldt gebreken.",
        "Vaste gezichten, tijd in de straat, korte lijnen met de corporatie.",
        "Een conciërge in vaste dienst; een ruimte in de flat.",
    ),
)
#: The combination: share of the concierge's buildings that also have the
#: living room.
OVERLAP = ("demo-conciërge", "demo-huiskamer", 0.5)


def plant_interventions(dwellings: pd.DataFrame, pand_ids, month_starts,
                        rng: np.random.Generator, avoid_buurten=()
                        ) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Choose the buildings and start dates of :data:`PLANTED`.

    ``dwellings`` has ``pand`` (index into ``pand_ids``), ``entrance`` and
    ``buurt``; buildings in ``avoid_buurten`` (the planted cluster and quiet
    place, whose signals the early-warning tests read) get none;
    ``month_starts`` are the first days of the history's months and its end.
    Returns ``interventions`` and ``intervention_places`` (workspace tables,
    :mod:`veerkracht.analytics.evaluation.interventions`) and the thinning
    plan: entrance index → list of (start date, factor).
    """
    sizes = np.bincount(dwellings["pand"].to_numpy(), minlength=len(pand_ids))
    avoid = np.zeros(len(pand_ids), dtype=bool)
    inside = dwellings["buurt"].isin(list(avoid_buurten)).to_numpy()
    avoid[dwellings["pand"].to_numpy()[inside]] = True
    eligible = np.flatnonzero((sizes >= MIN_DWELLINGS) & ~avoid)
    n = min(len(eligible) // len(PLANTED), max(3, round(SHARE * len(eligible))))
    end = pd.Timestamp(month_starts[-1])
    first_day = pd.Timestamp(month_starts[0])
    # the last calendar year the model computes (veerkracht.jobs.compute.
    # default_periods: complete to within a month), else the last one
    year = end.year if pd.Timestamp(end.year + 1, 1, 1) <= end + pd.Timedelta(
        days=31) else end.year - 1
    if pd.Timestamp(year + 1, 1, 1) <= first_day:
        year = (end - pd.Timedelta(days=1)).year
    last_q = pd.Period(f"{year}Q4", freq="Q")
    order = rng.permutation(eligible)
    chosen: dict[str, np.ndarray] = {}
    taken = 0
    for item in PLANTED:
        if item.intervention_id == OVERLAP[0] and OVERLAP[1] in chosen:
            shared = chosen[OVERLAP[1]][: round(OVERLAP[2] * n)]
            own = order[taken: taken + n - len(shared)]
            taken += len(own)
            chosen[item.intervention_id] = np.concatenate([shared, own])
        else:
            chosen[item.intervention_id] = order[taken: taken + n]
            taken += n
    rows, places, plan = [], [], {}
    ent_of = dwellings.groupby("pand")["entrance"].unique()
    for item in PLANTED:
        start = (last_q - item.quarters_before_end + 1).start_time
        start = max(start, first_day)
        rows.append({
            "intervention_id": item.intervention_id, "title": item.title,
            "domain": item.domain, "level": "building", "start": start,
            "end": pd.NaT, "intensity": item.intensity,
            "organisations": item.organisations, "goal": item.goal,
            "target_group": item.target_group, "approach": item.approach,
            "working_elements": item.working_elements,
            "preconditions": item.preconditions,
            "description": f"Geplant in Voorbeeldstad: het aantal meldingen "
                           f"van druk wordt {item.factor:g} keer zo groot.",
            "source": "demo",
        })
        for b in chosen[item.intervention_id]:
            places.append({"intervention_id": item.intervention_id,
                           "level": "building", "place_id": f"B-{pand_ids[b]}"})
            for e in ent_of.get(b, []):
                plan.setdefault(int(e), []).append((start, item.factor))
    interventions = pd.DataFrame(rows)
    for col in interventions.columns:
        if col not in ("start", "end"):
            interventions[col] = interventions[col].astype("str")
    interventions["start"] = pd.to_datetime(interventions["start"]).astype(
        "datetime64[us]")
    interventions["end"] = pd.Series(pd.NaT, index=interventions.index,
                                     dtype="datetime64[us]")
    interventions["synthetic"] = True
    places = pd.DataFrame(places, columns=["intervention_id", "level", "place_id"])
    places = places.astype("str").assign(synthetic=True)
    return interventions, places, plan


def thin_signals(signals: pd.DataFrame, plan: dict, rng: np.random.Generator
                 ) -> pd.DataFrame:
    """Keep each pressure signal of a treated entrance with its factor.

    ``signals`` has ``entrance``, ``category`` and ``reported_at``; the
    factors of several interventions at one entrance multiply from each
    one's start.
    """
    if not plan:
        return signals
    pressure = signals["category"].map(MEANING).eq("pressure").to_numpy()
    keep_p = np.ones(len(signals))
    ents = signals["entrance"].to_numpy()
    when = pd.to_datetime(signals["reported_at"]).to_numpy()
    for e, items in plan.items():
        at = (ents == e) & pressure
        if not at.any():
            continue
        for start, factor in items:
            keep_p[at & (when >= np.datetime64(start))] *= factor
    keep = rng.random(len(signals)) < keep_p
    return signals[keep].reset_index(drop=True)
