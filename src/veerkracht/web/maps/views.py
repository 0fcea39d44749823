"""The map page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from veerkracht.web.accounts import roles, scoping
from veerkracht.web.levels import LABELS
from veerkracht.web.maps import context, services


@login_required
def map_page(request):
    """Leaflet map of the user's areas, coarse level first (buurt when allowed)."""
    scoping.require_permission(request, "view_map", purpose="map")
    levels = roles.levels_for(request.user)
    start = "buurt" if "buurt" in levels else levels[0]
    return render(
        request,
        "maps/map.html",
        {
            "levels": levels,
            "start_level": start,
            "level_choices": [(lvl, LABELS[lvl]) for lvl in levels],
            "labels": {lvl: str(LABELS[lvl]) for lvl in LABELS},
            "min_zoom": services.MIN_ZOOM,
            "context_version": context.version_token(),
            # a place to open first (?niveau=LEVEL&plaats=ID, from the search page)
            "open_level": request.GET.get("niveau", "")
            if request.GET.get("niveau") in levels else "",
            "open_place": request.GET.get("plaats", "")[:120],
        },
    )
