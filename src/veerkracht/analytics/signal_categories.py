"""Signal categories and what each one says about a place — defined once.

Model 2.0 (docs/method.md, ADR 0005) no longer pools every report as
pressure. A signal category belongs to one *meaning*:

* ``pressure`` — nuisance, neighbour conflict, unsafety and neglect of
  shared spaces: what living together costs;
* ``attentiveness`` — a worry about a neighbour ("zorgsignaal": the curtains
  stayed closed): residents who look out for each other, the seed's
  "alledaagse attentheid"; a sign of resilience, not of pressure;
* ``indifference`` — a report that nobody cares any more; counted as
  pressure of the social kind.

The reporting rate itself (all categories), against what a place's
composition leads one to expect, is the measure of indifference when it
falls (see ``reporting`` in the model file).

Importers, the synthetic city, the web application and the model all read
these names from here.

>>> meaning("care_worry"), meaning("noise")
('attentiveness', 'pressure')
"""

from __future__ import annotations

CATEGORIES = ("noise", "neighbour_conflict", "unsafety", "neglect", "care_worry",
              "indifference")

MEANING = {
    "noise": "pressure",
    "neighbour_conflict": "pressure",
    "unsafety": "pressure",
    "neglect": "pressure",
    "indifference": "pressure",
    "care_worry": "attentiveness",
}
MEANINGS = ("pressure", "attentiveness")


def meaning(category: str) -> str:
    """The meaning of a category (KeyError for an unknown one)."""
    return MEANING[category]


def categories_of(meaning_name: str) -> tuple[str, ...]:
    """The categories with one meaning, in :data:`CATEGORIES` order."""
    return tuple(c for c in CATEGORIES if MEANING[c] == meaning_name)
