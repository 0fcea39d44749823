"""What one report costs the database, and that the cheaper path behaves the same.

A new report reads nothing but the routing's version token and the audit
chain's head: no look-up of its idempotency key or reference beforehand (the
unique constraints decide, and only a key sent again or a reference drawn
twice pays for a look-up), no routing rules while they are unchanged. The
outcomes are those of before: a key sent again gives the first signal back,
a key with another report is refused, a reference that exists is drawn
again, and every accepted report leaves exactly one signal, one history row
and one audit row.
"""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from tests.web.cityfixture import WIJK
from tests.web.test_signals_fixtures import *  # noqa: F403 - fixtures

from veerkracht.web.audit.models import AuditEntry
from veerkracht.web.audit.services import verify
from veerkracht.web.signals import routes, services
from veerkracht.web.signals.models import RoutingRule, Signal, StatusChange, Team

pytestmark = pytest.mark.django_db

URL = "/api/signals/"
BODY = {"category": "noise", "location": {"postcode": "9900AA", "huisnummer": 3},
        "description": "muziek"}


@pytest.fixture(autouse=True)
def _routing(db):
    routes.forget()
    RoutingRule.objects.create(team=Team.objects.create(name="Wijkteam"),
                               area_code=WIJK)
    yield
    routes.forget()


def _post(client, **extra):
    return client.post(URL, json.dumps({**BODY, **extra}),
                       content_type="application/json")


def _reads(queries) -> list[str]:
    """The tables a request read (SELECT ... FROM x), in order."""
    tables = []
    for q in queries:
        sql = q["sql"]
        if sql.lstrip().upper().startswith("SELECT"):
            tables += re.findall(r'FROM "?(\w+)"?', sql)
    return tables


def test_a_new_report_reads_only_the_routing_token_and_the_chain_head(city):
    client = Client()
    assert _post(client, idempotency_key="warm").status_code == 201
    with CaptureQueriesContext(connection) as queries:
        answer = _post(client, idempotency_key="k-1")
    assert answer.status_code == 201, answer.content
    assert _reads(queries.captured_queries) == ["signals_routingversion",
                                                "audit_auditentry"]
    writes = [q["sql"].split()[2] for q in queries.captured_queries
              if q["sql"].startswith("INSERT")]
    assert writes == ['"signals_signal"', '"signals_statuschange"',
                      '"audit_auditentry"']


def test_a_key_sent_again_gives_the_first_signal_and_writes_nothing(city):
    client = Client()
    first = _post(client, idempotency_key="k-2")
    rows = (Signal.objects.count(), StatusChange.objects.count(),
            AuditEntry.objects.count())
    again = _post(client, idempotency_key="k-2")
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["reference"] == first.json()["reference"]
    assert (Signal.objects.count(), StatusChange.objects.count(),
            AuditEntry.objects.count()) == rows
    other = _post(client, idempotency_key="k-2", description="iets anders")
    assert other.status_code == 409
    assert Signal.objects.count() == rows[0] and verify().ok


def test_a_reference_drawn_twice_is_drawn_again(city, monkeypatch):
    client = Client()
    taken = _post(client).json()["reference"]
    draws = iter([taken, "VK-2026-NEWREF22"])
    monkeypatch.setattr(services, "new_reference", lambda: next(draws))
    answer = _post(client, description="een tweede melding")
    assert answer.status_code == 201
    assert answer.json()["reference"] == "VK-2026-NEWREF22"
    assert Signal.objects.filter(reference=taken).count() == 1
    assert StatusChange.objects.count() == Signal.objects.count() == 2
    assert AuditEntry.objects.filter(action="signal_create").count() == 2
    assert verify().ok
