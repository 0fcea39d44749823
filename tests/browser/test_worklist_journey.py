"""A handler's day in the work list, on a phone: assign a signal to a
colleague, make it urgent, merge it as a duplicate, reopen it — through the
pages only, with no sideways scrolling, 44 px targets and no WCAG
violations on the way."""

from __future__ import annotations

import os
import re

import pytest

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "veerkracht.web.conf.ci")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from tests.browser.conftest import axe_violations  # noqa: E402
from tests.web.test_signals_fixtures import *  # noqa: E402,F403 - fixtures
from tests.web.test_signals_fixtures import PASSWORD  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]

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


def _fits(page) -> None:
    # a click that navigates returns once the new page commits; measured
    # before its stylesheet has loaded, an unstyled select is as wide as its
    # longest option (the intermittent 437-660 px this test used to see)
    page.wait_for_load_state("load")
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > 391 && !e.closest('.scroll'))
        .map(e => e.tagName + '.' + e.className + '#' + (e.name || e.id))
        .slice(0, 5)""")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], (width, wide)


def _small_targets(page) -> list[str]:
    """Controls of the handling forms under 44 px high."""
    return page.evaluate("""() => [...document.querySelectorAll(
        '.handling select, .handling button, .handling textarea, form.filters select,'
        + ' form.filters button')].filter(e => e.getBoundingClientRect().height < 44)
        .map(e => e.name || e.textContent.trim())""")


def test_handler_assigns_prioritises_merges_and_reopens(
    phone, live_server, city, professional, axe_source
):
    from django.contrib.auth import get_user_model

    from veerkracht.web.accounts.models import UserProfile
    from veerkracht.web.signals import services
    from veerkracht.web.signals.models import Signal, StatusChange, Team

    colleague = get_user_model().objects.create_user(
        "collega", password=PASSWORD, first_name="Anna", last_name="Bakker")
    UserProfile.objects.create(user=colleague, role="frontline",
                               organisation=professional.profile.organisation)
    Team.objects.create(name="Wijkteam Centrum",
                        organisation=professional.profile.organisation)
    where = services.resolve_location(postcode="9900AA", huisnummer=7,
                                      toevoeging="3")
    main = services.create_signal(category="noise", location=where,
                                  description="Harde muziek").signal
    dup = services.create_signal(category="noise", location=where,
                                 description="Weer muziek").signal
    services.transition(main, "in_behandeling", user=professional)

    page = phone
    page.goto(f"{live_server.url}/inloggen/")
    page.get_by_label("Gebruikersnaam").fill(professional.username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Inloggen", re.I)).click()
    page.goto(f"{live_server.url}/meldingen/werkbak/")
    _fits(page)
    assert not _small_targets(page)
    assert axe_violations(page, axe_source) == []

    page.get_by_role("link", name=dup.reference).first.click()
    _fits(page)
    assert not _small_targets(page)
    assert axe_violations(page, axe_source) == []

    # assign to the team and a colleague
    page.get_by_label("Team", exact=True).select_option(label="Wijkteam Centrum")
    page.get_by_label("Medewerker").select_option(label="Anna Bakker")
    page.get_by_role("button", name="Toewijzen").click()
    assert "Wijkteam Centrum — Anna Bakker" in page.get_by_test_id("team").inner_text()

    # make it urgent
    page.get_by_role("combobox", name="Prioriteit", exact=True).select_option(
        label="Hoog")
    page.get_by_role("button", name="Prioriteit opslaan").click()
    assert page.get_by_test_id("priority").inner_text() == "Hoog"

    # merge it into the first report of the same portiek
    page.get_by_label("Dubbel van").select_option(value=main.reference)
    page.get_by_role("button", name="Samenvoegen").click()
    assert (page.get_by_test_id("status").inner_text()
            == "Samengevoegd met een andere melding")
    assert main.reference in page.get_by_test_id("merged-into").inner_text()

    # and reopen it: it was another situation after all
    page.get_by_label("Reden (intern, geen namen)").fill("Andere woning, andere bron")
    page.get_by_role("button", name="Heropenen").click()
    assert page.get_by_test_id("status").inner_text() == "In behandeling"
    history = page.get_by_test_id("history").inner_text()
    for step in ("Toegewezen aan Wijkteam Centrum, Anna Bakker", "Prioriteit: Hoog",
                 "Samengevoegd: dubbel van", "Heropend (was: Samengevoegd"):
        assert step in history, step
    assert "Andere woning, andere bron" in history
    _fits(page)

    # the work list, sorted by priority, shows it on top of my team's signals
    page.goto(f"{live_server.url}/meldingen/werkbak/")
    page.get_by_label("Toewijzing").select_option(label="Mijn team")
    page.get_by_label("Sorteren", exact=True).select_option(
        label="Prioriteit (hoog eerst)")
    page.get_by_role("button", name="Toon").click()
    first = page.locator("table.worklist tbody tr").first.inner_text()
    assert dup.reference in first and "Hoog" in first and "Anna Bakker" in first
    _fits(page)

    dup.refresh_from_db()
    assert (dup.status, dup.priority, dup.assigned_to, dup.merged_into) == (
        "in_behandeling", "high", colleague, None)
    assert list(dup.history.values_list("kind", flat=True)) == [
        StatusChange.STATUS, StatusChange.ASSIGN, StatusChange.PRIORITY,
        StatusChange.MERGE, StatusChange.REOPEN]
    assert Signal.objects.get(pk=main.pk).status == "in_behandeling"
