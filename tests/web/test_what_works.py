"""The "Wat werkt" page: effects through the door, never which places."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from tests.web.cityfixture import BUURTEN
from tests.web.test_signals_fixtures import *  # noqa: F403 - fixtures

from veerkracht.store import open_workspace

pytestmark = pytest.mark.django_db


def _evaluated(folder) -> None:
    """An evaluation as ``veerkracht evaluate`` stores it, with secret lists."""
    ws = open_workspace(folder)
    iv = pd.DataFrame({
        "intervention_id": ["x-1"], "title": ["Huiskamer in de flat"],
        "domain": ["shared_spaces"], "level": ["building"],
        "start": pd.to_datetime(["2025-01-01"]).astype("datetime64[us]"),
        "end": pd.Series([pd.NaT], dtype="datetime64[us]"),
        "intensity": ["medium"], "organisations": ["Woonstichting"],
        "goal": ["Elkaar kennen"], "target_group": ["Bewoners"],
        "approach": ["Koffie"], "working_elements": ["Vaste plek"],
        "preconditions": ["Een ruimte"], "description": [""], "source": ["web"],
        "synthetic": [False]})
    ev = pd.DataFrame({
        "treatment_id": ["x-1", "x-1", "x-1"], "kind": ["interventie"] * 3,
        "title": ["Huiskamer in de flat"] * 3, "domains": ["shared_spaces"] * 3,
        "level": ["building"] * 3,
        "outcome": ["signals_pressure", "balance", "resilience"],
        "interval": [0.9] * 3, "status": ["ok", "ok", "te_weinig_plaatsen"],
        "message": ["", "", "1 plaats(en) met deze interventie"],
        "n_treated": [12, 1, 1], "n_comparison": [50, 40, 0],
        "treated_places": ["SECRET-T1;SECRET-T2"] * 3,
        "comparison_places": ["SECRET-C1"] * 3, "periods": ["2024-Q1–2025-Q4"] * 3,
        "treated_mean_before": [0.45, 0.1, np.nan], "att": [-0.2712345, 0.3, np.nan],
        "se": [0.1, 0.1, np.nan], "lo": [-0.45, 0.1, np.nan],
        "hi": [-0.05, 0.5, np.nan], "pretrend_p": [0.5, 0.5, np.nan],
        "placebo_att": [0.01, 0.0, np.nan], "placebo_lo": [-0.2, -0.1, np.nan],
        "placebo_hi": [0.2, 0.1, np.nan], "statistics_period": ["2025"] * 3,
        "computed_at": ["2026-12-02T00:00:00Z"] * 3, "seed": [1] * 3})
    with ws.transaction("evaluate", source="test") as tx:
        tx.put("interventions", iv)
        tx.put("evaluations", ev)


def test_the_page_shows_effects_and_verdicts_but_no_place(
        client, city_copy, professional):
    from veerkracht.web.stories import services

    _evaluated(city_copy)
    services.register_intervention(professional, level="buurt",
                                   place_ids=[BUURTEN[0]], domain="inflow",
                                   title="Spreiding", start=pd.Timestamp(
                                       "2025-01-01").date())
    client.force_login(professional)
    page = client.get("/verhalen/wat-werkt/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Huiskamer in de flat" in body and "Werkzame elementen" in body
    assert "−0,271 (−0,450 – −0,050)" in body  # rounded at the door
    assert "beter: het interval ligt helemaal aan de goede kant" in body
    # one treated place: no figure, whatever was stored
    assert "0,300" not in body and body.count("niet getoond") == 2
    assert "SECRET" not in body
    assert 'href="/verhalen/wat-werkt/"' in body  # in the menu
    assert "Spreiding" in body and f"/plaatsen/buurt/{BUURTEN[0]}/" in body


def test_a_synthetic_control_on_one_place_is_shown_and_named(
        client, city_copy, professional):
    """One large place: the door shows its synthetic control (method
    ``synth``), the page says so; a difference-in-differences on one place
    stays hidden."""
    _evaluated(city_copy)
    ws = open_workspace(city_copy)
    ev = ws.read("evaluations").assign(method=["did", "synth", "did"])
    with ws.transaction("evaluate", source="test") as tx:
        tx.put("evaluations", ev)
    client.force_login(professional)
    body = client.get("/verhalen/wat-werkt/").content.decode()
    assert "0,300 (0,100 – 0,500)" in body
    assert body.count("(synthetische controle)") == 1
    assert body.count("niet getoond") == 1 and "SECRET" not in body


def test_without_the_map_role_the_page_is_refused(client, city_copy, db):
    from tests.web.test_signals_fixtures import make_professional

    resident = make_professional("bewoner1", role="resident")
    client.force_login(resident)
    assert client.get("/verhalen/wat-werkt/").status_code == 403


def test_before_any_evaluation_the_page_says_what_to_do(client, city_copy,
                                                        professional):
    client.force_login(professional)
    body = client.get("/verhalen/wat-werkt/").content.decode()
    assert "veerkracht evaluate" in body


def test_another_municipalitys_library_is_shown_beside_ones_own(
        client, city_copy, professional):
    import json

    from tests.analytics.test_evaluation_library import _library

    from veerkracht.jobs.evaluate import import_library

    import_library(open_workspace(city_copy), json.dumps(_library()))
    client.force_login(professional)
    body = client.get("/verhalen/wat-werkt/").content.decode()
    assert "Uit andere gemeenten" in body and "Groningen (GM0014)" in body
    assert "Huiskamer + Conciërge" in body and "Werkzame elementen: Vaste plek" in body
