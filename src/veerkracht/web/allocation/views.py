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
