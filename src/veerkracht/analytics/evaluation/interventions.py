"""What an intervention is, defined once: its domains, intensity and fields.

The domains are the seed's (DESIGN.md §5.6); the descriptive fields are the
ones Dutch practice uses to describe a social intervention (Movisie's
databank of effective social interventions: doel, doelgroep, aanpak,
werkzame elementen, randvoorwaarden). The web form, the API, the workspace
tables ``interventions`` and ``intervention_places``, the synthetic city's
planted interventions and the knowledge library all read these names here.

An intervention runs on one or more places of one level; a place with more
than one intervention is a *combination*, evaluated as its own treatment
(:func:`combinations`).

>>> DOMAIN_LABELS["shared_spaces"]
'Gedeelde ruimtes'
>>> check_interventions(pd.DataFrame({"intervention_id": ["a"], "title": ["x"],
...     "domain": ["sport"], "start": ["2025-01-01"]}))
... # doctest: +ELLIPSIS
Traceback (most recent call last):
...
ValueError: interventie 'a': onbekend domein 'sport'; kies uit informal_networks, ...
"""

from __future__ import annotations

import pandas as pd

#: Intervention domains (code, Dutch label), DESIGN.md §5.6.
DOMAINS: tuple[tuple[str, str], ...] = (
    ("informal_networks", "Informele netwerken en actieve bewoners"),
    ("light_connectedness", "Lichte verbondenheid en alledaagse attentheid"),
    ("professionals", "Professionals in de wijk"),
    ("public_space", "Openbare ruimte en voorzieningen"),
    ("shared_spaces", "Gedeelde ruimtes"),
    ("scale_and_mix", "Schaal en menging"),
    ("inflow", "Instroom"),
)
DOMAIN_LABELS = dict(DOMAINS)

#: How much of it a place gets.
INTENSITIES: tuple[tuple[str, str], ...] = (
    ("light", "Licht (af en toe, enkele uren per maand)"),
    ("medium", "Gemiddeld (wekelijks)"),
    ("intensive", "Intensief (dagelijks of een vaste kracht ter plekke)"),
)

#: The description fields of Dutch practice (Movisie), code and label.
DESCRIPTION_FIELDS: tuple[tuple[str, str], ...] = (
    ("goal", "Doel"),
    ("target_group", "Doelgroep"),
    ("approach", "Aanpak"),
    ("working_elements", "Werkzame elementen"),
    ("preconditions", "Randvoorwaarden"),
)

#: Levels an intervention can run on (a complex is a building).
INTERVENTION_LEVELS = ("entrance", "building", "block", "street", "buurt")

#: Columns of the workspace table ``interventions`` (one row per intervention).
INTERVENTION_COLUMNS = (
    "intervention_id", "title", "domain", "level", "start", "end", "intensity",
    "organisations", *(code for code, _ in DESCRIPTION_FIELDS), "description",
    "source", "synthetic",
)
#: Columns of ``intervention_places`` (one row per intervention and place).
PLACE_COLUMNS = ("intervention_id", "level", "place_id", "synthetic")


def check_interventions(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``start``/``end`` as dates, or a Dutch ``ValueError``.

    Required: ``intervention_id`` (unique), ``title``, ``domain`` (one of
    :data:`DOMAINS`) and ``start``; ``end`` may be empty but not before the
    start; ``intensity`` when given is one of :data:`INTENSITIES`.
    """
    missing = {"intervention_id", "title", "domain", "start"} - set(frame.columns)
    if missing:
        raise ValueError(f"interventies missen kolommen: {', '.join(sorted(missing))}")
    out = frame.copy()
    ids = out["intervention_id"].astype("str")
    dup = ids[ids.duplicated()]
    if len(dup):
        raise ValueError(f"interventie {dup.iloc[0]!r} staat er twee keer in")
    codes = [c for c, _ in DOMAINS]
    intensities = {c for c, _ in INTENSITIES}
    out["start"] = pd.to_datetime(out["start"], errors="coerce")
    out["end"] = pd.to_datetime(out.get("end"), errors="coerce")
    for i, row in out.iterrows():
        name = ids[i]
        if row["domain"] not in codes:
            raise ValueError(f"interventie {name!r}: onbekend domein "
                             f"{row['domain']!r}; kies uit {', '.join(codes)}")
        if pd.isna(row["start"]):
            raise ValueError(f"interventie {name!r}: de start is geen datum")
        if pd.notna(row["end"]) and row["end"] < row["start"]:
            raise ValueError(f"interventie {name!r}: het einde ligt voor de start")
        value = row.get("intensity")
        if isinstance(value, str) and value and value not in intensities:
            raise ValueError(f"interventie {name!r}: onbekende intensiteit "
                             f"{value!r}; kies uit {', '.join(sorted(intensities))}")
    return out


def combinations(places: pd.DataFrame) -> pd.DataFrame:
    """The combinations: places of one level with two or more interventions.

    ``places`` is ``intervention_places``. Returns ``level``, ``place_id``
    and ``combination`` (the sorted intervention ids joined by ``+``), one
    row per place that has more than one intervention.

    >>> p = pd.DataFrame({"intervention_id": ["a", "b", "a", "b"],
    ...     "level": "building", "place_id": ["x", "x", "y", "z"]})
    >>> combinations(p).to_dict("records")
    [{'level': 'building', 'place_id': 'x', 'combination': 'a+b'}]
    """
    g = (places.astype({"intervention_id": "str"})
         .groupby(["level", "place_id"])["intervention_id"]
         .agg(lambda s: "+".join(sorted(set(s)))))
    out = g[g.str.contains("+", regex=False)].rename("combination").reset_index()
    return out[["level", "place_id", "combination"]]
