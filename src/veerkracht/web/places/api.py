"""Place profiles as JSON (the same figures as the page, audited)."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from veerkracht.web.accounts import scoping
from veerkracht.web.audit.services import record
from veerkracht.web.levels import LEVELS
from veerkracht.web.places import figures, search, services
from veerkracht.web.problems import problems

router = Router(tags=["plaatsen"])


class SearchQuery(Schema):
    q: str = Field(..., max_length=search.MAX_QUERY,
                   description="adres (Straatnaam 12), postcode met of zonder "
                   "huisnummer (1234 AB 12), straat-, buurt-, wijk- of complexnaam, "
                   "of een plaats-id")
    limit: int = Field(search.DEFAULT_LIMIT, ge=1, le=search.MAX_LIMIT)


@router.get(
    "/search",
    summary="Plaatsen zoeken op adres, postcode, straat of naam",
    description="Alleen plaatsen die de kaart u toont: binnen uw gebieden, op "
    "niveaus van uw rol en gepubliceerd door de openbaarheidsregels. Geeft "
    "namen, ids en omtrek, nooit een adres of een cijfer. Beperkt per "
    "gebruiker (VEERKRACHT_SEARCH_LIMIT) en vastgelegd in het auditspoor "
    "(zonder de zoektekst).",
    response={200: dict, **problems(401, 403, 422, 429)},
)
def search_places(request: HttpRequest, q: Query[SearchQuery]):
    try:
        result = search.lookup(request, q.q, limit=q.limit)
    except search.TooMany as exc:
        raise HttpError(429, str(exc)) from None
    return {"results": [h.as_dict() for h in result.hits],
            "truncated": result.truncated}


@router.get(
    "/{level}/{place_id}",
    summary="Profiel van één plaats",
    response={200: dict, **problems(400, 401, 403, 404)},
)
def place_profile(request: HttpRequest, level: str, place_id: str):
    if level not in LEVELS:
        raise ValueError(_("onbekend niveau %(level)r; kies uit %(levels)s")
                         % {"level": level, "levels": ", ".join(LEVELS)})
    if services.shown_place_row(level, place_id) is None:
        raise Http404(_("Deze plaats bestaat niet (meer)."))
    scoping.require(request, level, place_id, purpose="profile")
    prof = services.profile(
        level, place_id, audience=figures.audience_for(request.user, level, place_id)
    )
    if prof is None:  # not published for this audience: as an unknown place
        raise Http404(_("Deze plaats bestaat niet (meer)."))
    record("view", request=request, level=level, object_id=place_id, purpose="api")
    return {
        "level": prof.level,
        "place_id": prof.place_id,
        "name": prof.name,
        "visibility": prof.visibility,
        "audience": prof.audience,
        "mode": prof.mode,
        "current": prof.current,
        "history": prof.history,
        "indicators": prof.indicators,
        "signals": prof.signals, "class_probabilities": prof.class_probabilities,
        "multiscale": prof.multiscale,
        "stability": prof.stability,
        "class_meaning": prof.class_meaning,
        "notes": prof.notes,
    }
