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


# --------------------------------------------------------------------------
# every visible string has its English translation, compiled


def _catalog() -> dict[str, str]:
    import gettext

    with open(LOCALE / "django.mo", "rb") as fh:
        return {k: v for k, v in gettext.GNUTranslations(fh)._catalog.items()
                if isinstance(k, str) and k}


def _extracted_msgids(tmp_path) -> set[str]:
    """The msgids Django's makemessages finds in the web package now.

    Run on a copy of the package (templates and Python, as the project
    extracts them), so a string added without a translation is found even
    when nobody ran makemessages.
    """
    import os
    import shutil

    from django.core.management import call_command

    src = REPO / "src/veerkracht/web"
    copy = tmp_path / "web"
    shutil.copytree(src, copy, ignore=shutil.ignore_patterns(
        "static", "__pycache__", "*.mo", "django.po"))
    cwd = os.getcwd()
    try:
        os.chdir(copy)
        call_command("makemessages", locale=["en"], verbosity=0)
    finally:
        os.chdir(cwd)
    text = (copy / "locale/en/LC_MESSAGES/django.po").read_text(encoding="utf-8")
    ids = set()
    for block in text.split("\n\n"):
        lines = block.split("\n")
        try:
            i = next(n for n, ln in enumerate(lines) if ln.startswith("msgid "))
            j = next(n for n, ln in enumerate(lines)
                     if ln.startswith(("msgstr ", "msgid_plural ")))
        except StopIteration:
            continue
        parts = [lines[i][6:], *lines[i + 1:j]]
        msgid = "".join(p[1:-1] for p in parts).replace('\\"', '"').replace(
            "\\n", "\n")
        if msgid:
            ids.add(msgid)
    return ids


def test_every_string_in_templates_and_python_has_a_compiled_translation(tmp_path):
    import shutil

    if shutil.which("xgettext") is None:
        pytest.fail("xgettext (Debian package gettext) is needed to check this")
    ids = _extracted_msgids(tmp_path)
    assert len(ids) > 150  # the extraction found the site's strings
    assert "Stabiliteit van de klasse" in ids and "model goedgekeurd" in ids
    catalog = _catalog()
    missing = sorted(m for m in ids if not catalog.get(m, "").strip())
    assert not missing, (f"{len(missing)} strings without a compiled English "
                         f"translation (translate_en.py, then compilemessages): "
                         f"{missing[:5]}")


def _visible_text(html: str) -> str:
    import re
    from html import unescape

    html = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _dutch_left(html: str, catalog: dict[str, str]) -> list[str]:
    """Dutch sentences of the catalog that a page in English still shows."""
    text = _visible_text(html)
    return sorted(m for m, en in catalog.items()
                  if len(m) >= 20 and "%" not in m and m != en and m in text)


@pytest.mark.django_db
def test_pages_in_english_show_no_dutch_sentence(client, users, place_ids):
    from veerkracht.web.audit.services import record

    catalog = _catalog()
    record("model_approval", actor="cli", level="setting", object_id="model:ab12")
    pages = {
        "resident": ["/meldingen/", "/meldingen/mijn/"],
        "frontline": ["/kaart/", f"/plaatsen/buurt/{place_ids['buurt1']}/",
                      "/meldingen/werkbak/", "/verhalen/", "/aandacht/"],
        "privacy": ["/privacy/", "/rollen/"],
    }
    for who, urls in pages.items():
        client.force_login(users[who])
        client.post("/i18n/setlang/", {"language": "en", "next": "/"})
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            html = response.content.decode()
            assert '<html lang="en">' in html, url
            left = _dutch_left(html, catalog)
            assert not left, (url, left[:5])
    client.force_login(users["privacy"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = _visible_text(client.get("/privacy/").content.decode())
    assert "model approved" in body and "Model files" in body
    client.force_login(users["frontline"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = _visible_text(client.get(
        f"/plaatsen/buurt/{place_ids['buurt1']}/").content.decode())
    assert "Stability of the class" in body and "Signals per quarter" in body


@pytest.mark.django_db
def test_the_residents_report_form_in_english(client, users):
    """The page a resident meets first: every label, hint and choice."""
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = _visible_text(client.get("/meldingen/").content.decode())
    for english in ("Make a report", "What is your report about?",
                    "Call 112", "Noise nuisance", "Where is it?", "House number",
                    "Explanation (optional)", "Send report"):
        assert english in body, english
    for dutch in ("Melding doen", "Geluidsoverlast", "Huisnummer", "Bel 112"):
        assert dutch not in body, dutch
