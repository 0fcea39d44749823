"""Open311 GeoReport v2 at /open311/v2/."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from tests.web.test_signals_fixtures import *  # noqa: F403 - fixtures

from veerkracht.web.signals.geo import rd_to_wgs84
from veerkracht.web.signals.models import Open311Client, Signal
from veerkracht.web.signals.open311 import parse_address_string

pytestmark = pytest.mark.django_db
BASE = "/open311/v2/"
SPEC_REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}


@pytest.fixture
def key(db):
    return Open311Client.issue("BuitenBeter")[1]


def test_services_json_and_xml(client):
    rows = client.get(BASE + "services.json").json()
    assert [r["service_code"] for r in rows][:2] == ["noise", "neighbour_conflict"]
    assert set(rows[0]) == {
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    }
    assert rows[0]["type"] == "realtime" and rows[0]["metadata"] is False
    xml = client.get(BASE + "services.xml")
    assert xml["Content-Type"].startswith("text/xml")
    root = ET.fromstring(xml.content)
    assert root.tag == "services" and len(root.findall("service")) == 6


def test_post_with_address_string_then_get(client, city, key):
    r = client.post(
        BASE + "requests.json",
        {
            "api_key": key,
            "service_code": "neglect",
            "address_string": "Bosweg 1-2, 9900 AA Proefdorp",
            "description": "Kapotte lamp in portiek",
            "email": "x@example.org",
            "first_name": "Jan",
            "phone": "0612345678",
        },
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert set(body[0]) == {"service_request_id", "service_notice", "account_id",
                            "follow_token"}
    ref = body[0]["service_request_id"]
    s = Signal.objects.get(reference=ref)
    assert s.address_id == "9900AA-1-2" and s.channel == "open311"
    assert "Jan" not in str(s.__dict__) and "0612345678" not in str(s.__dict__)
    one = client.get(f"{BASE}requests/{ref}.json").json()
    assert len(one) == 1 and set(one[0]) == SPEC_REQUEST_FIELDS
    assert one[0]["status"] == "open" and one[0]["description"] is None
    assert one[0]["lat"] is None and "Bosweg" not in str(one[0])
    listed = client.get(
        BASE + "requests.json", {"service_code": "neglect", "status": "open"}
    ).json()
    assert [x["service_request_id"] for x in listed] == [ref]
    assert client.get(BASE + "requests.json", {"status": "closed"}).json() == []


def test_post_with_lat_long_is_projected_to_rd(client, city, key):
    lat, lon = rd_to_wgs84(233040.0, 582001.0)  # Bosweg in the test city
    r = client.post(
        BASE + "requests.json",
        {
            "api_key": key,
            "service_code": "noise",
            "lat": f"{lat:.7f}",
            "long": f"{lon:.7f}",
        },
    )
    assert r.status_code == 200, r.content
    s = Signal.objects.get()
    assert (
        s.location_kind == "point" and abs(s.x - 233040) < 1 and abs(s.y - 582001) < 1
    )
    assert s.buurtcode == "BU99990101"


def test_care_worry_is_never_listed(client, city, key):
    client.post(
        BASE + "requests.json",
        {
            "api_key": key,
            "service_code": "care_worry",
            "address_string": "Bosweg, Proefdorp",
        },
    )
    assert Signal.objects.count() == 1
    assert client.get(BASE + "requests.json").json() == []


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"service_code": "noise", "address_string": "Bosweg, Proefdorp"}, 403),
        ({"api_key": "fout", "service_code": "noise"}, 403),
        ({"api_key": "KEY", "address_string": "Bosweg, Proefdorp"}, 400),
        (
            {
                "api_key": "KEY",
                "service_code": "graffiti",
                "address_string": "Bosweg, Proefdorp",
            },
            404,
        ),
        ({"api_key": "KEY", "service_code": "noise"}, 400),  # no location
        ({"api_key": "KEY", "service_code": "noise", "lat": "52.1"}, 400),
        ({"api_key": "KEY", "service_code": "noise", "lat": "abc", "long": "5"}, 400),
        (
            {"api_key": "KEY", "service_code": "noise", "lat": "40.4", "long": "-3.7"},
            400,
        ),
        (
            {
                "api_key": "KEY",
                "service_code": "noise",
                "address_string": "Bosweg 999, 9900 AA Proefdorp",
            },
            400,
        ),
        (
            {
                "api_key": "KEY",
                "service_code": "noise",
                "address_string": "Bosweg, Proefdorp",
                "description": "x" * 4001,
            },
            400,
        ),
        (
            {
                "api_key": "KEY",
                "service_code": "noise",
                "address_string": "Bosweg, Proefdorp",
                "email": "geen",
            },
            400,
        ),
    ],
)
def test_errors_follow_the_spec(client, city, key, data, status):
    data = {k: (key if v == "KEY" else v) for k, v in data.items()}
    r = client.post(BASE + "requests.json", data)
    assert r.status_code == status, r.content
    body = r.json()
    assert isinstance(body, list) and set(body[0]) == {"code", "description"}
    assert body[0]["code"] == status and body[0]["description"]
    assert Signal.objects.count() == 0


def test_errors_in_xml_and_unknown_request(client):
    r = client.get(BASE + "requests/VK-2026-NIETBEST.xml")
    assert r.status_code == 404
    root = ET.fromstring(r.content)
    assert root.tag == "errors" and root.find("error/code").text == "404"


def test_date_filters(client, city, key):
    bad = client.get(BASE + "requests.json", {"start_date": "gisteren"})
    assert bad.status_code == 400
    span = client.get(
        BASE + "requests.json",
        {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
    )
    assert span.status_code == 400


def test_address_string_parsing():
    assert parse_address_string("Bosweg 12A, 9351AA Voorbeeldstad") == {
        "postcode": "9351AA",
        "huisnummer": "12",
        "toevoeging": "A",
    }
    assert parse_address_string("Bosweg 3, Voorbeeldstad") == {
        "straat": "Bosweg",
        "woonplaats": "Voorbeeldstad",
    }
