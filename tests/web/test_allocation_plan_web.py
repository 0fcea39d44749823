"""The pages "Jaarplan" and "Scenario" for the roles that plan.

Only the corporation and policy roles open them; a corporation plans only
vacancies inside its own areas; a refused file lists every refused line as
the CLI does; the advice on the page and in the downloads is the door's own
(``published_plan``, ``published_scenario``), the same numbers; every run is
audited by its sizes, categories and status, never by an address.
"""

from __future__ import annotations

import html
import io
import re

import pandas as pd
import pytest

from veerkracht.analytics.allocation.categories import category
from veerkracht.jobs import allocate
from veerkracht.web.accounts import menu
from veerkracht.web.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

HEADER = ("soort;postcode;huisnummer;huisletter;toevoeging;adres_id;aantal;"
          "gelijkvloers;oppervlakte_m2;verhuisgraad;corporatie;categorie;urgentie;"
          "min_oppervlakte_m2;zorg_binnen_m;gebied")


@pytest.fixture
def city(planned_city):
    """The computed city, a wijk for the corporation, and dwellings inside
    and outside it."""
    ws = planned_city
    dw = ws.read("dwellings", columns=["address_id", "wijkcode", "entrance_id",
                                       "block_id", "street_id"])
    wijk = str(dw["wijkcode"].value_counts().index[0])
    # dwellings whose entrance, block and street have room for a few more
    # households of every category (the protected statistics are drawn anew
    # for every test session: the plans must fit whatever the draw)
    model = allocate.placement_model(ws)
    room = pd.Series(True, index=dw.index)
    for lv, col in (("entrance", "entrance_id"), ("block", "block_id"),
                    ("street", "street_id")):
        for code in ("zorg", "inkomen", "uitstroom", "meervoudig"):
            for urgent in (False, True):
                h = model.headroom(lv, category(code), urgent).set_index("place_id")
                got = dw[col].astype(str).map(h["headroom"])
                room &= got.isna() | (got >= 3)
    every = set(dw.loc[dw["wijkcode"] == wijk, "address_id"].astype(str))
    dw = dw[room.to_numpy()]
    ids = {"wijk": wijk, "every_inside": every,
           "gemeente": str(ws.read("place_gemeente")["place_id"].iloc[0]),
           "inside": sorted(dw.loc[dw["wijkcode"] == wijk, "address_id"].astype(str)),
           "outside": sorted(dw.loc[dw["wijkcode"] != wijk,
                                    "address_id"].astype(str))}
    assert len(ids["inside"]) >= 6 and len(ids["outside"]) >= 6
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


def _plan(address_ids, groups=(("zorg", 2, ""), ("uitstroom", 1, "ja"))) -> str:
    lines = [HEADER]
    for a in address_ids:
        lines.append(f"woning;;;;;{a};1;;;;;;;;;")
    for code, n, urgent in groups:
        lines.append(f"huishoudens;;;;;;{n};;;;;{code};{urgent};;;")
    return "\n".join(lines) + "\n"


def _upload(client, text: str, name: str = "PLAN.csv", limit: int = 20):
    f = io.BytesIO(text.encode("utf-8"))
    f.name = name
    return client.post("/ruimte/plan/", {"plan": f, "tijdslimiet": str(limit)})


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _csv(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), sep=";", dtype=str, keep_default_na=False)


# -- who may plan -------------------------------------------------------------------

@pytest.mark.parametrize("role", ["resident", "frontline", "privacy"])
def test_other_roles_are_refused_and_have_no_link(client, city, people, role):
    _ws, ids = city
    user = people[role]
    client.force_login(user)
    for url in ("/ruimte/plan/", "/ruimte/plan/voorbeeld.csv", "/ruimte/plan/advies/",
                "/ruimte/plan/advies/eerlijkheid.csv", "/ruimte/scenario/"):
        assert client.get(url).status_code == 403, (role, url)
    assert _upload(client, _plan(ids["inside"][:2])).status_code == 403
    assert client.post("/ruimte/scenario/", {"aantal_zorg": "3", "jaren": "1",
                                             "beleid": ["routes"], "verhuisgraad": "8",
                                             "zaad": "1"}).status_code == 403
    urls = {item["url"] for item in menu.menu_for(user)}
    assert "/ruimte/plan/" not in urls and "/ruimte/scenario/" not in urls
    assert not AuditEntry.objects.filter(purpose__startswith="plan_",
                                         result="ok").exists()


@pytest.mark.parametrize("role", ["corporation", "policy"])
def test_the_planning_roles_find_both_pages_in_their_menu(client, people, role):
    urls = {item["url"] for item in menu.menu_for(people[role])}
    assert {"/ruimte/plan/", "/ruimte/scenario/"} <= urls
    client.force_login(people[role])
    page = client.get("/ruimte/plan/")
    assert page.status_code == 200
    assert 'type="file"' in page.content.decode()


# -- the file -----------------------------------------------------------------------

def test_a_bad_file_lists_every_refused_line_as_the_cli_does(client, city, people,
                                                             tmp_path):
    from veerkracht.io.plan import read_plan
    from veerkracht.io.validation import ImportRejected

    _ws, ids = city
    text = _plan(ids["inside"][:1]) + (
        "huishoudens;;;;;;2;;;;;onbekend;;;;\n"
        "woning;99XX;1;;;;1;;;;;;;;;\n"
        "woning;;;;;;1;;;;;;zorg;;;\n")
    path = tmp_path / "PLAN.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ImportRejected) as refused:
        read_plan(path)
    expected = [r.describe() for r in refused.value.rows]
    assert len(expected) >= 3
    client.force_login(people["corporation"])
    response = _upload(client, text)
    assert response.status_code == 400
    page = _text(response)
    for line in expected:
        assert line in page
    assert re.search(r"regel 5: onbekende categorie", page)
    assert 'type="file"' in page  # still on the page, the form to try again
    assert AuditEntry.objects.filter(purpose="plan_rejected", result="failed").exists()


def test_an_unknown_address_is_refused_with_its_line(client, city, people):
    client.force_login(people["policy"])
    response = _upload(client, _plan(["9990ZZ-999-X"]))
    assert response.status_code == 400
    assert "regel 2: adres niet gevonden in de werkmap" in _text(response)


def test_a_file_over_the_limit_is_refused_in_dutch(client, people):
    client.force_login(people["policy"])
    response = _upload(client, HEADER + "\n" + "#" * 1_100_000 + "\n")
    assert response.status_code == 400
    assert "groter dan 1 MB" in _text(response)


def test_a_corporation_cannot_plan_outside_its_areas(client, city, people):
    _ws, ids = city
    client.force_login(people["corporation"])
    text = _plan([ids["inside"][0], ids["outside"][0], ids["outside"][1]])
    response = _upload(client, text)
    assert response.status_code == 403
    page = _text(response)
    assert "buiten uw gebieden" in page
    assert "regel 3: deze woning ligt buiten uw gebieden" in page
    assert "regel 4: deze woning ligt buiten uw gebieden" in page
    assert "regel 2:" not in page
    refused = AuditEntry.objects.get(purpose="plan_outside")
    assert refused.result == "refused"
    assert not AuditEntry.objects.filter(purpose__startswith="plan_opt").exists()
    # the same plan within the areas runs
    response = _upload(client, _plan(ids["inside"][:3]))
    assert response.status_code == 302


def test_the_policy_adviser_plans_the_whole_municipality(client, city, people):
    _ws, ids = city
    client.force_login(people["policy"])
    response = _upload(client, _plan([ids["inside"][0], ids["outside"][0],
                                      ids["outside"][5]]))
    assert response.status_code == 302
    assert response["Location"] == "/ruimte/plan/advies/"


def test_the_example_plan_of_a_corporation_lies_inside_its_areas(client, city,
                                                                 people):
    _ws, ids = city
    client.force_login(people["corporation"])
    response = client.get("/ruimte/plan/voorbeeld.csv")
    assert response.status_code == 200
    text = response.content.decode()
    assert text.startswith("# Voorbeeldplan")
    rows = _csv("\n".join(line for line in text.splitlines()
                          if not line.startswith("#")))
    assert (rows["soort"] == "woning").sum() >= 1
    addresses = _ws_addresses(city[0])
    for r in rows[rows["soort"] == "woning"].itertuples():
        key = (r.postcode, int(r.huisnummer), r.huisletter, r.toevoeging)
        assert addresses[key] in ids["every_inside"]
    # and it runs, within the areas
    assert _upload(client, text).status_code == 302


def _ws_addresses(ws) -> dict:
    a = ws.read("addresses")
    return {(str(r.postcode), int(r.huisnummer),
             "" if pd.isna(r.huisletter) else str(r.huisletter),
             "" if pd.isna(r.toevoeging) else str(r.toevoeging)): str(r.address_id)
            for r in a.itertuples()}


# -- the advice ---------------------------------------------------------------------

def test_the_advice_is_the_doors_own_and_the_downloads_equal_the_page(
        client, city, people, tmp_path):
    ws, ids = city
    text = _plan(ids["inside"][:4] + ids["outside"][:6],
                 (("zorg", 3, ""), ("inkomen", 2, "ja"), ("meervoudig", 1, "")))
    path = tmp_path / "PLAN.csv"
    path.write_text(text, encoding="utf-8")
    direct = allocate.published_plan(ws, path, time_limit=20)
    files = allocate.plan_outputs(direct)
    client.force_login(people["policy"])
    assert _upload(client, text).status_code == 302
    page = client.get("/ruimte/plan/advies/")
    assert page.status_code == 200
    body = _text(page)
    s = direct["samenvatting"]
    assert f"{s['geplaatst']} huishoudens over {s['vrijkomend']} vrijkomende" in body
    # what the policy adviser's role shows: streets (no blocks or entrances)
    got = {name: client.get(f"/ruimte/plan/advies/{name}") for name in files}
    for name, response in got.items():
        assert response.status_code == 200, name
        assert response["Content-Disposition"].endswith(f'"{name}"')
    for name in ("advies_per_woning.csv", "eerlijkheid.csv", "lorenz.csv"):
        assert got[name].content.decode() == files[name], name
    places = _csv(got["advies_per_plaats.csv"].content.decode())
    want = direct["per_plaats"]
    want = want[want["niveau"] == "street"]
    assert set(places["niveau"]) <= {"street"}
    assert len(places) == len(want) > 0
    assert places["geplaatst"].astype(int).tolist() == want["geplaatst"].tolist()
    assert places["plaats_id"].tolist() == want["plaats_id"].astype(str).tolist()
    # the page shows the same per place: placed and, where public, the room
    assert _page_places(body) == sorted(
        (r.plaats_id, r.categorie, r.urgentie == "ja", int(r.geplaatst),
         int(r.ruimte) if r.zichtbaarheid == "public" else None)
        for r in want.itertuples())
    # the fairness table: D over buurten now, advice and first come first served
    fair = direct["eerlijkheid"].set_index(["indicator", "niveau"])
    d = fair.loc[("dissimilarity", "buurt")]
    for key in ("huidig", "advies", "naief"):
        assert f"{d[key]:.3f}".replace(".", ",") in body
    assert "<svg" in body and "Lorenzcurve" in body


def _page_places(body: str) -> list[tuple]:
    """(place, category code, urgent, placed, room or None) of the page's table."""
    from veerkracht.web.allocation import planning

    codes = {str(label): code for code, label in planning.categories()}
    table = body.split('id="h-places"')[1].split("</table>")[0]
    out = []
    for row in table.split("<tbody>")[1].split("<tr>")[1:]:
        cells = [re.sub(r"<[^>]+>", " ", c).split() for c in
                 re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        place = cells[1][-1]  # the id (after the name)
        text = " ".join(cells[2])
        urgent = text.endswith("(urgentie)")
        label = text.removesuffix("(urgentie)").strip()
        room = None if " ".join(cells[4]) == "niet getoond" else int(cells[4][0])
        out.append((place, codes[label], urgent, int(cells[3][0]), room))
    return sorted(out)


def test_a_corporation_sees_its_own_entrances_and_blocks_only(client, city, people,
                                                              tmp_path):
    ws, ids = city
    text = _plan(ids["inside"][:6])
    path = tmp_path / "PLAN.csv"
    path.write_text(text, encoding="utf-8")
    direct = allocate.published_plan(ws, path, time_limit=20)
    client.force_login(people["corporation"])
    assert _upload(client, text).status_code == 302
    places = _csv(client.get("/ruimte/plan/advies/advies_per_plaats.csv")
                  .content.decode())
    assert "street" not in set(places["niveau"])
    want = direct["per_plaats"]
    want = want[want["niveau"] != "street"]
    merged = places.merge(want.astype(str), on=["niveau", "plaats_id", "categorie",
                                                "urgentie"], how="left")
    assert (merged["geplaatst_x"] == merged["geplaatst_y"]).all()
    assert len(places) >= 1


def test_the_downloads_are_the_users_own(client, city, people, make_user):
    _ws, ids = city
    client.force_login(people["policy"])
    assert _upload(client, _plan(ids["outside"][:3])).status_code == 302
    assert client.get("/ruimte/plan/advies/lorenz.csv").status_code == 200
    other = make_user("policy", [("gemeente", ids["gemeente"])], org="Gemeente")
    client.force_login(other)
    assert client.get("/ruimte/plan/advies/lorenz.csv").status_code == 404
    assert client.get("/ruimte/plan/advies/").status_code == 404
    assert client.get("/ruimte/plan/advies/geheim.csv").status_code == 404


def test_every_run_is_audited_without_an_address(client, city, people):
    ws, ids = city
    chosen = ids["inside"][:3]
    client.force_login(people["corporation"])
    assert _upload(client, _plan(chosen)).status_code == 302
    client.get("/ruimte/plan/advies/advies_per_woning.csv")
    run = AuditEntry.objects.get(purpose__regex=r"^plan_(optimal|within_gap|"
                                 r"time_limit|partial|infeasible|caps_not_met|heuristic)$")
    assert run.object_id == "plan:v3:zorg2:uitstroom1:urgent1"
    assert run.result == "ok"
    assert AuditEntry.objects.filter(purpose="plan_download", action="export",
                                     object_id="plan:advies_per_woning").exists()
    addresses = ws.read("addresses").set_index("address_id").loc[chosen]
    needles = set(chosen) | set(addresses["postcode"].astype(str))
    for entry in AuditEntry.objects.all():
        fields = " ".join(str(getattr(entry, f)) for f in
                          ("object_id", "object_level", "purpose", "action"))
        assert not any(n in fields for n in needles), fields


# -- scenarios ------------------------------------------------------------------------

def test_the_scenario_is_marked_and_is_the_doors_own(client, city, people):
    ws, _ids = city
    client.force_login(people["policy"])
    form = client.get("/ruimte/scenario/")
    assert form.status_code == 200
    response = client.post("/ruimte/scenario/", {
        "aantal_zorg": "4", "urgent_uitstroom": "2", "jaren": "2",
        "beleid": ["routes", "advisor"], "verhuisgraad": "8", "zaad": "7"})
    assert response.status_code == 200
    body = _text(response)
    assert "Scenario — geen voorspelling" in body
    direct = allocate.published_scenario(
        ws, allocate.parse_demand("zorg=4,uitstroom+urgent=2"), 2,
        ("routes", "advisor"), 7, 0.08, None)
    for lv in ("block", "street"):
        part = direct[direct["level"] == lv]
        section = body.split(f'id="h-sc-{lv}"')[1].split("</table>")[0]
        for pol in ("routes", "advisor"):
            want = part[part["policy"] == pol].sort_values("year")
            row = section.split("<tr>")[1:]
            row = next(r for r in row if f">{_policy_label(pol)}<" in r)
            cells = re.findall(r'<td class="num"[^>]*>(\d+)', row)
            assert [int(c) for c in cells] == want["under_pressure"].tolist(), (lv, pol)
    entry = AuditEntry.objects.get(purpose="scenario")
    assert entry.object_id == "scenario:j2:zorg4:uitstroom2:urgent2"


def test_the_scenario_downloads_as_the_doors_csv(client, city, people):
    """The form's second button hands out the whole answer as the CSV the
    command line writes (';', decimal comma), audited as an export."""
    ws, _ids = city
    client.force_login(people["policy"])
    page = client.get("/ruimte/scenario/").content.decode()
    assert 'name="formaat" value="csv"' in page and "data-no-busy" in page
    response = client.post("/ruimte/scenario/", {
        "aantal_zorg": "4", "urgent_uitstroom": "2", "jaren": "2",
        "beleid": ["routes", "advisor"], "verhuisgraad": "8", "zaad": "7",
        "formaat": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="scenario-zaad-7.csv"' in response["Content-Disposition"]
    got = pd.read_csv(io.StringIO(response.content.decode()), sep=";", decimal=",")
    direct = allocate.published_scenario(
        ws, allocate.parse_demand("zorg=4,uitstroom+urgent=2"), 2,
        ("routes", "advisor"), 7, 0.08, None)
    assert list(got.columns) == list(direct.columns)
    key = ["level", "policy", "year"]
    a = got.sort_values(key).reset_index(drop=True)
    b = direct.sort_values(key).reset_index(drop=True)
    assert a["under_pressure"].tolist() == b["under_pressure"].tolist()
    assert a["unplaced"].tolist() == b["unplaced"].tolist()
    entry = AuditEntry.objects.get(purpose="scenario_download")
    assert entry.action == "export"
    assert entry.object_id == "scenario:j2:zorg4:uitstroom2:urgent2"
    assert not AuditEntry.objects.filter(purpose="scenario").exists()
    # a bad form is the page again with its errors, never a file
    bad = client.post("/ruimte/scenario/", {"jaren": "2", "zaad": "7",
                                            "verhuisgraad": "8", "formaat": "csv"})
    assert bad.status_code == 400 and bad["Content-Type"].startswith("text/html")


def _policy_label(code: str) -> str:
    from veerkracht.analytics.allocation.scenario import POLICIES

    return POLICIES[code]


def test_a_scenario_without_households_is_refused_in_dutch(client, people):
    client.force_login(people["policy"])
    response = client.post("/ruimte/scenario/", {
        "jaren": "3", "beleid": ["routes"], "verhuisgraad": "8", "zaad": "1"})
    assert response.status_code == 400
    assert "minstens één huishouden" in _text(response)
    response = client.post("/ruimte/scenario/", {
        "aantal_zorg": "3", "jaren": "11", "beleid": ["routes"],
        "verhuisgraad": "8", "zaad": "1"})
    assert response.status_code == 400
    assert "Hoogstens 10 jaar" in _text(response)


def test_a_corporation_may_choose_only_its_own_stock(client, city, people, make_user):
    ws, ids = city
    names = sorted(ws.read("stock")["corporatie"].dropna().astype(str).unique())
    own = make_user("corporation", [("wijk", ids["wijk"])], org=names[0])
    client.force_login(own)
    page = client.get("/ruimte/scenario/").content.decode()
    assert f'value="{names[0]}"' in page
    for other in names[1:]:
        assert f'value="{other}"' not in page
        response = client.post("/ruimte/scenario/", {
            "aantal_zorg": "2", "jaren": "1", "beleid": ["routes"],
            "verhuisgraad": "8", "zaad": "1", "corporatie": other})
        assert response.status_code == 400
    # a policy adviser may choose any
    client.force_login(people["policy"])
    page = client.get("/ruimte/scenario/").content.decode()
    for name in names:
        assert f'value="{name}"' in page


def test_a_plan_too_large_shows_the_largest_safe_advice_and_why(client, city,
                                                                people):
    """Far more households than a handful of vacancies can take: the page says
    "onhaalbaar", how many the advice places anyway, and why the rest do not
    fit; the run is audited as plan_infeasible."""
    _ws, ids = city
    text = _plan(ids["inside"][:6], (("meervoudig", 60, ""),))
    client.force_login(people["corporation"])
    assert _upload(client, text).status_code == 302
    body = _text(client.get("/ruimte/plan/advies/"))
    assert "onhaalbaar: niet iedereen past" in body
    assert "van de 60" in body and "Waarom niet iedereen past:" in body
    assert "passen niet" in body
    # the solver's bound counted unplaced households: no bound is shown
    assert "ondergrens" not in body
    assert AuditEntry.objects.filter(purpose="plan_infeasible").exists()
