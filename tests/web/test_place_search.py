"""The place search (address, postcode, street, area name, place id): what it
finds, for whom, and what it never gives away (ADR 0016).

On the test city (two buurten; the frontline professional is assigned the
first), through the service and the API (``/api/places/search``) and the
plain page behind it (``/zoeken/``), plus the story form that uses it.
The attacker's tests: every hit is a place the map draws for that user; an
address outside the areas, an address under the dwelling floor and an
address that does not exist all answer alike; no answer carries a figure;
the audit trail never holds what was typed.
"""

from __future__ import annotations

import json
import re
import shutil

import pytest
from tests.web.cityfixture import STREETS
from tests.web.publishedcity import MODEL, build_published_city

from veerkracht.jobs import publish
from veerkracht.store import open_workspace
from veerkracht.web.audit.models import AuditEntry
from veerkracht.web.levels import LEVELS
from veerkracht.web.places import search

pytestmark = pytest.mark.django_db

KEYS = {"level", "id", "name", "level_label", "context", "bounds"}


def _api(client, q, **extra):
    return client.get("/api/places/search", {"q": q, **extra})


def _hits(client, q, **extra) -> list[tuple[str, str]]:
    response = _api(client, q, **extra)
    assert response.status_code == 200, response.content
    return [(h["level"], h["id"]) for h in response.json()["results"]]


def _drawn(client, user) -> set[tuple[str, str]]:
    """Every place the map draws for ``user``, over all its levels."""
    from veerkracht.web.accounts import roles

    client.force_login(user)
    out = set()
    for level in roles.levels_for(user):
        body = client.get(f"/api/maps/layers/{level}?bbox=3,50,9,54&zoom=18").json()
        assert not body["meta"]["zoom_in"]
        out |= {(level, f["id"]) for f in body["features"]}
    return out


# --------------------------------------------------------------------------
# what it finds


def test_address_postcode_street_area_name_and_id(client, city, users, place_ids):
    client.force_login(users["frontline"])
    # Bosweg 25 is a portiek of 14 flats (9900 AA 25-1 ... 25-14)
    entrance = ("entrance", "E-9900AA-25-1")
    street = ("street", "S-BU99990101-bosweg")
    buurt = ("buurt", place_ids["buurt1"])
    for q in ("Bosweg 25", "bosweg 25", "Bosweg 25-3", "9900 AA 25", "9900aa 25 3",
              "BOSWEG   25"):
        hits = _hits(client, q)
        assert hits[0] == entrance, (q, hits)
        assert street in hits and buurt in hits, (q, hits)
        assert hits.index(street) < hits.index(buurt)  # finest first
    assert street in _hits(client, "9900AA")  # a postcode alone
    assert street in _hits(client, "Bosw 25")  # the start of a street name
    assert _hits(client, "Lindelaan")[0] == ("street", "S-BU99990101-lindelaan")
    assert _hits(client, "lindel")[0] == ("street", "S-BU99990101-lindelaan")
    assert _hits(client, "Bosrijk")[0] == buurt
    assert _hits(client, "e-9900aa-25-1") == [entrance]  # an id, any case
    body = _api(client, "Bosweg 25").json()
    first = body["results"][0]
    assert set(first) == KEYS
    assert first["name"] == "Bosweg 25" and first["level_label"] == "portiek"
    assert first["context"] == "buurt Bosrijk"
    w, s, e, n = first["bounds"]
    assert 3 < w <= e < 8 and 50 < s <= n < 54
    assert _api(client, "Bosrijk").json()["results"][0]["context"].startswith("wijk ")


def test_short_long_and_empty_queries(client, city, users):
    client.force_login(users["frontline"])
    assert _hits(client, "b") == [] and _hits(client, "  ") == []
    assert _api(client, "x" * 101).status_code == 422
    assert _api(client, "Bosweg", limit=26).status_code == 422
    assert _api(client, "Bosweg", limit=0).status_code == 422
    assert len(_hits(client, "9900AA", limit=2)) == 2
    assert _api(client, "9900AA", limit=2).json()["truncated"] is True


# --------------------------------------------------------------------------
# the attacker's tests


def test_every_hit_is_a_place_the_map_draws_for_that_user(client, city, users,
                                                          place_ids):
    """Whatever is typed, the search finds nothing the map would not show."""
    ws = city
    queries = set()
    addresses = ws.read("addresses")
    for row in addresses[["straat", "huisnummer", "postcode"]].drop_duplicates(
            ["straat", "huisnummer"]).itertuples():
        queries |= {f"{row.straat} {row.huisnummer}",
                    f"{row.postcode} {row.huisnummer}"}
    queries |= set(addresses["postcode"]) | {s for v in STREETS.values() for s in v}
    for level in LEVELS:
        places = ws.read(f"place_{level}", columns=["place_id", "name", "buurtcode",
                                                    "n_dwellings"])
        # every small place and every place of the other buurt by its id (what
        # an attacker would try), a sample of the rest, and every name
        risky = ((places["n_dwellings"] < 10)
                 | (places["buurtcode"] == place_ids["buurt2"]))
        queries |= set(places.loc[risky, "place_id"])
        queries |= set(places.loc[~risky, "place_id"].iloc[::5]) | set(places["name"])
    for role in ("frontline", "corporation", "policy"):
        user = users[role]
        drawn = _drawn(client, user)
        found = set()
        for q in sorted(queries):
            found |= {(h.level, h.place_id)
                      for h in search.search(user, q, limit=search.MAX_LIMIT).hits}
        assert found or role == "corporation", role  # its blocks are too small
        assert found <= drawn, (role, sorted(found - drawn)[:5])
    # and the roles see what their levels and areas say
    client.force_login(users["policy"])
    assert {lv for lv, _ in _hits(client, "Bosweg 25")} <= {"street", "buurt"}
    client.force_login(users["corporation"])
    assert not {lv for lv, _ in _hits(client, "Bosweg")} & {"street", "buurt"}


def test_outside_the_area_unknown_and_under_the_floor_answer_alike(client, city,
                                                                  users, place_ids):
    client.force_login(users["frontline"])
    # an address in the other buurt, one that does not exist, a made-up id
    # and the id of a place in the other buurt: the same empty answer
    empty = _api(client, "Havenkade 25").content
    for q in ("Nergensstraat 25", "Havenkade 9999", "9910AA 25", "E-9910AA-25-1",
              place_ids["entrance2"], place_ids["street2"], "S-XX-nergens"):
        assert _api(client, q).content == empty, q
    assert json.loads(empty) == {"results": [], "truncated": False}
    # Bosweg 11 and 15 are single houses: no entrance, building or block of
    # theirs is a place; the answer for each is that of its street and buurt,
    # the same for both, so it cannot tell whether anybody lives there
    one, other = _api(client, "Bosweg 11").json(), _api(client, "Bosweg 15").json()
    assert one == other
    assert {h["level"] for h in one["results"]} == {"street", "buurt"}
    assert "9900AA-11" not in json.dumps(one)
    # a single-dwelling entrance's own id finds nothing, like an unknown id
    assert _api(client, "E-9900AA-11").content == empty


def test_answers_carry_no_figure(client, city, users):
    client.force_login(users["frontline"])
    for q in ("Bosweg 25", "9900AA", "Bosrijk", "Lindelaan 3"):
        body = _api(client, q).json()
        assert set(body) == {"results", "truncated"}
        for hit in body["results"]:
            assert set(hit) == KEYS
            assert all(isinstance(v, str) for k, v in hit.items() if k != "bounds")
        text = json.dumps(body)
        for word in ("n_dwellings", "households", "balance", "visibility", "band",
                     "colour", "class", "woningen"):
            assert word not in text, (q, word)


@pytest.fixture
def published(tmp_path_factory, users, settings):
    """The test city with results: a band-sized block (7 households)."""
    from tests.web.fixtures import _reset_caches

    src, ids = build_published_city(tmp_path_factory.mktemp("search-published"))
    folder = tmp_path_factory.mktemp("search-ws") / "ws"
    shutil.copytree(src, folder)
    settings.VEERKRACHT_WORKSPACE = str(folder)
    _reset_caches()
    ws = open_workspace(folder)
    yield ws, ids
    ws.close()


def test_a_band_only_place_is_found_only_where_the_map_draws_it(client, users,
                                                                published):
    ws, ids = published
    band = ids["band_block"]
    client.force_login(users["frontline"])
    assert ("block", band) not in _hits(client, band)  # model not approved yet
    publish.approve_model(ws, MODEL["model_name"], MODEL["model_version"],
                          MODEL["model_hash"], "privacy_officer")
    assert _hits(client, band) == [("block", band)]  # the assigned audience
    assert _hits(client, band) and ("block", band) in _drawn(client, users["frontline"])
    # the privacy officer's threshold acts on the search at once: streets of
    # about 55 households are public at 10 and gone for the public at 60
    client.force_login(users["policy"])
    street = ("street", "S-BU99990101-lindelaan")
    assert _hits(client, "Lindelaan") == [street]
    publish.set_rules(ws, publish.PublicationRules(min_count=60), "privacy_officer")
    assert _hits(client, "Lindelaan") == []
    assert street not in _drawn(client, users["policy"])


# --------------------------------------------------------------------------
# roles, limits, audit


def test_who_may_search(client, city, users):
    assert _api(client, "Bosweg 25").status_code == 401  # not logged in
    client.force_login(users["resident"])
    before = AuditEntry.objects.filter(result="refused").count()
    assert _api(client, "Bosweg 25").status_code == 403
    assert client.get("/zoeken/", {"q": "Bosweg 25"}).status_code == 403
    refused = AuditEntry.objects.filter(result="refused")
    assert refused.count() == before + 2
    assert {e.purpose for e in refused.order_by("-seq")[:2]} == {"search"}
    for role in ("privacy", "administrator"):
        client.force_login(users[role])
        assert _api(client, "Bosweg 25").status_code == 403


def test_every_search_is_audited_without_what_was_typed(client, city, users):
    client.force_login(users["frontline"])
    last = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    queries = ("Bosweg 25", "9900 AA 25", "Havenkade 3", "E-9900AA-25-1")
    expected = [len(search.search(users["frontline"], q).hits) for q in queries]
    for q in queries:
        _api(client, q)
    client.get("/zoeken/", {"q": "Lindelaan 7"})
    rows = list(AuditEntry.objects.filter(seq__gt=last or 0).order_by("seq"))
    searches = [r for r in rows if r.purpose == "search"]
    assert [r.object_id for r in searches][:4] == [f"search:{n}" for n in expected]
    assert len(searches) == 5 and expected[0] > 0 and expected[2] == 0
    assert all(r.action == "view" and r.result == "ok" for r in searches)
    for r in rows:
        for value in (r.object_id, r.purpose, r.action, r.object_level):
            assert not re.search(r"bosweg|havenkade|lindelaan|9900|E-99", value, re.I)


def test_searches_are_limited_per_user(client, city, users, make_user, settings,
                                       place_ids):
    settings.VEERKRACHT_SEARCH_LIMIT = 3
    from django.core.cache import cache

    cache.clear()
    client.force_login(users["frontline"])
    assert [_api(client, "Bosweg 25").status_code for _ in range(3)] == [200] * 3
    over = _api(client, "Bosweg 25")
    assert over.status_code == 429
    assert over["Content-Type"] == "application/problem+json"
    assert "zoekopdrachten" in over.json()["detail"]
    assert client.get("/zoeken/", {"q": "Bosweg 25"}).status_code == 429
    # a colleague at the same address is not slowed down
    other = make_user("frontline", [("buurt", place_ids["buurt1"])],
                      org="Wijkteam Noord")
    client.force_login(other)
    assert _api(client, "Bosweg 25").status_code == 200
    cache.clear()


# --------------------------------------------------------------------------
# the page without JavaScript, and the story form


def test_search_page_works_without_javascript(client, city, users):
    client.force_login(users["frontline"])
    page = client.get("/zoeken/", {"q": "Bosweg 25"}).content.decode()
    assert "Bosweg 25" in page and 'href="/plaatsen/entrance/E-9900AA-25-1/"' in page
    assert "/kaart/?niveau=entrance&amp;plaats=E-9900AA-25-1" in page
    assert 'action="/zoeken/"' in page and 'method="get"' in page
    story = client.get("/zoeken/", {"q": "Lindelaan", "doel": "verhaal"})
    story = story.content.decode()
    assert "/verhalen/nieuw/?level=street&amp;place=S-BU99990101-lindelaan" in story
    assert "Kies deze plaats" in story
    inter = client.get("/zoeken/", {"q": "Lindelaan", "doel": "interventie"})
    assert "/verhalen/interventie/?level=street" in inter.content.decode()
    none = client.get("/zoeken/", {"q": "Havenkade 25"}).content.decode()
    assert "Geen plaatsen gevonden" in none


def test_story_form_chooses_the_place_by_search(client, city, users):
    from veerkracht.web.stories.models import Intervention, Story

    client.force_login(users["frontline"])
    blank = client.get("/verhalen/nieuw/").content.decode()
    assert "Nog geen plaats gekozen" in blank
    assert 'name="place_id"' in blank and 'type="hidden" name="place_id"' in blank
    assert re.search(r'<form class="place-search" role="search" method="get"', blank)
    # a browser's date field takes only an ISO date (else it shows empty)
    assert re.search(r'type="date" name="observed_on" value="\d{4}-\d\d-\d\d"', blank)
    chosen = client.get("/verhalen/nieuw/", {"level": "street",
                                             "place": "S-BU99990101-lindelaan"})
    text = chosen.content.decode()
    assert "Gekozen plaats:" in text and "<strong>Lindelaan</strong>" in text
    outside = client.get("/verhalen/nieuw/", {"level": "street",
                                              "place": "S-BU99990102-havenkade"})
    assert "kunt u niet kiezen" in outside.content.decode()
    assert "Havenkade" not in outside.content.decode()
    sent = client.post("/verhalen/nieuw/", {"kind": "observation", "title": "x",
                                            "body": "y", "observed_on": "2026-11-01"})
    assert sent.status_code == 200 and Story.objects.count() == 0
    assert "Kies eerst een plaats" in sent.content.decode()
    ok = client.post("/verhalen/nieuw/", {"level": "street",
                                          "place_id": "S-BU99990101-lindelaan",
                                          "kind": "observation", "title": "Bankje",
                                          "body": "Weg.", "observed_on": "2026-11-01"})
    assert ok.status_code == 302 and Story.objects.get().place_id.endswith("lindelaan")
    form = client.get("/verhalen/interventie/").content.decode()
    assert "Nog geen plaats gekozen" in form and 'type="hidden" name="level"' in form
    assert Intervention.objects.count() == 0
