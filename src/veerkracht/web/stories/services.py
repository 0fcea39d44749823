"""Stories for a place profile, search, and writing — always area-scoped.

The place profile calls :func:`stories_for_place` (or includes
``stories/_for_place.html`` with ``stories``/``interventions`` in context).
Nothing here reads or writes the workspace: stories stay out of analytics.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from veerkracht.web.accounts import roles, scoping
from veerkracht.web.levels import LEVELS, check_level
from veerkracht.web.stories.models import Intervention, Story


def can_write(user) -> bool:
    """Professionals who see the map and report signals write stories."""
    return roles.has(user, "view_map") and roles.has(user, "report_signals")


def _scope(user, model) -> QuerySet:
    parts = []
    for level in LEVELS:
        ids = scoping.visible_ids(user, level)
        if ids:
            parts.append(Q(level=level, place_id__in=sorted(ids)))
    if not parts:
        return model.objects.none()
    return model.objects.filter(reduce(or_, parts))


def visible_stories(user) -> QuerySet[Story]:
    """Stories of places the user may see."""
    return _scope(user, Story)


def stories_for_place(level: str, place_id: str, user) -> list[Story]:
    """Stories of one place, newest first; empty when the place is out of scope."""
    check_level(level)
    if not scoping.can_see(user, level, place_id):
        return []
    return list(Story.objects.filter(level=level, place_id=place_id))


def interventions_for_place(level: str, place_id: str, user) -> list[Intervention]:
    """Interventions registered at one place (same scoping as stories)."""
    check_level(level)
    if not scoping.can_see(user, level, place_id):
        return []
    return list(Intervention.objects.filter(level=level, place_id=place_id))


def search(user, text: str) -> QuerySet[Story]:
    """Stories in the user's areas whose title or text contains ``text``."""
    qs = visible_stories(user)
    text = (text or "").strip()
    if text:
        qs = qs.filter(Q(title__icontains=text) | Q(body__icontains=text))
    return qs


def write_story(user, *, level: str, place_id: str, request=None, **fields) -> Story:
    """Store a story for a place the user may see (audited by place id)."""
    from veerkracht.web.signals import access

    check_level(level)
    if not can_write(user) or not scoping.can_see(user, level, place_id):
        raise PermissionDenied("Deze plaats valt buiten uw gebied of rol.")
    profile = getattr(user, "profile", None)
    story = Story.objects.create(
        level=level,
        place_id=place_id,
        author=access.actor(user),
        author_role=roles.role_of(user) or "",
        organisation=getattr(profile, "organisation", None),
        **fields,
    )
    access.audit(
        "story_create", request=request, user=user, object_id=f"{level}:{place_id}"
    )
    return story


def register_intervention(
    user, *, level: str, place_id: str, request=None, **fields
) -> Intervention:
    """Register an intervention at a place the user may see."""
    from veerkracht.web.signals import access

    check_level(level)
    if not can_write(user) or not scoping.can_see(user, level, place_id):
        raise PermissionDenied("Deze plaats valt buiten uw gebied of rol.")
    item = Intervention(
        level=level,
        place_id=place_id,
        author=access.actor(user),
        organisation=getattr(getattr(user, "profile", None), "organisation", None),
        **fields,
    )
    item.full_clean()
    item.save()
    access.audit(
        "intervention_create",
        request=request,
        user=user,
        object_id=f"{level}:{place_id}",
    )
    return item
