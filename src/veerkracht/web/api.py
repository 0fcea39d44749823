"""The REST API: one django-ninja ``NinjaAPI`` at ``/api/`` (OpenAPI at
``/api/openapi.json``, documentation at ``/api/docs``).

Apps add their routers from their own module (``veerkracht/web/APP/api.py``
defines ``router``), imported and added at the end of this module.

Errors are answered as RFC 7807 problem details
(``application/problem+json``, ``veerkracht.web.problems``): a 4xx with
``type``, ``title``, ``status`` and ``detail`` (and ``errors`` for a 422),
never a 5xx for bad input. The texts follow the request's language: the
language the user chose on the site (its cookie), else the request's
``Accept-Language``, else Dutch (``accounts.middleware``, ADR 0018).
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import django_auth

from veerkracht import __version__
from veerkracht.web.problems import (
    MEDIA_TYPE,
    as_problem_media,
    field_errors,
    ninja_message,
)

log = logging.getLogger("veerkracht.web.api")

class VeerkrachtAPI(NinjaAPI):
    """The API; its OpenAPI documents every error as problem+json."""

    def get_openapi_schema(self, **kwargs):
        return as_problem_media(super().get_openapi_schema(**kwargs))


api = VeerkrachtAPI(
    title="Veerkracht API",
    version=__version__,
    description=(
        "Plaatsgebonden cijfers over druk en veerkracht (nooit over personen), "
        "met openbaarheidsbeheersing. Inloggen via de sessie van de website; "
        "alle toegang wordt per gebied en rol beperkt en in het auditspoor gelegd."
    ),
    urls_namespace="api",
    auth=django_auth,
)


def problem(status: int, title: str, detail: str = "", **extra) -> JsonResponse:
    """An RFC 7807 problem response."""
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return JsonResponse(body, status=status, content_type=MEDIA_TYPE)


@api.exception_handler(ValidationError)
def _validation(request: HttpRequest, exc: ValidationError):
    return problem(
        422,
        _("Ongeldige invoer"),
        _("Het verzoek bevat ongeldige waarden."),
        errors=field_errors(exc.errors),
    )


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError):
    return problem(401, _("Niet ingelogd"), _("Log eerst in."))


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied):
    return problem(
        403, _("Geen toegang"), str(exc) or _("Dit valt buiten uw rol of gebied.")
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404):
    return problem(404, _("Niet gevonden"), str(exc) or _("Dit bestaat niet."))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError):
    return problem(exc.status_code, _("Fout in het verzoek"), ninja_message(str(exc)))


@api.exception_handler(ValueError)
def _value_error(request: HttpRequest, exc: ValueError):
    return problem(400, _("Ongeldig verzoek"), str(exc))


# (prefix, router): one line per app.
from veerkracht.web.alerts.api import router as _alerts  # noqa: E402
from veerkracht.web.allocation.api import router as _allocation  # noqa: E402
from veerkracht.web.maps.api import router as _maps  # noqa: E402
from veerkracht.web.places.api import router as _places  # noqa: E402
from veerkracht.web.signals.api import router as _signals  # noqa: E402
from veerkracht.web.stories.api import interventions_router as _interventions  # noqa: E402,I001
from veerkracht.web.stories.api import router as _stories  # noqa: E402

for _prefix, _router in (("maps/", _maps), ("places/", _places),
                         ("signals/", _signals), ("stories/", _stories),
                         ("alerts/", _alerts), ("allocation/", _allocation),
                         ("interventions/", _interventions)):
    api.add_router(_prefix, _router)
