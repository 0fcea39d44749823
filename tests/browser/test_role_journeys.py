"""One journey per role, as a user walks it: every page passes axe-core
(no serious or critical WCAG 2.1 A/AA violation) and fits a 390 px phone
without sideways scrolling; the resident's report and the professional's
menu -> map -> profile work with the keyboard alone, with a visible focus.

Pages are found as people find them — by the menu, link and button names
and the form labels — never by layout, so a redesigned page keeps its
test as long as it keeps its words.
"""

from __future__ import annotations

import re

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


def _login(page, base: str, user) -> None:
    page.goto(f"{base}/inloggen/")
    page.get_by_label("Gebruikersnaam").fill(user.username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_load_state("networkidle")


def _menu(page, name: str) -> None:
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name=name, exact=True).click()
    page.wait_for_load_state("networkidle")


def _map_ready(page) -> None:
    page.wait_for_function(
        "() => { const s = document.getElementById('map-status');"
        " return document.querySelector('#map') && s"
        " && s.textContent.trim() !== '' && s.textContent.indexOf('Laden') < 0; }",
        timeout=20000)


def _places(page):
    return page.get_by_role("region", name="Plaatsen in beeld").get_by_role("button")


def _signal_in_area():
    """A report at 9900 AA 3 (in the first buurt), filed by a resident."""
    from veerkracht.web.signals import services
    from veerkracht.web.signals.locations import clear_cache

    clear_cache()
    location = services.resolve_location(postcode="9900 AA", huisnummer=3)
    return services.create_signal(category="noise", location=location,
                                  source="resident", description="Elke nacht muziek.",
                                  channel="web").signal


# --- the journeys: each calls check(name) on every page it reaches ----------

def resident(page, base, users, check):
    _login(page, base, users["resident"])
    assert page.get_by_role("heading", name="Melding doen").is_visible()
    check("report form")
    page.get_by_label("Geluidsoverlast").check()
    page.get_by_label("Postcode").fill("9900 AA")
    page.get_by_label("Huisnummer").fill("3")
    page.get_by_label("Toelichting (optioneel)").fill("Elke nacht harde muziek")
    page.get_by_role("button", name="Melding versturen").click()
    reference = page.get_by_test_id("reference").inner_text()
    check("received")
    _menu(page, "Mijn meldingen")
    check("my reports")
    page.get_by_role("link", name=reference).click()
    assert page.get_by_test_id("status").inner_text() == "Nieuw"
    check("follow")


def neighbourhood_team(page, base, users, check):
    _login(page, base, users["frontline"])
    _map_ready(page)
    check("map")
    _places(page).first.click()
    page.get_by_role("link", name="Plaatsprofiel").click()
    page.wait_for_load_state("networkidle")
    assert "Meldingen per kwartaal" in page.content()
    check("profile")
    _menu(page, "Verhalen")
    check("stories")
    _menu(page, "Aandacht deze week")
    check("alerts")


def signal_handler(page, base, users, check):
    signal = _signal_in_area()
    _login(page, base, users["frontline"])
    _menu(page, "Werkbak")
    check("work list")
    page.get_by_role("link", name=signal.reference).first.click()
    page.wait_for_load_state("networkidle")
    check("detail")
    page.get_by_label("Nieuwe status").select_option(label="In behandeling")
    page.get_by_role("button", name="Opslaan", exact=True).click()
    page.wait_for_load_state("networkidle")
    signal.refresh_from_db()
    assert signal.status == "in_behandeling"
    assert "In behandeling" in page.get_by_role("main").inner_text()
    check("after the status change")


def corporation(page, base, users, check):
    _signal_in_area()
    _login(page, base, users["corporation"])
    _map_ready(page)
    check("map")
    _menu(page, "Werkbak")
    check("work list")
    assert page.get_by_role("table").is_visible()
    _menu(page, "Verhalen")
    check("stories")


def policy(page, base, users, check):
    _login(page, base, users["policy"])
    _map_ready(page)
    check("map")
    _places(page).first.click()
    page.get_by_role("link", name="Plaatsprofiel").click()
    page.wait_for_load_state("networkidle")
    check("profile")


def privacy_officer(page, base, users, check):
    _login(page, base, users["privacy"])
    check("audit trail and thresholds")
    _menu(page, "Rolaanvragen")
    check("role requests")


def administrator(page, base, users, check):
    from django.contrib.auth.models import User

    admin = users["administrator"]
    User.objects.filter(pk=admin.pk).update(is_staff=True, is_superuser=True)
    _login(page, base, admin)  # the administrator's first page is the admin
    assert page.url.endswith("/beheer/")
    check("admin")
    page.get_by_role("link", name="Organisaties").first.click()
    page.wait_for_load_state("networkidle")
    check("organisations")
    page.go_back()  # to the index (a phone hides the admin's side menu)
    page.get_by_role("link", name="Gebruikers").first.click()
    page.wait_for_load_state("networkidle")
    check("users")


JOURNEYS = {f.__name__: f for f in (resident, neighbourhood_team, signal_handler,
                                    corporation, policy, privacy_officer,
                                    administrator)}


@pytest.mark.parametrize("journey", list(JOURNEYS))
def test_every_page_of_the_journey_passes_axe(page, live_server, city, users,
                                              axe_source, journey):
    problems, seen = {}, []

    def check(name):
        seen.append(name)
        page.wait_for_load_state("load")  # a click returns before the styles load
        found = axe_violations(page, axe_source)
        if found:
            problems[f"{name} ({page.url})"] = found

    JOURNEYS[journey](page, live_server.url, users, check)
    assert seen, "the journey checked no page"
    assert not problems, problems


@pytest.mark.parametrize("journey", list(JOURNEYS))
def test_no_page_of_the_journey_scrolls_sideways_on_a_phone(phone, live_server, city,
                                                            users, journey):
    wide, seen = {}, []

    def check(name):
        seen.append(name)
        phone.wait_for_load_state("load")  # unstyled, a page is wider than it is
        width = phone.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            wide[f"{name} ({phone.url})"] = width

    JOURNEYS[journey](phone, live_server.url, users, check)
    assert seen, "the journey checked no page"
    assert not wide, f"wider than {PHONE['width']} px: {wide}"


# --- keyboard only -----------------------------------------------------------

FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) { return null; }
    const s = getComputedStyle(el), box = el.getBoundingClientRect();
    const label = el.labels && el.labels.length ? el.labels[0].textContent : '';
    return {tag: el.tagName.toLowerCase(), type: el.type || '',
            text: (el.innerText || el.value || '').trim().slice(0, 80),
            label: label.trim(), href: el.getAttribute('href') || '',
            outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2,
            shadow: s.boxShadow !== 'none',
            shown: box.width > 0 && box.height > 0};
}"""


def _tab_to(page, wanted, *, back: bool = False, limit: int = 80) -> dict:
    """Press Tab (or Shift+Tab) until the focused element satisfies
    ``wanted``; every element passed on the way must show its focus."""
    invisible, passed = [], []
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            continue
        passed.append(focused["text"] or focused["label"] or focused["tag"])
        if not (focused["outline"] or focused["shadow"]) or not focused["shown"]:
            invisible.append(focused)
        if wanted(focused):
            assert not invisible, f"focus not visible on {invisible}"
            return focused
    raise AssertionError(f"not reachable with the keyboard within {limit} steps; "
                         f"passed {passed}")


def _labelled(text):
    return lambda f: f["label"].startswith(text)


def _named(text):
    return lambda f: f["text"] == text


def _activate(page, key: str = "Enter") -> None:
    """Press ``key`` on the focused link or button and wait for the next page."""
    with page.expect_navigation():
        page.keyboard.press(key)
    page.wait_for_load_state("networkidle")


def _keyboard_login(page, base, user) -> None:
    page.goto(f"{base}/inloggen/")
    _tab_to(page, _labelled("Gebruikersnaam"))
    page.keyboard.type(user.username)
    _tab_to(page, _labelled("Wachtwoord"))
    page.keyboard.type(PASSWORD)
    _activate(page)


def test_the_residents_report_with_the_keyboard_alone(page, live_server, city, users):
    base = live_server.url
    _keyboard_login(page, base, users["resident"])
    assert page.url.endswith("/meldingen/")
    first = _tab_to(page, lambda f: f["type"] == "radio")  # into the categories
    assert first["label"] == "Geluidsoverlast"
    page.keyboard.press("Space")
    assert page.get_by_label("Geluidsoverlast").is_checked()
    _tab_to(page, _labelled("Postcode"))
    page.keyboard.type("9900 AA")
    _tab_to(page, _labelled("Huisnummer"))
    page.keyboard.type("3")
    _tab_to(page, _labelled("Toelichting"))
    page.keyboard.type("Elke nacht harde muziek")
    _tab_to(page, _named("Melding versturen"))
    _activate(page)
    reference = page.get_by_test_id("reference").inner_text()
    assert reference.startswith("VK-")
    # follow it in "Mijn meldingen": the menu, then the report's own link
    _tab_to(page, _named("Mijn meldingen"))
    _activate(page)
    _tab_to(page, _named(reference))
    _activate(page)
    assert page.get_by_test_id("status").inner_text() == "Nieuw"


def test_the_professionals_menu_map_and_profile_with_the_keyboard_alone(
        page, live_server, city, users):
    base = live_server.url
    _keyboard_login(page, base, users["frontline"])
    page.goto(f"{base}/verhalen/")  # start away from the map
    _tab_to(page, _named("Kaart"))
    _activate(page)
    _map_ready(page)
    place = _tab_to(page, lambda f: f["tag"] == "button"
                    and f["text"] in _places(page).all_inner_texts())
    page.keyboard.press("Enter")
    details = page.get_by_role("region", name="Plaats", exact=True)
    assert place["text"].split(" — ")[0] in details.inner_text()
    # the place's details sit above the list: back to its profile link
    _tab_to(page, _named("Plaatsprofiel"), back=True)
    _activate(page)
    assert re.search(r"/plaatsen/[a-z]+/[^/]+/$", page.url), page.url
    assert "Meldingen per kwartaal" in page.content()
    # and the profile's own links are reachable too
    _tab_to(page, lambda f: f["href"].endswith("pdf"))


def test_the_map_asks_the_api_in_the_language_of_the_page(chromium, live_server,
                                                          city, users):
    """An English browser on the Dutch page: the map's API calls ask for Dutch,
    so an error it shows (the problem's detail) is in the page's language."""
    context = chromium.new_context(locale="en-US")
    page = context.new_page()
    try:
        _login(page, live_server.url, users["frontline"])
        with page.expect_request(lambda r: "/api/maps/layers/" in r.url) as asked:
            page.get_by_label("Niveau").select_option("street")
        assert asked.value.headers["accept-language"] == "nl"
        assert page.evaluate("navigator.language").startswith("en")
    finally:
        context.close()
