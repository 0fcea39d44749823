"""Dutch by default, English on request."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LOCALE = REPO / "src/veerkracht/web/locale/en/LC_MESSAGES"


@pytest.mark.django_db
def test_dutch_by_default_english_on_switch(client, users):
    client.force_login(users["frontline"])
    body = client.get("/kaart/").content.decode()
    assert '<html lang="nl">' in body and "Kaart van uw gebieden" in body
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/kaart/"})
    assert response.status_code == 302
    body = client.get("/kaart/").content.decode()
    assert '<html lang="en">' in body and "Map of your areas" in body


def test_every_message_is_translated():
    text = (LOCALE / "django.po").read_text(encoding="utf-8")
    blocks = [b for b in text.split("\n\n") if "msgid" in b][1:]
    untranslated = [b for b in blocks if b.rstrip().endswith('msgstr ""')]
    assert not untranslated, untranslated[:3]
    assert "#, fuzzy" not in text
    assert (LOCALE / "django.mo").stat().st_size > 1000


@pytest.mark.django_db
def test_an_english_browser_still_gets_dutch_until_it_switches(client):
    body = client.get("/inloggen/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content
    assert b"Gebruikersnaam" in body
    client.post("/i18n/setlang/", {"language": "en", "next": "/inloggen/"})
    assert b"Username" in client.get("/inloggen/").content
