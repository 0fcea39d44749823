"""Headroom on the map and the profile, and "Wat doet één plaatsing?".

Only the roles that plan (corporation, policy) see them, each on their own
areas; every number passes the publication door (a place the door does not
publish shows none, whoever asks and however); every question is audited
by place and category, never by address; the what-if answer is the
placement model's own.
"""

from __future__ import annotations

import re

import pytest
from tests.web.fixtures import floats_in
from tests.web.plannedcity import find_ids

from veerkracht.analytics.allocation.categories import CODES, category
from veerkracht.jobs import allocate
from veerkracht.web.accounts import roles, scoping
from veerkracht.web.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

BBOX = {"bbox": "3,50,9,54", "zoom": 17}


@pytest.fixture
def city(planned_city):
    """The computed city and what the tests need of it: a wijk (the
    corporation's area) with a public block, a band-only block and an
    address whose entrance is a band only."""
    ws = planned_city
    ids = find_ids(ws)
    assert ids is not None, "the planned city lacks the places these tests need"
    return ws, ids


@pytest.fixture
def people(city, make_user):
    _ws, ids = city
    return {
        "resident": make_user("resident"),
        "frontline": make_user("frontline", [("wijk", ids["wijk"])], org="Wijkteam"),
        "corporation": make_user("corporation", [("wijk", ids["wijk"])],
                                 org="Woonstichting"),
        "policy": make_user("policy", [("gemeente", ids["gemeente"])], org="Gemeente"),
        "privacy": make_user("privacy", org="Gemeente"),
    }


def _address_form(ws, address_id: str, code: str = "zorg", urgent: bool = False):
    row = ws.read("addresses").set_index("address_id").loc[address_id]
    suffix = "".join(v for v in (row["huisletter"], row["toevoeging"])
                     if isinstance(v, str))
    data = {"postcode": row["postcode"], "huisnummer": str(row["huisnummer"]),
            "toevoeging": suffix, "categorie": code}
    if urgent:
        data["urgentie"] = "on"
    return data


# -- who may ask ------------------------------------------------------------------

def test_the_permission_is_the_corporation_and_policy_roles_only():
    have = {r for r, perms in roles.ROLE_PERMISSIONS.items()
            if "plan_allocation" in perms}
    assert have == {roles.CORPORATION, roles.POLICY}
    assert "plan_allocation" in roles.DATA_PERMISSIONS


def test_the_role_groups_carry_the_permission(db):
    from django.contrib.auth.models import Group

    roles.ensure_role_groups()
    for role in roles.ROLE_PERMISSIONS:
        group = Group.objects.get(name=roles.group_name(role))
        codes = set(group.permissions.values_list("codename", flat=True))
        assert ("plan_allocation" in codes) == (role in (roles.CORPORATION,
                                                         roles.POLICY))


@pytest.mark.parametrize("role", ["resident", "frontline", "privacy"])
def test_other_roles_are_refused_everywhere_and_have_no_link(client, city, people,
                                                             role):
    ws, ids = city
    client.force_login(people[role])
    for url, params in (
            ("/ruimte/plaatsing/", {}),
            ("/api/allocation/headroom/block", {"category": "zorg"}),
            ("/api/maps/headroom/block", {"category": "zorg", **BBOX}),
            ("/api/allocation/placement", {"address_id": ids["address"],
                                           "category": "zorg"})):
        response = client.get(url, params)
        assert response.status_code == 403, (role, url)
        assert "headroom" not in response.content.decode()
    assert client.post("/ruimte/plaatsing/",
                       _address_form(ws, ids["address"])).status_code == 403
    home = client.get("/", follow=True).content.decode()
    assert "/ruimte/plaatsing/" not in home and "Wat doet één plaatsing" not in home
    if role == "frontline":
        page = client.get("/kaart/").content.decode()
        assert 'id="layer-select"' not in page and "Ruimte voor plaatsing" not in page
        profile = client.get(f"/plaatsen/block/{ids['public_block']}/")
        assert profile.status_code == 200
        assert "Ruimte voor plaatsing" not in profile.content.decode()
    refused = AuditEntry.objects.filter(result="refused")
    assert refused.count() >= 5


def test_the_menu_link_opens_the_page_and_the_map_has_the_layer(client, city, people):
    _ws, ids = city
    for role in ("corporation", "policy"):
        client.force_login(people[role])
        home = client.get("/", follow=True).content.decode()
        assert 'href="/ruimte/plaatsing/"' in home
        page = client.get("/ruimte/plaatsing/")
        assert page.status_code == 200
        assert "Wat doet één plaatsing?" in page.content.decode()
        for code, _label in [(c, None) for c in CODES]:
            assert f'value="{code}"' in page.content.decode()
        mapped = client.get("/kaart/").content.decode()
        assert 'id="layer-select"' in mapped and 'data-headroom-url=' in mapped
        assert all(f'value="{c}"' in mapped for c in CODES)


# -- scoping ----------------------------------------------------------------------

def test_the_corporation_sees_only_its_areas(client, city, people):
    ws, ids = city
    user = people["corporation"]
    client.force_login(user)
    body = client.get("/api/allocation/headroom/block", {"category": "zorg"}).json()
    got = {p["place_id"] for p in body["places"]}
    visible = scoping.visible_ids(user, "block")
    assert got and got <= visible
    assert ids["public_block"] in got and ids["other_block"] not in got
    layer = client.get("/api/maps/headroom/block", {"category": "zorg", **BBOX}).json()
    assert {f["id"] for f in layer["features"]} == got
    one = client.get("/api/allocation/headroom/block",
                     {"category": "zorg", "place_id": ids["other_block"]})
    assert one.status_code == 404
    # streets are outside the corporation's role; blocks elsewhere outside its area
    assert client.get("/api/allocation/headroom/street",
                      {"category": "zorg"}).status_code == 403
    outside = client.get("/api/allocation/placement",
                         {"address_id": ids["other_address"], "category": "zorg"})
    assert outside.status_code == 403
    assert "figures" not in outside.json() and not list(floats_in(outside.json()))


def test_policy_sees_every_published_street(client, city, people):
    ws, ids = city
    client.force_login(people["policy"])
    body = client.get("/api/allocation/headroom/street", {"category": "inkomen",
                                                           "urgent": "true"}).json()
    door = allocate.published_headroom(ws, "street", "inkomen", urgent=True,
                                       audience="public")
    public = door[door["visibility"] == "public"].set_index("place_id")
    assert {p["place_id"] for p in body["places"]} == set(public.index)
    for p in body["places"]:
        assert p["headroom"] == public.at[p["place_id"], "headroom"]
        assert p["headroom_lo"] == public.at[p["place_id"], "headroom_lo"]
        assert p["headroom_hi"] == public.at[p["place_id"], "headroom_hi"]
    assert body["urgent"] is True and body["category"] == "inkomen"
    assert client.get("/api/allocation/headroom/block",
                      {"category": "zorg"}).status_code == 403


# -- the door ---------------------------------------------------------------------

def test_a_suppressed_place_shows_no_headroom_anywhere(client, city, people):
    """The attacker's test: ask for a place known to be suppressed, every way."""
    ws, ids = city
    sid = ids["suppressed_street"]
    client.force_login(people["policy"])
    one = client.get("/api/allocation/headroom/street",
                     {"category": "zorg", "place_id": sid})
    assert one.status_code == 404
    assert set(one.json()) <= {"type", "title", "status", "detail"}
    assert not re.search(r"\d", one.json()["detail"])
    listed = client.get("/api/allocation/headroom/street", {"category": "zorg"}).json()
    assert sid not in {p["place_id"] for p in listed["places"]}
    layer = client.get("/api/maps/headroom/street", {"category": "zorg", **BBOX}).json()
    assert sid not in {f["id"] for f in layer["features"]}
    assert client.get(f"/plaatsen/street/{sid}/").status_code == 404


def test_a_band_only_place_says_niet_getoond_without_a_number(client, city, people):
    ws, ids = city
    bid = ids["band_block"]
    client.force_login(people["corporation"])
    body = client.get("/api/allocation/headroom/block",
                      {"category": "zorg", "place_id": bid}).json()
    (row,) = body["places"]
    assert row["shown"] is False and row["visibility"] == "band_only"
    assert not {"headroom", "headroom_lo", "headroom_hi", "limited",
                "balance_class", "step"} & set(row)
    layer = client.get("/api/maps/headroom/block", {"category": "zorg", **BBOX}).json()
    (feature,) = [f for f in layer["features"] if f["id"] == bid]
    props = feature["properties"]
    assert props["pattern"] == "hatched" and props["band"] == "niet getoond"
    assert not {"headroom", "headroom_lo", "headroom_hi", "step"} & set(props)
    html = client.get(f"/plaatsen/block/{bid}/").content.decode()
    section = html.split('id="h-room"', 1)[1].split("</section>", 1)[0]
    table = section.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert table.count("niet getoond") == len(CODES)
    assert not re.search(r"\d", re.sub(r"<[^>]+>", "", table))


def test_the_profile_section_shows_the_doors_headroom(client, city, people):
    ws, ids = city
    client.force_login(people["policy"])
    sid = ids["public_street"]
    html = client.get(f"/plaatsen/street/{sid}/").content.decode()
    assert "Ruimte voor plaatsing" in html
    section = html.split('id="h-room"', 1)[1].split("</section>", 1)[0]
    for code in CODES:
        door = allocate.published_headroom(ws, "street", code, audience="public")
        r = door.set_index("place_id").loc[sid]
        label = category(code).label
        cells = re.search(re.escape(label) + r"</th>\s*<td>(.*?)</td><td>(.*?)</td>",
                          section).groups()
        assert cells[0].rstrip("*") == str(int(r["headroom"]))
        assert cells[1] == f"{int(r['headroom_lo'])}–{int(r['headroom_hi'])}"
    assert 'href="/ruimte/plaatsing/"' in section


# -- what one placement does ------------------------------------------------------

def test_the_what_if_numbers_are_the_models(client, city, people):
    ws, ids = city
    client.force_login(people["corporation"])
    body = client.get("/api/allocation/placement",
                      {"address_id": ids["address"], "category": "meervoudig",
                       "urgent": "true"}).json()
    model = allocate.placement_model(ws)
    want = model.effect(ids["address"], category("meervoudig"), urgent=True)
    want = want.set_index("level")
    shown = [r for r in body["rows"] if r["shown"]]
    assert any(r["level"] == "block" for r in shown)
    for r in shown:
        expect = want.loc[r["level"]]
        assert r["place_id"] == expect["place_id"]
        for key in ("pressure_before", "pressure_after", "balance_before",
                    "balance_after", "class_before", "class_after",
                    "headroom_before", "headroom_after"):
            assert r[key] == expect[key], key
    # the page shows the same, rounded for reading
    page = client.post("/ruimte/plaatsing/",
                       _address_form(ws, ids["address"], "meervoudig", urgent=True))
    assert page.status_code == 200
    text = page.content.decode()
    block = want.loc["block"]
    assert f"{block['pressure_after']:.3f}".replace(".", ",") in text
    assert "via urgentie" in text


def test_a_suppressed_level_of_the_what_if_has_no_figures(client, city, people):
    ws, ids = city
    client.force_login(people["corporation"])
    body = client.get("/api/allocation/placement",
                      {"address_id": ids["band_address"], "category": "zorg"}).json()
    hidden = [r for r in body["rows"] if not r["shown"]]
    assert [r["level"] for r in hidden] == ["entrance"]
    for r in hidden:
        assert not set(allocate.EFFECT_FIGURES) & set(r)
        assert "n_dwellings" not in r


def test_bad_input_is_refused_in_dutch_and_english(client, city, people):
    ws, ids = city
    client.force_login(people["policy"])
    bad = client.get("/api/allocation/headroom/street", {"category": "geen"})
    assert bad.status_code == 400 and "onbekende categorie" in bad.json()["detail"]
    assert client.get("/api/allocation/headroom/nergens",
                      {"category": "zorg"}).status_code == 400
    assert client.get("/api/allocation/headroom/buurt",
                      {"category": "zorg"}).status_code == 400
    none = client.get("/api/allocation/placement", {"category": "zorg"})
    assert none.status_code == 400
    english = client.get("/api/allocation/placement",
                         {"address_id": "nergens", "category": "zorg"},
                         HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 400 and english.json()["title"] == "Invalid request"
    form = client.post("/ruimte/plaatsing/", {"postcode": "12", "huisnummer": "1",
                                              "categorie": "zorg"})
    assert form.status_code == 400 and "postcode" in form.content.decode().lower()


# -- the audit trail --------------------------------------------------------------

def test_every_question_is_audited_by_place_and_category_never_the_address(
        client, city, people):
    ws, ids = city
    client.force_login(people["corporation"])
    before = AuditEntry.objects.count()
    client.get("/api/allocation/headroom/block", {"category": "uitstroom"})
    client.get("/api/maps/headroom/block", {"category": "zorg", "urgent": "true",
                                            **BBOX})
    client.get("/api/allocation/placement",
               {"address_id": ids["address"], "category": "kwetsbare_oudere"})
    form = _address_form(ws, ids["address"], "inkomen", urgent=True)
    client.post("/ruimte/plaatsing/", form)
    client.get(f"/plaatsen/block/{ids['public_block']}/")
    rows = list(AuditEntry.objects.order_by("seq")[before:])
    purposes = {(r.purpose, r.object_level) for r in rows}
    assert ("headroom_uitstroom", "block") in purposes
    assert ("headroom_zorg_urgent", "block") in purposes
    assert ("whatif_kwetsbare_oudere", "block") in purposes
    assert ("whatif_inkomen_urgent", "block") in purposes
    assert ("headroom", "block") in purposes  # the profile's table
    whatif = [r for r in rows if r.purpose.startswith("whatif_")]
    assert {r.object_level for r in whatif} <= {"entrance", "block", "street"}
    for r in rows:
        stored = f"{r.object_id} {r.purpose} {r.origin}"
        assert ids["address"] not in stored
        assert form["postcode"] not in stored
        assert not r.object_id or r.object_id.startswith("p:")  # opaque place keys
