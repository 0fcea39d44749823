"""Place profiles and their PDF: figures only through disclosure control."""

from __future__ import annotations

import pytest


@pytest.mark.django_db
def test_buurt_profile_shows_rounded_counts_before_results(client, users, place_ids):
    client.force_login(users["frontline"])
    response = client.get(f"/plaatsen/buurt/{place_ids['buurt1']}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Meldingen per kwartaal" in body
    # no protected statistics yet: the door publishes no signal counts
    assert "Geen meldingen te tonen" in body
    assert "nog geen modelresultaten" in body.lower()
    # dwellings (published_place_sizes) rounded to 5
    assert ">165<" in body


@pytest.mark.django_db
def test_small_entrance_is_no_place_before_results(client, users, place_ids):
    """Below 10 dwellings the door publishes no size: no profile at all, the
    same answer as an unknown place."""
    client.force_login(users["frontline"])
    response = client.get(f"/api/places/entrance/{place_ids['small_entrance1']}")
    assert response.status_code == 404
    assert client.get(f"/api/places/entrance/{place_ids['big_entrance1']}").json()[
        "visibility"] == "public"


@pytest.mark.django_db
def test_pdf_download(client, users, place_ids):
    client.force_login(users["frontline"])
    response = client.get(f"/plaatsen/buurt/{place_ids['buurt1']}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]


@pytest.mark.django_db
def test_stale_or_unknown_place_is_404_with_a_clear_page(client, users):
    client.force_login(users["policy"])
    response = client.get("/plaatsen/buurt/BU00000000/")
    assert response.status_code == 404
    assert "bestaat niet (meer)" in response.content.decode()
    response = client.get("/plaatsen/planet/x/")
    assert response.status_code == 404
    assert "bestaat niet" in response.content.decode()


def test_profile_svg_is_accessible():
    from veerkracht.web.places.charts import multiscale_svg as profile_svg

    svg = profile_svg({"points": [{"k": 25, "share": None}, {"k": 50, "share": 0.3},
                                  {"k": 100, "share": 0.25}]})
    assert svg.startswith("<svg") and 'role="img"' in svg and "<title" in svg
    assert "k=50: 30%" in svg
    assert profile_svg({"points": [{"k": 25, "share": None}]}) == ""


@pytest.mark.django_db
def test_multiscale_profile_is_the_doors(users, client, tmp_path, settings):
    """Profiles stored by compute are shown through ``published_profiles``."""
    from tests.web.fixtures import _reset_caches
    from tests.web.publishedcity import build_published_city

    from veerkracht.jobs import publish
    from veerkracht.store import open_workspace

    folder, ids = build_published_city(tmp_path / "ws")
    settings.VEERKRACHT_WORKSPACE = folder
    _reset_caches()
    client.force_login(users["frontline"])
    body = client.get(f"/api/places/buurt/{ids['buurt1']}").json()
    ms = body["multiscale"]
    assert ms["available"]
    door = publish.published_profiles(open_workspace(folder), "buurt")
    door = door[door["place_id"] == ids["buurt1"]]
    shares = {p["k"]: p["share"] for p in ms["points"]}
    assert shares == {int(r.k): (None if r.suppressed else float(r.share))
                      for r in door.itertuples()}
    assert shares[50] == 0.4
