"""REST API for signals: create, status, list, transition; RFC 7807 on bad input."""

from __future__ import annotations

import json

import pytest
from tests.web.test_signals_fixtures import *  # noqa: F403 - fixtures

from veerkracht.web.signals.models import Signal

pytestmark = pytest.mark.django_db
URL = "/api/signals/"


def post(client, body, **extra):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(URL, data, content_type="application/json", **extra)


GOOD = {
    "category": "noise",
    "location": {"postcode": "9900AA", "huisnummer": 3},
    "description": "muziek",
    "contact_email": "a@b.nl",
}


def test_create_status_list_transition(client, city, professional):
    r = post(client, GOOD)
    assert r.status_code == 201, r.content
    body = r.json()
    ref, token = body["reference"], body["follow_token"]
    assert ref.startswith("VK-") and body["status"] == "new"
    st = client.get(f"{URL}{ref}/status", {"token": token})
    assert st.status_code == 200 and st.json()["status_label"] == "Nieuw"
    assert "muziek" not in st.content.decode()
    assert client.get(f"{URL}{ref}/status", {"token": "fout"}).status_code == 404
    # professionals only
    assert client.get(URL).status_code == 401
    client.force_login(professional)
    listed = client.get(URL, {"status": "open"}).json()
    assert [s["reference"] for s in listed] == [ref]
    t = client.post(
        f"{URL}{ref}/transition",
        json.dumps({"to_status": "in_behandeling", "expected_status": "new"}),
        content_type="application/json",
    )
    assert t.status_code == 200 and t.json()["status"] == "in_behandeling"
    bad = client.post(
        f"{URL}{ref}/transition",
        json.dumps({"to_status": "new"}),
        content_type="application/json",
    )
    assert bad.status_code == 409
    assert bad["Content-Type"] == "application/problem+json"
    assert client.get(f"{URL}{ref}/status", {"token": token}).json()["status"] == (
        "in_behandeling"
    )


def test_idempotency_key(client, city):
    body = {**GOOD, "idempotency_key": "abc-1"}
    assert post(client, body).status_code == 201
    again = post(client, body)
    assert again.status_code == 200 and again.json()["created"] is False
    assert Signal.objects.count() == 1


def test_area_scoping_in_the_api(client, city, outsider):
    ref = post(client, GOOD).json()["reference"]
    client.force_login(outsider)
    assert client.get(URL).json() == []
    r = client.get(f"{URL}{ref}")
    assert r.status_code == 403 and r["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({**GOOD, "category": "graffiti"}, 422),
        ({**GOOD, "location": {"postcode": "9900AA", "huisnummer": "drie"}}, 422),
        ({"category": "noise", "location": {}}, 400),
        ({"category": "noise"}, 422),
        ({**GOOD, "location": {"postcode": "9900AA", "huisnummer": 999}}, 400),
        ({**GOOD, "description": "x" * 4001}, 422),
        ({**GOOD, "contact_email": "geen-mail"}, 400),
        ({**GOOD, "location": {"lat": 40.0, "long": -3.7}}, 400),  # Madrid
        ({**GOOD, "location": {"lat": 53.2}}, 400),
        ({**GOOD, "source": "police"}, 400),  # only professionals choose a source
        ("{niet: json", 400),
        ([1, 2, 3], 422),
    ],
)
def test_malformed_requests_are_problems_not_5xx(client, city, body, status):
    r = post(client, body)
    assert r.status_code == status, r.content
    assert r["Content-Type"] == "application/problem+json"
    assert r.json()["status"] == status and r.json()["title"]
    assert Signal.objects.count() == 0


def test_oversized_payload(client, city):
    r = post(client, {**GOOD, "padding": "x" * 100_000})
    assert r.status_code == 413
    assert r["Content-Type"] == "application/problem+json"
    assert Signal.objects.count() == 0


def test_openapi_describes_the_signals_endpoints(client):
    spec = client.get("/api/openapi.json").json()
    paths = spec["paths"]
    assert "/api/signals/" in paths and "post" in paths["/api/signals/"]
    assert "/api/signals/{reference}/transition" in paths
    assert "/api/signals/{reference}/status" in paths


def test_csrf_only_for_session_users(city, professional):
    from django.test import Client

    anonymous = Client(enforce_csrf_checks=True)
    r = post(anonymous, GOOD)
    assert r.status_code == 201  # no cookie auth, so no CSRF token needed
    ref = r.json()["reference"]
    pro = Client(enforce_csrf_checks=True)
    pro.force_login(professional)
    t = pro.post(
        f"{URL}{ref}/transition",
        json.dumps({"to_status": "in_behandeling"}),
        content_type="application/json",
    )
    assert t.status_code == 403 and Signal.objects.get().status == "new"
