"""Categories, sources and the status workflow of a signal (pure, no Django).

The workflow is a small state machine::

    new ──► in_behandeling ──► doorgezet ──► afgehandeld
     │            │   ▲            │
     │            │   └────────────┘  (terug in behandeling)
     └────────────┴───────────────────► geannuleerd

``afgehandeld`` and ``geannuleerd`` are final. Every change goes through
:func:`veerkracht.web.signals.services.transition`, which calls
:func:`check_transition` first.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Category code (as in the workspace ``signals`` table) -> Dutch label.
CATEGORIES: dict[str, str] = {
    "noise": "Geluidsoverlast",
    "neighbour_conflict": "Burenruzie of spanningen tussen buren",
    "unsafety": "Onveilig gevoel",
    "neglect": "Verwaarlozing van gedeelde ruimtes",
    "care_worry": "Zorgen om een buur (zorgsignaal)",
    "indifference": "Onverschilligheid, niemand let meer op elkaar",
}

#: A short Dutch explanation per category, shown in the form and in Open311.
CATEGORY_HELP: dict[str, str] = {
    "noise": "Harde muziek, geschreeuw of lawaai, vaak of 's nachts.",
    "neighbour_conflict": "Ruzie, bedreiging of langdurige spanning tussen buren.",
    "unsafety": "U voelt zich niet veilig in of rond de woning of de straat.",
    "neglect": "Vuil, kapotte verlichting of rommel in portiek, galerij of binnenhof.",
    "care_worry": (
        "U maakt zich zorgen om een buur, bijvoorbeeld omdat de gordijnen dicht "
        "blijven of de post zich opstapelt."
    ),
    "indifference": "Niemand kijkt nog naar elkaar om; contact tussen buren verdwijnt.",
}

#: Reporter source (as in the workspace ``signals`` table) -> Dutch label.
SOURCES: dict[str, str] = {
    "resident": "Bewoner",
    "corporation": "Woningcorporatie",
    "welfare": "Welzijn / wijkteam",
    "area_broker": "Gebiedsmakelaar",
    "police": "Politie (wijkagent)",
}

#: Sources a logged-in professional may choose.
PROFESSIONAL_SOURCES = ("corporation", "welfare", "area_broker", "police")

NEW = "new"
IN_PROGRESS = "in_behandeling"
FORWARDED = "doorgezet"
DONE = "afgehandeld"
CANCELLED = "geannuleerd"

#: Status code -> Dutch label shown to residents and professionals.
STATUSES: dict[str, str] = {
    NEW: "Nieuw",
    IN_PROGRESS: "In behandeling",
    FORWARDED: "Doorgezet naar een andere organisatie",
    DONE: "Afgehandeld",
    CANCELLED: "Geannuleerd",
}

#: What a resident reads on the follow page, per status.
STATUS_EXPLANATION: dict[str, str] = {
    NEW: "Uw melding is ontvangen en wacht op beoordeling door het team.",
    IN_PROGRESS: "Een medewerker heeft uw melding in behandeling genomen.",
    FORWARDED: (
        "Uw melding is doorgezet naar de organisatie die dit het beste kan oppakken."
    ),
    DONE: "Uw melding is afgehandeld. Dank u wel dat u dit heeft gemeld.",
    CANCELLED: "Deze melding is geannuleerd.",
}

ALLOWED: dict[str, frozenset[str]] = {
    NEW: frozenset({IN_PROGRESS, CANCELLED}),
    IN_PROGRESS: frozenset({FORWARDED, DONE, CANCELLED}),
    FORWARDED: frozenset({IN_PROGRESS, DONE, CANCELLED}),
    DONE: frozenset(),
    CANCELLED: frozenset(),
}

FINAL = frozenset({DONE, CANCELLED})
OPEN = frozenset(STATUSES) - FINAL


class InvalidTransition(ValueError):
    """A status change the workflow does not allow."""


@dataclass(frozen=True)
class Transition:
    """A requested status change (before it is stored)."""

    from_status: str
    to_status: str


def allowed_targets(status: str) -> list[str]:
    """The statuses reachable from ``status``, in workflow order.

    Examples
    --------
    >>> allowed_targets("new")
    ['in_behandeling', 'geannuleerd']
    >>> allowed_targets("afgehandeld")
    []
    """
    if status not in STATUSES:
        raise InvalidTransition(f"onbekende status {status!r}")
    return [s for s in STATUSES if s in ALLOWED[status]]


def check_transition(from_status: str, to_status: str) -> Transition:
    """Validate a status change; raise :class:`InvalidTransition` if refused.

    Examples
    --------
    >>> check_transition("new", "in_behandeling").to_status
    'in_behandeling'
    >>> check_transition("afgehandeld", "new")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    ...
    InvalidTransition: van 'Afgehandeld' naar 'Nieuw' is geen toegestane stap
    """
    if to_status not in STATUSES:
        raise InvalidTransition(f"onbekende status {to_status!r}")
    if to_status not in allowed_targets(from_status):
        raise InvalidTransition(
            f"van '{STATUSES[from_status]}' naar '{STATUSES[to_status]}' "
            "is geen toegestane stap"
        )
    return Transition(from_status, to_status)


def open311_status(status: str) -> str:
    """GeoReport v2 knows only ``open`` and ``closed``."""
    return "closed" if status in FINAL else "open"
