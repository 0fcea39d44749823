""""Jaarplan" and "Scenario" on a 390 px phone: a policy adviser opens the plan
page from the menu, downloads the example plan, uploads it and reads the
advice; then runs a scenario. No page scrolls sideways and every page passes
axe-core."""

from __future__ import annotations

import pytest
from tests.browser.conftest import axe_violations
from tests.browser.test_allocation_journey import PHONE, _login, phone  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.django_db(transaction=True)]


@pytest.fixture
def adviser(planned_city, make_user):
    gemeente = str(planned_city.read("place_gemeente")["place_id"].iloc[0])
    return make_user("policy", [("gemeente", gemeente)], org="Gemeente")


def test_the_plan_and_the_scenario_on_a_phone(phone, live_server, adviser,  # noqa: F811
                                             axe_source, tmp_path):
    wide, problems = {}, {}

    def check(name):
        phone.wait_for_load_state("load")  # a click returns before the styles load
        width = phone.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            wide[name] = width
        found = axe_violations(phone, axe_source)
        if found:
            problems[name] = found

    _login(phone, live_server.url, adviser)
    phone.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Jaarplan", exact=True).click()
    check("plan form")
    with phone.expect_download() as download:
        phone.get_by_role("link", name="Voorbeeldplan voor deze werkmap "
                          "downloaden").click()
    example = tmp_path / "PLAN.csv"
    download.value.save_as(example)
    assert example.read_text(encoding="utf-8").startswith("# Voorbeeldplan")
    # a broken file first: the lines are listed, the form stays
    broken = tmp_path / "kapot.csv"
    broken.write_text("soort;categorie;aantal\nhuishoudens;onbekend;2\n",
                      encoding="utf-8")
    phone.get_by_label("Planbestand (PLAN.csv)").set_input_files(str(broken))
    phone.get_by_role("button", name="Bereken het advies").click()
    check("plan refused")
    alert = phone.get_by_role("alert").first
    assert "regel 2" in alert.inner_text()
    # the example
    phone.get_by_label("Planbestand (PLAN.csv)").set_input_files(str(example))
    phone.get_by_label("Tijd voor de berekening").select_option("20")
    phone.get_by_role("button", name="Bereken het advies").click()
    phone.wait_for_url("**/ruimte/plan/advies/", timeout=90000)
    check("plan result")
    text = phone.locator("main").inner_text()
    assert "Eerlijkheid" in text and "segregatie-index D" in text
    assert phone.locator("svg[aria-labelledby='lorenz-t lorenz-d']").count() == 1
    with phone.expect_download() as download:
        phone.get_by_role("link", name="eerlijkheid.csv").click()
    assert download.value.suggested_filename == "eerlijkheid.csv"
    # the scenario
    phone.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Scenario", exact=True).click()
    check("scenario form")
    phone.get_by_label("Aantal jaren").fill("2")
    phone.get_by_role("button", name="Reken het scenario door").click()
    check("scenario answer")
    heading = phone.get_by_role("heading", name="Scenario — geen voorspelling")
    assert heading.is_visible()
    # the same scenario as a file; the page stays usable (no busy marker)
    with phone.expect_download() as download:
        phone.get_by_role("button", name="Download als CSV").click()
    assert download.value.suggested_filename == "scenario-zaad-1.csv"
    saved = tmp_path / "scenario.csv"
    download.value.save_as(saved)
    header = saved.read_text(encoding="utf-8").splitlines()[0].split(";")
    assert header[0] == "scenario"
    assert {"policy", "year", "under_pressure"} <= set(header)
    assert phone.get_by_role("button", name="Reken het scenario door").is_enabled()
    assert not wide, f"wider than {PHONE['width']} px: {wide}"
    assert not problems, problems
