"""Stories and interventions: area scoping, search, never in the workspace."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from tests.web.cityfixture import BUURTEN
from tests.web.test_signals_fixtures import *  # noqa: F403 - fixtures

from veerkracht.web.stories import services
from veerkracht.web.stories.models import Story

pytestmark = pytest.mark.django_db


def test_stories_are_scoped_searchable_and_shown_per_place(
    city, professional, outsider
):
    story = services.write_story(
        professional,
        level="buurt",
        place_id=BUURTEN[0],
        title="Portiek 1 knapt op",
        body="Bewoners poetsen samen.",
        kind="vignette",
    )
    assert services.stories_for_place("buurt", BUURTEN[0], professional) == [story]
    assert services.stories_for_place("buurt", BUURTEN[0], outsider) == []
    assert list(services.search(professional, "poetsen")) == [story]
    assert list(services.search(professional, "niets")) == []
    assert list(services.search(outsider, "poetsen")) == []
    with pytest.raises(PermissionDenied):
        services.write_story(
            outsider, level="buurt", place_id=BUURTEN[0], title="x", body="y"
        )
    assert story.author.startswith("user:")


def test_interventions(city, professional):
    item = services.register_intervention(
        professional,
        level="buurt",
        place_ids=[BUURTEN[0]],
        domain="shared_spaces",
        title="Portiekgesprekken",
        start=dt.date(2026, 1, 1),
    )
    assert services.interventions_for_place("buurt", BUURTEN[0], professional) == [item]
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.register_intervention(
            professional,
            level="buurt",
            place_ids=[BUURTEN[0]],
            domain="inflow",
            title="x",
            start=dt.date(2026, 2, 1),
            end=dt.date(2026, 1, 1),
        )


def test_an_intervention_on_several_places_and_a_combination(
        city_copy, professional, outsider, django_capture_on_commit_callbacks):
    from veerkracht.store import open_workspace
    from veerkracht.web.stories.models import Intervention

    fields = {"domain": "professionals", "start": dt.date(2025, 3, 1),
              "goal": "Een vast aanspreekpunt", "target_group": "Bewoners",
              "approach": "Vier dagen per week in de straat",
              "working_elements": "Vaste gezichten", "preconditions": "Een ruimte",
              "intensity": "intensive", "organisations": "Woonstichting; Welzijn"}
    with django_capture_on_commit_callbacks(execute=True):
        one = services.register_intervention(
            professional, level="buurt", place_ids=[BUURTEN[0], BUURTEN[1]],
            title="Buurtconciërge", **fields)
        two = services.register_intervention(
            professional, level="buurt", place_ids=[BUURTEN[1]],
            title="Huiskamer", **{**fields, "domain": "shared_spaces"})
    at_second = services.interventions_for_place("buurt", BUURTEN[1], professional)
    assert {i.title for i in at_second} == {"Buurtconciërge", "Huiskamer"}
    assert {tuple(i.combined_with) for i in at_second} == {("Huiskamer",),
                                                           ("Buurtconciërge",)}
    assert [i.title for i in services.interventions_for_place(
        "buurt", BUURTEN[0], professional)] == ["Buurtconciërge"]
    # one place outside the areas: refused, and nothing stored
    before = Intervention.objects.count()
    with pytest.raises(PermissionDenied, match="buiten uw gebied"):
        services.register_intervention(
            outsider, level="buurt", place_ids=[BUURTEN[0]], title="x", **fields)
    assert Intervention.objects.count() == before
    # the workspace holds both, with their places, and no author
    ws = open_workspace(city_copy)
    iv = ws.read("interventions").set_index("intervention_id")
    places = ws.read("intervention_places")
    assert {one.workspace_id, two.workspace_id} <= set(iv.index)
    assert iv.loc[one.workspace_id, "working_elements"] == "Vaste gezichten"
    assert iv.loc[one.workspace_id, "source"] == "web"
    assert not {"author", "organisation"} & set(iv.columns)
    assert sorted(places.loc[places.intervention_id == one.workspace_id,
                             "place_id"]) == sorted(BUURTEN[:2])
    from veerkracht.analytics.evaluation.interventions import (
        check_interventions,
        combinations,
    )

    check_interventions(iv.reset_index())
    combo = combinations(places)
    assert combo["place_id"].tolist() == [BUURTEN[1]]


def test_stories_never_touch_the_workspace(city, professional):
    from veerkracht.store import open_workspace

    ws = open_workspace(city)
    before = [(t.name, t.version) for t in ws.tables()]
    services.write_story(
        professional,
        level="buurt",
        place_id=BUURTEN[0],
        title="Stil geworden",
        body="Niemand groet meer.",
    )
    services.search(professional, "groet")
    assert [(t.name, t.version) for t in ws.tables()] == before
    assert not any("groet" in str(op.summary) for op in ws.operations())


def test_story_pages(client, city, professional):
    client.force_login(professional)
    r = client.post(
        reverse("stories:new"),
        {
            "level": "buurt",
            "place_id": BUURTEN[0],
            "kind": "observation",
            "title": "Bankje weg",
            "body": "Het bankje bij de speeltuin is weg.",
            "observed_on": "2026-11-01",
        },
    )
    assert r.status_code == 302 and Story.objects.count() == 1
    page = client.get(reverse("stories:index"), {"q": "bankje"}).content.decode()
    assert "Bankje weg" in page
    out = client.post(
        reverse("stories:new"),
        {
            "level": "buurt",
            "place_id": "BU00000000",
            "kind": "observation",
            "title": "x",
            "body": "y",
            "observed_on": "2026-11-01",
        },
    )
    assert out.status_code == 200 and "buiten uw gebied" in out.content.decode()


def test_residents_have_no_story_pages(client, city):
    assert client.get(reverse("stories:index")).status_code == 302
