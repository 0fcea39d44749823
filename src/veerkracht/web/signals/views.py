"""Pages: report, confirmation, follow page; the professional's work list
(with its CSV export), a signal's page and the handler's actions on it
(status, assignment, priority, merging a duplicate, reopening).

Views stay thin: every change goes through :mod:`.services`; every page and
action checks the role and the area (:mod:`.access`) and leaves an audit row.
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
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from veerkracht.web.accounts import roles, scoping, throttle
from veerkracht.web.signals import access, export, services
from veerkracht.web.signals.forms import (
    AssignForm,
    MergeForm,
    PriorityForm,
    ReopenForm,
    ReportForm,
    TransitionForm,
)
from veerkracht.web.signals.models import Signal, StatusChange
from veerkracht.web.signals.notifications import follow_path
from veerkracht.web.signals.workflow import (
    CATEGORIES,
    FINAL,
    MERGED,
    OPEN,
    PRIORITIES,
    REOPENED_TO,
    STATUSES,
    age_text,
    allowed_targets,
    priority_label,
    status_explanation,
    status_label,
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
    messages.warning(request, _("Het formulier was verlopen. Uw gegevens staan er "
                                "nog; controleer ze en kies opnieuw Versturen."))
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
            messages.info(request, _("Deze melding had u al verstuurd."))
            return redirect("signals:received", reference=done.reference)
        messages.info(request, _("Deze melding is al ontvangen."))
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
        raise Http404(_("Deze melding is niet van u of bestaat niet."))
    signal = get_object_or_404(Signal, reference=reference)
    return render(
        request,
        "signals/received.html",
        {
            "signal": signal,
            "follow_url": request.build_absolute_uri(follow_path(signal)),
        },
    )


def _reporter_history(signal: Signal) -> list[dict]:
    """The steps a reporter sees: status changes, a reopening, a merge —
    never an assignment, a priority, a note or who did it."""
    rows = []
    for h in signal.history.filter(kind__in=StatusChange.FOR_REPORTER):
        text = status_label(h.to_status)
        if h.kind == StatusChange.REOPEN:
            text = _("%(status)s (heropend)") % {"status": text}
        rows.append({"at": h.at, "label": text})
    return rows


def follow(request, reference: str, token: str):
    """Status of one's own report: reference + secret token, no login.

    A report merged as a duplicate shows how the signal it is handled under
    stands (its status only: nothing of that other report — no reference,
    text, place, date or reporter).
    """
    signal = Signal.objects.filter(reference=reference).first()
    if signal is None or not signal.check_follow_token(token):
        raise Http404(_("Deze melding bestaat niet, of de link is niet compleet."))
    main = signal.merged_into if signal.status == MERGED else None
    return render(
        request,
        "signals/follow.html",
        {
            "signal": signal,
            "history": _reporter_history(signal),
            "explanation": status_explanation(signal.status),
            "main_status": status_label(main.status) if main else "",
            "main_explanation": status_explanation(main.status) if main else "",
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
            _("Alleen professionals met een gebied behandelen meldingen.")
        )


def _signal_for(request, reference: str) -> Signal:
    """The signal, for a professional whose areas hold it (else 403, audited)."""
    _require_professional(request)
    signal = get_object_or_404(
        Signal.objects.select_related("team", "assigned_to", "merged_into"),
        reference=reference)
    if not access.in_area(request.user, signal):
        access.audit(
            "signal_view", request=request, object_id=reference, result="refused"
        )
        raise PermissionDenied(_("Deze melding valt buiten uw gebied."))
    return signal


@login_required
def worklist(request):
    """Signals in the professional's areas: filtered, sorted, with their age,
    priority, assignment, place and possible duplicates."""
    _require_professional(request)
    wanted = services.WorklistFilter.from_query(request.GET)
    qs = services.worklist(request.user, wanted)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    now = timezone.now()
    links = services.place_links(page, request.user)
    rows = []
    for s in page:
        dups = services.duplicate_suggestions(
            request.user, s.category, s.x, s.y, entrance_id=s.entrance_id, exclude=s
        ) if s.status in OPEN else []
        place = links.get(s.pk) or []
        rows.append({"signal": s, "duplicates": dups, "age": age_text(s.age_days(now)),
                     "place": place[0] if place else None})
    oldest = services.oldest_open(qs)
    # the purpose is a status code, never what was typed into the query string
    access.audit(
        "signal_list", request=request, object_id="werkbak",
        purpose=wanted.audit_purpose,
    )
    query = wanted.query()
    return render(
        request,
        "signals/worklist.html",
        {
            "page": page,
            "rows": rows,
            "wanted": wanted,
            "query": urlencode(query),
            "statuses": STATUSES,
            "categories": CATEGORIES,
            "priorities": PRIORITIES,
            "assignments": services.ASSIGNMENT_FILTERS,
            "sorts": services.SORTS,
            "oldest": oldest,
            "oldest_age": age_text(oldest.age_days(now)) if oldest else "",
            "can_export": access.can_export(request.user),
            "has_team": services.teams_of(request.user).exists(),
        },
    )


@login_required
@require_http_methods(["GET"])
def worklist_csv(request):
    """The work list as filtered, as CSV: only what ADR 0015 lets out."""
    _require_professional(request)
    scoping.require_permission(request, "export_signals", purpose="csv")
    wanted = services.WorklistFilter.from_query(request.GET)
    qs = services.worklist(request.user, wanted)
    body, n = export.worklist_csv(qs, request.user)
    access.audit("signal_export", request=request, object_id=f"{n} meldingen",
                 purpose=wanted.audit_purpose)
    return export.response(body, timezone.localdate())


def _role_label(code: str) -> str:
    """The role of a history row in words (``resident`` for anonymous reporters)."""
    return str(roles.GROUP_NAMES.get(code, code))


def _history_rows(signal: Signal, user) -> list[dict]:
    """The signal's history in words, for the team (labels, never codes)."""
    rows = []
    history = signal.history.select_related("team", "assignee", "related")
    for h in history:
        related = h.related.reference if h.related_id else ""
        if h.kind == StatusChange.REOPEN:
            what = _("Heropend (was: %(status)s)") % {
                "status": status_label(h.from_status)}
        elif h.kind == StatusChange.MERGE:
            what = _("Samengevoegd: dubbel van")
        elif h.kind == StatusChange.MERGED_IN:
            what = _("Dubbele melding hierbij gevoegd:")
        elif h.kind == StatusChange.ASSIGN:
            who = (services.display_name(h.assignee) if h.assignee_id
                   else _("niemand in het bijzonder"))
            what = _("Toegewezen aan %(team)s, %(who)s") % {
                "team": h.team.name if h.team_id else "—", "who": who}
        elif h.kind == StatusChange.PRIORITY:
            what = _("Prioriteit: %(priority)s") % {
                "priority": priority_label(h.priority)}
        elif not h.from_status:
            what = _("Gemeld (%(status)s)") % {"status": status_label(h.to_status)}
        else:
            what = _("Status: %(from)s → %(to)s") % {
                "from": status_label(h.from_status), "to": status_label(h.to_status)}
        rows.append({"at": h.at, "what": what, "role": _role_label(h.actor_role),
                     "note": h.note, "related": related,
                     "related_visible": bool(related)
                     and access.in_area(user, h.related)})
    return rows


def _detail_page(request, signal: Signal, *, form=None, assign_form=None,
                 priority_form=None, merge_form=None, reopen_form=None,
                 status: int = 200):
    user = request.user
    targets = allowed_targets(signal.status)
    candidates = services.merge_candidates(signal, user)
    teams = services.Team.objects.filter(active=True)
    people = services.assignable_users(signal, user)
    links = services.place_links([signal], user).get(signal.pk, [])
    context = {
        "signal": signal,
        "targets": targets,
        "form": form or TransitionForm(
            initial={"expected_status": signal.status}, targets=targets),
        "assign_form": assign_form or AssignForm(
            initial={"team": signal.team_id, "assignee": signal.assigned_to_id},
            teams=teams, people=people),
        "priority_form": priority_form or PriorityForm(
            initial={"priority": signal.priority}),
        "merge_form": merge_form or MergeForm(
            initial={"expected_status": signal.status}, candidates=candidates),
        "reopen_form": reopen_form or ReopenForm(
            initial={"expected_status": signal.status}),
        "candidates": candidates,
        "can_merge": signal.status in OPEN and bool(candidates),
        "can_reopen": signal.status in FINAL,
        "reopened_to": status_label(REOPENED_TO),
        "history": _history_rows(signal, user),
        "age": age_text(signal.age_days()),
        "places": links,
        "main": signal.merged_into,
        "main_visible": signal.merged_into_id is not None
        and access.in_area(user, signal.merged_into),
        "merged": [d for d in signal.duplicates.all() if access.in_area(user, d)],
        "duplicates": services.duplicate_suggestions(
            user, signal.category, signal.x, signal.y,
            entrance_id=signal.entrance_id, exclude=signal,
        ) if signal.status in OPEN else [],
    }
    return render(request, "signals/detail.html", context, status=status)


def _done(request, reference: str, text: str):
    messages.success(request, text)
    return redirect(reverse("signals:detail", args=[reference]))


@login_required
@require_http_methods(["GET", "POST"])
def detail(request, reference: str):
    """One signal for the team: text, place, history, duplicates and the forms."""
    signal = _signal_for(request, reference)
    if request.method != "POST":
        access.audit("signal_view", request=request, object_id=reference)
        return _detail_page(request, signal)
    expected = request.POST.get("expected_status")
    form = TransitionForm(
        request.POST,
        targets=allowed_targets(expected if expected in STATUSES else signal.status),
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
            return _done(request, reference, _("Status gewijzigd naar '%(status)s'.")
                         % {"status": signal.status_label})
    return _detail_page(request, signal, form=form)


@login_required
@require_POST
def assign(request, reference: str):
    """Give the signal to a team and (optionally) a colleague."""
    signal = _signal_for(request, reference)
    teams = services.Team.objects.filter(active=True)
    chosen = teams.filter(pk=request.POST.get("team")).first() if str(
        request.POST.get("team", "")).isdigit() else None
    people = services.assignable_users(signal, request.user, chosen)
    form = AssignForm(request.POST, teams=teams, people=people)
    if not form.is_valid():
        return _detail_page(request, signal, assign_form=form, status=400)
    try:
        services.assign(signal, team=form.cleaned_data["team"],
                        assignee=form.cleaned_data["assignee"], user=request.user,
                        request=request)
    except services.Refused as exc:
        messages.error(request, str(exc))
        return _detail_page(request, signal, assign_form=form, status=400)
    who = (services.display_name(signal.assigned_to) if signal.assigned_to_id
           else _("niemand in het bijzonder"))
    return _done(request, reference, _("Toegewezen aan %(team)s, %(who)s.")
                 % {"team": signal.team.name, "who": who})


@login_required
@require_POST
def priority(request, reference: str):
    """Set the signal's priority."""
    signal = _signal_for(request, reference)
    form = PriorityForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, signal, priority_form=form, status=400)
    services.set_priority(signal, form.cleaned_data["priority"], user=request.user,
                          request=request)
    return _done(request, reference, _("Prioriteit: %(priority)s.")
                 % {"priority": signal.priority_label})


@login_required
@require_POST
def merge(request, reference: str):
    """Close the signal as a duplicate of another one nearby."""
    signal = _signal_for(request, reference)
    candidates = services.merge_candidates(signal, request.user)
    form = MergeForm(request.POST, candidates=candidates)
    if not form.is_valid():
        return _detail_page(request, signal, merge_form=form, status=400)
    main = Signal.objects.filter(reference=form.cleaned_data["main"]).first()
    try:
        services.merge(signal, main, user=request.user, request=request,
                       note=form.cleaned_data["note"],
                       expected_status=form.cleaned_data["expected_status"],
                       follow_url=_follow_url(request))
    except (services.StaleSignal, services.InvalidTransition,
            services.Refused) as exc:
        signal.refresh_from_db()
        messages.error(request, str(exc))
        return _detail_page(request, signal, merge_form=form, status=409)
    return _done(request, reference, _("Samengevoegd met %(ref)s.")
                 % {"ref": main.reference})


@login_required
@require_POST
def reopen(request, reference: str):
    """Open a closed signal again, with a reason."""
    signal = _signal_for(request, reference)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, signal, reopen_form=form, status=400)
    try:
        services.reopen(signal, form.cleaned_data["reason"], user=request.user,
                        request=request,
                        expected_status=form.cleaned_data["expected_status"],
                        follow_url=_follow_url(request))
    except (services.StaleSignal, services.InvalidTransition,
            services.Refused) as exc:
        signal.refresh_from_db()
        messages.error(request, str(exc))
        return _detail_page(request, signal, reopen_form=form, status=409)
    return _done(request, reference, _("Heropend: de melding is weer '%(status)s'.")
                 % {"status": signal.status_label})
