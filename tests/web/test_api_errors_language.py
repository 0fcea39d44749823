"""The API's errors in the request's language, with a structure that does not
change with it (ADR 0018, docs/web.md "API"): the language chosen on the
site (its cookie) first, then Accept-Language, then Dutch."""

from __future__ import annotations

import json

import pytest

from veerkracht.web.signals.locations import clear_cache as clear_locations

pytestmark = pytest.mark.django_db

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}


def _problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert "Accept-Language" in response.get("Vary", "")
    return response.json()


def test_a_validation_error_is_dutch_by_default_and_english_on_request(
        client, users):
    client.force_login(users["frontline"])
    url = "/api/maps/layers/buurt?zoom=99&bbox=3,50,9,54"
    dutch = _problem(client.get(url), 422)
    english = _problem(client.get(url, **ENGLISH), 422)
    assert dutch["title"] == "Ongeldige invoer"
    assert dutch["detail"] == "Het verzoek bevat ongeldige waarden."
    assert dutch["errors"] == [{"loc": ["query", "zoom"], "code": "less_than_equal",
                                "msg": "Moet 19 of kleiner zijn."}]
    assert english["title"] == "Invalid input"
    assert english["errors"] == [{"loc": ["query", "zoom"], "code": "less_than_equal",
                                  "msg": "Must be 19 or less."}]
    # what a program reads does not depend on the language
    for key in ("type", "status"):
        assert dutch[key] == english[key]


def test_the_language_chosen_on_the_site_wins_over_the_browser(client, users):
    client.force_login(users["frontline"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/kaart/"})
    body = _problem(client.get("/api/maps/layers/buurt?zoom=abc",
                               HTTP_ACCEPT_LANGUAGE="nl"), 422)
    assert body["errors"][0]["msg"] == "Must be a whole number."
    assert body["errors"][0]["code"] == "int_parsing"
    client.post("/i18n/setlang/", {"language": "nl", "next": "/kaart/"})
    body = _problem(client.get("/api/maps/layers/buurt?zoom=abc", **ENGLISH), 422)
    assert body["errors"][0]["msg"] == "Moet een geheel getal zijn."


def test_the_site_pages_stay_dutch_first(client):
    # Accept-Language counts only on the API: a page keeps its Dutch default
    assert b"Gebruikersnaam" in client.get("/inloggen/", **ENGLISH).content


def test_missing_and_wrong_body_fields_have_codes_and_both_languages(client, city):
    clear_locations()
    wrong = json.dumps({"location": {"huisnummer": "drie"}, "category": "brand"})
    for headers, words in (({}, ("Kies een van: ", "Moet een geheel getal zijn.",
                                 "Dit veld is verplicht.")),
                           (ENGLISH, ("Choose one of: ", "Must be a whole number.",
                                      "This field is required."))):
        answer = _problem(client.post("/api/signals/", wrong,
                                      content_type="application/json", **headers),
                          422)
        by_loc = {tuple(e["loc"]): e for e in answer["errors"]}
        category = by_loc[("body", "payload", "category")]
        assert category["code"] == "literal_error"
        assert category["msg"].startswith(words[0]) and "noise" in category["msg"]
        assert " or " not in category["msg"]  # no English left in the Dutch list
        number = by_loc[("body", "payload", "location", "huisnummer")]
        assert (number["code"], number["msg"]) == ("int_parsing", words[1])
        answer = _problem(client.post("/api/signals/", json.dumps({}),
                                      content_type="application/json", **headers),
                          422)
        assert {"loc": ["body", "payload", "location"], "code": "missing",
                "msg": words[2]} in answer["errors"]


@pytest.mark.parametrize(("headers", "title", "detail"), [
    ({}, "Niet ingelogd", "Log eerst in."),
    (ENGLISH, "Not logged in", "Log in first."),
])
def test_not_logged_in(client, headers, title, detail):
    body = _problem(client.get("/api/maps/extent", **headers), 401)
    assert (body["title"], body["detail"]) == (title, detail)


def test_refusals_and_unknown_places_follow_the_language(client, users, place_ids):
    client.force_login(users["frontline"])
    url = "/api/places/buurt/BU00000000"
    dutch = _problem(client.get(url), 404)
    assert dutch["detail"] == "Deze plaats bestaat niet (meer)."
    english = _problem(client.get(url, **ENGLISH), 404)
    assert english == {"type": "about:blank", "title": "Not found", "status": 404,
                       "detail": "This place does not exist (any more)."}
    client.force_login(users["resident"])
    assert _problem(client.get("/api/maps/extent", **ENGLISH), 403)["detail"] == (
        "Your role gives no access to the map.")
    assert _problem(client.get("/api/signals/", **ENGLISH), 403)["detail"] == (
        "Only professionals handle reports.")


def test_an_unknown_address_and_bad_json_follow_the_language(client, city):
    clear_locations()
    report = json.dumps({"category": "noise",
                         "location": {"postcode": "9900 AB", "huisnummer": 3}})
    dutch = _problem(client.post("/api/signals/", report,
                                 content_type="application/json"), 400)
    english = _problem(client.post("/api/signals/", report,
                                   content_type="application/json", **ENGLISH), 400)
    assert "bestaat niet in de adressenlijst" in dutch["detail"]
    assert english["detail"] == ("The address 9900AB 3 is not in the address list. "
                                 "Check the postcode and house number.")
    broken = _problem(client.post("/api/signals/", "{niet json",
                                  content_type="application/json", **ENGLISH), 400)
    assert broken["detail"] == "The body of the request is not valid JSON."
    assert "Cannot parse" not in json.dumps(broken)


def test_a_missing_csrf_token_is_explained_in_the_language(users):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(users["frontline"])
    body = _problem(client.post("/api/signals/X/transition", "{}",
                                content_type="application/json", **ENGLISH), 403)
    assert "CSRF check failed" in body["detail"] and "X-CSRFToken" in body["detail"]
    body = _problem(client.post("/api/signals/X/transition", "{}",
                                content_type="application/json"), 403)
    assert body["detail"].startswith("De CSRF-controle is mislukt")


def test_the_openapi_documents_the_problem_structure(client):
    spec = client.get("/api/openapi.json").json()
    problem = spec["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "errors"} <= set(problem["properties"])
    item = spec["components"]["schemas"]["FieldError"]
    assert set(item["required"]) == {"loc", "code", "msg"}
    undocumented = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            errors = {c: a for c, a in operation["responses"].items() if c >= "400"}
            if not errors:
                undocumented.append(f"{method} {path}: no error status")
            for code, answer in errors.items():
                if list(answer.get("content", {})) != ["application/problem+json"]:
                    undocumented.append(f"{method} {path} {code}: {answer}")
            needs_login = operation.get("security") != [{}] and "security" in operation
            if needs_login and "401" not in errors:
                undocumented.append(f"{method} {path}: 401 not documented")
    assert not undocumented, undocumented
