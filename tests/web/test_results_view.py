"""With model results the map and profile show balance classes, from the door."""

from __future__ import annotations

import pytest


@pytest.fixture
def with_results(users, tmp_path, settings):
    """The test city with stored results (tests/web/publishedcity.py)."""
    from tests.web.fixtures import _reset_caches
    from tests.web.publishedcity import build_published_city

    folder, ids = build_published_city(tmp_path / "ws")
    settings.VEERKRACHT_WORKSPACE = folder
    _reset_caches()
    return ids


@pytest.mark.django_db
def test_map_is_coloured_by_balance_class(client, users, with_results):
    from veerkracht.web.places.figures import balance_classes

    client.force_login(users["frontline"])
    body = client.get("/api/maps/layers/entrance?bbox=3,50,9,54&zoom=17").json()
    assert body["meta"]["mode"] == "results" and body["meta"]["period"] == "2025"
    labels = [i["label"] for i in body["meta"]["legend"]["items"]]
    assert labels[0] == "in balans" and labels[4] == "kraan open"
    colours = {c.name: c.colour for c in balance_classes()}
    assert body["features"]
    for f in body["features"]:
        p = f["properties"]
        assert p["name"]  # a readable place label, not only the id
        # model not approved: no bands, only public places are drawn
        assert p["visibility"] == "public" and p["pattern"] == "solid"
        assert p["colour"] == colours[p["balance_class"]]
        assert "balance" in p and p["n_dwellings"] % 5 == 0


@pytest.mark.django_db
def test_profile_shows_history_and_indicators(client, users, with_results):
    ids = with_results
    client.force_login(users["frontline"])
    body = client.get(f"/api/places/buurt/{ids['buurt1']}").json()
    assert [h["period"] for h in body["history"]] == ["2024", "2025"]
    keys = {i["key"] for i in body["indicators"]}
    assert "ind_turnover" in keys and "balance" in keys
    city = next(i for i in body["indicators"] if i["key"] == "ind_turnover")["city"]
    assert city is not None
    assert [c["name"] for c in body["class_probabilities"]][0] == "in balans"
    page = client.get(f"/plaatsen/buurt/{ids['buurt1']}/").content.decode()
    assert "Balans per periode" in page and "Indicatoren tegenover de gemeente" in page
    pdf = client.get(f"/plaatsen/buurt/{ids['buurt1']}/pdf")
    assert pdf.content.startswith(b"%PDF")
