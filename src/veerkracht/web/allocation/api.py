"""Headroom and what one placement does, as JSON (the same answers as the pages)."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from veerkracht.web.accounts import scoping
from veerkracht.web.allocation import services
from veerkracht.web.audit.services import record
from veerkracht.web.levels import LEVELS
from veerkracht.web.problems import problems

router = Router(tags=["ruimte voor plaatsing"])


class HeadroomQuery(Schema):
    category: str = Field(..., max_length=40,
                          description="categorie van het huishouden (zorg, inkomen, …)")
    urgent: bool = Field(False, description="via urgentie geplaatst")
    period: str | None = Field(None, max_length=32)
    place_id: str | None = Field(None, max_length=120,
                                 description="alleen deze plaats")


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise ValueError(_("onbekend niveau %(level)r; kies uit %(levels)s")
                         % {"level": level, "levels": ", ".join(LEVELS)})


def _unavailable(exc: services.AllocationUnavailable):
    return Http404(str(exc))


@router.get(
    "/headroom/{level}",
    summary="Ruimte voor plaatsing per plaats van één niveau",
    description="Hoeveel huishoudens van een categorie elke plaats (portiek, blok "
    "of straat) kan opnemen voordat haar klasse daalt, met het interval; alleen "
    "plaatsen binnen uw gebieden die de kaart u toont. Waar de "
    "openbaarheidsregels geen cijfer tonen staat shown=false en geen getal. "
    "Aantallen per categorie, nooit personen.",
    response={200: dict, **problems(400, 401, 403, 404, 422)},
)
def headroom(request: HttpRequest, level: str, q: Query[HeadroomQuery]):
    _check_level(level)
    request.audit_object = (level, q.place_id or "")
    scoping.require_permission(request, services.PERMISSION, purpose="headroom")
    try:
        answer = services.for_user(request.user, level, q.category, q.urgent,
                                   q.period,
                                   None if q.place_id is None else [q.place_id])
    except services.AllocationUnavailable as exc:
        raise _unavailable(exc) from None
    if q.place_id is not None and not answer.rows:
        raise Http404(_("Deze plaats bestaat niet (meer)."))
    record("view", request=request, level=level,
           object_id=q.place_id or "headroom",
           purpose=services.purpose("headroom", answer.code, answer.urgent))
    return {"level": level, "category": answer.code,
            "category_label": dict(services.categories())[answer.code],
            "urgent": answer.urgent, "period": answer.period,
            "places": list(answer.rows.values())}


class PlacementQuery(Schema):
    category: str = Field(..., max_length=40,
                          description="categorie van het huishouden (zorg, inkomen, …)")
    urgent: bool = Field(False, description="via urgentie geplaatst")
    address_id: str | None = Field(None, max_length=40,
                                   description="adres-id uit de adressenlijst")
    postcode: str | None = Field(None, max_length=8, examples=["9351AA"])
    huisnummer: int | None = Field(None, ge=1, le=99999)
    toevoeging: str | None = Field(None, max_length=8)


@router.get(
    "/placement",
    summary="Wat doet één plaatsing op een adres?",
    description="Per portiek, blok en straat van het adres (die u mag zien): "
    "druk, balans en klasse voor en na één plaatsing van een huishouden van de "
    "categorie, en de ruimte die daarna over is. Geef address_id of postcode en "
    "huisnummer (en toevoeging). In het auditspoor komen de plaatsen en de "
    "categorie, nooit het adres.",
    response={200: dict, **problems(400, 401, 403, 404, 422)},
)
def placement(request: HttpRequest, q: Query[PlacementQuery]):
    from veerkracht.web import workspace
    from veerkracht.web.allocation.views import audit_effect
    from veerkracht.web.signals.locations import LocationError, address_index

    scoping.require_permission(request, services.PERMISSION, purpose="whatif")
    code = services.check_category(q.category)
    request.audit_purpose = services.purpose("whatif", code, q.urgent)
    try:
        index = address_index(workspace.workspace())
        if q.address_id:
            location = index.by_id(q.address_id)
        elif q.postcode and q.huisnummer:
            location = index.by_address(q.postcode, q.huisnummer, q.toevoeging or "")
        else:
            raise ValueError(_("geef address_id, of postcode en huisnummer"))
    except LocationError as exc:
        raise ValueError(str(exc)) from None
    try:
        answer = services.effect_for(request.user, location.address_id, code,
                                     q.urgent)
    except services.AllocationUnavailable as exc:
        raise _unavailable(exc) from None
    audit_effect(request, answer, code, q.urgent)
    return answer
