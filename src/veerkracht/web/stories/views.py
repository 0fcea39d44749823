"""Stories: search in one's areas, write a story, register an intervention."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from veerkracht.web.accounts import roles
from veerkracht.web.places import search
from veerkracht.web.stories import services
from veerkracht.web.stories.forms import InterventionForm, StoryForm


def _require(request) -> None:
    if not services.can_write(request.user):
        raise PermissionDenied(
            "Alleen professionals met een gebied lezen en schrijven verhalen."
        )


@login_required
def index(request):
    """Search the stories of one's areas (title and text)."""
    _require(request)
    q = request.GET.get("q", "")
    stories = services.search(request.user, q)[:100]
    return render(request, "stories/index.html", {"stories": stories, "q": q})


def _place_initial(request) -> dict:
    return {
        "level": request.GET.get("level", ""),
        "place_id": request.GET.get("place", ""),
    }


def _page(request, form, title: str, doel: str):
    """The form page: the place search first, then the form.

    ``chosen`` is the place the form holds (from the profile's link, the
    search page or a sent form), as the place search names it, or ``None``
    when there is none or the user may not choose it.
    """
    values = form.data if form.is_bound else form.initial
    level, place_id = values.get("level", ""), values.get("place_id", "")
    chosen = search.place_label(request.user, level, place_id) if place_id else None
    place_errors = [*form.errors.get("level", []), *form.errors.get("place_id", [])]
    return render(request, "stories/form.html", {
        "form": form, "title": title, "doel": doel,
        "chosen": chosen.as_dict() if chosen else None,
        "unknown_place": bool(place_id) and chosen is None and not form.is_bound,
        "place_errors": list(dict.fromkeys(str(e) for e in place_errors)),
    })


def _back(data: dict):
    """Back to the place profile the form was opened from."""
    return redirect("places:profile", data["level"], data["place_id"])


@login_required
def new_story(request):
    _require(request)
    form = StoryForm(request.POST or None, initial=_place_initial(request))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.write_story(request.user, request=request, **data)
        except PermissionDenied as exc:
            form.add_error("place_id", str(exc))
        else:
            messages.success(request, "Uw verhaal is opgeslagen.")
            return _back(data)
    return _page(request, form, _("Verhaal schrijven"), "verhaal")


@login_required
def new_intervention(request):
    _require(request)
    form = InterventionForm(request.POST or None, initial=_place_initial(request))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        fields = {k: v for k, v in data.items() if k not in ("place_id", "more_places")}
        try:
            services.register_intervention(request.user, request=request,
                                           place_ids=form.place_ids(), **fields)
        except PermissionDenied as exc:
            form.add_error("place_id", str(exc))
        else:
            messages.success(request, "De interventie is geregistreerd.")
            return _back(data)
    return _page(request, form, _("Interventie registreren"), "interventie")


def _stories(text) -> list[dict]:
    """The shared stories of an imported entry (JSON text; none if absent)."""
    import json

    try:
        items = json.loads(text) if text else []
    except (TypeError, ValueError):
        return []
    return [s for s in items if isinstance(s, dict)] if isinstance(items, list) else []


def _other_municipalities(entries) -> list[dict]:
    """Imported libraries (``veerkracht library import``), per municipality and
    entry, with each effect and its verdict."""
    from veerkracht.analytics.evaluation.evaluate import VERDICTS
    from veerkracht.analytics.evaluation.interventions import DOMAIN_LABELS
    from veerkracht.analytics.evaluation.panel import OUTCOMES
    from veerkracht.web.levels import LABELS

    if entries is None or not len(entries):
        return []
    out = []
    for (code, name), rows in entries.groupby(["municipality_code", "municipality"],
                                              sort=True):
        items = []
        for er in (g for _key, g in rows.groupby("id", sort=False)):
            first = er.iloc[0]
            items.append({
                "title": first["title"], "kind": first["kind"],
                "level": LABELS.get(first["level"], first["level"]),
                "n_places": int(first["n_places"]), "start": first["start"],
                "domains": [DOMAIN_LABELS.get(d, d)
                            for d in str(first["domains"]).split("+")],
                "working_elements": first.get("working_elements", ""),
                "stories": _stories(first.get("stories")),
                "effects": [{"outcome": OUTCOMES.get(r["outcome"], r["outcome"]),
                             "att": _fmt(r["att"]), "lo": _fmt(r["lo"]),
                             "hi": _fmt(r["hi"]),
                             "verdict": VERDICTS.get(r["verdict"], r["verdict"])}
                            for r in er.to_dict("records")],
            })
        out.append({"code": code, "name": name,
                    "created": str(rows["library_created"].iloc[0])[:10],
                    "entries": items})
    return out


def _bright_spots(user, level: str = "block", top: int = 12) -> dict:
    """Positive deviance of ``level`` through the door, the user's places only,
    each with the number of stories and the interventions registered there."""
    from veerkracht.jobs.evaluate import EvaluateError, published_deviance
    from veerkracht.web.accounts import scoping
    from veerkracht.web.workspace import workspace

    try:
        rows = published_deviance(workspace(), level)
    except EvaluateError as exc:
        return {"places": [], "message": str(exc)}
    mine = scoping.visible_ids(user, level) or set()
    places = []
    for r in rows[rows["positive"]].itertuples():
        if r.place_id not in mine:
            continue
        places.append({
            "place_id": r.place_id, "name": r.name or r.place_id, "level": level,
            "balance": _fmt(r.balance), "predicted": _fmt(r.predicted),
            "deviation": _fmt(r.deviation), "lo": _fmt(r.deviation_lo),
            "hi": _fmt(r.deviation_hi), "interventions": r.interventions,
            "stories": len(services.stories_for_place(level, r.place_id, user)),
        })
        if len(places) >= top:
            break
    rho = rows.attrs.get("rank_correlation")
    return {"places": places, "period": rows.attrs.get("period"),
            "previous": rows.attrs.get("previous"),
            "rho": None if rho is None else _fmt(rho).rstrip("0"),
            "common": rows.attrs.get("common"),
            "n_positive": int(rows["positive"].sum()), "n": len(rows)}


def _fmt(x) -> str:
    return f"{x:.3f}".replace(".", ",").replace("-", "−")


@login_required
def what_works(request):
    """What works: the published effects of interventions and combinations.

    The figures come only through the publication door
    (:func:`veerkracht.jobs.evaluate.published_evaluations`, audience
    public: how many places, never which); the descriptions from the
    workspace's ``interventions``; the user's own registered interventions
    with the places of them the user may see.
    """
    from veerkracht.analytics.evaluation.evaluate import VERDICTS, verdict
    from veerkracht.analytics.evaluation.interventions import (
        DESCRIPTION_FIELDS,
        DOMAIN_LABELS,
        INTENSITIES,
    )
    from veerkracht.analytics.evaluation.panel import LOWER_IS_BETTER, OUTCOMES
    from veerkracht.jobs.evaluate import published_evaluations
    from veerkracht.web.levels import LABELS
    from veerkracht.web.workspace import table, workspace

    if not roles.has(request.user, "view_map"):
        raise PermissionDenied("Alleen wie de kaart ziet, ziet wat werkt.")
    shown = published_evaluations(workspace())
    described = table("interventions")
    about = ({} if described is None else
             {str(r["intervention_id"]): r for r in described.to_dict("records")})
    intensities = dict(INTENSITIES)
    treatments = []
    for tid, rows in (shown.groupby("treatment_id", sort=False) if len(shown) else []):
        first = rows.iloc[0]
        members = [about[m] for m in str(tid).split("+") if m in about]
        effects = []
        for r in rows.to_dict("records"):
            item = {"outcome": OUTCOMES.get(r["outcome"], r["outcome"]),
                    "shown": bool(r["shown"]), "message": r.get("message", "")}
            if item["shown"]:
                key = verdict(r["lo"], r["hi"], r["outcome"] in LOWER_IS_BETTER,
                              r.get("pretrend_p"),
                              (r.get("placebo_lo"), r.get("placebo_hi")))
                item |= {"att": _fmt(r["att"]), "lo": _fmt(r["lo"]),
                         "hi": _fmt(r["hi"]), "before": _fmt(r["treated_mean_before"]),
                         "pretrend": _fmt(r["pretrend_p"]).rstrip("0").rstrip(","),
                         "n": int(r["n_treated"]), "m": int(r["n_comparison"]),
                         "synth": r.get("method") == "synth",
                         "verdict": key, "verdict_text": VERDICTS[key]}
            effects.append(item)
        treatments.append({
            "id": tid, "title": first["title"], "kind": first["kind"],
            "level": LABELS.get(first["level"], first["level"]),
            "domains": [DOMAIN_LABELS.get(d, d)
                        for d in str(first["domains"]).split("+")],
            "members": [{
                "title": m["title"], "start": str(m["start"])[:10],
                "intensity": intensities.get(m.get("intensity"), ""),
                "organisations": m.get("organisations") or "",
                "fields": [(label, m.get(code)) for code, label in DESCRIPTION_FIELDS
                           if m.get(code)],
            } for m in members],
            "effects": effects, "periods": first.get("periods", ""),
            "interval": f"{float(first['interval']):.0%}",
        })
    bright = _bright_spots(request.user)
    others = _other_municipalities(table("library_entries"))
    return render(request, "stories/what_works.html", {
        "treatments": treatments, "bright": bright, "others": others,
        "mine": services.visible_interventions(request.user),
        "can_register": services.can_write(request.user),
    })


@login_required
def share_review(request):
    """The privacy officer's decisions on stories offered for the library."""
    if not services.can_review_shares(request.user):
        raise PermissionDenied("Alleen de privacyfunctionaris beslist wat er "
                               "gedeeld wordt.")
    if request.method == "POST":
        choice = request.POST.get("decision")
        try:
            story_id = int(request.POST.get("story", ""))
        except ValueError:
            story_id = -1
        if choice not in ("approve", "refuse"):
            messages.error(request, _("Kies goedkeuren of afwijzen."))
        else:
            try:
                services.decide_share(request.user, story_id, choice == "approve",
                                      request=request)
            except PermissionDenied as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("Goedgekeurd: het verhaal gaat mee in "
                                            "de kennisbibliotheek.")
                                 if choice == "approve" else
                                 _("Afgewezen: het verhaal blijft in de gemeente."))
        return redirect("stories:share_review")
    return render(request, "stories/share_review.html", {
        "stories": list(services.stories_to_review()),
        "shared": list(services.Story.objects.filter(
            share_requested=True, shared_at__isnull=False)[:50]),
    })
