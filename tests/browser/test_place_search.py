"""Finding a place by address with the keyboard only: on the map (the map
jumps to the place, highlights it and opens its card) and in the story form
(the place goes into the form); the grey base is drawn under the places;
axe-core finds no serious WCAG 2.1 AA problem on either page."""

from __future__ import annotations

import pytest
from tests.browser.conftest import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "test-wachtwoord-123"


def _login(page, base: str, user) -> None:
    page.goto(f"{base}/inloggen/")
    page.get_by_label("Gebruikersnaam").fill(user.username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_label("Wachtwoord").press("Enter")
    page.wait_for_url(f"{base}/kaart/")


def _tab_to(page, element_id: str, limit: int = 40) -> None:
    """Press Tab until the element has the focus (as a keyboard user would)."""
    for _ in range(limit):
        if page.evaluate("() => document.activeElement && document.activeElement.id") \
                == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"#{element_id} cannot be reached with Tab")


def _wait_map(page) -> None:
    page.wait_for_function(
        "() => { const m = document.getElementById('map');"
        " return m.dataset.loaded && m.dataset.context"
        " && document.getElementById('map-status').textContent.indexOf('Laden') < 0; }",
        timeout=30000)


@pytest.mark.django_db(transaction=True)
def test_search_an_address_on_the_map_with_the_keyboard(page, live_server, city,
                                                         users, axe_source):
    base = live_server.url
    _login(page, base, users["frontline"])
    _wait_map(page)
    # the grey base is there: street lines and buurt outlines of the workspace
    assert int(page.locator("#map").get_attribute("data-context")) > 0
    _tab_to(page, "map-search")
    box = page.locator("#map-search")
    assert box.get_attribute("role") == "combobox"
    assert box.get_attribute("aria-expanded") == "false"
    page.keyboard.type("Bosweg 25", delay=30)
    options = page.locator("#map-search-list [role=option]")
    options.first.wait_for(timeout=10000)
    assert box.get_attribute("aria-expanded") == "true"
    assert page.locator("#map-search-list").get_attribute("role") == "listbox"
    texts = options.all_inner_texts()
    assert texts[0].startswith("Bosweg 25") and "portiek" in texts[0]
    assert any(t.startswith("Bosweg") and "straat" in t for t in texts)
    assert "gevonden" in page.locator("#map-search-status").inner_text()
    problems = axe_violations(page, axe_source)  # with the list open
    page.keyboard.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == "map-search-list-0"
    assert options.first.get_attribute("aria-selected") == "true"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    assert box.get_attribute("aria-activedescendant") == "map-search-list-0"
    page.keyboard.press("Enter")
    # the map goes to the entrance, draws it highlighted and opens its card
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.id === 'details'",
        timeout=20000)
    assert box.get_attribute("aria-expanded") == "false"
    assert page.locator("#level-select").input_value() == "entrance"
    assert "Bosweg 25" in page.locator("#details h3").inner_text()
    assert "Gevonden op de kaart" in page.locator("#map-status").inner_text()
    assert page.evaluate("() => window.veerkrachtMap.getZoom()") >= 16
    # Tab from the card reaches its profile link; Enter opens the profile
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Plaatsprofiel"
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/plaatsen/entrance/E-9900AA-25-1/")
    assert "Bosweg 25" in page.locator("h1").inner_text()
    # Escape closes the list, a second Escape empties the field
    page.goto(f"{base}/kaart/")
    _wait_map(page)
    page.locator("#map-search").focus()
    page.keyboard.type("Lindelaan", delay=30)
    options.first.wait_for(timeout=10000)
    page.keyboard.press("Escape")
    assert box.get_attribute("aria-expanded") == "false"
    page.keyboard.press("Escape")
    assert box.input_value() == ""
    # outside the user's areas: nothing, said out loud
    page.keyboard.type("Havenkade 25", delay=30)
    page.wait_for_function(
        "() => document.getElementById('map-search-status').textContent"
        ".indexOf('Geen plaatsen') >= 0", timeout=10000)
    assert options.count() == 0
    assert not problems, problems


@pytest.mark.django_db(transaction=True)
def test_search_an_address_in_the_story_form_with_the_keyboard(page, live_server,
                                                                city, users,
                                                                axe_source):
    from veerkracht.web.stories.models import Story

    base = live_server.url
    _login(page, base, users["frontline"])
    page.goto(f"{base}/verhalen/nieuw/")
    assert "Nog geen plaats gekozen" in page.locator("#chosen-place").inner_text()
    _tab_to(page, "place-search")
    page.keyboard.type("Lindelaan 3", delay=30)
    options = page.locator("#place-search-list [role=option]")
    options.first.wait_for(timeout=10000)
    assert any("Lindelaan" in t and "straat" in t for t in options.all_inner_texts())
    street = [i for i, t in enumerate(options.all_inner_texts())
              if t.startswith("Lindelaan") and "straat" in t][0]
    for _ in range(street + 1):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    chosen = page.locator("#chosen-place")
    assert "Lindelaan" in chosen.inner_text() and "straat" in chosen.inner_text()
    assert page.locator("#id_level").input_value() == "street"
    assert page.locator("#id_place_id").input_value() == "S-BU99990101-lindelaan"
    assert page.url == f"{base}/verhalen/nieuw/"  # chosen here, no page change
    problems = axe_violations(page, axe_source)
    # the rest of the form, by keyboard: Tab on to the fields and send
    _tab_to(page, "id_title")
    page.keyboard.type("Bankje weg", delay=10)
    page.keyboard.press("Tab")
    page.keyboard.type("Het bankje bij de speeltuin is weg.", delay=5)
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.type") == "submit":
            break
    with page.expect_navigation():
        page.keyboard.press("Enter")
    errors = page.locator("form#story-form .error, #place-error").all_inner_texts()
    assert not errors, errors
    page.wait_for_url(f"{base}/plaatsen/street/S-BU99990101-lindelaan/")
    story = Story.objects.get()
    assert (story.level, story.place_id, story.title) == (
        "street", "S-BU99990101-lindelaan", "Bankje weg")
    assert not problems, problems


@pytest.mark.django_db(transaction=True)
def test_search_boxes_and_the_story_form_fit_a_phone(chromium, live_server, city,
                                                      users):
    """390 px wide: no sideways scrolling, and every target at least 44 px."""
    context = chromium.new_context(viewport={"width": 390, "height": 844},
                                   is_mobile=True, has_touch=True, locale="nl-NL")
    page = context.new_page()
    base = live_server.url
    _login(page, base, users["frontline"])
    small = {}
    for url in ("/kaart/", "/verhalen/nieuw/", "/verhalen/interventie/",
                "/zoeken/?q=Bosweg+25&doel=verhaal"):
        page.goto(base + url)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, url
        small[url] = page.evaluate("""() => {
            const out = [];
            for (const el of document.querySelectorAll(
                    'form.place-search input:not([type=hidden]), form.place-search '
                    + 'button, form.story-form input:not([type=hidden]), '
                    + 'form.story-form select, form.story-form textarea, '
                    + 'form.story-form button, ul.results a.button')) {
                const box = el.getBoundingClientRect();
                if (box.height < 44 || box.width < 44) {
                    out.push(`${el.tagName} ${el.name || el.textContent} `
                             + `${Math.round(box.width)}x${Math.round(box.height)}`);
                }
            }
            return out;
        }""")
    context.close()
    assert not any(small.values()), small
