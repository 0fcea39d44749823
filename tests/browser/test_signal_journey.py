"""The resident's journey on a phone: report → reference → follow page → status."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "veerkracht.web.conf.ci")
# Playwright's sync API runs an event loop in this thread; the ORM calls in
# the test itself are ordinary synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from tests.web.test_signals_fixtures import *  # noqa: E402,F403 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.slow]



@pytest.fixture
def phone(chromium):
    """A phone-sized page in the session's one Chromium (tests/browser/conftest.py).

    Playwright's sync API allows one instance per thread, so every browser
    test shares the session browser and opens its own context.
    """
    context = chromium.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        locale="nl-NL",
    )
    page = context.new_page()
    yield page
    context.close()


def test_resident_reports_and_follows_on_a_phone(
    phone, live_server, city, professional
):
    from veerkracht.web.signals import services
    from veerkracht.web.signals.models import Signal

    page = phone
    page.goto(f"{live_server.url}/meldingen/")
    # fits the phone: no sideways scrolling
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_label("Geluidsoverlast").check()
    page.get_by_label("Postcode").fill("9900 ab")  # a postcode without this number
    page.get_by_label("Huisnummer").fill("3")
    page.get_by_label("Toelichting (optioneel)").fill("Elke nacht harde muziek")
    page.get_by_role("button", name="Melding versturen").click()
    # a clear error, and nothing typed is lost
    assert page.get_by_role("alert").first.is_visible()
    assert "bestaat niet" in page.content()
    assert page.get_by_label("Toelichting (optioneel)").input_value() == (
        "Elke nacht harde muziek"
    )
    page.get_by_label("Postcode").fill("9900 AA")
    page.get_by_role("button", name="Melding versturen").click()
    reference = page.get_by_test_id("reference").inner_text()
    assert reference.startswith("VK-")
    page.get_by_test_id("follow-link").click()
    assert page.get_by_test_id("status").inner_text() == "Nieuw"

    signal = Signal.objects.get(reference=reference)
    services.transition(signal, "in_behandeling", user=professional)
    page.reload()
    assert page.get_by_test_id("status").inner_text() == "In behandeling"
    assert "Elke nacht" not in page.content()  # the follow page shows no text
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
