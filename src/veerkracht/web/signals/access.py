"""Who may handle signals, in which areas, and the audit rows they leave.

Built on the shared pieces: roles (``accounts.roles``), area assignments
(``accounts.scoping.assignments_of``) and the audit trail
(``audit.services.record``). Handling signals — the work list, a signal's
page, changing its status, assigning it, its priority, merging it as a
duplicate, reopening it — needs a role that may both report signals and
view the map (frontline professionals, corporation staff), and the signal
in one of the user's areas. Downloading the work list as CSV needs the
``export_signals`` permission besides (ADR 0015).
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import Q

from veerkracht.web.accounts import roles
from veerkracht.web.accounts.scoping import assignments_of
from veerkracht.web.levels import DWELLING_COLUMN

#: Organisation kind -> the signal source a professional reports as by default.
SOURCE_OF_KIND = {
    "corporation": "corporation",
    "welfare": "welfare",
    "municipality": "area_broker",
}


#: audit purposes of the signal actions (besides the status codes)
PURPOSES = ("high", "normal", "low", "assign_team", "assign_person", "duplicate",
            "main", "all")


def register_audit_vocabulary() -> None:
    """Add this app's purpose codes to the audit trail's vocabulary."""
    from veerkracht.web.audit.services import register_vocabulary

    register_vocabulary(purposes=PURPOSES)


def can_handle(user) -> bool:
    """Whether the user is a professional who handles signals."""
    return roles.has(user, "report_signals") and roles.has(user, "view_map")


def can_export(user) -> bool:
    """Whether the user may download the work list as CSV (ADR 0015)."""
    return can_handle(user) and roles.has(user, "export_signals")


def role_label(user) -> str:
    """The role code for the history (``resident`` for anonymous reporters)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return "resident"
    return roles.role_of(user) or "unknown"


def actor(user) -> str:
    """Pseudonym of the user (never a name), ``""`` for anonymous reporters."""
    from veerkracht.web.audit.services import actor_of

    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    return actor_of(user)


def default_source(user) -> str:
    """The source a professional reports as, from their organisation's kind."""
    profile = getattr(user, "profile", None)
    org = getattr(profile, "organisation", None)
    return SOURCE_OF_KIND.get(getattr(org, "kind", ""), "welfare")


def area_filter(user) -> Q:
    """A filter on :class:`Signal` for the user's assigned areas (none: nothing)."""
    parts = [
        Q(**{DWELLING_COLUMN[level]: code})
        for level, code in assignments_of(user)
        if level in DWELLING_COLUMN and code
    ]
    if not parts:
        return Q(pk__in=[])
    return reduce(or_, parts)


def in_area(user, signal) -> bool:
    """Whether ``signal`` lies in one of the user's areas."""
    for level, code in assignments_of(user):
        column = DWELLING_COLUMN.get(level)
        if column and code and getattr(signal, column, "") == code:
            return True
    return False


def audit(
    action: str,
    *,
    request=None,
    user=None,
    actor: str | None = None,
    object_id: str = "",
    purpose: str = "",
    result: str = "ok",
) -> None:
    """One audit row naming a signal (reference) or a place id — never an address."""
    from veerkracht.web.audit.services import record

    level = "story" if action.startswith(("story", "intervention")) else "signal"
    record(
        action,
        request=request,
        user=user,
        actor=actor,
        level=level,
        object_id=object_id,
        purpose=purpose,
        result=result,
    )
