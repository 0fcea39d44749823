"""The knowledge library: evaluated interventions, shared between municipalities.

A library is one JSON document in the open format ``veerkracht-
kennisbibliotheek`` 1.2, defined by the JSON Schema
``veerkracht/data/library.schema.json`` and documented in docs/library.md.
An entry is an intervention or a combination: what (title, domains, the
description fields of Dutch practice, intensity, organisations), where in
aggregate (its level and number of places, never which), when (start,
end), its effects with their intervals and verdicts, and the stories at
its places that the privacy officer approved for sharing (kind, title, text,
month: never the place or the author). Only rows the
publication door shows become effects; nothing of a person, an address or
a list of places is in the format, and the schema forbids any other field.

:func:`build_library` makes the document from published evaluations;
:func:`check_library` validates a document (the schema, then what a schema
cannot say: an interval around its estimate, a verdict that follows from
its interval, unique ids) with Dutch messages that name the place in the
file; :func:`library_entries` flattens it for the workspace.
"""

from __future__ import annotations

import json
from importlib import resources

import pandas as pd

from veerkracht.analytics.evaluation.evaluate import verdict
from veerkracht.analytics.evaluation.interventions import (
    DESCRIPTION_FIELDS,
    combinations,
)
from veerkracht.analytics.evaluation.panel import LOWER_IS_BETTER

FORMAT = "veerkracht-kennisbibliotheek"
VERSION = "1.2"
#: Largest library file read (bytes).
MAX_BYTES = 5 * 1024 * 1024


class LibraryError(ValueError):
    """A library document that does not follow the format; message in Dutch."""


def schema() -> dict:
    """The JSON Schema of the format (shipped with the package)."""
    text = resources.files("veerkracht.data").joinpath("library.schema.json")
    return json.loads(text.read_text(encoding="utf-8"))


def _num(x):
    return None if x is None or x != x else float(x)


#: Columns of the workspace table ``shared_stories``: the stories whose
#: author asked to share them and the privacy officer approved.
STORY_COLUMNS = ("story_id", "level", "place_id", "kind", "title", "body",
                 "observed", "approved")
#: Most stories one entry carries (the latest first).
MAX_STORIES = 10


def stories_of(stories: pd.DataFrame | None, places: pd.DataFrame) -> dict:
    """Treatment id → the approved stories at all of its places.

    ``places`` is ``intervention_places``; a combination ``a+b`` is at the
    places that have all of its members. Only rows with ``approved`` true
    count, whatever else the table holds; each story is given as kind,
    title, text and month, the latest first, at most :data:`MAX_STORIES`.
    """
    if stories is None or not len(stories) or not len(places):
        return {}
    ok = stories[stories["approved"].astype("bool")]
    at: dict[tuple[str, str], list[dict]] = {}
    for r in ok.sort_values("observed", ascending=False).itertuples():
        at.setdefault((str(r.level), str(r.place_id)), []).append({
            "kind": str(r.kind), "title": str(r.title)[:160],
            "text": str(r.body)[:8000], "observed": str(r.observed)[:7]})
    where: dict[str, set] = {}
    for r in places.itertuples():
        where.setdefault(str(r.intervention_id), set()).add(
            (str(r.level), str(r.place_id)))
    out: dict[str, list[dict]] = {}
    ids = set(where)
    combos = combinations(places)
    for combo, rows in combos.groupby("combination") if len(combos) else []:
        where[str(combo)] = set(zip(rows["level"].astype("str"),
                                    rows["place_id"].astype("str"), strict=True))
        ids.add(str(combo))
    for tid in ids:
        found = [s for key in sorted(where[tid]) for s in at.get(key, [])]
        if found:
            found.sort(key=lambda s: s["observed"], reverse=True)
            out[tid] = found[:MAX_STORIES]
    return out


def build_library(evaluations: pd.DataFrame, interventions: pd.DataFrame,
                  municipality: dict, created: str,
                  stories: dict | None = None) -> dict:
    """The library document of one municipality.

    ``evaluations`` are *published* rows
    (:func:`veerkracht.analytics.publication.publish_evaluations`): only
    rows with ``shown`` become effects, and a treatment without any is no
    entry. ``interventions`` is the workspace table (for the description
    fields; a combination takes its members' titles and leaves them out).
    ``stories`` maps a treatment id to its shared stories
    (:func:`stories_of`).
    """
    about = {str(r["intervention_id"]): r
             for r in interventions.to_dict("records")} if len(interventions) else {}
    entries = []
    shown = evaluations[evaluations["shown"].astype(bool)] if len(evaluations) else \
        evaluations
    for tid, rows in (shown.groupby("treatment_id", sort=False) if len(shown) else []):
        first = rows.iloc[0]
        members = [about[m] for m in str(tid).split("+") if m in about]
        effects = []
        for r in rows.to_dict("records"):
            p = _num(r.get("pretrend_p"))
            effects.append({
                "outcome": r["outcome"], "att": float(r["att"]),
                "lo": float(r["lo"]), "hi": float(r["hi"]),
                "interval": float(r["interval"]), "n_treated": int(r["n_treated"]),
                "n_comparison": int(r["n_comparison"]), "pretrend_p": p,
                "method": str(r.get("method") or "did"),
                "periods": str(r.get("periods", ""))[:40],
                "verdict": verdict(r["lo"], r["hi"], r["outcome"] in LOWER_IS_BETTER,
                                   p, (_num(r.get("placebo_lo")),
                                       _num(r.get("placebo_hi")))
                                   if _num(r.get("placebo_lo")) is not None else None),
            })
        entry = {
            "id": str(tid), "kind": str(first["kind"]), "title": str(first["title"]),
            "domains": sorted(set(str(first["domains"]).split("+"))),
            "level": str(first["level"]),
            "n_places": int(rows["n_treated"].max()),
            "start": max(str(m["start"])[:10] for m in members) if members else "",
            "effects": effects,
        }
        if len(members) == 1:
            m = members[0]
            end = m.get("end")
            entry["end"] = None if end is None or pd.isna(end) else str(end)[:10]
            entry["intensity"] = m.get("intensity") or None
            entry["organisations"] = str(m.get("organisations") or "")
            for code, _ in DESCRIPTION_FIELDS:
                entry[code] = str(m.get(code) or "")
        if stories and stories.get(str(tid)):
            entry["stories"] = stories[str(tid)]
        entries.append(entry)
    return {"format": FORMAT, "version": VERSION, "municipality": municipality,
            "created": created, "entries": entries}


def _where(path) -> str:
    return "/".join(str(p) for p in path) or "(het hele bestand)"


def check_library(document) -> dict:
    """``document`` (a dict, JSON text or bytes) when it follows the format.

    Raises :class:`LibraryError` with every problem found (at most 20), each
    with its place in the file (``entries/3/effects/0/lo``).
    """
    import jsonschema

    if isinstance(document, bytes | str):
        if len(document) > MAX_BYTES:
            raise LibraryError(f"het bestand is groter dan {MAX_BYTES // 2**20} MB")
        try:
            document = json.loads(document)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise LibraryError(f"geen geldige JSON: {exc}") from None
    validator = jsonschema.Draft202012Validator(
        schema(), format_checker=jsonschema.FormatChecker())
    problems = [f"{_where(e.absolute_path)}: {e.message}"
                for e in sorted(validator.iter_errors(document),
                                key=lambda e: list(map(str, e.absolute_path)))]
    if not problems:
        from datetime import datetime

        try:  # date-time needs an extra package in jsonschema: checked here
            datetime.fromisoformat(document["created"])
        except ValueError:
            problems.append(f"created: {document['created']!r} is geen tijdstip "
                            "(ISO 8601, zoals 2026-12-02T12:00:00Z)")
        seen = set()
        for i, entry in enumerate(document["entries"]):
            if entry["id"] in seen:
                problems.append(f"entries/{i}/id: {entry['id']!r} staat er twee "
                                "keer in")
            seen.add(entry["id"])
            for j, e in enumerate(entry["effects"]):
                where = f"entries/{i}/effects/{j}"
                if not e["lo"] <= e["att"] <= e["hi"]:
                    problems.append(f"{where}: het effect ligt niet in zijn interval")
                expected = verdict(e["lo"], e["hi"], e["outcome"] in LOWER_IS_BETTER,
                                   e.get("pretrend_p"))
                if e["verdict"] != expected and not (
                        e["verdict"] == "untrusted" and expected != "untrusted"):
                    problems.append(f"{where}/verdict: {e['verdict']!r} volgt niet uit "
                                    f"het interval (verwacht {expected!r})")
                if e["n_treated"] < 2 and e.get("method", "did") != "synth":
                    problems.append(f"{where}/n_treated: een effect op één plaats "
                                    "kan alleen een synthetische controle zijn "
                                    "(method 'synth')")
                if e["n_treated"] > entry["n_places"]:
                    problems.append(f"{where}/n_treated: meer plaatsen dan de "
                                    "interventie heeft")
    if problems:
        more = f" (en nog {len(problems) - 20})" if len(problems) > 20 else ""
        raise LibraryError("de bibliotheek volgt het formaat niet:\n- "
                           + "\n- ".join(problems[:20]) + more)
    return document


def library_entries(document: dict) -> pd.DataFrame:
    """One row per entry and effect of a checked library (for the workspace)."""
    rows = []
    m = document["municipality"]
    for entry in document["entries"]:
        base = {k: v for k, v in entry.items()
                if k not in ("effects", "domains", "stories")}
        base["domains"] = "+".join(entry["domains"])
        base["stories"] = json.dumps(entry.get("stories", []), ensure_ascii=False)
        for e in entry["effects"]:
            rows.append({"municipality_code": m["code"], "municipality": m["name"],
                         "library_created": document["created"], **base, **e})
    frame = pd.DataFrame(rows)
    numeric = ("att", "lo", "hi", "interval", "pretrend_p", "n_treated",
               "n_comparison", "n_places")
    for col in frame.columns:
        if col in numeric:
            frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
        else:
            frame[col] = frame[col].where(frame[col].notna(), "").astype("str")
    return frame
