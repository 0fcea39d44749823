"""The map page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from veerkracht.web.accounts import roles, scoping


@login_required
def map_page(request):
    scoping.require_permission(request, "view_map", purpose="map")
    levels = roles.levels_for(request.user)
    return render(request, "maps/map.html", {"levels": levels})
