"""Stories for a place profile, search, and writing — always area-scoped.

The place profile calls :func:`stories_for_place` (or includes
``stories/_for_place.html`` with ``stories``/``interventions`` in context).
Stories stay out of analytics. Interventions go to the workspace tables
``interventions`` and ``intervention_places`` (:func:`sync_interventions`,
after every registration): their places, dates, domain and description,
never the author, for ``veerkracht evaluate``. Stories stay in the web
database, except those the author asked to share and the privacy officer
approved (:func:`decide_share`): they go to the workspace table
``shared_stories`` (kind, title, text, month, place; never the author) for
the knowledge library (docs/library.md).
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from veerkracht.web.accounts import roles, scoping
from veerkracht.web.levels import LEVELS, check_level
from veerkracht.web.stories.models import Intervention, InterventionPlace, Story


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
    """Interventions registered at one place (same scoping as stories).

    Each carries ``combined_with``: the titles of the other interventions at
    the same place (a combination).
    """
    check_level(level)
    if not scoping.can_see(user, level, place_id):
        return []
    items = list(Intervention.objects.filter(level=level, places__place_id=place_id)
                 .distinct())
    for item in items:
        item.combined_with = [o.title for o in items if o.pk != item.pk]
    return items


def visible_interventions(user) -> list[Intervention]:
    """Interventions with at least one place the user may see, newest first.

    Each carries ``visible_places``: the ids of its places the user may see
    (never the others).
    """
    out = []
    for level in LEVELS:
        ids = scoping.visible_ids(user, level)
        if not ids:
            continue
        rows = InterventionPlace.objects.filter(intervention__level=level,
                                                place_id__in=sorted(ids))
        seen: dict[int, list[str]] = {}
        for r in rows:
            seen.setdefault(r.intervention_id, []).append(r.place_id)
        for item in Intervention.objects.filter(pk__in=seen):
            item.visible_places = sorted(seen[item.pk])
            out.append(item)
    return sorted(out, key=lambda i: (i.start, i.pk), reverse=True)


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
    user, *, level: str, place_ids, request=None, **fields
) -> Intervention:
    """Register an intervention on places the user may see (audited).

    ``place_ids`` are places of ``level``; every one must be in the user's
    areas, or nothing is stored. The workspace gets the intervention when the
    transaction commits (:func:`sync_interventions`).
    """
    from django.db import transaction

    from veerkracht.web.signals import access

    check_level(level)
    ids = list(dict.fromkeys(str(p).strip() for p in place_ids if str(p).strip()))
    if not ids:
        raise PermissionDenied("Kies minstens één plaats.")
    if not can_write(user):
        raise PermissionDenied("Deze plaats valt buiten uw gebied of rol.")
    outside = [p for p in ids if not scoping.can_see(user, level, p)]
    if outside:
        raise PermissionDenied(
            f"Deze plaats valt buiten uw gebied of rol: {outside[0]}.")
    item = Intervention(
        level=level,
        author=access.actor(user),
        organisation=getattr(getattr(user, "profile", None), "organisation", None),
        **fields,
    )
    item.full_clean()
    with transaction.atomic():
        item.save()
        InterventionPlace.objects.bulk_create(
            InterventionPlace(intervention=item, place_id=p) for p in ids)
        transaction.on_commit(_sync_quietly)
    access.audit(
        "intervention_create",
        request=request,
        user=user,
        object_id=f"{level}:{';'.join(ids)}"[:200],
    )
    return item


def stories_to_review() -> QuerySet[Story]:
    """Stories whose author asked to share them and that await a decision."""
    return Story.objects.filter(share_requested=True, shared_at__isnull=True)


def can_review_shares(user) -> bool:
    """The privacy officer decides what is published: also which stories."""
    return roles.has(user, "manage_thresholds")


def decide_share(user, story_id: int, approve: bool, request=None) -> Story:
    """Approve a story for the knowledge library, or refuse (audited).

    Refusing clears the author's request; approving records who and when.
    The workspace's ``shared_stories`` follows on commit.
    """
    from django.db import transaction
    from django.utils import timezone

    from veerkracht.web.signals import access

    if not can_review_shares(user):
        raise PermissionDenied("Alleen de privacyfunctionaris beslist wat er "
                               "gedeeld wordt.")
    with transaction.atomic():
        story = Story.objects.select_for_update().filter(pk=story_id).first()
        if story is None or not story.share_requested:
            raise PermissionDenied("Dit verhaal is niet aangeboden om te delen.")
        if approve:
            story.shared_at, story.shared_by = timezone.now(), access.actor(user)
        else:
            story.share_requested, story.shared_at, story.shared_by = False, None, ""
        story.save(update_fields=["share_requested", "shared_at", "shared_by"])
        transaction.on_commit(_sync_quietly)
    access.audit("story_share_approve" if approve else "story_share_refuse",
                 request=request, user=user, object_id=f"story:{story.pk}")
    return story


def _sync_quietly() -> None:
    """Sync after a registration; a workspace that cannot be written (locked,
    read-only) is logged and retried by the next registration or by
    ``python -m veerkracht.web sync_interventions``: the registration stands."""
    import logging

    try:
        sync_interventions()
    except Exception:  # noqa: BLE001 - the registration must not fail on it
        logging.getLogger("veerkracht.web.stories").exception(
            "interventies niet naar de werkmap geschreven")


def sync_interventions(ws=None) -> int:
    """Write the registered interventions to the workspace; returns their number.

    The rows of ``interventions`` and ``intervention_places`` that came from
    the web (``source`` ``'web'``) are replaced by the database's; rows from
    elsewhere (Voorbeeldstad's planted ones, an import) are kept. One
    transaction; the author and organisation stay in the web database.
    """
    import pandas as pd

    from veerkracht.analytics.evaluation.interventions import (
        INTERVENTION_COLUMNS,
        PLACE_COLUMNS,
    )
    from veerkracht.analytics.evaluation.library import STORY_COLUMNS
    from veerkracht.web.workspace import workspace

    ws = ws or workspace()
    items = list(Intervention.objects.prefetch_related("places"))
    rows = [{
        "intervention_id": i.workspace_id, "title": i.title, "domain": i.domain,
        "level": i.level, "start": pd.Timestamp(i.start),
        "end": pd.Timestamp(i.end) if i.end else pd.NaT,
        "intensity": i.intensity, "organisations": i.organisations,
        "goal": i.goal, "target_group": i.target_group, "approach": i.approach,
        "working_elements": i.working_elements, "preconditions": i.preconditions,
        "description": i.description, "source": "web", "synthetic": False,
    } for i in items]
    places = [{"intervention_id": i.workspace_id, "level": i.level,
               "place_id": p.place_id, "synthetic": False}
              for i in items for p in i.places.all()]
    web = pd.DataFrame(rows, columns=list(INTERVENTION_COLUMNS))
    web_places = pd.DataFrame(places, columns=list(PLACE_COLUMNS))
    frames = {}
    ids_kept: set[str] = set()
    for name, fresh in (("interventions", web), ("intervention_places", web_places)):
        if ws.has(name):
            old = ws.read(name)
            if name == "interventions":
                keep = old["source"].astype("str") != "web"
                ids_kept = set(old.loc[keep, "intervention_id"].astype("str"))
            else:
                keep = old["intervention_id"].astype("str").isin(ids_kept)
            fresh = pd.concat([old[keep.to_numpy()], fresh], ignore_index=True)
        frames[name] = _typed(fresh)
    shared = [{"story_id": f"web-story-{st.pk}", "level": st.level,
               "place_id": st.place_id, "kind": st.kind, "title": st.title,
               "body": st.body, "observed": st.observed_on.strftime("%Y-%m"),
               "approved": True}
              for st in Story.objects.filter(share_requested=True,
                                             shared_at__isnull=False)]
    frames["shared_stories"] = pd.DataFrame(shared, columns=list(
        STORY_COLUMNS)).astype({c: "str" for c in STORY_COLUMNS
                                if c != "approved"}).astype({"approved": bool})
    with ws.transaction("interventions-sync", source="web") as tx:
        for name, frame in frames.items():
            tx.put(name, frame)
        tx.summary["web_interventions"] = len(items)
        tx.summary["shared_stories"] = len(shared)
    return len(items)



def _typed(frame):
    """Workspace dtypes: text as strings, dates as datetime64[us], a bool."""
    import pandas as pd

    out = frame.copy()
    for col in out.columns:
        if col in ("start", "end"):
            out[col] = pd.to_datetime(out[col]).astype("datetime64[us]")
        elif col == "synthetic":
            out[col] = out[col].astype(bool)
        else:
            out[col] = out[col].astype("str")
    return out
