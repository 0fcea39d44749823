"""The main menu: which pages each role finds there, defined once.

Every entry is a page name and who may open it; ``menu_for`` gives the
entries a user sees, in order, each marked current when the request is on
that page or under it. ``base.html`` draws them; the home page sends each
role to the first page of its own work (:func:`landing`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from veerkracht.web.accounts import roles


@dataclass(frozen=True)
class Entry:
    url_name: str
    label: str
    visible: Callable[[object], bool]


def _perm(name: str) -> Callable[[object], bool]:
    return lambda user: roles.has(user, name)


def _handles_signals(user) -> bool:
    from veerkracht.web.signals import access

    return access.can_handle(user)


def _writes_stories(user) -> bool:
    from veerkracht.web.stories import services

    return services.can_write(user)


def _sees_alerts(user) -> bool:
    from veerkracht.web.alerts import access

    return access.can_see_alerts(user)


def _resident(user) -> bool:
    """Report and follow: residents (and anyone not logged in)."""
    if not getattr(user, "is_authenticated", False):
        return True
    return roles.has(user, "report_signals") and not roles.has(user, "view_map")


ENTRIES: tuple[Entry, ...] = (
    Entry("signals:report", _("Melden"), _resident),
    Entry("signals:mine", _("Mijn meldingen"), _resident),
    Entry("maps:map", _("Kaart"), _perm("view_map")),
    Entry("alerts:index", _("Aandacht deze week"), _sees_alerts),
    Entry("allocation:whatif", _("Wat doet één plaatsing?"), _perm("plan_allocation")),
    Entry("allocation:plan", _("Jaarplan"), _perm("plan_allocation")),
    Entry("allocation:scenario", _("Scenario"), _perm("plan_allocation")),
    Entry("signals:worklist", _("Werkbak"), _handles_signals),
    Entry("stories:index", _("Verhalen"), _writes_stories),
    Entry("stories:what_works", _("Wat werkt"), _perm("view_map")),
    Entry("audit:overview", _("Auditspoor en drempels"), _perm("view_audit")),
    Entry("stories:share_review", _("Verhalen delen"), _perm("manage_thresholds")),
    Entry("grants", _("Rolaanvragen"), _perm("approve_roles")),
    Entry("admin:index", _("Beheer"), _perm("manage_accounts")),
)


def menu_for(user, path: str = "") -> list[dict]:
    """The entries ``user`` sees: ``url``, ``label`` and ``current`` (the
    entry whose page is the longest start of ``path``: under /meldingen/ the
    work list, not the report form, is current on /meldingen/werkbak/)."""
    out = [{"url": reverse(e.url_name), "label": e.label, "current": False}
           for e in ENTRIES if e.visible(user)]
    under = [item for item in out if path.startswith(item["url"])]
    if under:
        max(under, key=lambda item: len(item["url"]))["current"] = True
    return out


def landing(user) -> str | None:
    """Where the home page sends ``user``: the first entry of their menu."""
    entries = [e for e in ENTRIES if e.visible(user)]
    return reverse(entries[0].url_name) if entries else None
