"""The API's errors: RFC 7807 problem details, one schema for every route.

Every error of ``/api/`` is ``application/problem+json``::

    {"type": "about:blank", "title": "Ongeldige invoer", "status": 422,
     "detail": "Het verzoek bevat ongeldige waarden.",
     "errors": [{"loc": ["query", "zoom"], "code": "less_than_equal",
                 "msg": "Moet 19 of kleiner zijn."}]}

``status`` and (for 422) each error's ``loc`` and ``code`` are for
machines and never change with the language; ``title``, ``detail`` and
``msg`` are for people, in the request's language (``veerkracht.web.api``).
A route documents the problems it can answer with ``problems(...)`` in its
``response=``; the OpenAPI then lists them as ``application/problem+json``.

This module imports no router, so every app's ``api.py`` may import it.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy
from ninja import Schema
from pydantic import Field

#: The media type of every error answer.
MEDIA_TYPE = "application/problem+json"


class FieldError(Schema):
    """One invalid value of a 422."""

    loc: list[str] = Field(
        description="waar: ['query'|'path'|'body', naam, ...]; vast, niet vertaald"
    )
    code: str = Field(
        description="soort fout (pydantic's type, bijvoorbeeld 'missing' of "
        "'int_parsing'); vast, niet vertaald"
    )
    msg: str = Field(description="uitleg in de taal van het verzoek")


class Problem(Schema):
    """An RFC 7807 problem."""

    type: str = Field("about:blank", description="altijd about:blank")
    title: str = Field(description="korte naam van de fout, in de taal van het verzoek")
    status: int = Field(description="de HTTP-status")
    detail: str | None = Field(None, description="uitleg, in de taal van het verzoek")
    errors: list[FieldError] | None = Field(
        None, description="alleen bij 422: elke ongeldige waarde"
    )


# pydantic's error type -> the message people read (the type itself is the
# stable ``code``); placeholders are filled from the error's ``ctx``
_MESSAGES = {
    "missing": gettext_lazy("Dit veld is verplicht."),
    "int_parsing": gettext_lazy("Moet een geheel getal zijn."),
    "int_type": gettext_lazy("Moet een geheel getal zijn."),
    "int_from_float": gettext_lazy("Moet een geheel getal zijn."),
    "float_parsing": gettext_lazy("Moet een getal zijn."),
    "float_type": gettext_lazy("Moet een getal zijn."),
    "finite_number": gettext_lazy("Moet een eindig getal zijn."),
    "bool_parsing": gettext_lazy("Moet true of false zijn."),
    "bool_type": gettext_lazy("Moet true of false zijn."),
    "string_type": gettext_lazy("Moet tekst zijn."),
    "string_unicode": gettext_lazy("Moet geldige tekst (UTF-8) zijn."),
    "string_too_short": gettext_lazy("Moet minstens %(min_length)s tekens lang zijn."),
    "string_too_long": gettext_lazy("Mag hoogstens %(max_length)s tekens lang zijn."),
    "string_pattern_mismatch": gettext_lazy(
        "Heeft niet de verwachte vorm (%(pattern)s)."),
    "greater_than": gettext_lazy("Moet groter zijn dan %(gt)s."),
    "greater_than_equal": gettext_lazy("Moet %(ge)s of groter zijn."),
    "less_than": gettext_lazy("Moet kleiner zijn dan %(lt)s."),
    "less_than_equal": gettext_lazy("Moet %(le)s of kleiner zijn."),
    "literal_error": gettext_lazy("Kies een van: %(expected)s."),
    "enum": gettext_lazy("Kies een van: %(expected)s."),
    "dict_type": gettext_lazy("Moet een object zijn."),
    "model_type": gettext_lazy("Moet een object zijn."),
    "model_attributes_type": gettext_lazy("Moet een object zijn."),
    "list_type": gettext_lazy("Moet een lijst zijn."),
    "datetime_parsing": gettext_lazy("Moet een datum en tijd zijn (ISO 8601)."),
    "datetime_type": gettext_lazy("Moet een datum en tijd zijn (ISO 8601)."),
    "date_parsing": gettext_lazy("Moet een datum zijn (JJJJ-MM-DD)."),
    "date_type": gettext_lazy("Moet een datum zijn (JJJJ-MM-DD)."),
    "json_invalid": gettext_lazy("Geen geldige JSON."),
    "extra_forbidden": gettext_lazy("Dit veld is niet toegestaan."),
}
_FALLBACK = gettext_lazy("Ongeldige waarde.")


def field_message(error: dict) -> str:
    """The message of one pydantic error, in the active language.

    >>> field_message({"type": "string_too_long", "ctx": {"max_length": 8}})
    'Mag hoogstens 8 tekens lang zijn.'
    >>> field_message({"type": "literal_error", "ctx": {"expected": "'a' or 'b'"}})
    'Kies een van: a, b.'
    >>> field_message({"type": "iets_nieuws"})
    'Ongeldige waarde.'
    """
    template = _MESSAGES.get(error.get("type", ""))
    if template is None:
        return str(_FALLBACK)
    ctx = {k: str(v) for k, v in (error.get("ctx") or {}).items()}
    if "expected" in ctx:  # "'a', 'b' or 'c'": only the values, no English "or"
        values = re.findall(r"'([^']*)'", ctx["expected"])
        ctx["expected"] = ", ".join(values) if values else ctx["expected"]
    try:
        return str(template) % ctx
    except (KeyError, ValueError, TypeError):
        return str(_FALLBACK)


def field_errors(errors: list[dict]) -> list[dict]:
    """ninja's validation errors as ``FieldError`` dicts."""
    return [
        {"loc": [str(p) for p in e.get("loc", ())],
         "code": str(e.get("type", "value_error")),
         "msg": field_message(e)}
        for e in errors
    ]


# messages django-ninja itself raises (English) -> ours
_NINJA_MESSAGES = {
    "Cannot parse request body": gettext_lazy(
        "De inhoud van het verzoek is geen geldige JSON."),
    "CSRF check Failed": gettext_lazy(
        "De CSRF-controle is mislukt: stuur het CSRF-token van de sessie mee "
        "(kop X-CSRFToken)."),
}


def ninja_message(message: str) -> str:
    """A message raised by django-ninja, in the active language."""
    for english, ours in _NINJA_MESSAGES.items():
        if message.startswith(english):
            return str(ours)
    return message


def problems(*codes: int) -> dict[int, type[Problem]]:
    """``response=`` entries for the error statuses a route can answer.

    >>> sorted(problems(401, 404))
    [401, 404]
    """
    return dict.fromkeys(codes, Problem)


def as_problem_media(schema: dict) -> dict:
    """Document every 4xx/5xx answer of an OpenAPI ``schema`` as problem+json."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for code, answer in operation.get("responses", {}).items():
                content = answer.get("content") or {}
                if str(code)[0] in "45" and "application/json" in content:
                    answer["content"] = {MEDIA_TYPE: content["application/json"]}
    return schema
