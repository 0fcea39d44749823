"""Pages: report, confirmation, follow page; the professional's list and detail.

Views stay thin: every change goes through :mod:`.services`.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from veerkracht.web.accounts import throttle
from veerkracht.web.signals import access, services
from veerkracht.web.signals.forms import ReportForm, TransitionForm
from veerkracht.web.signals.models import Signal
from veerkracht.web.signals.notifications import follow_path
from veerkracht.web.signals.workflow import (
    CATEGORIES,
    STATUS_EXPLANATION,
    STATUSES,
    allowed_targets,
)

SESSION_KEY = "vk_signals"


def _remember(request, signal: Signal) -> None:
    """Keep the reference in the reporter's session (their own reports)."""
    mine = list(request.session.get(SESSION_KEY, []))
    if signal.reference not in mine:
        mine.append(signal.reference)
    request.session[SESSION_KEY] = mine[-20:]


def _follow_url(request):
    return lambda signal: request.build_absolute_uri(follow_path(signal))


def _report_form(request, data=None) -> ReportForm:
    """The report form for this user (professionals choose a source)."""
    return ReportForm(data, professional=access.can_handle(request.user),
                      default_source=access.default_source(request.user),
                      resolver=services.resolve_location)


def _report_page(request, form: ReportForm, duplicates=(), status: int = 200):
    return render(request, "signals/report.html",
                  {"form": form, "duplicates": list(duplicates),
                   "professional": access.can_handle(request.user),
                   "category_help": form.category_help}, status=status)


def report_again(request):
    """The report form, filled in with what was sent, when its security token
    had expired (called by the site's CSRF failure view): the resident's text
    is kept and nothing is stored until they send it again."""
    data = request.POST.copy()
    data["form_token"] = uuid.uuid4().hex  # a fresh submission
    form = _report_form(request, data)
    form.errors.clear()  # nothing was wrong with what they typed
    messages.warning(request, "Het formulier was verlopen. Uw gegevens staan er nog; "
                     "controleer ze en kies opnieuw Versturen.")
    return _report_page(request, form, status=403)


@require_http_methods(["GET", "POST"])
def report(request):
    """The report form: anyone, no account needed; professionals add a source."""
    professional = access.can_handle(request.user)
    if request.method != "POST":
        return _report_page(request, _report_form(request))
    token = request.POST.get("form_token", "")
    done = Signal.objects.filter(form_token=token).first() if token else None
    if done is not None:
        # The same form sent twice (double click, back button): nothing new.
        if done.reference in request.session.get(SESSION_KEY, []):
            messages.info(request, "Deze melding had u al verstuurd.")
            return redirect("signals:received", reference=done.reference)
        messages.info(request, "Deze melding is al ontvangen.")
        return redirect("signals:report")
    form = _report_form(request, request.POST)
    if not professional and throttle.exceeded("report", request):
        messages.error(request, throttle.MESSAGES["report"])
        return _report_page(request, form, status=429)
    if not form.is_valid():
        return _report_page(request, form)
    loc = form.location
    data = form.cleaned_data
    # only the responsible team's professionals are told of other reports; a
    # resident's form never reveals one (docs/signals.md)
    duplicates = services.duplicate_suggestions(
        request.user, data["category"], loc.x, loc.y, entrance_id=loc.entrance_id)
    if duplicates and not data.get("confirm_duplicate"):
        form.data = form.data.copy()
        form.data["confirm_duplicate"] = "True"
        return _report_page(request, form, duplicates)
    created = services.create_signal(
        category=data["category"],
        location=loc,
        source=data.get("source") or "resident",
        description=data.get("description", ""),
        contact_email=data.get("contact_email", ""),
        channel="web",
        user=request.user,
        request=request,
        form_token=data["form_token"],
        follow_url=_follow_url(request),
    )
    if created.created and not professional:
        throttle.count("report", request)
    _remember(request, created.signal)
    return redirect("signals:received", reference=created.signal.reference)


def received(request, reference: str):
    """Confirmation with the reference and the follow link (own session only)."""
    if reference not in request.session.get(SESSION_KEY, []):
        raise Http404("Deze melding is niet van u of bestaat niet.")
    signal = get_object_or_404(Signal, reference=reference)
    return render(
        request,
        "signals/received.html",
        {
            "signal": signal,
            "follow_url": request.build_absolute_uri(follow_path(signal)),
        },
    )


def follow(request, reference: str, token: str):
    """Status of one's own report: reference + secret token, no login."""
    signal = Signal.objects.filter(reference=reference).first()
    if signal is None or not signal.check_follow_token(token):
        raise Http404("Deze melding bestaat niet, of de link is niet compleet.")
    history = [
        {"at": h.at, "status": STATUSES.get(h.to_status, h.to_status)}
        for h in signal.history.all()
    ]
    return render(
        request,
        "signals/follow.html",
        {
            "signal": signal,
            "history": history,
            "explanation": STATUS_EXPLANATION.get(signal.status, ""),
        },
    )


def mine(request):
    """The reports made in this browser session."""
    refs = request.session.get(SESSION_KEY, [])
    signals = Signal.objects.filter(reference__in=refs).order_by("-created_at")
    return render(
        request,
        "signals/mine.html",
        {"signals": [(s, follow_path(s)) for s in signals]},
    )


def _require_professional(request) -> None:
    if not access.can_handle(request.user):
        raise PermissionDenied(
            "Alleen professionals met een gebied behandelen meldingen."
        )


@login_required
def worklist(request):
    """Signals in the professional's areas, filterable; with nearby duplicates."""
    _require_professional(request)
    qs = services.visible_signals(request.user)
    status = request.GET.get("status", "open")
    category = request.GET.get("category", "")
    if status == "open":
        qs = qs.exclude(status__in=["afgehandeld", "geannuleerd"])
    elif status in STATUSES:
        qs = qs.filter(status=status)
    if category in CATEGORIES:
        qs = qs.filter(category=category)
    page = Paginator(qs.order_by("-created_at"), 25).get_page(request.GET.get("page"))
    rows = []
    for s in page:
        dups = services.duplicate_suggestions(
            request.user, s.category, s.x, s.y, entrance_id=s.entrance_id, exclude=s
        )
        rows.append({"signal": s, "duplicates": dups})
    # the purpose is a status code, never what was typed into the query string
    access.audit(
        "signal_list",
        request=request,
        object_id="werkbak",
        purpose=status if status == "open" or status in STATUSES else "other",
    )
    return render(
        request,
        "signals/worklist.html",
        {
            "page": page,
            "rows": rows,
            "status": status,
            "category": category,
            "statuses": STATUSES,
            "categories": CATEGORIES,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def detail(request, reference: str):
    """One signal for the team: text, history, duplicates, status form."""
    _require_professional(request)
    signal = get_object_or_404(Signal, reference=reference)
    if not access.in_area(request.user, signal):
        access.audit(
            "signal_view", request=request, object_id=reference, result="refused"
        )
        raise PermissionDenied("Deze melding valt buiten uw gebied.")
    targets = allowed_targets(signal.status)
    if request.method == "POST":
        form = TransitionForm(
            request.POST,
            targets=allowed_targets(
                request.POST.get("expected_status", signal.status)
                if request.POST.get("expected_status") in STATUSES
                else signal.status
            ),
        )
        if form.is_valid():
            try:
                services.transition(
                    signal,
                    form.cleaned_data["to_status"],
                    user=request.user,
                    request=request,
                    note=form.cleaned_data["note"],
                    expected_status=form.cleaned_data["expected_status"],
                    follow_url=_follow_url(request),
                )
            except (services.StaleSignal, services.InvalidTransition) as exc:
                signal.refresh_from_db()
                messages.error(request, str(exc))
                form = TransitionForm(
                    initial={
                        "note": form.cleaned_data["note"],
                        "expected_status": signal.status,
                    },
                    targets=allowed_targets(signal.status),
                )
            else:
                messages.success(
                    request, f"Status gewijzigd naar '{signal.status_label}'."
                )
                return redirect(reverse("signals:detail", args=[reference]))
    else:
        access.audit("signal_view", request=request, object_id=reference)
        form = TransitionForm(
            initial={"expected_status": signal.status}, targets=targets
        )
    return render(
        request,
        "signals/detail.html",
        {
            "signal": signal,
            "form": form,
            "history": signal.history.all(),
            "targets": targets,
            "duplicates": services.duplicate_suggestions(
                request.user,
                signal.category,
                signal.x,
                signal.y,
                entrance_id=signal.entrance_id,
                exclude=signal,
            ),
        },
    )
