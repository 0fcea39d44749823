"""Signals as an attacker would probe them: a worry about a neighbour never leaks.

Someone with no account (or a resident, or a professional of another area)
knows a neighbour's address and wants to learn whether it had a report, of
which kind and when. They try the report form (the duplicate step), Open311
GET (list, ``service_request_id``, by id, JSON and XML), the REST status and
the follow page. Only the reporter (the follow token) and the responsible
team may see a ``care_worry`` signal; nobody else sees an address, a buurt or
a description of other people's reports.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from tests.web.cityfixture import BUURTEN
from tests.web.test_signals_fixtures import *  # noqa: F403 - fixtures
from tests.web.test_signals_fixtures import make_professional, report_data

from veerkracht.web.signals import services
from veerkracht.web.signals.models import Open311Client, Signal

pytestmark = pytest.mark.django_db
BASE = "/open311/v2/"
NEIGHBOUR = {"postcode": "9900AA", "huisnummer": 3}
DESCRIPTION = "Mevrouw Visser doet al dagen niet open"


def _neighbour_worry(days_ago: int = 2) -> Signal:
    """The neighbour's report the attacker is after (made by someone else)."""
    location = services.resolve_location(**NEIGHBOUR)
    signal = services.create_signal(
        category="care_worry",
        location=location,
        description=DESCRIPTION,
        contact_email="buur@example.org",
    ).signal
    Signal.objects.filter(pk=signal.pk).update(
        created_at=timezone.now() - timedelta(days=days_ago)
    )
    signal.refresh_from_db()
    return signal


def _traces(signal: Signal) -> list[str]:
    """What would give the neighbour's report away on a page."""
    local = timezone.localtime(signal.created_at)
    return [
        signal.reference,
        DESCRIPTION,
        "Visser",
        f"{local.day} {local.strftime('%B')}".lower(),
        local.strftime("%Y-%m-%d"),
        "vergelijkbare melding",
    ]


def _clean(body: str, signal: Signal) -> bool:
    # an error may echo the reference the prober typed in; that tells nothing
    echo = f"'{signal.reference}' bestaat niet"
    text = body.replace(echo, "").replace(f"&#x27;{signal.reference}&#x27;", "").lower()
    return not any(t.lower() in text for t in _traces(signal))


@pytest.mark.parametrize("category", ["care_worry", "noise", "neglect"])
def test_report_form_reveals_nothing_to_an_anonymous_prober(client, city, category):
    worry = _neighbour_worry()
    assert _clean(client.get(reverse("signals:report")).content.decode(), worry)
    data = report_data(form_token=f"probe-{category}", category=category,
                       postcode="9900 AA", huisnummer="3", description="",
                       contact_email="")
    r = client.post(reverse("signals:report"), data)
    # straight to the confirmation: no duplicate step that would say "there is one"
    assert r.status_code == 302
    assert _clean(client.get(r.url).content.decode(), worry)
    mine = client.get(reverse("signals:mine")).content.decode()
    assert _clean(mine, worry)


def test_report_form_reveals_nothing_to_a_logged_in_resident(client, city, make_user):
    worry = _neighbour_worry()
    client.force_login(make_user("resident"))
    r = client.post(reverse("signals:report"),
                    report_data(form_token="res", category="care_worry"))
    assert r.status_code == 302
    assert _clean(client.get(r.url).content.decode(), worry)


def test_a_professional_of_another_area_gets_no_suggestion(client, city, outsider):
    worry = _neighbour_worry()
    client.force_login(outsider)
    r = client.post(reverse("signals:report"),
                    report_data(form_token="out", category="care_worry",
                                source="welfare"))
    assert r.status_code == 302
    assert _clean(client.get(reverse("signals:worklist")).content.decode(), worry)


def test_the_responsible_team_does_get_the_suggestion(client, city, professional):
    worry = _neighbour_worry()
    client.force_login(professional)
    r = client.post(reverse("signals:report"),
                    report_data(form_token="team", category="care_worry",
                                source="welfare"))
    assert r.status_code == 200
    assert worry.reference in r.content.decode()


# -- Open311 ---------------------------------------------------------------------------
def _open311_answers(client: Client, ref: str, **extra) -> list[str]:
    answers = []
    for fmt in ("json", "xml"):
        answers.append(client.get(f"{BASE}requests.{fmt}", extra).content.decode())
        by_id = {"service_request_id": ref, **extra}
        answers.append(client.get(f"{BASE}requests.{fmt}", by_id).content.decode())
        answers.append(client.get(f"{BASE}requests.{fmt}",
                                  {"service_code": "care_worry", **extra})
                       .content.decode())
        answers.append(client.get(f"{BASE}requests/{ref}.{fmt}", extra)
                       .content.decode())
    return answers


def test_open311_never_shows_a_worry_to_an_anonymous_prober(client, city):
    worry = _neighbour_worry()
    for body in _open311_answers(client, worry.reference):
        assert _clean(body, worry)
        assert BUURTEN[0] not in body and "9900" not in body
    # the answer by id is exactly that of a reference that does not exist
    real = client.get(f"{BASE}requests/{worry.reference}.json")
    fake_ref = "VK-2026-ZZZZZZZZ"
    fake = client.get(f"{BASE}requests/{fake_ref}.json")
    assert real.status_code == fake.status_code == 404
    assert real.content.replace(worry.reference.encode(), b"X") == fake.content.replace(
        fake_ref.encode(), b"X")
    # a wrong token is no key
    assert client.get(f"{BASE}requests/{worry.reference}.json",
                      {"token": "0" * 32}).status_code == 404


def test_open311_shows_a_worry_to_its_reporter_and_the_team(
        client, city, professional, outsider):
    worry = _neighbour_worry()
    one = client.get(f"{BASE}requests/{worry.reference}.json",
                     {"token": worry.follow_token})
    assert one.status_code == 200
    row = one.json()[0]
    assert row["service_code"] == "care_worry" and row["description"] is None
    assert BUURTEN[0] in row["address"]  # their own report: the buurt too
    team = Client()
    team.force_login(professional)
    assert team.get(f"{BASE}requests/{worry.reference}.json").status_code == 200
    other = Client()
    other.force_login(outsider)
    for body in _open311_answers(other, worry.reference):
        assert _clean(body, worry)


def test_open311_post_answer_carries_the_reporters_token(client, city):
    key = Open311Client.issue("App")[1]
    r = client.post(f"{BASE}requests.json", {
        "api_key": key, "service_code": "care_worry",
        "address_string": "Bosweg 3, 9900 AA Proefdorp"})
    row = r.json()[0]
    ref, token = row["service_request_id"], row["follow_token"]
    assert client.get(f"{BASE}requests/{ref}.json").status_code == 404
    assert client.get(f"{BASE}requests/{ref}.json", {"token": token}).status_code == 200


def test_open311_rows_of_other_reports_carry_no_place_finer_than_the_woonplaats(
        client, city):
    location = services.resolve_location(**NEIGHBOUR)
    noise = services.create_signal(category="noise", location=location,
                                   description=DESCRIPTION).signal
    for body in [client.get(f"{BASE}requests.json").json()[0],
                 client.get(f"{BASE}requests/{noise.reference}.json").json()[0]]:
        assert body["address"] == "Proefdorp"
        assert body["description"] is None and body["zipcode"] is None
        assert body["lat"] is None and body["address_id"] is None
        assert body["requested_datetime"].endswith("T00:00:00Z")  # the day only
        assert BUURTEN[0] not in str(body) and "Visser" not in str(body)


# -- the status of a report ------------------------------------------------------------
def test_status_and_follow_page_need_the_reporters_token(client, city):
    worry = _neighbour_worry()
    api = f"/api/signals/{worry.reference}/status"
    assert client.get(api).status_code in (404, 422)  # no token: nothing
    assert client.get(api, {"token": "0" * 32}).status_code == 404
    missing = client.get("/api/signals/VK-2026-ZZZZZZZZ/status", {"token": "0" * 32})
    assert missing.status_code == 404
    assert missing.json()["detail"] == client.get(api, {"token": "0" * 32}).json()[
        "detail"]
    follow = reverse("signals:follow", args=[worry.reference, "0" * 32])
    assert client.get(follow).status_code == 404
    assert client.get(reverse("signals:received", args=[worry.reference])
                      ).status_code == 404
    # the professional API is closed to residents and anonymous callers
    assert client.get(f"/api/signals/{worry.reference}").status_code in (401, 403)
    assert client.get("/api/signals/").status_code in (401, 403)
    ok = client.get(api, {"token": worry.follow_token})
    assert ok.status_code == 200 and DESCRIPTION not in ok.content.decode()


def test_duplicate_suggestions_are_scoped_to_the_users_areas(city):
    worry = _neighbour_worry()
    other_team = make_professional("ander", level="buurt", code=BUURTEN[1])
    same = make_professional("zelfde", level="buurt", code=BUURTEN[0])
    args = ("care_worry", worry.x, worry.y)
    assert services.duplicate_suggestions(None, *args) == []
    assert services.duplicate_suggestions(other_team, *args) == []
    assert services.duplicate_suggestions(same, *args) == [worry]


def test_open311_list_gives_the_team_its_own_rows_in_full(client, city, professional,
                                                           outsider):
    location = services.resolve_location(**NEIGHBOUR)
    services.create_signal(category="noise", location=location)
    team = Client()
    team.force_login(professional)
    assert BUURTEN[0] in team.get(f"{BASE}requests.json").json()[0]["address"]
    other = Client()
    other.force_login(outsider)
    assert other.get(f"{BASE}requests.json").json()[0]["address"] == "Proefdorp"
