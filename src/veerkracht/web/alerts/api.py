"""REST API for alerts: ``/api/alerts/`` on the shared NinjaAPI (read only).

* ``GET /api/alerts/?view=week|older|closed|all`` — the user's alerts;
* ``GET /api/alerts/layer?zoom=…`` — their places as GeoJSON for the map's
  overlay (the place's own geometry, never a point of a cluster);
* ``GET /api/alerts/{alert_id}`` — one alert.

Session login only (the API's ``django_auth``): an anonymous request is
answered 401 and learns nothing. A user who may not see alerts gets 403; an
alert outside the user's areas 404, like an unknown one. Every answer with
alerts is audited. Changes are made on the page (``/aandacht/…``).
"""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from veerkracht.web.alerts import access, services
from veerkracht.web.alerts.models import Alert
from veerkracht.web.problems import problems

router = Router(tags=["vroegsignalering"])


class ListQuery(Schema):
    view: str = Field(
        "week", pattern="^(week|older|closed|all)$",
        description="week: open en in behandeling van deze week; older: ouder; "
        "closed: gesloten; all: alle",
    )


class LayerQuery(ListQuery):
    zoom: int = Field(16, ge=0, le=19)


def _require(request) -> None:
    request.audit_action = "alert_list"
    request.audit_object = ("alert", "api")
    request.audit_purpose = "api"
    if not access.can_see_alerts(request.user):
        raise PermissionDenied(
            _("Alleen professionals met een gebied zien vroegsignalen.")
        )


def _out(alert: Alert, user, names: dict) -> dict:
    place = services.place_of(alert, user, _names_cache=names)
    return {
        "alert_id": alert.alert_id,
        "status": alert.status,
        "status_label": str(alert.get_status_display()),
        "team": alert.team.name,
        "kind": alert.kind,
        "kind_label": str(alert.kind_label),
        "meaning": alert.meaning,
        "run_at": alert.run_at.isoformat(),
        "as_of": alert.as_of.isoformat(),
        "level": alert.level,
        "place_id": alert.place_id,
        "place_name": place.name,
        "place_url": place.url or None,
        "window_start": alert.window_start.isoformat(),
        "window_end": alert.window_end.isoformat(),
        "observed": alert.observed,
        "expected": alert.expected,
        "p_value": alert.p_value,
        "recurrence_days": alert.recurrence_days,  # null: not special (p = 1)
        "recurrence_text": alert.recurrence,
        "method": alert.method,
        "evidence": alert.evidence,
        "url": reverse("alerts:detail", args=[alert.alert_id]),
    }


@router.get(
    "/",
    summary="Vroegsignalen in uw gebieden",
    response={200: list[dict], **problems(401, 403, 422)},
)
def list_alerts(request: HttpRequest, q: Query[ListQuery]):
    _require(request)
    services.sync_if_changed()
    qs = services.filtered(services.visible_alerts(request.user), q.view)
    names: dict = {}
    rows = [_out(a, request.user, names) for a in qs.order_by("-run_at", "alert_id")]
    access.audit("alert_list", request=request, object_id="api", purpose=q.view)
    return rows


@router.get(
    "/layer",
    summary="De plaatsen van uw vroegsignalen als GeoJSON (kaartlaag)",
    response={200: dict, **problems(401, 403, 422)},
    openapi_extra={"responses": {200: {"content": {"application/geo+json": {}}}}},
)
def alert_layer(request: HttpRequest, q: Query[LayerQuery]):
    from veerkracht.web.maps.services import geometries

    _require(request)
    request.audit_object = ("alert", "kaart")
    services.sync_if_changed()
    alerts = list(
        services.filtered(services.visible_alerts(request.user), q.view)
        .order_by("p_value", "alert_id")
    )
    by_level: dict[str, set[str]] = {}
    for a in alerts:
        by_level.setdefault(a.level, set()).add(a.place_id)
    shapes = {lvl: geometries(lvl, ids, zoom=q.zoom) for lvl, ids in by_level.items()}
    names: dict = {}
    features = []
    for a in alerts:
        geometry = shapes[a.level].get(a.place_id)
        if geometry is None:
            continue
        place = services.place_of(a, request.user, _names_cache=names)
        props = {
            "alert_id": a.alert_id, "kind": a.kind, "kind_label": str(a.kind_label),
            "status": a.status, "status_label": str(a.get_status_display()),
            "level": a.level, "place_name": place.name,
            "window": f"{a.window_start:%d-%m-%Y} – {a.window_end:%d-%m-%Y}",
            "recurrence_text": a.recurrence,
            "url": reverse("alerts:detail", args=[a.alert_id]),
        }
        features.append(
            f'{{"type":"Feature","id":{json.dumps(a.alert_id)},"geometry":{geometry},'
            f'"properties":{json.dumps(props, ensure_ascii=False)}}}'
        )
    if features:
        access.audit("alert_list", request=request, object_id="kaart", purpose="map")
    meta = json.dumps({"count": len(features), "view": q.view})
    joined = ",".join(features)
    body = f'{{"type":"FeatureCollection","meta":{meta},"features":[{joined}]}}'
    return HttpResponse(body.encode(), content_type="application/geo+json")


@router.get(
    "/{alert_id}",
    summary="Eén vroegsignaal",
    response={200: dict, **problems(401, 403, 404)},
)
def get_alert(request: HttpRequest, alert_id: str):
    _require(request)
    request.audit_action = "alert_view"
    services.sync_if_changed()
    alert = services.visible_alert(request.user, alert_id)
    if alert is None:
        access.audit("alert_view", request=request, object_id=alert_id,
                     result="refused", purpose="api")
        raise Http404(_("Dit vroegsignaal bestaat niet of valt buiten uw gebied."))
    access.audit("alert_view", request=request, object_id=alert.alert_id,
                 purpose="api")
    out = _out(alert, request.user, {})
    out["history"] = [
        {"at": h.at.isoformat(), "from_status": h.from_status,
         "to_status": h.to_status, "actor_role": h.actor_role, "note": h.note}
        for h in alert.history.all()
    ]
    return out
