"""Browser tests: Django settings for the live server, Chromium, axe-core.

Set here (not globally) so the pure-core tests stay Django-free.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "veerkracht.web.conf.ci")
# Playwright's sync API runs an event loop in this thread; the ORM calls in
# the tests are ordinary synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

# The live server answers the browser from several threads at once (the map
# asks for its layers in parallel). On SQLite's default in-memory test database
# Django hands all those threads one shared connection, and two requests then
# trip over each other's transaction ("cannot start a transaction within a
# transaction"). A test database in a file gives every thread a connection of
# its own, as in production; SQLite's lock and the audit's retry do the rest.
# Only when a browser test is selected: this conftest is imported by every
# run that collects the folder (the fast suite too), and the rest of the
# suite runs on the in-memory database it was written for.


def pytest_collection_finish(session):
    browser = Path(__file__).resolve().parent
    if not any(Path(str(item.fspath)).resolve().is_relative_to(browser)
               for item in session.items):
        return
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = str(
            Path(tempfile.mkdtemp(prefix="vk-browser-db-")) / "test.sqlite3"
        )

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
LEAFLET = REPO / "src/veerkracht/web/static/vendor/leaflet/leaflet.js"
ON_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _missing(what: str) -> None:
    if ON_CI:
        pytest.fail(f"{what} is missing on CI")
    pytest.skip(f"{what} is not available here")


@pytest.fixture(scope="session")
def chromium():
    """A headless Debian Chromium (no downloaded browser, no network)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        _missing(CHROMIUM)
    if not LEAFLET.exists():
        _missing("Leaflet in static/vendor (run scripts/setup.sh)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900},
                                   locale="nl-NL", accept_downloads=True)
    page = context.new_page()
    # nothing may leave the machine: any request outside the live server fails
    page.route("**/*", lambda route: route.continue_()
               if route.request.url.startswith(("http://localhost", "http://127.0.0.1"))
               else route.abort())
    yield page
    context.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        _missing("axe-core in node_modules (run npm ci)")
    return AXE.read_text(encoding="utf-8")


def axe_violations(page, axe_source: str) -> list[dict]:
    """Serious and critical WCAG 2.1 A/AA violations on the current page."""
    page.add_script_tag(content=axe_source)
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag',
             values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""
    )
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"] if v["impact"] in ("serious", "critical")
    ]


from tests.web.fixtures import *  # noqa: E402,F401,F403
