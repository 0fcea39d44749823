"""The place levels of docs/architecture.md, coarse to fine, and their columns."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from veerkracht.analytics import places

#: Coarse to fine (the core's :data:`veerkracht.analytics.places.LEVELS` reversed).
LEVELS = tuple(reversed(places.LEVELS))

#: Column of the ``dwellings`` table that holds a dwelling's place at each level.
DWELLING_COLUMN = places.LEVEL_COLUMNS

LABELS = {
    "gemeente": _("gemeente"),
    "wijk": _("wijk"),
    "buurt": _("buurt"),
    "street": _("straat"),
    "block": _("blok"),
    "building": _("gebouw"),
    "entrance": _("portiek"),
}

# the map's drill-down: buurt -> streets -> blocks -> entrances
DRILL_DOWN = {
    "gemeente": "wijk",
    "wijk": "buurt",
    "buurt": "street",
    "street": "block",
    "block": "entrance",
    "building": "entrance",
}


def check_level(level: str) -> str:
    """Return ``level`` or raise ``ValueError`` with a clear message."""
    if level not in LEVELS:
        raise ValueError(f"onbekend niveau {level!r}; kies uit {', '.join(LEVELS)}")
    return level
