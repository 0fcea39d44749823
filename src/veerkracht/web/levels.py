"""The place levels of docs/architecture.md, coarse to fine, and their columns."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

LEVELS = ("gemeente", "wijk", "buurt", "street", "block", "building", "entrance")

# column of the ``dwellings`` table that holds a dwelling's place at each level
DWELLING_COLUMN = {
    "gemeente": "gemeentecode",
    "wijk": "wijkcode",
    "buurt": "buurtcode",
    "street": "street_id",
    "block": "block_id",
    "building": "building_id",
    "entrance": "entrance_id",
}

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
