"""Periods: calendar years (``2025``) and quarters (``2025-Q3``).

A period is half-open, ``[start, end)``. Stocks (who lives where, tenure,
needs) are read at the *end* of the period; flows (move-ins, signals) in
windows that end there.

Examples
--------
>>> p = parse_period("2025-Q3")
>>> p.label, str(p.start.date()), str(p.end.date())
('2025-Q3', '2025-07-01', '2025-10-01')
>>> parse_period("2025").end.year
2026
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

_YEAR = re.compile(r"^\s*(\d{4})\s*$")
_QUARTER = re.compile(r"^\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*$")


class PeriodError(ValueError):
    """A period label that cannot be read."""


@dataclass(frozen=True)
class Period:
    """A calendar year or quarter, ``[start, end)`` in UTC-naive timestamps."""

    label: str
    start: pd.Timestamp
    end: pd.Timestamp

    @property
    def years(self) -> float:
        return (self.end - self.start).days / 365.25


def parse_period(text: str | int) -> Period:
    """``2025`` or ``2025-Q3`` into a :class:`Period`; a Dutch error otherwise."""
    s = str(text)
    m = _YEAR.match(s)
    if m:
        y = int(m.group(1))
        return Period(str(y), pd.Timestamp(y, 1, 1), pd.Timestamp(y + 1, 1, 1))
    m = _QUARTER.match(s)
    if m:
        y, q = int(m.group(1)), int(m.group(2))
        start = pd.Timestamp(y, 3 * (q - 1) + 1, 1)
        return Period(f"{y}-Q{q}", start, start + pd.DateOffset(months=3))
    raise PeriodError(f"onbekende periode {s!r}: gebruik een jaar (2025) of een "
                      "kwartaal (2025-Q3)")


def calendar_years(first: int, last: int) -> list[Period]:
    """Every calendar year from ``first`` to ``last`` inclusive."""
    return [parse_period(y) for y in range(first, last + 1)]


def quarter_of(day) -> str:
    """The calendar quarter label of a date, ``'2025-Q3'``.

    >>> from datetime import date
    >>> quarter_of(date(2025, 8, 1))
    '2025-Q3'
    """
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def calendar_quarters(period: str, n: int) -> list[str]:
    """Labels of the ``n`` calendar quarters ending with the period's last one.

    >>> calendar_quarters("2025", 3)
    ['2025-Q4', '2025-Q3', '2025-Q2']
    """
    last = pd.Period(parse_period(period).end - pd.Timedelta(days=1), freq="Q")
    return [str(last - k).replace("Q", "-Q") for k in range(n)]


def last_complete_quarter(as_of) -> str:
    """The last calendar quarter that ends on or before the date ``as_of``.

    >>> from datetime import date
    >>> last_complete_quarter(date(2025, 9, 30))
    '2025-Q3'
    >>> last_complete_quarter(date(2025, 9, 29))
    '2025-Q2'
    """
    q = parse_period(quarter_of(as_of))
    if (q.end - pd.Timedelta(days=1)).date() == as_of:
        return q.label
    return calendar_quarters(q.label, 2)[1]
