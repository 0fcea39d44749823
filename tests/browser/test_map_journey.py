"""A professional's journey: log in, see the map, drill down, profile, PDF; and
axe-core finds no serious or critical WCAG 2.1 AA violation on the main pages."""

from __future__ import annotations

import io

import pytest
from tests.browser.conftest import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "test-wachtwoord-123"


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/inloggen/")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(f"{base}/kaart/")


def _coloured_pixels(png: bytes) -> int:
    """Pixels that are neither white nor grey (some saturation)."""
    import numpy as np
    from PIL import Image

    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    spread = img.max(axis=2) - img.min(axis=2)
    return int((spread > 40).sum())


def _wait_loaded(page, previous: str | None = None) -> str:
    page.wait_for_function(
        "prev => { const m = document.getElementById('map');"
        " return m.dataset.loaded && m.dataset.loaded !== '0'"
        " && document.getElementById('map-status').textContent.indexOf('Laden') < 0"
        " && (prev === null || m.dataset.loaded !== prev || true); }",
        arg=previous,
        timeout=20000,
    )
    return page.locator("#map").get_attribute("data-loaded")


@pytest.mark.django_db(transaction=True)
def test_login_map_drill_down_profile_pdf(page, live_server, city, users, tmp_path):
    base = live_server.url
    _login(page, base, users["frontline"].username)
    _wait_loaded(page)
    shot = page.locator("#map").screenshot()
    (tmp_path / "map.png").write_bytes(shot)
    assert _coloured_pixels(shot) > 500, "the map shows no coloured places"
    assert "Aantal woningen" in page.locator("#legend").inner_text()

    # drill down: buurt -> streets
    page.locator("#place-list button").first.click()
    assert "Plaatsprofiel" in page.locator("#details").inner_text()
    page.get_by_role("button", name="Inzoomen: straat").click()
    page.wait_for_function(
        "() => document.getElementById('map-status')"
        ".textContent.indexOf('straat') >= 0",
        timeout=20000)
    assert "buurt" in page.locator("#crumbs").inner_text()
    streets = page.locator("#place-list button").count()
    assert streets == 3  # the test buurt has three streets
    page.locator("#place-list button").first.click()
    page.get_by_role("button", name="Inzoomen: blok").click()
    page.wait_for_function(
        "() => document.getElementById('map-status')"
        ".textContent.indexOf('blok') >= 0",
        timeout=20000)
    assert page.locator("#place-list button").count() > 0

    # open a profile
    page.locator("#place-list button").first.click()
    page.get_by_role("link", name="Plaatsprofiel").click()
    page.wait_for_selector("h1")
    assert "Meldingen per kwartaal" in page.content()

    # download the PDF
    with page.expect_download() as info:
        page.get_by_role("link", name="Download als PDF").click()
    path = info.value.path()
    with open(path, "rb") as fh:
        assert fh.read(4) == b"%PDF"


@pytest.mark.django_db(transaction=True)
def test_main_pages_pass_axe(page, live_server, city, users, place_ids, axe_source):
    base = live_server.url
    page.goto(f"{base}/inloggen/")
    problems = {"login": axe_violations(page, axe_source)}
    _login(page, base, users["frontline"].username)
    _wait_loaded(page)
    problems["map"] = axe_violations(page, axe_source)
    page.goto(f"{base}/plaatsen/buurt/{place_ids['buurt1']}/")
    problems["profile"] = axe_violations(page, axe_source)
    page.goto(f"{base}/plaatsen/entrance/{place_ids['small_entrance1']}/")
    problems["entrance"] = axe_violations(page, axe_source)
    page.goto(f"{base}/plaatsen/nergens/x/")  # the error page
    assert "bestaat niet" in page.content()
    problems["error"] = axe_violations(page, axe_source)
    page.context.clear_cookies()
    _login_privacy = users["privacy"].username
    page.goto(f"{base}/inloggen/")
    page.get_by_label("Gebruikersnaam").fill(_login_privacy)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(f"{base}/privacy/")
    problems["privacy"] = axe_violations(page, axe_source)
    assert not any(problems.values()), problems
