"""Property-based fuzzing of the API from its own OpenAPI (schemathesis).

Every operation of ``/api/openapi.json`` gets generated requests — valid
ones and, on purpose, invalid ones — sent in process through Django's WSGI
application (no network), anonymously and with the sessions of a resident,
a neighbourhood professional who handles signals and a policy adviser. Every
answer must be a documented status of that operation (never a 5xx) and match
its documented schema and content type.

The run is bounded and deterministic: a fixed number of examples per
operation and mode, derandomized (the same requests on every run), no
example database.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from veerkracht.web.signals.locations import clear_cache as clear_locations

pytestmark = pytest.mark.django_db

#: Examples per operation and generation mode (valid / invalid input).
EXAMPLES = 10

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def schema():
    """The API's own OpenAPI, answered by the WSGI application in process."""
    from django.test import Client

    loaded = schemathesis.openapi.from_dict(Client().get("/api/openapi.json").json())
    loaded.app = get_wsgi_application()
    return loaded


@pytest.fixture(autouse=True)
def _keep_the_test_transaction():
    """As Django's test client does: a request must not close the database
    connection that holds the test's transaction."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _session(user) -> tuple[dict, dict]:
    """Cookies and headers of a logged-in browser session (with CSRF)."""
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import Client

    if user is None:
        return {}, {}
    client = Client()
    client.force_login(user)
    token = _get_new_csrf_string()
    cookies = {"sessionid": client.cookies["sessionid"].value, "csrftoken": token}
    return cookies, {"X-CSRFToken": token}


def _fuzz(schema, cookies, headers, fixed=None) -> list[str]:
    """Run every operation; return one line per failing operation and mode.

    With ``fixed``, the path parameters named there are real ones (a place in
    the user's area, a stored signal) and only the rest is generated, so the
    requests get past the 404 of an unknown object; operations without such
    parameters are left to the run without ``fixed``.
    """
    failures = []
    for result in schema.get_all_operations():
        op = result.ok()
        params = {k: v for k, v in (fixed or {}).items() if f"{{{k}}}" in op.path}
        if fixed is not None and not params:
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(max_examples=EXAMPLES, derandomize=True, database=None,
                      deadline=None, phases=[Phase.explicit, Phase.generate],
                      suppress_health_check=list(HealthCheck))
            @given(case=op.as_strategy(mode, path_parameters=params or None))
            def run(case):
                case.call_and_validate(headers=headers, cookies=cookies,
                                       checks=CHECKS)

            try:
                run()
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001
                failures.append(f"{op.method.upper()} {op.path} [{mode.value}]: "
                                f"{str(exc)[:1500]}")
    return failures


@pytest.fixture
def real_objects(city, place_ids):
    """Path parameters of objects that exist: a buurt of the frontline user's
    area and a signal reported there."""
    from django.test import Client

    clear_locations()
    body = {"category": "noise", "location": {"postcode": "9900 AA", "huisnummer": 3}}
    answer = Client().post("/api/signals/", json.dumps(body),
                           content_type="application/json")
    assert answer.status_code == 201, answer.content
    return {"level": "buurt", "place_id": place_ids["buurt1"],
            "reference": answer.json()["reference"]}


@pytest.mark.parametrize("role", [None, "resident", "frontline", "policy"])
def test_every_operation_answers_as_documented(schema, users, real_objects, role):
    cookies, headers = _session(users[role] if role else None)
    failures = _fuzz(schema, cookies, headers)
    failures += _fuzz(schema, cookies, headers, fixed=real_objects)
    assert not failures, "\n\n".join(failures)
