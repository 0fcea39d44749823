"""REST API for signals: ``/api/signals/`` on the shared NinjaAPI.

* ``POST /api/signals/`` — report (no account needed);
* ``GET /api/signals/{reference}/status?token=…`` — the reporter's follow view;
* ``GET /api/signals/`` — professionals: signals in their areas;
* ``GET /api/signals/{reference}`` — professionals: one signal;
* ``POST /api/signals/{reference}/transition`` — professionals: change status.

Status and priority labels are those of :mod:`.workflow` (one definition);
the reporter's view never shows assignments, priorities or notes, and of a
merged duplicate only how the signal it is handled under stands.

Errors are RFC 7807 problems (the shared handlers in ``veerkracht.web.api``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.core.validators import validate_email
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja import Status as Reply
from ninja.errors import HttpError

from veerkracht.web.accounts import throttle
from veerkracht.web.problems import problems
from veerkracht.web.signals import access, services
from veerkracht.web.signals.locations import LocationError
from veerkracht.web.signals.models import Signal, StatusChange
from veerkracht.web.signals.notifications import follow_path
from veerkracht.web.signals.workflow import (
    CATEGORIES,
    MERGED,
    PRIORITIES,
    PROFESSIONAL_SOURCES,
    STATUSES,
    status_explanation,
    status_label,
)

router = Router(tags=["signals"])

#: Largest request body the signals API reads (bytes).
MAX_BODY = 32 * 1024
#: The largest offset of the work list's pages (a larger one is a 400, not an
#: SQL error: SQLite refuses offsets beyond 64 bits).
MAX_OFFSET = 10_000_000

Category = Literal[tuple(CATEGORIES)]  # type: ignore[valid-type]
Status = Literal[tuple(STATUSES)]  # type: ignore[valid-type]
ProSource = Literal[PROFESSIONAL_SOURCES]  # type: ignore[valid-type]
Priority = Literal[tuple(PRIORITIES)]  # type: ignore[valid-type]
Assignment = Literal[tuple(services.ASSIGNMENT_FILTERS)]  # type: ignore[valid-type]


def _problem(status: int, title: str, detail: str) -> JsonResponse:
    return JsonResponse(
        {"type": "about:blank", "title": title, "status": status, "detail": detail},
        status=status,
        content_type="application/problem+json",
    )


def _check_size(request) -> JsonResponse | None:
    try:
        size = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        size = 0
    try:
        size = max(size, len(request.body))
    except RequestDataTooBig:
        size = MAX_BODY + 1
    if size > MAX_BODY:
        return _problem(
            413,
            _("Verzoek te groot"),
            _("Een melding mag hoogstens %(kb)s kB zijn.") % {"kb": MAX_BODY // 1024},
        )
    return None


class LocationIn(Schema):
    """Where: an address, a street, a point (WGS84) or an address id."""

    postcode: str | None = Field(None, max_length=8, examples=["9351AA"])
    huisnummer: int | None = Field(None, ge=1, le=99999)
    toevoeging: str | None = Field(None, max_length=8)
    straat: str | None = Field(None, max_length=120)
    woonplaats: str | None = Field(None, max_length=120)
    lat: float | None = Field(None, ge=-90, le=90)
    long: float | None = Field(None, ge=-180, le=180)
    address_id: str | None = Field(None, max_length=40)


class SignalIn(Schema):
    category: Category
    location: LocationIn
    description: str = Field(
        "", max_length=4000, description="Vrije tekst; nooit in de analyses."
    )
    contact_email: str = Field("", max_length=254)
    source: ProSource | None = Field(None, description="Alleen voor professionals.")
    idempotency_key: str | None = Field(
        None, max_length=64, description="Zelfde sleutel = zelfde melding."
    )


class CreatedOut(Schema):
    reference: str
    follow_token: str
    follow_url: str
    status: str
    status_label: str
    created: bool


class HistoryOut(Schema):
    at: datetime
    status: str
    status_label: str


class HandledUnderOut(Schema):
    """How the signal a merged duplicate is handled under stands (nothing else)."""

    status: str
    status_label: str
    explanation: str


class StatusOut(Schema):
    reference: str
    category: str
    status: str
    status_label: str
    explanation: str
    created_at: datetime
    updated_at: datetime
    history: list[HistoryOut]
    handled_under: HandledUnderOut | None = None


class SignalOut(Schema):
    reference: str
    category: str
    source: str
    channel: str
    status: str
    status_label: str
    priority: str
    priority_label: str
    assigned: bool
    assigned_to_me: bool
    merged_into: str | None
    age_days: int
    location_kind: str
    location_label: str
    buurtcode: str
    wijkcode: str
    entrance_id: str
    team: str
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    description: str
    has_contact: bool


class TransitionIn(Schema):
    to_status: Status
    note: str = Field("", max_length=2000)
    expected_status: Status | None = None


def _out(s: Signal, user=None) -> dict:
    return {
        "reference": s.reference,
        "category": s.category,
        "source": s.source,
        "channel": s.channel,
        "status": s.status,
        "status_label": s.status_label,
        "priority": s.priority,
        "priority_label": s.priority_label,
        "assigned": s.assigned_to_id is not None,
        "assigned_to_me": user is not None and s.assigned_to_id == user.pk,
        "merged_into": s.merged_into.reference if s.merged_into_id else None,
        "age_days": s.age_days(),
        "location_kind": s.location_kind,
        "location_label": s.location_label,
        "buurtcode": s.buurtcode,
        "wijkcode": s.wijkcode,
        "entrance_id": s.entrance_id,
        "team": s.team.name,
        "created_at": s.created_at,
        "updated_at": s.updated_at,
        "closed_at": s.closed_at,
        "description": s.description,
        "has_contact": bool(s.contact_email),
    }


@router.post(
    "/",
    auth=None,
    response={201: CreatedOut, 200: CreatedOut,
              **problems(400, 409, 413, 422, 429)},
    summary="Een melding doen (geen account nodig)",
)
def create(request, payload: SignalIn):
    too_big = _check_size(request)
    if too_big:
        return too_big
    if payload.contact_email:
        try:
            validate_email(payload.contact_email)
        except ValidationError:
            raise HttpError(
                400, _("contact_email is geen geldig e-mailadres.")
            ) from None
    loc = payload.location
    x = y = None
    if loc.lat is not None or loc.long is not None:
        if loc.lat is None or loc.long is None:
            raise HttpError(400, _("Geef zowel lat als long."))
        from veerkracht.web.signals.geo import wgs84_to_rd

        x, y = wgs84_to_rd(loc.lat, loc.long)
    try:
        location = services.resolve_location(
            postcode=loc.postcode or "",
            huisnummer=loc.huisnummer,
            toevoeging=loc.toevoeging or "",
            straat=loc.straat or "",
            woonplaats=loc.woonplaats or "",
            address_id=loc.address_id or "",
            x=x,
            y=y,
        )
    except LocationError as exc:
        raise HttpError(400, str(exc)) from None
    user = request.user if request.user.is_authenticated else None
    source = "resident"
    if payload.source:
        if not access.can_handle(user):
            raise HttpError(400, _("Alleen ingelogde professionals kiezen een bron."))
        source = payload.source
    anonymous = not access.can_handle(user)
    if anonymous and throttle.exceeded("report", request):
        raise HttpError(429, str(throttle.MESSAGES["report"]))
    try:
        created = services.create_signal(
            category=payload.category,
            location=location,
            source=source,
            description=payload.description,
            contact_email=payload.contact_email,
            channel="api",
            user=user,
            request=request,
            form_token=f"api:{payload.idempotency_key}"
            if payload.idempotency_key
            else None,
            follow_url=lambda s: request.build_absolute_uri(follow_path(s)),
        )
    except services.IdempotencyConflict as exc:
        raise HttpError(409, str(exc)) from None
    if created.created and anonymous:
        throttle.count("report", request)
    s = created.signal
    body = {
        "reference": s.reference,
        "follow_token": s.follow_token,
        "follow_url": request.build_absolute_uri(follow_path(s)),
        "status": s.status,
        "status_label": s.status_label,
        "created": created.created,
    }
    return Reply(201 if created.created else 200, body)


@router.get(
    "/{reference}/status",
    auth=None,
    response={200: StatusOut, **problems(404, 422)},
    summary="De stand van de eigen melding (kenmerk + token)",
)
def status(request, reference: str, token: str):
    s = Signal.objects.filter(reference=reference).first()
    if s is None or not s.check_follow_token(token):
        raise Http404(_("Deze melding bestaat niet of het token klopt niet."))
    main = s.merged_into if s.status == MERGED else None
    history = []
    for h in s.history.filter(kind__in=StatusChange.FOR_REPORTER):
        history.append({"at": h.at, "status": h.to_status,
                        "status_label": status_label(h.to_status)})
    return {
        "reference": s.reference,
        "category": s.category,
        "status": s.status,
        "status_label": s.status_label,
        "explanation": status_explanation(s.status),
        "created_at": s.created_at,
        "updated_at": s.updated_at,
        "history": history,
        "handled_under": {"status": main.status,
                          "status_label": status_label(main.status),
                          "explanation": status_explanation(main.status)}
        if main else None,
    }


def _professional(request) -> None:
    if not access.can_handle(request.user):
        raise PermissionDenied(_("Alleen professionals behandelen meldingen."))


@router.get(
    "/",
    response={200: list[SignalOut], **problems(400, 401, 403, 422)},
    summary="Meldingen in mijn gebieden (professionals)",
)
def list_signals(
    request,
    status: Status | Literal["open"] | None = None,
    category: Category | None = None,
    priority: Priority | None = None,
    assignment: Assignment | None = None,
    limit: int = 50,
    offset: int = 0,
):
    _professional(request)
    if not (1 <= limit <= 500) or not (0 <= offset <= MAX_OFFSET):
        raise HttpError(400, _("limit moet tussen 1 en 500 liggen, offset tussen 0 "
                               "en %(max)s.") % {"max": MAX_OFFSET})
    wanted = services.WorklistFilter(
        status=status or "alle", category=category or "", priority=priority or "",
        assignment=assignment or "")
    qs = services.worklist(request.user, wanted)
    access.audit("signal_list", request=request, object_id="api", purpose=status or "")
    return [_out(s, request.user) for s in qs[offset : offset + limit]]


def _get_visible(request, reference: str) -> Signal:
    _professional(request)
    s = Signal.objects.select_related("team").filter(reference=reference).first()
    if s is None:
        raise Http404(_("Deze melding bestaat niet."))
    if not access.in_area(request.user, s):
        access.audit(
            "signal_view", request=request, object_id=reference, result="refused"
        )
        raise PermissionDenied(_("Deze melding valt buiten uw gebied."))
    return s


@router.get(
    "/{reference}",
    response={200: SignalOut, **problems(401, 403, 404)},
    summary="Eén melding (professionals)",
)
def get_signal(request, reference: str):
    s = _get_visible(request, reference)
    access.audit("signal_view", request=request, object_id=reference, purpose="api")
    return _out(s, request.user)


@router.post(
    "/{reference}/transition",
    response={200: SignalOut, **problems(400, 401, 403, 404, 409, 413, 422)},
    summary="Status wijzigen (professionals)",
)
def transition(request, reference: str, payload: TransitionIn):
    too_big = _check_size(request)
    if too_big:
        return too_big
    s = _get_visible(request, reference)
    try:
        services.transition(
            s,
            payload.to_status,
            user=request.user,
            request=request,
            note=payload.note,
            expected_status=payload.expected_status,
            follow_url=lambda sig: request.build_absolute_uri(follow_path(sig)),
        )
    except services.StaleSignal as exc:
        return _problem(409, _("Statuswijziging geweigerd"), str(exc))
    except services.InvalidTransition:  # the pure workflow's text is Dutch only
        return _problem(
            409,
            _("Statuswijziging geweigerd"),
            _("Van '%(from)s' naar '%(to)s' is geen toegestane stap.")
            % {"from": _(s.status_label),
               "to": _(STATUSES.get(payload.to_status, payload.to_status))},
        )
    s.refresh_from_db()
    return Reply(200, _out(s, request.user))


class AssignIn(Schema):
    team_id: int | None = Field(None, description="Leeg: het team blijft.")
    assignee_id: int | None = Field(
        None, description="Een collega (gebruikers-id); leeg: niemand in het bijzonder."
    )


class PriorityIn(Schema):
    priority: Priority


class MergeIn(Schema):
    main: str = Field(..., max_length=20, description="Kenmerk van de hoofdmelding.")
    note: str = Field("", max_length=2000)
    expected_status: Status | None = None


class ReopenIn(Schema):
    reason: str = Field(..., min_length=1, max_length=2000)
    expected_status: Status | None = None


def _refused(exc: Exception) -> JsonResponse:
    return _problem(409, _("Wijziging geweigerd"), str(exc))


#: what a handler's change may answer besides 200
_CHANGE_ANSWERS = {200: SignalOut, **problems(400, 401, 403, 404, 409, 413, 422)}


def _change(request, reference: str, act) -> JsonResponse | Reply:
    """One handler's change of a signal: size check, the signal the user may
    see, ``act(signal)``, and a refusal (stale page, step not allowed,
    refused by the rules) as 409."""
    too_big = _check_size(request)
    if too_big:
        return too_big
    s = _get_visible(request, reference)
    try:
        act(s)
    except (services.StaleSignal, services.InvalidTransition,
            services.Refused) as exc:
        return _refused(exc)
    s.refresh_from_db()
    return Reply(200, _out(s, request.user))


def _follow_url(request):
    return lambda sig: request.build_absolute_uri(follow_path(sig))


@router.post("/{reference}/assign", response=_CHANGE_ANSWERS,
             summary="Toewijzen aan een team en/of collega (professionals)")
def assign(request, reference: str, payload: AssignIn):
    from django.contrib.auth import get_user_model

    team = None
    if payload.team_id is not None:
        team = services.Team.objects.filter(pk=payload.team_id, active=True).first()
        if team is None:
            raise HttpError(422, _("Onbekend of niet-actief team."))
    person = None
    if payload.assignee_id is not None:
        person = get_user_model().objects.filter(pk=payload.assignee_id).first()
        if person is None:
            return _refused(services.Refused(_("Onbekende collega.")))
    return _change(request, reference, lambda s: services.assign(
        s, team=team, assignee=person, user=request.user, request=request))


@router.post("/{reference}/priority", response=_CHANGE_ANSWERS,
             summary="Prioriteit zetten (professionals)")
def priority(request, reference: str, payload: PriorityIn):
    return _change(request, reference, lambda s: services.set_priority(
        s, payload.priority, user=request.user, request=request))


@router.post("/{reference}/merge", response=_CHANGE_ANSWERS,
             summary="Samenvoegen als dubbele melding (professionals)")
def merge(request, reference: str, payload: MergeIn):
    def act(s):
        main = _get_visible(request, payload.main)
        services.merge(s, main, user=request.user, request=request,
                       note=payload.note, expected_status=payload.expected_status,
                       follow_url=_follow_url(request))

    return _change(request, reference, act)


@router.post("/{reference}/reopen", response=_CHANGE_ANSWERS,
             summary="Heropenen met een reden (professionals)")
def reopen(request, reference: str, payload: ReopenIn):
    return _change(request, reference, lambda s: services.reopen(
        s, payload.reason, user=request.user, request=request,
        expected_status=payload.expected_status, follow_url=_follow_url(request)))

