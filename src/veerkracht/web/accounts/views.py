"""Home, error pages and the account pages."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from veerkracht.web.accounts import roles, throttle
from veerkracht.web.accounts.menu import landing


@login_required
def home(request):
    """Send each role to where its work is (the first page of its menu)."""
    target = landing(request.user)
    if target is not None:
        return redirect(target)
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


def bad_request(request, exception=None):
    """400 in Dutch; a body over the upload limit is 413."""
    from django.core.exceptions import RequestDataTooBig

    if isinstance(exception, RequestDataTooBig):
        return _error(request, 413, "Te groot",
                      "Wat u verstuurde is te groot. Maak de tekst korter en "
                      "probeer het opnieuw.")
    return _error(request, 400, "Ongeldig verzoek",
                  "Dit verzoek kunnen we niet lezen. Ga terug en probeer het opnieuw.")


def csrf_failure(request, reason: str = ""):
    """An expired or missing form token: nothing is lost.

    The report form comes back filled in with what was sent (and a fresh
    token), asking to send it again; any other form gets a Dutch page
    instead of Django's technical one.
    """
    from django.urls import resolve

    match = resolve(request.path_info) if request.method == "POST" else None
    if match is not None and match.view_name == "signals:report":
        from veerkracht.web.signals.views import report_again

        return report_again(request)
    return _error(request, 403, "Formulier verlopen",
                  "Dit formulier was verlopen of kwam niet van deze site. Ga terug, "
                  "laad de pagina opnieuw en verstuur het nog eens.")


def forbidden(request, exception=None):
    return _error(
        request,
        403,
        _("Geen toegang"),
        str(exception or "") or _("Dit valt buiten uw rol of gebied."),
    )


def not_found(request, exception=None):
    return _error(
        request,
        404,
        _("Niet gevonden"),
        _("Deze pagina bestaat niet (meer). Ga terug naar de kaart."),
    )


def server_error(request):
    return _error(
        request,
        500,
        _("Er ging iets mis"),
        _("De fout is vastgelegd. Probeer het later opnieuw."),
    )


@login_required
def grants(request):
    """Pending data-role grants for the privacy officer: approve or reject (POST).

    The four-eyes step of :mod:`veerkracht.web.accounts.grants`; the page shows
    who is asked for, which role and organisation, and who asked — by user
    name, as the admin does, because the officer must know whom they approve.
    """
    from django.contrib import messages
    from django.core.exceptions import PermissionDenied
    from django.shortcuts import get_object_or_404

    from veerkracht.web.accounts import grants as four_eyes
    from veerkracht.web.accounts.models import RoleGrant

    request.audit_purpose = "approve_roles"
    if not roles.has(request.user, "approve_roles"):
        raise PermissionDenied(_("Alleen een privacyfunctionaris keurt rollen goed."))
    if request.method == "POST":
        grant = get_object_or_404(RoleGrant, pk=request.POST.get("grant", "0") or 0)
        try:
            if request.POST.get("decision") == "approve":
                four_eyes.approve(grant, request.user, request=request)
                messages.success(request, _("De rol is toegekend."))
            else:
                four_eyes.reject(grant, request.user, request=request)
                messages.info(request, _("De aanvraag is afgewezen."))
        except four_eyes.GrantRefused as exc:
            messages.error(request, str(exc))
        return redirect("grants")
    pending = RoleGrant.objects.filter(status=RoleGrant.PENDING).select_related(
        "user", "organisation", "requested_by"
    )
    recent = RoleGrant.objects.exclude(status=RoleGrant.PENDING).select_related(
        "user", "organisation", "requested_by", "decided_by"
    )[:20]
    return render(
        request,
        "accounts/grants.html",
        {"pending": pending, "recent": recent, "labels": dict(roles.ROLE_CHOICES)},
    )


class LoginView(auth_views.LoginView):
    """Django's login, with a limit on failed logins per client address
    across user names (:mod:`veerkracht.web.accounts.throttle`)."""

    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if throttle.exceeded("login", request):
            return _error(request, 429, "Te veel pogingen", throttle.MESSAGES["login"])
        response = super().post(request, *args, **kwargs)
        if not request.user.is_authenticated:
            throttle.count("login", request)
        return response
