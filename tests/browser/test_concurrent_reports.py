"""Reports at once from many clients on the SQLite default: none fails with
'database is locked', each stored exactly once (the weekly-tool issue,
point 5). Not a timing test: the rate is whatever the machine gives; the
load benchmark measures it (bench/bench_web_load.py)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from tests.web.test_signals_fixtures import *  # noqa: F403 - fixtures

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_concurrent_reports_are_all_stored_once(live_server, city):
    from veerkracht.web.signals.models import Signal

    url = f"{live_server.url}/api/signals/"

    def post(i: int) -> tuple[int, str]:
        body = {"category": "noise",
                "location": {"postcode": "9900 AA", "huisnummer": 3},
                "description": f"melding {i}", "idempotency_key": f"last-{i}"}
        with requests.Session() as s:
            r = s.post(url, data=json.dumps(body), timeout=60,
                       headers={"Content-Type": "application/json"})
            # a retry of the same key (a client that lost the answer)
            again = s.post(url, data=json.dumps(body), timeout=60,
                           headers={"Content-Type": "application/json"})
        return r.status_code, again.status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        codes = list(pool.map(post, range(120)))
    assert [c for c in codes if c != (201, 200)] == []
    texts = sorted(Signal.objects.values_list("description", flat=True))
    assert texts == sorted(f"melding {i}" for i in range(120))  # each once
