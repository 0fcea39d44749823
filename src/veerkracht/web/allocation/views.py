"""The page "Wat doet één plaatsing?" (corporation and policy roles)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from veerkracht.web import workspace
from veerkracht.web.accounts import scoping
from veerkracht.web.allocation import services
from veerkracht.web.allocation.forms import WhatIfForm
from veerkracht.web.audit.services import record
from veerkracht.web.signals.locations import LocationError, address_index


def _resolver():
    try:
        index = address_index(workspace.workspace())
    except LocationError:
        return None
    return index.by_address


def audit_effect(request, answer: dict, code: str, urgent: bool) -> None:
    """One audit row per place answered for: level, place and category."""
    for row in answer["rows"]:
        record("view", request=request, level=row["level"],
               object_id=row["place_id"],
               purpose=services.purpose("whatif", code, urgent))


@login_required
@require_http_methods(["GET", "POST"])
def whatif(request):
    """Pick an address and a category; see before and after per place.

    The form is sent by POST, so the address stays out of addresses bars,
    browser history and server logs; the audit trail gets the places and the
    category, never the address.
    """
    scoping.require_permission(request, services.PERMISSION, purpose="whatif")
    resolver = _resolver()
    form = WhatIfForm(request.POST or None, resolver=resolver)
    answer, error, status = None, "", 200
    if request.method == "POST" and resolver is None:
        error = _("Er zijn nog geen adressen ingelezen.")
    elif request.method == "POST" and form.is_valid():
        code = form.cleaned_data["categorie"]
        urgent = bool(form.cleaned_data["urgentie"])
        try:
            answer = services.effect_for(request.user, form.location.address_id,
                                         code, urgent)
        except PermissionDenied as exc:
            # the refusal middleware writes the refused row (every 403 does)
            request.audit_purpose = services.purpose("whatif", code, urgent)
            error, status = str(exc), 403
        except (ValueError, services.AllocationUnavailable) as exc:
            error, status = str(exc), 400
        else:
            audit_effect(request, answer, code, urgent)
            answer["address"] = form.location.label
    elif request.method == "POST":
        status = 400
    return render(request, "allocation/whatif.html",
                  {"form": form, "answer": answer, "error": error}, status=status)


# -- a year's plan -----------------------------------------------------------------

def _plan_page(request, form, *, error="", lines=(), status=200):
    from veerkracht.web.allocation import planning

    return render(request, "allocation/plan.html", {
        "form": form, "error": error, "lines": lines, "status_code": status,
        "max_mb": planning.MAX_BYTES // 10**6,
        "kept": planning.kept(request) is not None,
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def plan(request):
    """Upload a PLAN.csv; the advice is computed and shown on the next page.

    A refused file keeps the user here with every rejected line; a plan with
    vacancies outside the user's areas is refused (403) listing its lines.
    """
    from django.shortcuts import redirect

    from veerkracht.web.allocation import planning
    from veerkracht.web.allocation.forms import PlanForm

    scoping.require_permission(request, services.PERMISSION, purpose="plan_allocation")
    form = PlanForm(request.POST or None, request.FILES or None)
    if request.method != "POST":
        return _plan_page(request, form)
    if not form.is_valid():
        return _plan_page(request, form, status=400)
    try:
        plan_file, vacancies = planning.read_upload(form.cleaned_data["plan"])
    except planning.PlanRefused as exc:
        record("view", request=request, object_id="plan:afgekeurd", result="failed",
               purpose="plan_rejected")
        return _plan_page(request, form, error=str(exc), lines=exc.lines, status=400)
    counts = planning.demand_of(plan_file)
    what = planning.audit_object("plan", int(vacancies["count"].sum()), counts)
    outside = planning.outside_lines(request.user, vacancies)
    if outside:
        # the refusal middleware writes the refused row (every 403 does)
        request.audit_object = ("", what)
        request.audit_purpose = "plan_outside"
        return _plan_page(request, form, status=403, lines=outside, error=_(
            "Dit plan noemt vrijkomende woningen buiten uw gebieden; u kunt alleen "
            "plannen binnen uw eigen gebieden. Er is niets berekend."))
    try:
        result = planning.run(request.user, plan_file, vacancies,
                              form.cleaned_data["tijdslimiet"])
    except planning.PlanRefused as exc:
        record("view", request=request, object_id=what, result="failed",
               purpose="plan_rejected")
        return _plan_page(request, form, error=str(exc), lines=exc.lines, status=400)
    record("view", request=request, object_id=what,
           purpose=f"plan_{result.summary['status']}")
    planning.keep(request, result)
    return redirect("allocation:plan_result")


@login_required
@require_http_methods(["GET"])
def plan_example(request):
    """An example PLAN.csv on addresses inside the user's areas."""
    from django.http import HttpResponse

    from veerkracht.web.allocation import planning

    scoping.require_permission(request, services.PERMISSION, purpose="plan_allocation")
    try:
        text = planning.example_for(request.user)
    except planning.PlanRefused as exc:
        return _plan_page(request, _plan_form(), error=str(exc), status=404)
    record("export", request=request, object_id="plan:voorbeeld",
           purpose="plan_example")
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="PLAN-voorbeeld.csv"'
    return response


def _plan_form():
    from veerkracht.web.allocation.forms import PlanForm

    return PlanForm()


@login_required
@require_http_methods(["GET"])
def plan_result(request):
    """The advice of the user's last plan (kept for half an hour)."""
    from django.utils.safestring import mark_safe

    from veerkracht.web.allocation import charts, planning

    scoping.require_permission(request, services.PERMISSION, purpose="plan_allocation")
    result = planning.kept(request)
    if result is None:
        return _plan_page(request, _plan_form(), status=404, error=_(
            "Er is geen uitkomst (meer) om te tonen: een uitkomst blijft een half uur "
            "bewaard. Lees het plan opnieuw in."))
    states = {k: str(v) for k, v in planning.STATES.items()}
    return render(request, "allocation/plan_result.html", {
        "result": result, "s": result.summary, "states": states,
        "files": list(result.files),
        "lorenz_svg": mark_safe(charts.lorenz_svg(result.lorenz, states)),  # noqa: S308
    })


@login_required
@require_http_methods(["GET"])
def plan_download(request, name: str):
    """One of the advice's files, the same numbers as the result page."""
    from django.http import Http404, HttpResponse

    from veerkracht.web.allocation import planning

    scoping.require_permission(request, services.PERMISSION, purpose="plan_allocation")
    result = planning.kept(request)
    if result is None or name not in result.files:
        raise Http404(_("Dit bestand is er niet (meer); lees het plan opnieuw in."))
    record("export", request=request, object_id=f"plan:{name.removesuffix('.csv')}",
           purpose="plan_download")
    response = HttpResponse(result.files[name], content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# -- scenarios ---------------------------------------------------------------------

def _initial_demand() -> dict:
    """Defaults in proportion to the city (40 zorg, 30 uitstroom via urgency and
    20 meervoudig a year for 12,000 dwellings, as the documentation's example)."""
    from veerkracht.web import workspace as site

    dw = site.table("dwellings", ("address_id",))
    scale = (0 if dw is None else len(dw)) / 12000

    def n(count):
        return max(1, round(count * scale))

    return {"aantal_zorg": n(40), "urgent_uitstroom": n(30),
            "aantal_meervoudig": n(20)}


@login_required
@require_http_methods(["GET", "POST"])
def scenario(request):
    """A seeded multi-year scenario: a scenario, not a forecast."""
    from django.utils.safestring import mark_safe

    from veerkracht.web.allocation import planning
    from veerkracht.web.allocation.forms import ScenarioForm

    scoping.require_permission(request, services.PERMISSION, purpose="scenario")
    corporations = planning.corporations_for(request.user)
    form = ScenarioForm(request.POST or None, corporations=corporations,
                        demand=_initial_demand())
    answer, error, status = None, "", 200
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        demand = form.demand()
        try:
            answer, frame = planning.scenario(
                demand, d["jaren"], tuple(d["beleid"]), d["zaad"],
                float(d["verhuisgraad"]) / 100, d["corporatie"] or None)
        except ValueError as exc:
            error, status = str(exc), 400
        else:
            counts, urgent = {}, 0
            for part in demand.split(","):
                code, _sep, n = part.partition("=")
                base = code.removesuffix("+urgent")
                counts[base] = counts.get(base, 0) + int(n)
                urgent += int(n) if code != base else 0
            counts["urgent"] = urgent
            what = planning.audit_object(f"scenario:j{d['jaren']}", None, counts)
            if request.POST.get("formaat") == "csv":
                record("export", request=request, object_id=what,
                       purpose="scenario_download")
                return _scenario_csv(frame, d["zaad"])
            record("view", request=request, object_id=what, purpose="scenario")
            for level in answer.levels:
                level["svg"] = mark_safe(level["svg"])  # noqa: S308 - drawn here
    elif request.method == "POST":
        status = 400
    return render(request, "allocation/scenario.html",
                  {"form": form, "answer": answer, "error": error}, status=status)


def _scenario_csv(frame, seed: int):
    """The scenario's every class count per policy, year and level as a CSV:
    what ``veerkracht scenario --out`` writes for the same settings
    (seeded: the same numbers as the page would show)."""
    from django.http import HttpResponse

    from veerkracht.io._common import dutch_csv

    response = HttpResponse(dutch_csv(frame), content_type="text/csv; charset=utf-8")
    name = f"scenario-zaad-{int(seed)}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
