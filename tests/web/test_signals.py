"""Signals: intake, routing, workflow, duplicates, e-mail, retention, sync, privacy."""

from __future__ import annotations

import doctest
import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from freezegun import freeze_time
from tests.web.cityfixture import BUURTEN, WIJK
from tests.web.test_signals_fixtures import *  # noqa: F403 - fixtures
from tests.web.test_signals_fixtures import report_data

from veerkracht.web.signals import routing, services, workflow
from veerkracht.web.signals.locations import LocationError
from veerkracht.web.signals.models import RoutingRule, Signal, StatusChange, Team

pytestmark = pytest.mark.django_db


def _create(category="noise", **loc):
    loc = loc or {"postcode": "9900AA", "huisnummer": 3}
    location = services.resolve_location(**loc)
    return services.create_signal(
        category=category,
        location=location,
        description="vrije tekst",
        contact_email="a@b.nl",
    ).signal


# -- pure parts ------------------------------------------------------------------
def test_pure_module_doctests():
    from django.utils import translation

    # the examples show the Dutch labels; an earlier test in this process may
    # have left another language active
    with translation.override("nl"):
        for module in (workflow, routing):
            result = doctest.testmod(module)
            assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize(
    ("src", "dst", "ok"),
    [
        ("new", "in_behandeling", True),
        ("new", "geannuleerd", True),
        ("new", "afgehandeld", False),
        ("in_behandeling", "doorgezet", True),
        ("doorgezet", "in_behandeling", True),
        ("afgehandeld", "in_behandeling", False),
        ("geannuleerd", "new", False),
        ("new", "bestaat_niet", False),
    ],
)
def test_workflow_transitions(src, dst, ok):
    if ok:
        assert workflow.check_transition(src, dst).to_status == dst
    else:
        with pytest.raises(workflow.InvalidTransition):
            workflow.check_transition(src, dst)


# -- locations ---------------------------------------------------------------------
def test_address_lookup_with_suffix_and_errors(city):
    loc = services.resolve_location(postcode="9900aa", huisnummer="1", toevoeging="2")
    assert loc.address_id == "9900AA-1-2"
    assert loc.entrance_id and loc.buurtcode == BUURTEN[0] and loc.wijkcode == WIJK
    with pytest.raises(LocationError, match="bestaat niet"):
        services.resolve_location(postcode="9900AA", huisnummer=999)
    with pytest.raises(LocationError, match="toevoeging"):
        services.resolve_location(postcode="9900AA", huisnummer=1)  # a portiek
    with pytest.raises(LocationError, match="Geef aan waar"):
        services.resolve_location()
    street = services.resolve_location(straat="bosweg", woonplaats="PROEFDORP")
    assert street.kind == "street" and street.address_id is None
    assert street.buurtcode == BUURTEN[0]
    with pytest.raises(LocationError, match="niet gevonden"):
        services.resolve_location(straat="Nergensstraat", woonplaats="Proefdorp")


# -- routing -----------------------------------------------------------------------
def test_routing_picks_most_specific_rule_and_default(city):
    wijkteam = Team.objects.create(name="Wijkteam Centrum")
    zorg = Team.objects.create(name="Zorgteam")
    buurtteam = Team.objects.create(name="Buurtteam Bosrijk")
    RoutingRule.objects.create(team=wijkteam, area_code=WIJK)
    RoutingRule.objects.create(team=zorg, area_code=WIJK, category="care_worry")
    RoutingRule.objects.create(team=buurtteam, area_code=BUURTEN[0], category="neglect")
    assert _create("noise").team == wijkteam
    assert _create("care_worry").team == zorg
    assert _create("neglect").team == buurtteam
    RoutingRule.objects.all().update(active=False)
    signal = _create("noise")
    assert signal.team == services.default_team() and signal.team.is_default
    assert signal.routing_rule is None


def test_routing_rule_validates_area_code():
    from django.core.exceptions import ValidationError

    rule = RoutingRule(team=Team(name="x"), area_code="wijk 1")
    with pytest.raises(ValidationError):
        rule.clean()


# -- workflow through the one service ------------------------------------------------
def test_transition_appends_history_and_mails_reporter(
    city, professional, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        signal = _create()
    assert [m.subject for m in mail.outbox] == [
        f"Uw melding {signal.reference} is ontvangen"
    ]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.transition(signal, "in_behandeling", user=professional, note="gebeld")
        services.transition(signal, "afgehandeld", user=professional)
    signal.refresh_from_db()
    assert signal.status == "afgehandeld" and signal.closed_at is not None
    rows = list(signal.history.values_list("from_status", "to_status", "actor_role"))
    assert rows == [
        ("", "new", "resident"),
        ("new", "in_behandeling", "frontline"),
        ("in_behandeling", "afgehandeld", "frontline"),
    ]
    assert all(h.actor.startswith("user:") for h in signal.history.all()[1:])
    assert len(mail.outbox) == 2
    assert "Afgehandeld" in mail.outbox[-1].subject
    assert signal.follow_token in mail.outbox[-1].body
    assert "vrije tekst" not in mail.outbox[-1].body


def test_invalid_and_stale_transitions_are_refused(city, professional):
    signal = _create()
    with pytest.raises(services.InvalidTransition):
        services.transition(signal, "afgehandeld", user=professional)
    services.transition(signal, "in_behandeling", user=professional)
    with pytest.raises(services.StaleSignal, match="intussen gewijzigd"):
        services.transition(
            signal, "geannuleerd", user=professional, expected_status="new"
        )
    assert signal.history.count() == 2


def test_history_is_append_only(city):
    signal = _create()
    row = signal.history.get()
    row.note = "gewijzigd"
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()
    with pytest.raises(PermissionError):
        StatusChange.objects.all().delete()


# -- duplicates ---------------------------------------------------------------------
def test_nearby_duplicates(city):
    first = _create("noise", postcode="9900AA", huisnummer=1, toevoeging="1")
    near = services.nearby_open_signals("noise", first.x + 20, first.y)
    assert near == [first]
    assert services.nearby_open_signals("noise", first.x + 500, first.y) == []
    assert services.nearby_open_signals("neglect", first.x, first.y) == []
    # same entrance counts even when far (the entrance is what matters)
    assert services.nearby_open_signals(
        "noise", 0, 0, entrance_id=first.entrance_id, metres=1
    ) == [first]
    with freeze_time(first.created_at + timedelta(days=30)):
        assert services.nearby_open_signals("noise", first.x, first.y, days=14) == []


# -- the resident's pages --------------------------------------------------------------
def test_resident_reports_and_follows_without_account(
    client, city, professional, django_capture_on_commit_callbacks
):
    page = client.get(reverse("signals:report"))
    assert page.status_code == 200 and "form_token" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("signals:report"), report_data(form_token="t1"))
    assert r.status_code == 302
    signal = Signal.objects.get()
    assert signal.source == "resident" and signal.reported_by == ""
    assert r.url == reverse("signals:received", args=[signal.reference])
    thanks = client.get(r.url).content.decode()
    assert signal.reference in thanks
    follow = reverse("signals:follow", args=[signal.reference, signal.follow_token])
    assert follow in thanks
    services.transition(signal, "in_behandeling", user=professional)
    body = client.get(follow).content.decode()
    assert "In behandeling" in body and "Elke nacht" not in body
    # a wrong token or someone else's session sees nothing
    assert (
        client.get(
            reverse("signals:follow", args=[signal.reference, "x" * 32])
        ).status_code
        == 404
    )
    from django.test import Client

    assert Client().get(r.url).status_code == 404


def test_form_posted_twice_makes_one_signal(client, city):
    data = report_data(form_token="dubbel")
    first = client.post(reverse("signals:report"), data)
    second = client.post(reverse("signals:report"), data)
    assert Signal.objects.count() == 1
    assert second.status_code == 302 and second.url == first.url


@pytest.mark.parametrize(
    ("overrides", "field_text"),
    [
        ({"huisnummer": "999"}, "bestaat niet in de adressenlijst"),
        ({"postcode": "", "huisnummer": ""}, "Geef aan waar het is"),
        ({"postcode": "12"}, "geldige postcode"),
        ({"category": "graffiti"}, "Kies een van de onderwerpen"),
        ({"description": "x" * 4001}, "te lang"),
        ({"contact_email": "geen-mail"}, "geen geldig e-mailadres"),
        (
            {"where": "street", "straat": "Nergensweg", "woonplaats": "Proefdorp"},
            "niet gevonden",
        ),
    ],
)
def test_bad_input_is_a_clear_form_error_and_nothing_is_lost(
    client, city, overrides, field_text
):
    data = report_data(**overrides)
    r = client.post(reverse("signals:report"), data)
    assert r.status_code == 200
    html = r.content.decode()
    assert field_text in html
    assert Signal.objects.count() == 0
    if data["description"] and len(data["description"]) < 100:
        assert data["description"] in html  # what was typed comes back


def test_duplicate_suggestion_then_confirm(client, city, professional):
    """Only the area's professional is told of a similar report; a resident never."""
    _create("noise", postcode="9900AA", huisnummer=3)
    r = client.post(reverse("signals:report"), report_data(form_token="d0"))
    assert r.status_code == 302 and Signal.objects.count() == 2  # resident: no hint
    client.force_login(professional)
    r = client.post(reverse("signals:report"),
                    report_data(form_token="d1", source="welfare"))
    assert r.status_code == 200 and "vergelijkbare melding" in r.content.decode()
    assert Signal.objects.count() == 2
    r = client.post(
        reverse("signals:report"),
        report_data(form_token="d1", source="welfare", confirm_duplicate="True"),
    )
    assert r.status_code == 302 and Signal.objects.count() == 3


def test_street_report(client, city):
    r = client.post(
        reverse("signals:report"),
        report_data(
            form_token="s1",
            where="street",
            straat="Havenkade",
            woonplaats="Proefdorp",
            postcode="",
            huisnummer="",
        ),
    )
    assert r.status_code == 302
    s = Signal.objects.get()
    assert (
        s.location_kind == "street" and s.address_id == "" and s.buurtcode == BUURTEN[1]
    )


# -- professionals ------------------------------------------------------------------
def test_professional_reports_with_source_and_sees_only_their_area(
    client, city, professional, outsider
):
    client.force_login(professional)
    r = client.post(
        reverse("signals:report"), report_data(form_token="p1", source="police")
    )
    assert r.status_code == 302
    s = Signal.objects.get()
    assert s.source == "police" and s.reported_by.startswith("user:")
    assert s.reported_by_role == "frontline"
    page = client.get(reverse("signals:worklist"))
    assert s.reference in page.content.decode()
    client.logout()
    client.force_login(outsider)
    assert s.reference not in client.get(reverse("signals:worklist")).content.decode()
    assert client.get(reverse("signals:detail", args=[s.reference])).status_code == 403


def test_professional_transitions_and_stale_page(client, city, professional):
    s = _create()
    client.force_login(professional)
    url = reverse("signals:detail", args=[s.reference])
    assert "vrije tekst" in client.get(url).content.decode()
    r = client.post(
        url,
        {"to_status": "in_behandeling", "expected_status": "new", "note": "opgepakt"},
    )
    assert r.status_code == 302
    s.refresh_from_db()
    assert s.status == "in_behandeling"
    # the same (now stale) page posted again: refused with a message, note kept
    r = client.post(
        url,
        {"to_status": "geannuleerd", "expected_status": "new", "note": "mijn notitie"},
        follow=True,
    )
    html = r.content.decode()
    assert "intussen gewijzigd" in html and "mijn notitie" in html
    s.refresh_from_db()
    assert s.status == "in_behandeling"


def test_residents_cannot_open_the_worklist(client, city):
    r = client.get(reverse("signals:worklist"))
    assert r.status_code == 302  # to the login page


# -- retention ------------------------------------------------------------------------
def test_retention_anonymises_after_the_term(city, professional, settings):
    settings.VEERKRACHT_SIGNALS_RETENTION_DAYS = 90
    with freeze_time("2026-01-01 10:00"):
        s = _create()
        services.transition(s, "in_behandeling", user=professional, note="buurman Jan")
        services.transition(s, "afgehandeld", user=professional)
        other = _create("neglect")  # still open: never anonymised
    with freeze_time("2026-03-31 10:00"):
        assert services.anonymise_expired() == 0
    with freeze_time("2026-04-02 10:00"):
        from django.core.management import call_command

        call_command("anonymise_signals")
    s.refresh_from_db()
    other.refresh_from_db()
    assert s.description == "" and s.contact_email == "" and s.anonymised_at
    assert "Jan" not in " ".join(s.history.values_list("note", flat=True))
    assert other.description == "vrije tekst" and other.contact_email
    assert services.anonymise_expired() == 0  # idempotent


# -- analytics side ---------------------------------------------------------
def test_sync_appends_handled_signals_without_text(city, professional):
    from veerkracht.store import open_workspace

    ws = open_workspace(city)
    before = len(ws.read("signals"))
    handled = _create()
    _create("neglect")  # still new: waits
    cancelled = _create("unsafety")
    services.transition(handled, "in_behandeling", user=professional)
    services.transition(cancelled, "geannuleerd", user=professional)
    assert services.sync_to_workspace(ws) == 1
    assert services.sync_to_workspace(ws) == 0  # idempotent
    table = ws.read("signals")
    assert len(table) == before + 1
    row = table[table["signal_id"] == handled.reference].iloc[0]
    assert row["category"] == "noise" and row["address_id"] == handled.address_id
    assert set(table.columns) == {
        "signal_id",
        "reported_at",
        "category",
        "source",
        "address_id",
        "synthetic",
        "geometry",
    }
    assert table.crs.to_epsg() == 28992


# -- privacy ----------------------------------------------------------------
def test_no_address_or_text_in_logs_or_audit(
    client, city, professional, caplog, django_capture_on_commit_callbacks
):
    from veerkracht.web.audit.models import AuditEntry

    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("signals:report"), report_data(form_token="priv"))
    s = Signal.objects.get()
    services.transition(s, "in_behandeling", user=professional, note="geheime notitie")
    rows = list(AuditEntry.objects.values_list("action", "object_id", "purpose"))
    assert ("signal_create", s.reference, "web") in rows
    assert any(r[0] == "signal_transition" and r[1] == s.reference for r in rows)
    text = repr(rows) + caplog.text
    for secret in (
        "9900AA",
        "Bosweg",
        "Elke nacht",
        "melder@example.org",
        "geheime notitie",
    ):
        assert secret not in text


def test_open_signal_page_offers_no_upload(client, city):
    html = client.get(reverse("signals:report")).content.decode()
    assert 'type="file"' not in html and "Foto" in html
