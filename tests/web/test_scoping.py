"""Role-by-endpoint matrix: nobody sees anything outside their areas or role."""

from __future__ import annotations

import pytest

from veerkracht.web.audit.models import AuditEntry

# endpoint name -> url template (filled from place_ids)
ENDPOINTS = {
    "map_page": "/kaart/",
    "buurt_layer": "/api/maps/layers/buurt?bbox=3,50,9,54&zoom=12",
    "entrances_in_buurt1": "/api/maps/layers/entrance?parent={buurt1}"
    "&parent_level=buurt",
    "entrances_in_buurt2": "/api/maps/layers/entrance?parent={buurt2}"
    "&parent_level=buurt",
    "profile_buurt1": "/plaatsen/buurt/{buurt1}/",
    "profile_buurt2": "/plaatsen/buurt/{buurt2}/",
    "profile_street2": "/plaatsen/street/{street2}/",
    "profile_small_entrance1": "/plaatsen/entrance/{small_entrance1}/",
    "profile_corp_entrance": "/plaatsen/entrance/{corp_entrance}/",
    "pdf_street1": "/plaatsen/street/{street1}/pdf",
    "pdf_corp_block": "/plaatsen/block/{corp_block}/pdf",
    "api_profile_gemeente": "/api/places/gemeente/{gemeente}",
    "privacy_page": "/privacy/",
    "admin": "/beheer/",
}

ALLOW, DENY, LOGIN_REDIRECT, NOT_PUBLISHED = 200, 403, 302, 404
# Expected status per role and endpoint (the matrix of docs/web.md). Before
# model results the door publishes only sizes from 10 dwellings: the small
# entrance and the corporation's blocks (7, 1 and 4 dwellings) are no places
# (404, the answer for an unknown place) even inside the user's areas; a
# place under 5 dwellings is 404 for every role, before the area is checked,
# so a refusal cannot confirm that an address-derived id exists.
MATRIX = {
    "resident": dict.fromkeys(ENDPOINTS, DENY)
    | {"profile_small_entrance1": NOT_PUBLISHED, "admin": LOGIN_REDIRECT},
    "frontline": {
        "map_page": ALLOW, "buurt_layer": ALLOW, "entrances_in_buurt1": ALLOW,
        "entrances_in_buurt2": DENY, "profile_buurt1": ALLOW, "profile_buurt2": DENY,
        "profile_street2": DENY, "profile_small_entrance1": NOT_PUBLISHED,
        "profile_corp_entrance": NOT_PUBLISHED, "pdf_street1": ALLOW,
        "pdf_corp_block": NOT_PUBLISHED,
        "api_profile_gemeente": DENY, "privacy_page": DENY, "admin": LOGIN_REDIRECT,
    },
    "corporation": {
        "map_page": ALLOW, "buurt_layer": DENY, "entrances_in_buurt1": ALLOW,
        "entrances_in_buurt2": DENY, "profile_buurt1": DENY, "profile_buurt2": DENY,
        "profile_street2": DENY, "profile_small_entrance1": NOT_PUBLISHED,
        "profile_corp_entrance": NOT_PUBLISHED, "pdf_street1": DENY,
        "pdf_corp_block": NOT_PUBLISHED,
        "api_profile_gemeente": DENY, "privacy_page": DENY, "admin": LOGIN_REDIRECT,
    },
    "policy": {
        "map_page": ALLOW, "buurt_layer": ALLOW, "entrances_in_buurt1": DENY,
        "entrances_in_buurt2": DENY, "profile_buurt1": ALLOW, "profile_buurt2": ALLOW,
        "profile_street2": ALLOW, "profile_small_entrance1": NOT_PUBLISHED,
        "profile_corp_entrance": DENY, "pdf_street1": ALLOW, "pdf_corp_block": DENY,
        "api_profile_gemeente": ALLOW, "privacy_page": DENY, "admin": LOGIN_REDIRECT,
    },
    "privacy": dict.fromkeys(ENDPOINTS, DENY)
    | {"profile_small_entrance1": NOT_PUBLISHED, "privacy_page": ALLOW,
       "admin": LOGIN_REDIRECT},
    "administrator": dict.fromkeys(ENDPOINTS, DENY)
    | {"profile_small_entrance1": NOT_PUBLISHED, "admin": LOGIN_REDIRECT},
}


def _url(name: str, ids: dict) -> str:
    return ENDPOINTS[name].format(corp_block=ids["corp_blocks"][0], **ids)


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(MATRIX))
def test_role_endpoint_matrix(role, client, users, place_ids):
    client.force_login(users[role])
    for name, expected in MATRIX[role].items():
        refused_before = AuditEntry.objects.filter(result="refused").count()
        response = client.get(_url(name, place_ids))
        assert response.status_code == expected, (role, name, response.status_code)
        if expected == DENY:
            # every refusal is logged
            refused = AuditEntry.objects.filter(result="refused").count()
            assert refused == refused_before + 1, (role, name)


@pytest.mark.django_db
def test_staff_administrator_reaches_admin_but_no_data(client, users, place_ids):
    admin = users["administrator"]
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    assert client.get("/beheer/").status_code == 200
    # a Django superuser still sees no figures: the role decides
    assert client.get(f"/plaatsen/buurt/{place_ids['buurt1']}/").status_code == 403
    layer = client.get("/api/maps/layers/buurt?bbox=3,50,9,54&zoom=12")
    assert layer.status_code == 403


@pytest.mark.django_db
def test_layers_hold_only_places_inside_the_users_areas(client, users, place_ids, city):
    client.force_login(users["frontline"])
    body = client.get("/api/maps/layers/street?bbox=3,50,9,54&zoom=15").json()
    got = {f["id"] for f in body["features"]}
    streets = city.read("place_street")
    mine = set(streets.loc[streets["buurtcode"] == place_ids["buurt1"], "place_id"])
    assert got == mine and got
    client.force_login(users["corporation"])
    body = client.get("/api/maps/layers/entrance?bbox=3,50,9,54&zoom=17").json()
    dw = city.read("dwellings")
    theirs = set(dw.loc[dw["block_id"].isin(place_ids["corp_blocks"]), "entrance_id"])
    got = {f["id"] for f in body["features"]}
    assert got <= theirs
    # only what the door publishes: no entrance below 10 dwellings before results
    entrances = city.read("place_entrance").set_index("place_id")
    assert all(entrances.loc[e, "n_dwellings"] >= 10 for e in got)


@pytest.mark.django_db
def test_anonymous_is_sent_to_login_and_api_says_401(client, city, place_ids):
    response = client.get(f"/plaatsen/buurt/{place_ids['buurt1']}/")
    assert response.status_code == 302 and "/inloggen/" in response["Location"]
    response = client.get("/api/maps/layers/buurt?bbox=3,50,9,54&zoom=12")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.django_db
def test_user_without_profile_sees_nothing(client, db, city, place_ids):
    from django.contrib.auth.models import User

    user = User.objects.create_user("zonder-rol", password="x-wachtwoord-123")
    client.force_login(user)
    assert client.get(f"/plaatsen/buurt/{place_ids['buurt1']}/").status_code == 403
    assert client.get("/").status_code == 200


def _visible_by_definition(dwellings, assignments, level):
    """The places of ``level`` all of whose dwellings lie in the areas,
    spelled out row by row (the definition in the module docstring)."""
    from veerkracht.web.levels import DWELLING_COLUMN

    inside = [any(str(row[DWELLING_COLUMN[a_level]]) == code
                  for a_level, code in assignments)
              for _, row in dwellings.iterrows()]
    places: dict[str, bool] = {}
    for flag, pid in zip(inside, dwellings[DWELLING_COLUMN[level]], strict=True):
        if pid is None or pid != pid:  # a dwelling in no place of this level
            continue
        places[str(pid)] = places.get(str(pid), True) and flag
    return frozenset(p for p, ok in places.items() if ok)


def test_visible_places_are_those_with_every_dwelling_inside(city, place_ids):
    """The factorised arrays give exactly the definition, for areas of every
    kind: a gemeente, buurten, blocks next to a street, an unknown code."""
    from veerkracht.web.accounts import scoping
    from veerkracht.web.levels import LEVELS

    dwellings = city.read("dwellings")
    areas = [
        (("gemeente", place_ids["gemeente"]),),
        (("buurt", place_ids["buurt1"]), ("buurt", place_ids["buurt2"])),
        tuple(("block", b) for b in place_ids["corp_blocks"]),
        (("block", place_ids["block2"]), ("street", place_ids["street1"])),
        (("buurt", "BU99999999"),),
    ]
    for assignments in areas:
        for level in LEVELS:
            got = scoping._visible(tuple(sorted(assignments)), level)
            assert got == _visible_by_definition(dwellings, assignments, level), (
                assignments, level)
    assert scoping._visible((("buurt", "BU99999999"),), "street") == frozenset()
