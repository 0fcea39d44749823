"""The API: OpenAPI, problem details for bad input, bounded map responses."""

from __future__ import annotations

import json

import pytest


@pytest.mark.django_db
def test_openapi_lists_the_map_and_place_routes(client):
    spec = client.get("/api/openapi.json").json()
    assert "/api/maps/layers/{level}" in spec["paths"]
    assert "/api/places/{level}/{place_id}" in spec["paths"]
    text = json.dumps(spec).lower()
    for forbidden in ("risk_score", "nationality", "ethnicity", "household_key"):
        assert forbidden not in text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/maps/layers/planet?bbox=3,50,9,54", 400),
        ("/api/maps/layers/buurt?bbox=not-a-box", 422),
        ("/api/maps/layers/buurt?bbox=9,50,3,54&zoom=12", 400),
        ("/api/maps/layers/buurt?zoom=99&bbox=3,50,9,54", 422),
        ("/api/maps/layers/buurt", 400),
        ("/api/maps/layers/street?parent=X", 400),
        ("/api/places/buurt/BU00000000", 404),
        ("/api/places/buurt/{buurt2}", 403),
        ("/api/places/nowhere/x", 400),
        ("/api/does-not-exist", 404),
    ],
)
def test_bad_requests_get_problem_details(client, users, place_ids, url, status):
    client.force_login(users["frontline"])
    response = client.get(url.format(**place_ids))
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["title"]


@pytest.mark.django_db
def test_layer_is_geojson_with_disclosed_properties(client, users):
    client.force_login(users["frontline"])
    response = client.get("/api/maps/layers/entrance?bbox=3,50,9,54&zoom=17")
    assert response["Content-Type"] == "application/geo+json"
    body = response.json()
    assert body["type"] == "FeatureCollection" and body["features"]
    assert body["meta"]["mode"] == "dwellings"
    assert "niet naar de balans" in body["meta"]["legend"]["note"]
    for f in body["features"]:
        p = f["properties"]
        assert p["visibility"] in ("public", "band_only")
        if p["visibility"] == "band_only":
            assert "n_dwellings" not in p  # below 10: only the band
        else:
            assert p["n_dwellings"] % 5 == 0 and p["n_dwellings"] >= 10
        lon, lat = f["geometry"]["coordinates"]
        assert 6 < lon < 7.5 and 52.5 < lat < 53.5
        assert len(str(lon).split(".")[1]) <= 6


@pytest.mark.django_db
def test_response_size_is_bounded(client, users, settings):
    client.force_login(users["policy"])
    # fine levels need a minimum zoom
    body = client.get("/api/maps/layers/street?bbox=3,50,9,54&zoom=8").json()
    assert body["features"] == [] and body["meta"]["zoom_in"]
    # and never more than the cap
    settings.VEERKRACHT_MAP_MAX_FEATURES = 3
    body = client.get("/api/maps/layers/street?bbox=3,50,9,54&zoom=15").json()
    assert body["features"] == [] and body["meta"]["zoom_in"]
    assert body["meta"]["total"] == 6
    settings.VEERKRACHT_MAP_MAX_FEATURES = 4000
    response = client.get("/api/maps/layers/street?bbox=3,50,9,54&zoom=15")
    assert len(response.json()["features"]) == 6
    assert len(response.content) < 6 * 1500


def test_simplification_shrinks_geometry_with_zoom():
    import shapely

    from veerkracht.web.maps.services import tolerance_for_zoom

    circle = shapely.Point(0, 0).buffer(500, quad_segs=64)
    coarse = shapely.simplify(circle, tolerance_for_zoom(10))
    fine = shapely.simplify(circle, tolerance_for_zoom(18))
    assert shapely.get_num_coordinates(coarse) < shapely.get_num_coordinates(fine)
    assert tolerance_for_zoom(10) > tolerance_for_zoom(11) > 0


@pytest.mark.django_db
def test_drill_down_buurt_to_streets_to_blocks_to_entrances(client, users, place_ids,
                                                              city):
    client.force_login(users["frontline"])
    streets = client.get(f"/api/maps/layers/street?parent={place_ids['buurt1']}"
                         "&parent_level=buurt").json()["features"]
    assert {f["id"] for f in streets} == {
        s for s in city.read("place_street")["place_id"] if place_ids["buurt1"] in s}
    street = streets[0]["id"]
    blocks = client.get(f"/api/maps/layers/block?parent={street}&parent_level=street"
                        ).json()["features"]
    assert blocks
    block = blocks[0]["id"]
    entrances = client.get(f"/api/maps/layers/entrance?parent={block}"
                           "&parent_level=block").json()["features"]
    dw = city.read("dwellings")
    assert {f["id"] for f in entrances} == set(dw.loc[dw["block_id"] == block,
                                                      "entrance_id"])


@pytest.mark.django_db
def test_post_without_csrf_is_refused(users):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(users["privacy"])
    assert client.post("/privacy/", {"min_cell": "20"}).status_code == 403
