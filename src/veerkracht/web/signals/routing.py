"""Which team handles a signal: rules by area and category (pure, no Django).

A rule names a team, optionally a category and optionally an area code
(a CBS ``BU…`` buurtcode, ``WK…`` wijkcode or ``GM…`` gemeentecode). A rule
matches a signal when its category is empty or equal to the signal's, and its
area is empty or one of the codes of the signal's location. Among matching
rules the most specific wins:

1. the smallest area (buurt before wijk before gemeente before "everywhere");
2. then a rule for this category before a rule for every category;
3. then the lowest ``priority`` number;
4. then the oldest rule (lowest id), so the outcome never depends on ordering.

When nothing matches, the caller falls back to the default team.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_AREA_RANK = {"BU": 0, "WK": 1, "GM": 2}


@dataclass(frozen=True)
class Rule:
    """A routing rule as the pure matcher sees it."""

    id: int
    team_id: int
    category: str = ""
    area_code: str = ""
    priority: int = 100


def area_rank(code: str) -> int:
    """0 for a buurt, 1 for a wijk, 2 for a gemeente, 3 for everywhere.

    Examples
    --------
    >>> [area_rank(c) for c in ("BU00140101", "WK001401", "GM0014", "")]
    [0, 1, 2, 3]
    """
    if not code:
        return 3
    return _AREA_RANK.get(code[:2].upper(), 3)


def matches(rule: Rule, category: str, area_codes: Iterable[str]) -> bool:
    """Whether ``rule`` applies to a signal of ``category`` in ``area_codes``."""
    if rule.category and rule.category != category:
        return False
    return not rule.area_code or rule.area_code in set(area_codes)


def choose_rule(
    rules: Sequence[Rule], category: str, area_codes: Iterable[str]
) -> Rule | None:
    """The most specific matching rule, or ``None``.

    Examples
    --------
    >>> rules = [Rule(1, 10), Rule(2, 20, area_code="WK001401"),
    ...          Rule(3, 30, category="care_worry", area_code="WK001401"),
    ...          Rule(4, 40, area_code="BU00140101")]
    >>> choose_rule(rules, "noise", ["BU00140101", "WK001401"]).team_id
    40
    >>> choose_rule(rules, "care_worry", ["BU00140102", "WK001401"]).team_id
    30
    >>> choose_rule(rules, "noise", ["BU00990101"]).team_id
    10
    """
    codes = {c for c in area_codes if c}
    candidates = [r for r in rules if matches(r, category, codes)]
    if not candidates:
        return None
    return min(
        candidates,
        key=lambda r: (
            area_rank(r.area_code),
            0 if r.category else 1,
            r.priority,
            r.id,
        ),
    )
