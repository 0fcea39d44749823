"""Every role finds its work from the menu, and the profile shows what is
beside the figures: stories, interventions and the web's own signals."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from tests.web.test_signals_fixtures import report_data

from veerkracht.web.stories import services as stories

pytestmark = pytest.mark.django_db

_MENU = re.compile(r'<nav aria-label="Hoofdmenu">(.*?)</nav>', re.S)
_LINK = re.compile(r'<a href="([^"]+)"[^>]*>([^<]+)</a>')


def _menu(html: str) -> list[tuple[str, str]]:
    nav = _MENU.search(html)
    assert nav, "no main menu on the page"
    return _LINK.findall(nav.group(1))


@pytest.mark.parametrize("role, landing, labels", [
    ("resident", "/meldingen/", ["Melden", "Mijn meldingen"]),
    ("frontline", "/kaart/", ["Kaart", "Aandacht deze week", "Werkbak", "Verhalen",
                              "Wat werkt"]),
    ("corporation", "/kaart/", ["Kaart", "Aandacht deze week",
                                "Wat doet één plaatsing?", "Jaarplan", "Scenario",
                                "Werkbak", "Verhalen", "Wat werkt"]),
    ("policy", "/kaart/", ["Kaart", "Wat doet één plaatsing?", "Jaarplan",
                           "Scenario", "Wat werkt"]),
    ("privacy", "/privacy/", ["Auditspoor en drempels", "Verhalen delen",
                              "Rolaanvragen"]),
])
def test_each_role_lands_on_its_work_and_every_menu_link_opens(
        client, users, role, landing, labels):
    client.force_login(users[role])
    home = client.get("/")
    assert home.status_code == 302 and home["Location"].startswith(landing)
    page = client.get(home["Location"], follow=True)
    assert page.status_code == 200
    menu = _menu(page.content.decode())
    assert [label for _, label in menu] == labels
    for url, label in menu:  # no dead ends: every entry opens for this role
        assert client.get(url, follow=True).status_code == 200, (role, label, url)
    assert "nog geen rol" not in page.content.decode()


def test_the_administrator_lands_in_the_admin(client, users):
    admin = users["administrator"]
    admin.is_staff = True  # as the demo and the admin give it
    admin.save()
    client.force_login(admin)
    home = client.get("/")
    assert home.status_code == 302 and home["Location"] == "/beheer/"
    assert client.get("/beheer/").status_code == 200
    # the site's own pages show the administrator only that entry
    page = client.get(reverse("signals:report")).content.decode()
    assert [label for _, label in _menu(page)] == ["Beheer"]


def test_anonymous_visitors_find_the_report_form(client, city):
    page = client.get(reverse("signals:report"))
    assert page.status_code == 200
    assert [label for _, label in _menu(page.content.decode())] == [
        "Melden", "Mijn meldingen"]
    # the current page is marked for screen readers
    assert 'aria-current="page">Melden<' in page.content.decode()


def test_profile_shows_stories_interventions_and_web_signals(
        client, users, place_ids):
    buurt = place_ids["buurt1"]
    stories.write_story(users["frontline"], level="buurt", place_id=buurt,
                        title="Bankje weg", body="Het bankje bij de speeltuin is weg.")
    stories.register_intervention(users["frontline"], level="buurt", place_ids=[buurt],
                                  domain="shared_spaces", title="Portiekgesprekken",
                                  start=dt.date(2026, 1, 1))
    stories.register_intervention(users["frontline"], level="buurt", place_ids=[buurt],
                                  domain="professionals", title="Buurtconciërge",
                                  start=dt.date(2026, 3, 1), intensity="intensive")
    # a resident files a signal through the web in this buurt (9900 AA 3)
    assert client.post(reverse("signals:report"), report_data()).status_code == 302
    client.logout()

    client.force_login(users["frontline"])
    body = client.get(f"/plaatsen/buurt/{buurt}/").content.decode()
    assert "Bankje weg" in body and "Portiekgesprekken" in body
    # two interventions at one place: each says it is a combination
    assert "samen met Buurtconciërge (een combinatie)" in body
    assert "samen met Portiekgesprekken (een combinatie)" in body
    assert f"/verhalen/nieuw/?level=buurt&amp;place={buurt}" in body
    assert f"/verhalen/interventie/?level=buurt&amp;place={buurt}" in body
    assert "Meldingen via Veerkracht in uw gebied" in body
    assert "Gemeld: 1, waarvan nog open: 1." in body

    # the policy adviser sees the stories but not the live signals (they do
    # not handle signals), and may not add a story
    client.force_login(users["policy"])
    body = client.get(f"/plaatsen/buurt/{buurt}/").content.decode()
    assert "Bankje weg" in body
    assert "Meldingen via Veerkracht" not in body
    assert "/verhalen/nieuw/" not in body


def test_a_story_written_from_the_profile_returns_there(client, users, place_ids):
    buurt = place_ids["buurt1"]
    client.force_login(users["frontline"])
    form = client.get(f"/verhalen/nieuw/?level=buurt&place={buurt}")
    assert form.status_code == 200 and f'value="{buurt}"' in form.content.decode()
    done = client.post(reverse("stories:new"), {
        "level": "buurt", "place_id": buurt, "kind": "observation",
        "title": "Trap schoon", "body": "De trap is geveegd.",
        "observed_on": "2026-11-01"})
    assert done.status_code == 302 and done["Location"] == f"/plaatsen/buurt/{buurt}/"


def test_stories_api_is_scoped_and_audited(client, users, place_ids):
    from veerkracht.web.audit.models import AuditEntry

    buurt, other = place_ids["buurt1"], place_ids["buurt2"]
    stories.write_story(users["frontline"], level="buurt", place_id=buurt,
                        title="Stil geworden", body="Niemand groet meer.")
    url = f"/api/stories/buurt/{buurt}"
    assert client.get(url).status_code == 401
    client.force_login(users["frontline"])
    got = client.get(url).json()
    assert [s["title"] for s in got["stories"]] == ["Stil geworden"]
    assert got["interventions"] == []
    # outside the user's areas, or an unknown level: the same 404
    assert client.get(f"/api/stories/buurt/{other}").status_code == 404
    assert client.get("/api/stories/planeet/x").status_code == 404
    rows = AuditEntry.objects.filter(purpose="api", object_level="buurt")
    assert {(r.object_id, r.result) for r in rows} >= {(buurt, "ok"),
                                                       (other, "refused")}
