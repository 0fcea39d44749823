""""Wat doet één plaatsing?" on a 390 px phone: a corporation's social manager
opens it from the menu, fills in an address and a category and reads the
answer; no page scrolls sideways and every page passes axe-core. The map's
headroom layer draws and has its legend."""

from __future__ import annotations

import pytest
from tests.browser.conftest import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.django_db(transaction=True)]

PASSWORD = "test-wachtwoord-123"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(chromium):
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                   locale="nl-NL")
    page = context.new_page()
    page.route("**/*", lambda route: route.continue_()
               if route.request.url.startswith(("http://localhost", "http://127.0.0.1"))
               else route.abort())
    yield page
    context.close()


@pytest.fixture
def planner(planned_city, make_user):
    """A corporation assigned to the wijk of a public block, and an address in it."""
    from veerkracht.jobs import allocate

    ws = planned_city
    blocks = allocate.published_headroom(ws, "block", "zorg", audience="assigned")
    public = set(blocks.loc[blocks["visibility"] == "public", "place_id"])
    dw = ws.read("dwellings", columns=["address_id", "block_id", "wijkcode"])
    row = dw[dw["block_id"].isin(public)].iloc[0]
    user = make_user("corporation", [("wijk", str(row["wijkcode"]))],
                     org="Woonstichting")
    address = ws.read("addresses").set_index("address_id").loc[row["address_id"]]
    suffix = "".join(v for v in (address["huisletter"], address["toevoeging"])
                     if isinstance(v, str))
    return user, {"postcode": str(address["postcode"]),
                  "huisnummer": str(address["huisnummer"]), "toevoeging": suffix}


def _login(page, base: str, user) -> None:
    page.goto(f"{base}/inloggen/")
    page.get_by_label("Gebruikersnaam").fill(user.username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_load_state("networkidle")


def test_the_what_if_page_on_a_phone(phone, live_server, planner, axe_source):
    user, address = planner
    wide, problems = {}, {}

    def check(name):
        phone.wait_for_load_state("load")  # a click returns before the styles load
        width = phone.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            # name what sticks out, so a failure says where to look
            wide[name] = (width, phone.evaluate(
                "[...document.querySelectorAll('body *')].filter(e => "
                "e.getBoundingClientRect().right > window.innerWidth + 1)"
                ".slice(0, 4).map(e => e.tagName + '.' + e.className + ' '"
                " + Math.round(e.getBoundingClientRect().right))"))
        found = axe_violations(phone, axe_source)
        if found:
            problems[name] = found

    _login(phone, live_server.url, user)
    phone.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Wat doet één plaatsing?", exact=True).click()
    check("form")
    assert phone.get_by_role("heading", name="Wat doet één plaatsing?").is_visible()
    phone.get_by_label("Postcode").fill(address["postcode"])
    phone.get_by_label("Huisnummer").fill(address["huisnummer"])
    phone.get_by_label("Toevoeging (letter of nummer, optioneel)").fill(
        address["toevoeging"])
    phone.get_by_label("Categorie van het huishouden").select_option("inkomen")
    phone.get_by_label("Via urgentie geplaatst").check()
    # a form post: without waiting for the navigation, the load state checked
    # next is the form page's own, and the answer is measured half-styled
    with phone.expect_navigation(wait_until="load"):
        phone.get_by_role("button", name="Toon het effect").click()
    check("answer")
    answer = phone.locator(".whatif-answer")
    text = answer.inner_text()
    assert "armoede of schulden" in text and "via urgentie" in text
    assert "Na plaatsing" in text and "Blok" in text
    # an address that does not exist: a clear message, still on a phone
    phone.get_by_label("Postcode").fill("0000 AA")
    phone.get_by_role("button", name="Toon het effect").click()
    check("error")
    assert phone.get_by_role("alert").first.is_visible()
    assert not wide, f"wider than {PHONE['width']} px: {wide}"
    assert not problems, problems


def test_the_headroom_layer_draws_with_its_legend(page, live_server, planner,
                                                 axe_source):
    user, _address = planner
    _login(page, live_server.url, user)
    page.goto(f"{live_server.url}/kaart/?laag=ruimte&categorie=zorg")
    page.wait_for_function(
        "() => { const s = document.getElementById('map-status');"
        " return s && /plaatsen/.test(s.textContent); }", timeout=20000)
    assert page.get_by_label("Kaartlaag").input_value() == "headroom"
    legend = page.locator("#legend-body").inner_text()
    assert "Ruimte voor plaatsing" in legend and "niet getoond" in legend
    assert int(page.get_attribute("#map", "data-loaded")) > 0
    with page.expect_request(lambda r: "/api/maps/headroom/" in r.url
                             and "category=uitstroom" in r.url):
        page.get_by_label("Categorie", exact=True).select_option("uitstroom")
    assert not axe_violations(page, axe_source)
