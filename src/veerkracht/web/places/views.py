"""Place profile page and its printable PDF."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from veerkracht.web.accounts import roles, scoping
from veerkracht.web.audit.services import record
from veerkracht.web.levels import LEVELS
from veerkracht.web.places import charts, figures, pdf, search, services
from veerkracht.web.signals import services as signals
from veerkracht.web.stories import services as stories


def _period(request, name: str) -> str | None:
    """A period chosen in the query string: one with results, else None."""
    value = request.GET.get(name) or None
    return value if value in figures.available_periods() else None


def _load(request, level: str, place_id: str, *, action: str, purpose: str,
          period: str | None = None):
    if level not in LEVELS:
        raise Http404(_("Onbekend niveau."))
    if services.shown_place_row(level, place_id) is None:
        # a stale link (the place was merged or renamed by a new derivation),
        # or a place under the dwelling floor, whatever the user's area
        raise Http404(_("Deze plaats bestaat niet (meer)."))
    scoping.require(request, level, place_id, action=action, purpose=purpose)
    prof = services.profile(
        level,
        place_id,
        audience=figures.audience_for(request.user, level, place_id),
        can_see_parent=lambda lvl, pid: scoping.can_see(request.user, lvl, pid),
        period=period,
    )
    if prof is None:
        # not published for this audience: the same answer as an unknown place
        raise Http404(_("Deze plaats bestaat niet (meer)."))
    return prof


def _beside_the_figures(request, level: str, place_id: str) -> dict:
    """Stories, interventions and the web's own signals of the place."""
    return {
        "stories": stories.stories_for_place(level, place_id, request.user),
        "interventions": stories.interventions_for_place(level, place_id,
                                                         request.user),
        "can_write_story": stories.can_write(request.user),
        "web_signals": signals.place_signal_counts(level, place_id, request.user),
    }


def _headroom(request, prof):
    """The section "Ruimte voor plaatsing" (roles that plan; audited)."""
    from veerkracht.web.allocation import services as allocation

    room = allocation.for_profile(request.user, prof.level, prof.place_id,
                                  prof.period, prof.audience)
    if room and room["rows"]:
        # every category at once: one row
        record("view", request=request, level=prof.level, object_id=prof.place_id,
               purpose="headroom")
    return room


@login_required
@require_GET
def profile(request, level: str, place_id: str):
    """The profile of one place: balance, indicators, signals, stories.

    ``?periode=2024`` shows another period than the latest, and
    ``?vergelijk=2023`` sets a second period beside it. An unknown period in
    the query string is ignored (the latest is shown) and said so.
    """
    period = _period(request, "periode")
    prof = _load(request, level, place_id, action="view", purpose="profile",
                 period=period)
    other = _period(request, "vergelijk")
    compared = None
    if other is not None and other != prof.period:
        compared = services.comparison(level, place_id, prof.period, other,
                                       audience=prof.audience)
    asked = [request.GET.get(k) for k in ("periode", "vergelijk")]
    unknown = [a for a in asked if a and a not in prof.periods]
    record("view", request=request, level=level, object_id=place_id, purpose="profile")
    room = _headroom(request, prof)
    return render(
        request,
        "places/profile.html",
        {
            "place": prof,
            "profile_svg": mark_safe(charts.multiscale_svg(prof.multiscale)),  # noqa: S308
            "balance_svg": mark_safe(charts.balance_svg(  # noqa: S308
                services.year_axis(prof.periods),
                {h["period"]: h for h in prof.history})),
            "signals_svg": mark_safe(charts.signals_svg(  # noqa: S308
                prof.signals.get("quarters", []), prof.signals.get("rows", []))),
            "comparison": compared,
            "compare_with": other,
            "unknown_periods": unknown,
            "latest": not prof.periods or prof.period == prof.periods[-1],
            "can_export": roles.has(request.user, "export_profiles"),
            "room": room,
            **_beside_the_figures(request, level, place_id),
        },
    )


@login_required
@require_GET
def profile_pdf(request, level: str, place_id: str):
    """The printable profile (PDF); an audited export."""
    scoping.require_permission(request, "export_profiles", purpose="pdf")
    prof = _load(request, level, place_id, action="export", purpose="pdf",
                 period=_period(request, "periode"))
    beside = _beside_the_figures(request, level, place_id)
    data = pdf.render_profile(prof, stories=beside["stories"],
                              interventions=beside["interventions"])
    record("export", request=request, level=level, object_id=place_id, purpose="pdf")
    response = HttpResponse(data, content_type="application/pdf")
    safe_id = "".join(c if c.isalnum() or c in "-_" else "_" for c in place_id)
    response["Content-Disposition"] = (
        f'attachment; filename="profiel-{level}-{safe_id}.pdf"'
    )
    response["Cache-Control"] = "no-store"
    return response


#: what a search is for (``?doel=``): where a found place's link leads
SEARCH_TARGETS = {
    "kaart": None,
    "verhaal": "stories:new",
    "interventie": "stories:new_intervention",
}


def search_target(value: str | None) -> str:
    return value if value in SEARCH_TARGETS else "kaart"


@login_required
@require_GET
def search_page(request):
    """Find a place without JavaScript: the plain form behind every place
    search box (map, story and intervention forms); same service, limit and
    audit as ``GET /api/places/search``."""
    scoping.require_permission(request, "view_map", purpose="search")
    query = request.GET.get("q", "")[: search.MAX_QUERY]
    target = search_target(request.GET.get("doel"))
    hits, truncated, searched = [], False, bool(query.strip())
    if searched:
        try:
            result = search.lookup(request, query, limit=search.MAX_LIMIT)
        except search.TooMany as exc:
            return render(request, "veerkracht/error.html",
                          {"title": _("Te veel zoekopdrachten"), "detail": str(exc)},
                          status=429)
        hits, truncated = result.hits, result.truncated
    rows = []
    for hit in hits:
        place = {"level": hit.level, "place": hit.place_id}
        row = {"hit": hit.as_dict(),
               "profile": reverse("places:profile", args=[hit.level, hit.place_id]),
               "map": reverse("maps:map") + "?" + urlencode(
                   {"niveau": hit.level, "plaats": hit.place_id})}
        if SEARCH_TARGETS[target]:
            row["choose"] = reverse(SEARCH_TARGETS[target]) + "?" + urlencode(place)
        rows.append(row)
    return render(request, "places/search.html", {
        "q": query, "doel": target, "rows": rows, "truncated": truncated,
        "searched": searched,
        "back": reverse(SEARCH_TARGETS[target]) if SEARCH_TARGETS[target]
        else reverse("maps:map"),
    })
