"""The map's grey base (``/api/maps/context``, ADR 0017): buildings, streets,
outlines and names from the workspace's public geometry — the same for every
user, with no place id and no figure, and nothing under the dwelling floor."""

from __future__ import annotations

import gzip
import json
import shutil

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from veerkracht.store import open_workspace
from veerkracht.web.levels import LEVELS
from veerkracht.web.maps import context

pytestmark = pytest.mark.django_db

BBOX = "3,50,9,54"


def _get(client, zoom, **extra):
    response = client.get("/api/maps/context", {"bbox": BBOX, "zoom": zoom, **extra})
    assert response.status_code == 200, response.content
    return response


def _kinds(body) -> dict[str, int]:
    out: dict[str, int] = {}
    for f in body["features"]:
        out[f["properties"]["kind"]] = out.get(f["properties"]["kind"], 0) + 1
    return out


def test_streets_outlines_and_names_at_their_zoom(client, city, users):
    client.force_login(users["frontline"])
    far = _get(client, 12).json()
    assert set(_kinds(far)) == {"buurt", "wijk", "gemeente"}  # no streets yet
    assert {lb["kind"] for lb in far["labels"]} == {"wijk"}
    mid = _get(client, 14).json()
    kinds = _kinds(mid)
    assert kinds["buurt"] == 2 and kinds["street"] >= 6  # lines from addresses
    assert "building" not in kinds  # the test city has no BAG footprints
    assert {lb["name"] for lb in _get(client, 13).json()["labels"]} == {
        "Bosrijk", "Havenkwartier"}
    close = _get(client, 16).json()
    names = {lb["name"] for lb in close["labels"] if lb["kind"] == "street"}
    assert {"Bosweg", "Lindelaan", "Havenkade"} <= names
    for lb in close["labels"]:
        assert set(lb) == {"kind", "name", "at", "angle"} and -90 < lb["angle"] <= 90
    streets = [f for f in close["features"] if f["properties"]["kind"] == "street"]
    assert all(f["geometry"]["type"] in ("LineString", "MultiLineString")
               for f in streets)


def test_the_base_is_the_same_for_everyone_and_names_no_place(client, city, users):
    bodies = set()
    for role in ("frontline", "corporation", "policy"):
        client.force_login(users[role])
        bodies.add(_get(client, 16).content)
    assert len(bodies) == 1  # it does not depend on the user's areas
    body = json.loads(bodies.pop())
    for f in body["features"]:
        assert set(f) == {"type", "properties", "geometry"}
        assert set(f["properties"]) == {"kind"}
    text = json.dumps(body)
    for level in LEVELS:
        for pid in city.read(f"place_{level}", columns=["place_id"])["place_id"]:
            if level not in ("buurt", "wijk", "gemeente"):
                assert pid not in text, pid
    for word in ("n_dwellings", "balance", "visibility", "colour", "households"):
        assert word not in text


def test_who_may_ask_and_how_it_is_sent(client, city, users):
    assert client.get("/api/maps/context", {"bbox": BBOX}).status_code == 401
    client.force_login(users["resident"])
    assert client.get("/api/maps/context", {"bbox": BBOX}).status_code == 403
    client.force_login(users["frontline"])
    assert client.get("/api/maps/context", {"bbox": "9,54,3,50"}).status_code == 400
    assert client.get("/api/maps/context", {"bbox": "nonsense"}).status_code == 422
    plain = _get(client, 16)
    assert "Cache-Control" not in plain or "max-age" not in plain["Cache-Control"]
    packed = client.get("/api/maps/context", {"bbox": BBOX, "zoom": 16},
                        HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.content) == plain.content
    token = context.version_token()
    cached = _get(client, 16, v=token)
    assert "max-age=86400" in cached["Cache-Control"]
    page = client.get("/kaart/").content.decode()
    assert f'data-context-version="{token}"' in page
    # the map opens a place from the search page's link (?niveau=&plaats=)
    map_page = client.get("/kaart/", {"niveau": "entrance", "plaats": "E-9900AA-25-1"})
    assert 'data-open-level="entrance" data-open-place="E-9900AA-25-1"' in \
        map_page.content.decode()
    assert 'data-open-level=""' in client.get(
        "/kaart/", {"niveau": "nergens", "plaats": "x"}).content.decode()


@pytest.fixture
def with_buildings(city_dir, tmp_path, settings):
    """A copy of the test city with BAG footprints (one of them demolished)
    and a third buurt of three dwellings (under the dwelling floor)."""
    from tests.web.fixtures import _reset_caches

    folder = tmp_path / "ws"
    shutil.copytree(city_dir, folder)
    ws = open_workspace(folder)
    dw = ws.read("dwellings")
    points = dw.drop_duplicates("entrance_id").geometry.to_numpy()
    boxes = shapely.buffer(points, 4.0, cap_style="square")
    status = ["Pand in gebruik"] * len(boxes)
    status[0] = "Pand gesloopt"
    buildings = gpd.GeoDataFrame(
        {"pand_id": pd.Series([f"P{i:04d}" for i in range(len(boxes))], dtype="str"),
         "status": pd.Series(status, dtype="str")},
        geometry=boxes, crs=28992)
    buurten = ws.read("place_buurt")
    tiny = buurten.iloc[[0]].copy()
    tiny["place_id"], tiny["name"], tiny["n_dwellings"] = "BU99990199", "Hofje", 3
    tiny["geometry"] = [shapely.box(*shapely.bounds(points[0]) + [-50, -50, 50, 50])]
    with ws.transaction("import", source="test footprints") as tx:
        tx.put("buildings", buildings)
        tx.put("place_buurt", pd.concat([buurten, tiny], ignore_index=True))
    ws.close()
    settings.VEERKRACHT_WORKSPACE = str(folder)
    _reset_caches()
    yield len(boxes)
    _reset_caches()


def test_buildings_in_use_from_zoom_15_and_no_area_under_the_floor(
        client, users, with_buildings):
    client.force_login(users["frontline"])
    assert "building" not in _kinds(_get(client, 14).json())
    body = _get(client, 15).json()
    assert _kinds(body)["building"] == with_buildings - 1  # not the demolished one
    assert _kinds(body)["buurt"] == 2  # not the buurt of three dwellings
    assert "Hofje" not in {lb["name"] for lb in _get(client, 13).json()["labels"]}


def test_the_base_stays_small_enough(client, users, with_buildings, settings):
    settings.VEERKRACHT_MAP_MAX_CONTEXT = 20
    client.force_login(users["frontline"])
    body = _get(client, 15).json()
    assert "building" in body["meta"]["skipped"]
    assert "building" not in _kinds(body) and body["meta"]["count"] <= 20
