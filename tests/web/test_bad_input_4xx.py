"""An attacker's bad input gets a 4xx, never a 500 (the weekly-tool issue,
point 7): every case a tester found, sent as the tester sent it."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse
from tests.web.test_signals_fixtures import *  # noqa: F403 - fixtures
from tests.web.test_signals_fixtures import report_data

pytestmark = pytest.mark.django_db


def _api_report(client, **extra):
    body = {"category": "noise",
            "location": {"postcode": "9900 AA", "huisnummer": 3},
            "description": "Harde muziek.", **extra}
    return client.post("/api/signals/", json.dumps(body),
                       content_type="application/json")


def _reference(client) -> str:
    r = _api_report(client)
    assert r.status_code == 201, r.content
    return r.json()["reference"]


def test_non_ascii_follow_tokens_are_404_not_500(client, city):
    ref = _reference(client)
    assert client.get(f"/api/signals/{ref}/status?token=%C3%A9").status_code == 404
    assert client.get(f"/meldingen/volgen/{ref}/%C3%A9/").status_code == 404


def test_huge_offsets_and_limits_are_4xx(client, city, professional):
    _reference(client)
    client.force_login(professional)
    for q in ("offset=99999999999999999999", "offset=9223372036854775807",
              "limit=99999999999999999999", "offset=-1", "offset=abc"):
        r = client.get(f"/api/signals/?{q}")
        assert 400 <= r.status_code < 500, (q, r.status_code)


@pytest.mark.parametrize("value", [
    "9999-12-31T23:59:59Z", "0000-01-01T00:00:00Z", "2026-13-45T99:99:99Z",
    "gisteren", "2026-01-01T00:00:00+99:00", "%00",
])
def test_open311_dates_out_of_range_or_invalid_are_400(client, city, value):
    r = client.get("/open311/v2/requests.json", {"start_date": value})
    assert r.status_code == 400, (value, r.status_code)


def test_an_idempotency_key_reused_with_another_payload_is_refused(client, city):
    first = _api_report(client, idempotency_key="sleutel-1")
    assert first.status_code == 201
    same = _api_report(client, idempotency_key="sleutel-1")
    assert same.status_code == 200
    assert same.json()["reference"] == first.json()["reference"]
    other = _api_report(client, idempotency_key="sleutel-1",
                        description="Iets heel anders.")
    assert other.status_code == 409, other.content
    assert "sleutel" in other.json()["detail"].lower()


def test_a_very_long_email_is_a_form_error(client, city):
    data = report_data(contact_email="a" * 300 + "@example.org")
    r = client.post(reverse("signals:report"), data)
    assert r.status_code == 200  # the form again, with the error, text kept
    assert "Elke nacht harde muziek." in r.content.decode()
    api = _api_report(client, contact_email="a" * 300 + "@example.org")
    assert api.status_code in (400, 422)


def test_a_server_error_is_logged_with_its_traceback(client, city, monkeypatch,
                                                     caplog, settings):
    settings.DEBUG = False

    def broken(*args, **kwargs):
        raise RuntimeError("kapot in de test")

    monkeypatch.setattr("veerkracht.web.signals.views.render", broken)
    client.raise_request_exception = False
    with caplog.at_level("ERROR", logger="django.request"):
        r = client.get(reverse("signals:mine"))
    assert r.status_code == 500
    assert "Er ging iets mis" in r.content.decode()  # the Dutch page
    rec = [x for x in caplog.records if x.name == "django.request"]
    assert rec and rec[0].exc_info and "kapot in de test" in str(rec[0].exc_info[1])
    from django.conf import settings as live

    assert live.LOGGING["loggers"]["django.request"]["handlers"] == ["console"]


def test_an_expired_form_token_keeps_the_residents_text(city):
    """With CSRF checks on (as in production), a report sent with an expired
    token is not stored and comes back filled in, in Dutch, with a fresh
    token; sending that again stores it once."""
    from django.test import Client

    from veerkracht.web.signals.models import Signal

    browser = Client(enforce_csrf_checks=True)
    browser.get(reverse("signals:report"))  # a CSRF cookie, then it expires
    browser.cookies["csrftoken"] = "verlopen" * 4
    data = report_data(description="De buren schreeuwen elke nacht.")
    r = browser.post(reverse("signals:report"),
                     {**data, "csrfmiddlewaretoken": "oud-token"})
    body = r.content.decode()
    assert r.status_code == 403 and Signal.objects.count() == 0
    assert "De buren schreeuwen elke nacht." in body
    assert "Het formulier was verlopen" in body
    assert "CSRF verification failed" not in body
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    again = browser.post(reverse("signals:report"),
                         {**data, "csrfmiddlewaretoken": token,
                          "form_token": re.search(
                              r'name="form_token" value="([^"]+)"', body).group(1)})
    assert again.status_code == 302 and Signal.objects.count() == 1


def test_error_pages_are_dutch(client, city, settings):
    from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
    from django.test import RequestFactory

    from veerkracht.web.accounts import views

    req = RequestFactory().get("/iets/")
    req.user = type("Anon", (), {"is_authenticated": False})()
    for exc, status, title in ((SuspiciousOperation("x"), 400, "Ongeldig verzoek"),
                               (RequestDataTooBig("x"), 413, "Te groot")):
        r = views.bad_request(req, exc)
        assert r.status_code == status and title in r.content.decode()
        assert "Bad Request" not in r.content.decode()
    assert client.get("/bestaat/niet/").status_code == 404
    assert "Niet gevonden" in client.get("/bestaat/niet/").content.decode()
    # a report body over the upload limit: 413 with the Dutch page
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    r = client.post(reverse("signals:report"),
                    report_data(description="x" * 5000))
    assert r.status_code == 413 and "Te groot" in r.content.decode()


def test_the_report_form_says_call_112_for_acute_danger(client, city):
    body = client.get(reverse("signals:report")).content.decode()
    assert "Bel 112" in body and 'role="note"' in body


@pytest.fixture
def limits(settings):
    from django.core.cache import cache

    settings.VEERKRACHT_REPORT_LIMIT = 3
    settings.VEERKRACHT_LOGIN_LIMIT = 4
    cache.clear()
    yield settings
    cache.clear()


def test_anonymous_reports_are_rate_limited_per_address(client, city, limits,
                                                        professional):
    from veerkracht.web.signals.models import Signal

    for i in range(3):
        r = _api_report(client, idempotency_key=f"k{i}", description=f"melding {i}")
        assert r.status_code == 201
    api = _api_report(client, idempotency_key="k9", description="nog een")
    assert api.status_code == 429
    assert "te veel meldingen" in api.json()["detail"].lower()
    form = client.post(reverse("signals:report"),
                       report_data(description="Mijn tekst blijft staan."))
    assert form.status_code == 429
    assert "Mijn tekst blijft staan." in form.content.decode()  # nothing lost
    assert Signal.objects.count() == 3
    # a logged-in professional is not limited
    client.force_login(professional)
    assert _api_report(client, idempotency_key="pro-1").status_code == 201


def test_failed_logins_across_user_names_are_limited_per_address(client, city,
                                                                 limits):
    from django.contrib.auth.models import User

    User.objects.create_user("echt", password="een-lang-wachtwoord-42")
    for i in range(4):  # password spraying: every try another user name
        r = client.post("/inloggen/", {"username": f"gok{i}", "password": "Welkom01"})
        assert r.status_code == 200  # the form again
    r = client.post("/inloggen/", {"username": "echt",
                                   "password": "een-lang-wachtwoord-42"})
    assert r.status_code == 429 and "Te veel" in r.content.decode()
