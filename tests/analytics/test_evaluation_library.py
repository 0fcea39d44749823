"""The knowledge library: its format, its validator, and files an attacker crafts."""

import copy
import json

import numpy as np
import pandas as pd
import pytest

from veerkracht.analytics.evaluation.library import (
    MAX_BYTES,
    LibraryError,
    build_library,
    check_library,
    library_entries,
    schema,
)
from veerkracht.analytics.publication import publish_evaluations

RAW = pd.DataFrame({
    "treatment_id": ["a", "a", "b", "a+b"],
    "kind": ["interventie"] * 3 + ["combinatie"],
    "title": ["Huiskamer", "Huiskamer", "Eén plek", "Huiskamer + Conciërge"],
    "domains": ["shared_spaces", "shared_spaces", "inflow",
                "professionals+shared_spaces"],
    "level": ["building"] * 4, "outcome": ["signals_pressure", "balance", "balance",
                                           "signals_pressure"],
    "interval": [0.9] * 4, "status": ["ok"] * 4, "message": [""] * 4,
    "n_treated": [30, 30, 1, 12], "n_comparison": [100, 98, 5, 50],
    "treated_places": ["B-1;B-2"] * 4, "comparison_places": ["B-9"] * 4,
    "periods": ["2024-Q1–2025-Q4"] * 4, "treated_mean_before": [0.4, 0.1, 0.2, 0.5],
    "att": [-0.2712, 0.0191, 0.5, -0.24], "se": [0.1] * 4,
    "lo": [-0.49, -0.03, 0.3, -0.5], "hi": [-0.05, 0.07, 0.7, 0.05],
    "pretrend_p": [0.4, 0.7, 0.5, 0.03], "placebo_att": [0.0] * 4,
    "placebo_lo": [-0.1] * 4, "placebo_hi": [0.1] * 4})
IV = pd.DataFrame({
    "intervention_id": ["a", "b"], "title": ["Huiskamer", "Eén plek"],
    "domain": ["shared_spaces", "inflow"], "level": ["building"] * 2,
    "start": pd.to_datetime(["2025-01-01", "2025-04-01"]),
    "end": [pd.NaT, pd.NaT], "intensity": ["medium", ""],
    "organisations": ["Woonstichting", ""], "goal": ["Elkaar kennen", ""],
    "target_group": ["Bewoners", ""], "approach": ["Koffie", ""],
    "working_elements": ["Vaste plek", ""], "preconditions": ["Ruimte", ""],
    "description": ["", ""], "source": ["web", "web"], "synthetic": [False, False]})
GM = {"code": "GM0014", "name": "Groningen"}


def _library() -> dict:
    return build_library(publish_evaluations(RAW), IV, GM, "2026-12-02T12:00:00Z")


def test_a_built_library_follows_its_own_schema():
    doc = _library()
    assert check_library(json.dumps(doc)) == doc
    ids = [e["id"] for e in doc["entries"]]
    assert ids == ["a", "a+b"]  # b was shown on one place only: no entry
    a = doc["entries"][0]
    assert a["working_elements"] == "Vaste plek" and a["n_places"] == 30
    assert [e["verdict"] for e in a["effects"]] == ["better", "unclear"]
    assert a["effects"][0]["att"] == -0.271  # the door's rounding
    combo = doc["entries"][1]
    assert combo["start"] == "2025-04-01" and "goal" not in combo
    assert combo["effects"][0]["verdict"] == "untrusted"  # pre-test p 0.03
    text = json.dumps(doc)
    assert "B-1" not in text and "B-9" not in text  # never which places
    rows = library_entries(doc)
    assert len(rows) == 3 and set(rows["municipality_code"]) == {"GM0014"}
    assert rows["pretrend_p"].dtype == "float64"


def _refused(doc, message):
    with pytest.raises(LibraryError, match=message):
        check_library(json.dumps(doc) if isinstance(doc, dict) else doc)


def test_crafted_files_are_refused_with_the_place_of_the_error():
    good = _library()
    # a list of places smuggled into an entry or an effect
    bad = copy.deepcopy(good)
    bad["entries"][0]["treated_places"] = ["B-1", "B-2"]
    _refused(bad, r"entries/0: Additional properties are not allowed")
    bad = copy.deepcopy(good)
    bad["entries"][0]["effects"][0]["households"] = [{"address": "Dorpsstraat 1"}]
    _refused(bad, "entries/0/effects/0")
    # an effect on one place (a single place's figure) or a tiny comparison
    bad = copy.deepcopy(good)
    bad["entries"][0]["effects"][0]["n_treated"] = 1
    _refused(bad, "n_treated: een effect op één plaats kan alleen een "
                  "synthetische controle zijn")
    bad["entries"][0]["effects"][0]["method"] = "synth"  # one large place: allowed
    check_library(bad)
    bad["entries"][0]["effects"][0]["method"] = "raden"
    _refused(bad, "method: 'raden' is not one of")
    # an estimate outside its interval, a verdict its interval does not give
    bad = copy.deepcopy(good)
    bad["entries"][0]["effects"][0]["att"] = 0.5
    _refused(bad, "niet in zijn interval")
    bad = copy.deepcopy(good)
    bad["entries"][0]["effects"][1]["verdict"] = "better"
    _refused(bad, r"verdict: 'better' volgt niet uit het interval")
    # duplicates, unknown domains and levels, wrong format or version
    bad = copy.deepcopy(good)
    bad["entries"][1]["id"] = "a"
    _refused(bad, "twee keer")
    bad = copy.deepcopy(good)
    bad["entries"][0]["domains"] = ["sport"]
    _refused(bad, "entries/0/domains/0")
    bad = copy.deepcopy(good)
    bad["entries"][0]["level"] = "dwelling"
    _refused(bad, "entries/0/level")
    _refused({**good, "format": "iets anders"}, "format")
    _refused({**good, "version": "2.0"}, "version")
    _refused({**good, "municipality": {"code": "Groningen", "name": "x"}},
             "municipality/code")
    _refused({**good, "created": "gisteren"}, "created")


def test_broken_and_oversized_files_are_refused():
    _refused(b"{niet: json", "geen geldige JSON")
    _refused(b"\xff\xfe", "geen geldige JSON")
    _refused(b" " * (MAX_BYTES + 1), "groter dan")
    _refused(json.dumps([1, 2]), "is not of type 'object'")


def test_the_schema_is_valid_json_schema_and_documents_itself():
    import jsonschema

    s = schema()
    jsonschema.Draft202012Validator.check_schema(s)
    assert s["properties"]["format"]["const"] == "veerkracht-kennisbibliotheek"
    assert s["additionalProperties"] is False


def test_nan_figures_never_reach_a_library():
    raw = RAW.copy()
    raw.loc[0, "pretrend_p"] = np.nan
    doc = build_library(publish_evaluations(raw), IV, GM, "2026-12-02T12:00:00Z")
    assert doc["entries"][0]["effects"][0]["pretrend_p"] is None
    assert check_library(json.dumps(doc))


def test_approved_stories_go_with_their_entry_and_a_crafted_one_is_refused():
    """A story at a place of ``a`` goes with ``a``; one at the place with both
    ``a`` and ``b`` also with the combination; one without approval with
    nothing. The schema refuses a story carrying an author or a place."""
    from veerkracht.analytics.evaluation.library import MAX_STORIES, stories_of

    places = pd.DataFrame({"intervention_id": ["a", "a", "b"],
                           "level": ["building"] * 3,
                           "place_id": ["B-1", "B-2", "B-2"]})
    stories = pd.DataFrame({
        "story_id": ["s1", "s2", "s3"], "level": ["building"] * 3,
        "place_id": ["B-1", "B-2", "B-2"], "kind": ["observation", "vignette",
                                                    "observation"],
        "title": ["Koffie", "Samen", "Geheim"], "body": ["Er is koffie.",
                                                         "Ze doen het samen.", "x"],
        "observed": ["2026-03", "2026-05", "2026-06"],
        "approved": [True, True, False]})
    found = stories_of(stories, places)
    assert [s["title"] for s in found["a"]] == ["Samen", "Koffie"]  # latest first
    assert [s["title"] for s in found["a+b"]] == ["Samen"]
    assert "b" in found and all(s["title"] != "Geheim" for v in found.values()
                                for s in v)
    doc = build_library(publish_evaluations(RAW), IV, GM, "2026-12-02T12:00:00Z",
                        stories=found)
    check_library(json.dumps(doc))
    text = json.dumps(doc, ensure_ascii=False)
    assert "Ze doen het samen." in text and "B-2" not in text
    rows = library_entries(doc)
    assert json.loads(rows.loc[rows["id"] == "a", "stories"].iloc[0])[0]["title"] \
        == "Samen"
    bad = copy.deepcopy(doc)
    bad["entries"][0]["stories"][0]["author"] = "wijkwerker"
    _refused(bad, r"entries/0/stories/0: Additional properties are not allowed")
    bad = copy.deepcopy(doc)
    bad["entries"][0]["stories"][0]["observed"] = "12 oktober"
    _refused(bad, "entries/0/stories/0/observed")
    bad = copy.deepcopy(doc)
    bad["entries"][0]["stories"] = bad["entries"][0]["stories"] * (MAX_STORIES + 1)
    _refused(bad, "entries/0/stories")
