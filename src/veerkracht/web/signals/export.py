"""The work list as CSV: what an export of signals may hold (ADR 0015).

One row per signal of the filtered work list, with only:

* the reference, category, status, priority (labels), the team and whether
  a person is assigned (yes/no, never who), the source (a kind of reporter:
  resident, corporation, …, never who);
* the day it was reported and closed (no time of day) and the days it was
  open;
* a place instead of the location: the id of the coarsest place among
  buurt, street and block that holds the signal, that the user may see
  (:func:`~veerkracht.web.accounts.scoping.visible_ids`) and that the
  publication door publishes as a place of its own
  (:func:`veerkracht.jobs.publish.published_place_sizes`: at least the
  threshold of dwellings, 10 or what the privacy officer set). Never a
  building or an entrance, an address, a street name typed by the
  reporter, coordinates or the location label; empty when no such place
  exists;
* for a merged duplicate, the reference of its main signal.

Never the free text, the reporter's e-mail address or pseudonym, the
history's notes, who handled it, or the time of day. A cell that a
spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@``) is
quoted.
"""

from __future__ import annotations

import csv
import io

from django.http import HttpResponse
from django.utils import timezone

from veerkracht.jobs import publish
from veerkracht.web.accounts import scoping
from veerkracht.web.signals import access, services
from veerkracht.web.signals.workflow import SOURCES

#: the columns, in order (docs/signals.md, "Export")
COLUMNS = (
    "kenmerk", "onderwerp", "status", "prioriteit", "team", "toegewezen", "bron",
    "gemeld_op", "gesloten_op", "dagen_open", "gebied_niveau", "gebied",
    "samengevoegd_met",
)
#: the levels whose place id an export may carry, coarse to fine: never a
#: building (one address's building) or an entrance (postcode + house number)
LEVELS = ("buurt", "street", "block")
#: what a spreadsheet would start a formula with
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def export_places(signals, user) -> dict[int, tuple[str, str]]:
    """Per signal, the ``(level, place_id)`` an export may name (see above)."""
    signals = list(signals)
    out: dict[int, tuple[str, str]] = {}
    ws = services.workspace()
    for level in LEVELS:
        column = access.DWELLING_COLUMN[level]
        todo = [s for s in signals if s.pk not in out and getattr(s, column, "")]
        if not todo:
            continue
        visible = scoping.visible_ids(user, level) & {getattr(s, column) for s in todo}
        if not visible:
            continue
        try:
            sizes = publish.published_place_sizes(ws, level)
        except publish.PublishError:
            continue
        public = set(sizes.loc[(sizes["visibility"] == "public").to_numpy(),
                               "place_id"].astype("str"))
        for s in todo:
            pid = getattr(s, column)
            if pid in visible and pid in public:
                out[s.pk] = (level, pid)
    return out


def _day(value) -> str:
    return timezone.localtime(value).date().isoformat() if value else ""


def _cell(value) -> str:
    """A value as text that no spreadsheet runs as a formula."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def rows(signals, user) -> list[dict[str, str]]:
    """The export's rows (only :data:`COLUMNS`)."""
    from veerkracht.web.levels import LABELS

    signals = list(signals)
    places = export_places(signals, user)
    now = timezone.now()
    out = []
    for s in signals:
        level, pid = places.get(s.pk, ("", ""))
        out.append({
            "kenmerk": s.reference,
            "onderwerp": s.category_label,
            "status": s.status_label,
            "prioriteit": s.priority_label,
            "team": s.team.name,
            "toegewezen": "ja" if s.assigned_to_id else "nee",
            "bron": str(SOURCES.get(s.source, s.source)),
            "gemeld_op": _day(s.created_at),
            "gesloten_op": _day(s.closed_at),
            "dagen_open": str(s.age_days(now)),
            "gebied_niveau": str(LABELS[level]) if level else "",
            "gebied": pid,
            "samengevoegd_met": s.merged_into.reference if s.merged_into_id else "",
        })
    return out


def worklist_csv(qs, user) -> tuple[str, int]:
    """The CSV text (semicolons, as Dutch spreadsheets expect) and its row count."""
    data = rows(qs, user)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, delimiter=";",
                            lineterminator="\r\n")
    writer.writeheader()
    for row in data:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return buffer.getvalue(), len(data)


def response(body: str, day) -> HttpResponse:
    """The download: UTF-8 with a byte order mark (spreadsheets read é so)."""
    reply = HttpResponse("\ufeff" + body, content_type="text/csv; charset=utf-8")
    reply["Content-Disposition"] = f'attachment; filename="werkbak-{day:%Y-%m-%d}.csv"'
    reply["Cache-Control"] = "no-store"
    return reply
