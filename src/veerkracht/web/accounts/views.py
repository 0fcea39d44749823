"""Home, error pages and the account pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse

from veerkracht.web.accounts import roles


@login_required
def home(request):
    """Send each role to where its work is."""
    if roles.has(request.user, "view_map"):
        return redirect("maps:map")
    if roles.has(request.user, "view_audit"):
        return redirect("audit:overview")
    if roles.has(request.user, "manage_accounts"):
        return redirect("admin:index")
    if roles.has(request.user, "report_signals"):
        try:
            return redirect(reverse("signals:home"))
        except Exception:  # noqa: BLE001 - signals app not installed yet
            pass
    return render(request, "veerkracht/home.html")


def _error(request, status: int, title: str, detail: str):
    if request.path.startswith("/api/"):
        from veerkracht.web.api import problem

        return problem(status, title, detail)
    return render(
        request,
        "veerkracht/error.html",
        {"title": title, "detail": detail},
        status=status,
    )


def forbidden(request, exception=None):
    return _error(
        request,
        403,
        "Geen toegang",
        str(exception or "") or "Dit valt buiten uw rol of gebied.",
    )


def not_found(request, exception=None):
    return _error(
        request,
        404,
        "Niet gevonden",
        "Deze pagina bestaat niet (meer). Ga terug naar de kaart.",
    )


def server_error(request):
    return _error(
        request,
        500,
        "Er ging iets mis",
        "De fout is vastgelegd. Probeer het later opnieuw.",
    )
