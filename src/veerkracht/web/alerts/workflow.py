"""The status of an alert (pure, no Django)::

    open ──► acknowledged ("in behandeling") ──► closed
      └──────────────────────────────────────────►┘

``closed`` is final and needs a note: why the team closed it (handled,
explained, not a real cluster). The same evidence in a later run keeps its
alert (:func:`veerkracht.analytics.warning.alerts.alert_id`), so a closed
alert is not reopened by a re-run.
"""

from __future__ import annotations

OPEN = "open"
ACKNOWLEDGED = "acknowledged"
CLOSED = "closed"

#: Status code -> Dutch label.
STATUSES = {OPEN: "Open", ACKNOWLEDGED: "In behandeling", CLOSED: "Gesloten"}

ALLOWED = {
    OPEN: frozenset({ACKNOWLEDGED, CLOSED}),
    ACKNOWLEDGED: frozenset({CLOSED}),
    CLOSED: frozenset(),
}

#: Statuses still on the team's list.
ACTIVE = frozenset({OPEN, ACKNOWLEDGED})


class InvalidTransition(ValueError):
    """A status change the workflow does not allow (message in Dutch)."""


def check_transition(from_status: str, to_status: str, note: str = "") -> None:
    """Raise :class:`InvalidTransition` unless the change is allowed.

    Examples
    --------
    >>> check_transition("open", "acknowledged")
    >>> check_transition("open", "closed", "afgehandeld met de corporatie")
    >>> check_transition("open", "closed")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    ...
    InvalidTransition: Schrijf bij het sluiten een notitie: waarom is dit gesloten?
    >>> check_transition("closed", "open")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    ...
    InvalidTransition: van 'Gesloten' naar 'Open' is geen toegestane stap
    """
    if from_status not in STATUSES or to_status not in STATUSES:
        raise InvalidTransition(f"onbekende status {to_status!r}")
    if to_status not in ALLOWED[from_status]:
        raise InvalidTransition(
            f"van '{STATUSES[from_status]}' naar '{STATUSES[to_status]}' is geen "
            "toegestane stap"
        )
    if to_status == CLOSED and not (note or "").strip():
        raise InvalidTransition(
            "Schrijf bij het sluiten een notitie: waarom is dit gesloten?"
        )
