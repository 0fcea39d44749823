"""Categories, sources, statuses, priorities and the status workflow of a signal.

No database here: the definitions every page, API answer and e-mail uses
(the status labels are defined once, below, and translated with Django's
``gettext_lazy``; nothing else in the package spells a status out).

The workflow is a small state machine::

    new ──► in_behandeling ──► doorgezet ──► afgehandeld
     │            │   ▲            │
     │            │   └────────────┘  (terug in behandeling)
     └────────────┴───────────────────► geannuleerd
     └────────────┴──── merge() ──────► samengevoegd   (a duplicate of another)

    afgehandeld, geannuleerd, samengevoegd ── reopen() ──► in_behandeling

``afgehandeld``, ``geannuleerd`` and ``samengevoegd`` close a signal
(:data:`FINAL`); only :func:`veerkracht.web.signals.services.reopen` (with a
reason) opens a closed signal again, and only
:func:`veerkracht.web.signals.services.merge` closes one as a duplicate.
Every other change goes through
:func:`veerkracht.web.signals.services.transition`, which calls
:func:`check_transition` first.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _now
from django.utils.translation import gettext_lazy as _

#: Category code (as in the workspace ``signals`` table) -> label (translated).
CATEGORIES: dict[str, object] = {
    "noise": _("Geluidsoverlast"),
    "neighbour_conflict": _("Burenruzie of spanningen tussen buren"),
    "unsafety": _("Onveilig gevoel"),
    "neglect": _("Verwaarlozing van gedeelde ruimtes"),
    "care_worry": _("Zorgen om een buur (zorgsignaal)"),
    "indifference": _("Onverschilligheid, niemand let meer op elkaar"),
}

#: A short explanation per category, shown in the form and in Open311.
CATEGORY_HELP: dict[str, object] = {
    "noise": _("Harde muziek, geschreeuw of lawaai, vaak of 's nachts."),
    "neighbour_conflict": _("Ruzie, bedreiging of langdurige spanning tussen buren."),
    "unsafety": _("U voelt zich niet veilig in of rond de woning of de straat."),
    "neglect": _("Vuil, kapotte verlichting of rommel in portiek, galerij of "
                 "binnenhof."),
    "care_worry": _(
        "U maakt zich zorgen om een buur, bijvoorbeeld omdat de gordijnen dicht "
        "blijven of de post zich opstapelt."
    ),
    "indifference": _("Niemand kijkt nog naar elkaar om; contact tussen buren "
                      "verdwijnt."),
}

#: Reporter source (as in the workspace ``signals`` table) -> label (translated).
SOURCES: dict[str, object] = {
    "resident": _("Bewoner"),
    "corporation": _("Woningcorporatie"),
    "welfare": _("Welzijn / wijkteam"),
    "area_broker": _("Gebiedsmakelaar"),
    "police": _("Politie (wijkagent)"),
}

#: Sources a logged-in professional may choose.
PROFESSIONAL_SOURCES = ("corporation", "welfare", "area_broker", "police")

NEW = "new"
IN_PROGRESS = "in_behandeling"
FORWARDED = "doorgezet"
DONE = "afgehandeld"
CANCELLED = "geannuleerd"
MERGED = "samengevoegd"

#: Status code -> Dutch label shown to residents and professionals: the one
#: definition (pages, API, Open311 and e-mails all use :func:`status_label`).
STATUSES: dict[str, str] = {
    NEW: _("Nieuw"),
    IN_PROGRESS: _("In behandeling"),
    FORWARDED: _("Doorgezet naar een andere organisatie"),
    DONE: _("Afgehandeld"),
    CANCELLED: _("Geannuleerd"),
    MERGED: _("Samengevoegd met een andere melding"),
}

#: What a resident reads on the follow page, per status.
STATUS_EXPLANATION: dict[str, str] = {
    NEW: _("Uw melding is ontvangen en wacht op beoordeling door het team."),
    IN_PROGRESS: _("Een medewerker heeft uw melding in behandeling genomen."),
    FORWARDED: _(
        "Uw melding is doorgezet naar de organisatie die dit het beste kan oppakken."
    ),
    DONE: _("Uw melding is afgehandeld. Dank u wel dat u dit heeft gemeld."),
    CANCELLED: _("Deze melding is geannuleerd."),
    MERGED: _(
        "Uw melding gaat over dezelfde situatie als een andere melding. Het team "
        "behandelt ze samen; hieronder staat hoe het daarmee staat."
    ),
}

#: What anyone but the reporter and the team sees of a merged signal (Open311):
#: that another report exists about the same situation is theirs to know only.
CLOSED_LABEL = _("Gesloten")

#: The steps of :func:`check_transition` (merging and reopening are separate).
ALLOWED: dict[str, frozenset[str]] = {
    NEW: frozenset({IN_PROGRESS, CANCELLED}),
    IN_PROGRESS: frozenset({FORWARDED, DONE, CANCELLED}),
    FORWARDED: frozenset({IN_PROGRESS, DONE, CANCELLED}),
    DONE: frozenset(),
    CANCELLED: frozenset(),
    MERGED: frozenset(),
}

FINAL = frozenset({DONE, CANCELLED, MERGED})
OPEN = frozenset(STATUSES) - FINAL
#: A reopened signal is picked up again.
REOPENED_TO = IN_PROGRESS

#: Priority code -> Dutch label, most urgent first (the work list sorts so).
PRIORITIES: dict[str, str] = {
    "high": _("Hoog"),
    "normal": _("Normaal"),
    "low": _("Laag"),
}
DEFAULT_PRIORITY = "normal"
PRIORITY_RANK = {code: i for i, code in enumerate(PRIORITIES)}


def status_label(status: str) -> str:
    """The label of a status code in the current language (the code if unknown).

    Examples
    --------
    >>> status_label("in_behandeling"), status_label("x")
    ('In behandeling', 'x')
    """
    return str(STATUSES.get(status, status))


def status_explanation(status: str) -> str:
    """What the follow page says about a status, in the current language."""
    return str(STATUS_EXPLANATION.get(status, ""))


def priority_label(priority: str) -> str:
    """The label of a priority code (the code if unknown).

    Examples
    --------
    >>> priority_label("high")
    'Hoog'
    """
    return str(PRIORITIES.get(priority, priority))


def age_text(days: int) -> str:
    """How long a signal has been open, in words.

    Examples
    --------
    >>> age_text(0), age_text(1), age_text(12)
    ('vandaag', '1 dag', '12 dagen')
    """
    if days <= 0:
        return _now("vandaag")
    if days == 1:
        return _now("1 dag")
    return _now("%(days)s dagen") % {"days": days}


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
    >>> "samengevoegd" in allowed_targets("in_behandeling")  # merge() does that
    False
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
            _now("van '%(from)s' naar '%(to)s' is geen toegestane stap")
            % {"from": status_label(from_status), "to": status_label(to_status)}
        )
    return Transition(from_status, to_status)


def check_merge(status: str) -> None:
    """Only an open signal can be closed as a duplicate of another.

    Examples
    --------
    >>> check_merge("new")
    >>> check_merge("afgehandeld")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    ...
    InvalidTransition: een gesloten melding kan niet worden samengevoegd
    """
    if status not in OPEN:
        raise InvalidTransition(
            _now("Een gesloten melding kan niet worden samengevoegd; heropen haar "
                 "eerst."))


def check_reopen(status: str) -> Transition:
    """Only a closed signal can be reopened; it goes back to ``in_behandeling``.

    Examples
    --------
    >>> check_reopen("samengevoegd").to_status
    'in_behandeling'
    >>> check_reopen("new")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    ...
    InvalidTransition: alleen een gesloten melding kan worden heropend
    """
    if status not in FINAL:
        raise InvalidTransition(
            _now("Alleen een gesloten melding kan worden heropend."))
    return Transition(status, REOPENED_TO)


def open311_status(status: str) -> str:
    """GeoReport v2 knows only ``open`` and ``closed``."""
    return "closed" if status in FINAL else "open"
