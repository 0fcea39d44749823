"""REST API for stories: ``/api/stories/`` on the shared NinjaAPI (read only).

* ``GET /api/stories/{level}/{place_id}`` — the stories and interventions of
  one place, newest first, as the place profile shows them.

Session login only (the API's ``django_auth``): an anonymous request is
answered 401. A place outside the user's areas is answered 404, like an
unknown one, and the refusal is audited; every answer is audited (stories
hold free text). Stories are written on the page (``/verhalen/nieuw/``).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

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
