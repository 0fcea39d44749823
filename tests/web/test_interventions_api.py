"""``/api/interventions/``: register, list (scoped), and the published effects."""

from __future__ import annotations

import pytest
from tests.web.cityfixture import BUURTEN
from tests.web.test_signals_fixtures import *  # noqa: F403 - fixtures
from tests.web.test_what_works import _evaluated

from veerkracht.web.stories.models import Intervention

pytestmark = pytest.mark.django_db

BODY = {"title": "Buurtconciërge", "domain": "professionals", "level": "buurt",
        "place_ids": [BUURTEN[0], BUURTEN[1]], "start": "2025-03-01",
        "intensity": "intensive", "goal": "Een vast aanspreekpunt",
        "working_elements": "Vaste gezichten", "organisations": "Woonstichting"}


def _post(client, body):
    return client.post("/api/interventions/", body, content_type="application/json")


def test_register_then_list_with_only_ones_own_places(
        client, city_copy, professional, outsider):
    client.force_login(professional)
    made = _post(client, BODY)
    assert made.status_code == 201, made.content
    got = made.json()
    assert got["id"].startswith("web-") and got["working_elements"] == "Vaste gezichten"
    assert sorted(got["place_ids"]) == sorted(BUURTEN[:2])
    client.force_login(outsider)  # assigned only BUURTEN[1]
    listed = client.get("/api/interventions/").json()
    assert [i["place_ids"] for i in listed] == [[BUURTEN[1]]]
    # the outsider cannot register on a place outside the areas: nothing stored
    before = Intervention.objects.count()
    refused = _post(client, BODY)
    assert refused.status_code == 403
    assert refused["Content-Type"].startswith("application/problem+json")
    assert Intervention.objects.count() == before


def test_bad_input_is_a_problem_not_a_crash(client, city_copy, professional):
    client.force_login(professional)
    for change in ({"domain": "sport"}, {"place_ids": []}, {"start": "gisteren"},
                   {"level": "gemeente"}):
        answer = _post(client, {**BODY, **change})
        assert answer.status_code == 422, (change, answer.content)
    late = _post(client, {**BODY, "end": "2025-01-01"})
    assert late.status_code == 422 and "einde" in late.json()["detail"].lower()
    assert Intervention.objects.count() == 0
    client.logout()
    assert _post(client, BODY).status_code == 401


def test_effects_come_through_the_door(client, city_copy, professional):
    _evaluated(city_copy)
    client.force_login(professional)
    rows = client.get("/api/interventions/effects").json()
    assert len(rows) == 3
    assert [r["shown"] for r in rows] == [True, False, False]
    assert rows[0]["att"] == -0.271 and rows[1]["att"] is None
    assert not any("treated_places" in r or "comparison_places" in r for r in rows)
