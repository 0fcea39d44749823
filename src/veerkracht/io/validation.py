"""What every reader returns or raises: a result, or every rejected row.

Readers validate a whole file before they return anything. When one row (or
the file itself) is wrong they raise :class:`ImportRejected` with *every*
rejected row, so the user can fix the file in one go; the importer commands
then write nothing (all-or-nothing, see ``docs/architecture.md``).

Line numbers are 1-based lines of the source file, the header being line 1,
so the first data row of a CSV file is line 2. For GeoPackage and GeoJSON
they are the 1-based feature index within the layer. Line 0 means "the file
as a whole" (missing file, unknown format, wrong coordinate system, ...).

Examples
--------
>>> err = ImportRejected([RejectedRow(3, "huisnummer is geen geheel getal", "12a")],
...                      source="adressen.csv")
>>> print(err)  # doctest: +NORMALIZE_WHITESPACE
adressen.csv: 1 rij afgekeurd; er is niets opgeslagen.
  regel 3: huisnummer is geen geheel getal ('12a')
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

#: How many rejected rows the message shows; the CSV report has all of them.
SHOWN_IN_MESSAGE = 20


@dataclass(frozen=True)
class RejectedRow:
    """One row (or the whole file, ``line == 0``) that a reader refused.

    Parameters
    ----------
    line : int
        1-based line in the source file (header = 1), or the 1-based feature
        index in a GeoPackage/GeoJSON layer; 0 for the file as a whole.
    reason : str
        Why, in Dutch, for the user.
    value : str or None
        The offending value as found in the file, when there is one.
    source : str or None
        The file name, when several files are read together.
    """

    line: int
    reason: str
    value: str | None = None
    source: str | None = None

    def describe(self) -> str:
        """One Dutch line for reports: ``regel 12: reden ('waarde')``."""
        where = {0: "bestand", 1: "kopregel (regel 1)"}.get(self.line,
                                                           f"regel {self.line}")
        if self.source:
            where = f"{self.source}, {where}"
        text = f"{where}: {self.reason}"
        if self.value is not None:
            value = self.value if len(self.value) <= 80 else self.value[:77] + "..."
            text += f" ({value!r})"
        return text


class ImportRejected(Exception):  # noqa: N818 - the name is part of the contract
    """A file (or some of its rows) was refused; nothing may be written.

    Parameters
    ----------
    rows : sequence of RejectedRow
        Every rejected row, in file order.
    source : str, optional
        The file name(s), for the message.
    hint : str, optional
        A Dutch sentence that explains the likely cause for the whole file
        (e.g. "de coördinaten staan in RD New, niet in graden").
    """

    def __init__(
        self,
        rows: Iterable[RejectedRow],
        source: str | None = None,
        hint: str | None = None,
    ):
        self.rows: list[RejectedRow] = list(rows)
        self.source = source
        self.hint = hint
        super().__init__(self.message())

    @property
    def file_level(self) -> bool:
        """True when the file as a whole was refused (no per-row report)."""
        return all(r.line == 0 for r in self.rows)

    def message(self, shown: int = SHOWN_IN_MESSAGE) -> str:
        """The Dutch report: the first ``shown`` rows with their lines and the total."""
        n = len(self.rows)
        prefix = f"{self.source}: " if self.source else ""
        if n == 1 and self.rows[0].line <= 1 and not self.hint:
            first = self.rows[0]
            where = "" if first.line == 0 else "kopregel: "
            value = "" if first.value is None else f" ({first.value!r})"
            return f"{prefix}{where}{first.reason}{value}; er is niets opgeslagen."
        noun = "rij" if n == 1 else "rijen"
        lines = [f"{prefix}{n} {noun} afgekeurd; er is niets opgeslagen."]
        if self.file_level:
            lines = [f"{prefix}bestand afgekeurd; er is niets opgeslagen."]
        if self.hint:
            lines.append(self.hint)
        lines.extend(f"  {r.describe()}" for r in self.rows[:shown])
        if n > shown:
            lines.append(f"  ... en nog {n - shown} (totaal {n} afgekeurde rijen)")
        return "\n".join(lines)

    def write_csv(self, path: str | os.PathLike[str]) -> Path:
        """Write every rejected row to a CSV file (``;``-separated, UTF-8)."""
        path = Path(path)
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh, delimiter=";")
            writer.writerow(["bestand", "regel", "reden", "waarde"])
            for r in self.rows:
                writer.writerow([r.source or self.source or "", r.line, r.reason,
                                 "" if r.value is None else r.value])
        return path

    @classmethod
    def combine(cls, errors: Sequence[ImportRejected]) -> ImportRejected:
        """One rejection for several files, each row naming its file."""
        rows = []
        for err in errors:
            for r in err.rows:
                rows.append(r if r.source else RejectedRow(r.line, r.reason, r.value,
                                                           err.source))
        hints = [f"{e.source}: {e.hint}" if e.source else e.hint
                 for e in errors if e.hint]
        return cls(rows, hint="\n".join(hints) or None)


@dataclass(frozen=True)
class ImportResult:
    """A validated frame that follows its table contract, plus what happened.

    Parameters
    ----------
    frame : pandas.DataFrame or geopandas.GeoDataFrame
        The rows, in the contract's columns and dtypes (geometry in EPSG:28992).
    summary : dict
        Rows read and kept, columns dropped, CRS in and out, notes; stored in
        the workspace's operation log.
    lines : numpy.ndarray, optional
        The source line (or feature index) of every row of ``frame``, so that
        checks across files can still name lines. Never stored.
    """

    frame: pd.DataFrame
    summary: dict = field(default_factory=dict)
    lines: np.ndarray | None = field(default=None, repr=False, compare=False)


def file_error(reason: str, source: str | None = None, value: str | None = None,
               line: int = 0, hint: str | None = None) -> ImportRejected:
    """An :class:`ImportRejected` for a problem with the file as a whole."""
    return ImportRejected([RejectedRow(line, reason, value)], source=source, hint=hint)
