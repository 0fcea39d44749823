"""The need categories of a placement: defined here, read everywhere.

A plan, a what-if question and a headroom figure speak of households *to be
placed* by their category only: never of a person. Each category says which
support needs (:data:`veerkracht.analytics.statistics.SUPPORT_NEEDS`) such a
household adds to a place's statistics; urgency is an allocation route, not
a need, and is a separate yes/no of a plan's group.

Examples
--------
>>> category("zorg").needs
('need_care',)
>>> category("meervoudig").n_needs
2
>>> category("onbekend")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
veerkracht.analytics.allocation.categories.CategoryError: onbekende categorie ...
"""

from __future__ import annotations

from dataclasses import dataclass

from veerkracht.analytics.statistics import SUPPORT_NEEDS


def gettext_noop(message: str) -> str:
    """Mark a label for translation without Django: ``makemessages`` finds it
    by this name, the web translates it when it shows it."""
    return message


class CategoryError(ValueError):
    """An unknown need category (message in Dutch)."""


@dataclass(frozen=True)
class NeedCategory:
    """A kind of household to be placed, by the support needs it brings."""

    code: str          # in plan files, URLs and outputs
    label: str         # Dutch, for the interface
    needs: tuple[str, ...]

    @property
    def n_needs(self) -> int:
        return len(self.needs)


CATEGORIES: tuple[NeedCategory, ...] = (
    NeedCategory("zorg", gettext_noop("zorgvraag (ggz, lvb)"), ("need_care",)),
    NeedCategory("inkomen", gettext_noop("armoede of schulden"), ("need_income",)),
    NeedCategory("uitstroom",
                 gettext_noop("uitstroom beschermd wonen, opvang of dakloosheid"),
                 ("need_outflow",)),
    NeedCategory("kwetsbare_oudere", gettext_noop("kwetsbare oudere die alleen woont"),
                 ("need_frail_elderly",)),
    NeedCategory("meervoudig", gettext_noop("twee of meer ondersteuningsbehoeften"),
                 ("need_care", "need_income")),
)
CODES: tuple[str, ...] = tuple(c.code for c in CATEGORIES)
#: A household without a support need: who fills the other vacancies in a
#: scenario (today's regular routes). Not a category one plans for.
REGULAR = NeedCategory("geen", gettext_noop("zonder ondersteuningsbehoefte"), ())
assert all(n in SUPPORT_NEEDS for c in CATEGORIES for n in c.needs)


def category(code: str) -> NeedCategory:
    """The category with this code (case and spaces ignored)."""
    key = str(code).strip().lower().replace(" ", "_").replace("-", "_")
    for c in CATEGORIES:
        if c.code == key:
            return c
    raise CategoryError(f"onbekende categorie {code!r}; kies uit: {', '.join(CODES)}")
