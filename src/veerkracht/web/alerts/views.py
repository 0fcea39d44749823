"""Pages: "Aandacht deze week" (the list) and one alert (evidence, history,
acknowledge, close). Views stay thin: changes go through :mod:`.services`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from veerkracht.web.alerts import access, services
from veerkracht.web.alerts.forms import AlertActionForm
from veerkracht.web.alerts.workflow import ACKNOWLEDGED, CLOSED, OPEN


def _require(request, action: str, object_id: str) -> None:
    """403 (audited as refused) unless the user may see alerts at all."""
    request.audit_action = action
    request.audit_object = ("alert", object_id)
    request.audit_purpose = "alerts"
    if not access.can_see_alerts(request.user):
        raise PermissionDenied(
            _("Alleen professionals met een gebied zien vroegsignalen."))


@login_required
@require_GET
def index(request):
    """The team's alerts: this week's open and acknowledged ones by default."""
    _require(request, "alert_list", "lijst")
    services.sync_if_changed()
    view = request.GET.get("toon", "week")
    if view not in services.VIEWS:
        view = "week"
    qs = services.filtered(services.visible_alerts(request.user), view)
    page = Paginator(qs.order_by("-run_at", "p_value", "alert_id"), 25).get_page(
        request.GET.get("pagina")
    )
    names: dict = {}
    rows = [
        {"alert": a, "place": services.place_of(a, request.user, _names_cache=names)}
        for a in page
    ]
    access.audit("alert_list", request=request, object_id="lijst", purpose=view)
    return render(
        request,
        "alerts/index.html",
        {
            "page": page,
            "rows": rows,
            "view": view,
            "views": services.VIEWS,
            "days": services.recent_days(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def detail(request, alert_id: str):
    """One alert: its evidence and history; acknowledge or close it."""
    _require(request, "alert_view", alert_id)
    services.sync_if_changed()
    alert = services.visible_alert(request.user, alert_id)
    if alert is None:
        # outside the user's areas looks like an unknown alert
        access.audit("alert_view", request=request, object_id=alert_id,
                     result="refused")
        raise Http404(_("Dit vroegsignaal bestaat niet of valt buiten uw gebied."))
    status = 200
    if request.method == "POST":
        form = AlertActionForm(request.POST)
        if form.is_valid():
            try:
                services.transition(
                    alert,
                    form.to_status,
                    user=request.user,
                    request=request,
                    note=form.cleaned_data["note"],
                    expected_status=form.cleaned_data["expected_status"],
                )
            except (services.StaleAlert, services.InvalidTransition) as exc:
                alert.refresh_from_db()
                messages.error(request, str(exc))
                status = 400
            else:
                messages.success(
                    request,
                    _("Dit vroegsignaal is gesloten.")
                    if alert.status == CLOSED
                    else _("Dit vroegsignaal is in behandeling genomen."),
                )
                return redirect(reverse("alerts:detail", args=[alert.alert_id]))
        else:
            messages.error(
                request, _("Het formulier is niet compleet; probeer opnieuw.")
            )
            status = 400
        form = AlertActionForm(
            initial={"expected_status": alert.status,
                     "note": request.POST.get("note", "")[:2000]}
        )
    else:
        access.audit("alert_view", request=request, object_id=alert.alert_id)
        form = AlertActionForm(initial={"expected_status": alert.status})
    return render(
        request,
        "alerts/detail.html",
        {
            "alert": alert,
            "place": services.place_of(alert, request.user),
            "history": alert.history.all(),
            "form": form,
            "can_acknowledge": alert.status == OPEN,
            "can_close": alert.status in (OPEN, ACKNOWLEDGED),
        },
        status=status,
    )
