"""REST API for stories and interventions on the shared NinjaAPI.

* ``GET /api/stories/{level}/{place_id}`` — the stories and interventions of
  one place, newest first, as the place profile shows them;
* ``GET /api/interventions/`` — interventions with a place in one's areas
  (only those places);
* ``POST /api/interventions/`` — register one (professionals who write
  stories; every place in one's areas);
* ``GET /api/interventions/effects`` — what ``veerkracht evaluate`` found,
  through the publication door (who sees the map).

Session login only (the API's ``django_auth``): an anonymous request is
answered 401. A place outside the user's areas is answered 404, like an
unknown one, and the refusal is audited; every answer is audited (stories
hold free text). Stories are written on the page (``/verhalen/nieuw/``).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja import Status as Reply
from ninja.errors import HttpError

from veerkracht.analytics.evaluation.interventions import (
    DESCRIPTION_FIELDS,
    DOMAINS,
    INTENSITIES,
    INTERVENTION_LEVELS,
)
from veerkracht.web.accounts import scoping
from veerkracht.web.audit.services import record
from veerkracht.web.levels import LEVELS
from veerkracht.web.problems import problems
from veerkracht.web.stories import services

router = Router(tags=["verhalen"])


def _story(s) -> dict:
    return {
        "title": s.title,
        "kind": s.kind,
        "kind_label": str(s.get_kind_display()),
        "observed_on": s.observed_on.isoformat(),
        "body": s.body,
    }


def _intervention(i) -> dict:
    return {
        "title": i.title,
        "domain": i.domain,
        "domain_label": str(i.get_domain_display()),
        "start": i.start.isoformat(),
        "end": i.end.isoformat() if i.end else None,
        "description": i.description,
        "combined_with": list(getattr(i, "combined_with", [])),
    }


@router.get(
    "/{level}/{place_id}",
    summary="Verhalen en interventies bij één plaats",
    response={200: dict, **problems(401, 404)},
)
def place_stories(request: HttpRequest, level: str, place_id: str):
    known = level if level in LEVELS else ""
    if not known or not scoping.can_see(request.user, level, place_id):
        record("view", request=request, level=known, object_id=place_id,
               purpose="api", result="refused")
        raise Http404(_("Deze plaats bestaat niet of valt buiten uw gebied."))
    stories = services.stories_for_place(level, place_id, request.user)
    interventions = services.interventions_for_place(level, place_id, request.user)
    record("view", request=request, level=level, object_id=place_id, purpose="api")
    return {
        "level": level,
        "place_id": place_id,
        "stories": [_story(s) for s in stories],
        "interventions": [_intervention(i) for i in interventions],
    }


# ---------------------------------------------------------------------------
# /api/interventions/: register, list and read the effects (docs/evaluation.md)

interventions_router = Router(tags=["interventies"])

_DOMAIN = Literal[tuple(c for c, _ in DOMAINS)]  # type: ignore[valid-type]
_LEVEL = Literal[INTERVENTION_LEVELS]  # type: ignore[valid-type]
_INTENSITY = Literal[tuple(c for c, _ in INTENSITIES)]  # type: ignore[valid-type]


class InterventionIn(Schema):
    """An intervention on one or more places of one level."""

    title: str = Field(..., min_length=1, max_length=160)
    domain: _DOMAIN
    level: _LEVEL
    place_ids: list[str] = Field(..., min_length=1, max_length=500)
    start: date
    end: date | None = None
    intensity: _INTENSITY | None = None
    organisations: str = Field("", max_length=400)
    goal: str = Field("", max_length=4000)
    target_group: str = Field("", max_length=4000)
    approach: str = Field("", max_length=4000)
    working_elements: str = Field("", max_length=4000)
    preconditions: str = Field("", max_length=4000)
    description: str = Field("", max_length=8000)


def _intervention_out(i, places) -> dict:
    return _intervention(i) | {
        "id": i.workspace_id, "level": i.level, "place_ids": places,
        "intensity": i.intensity or None, "organisations": i.organisations,
        **{code: getattr(i, code) for code, _ in DESCRIPTION_FIELDS},
    }


@interventions_router.get(
    "/", summary="Interventies in mijn gebieden",
    response={200: list[dict], **problems(401)},
)
def list_interventions(request: HttpRequest):
    """Interventions with a place in the user's areas; only those places."""
    items = services.visible_interventions(request.user)
    record("view", request=request, object_id="interventions", purpose="api")
    return [_intervention_out(i, i.visible_places) for i in items]


@interventions_router.post(
    "/", summary="Een interventie registreren (professionals)",
    response={201: dict, **problems(400, 401, 403, 422)},
)
def register(request: HttpRequest, payload: InterventionIn):
    """Register; every place must be in the user's areas, or nothing is stored."""
    from django.core.exceptions import ValidationError as ModelError

    fields = payload.dict()
    place_ids = fields.pop("place_ids")
    level = fields.pop("level")
    fields["intensity"] = fields["intensity"] or ""
    try:
        item = services.register_intervention(request.user, level=level,
                                              place_ids=place_ids,
                                              request=request, **fields)
    except ModelError as exc:
        raise HttpError(422, "; ".join(
            f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from None
    return Reply(201, _intervention_out(item, sorted(set(place_ids))))


@interventions_router.get(
    "/effects", summary="Gepubliceerde effecten van interventies",
    response={200: list[dict], **problems(401, 403)},
)
def effects(request: HttpRequest):
    """What ``veerkracht evaluate`` found, through the publication door
    (how many places, never which); empty before the first evaluation."""
    import math

    from veerkracht.jobs.evaluate import published_evaluations
    from veerkracht.web.accounts import roles
    from veerkracht.web.workspace import workspace

    if not roles.has(request.user, "view_map"):
        raise PermissionDenied(_("Alleen wie de kaart ziet, ziet wat werkt."))
    rows = published_evaluations(workspace()).to_dict("records")
    record("view", request=request, object_id="effects", purpose="api")
    return [{k: (None if isinstance(v, float) and math.isnan(v) else v)
             for k, v in r.items()} for r in rows]
