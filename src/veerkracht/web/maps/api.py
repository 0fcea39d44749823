"""Map layers as GeoJSON, by level and bounding box or parent (drill-down)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from veerkracht.web.accounts import roles, scoping
from veerkracht.web.audit.services import record
from veerkracht.web.levels import LEVELS
from veerkracht.web.maps import context, services
from veerkracht.web.places import figures
from veerkracht.web.problems import problems

router = Router(tags=["kaart"])


class LayerQuery(Schema):
    bbox: str | None = Field(
        None,
        description="west,zuid,oost,noord in WGS 84 graden",
        pattern=r"^-?\d+(\.\d+)?(,-?\d+(\.\d+)?){3}$",
    )
    zoom: int = Field(14, ge=0, le=services.MAX_ZOOM)
    parent: str | None = Field(
        None, max_length=120, description="alleen de plaatsen binnen deze plaats"
    )
    parent_level: str | None = Field(None, description="niveau van parent")
    period: str | None = Field(None, max_length=32)


def _check_level(request: HttpRequest, level: str, q: LayerQuery) -> None:
    """A known level; the trail names it (or the parent asked for)."""
    if level not in LEVELS:
        raise ValueError(_("onbekend niveau %(level)r; kies uit %(levels)s")
                         % {"level": level, "levels": ", ".join(LEVELS)})
    request.audit_object = (level, q.parent or "")


def _scope(request: HttpRequest, level: str, q: LayerQuery, visible: set
           ) -> tuple[tuple[str, str] | None, tuple[float, ...] | None]:
    """The parent asked for (within the user's areas) and the bounding box."""
    parent = None
    if q.parent is not None:
        if q.parent_level not in LEVELS:
            raise ValueError(_("geef bij parent ook parent_level (een niveau)"))
        parent = (q.parent_level, q.parent)
        request.audit_object = (q.parent_level, q.parent)
        inside = services.children_of(q.parent_level, q.parent, level)
        if not scoping.can_see(request.user, q.parent_level, q.parent) and not (
            inside & visible
        ):
            raise PermissionDenied(_("Deze plaats valt buiten uw gebied."))
    bbox = tuple(float(v) for v in q.bbox.split(",")) if q.bbox else None
    return parent, bbox


@router.get(
    "/layers/{level}",
    summary="Plaatsen van één niveau als GeoJSON",
    description="Vereenvoudigde geometrie per zoomniveau, alleen plaatsen binnen uw "
    "gebieden; elk getal is door de openbaarheidsregels gegaan.",
    response={200: dict, **problems(400, 401, 403, 404, 422)},
    openapi_extra={"responses": {200: {"content": {"application/geo+json": {}}}}},
)
def layer(request: HttpRequest, level: str, q: Query[LayerQuery]):
    _check_level(request, level, q)
    request.audit_purpose = "map"
    if not roles.has(request.user, "view_map") or level not in roles.levels_for(
        request.user
    ):
        raise PermissionDenied(_("Dit niveau valt buiten uw rol."))
    visible = scoping.visible_ids(request.user, level)
    parent, bbox = _scope(request, level, q, visible)
    try:
        collection = services.layer(
            level,
            visible,
            bbox=bbox,
            zoom=q.zoom,
            parent=parent,
            period=q.period,
            audience=figures.audience_for(request.user, level),
        )
    except LookupError as exc:
        from django.http import Http404

        raise Http404(str(exc)) from exc
    if collection["features"]:
        record(
            "view",
            request=request,
            level=level,
            object_id=q.parent or f"bbox@z{q.zoom}",
            purpose="map",
        )
    return services.geojson_response(request, services.render(collection))


class HeadroomLayerQuery(LayerQuery):
    category: str = Field(..., max_length=40,
                          description="categorie van het huishouden (zorg, inkomen, …)")
    urgent: bool = Field(False, description="via urgentie geplaatst")


@router.get(
    "/headroom/{level}",
    summary="Ruimte voor plaatsing van één niveau als GeoJSON",
    description="Portieken, blokken of straten binnen uw gebieden, gekleurd naar "
    "hoeveel huishoudens van een categorie elk kan opnemen voordat haar klasse "
    "daalt (0, 1–2, 3–5, 6 of meer); waar de openbaarheidsregels geen aantal "
    "tonen: 'niet getoond', zonder getal. Alleen voor de rollen die plaatsen "
    "plannen (corporatie, beleid).",
    response={200: dict, **problems(400, 401, 403, 404, 422)},
    openapi_extra={"responses": {200: {"content": {"application/geo+json": {}}}}},
)
def headroom_layer(request: HttpRequest, level: str, q: Query[HeadroomLayerQuery]):
    from veerkracht.web.allocation import services as allocation

    _check_level(request, level, q)
    scoping.require_permission(request, allocation.PERMISSION, purpose="headroom")
    code = allocation.check_category(q.category)
    allocation.check_level(request.user, level)
    parent, bbox = _scope(request, level, q, scoping.visible_ids(request.user, level))
    try:
        answer = allocation.for_user(request.user, level, code, q.urgent, q.period)
        drawn = figures.figures(level, answer.period, answer.audience).frame
        props = {pid: allocation.map_properties(level, row, drawn.at[pid, "name"])
                 for pid, row in answer.rows.items()}
        collection = services.overlay(
            level, props, bbox=bbox, zoom=q.zoom, parent=parent,
            meta={"mode": "headroom", "period": answer.period,
                  "category": answer.code, "urgent": answer.urgent,
                  "legend": allocation.legend(answer.code, answer.urgent,
                                              answer.period)})
    except LookupError as exc:
        from django.http import Http404

        raise Http404(str(exc)) from exc
    if collection["features"]:
        record("view", request=request, level=level,
               object_id=q.parent or f"bbox@z{q.zoom}",
               purpose=allocation.purpose("headroom", code, q.urgent))
    return services.geojson_response(request, services.render(collection))


class ContextQuery(Schema):
    bbox: str = Field(
        ...,
        description="west,zuid,oost,noord in WGS 84 graden",
        pattern=r"^-?\d+(\.\d+)?(,-?\d+(\.\d+)?){3}$",
    )
    zoom: int = Field(14, ge=0, le=services.MAX_ZOOM)
    v: str | None = Field(None, max_length=32,
                          description="versie van de ondergrond (van de kaartpagina)")


@router.get(
    "/context",
    summary="Ondergrond van de kaart: gebouwen, straten, grenzen en namen",
    description="Openbare BAG- en CBS-geometrie uit de werkmap (geen tegels, geen "
    "internet), voor iedereen met de kaart dezelfde: geen plaats-id, geen "
    "woning, geen cijfer. Gebouwen vanaf zoom 15, straten vanaf 14; buurtnamen "
    "op zoom 13-15, straatnamen vanaf 16.",
    response={200: dict, **problems(400, 401, 403, 422)},
    openapi_extra={"responses": {200: {"content": {"application/geo+json": {}}}}},
)
def context_layer(request: HttpRequest, q: Query[ContextQuery]):
    request.audit_purpose = "map"
    if not roles.has(request.user, "view_map"):
        raise PermissionDenied(_("Uw rol geeft geen toegang tot de kaart."))
    bbox = tuple(float(v) for v in q.bbox.split(","))
    body = context.render(context.context(bbox, q.zoom))
    response = services.geojson_response(request, body)
    if q.v and q.v == context.version_token():
        # the same URL gives the same answer until a source table changes
        response["Cache-Control"] = "private, max-age=86400"
    return response


@router.get(
    "/extent",
    summary="Omtrek van uw gebieden (WGS 84)",
    response={200: dict, **problems(401, 403)},
)
def extent(request: HttpRequest):
    if not roles.has(request.user, "view_map"):
        raise PermissionDenied(_("Uw rol geeft geen toegang tot de kaart."))
    for level in roles.levels_for(request.user):
        bounds = services.extent(level, scoping.visible_ids(request.user, level))
        if bounds:
            return {
                "level": level,
                "bounds": bounds,
                "levels": roles.levels_for(request.user),
            }
    return {"level": None, "bounds": None, "levels": roles.levels_for(request.user)}
