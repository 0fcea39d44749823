"""The map page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from veerkracht.web.accounts import roles, scoping
from veerkracht.web.levels import LABELS
from veerkracht.web.maps import context, services
from veerkracht.web.places import figures


def _map_text() -> dict[str, str]:
    """The words map.js shows, in the request's language."""
    return {
        "level": _("Niveau"), "balance": _("Balans"), "meaning": _("Betekenis"),
        "class_interval": _("Interval (klasse)"),
        "balance_value": _("Balans (getal)"), "to": _("tot"),
        "dwellings": _("Woningen (afgerond)"), "band": _("Band (kleine plaats)"),
        "shown_as": _("Weergave"), "profile": _("Plaatsprofiel"),
        "drill": _("Inzoomen:"), "all": _("Alles in beeld"),
        "no_data": _("geen gegevens"), "band_short": _("band"),
        "loading": _("Laden…"), "failed": _("Laden mislukt."),
        "failed_retry": _("Laden mislukt; probeer het opnieuw."),
        "zoom_in": _("Zoom verder in om {level} te zien."),
        "n_places": _("{n} plaatsen ({level})"),
        "no_places": _("Er zijn (nog) geen plaatsen in uw gebieden."),
    }


def _headroom_text() -> dict[str, str]:
    """The headroom layer's words (roles that plan only)."""
    return {
        "headroom": _("Ruimte voor plaatsing"),
        "headroom_limited": _("begrensd door het aantal huishoudens, niet door "
                              "het model"),
        "headroom_class": _("Klasse nu"),
    }


@login_required
def map_page(request):
    """Leaflet map of the user's areas, coarse level first (buurt when allowed)."""
    scoping.require_permission(request, "view_map", purpose="map")
    levels = roles.levels_for(request.user)
    start = "buurt" if "buurt" in levels else levels[0]
    from veerkracht.web.allocation import services as allocation

    plans = allocation.can_plan(request.user) and bool(
        allocation.levels_for(request.user))
    category = request.GET.get("categorie", "")
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
            "periods": figures.available_periods(),
            "map_text": {**_map_text(), **(_headroom_text() if plans else {})},
            # a place to open first (?niveau=LEVEL&plaats=ID, from the search page)
            "open_level": request.GET.get("niveau", "")
            if request.GET.get("niveau") in levels else "",
            "open_place": request.GET.get("plaats", "")[:120],
            # the headroom layer (?laag=ruimte&categorie=zorg), for the roles
            # that plan
            "headroom": {
                "levels": allocation.levels_for(request.user),
                "categories": allocation.categories(),
                "category": category if category in dict(
                    allocation.categories()) else "",
                "open": request.GET.get("laag") == "ruimte",
            } if plans else None,
        },
    )
