"""Who sees an alert, and the audit rows alerts leave (ADR 0008).

An alert is case-handling information for the team of its area, like the
signals it is made of, so it is scoped exactly as signals are
(:mod:`veerkracht.web.signals.access`):

* only a professional who handles signals (:func:`can_see_alerts`: a role
  with ``report_signals`` and ``view_map`` — frontline professionals and a
  corporation's social managers) sees alerts at all; residents, policy
  advisers, the privacy officer, the administrator and anonymous users see
  none, not even that there are any;
* of those, only alerts in the areas assigned to the user's organisation
  (:func:`alert_filter`): a gemeente, wijk or buurt assignment covers every
  alert whose ``gemeentecode``/``wijkcode``/``buurtcode`` is that code; a
  finer assignment (streets, blocks, entrances of a corporation) covers the
  alerts anchored to a place that lies wholly inside it and that the role
  may see on the map (:func:`veerkracht.web.accounts.scoping.visible_ids`).

An alert outside the user's areas answers 404, as an unknown one does, so
its existence does not leak. Every list, view, acknowledgement and closing
is audited (:func:`audit`), naming the alert by its id (a hash, no place).
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import Q

from veerkracht.web.accounts import scoping
from veerkracht.web.signals import access as signal_access

#: assignment levels that are CBS area codes carried by every alert
AREA_COLUMNS = {"gemeente": "gemeentecode", "wijk": "wijkcode", "buurt": "buurtcode"}
#: finer levels an alert can be anchored to
FINE_LEVELS = ("street", "block", "building", "entrance")

#: audit purposes this app uses (registered with the audit vocabulary)
PURPOSES = ("alerts", "digest", "acknowledged", "closed", "week", "older", "all")
#: object ids of alerts in the audit trail: the alert's id, or what was listed
OBJECT_PATTERN = r"^(?:A-[0-9a-f]{12}|lijst|kaart|api|\d{1,9} vroegsignalen)$"


def register_audit_vocabulary() -> None:
    """Add this app's purposes and the object kind ``alert`` to the trail."""
    from veerkracht.web.audit.services import register_vocabulary

    register_vocabulary(purposes=PURPOSES, kinds={"alert": OBJECT_PATTERN})


def can_see_alerts(user) -> bool:
    """Whether ``user`` may see alerts at all (the roles that handle signals)."""
    return signal_access.can_handle(user)


def alert_filter(user) -> Q:
    """A filter on :class:`~veerkracht.web.alerts.models.Alert` for the user's
    areas; matches nothing for a user without areas or without the role."""
    if not can_see_alerts(user):
        return Q(pk__in=[])
    assignments = scoping.assignments_of(user)
    parts = [
        Q(**{AREA_COLUMNS[level]: code})
        for level, code in assignments
        if level in AREA_COLUMNS and code
    ]
    if any(level not in AREA_COLUMNS for level, _code in assignments):
        for level in FINE_LEVELS:
            ids = scoping.visible_ids(user, level)
            if ids:
                parts.append(Q(level=level, place_id__in=sorted(ids)))
    if not parts:
        return Q(pk__in=[])
    return reduce(or_, parts)


def actor(user) -> str:
    return signal_access.actor(user)


def role_label(user) -> str:
    return signal_access.role_label(user)


def audit(action: str, **kwargs) -> None:
    """One audit row about an alert (object kind ``alert``): ``record`` itself."""
    from veerkracht.web.audit.services import record

    record(action, level="alert", **kwargs)
