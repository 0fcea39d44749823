"""Everything that changes a signal happens here (STYLE.md: SIG ``Signal.actions``).

* :func:`create_signal` — a new signal, routed, with its first history row;
* :func:`transition` — the ONE way to move a signal along the workflow;
* :func:`merge` — close a duplicate under its main signal;
* :func:`reopen` — open a closed signal again, with a reason;
* :func:`assign`, :func:`set_priority` — who handles it, how urgent;
* :func:`worklist` — the work list of a professional, filtered and sorted
  (the page and its CSV export);
* :func:`anonymise_expired` — retention: contact and free text erased;
* :func:`sync_to_workspace` — handled signals (without text or contact)
  appended to the workspace ``signals`` table for the model; a merged
  duplicate goes out of it, so one situation counts once.

Views, the REST API, Open311 and the admin call these; none of them sets
``Signal.status`` itself. Nothing here logs or audits an address, a name or
free text: audit rows name the signal by its reference only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext as _

from veerkracht.web.signals import access, notifications, routes
from veerkracht.web.signals.locations import Location, LocationError, address_index
from veerkracht.web.signals.models import (
    RoutingRule,
    Signal,
    StatusChange,
    Team,
    new_reference,
)
from veerkracht.web.signals.routing import choose_rule
from veerkracht.web.signals.workflow import (
    CANCELLED,
    CATEGORIES,
    FINAL,
    MERGED,
    NEW,
    OPEN,
    PRIORITIES,
    PRIORITY_RANK,
    SOURCES,
    STATUSES,
    InvalidTransition,
    check_merge,
    check_reopen,
    check_transition,
)

log = logging.getLogger("veerkracht.web.signals")

ANONYMISED = "[geanonimiseerd]"


def retention_days() -> int:
    """Days after closing before contact and free text are erased."""
    return int(settings.VEERKRACHT_SIGNALS_RETENTION_DAYS)


def duplicate_metres() -> float:
    return float(settings.VEERKRACHT_SIGNALS_DUPLICATE_METRES)


def duplicate_days() -> int:
    return int(settings.VEERKRACHT_SIGNALS_DUPLICATE_DAYS)


class StaleSignal(ValueError):
    """The signal changed since the page was loaded."""


class Refused(ValueError):
    """A change the handler may not make (the message says why, in Dutch)."""


def _stale(current: Signal) -> StaleSignal:
    return StaleSignal(
        _("Deze melding is intussen gewijzigd: de status is nu '%(status)s'. "
          "Bekijk de nieuwe stand en probeer opnieuw.")
        % {"status": current.status_label})


def _may_handle(user, signal: Signal) -> None:
    """Refuse a change by anyone but a professional of the signal's area.

    The views and the API check this before they call; the services check
    it again so no other caller can skip it (a ``None`` user is the system).
    """
    if user is None:
        return
    if not (access.can_handle(user) and access.in_area(user, signal)):
        raise PermissionError("deze melding valt buiten het gebied van de gebruiker")


def workspace():
    """The site's workspace (shared, opened once by ``veerkracht.web.workspace``)."""
    from veerkracht.web.workspace import workspace as shared

    return shared()


# -- locations ---------------------------------------------------------------
def resolve_location(
    *,
    postcode: str = "",
    huisnummer: str | int | None = None,
    toevoeging: str = "",
    straat: str = "",
    woonplaats: str = "",
    address_id: str = "",
    x: float | None = None,
    y: float | None = None,
    ws=None,
) -> Location:
    """Find a location from whichever parts were given.

    An address (postcode + huisnummer, or ``address_id``) wins over a street,
    a street over a point. Raises :class:`LocationError` with a Dutch message
    when nothing usable was given or the place does not exist.
    """
    has_address = bool((postcode or "").strip() or str(huisnummer or "").strip())
    has_street = bool((straat or "").strip() or (woonplaats or "").strip())
    has_point = x is not None and y is not None
    if not (address_id or has_address or has_street or has_point):
        raise LocationError(
            "Geef aan waar het is: een adres (postcode en huisnummer) of een straat "
            "met woonplaats."
        )
    ws = ws or workspace()
    index = address_index(ws)
    if address_id:
        return index.by_id(address_id)
    if has_address:
        if not (postcode or "").strip():
            raise LocationError("Vul ook de postcode in.")
        if not str(huisnummer or "").strip():
            raise LocationError("Vul ook het huisnummer in.")
        return index.by_address(postcode, huisnummer, toevoeging or "")
    if has_street:
        return index.by_street(straat, woonplaats)
    return index.by_point(float(x), float(y))


# -- routing -----------------------------------------------------------------
def default_team() -> Team:
    """The team for signals no rule matches (created on first use)."""
    return _default_team(routes.current())


def _default_team(current: routes.Routes) -> Team:
    team = current.default_team()
    if team is None:
        name = settings.VEERKRACHT_SIGNALS_DEFAULT_TEAM
        team, _ = Team.objects.get_or_create(name=name, defaults={"is_default": True})
    return team


def route(category: str, location: Location) -> tuple[Team, RoutingRule | None]:
    """The responsible team for ``category`` at ``location`` and the rule used.

    The rules and the default team come from :mod:`.routes` (kept per process,
    checked against the routing's version token on every call).
    """
    current = routes.current()
    chosen = choose_rule(current.rules, category, location.area_codes)
    if chosen is None:
        return _default_team(current), None
    rule = current.rule(chosen.id)
    return rule.team, rule


# -- creation ----------------------------------------------------------------
@dataclass(frozen=True)
class Created:
    """Outcome of :func:`create_signal`: the signal and whether it is new."""

    signal: Signal
    created: bool


def create_signal(
    *,
    category: str,
    location: Location,
    source: str = "resident",
    description: str = "",
    contact_email: str = "",
    channel: str = "web",
    user=None,
    request=None,
    form_token: str | None = None,
    follow_url=None,
) -> Created:
    """Store a new signal, route it, write its first history row and audit it.

    ``form_token`` makes the call idempotent: the same token a second time
    returns the signal made the first time (``created=False``).
    ``follow_url(signal)`` builds the link for the confirmation e-mail.
    """
    if category not in CATEGORIES:
        raise ValueError(f"onbekende categorie {category!r}")
    if source not in SOURCES:
        raise ValueError(f"onbekende bron {source!r}")
    given = _fingerprint(category, source, location.address_id, location.x,
                         location.y, description, contact_email)
    team, rule = route(category, location)
    role = access.role_label(user)
    actor = access.actor(user)
    # the unique form token and reference decide, not a look-up beforehand: a
    # key sent again (or a drawn reference that exists) fails the insert and
    # is looked up then — the rare case pays, not every report
    for _attempt in range(10):
        reference = new_reference()
        try:
            signal = _insert_signal(
                reference=reference, category=category, location=location,
                source=source, description=description, contact_email=contact_email,
                channel=channel, user=user, request=request, form_token=form_token,
                follow_url=follow_url, team=team, rule=rule, role=role, actor=actor)
        except IntegrityError:
            if form_token:
                existing = Signal.objects.filter(form_token=form_token).first()
                if existing is not None:
                    return _same_or_refuse(existing, given)
            if Signal.objects.filter(reference=reference).exists():
                continue  # the reference was drawn before: draw another
            raise
        return Created(signal, True)
    raise RuntimeError("geen vrij kenmerk gevonden")  # pragma: no cover


def _insert_signal(*, reference, category, location, source, description,
                   contact_email, channel, user, request, form_token, follow_url,
                   team, rule, role, actor) -> Signal:
    """The signal, its first history row and its audit row, in one transaction."""
    with transaction.atomic():
        signal = Signal(
            reference=reference,
            category=category,
            source=source,
            channel=channel,
            status=NEW,
            location_kind=location.kind,
            location_label=location.label[:200],
            address_id=location.address_id or "",
            straat=location.straat,
            woonplaats=location.woonplaats,
            entrance_id=location.entrance_id,
            building_id=location.building_id,
            block_id=location.block_id,
            street_id=location.street_id,
            buurtcode=location.buurtcode,
            wijkcode=location.wijkcode,
            gemeentecode=location.gemeentecode,
            x=location.x,
            y=location.y,
            description=(description or "").strip(),
            contact_email=(contact_email or "").strip(),
            team=team,
            routing_rule=rule,
            reported_by_role=role,
            reported_by=actor if user is not None else "",
            form_token=form_token or None,
        )
        signal.save()
        StatusChange.objects.create(
            signal=signal,
            at=signal.created_at,
            from_status="",
            to_status=NEW,
            actor_role=role,
            actor=signal.reported_by,
        )
        access.audit(
            "signal_create",
            request=request,
            user=user,
            object_id=signal.reference,
            purpose=channel,
        )
        transaction.on_commit(
            lambda: notifications.signal_received(signal, follow_url)
        )
    return signal


class IdempotencyConflict(ValueError):
    """A form token or idempotency key sent again with another report."""


def _fingerprint(category, source, address_id, x, y, description, contact_email
                 ) -> tuple:
    """What makes two reports the same report (for a key sent twice)."""
    return (category, source, address_id or "", round(x, 3), round(y, 3),
            (description or "").strip(), (contact_email or "").strip())


def _same_or_refuse(existing: Signal, given: tuple) -> Created:
    """The earlier signal of the same key, when the report is the same one;
    otherwise the key is refused (a client that reuses keys would silently
    lose every report after the first)."""
    stored = _fingerprint(existing.category, existing.source, existing.address_id,
                          existing.x, existing.y, existing.description,
                          existing.contact_email)
    if existing.anonymised_at is None and stored != given:
        raise IdempotencyConflict(
            gettext("deze idempotentiesleutel hoort bij een andere melding; kies "
                    "een nieuwe sleutel voor een nieuwe melding"))
    return Created(existing, False)


# -- the one status function -----------------------------------------------------
def transition(
    signal: Signal | str,
    to_status: str,
    *,
    user=None,
    request=None,
    note: str = "",
    expected_status: str | None = None,
    team: Team | None = None,
    follow_url=None,
    actor_role: str | None = None,
) -> Signal:
    """Change a signal's status: the only function that does.

    Checks the workflow (:func:`~veerkracht.web.signals.workflow.check_transition`),
    refuses a stale change (``expected_status`` differs from the stored one),
    appends one :class:`StatusChange`, audits it by reference, and e-mails
    the reporter (when they left an address) after the commit. ``team``
    re-assigns the signal when forwarding inside Veerkracht.
    """
    reference = signal if isinstance(signal, str) else signal.reference
    with transaction.atomic():
        current = Signal.objects.select_for_update().get(reference=reference)
        if expected_status is not None and current.status != expected_status:
            raise _stale(current)
        step = check_transition(current.status, to_status)
        now = timezone.now()
        current.status = step.to_status
        current.updated_at = now
        current.closed_at = now if step.to_status in FINAL else None
        fields = ["status", "updated_at", "closed_at"]
        if team is not None:
            current.team = team
            fields.append("team")
        current.save(update_fields=fields)
        StatusChange.objects.create(
            signal=current,
            at=now,
            from_status=step.from_status,
            to_status=step.to_status,
            actor_role=actor_role or access.role_label(user),
            actor=access.actor(user),
            note=(note or "").strip()[:2000],
        )
        access.audit(
            "signal_transition",
            request=request,
            user=user,
            object_id=current.reference,
            purpose=step.to_status,
        )
        _tell_reporters(current, follow_url)
    if not isinstance(signal, str):
        signal.refresh_from_db()
    return current


def _tell_reporters(current: Signal, follow_url) -> None:
    """After the commit: the reporter, and the reporters of its merged duplicates."""
    followers = list(current.duplicates.exclude(contact_email=""))
    transaction.on_commit(lambda: notifications.status_changed(current, follow_url))
    for dup in followers:
        transaction.on_commit(
            lambda dup=dup: notifications.main_status_changed(dup, current, follow_url))


def _history(signal: Signal, kind: str, user, *, at=None, from_status=None,
             note: str = "", actor_role: str | None = None, **extra) -> StatusChange:
    return StatusChange.objects.create(
        signal=signal,
        at=at or timezone.now(),
        kind=kind,
        from_status=signal.status if from_status is None else from_status,
        to_status=signal.status,
        actor_role=actor_role or access.role_label(user),
        actor=access.actor(user),
        note=(note or "").strip()[:2000],
        **extra,
    )


# -- merging duplicates and reopening ------------------------------------------------
def near_each_other(a: Signal, b: Signal, metres: float | None = None) -> bool:
    """Whether two signals are about the same place: the same entrance, or
    within :func:`duplicate_metres` of each other (two street signals of one
    street share the street's point)."""
    metres = duplicate_metres() if metres is None else metres
    if a.entrance_id and a.entrance_id == b.entrance_id:
        return True
    return ((a.x - b.x) ** 2 + (a.y - b.y) ** 2) ** 0.5 <= metres


def merge_candidates(signal: Signal, user, limit: int = 10) -> list[Signal]:
    """Signals ``signal`` may be merged into, for a professional of its area.

    Nearby (:func:`near_each_other`) signals in the user's own areas that are
    not themselves a merged duplicate: open ones of any age, closed ones of
    the last :func:`duplicate_days` days. Same category first, then nearest.
    """
    if not access.can_handle(user) or signal.status not in OPEN:
        return []
    metres = duplicate_metres()
    since = timezone.now() - timedelta(days=duplicate_days())
    near = Q(x__gte=signal.x - metres, x__lte=signal.x + metres,
             y__gte=signal.y - metres, y__lte=signal.y + metres)
    if signal.entrance_id:
        near |= Q(entrance_id=signal.entrance_id)
    qs = (visible_signals(user).filter(near)
          .exclude(pk=signal.pk).exclude(status=MERGED)
          .filter(Q(status__in=sorted(OPEN)) | Q(closed_at__gte=since)))
    found = [s for s in qs.order_by("-created_at")[:200] if near_each_other(signal, s)]
    found.sort(key=lambda s: (s.category != signal.category,
                              (s.x - signal.x) ** 2 + (s.y - signal.y) ** 2,
                              -s.created_at.timestamp()))
    return found[:limit]


def merge(duplicate: Signal | str, main: Signal | str, *, user=None, request=None,
          note: str = "", expected_status: str | None = None,
          follow_url=None) -> Signal:
    """Close ``duplicate`` as a duplicate of ``main`` (ADR 0014).

    Both must lie in the user's areas and be about the same place
    (:func:`near_each_other`); ``duplicate`` must be open; ``main`` must not
    be a merged duplicate itself. Duplicates of ``duplicate`` move to
    ``main`` (one level: a main is never merged). Both signals get a
    history row and an audit row (by reference only); the duplicate's
    reporter is told, without anything of the other report. From then on
    the duplicate counts nowhere: not in the profile's live counts, and
    :func:`sync_to_workspace` takes it out of the workspace.
    """
    dup_ref = duplicate if isinstance(duplicate, str) else duplicate.reference
    main_ref = main if isinstance(main, str) else main.reference
    if dup_ref == main_ref:
        raise Refused(_("Een melding kan niet met zichzelf worden samengevoegd."))
    with transaction.atomic():
        locked = {s.reference: s for s in Signal.objects.select_for_update().filter(
            reference__in=[dup_ref, main_ref])}
        if len(locked) != 2:
            raise Signal.DoesNotExist(dup_ref if dup_ref not in locked else main_ref)
        dup, target = locked[dup_ref], locked[main_ref]
        _may_handle(user, dup)
        _may_handle(user, target)
        if expected_status is not None and dup.status != expected_status:
            raise _stale(dup)
        check_merge(dup.status)
        if target.status == MERGED:
            raise Refused(_("Die melding is zelf al samengevoegd met een andere; "
                            "kies de melding waarmee zij is samengevoegd."))
        if not near_each_other(dup, target):
            raise Refused(_("Die melding gaat niet over dezelfde plaats (niet in "
                            "hetzelfde portiek of binnen %(m)s meter).")
                          % {"m": int(duplicate_metres())})
        now = timezone.now()
        before = dup.status
        dup.status = MERGED
        dup.merged_into = target
        dup.closed_at = now
        dup.updated_at = now
        dup.save(update_fields=["status", "merged_into", "closed_at", "updated_at"])
        _history(dup, StatusChange.MERGE, user, at=now, from_status=before,
                 note=note, related=target)
        moved = list(Signal.objects.filter(merged_into=dup))
        Signal.objects.filter(merged_into=dup).update(merged_into=target,
                                                      updated_at=now)
        target.updated_at = now
        target.save(update_fields=["updated_at"])
        _history(target, StatusChange.MERGED_IN, user, at=now, related=dup)
        for other in moved:
            other.merged_into = target
            _history(other, StatusChange.MERGE, user, at=now, related=target,
                     note=_("Mee verplaatst met %(ref)s.") % {"ref": dup.reference})
        access.audit("signal_merge", request=request, user=user,
                     object_id=dup.reference, purpose="duplicate")
        access.audit("signal_merge", request=request, user=user,
                     object_id=target.reference, purpose="main")
        transaction.on_commit(lambda: notifications.status_changed(dup, follow_url))
    _refresh(duplicate)
    _refresh(main)
    return dup


def reopen(signal: Signal | str, reason: str, *, user=None, request=None,
           expected_status: str | None = None, follow_url=None) -> Signal:
    """Open a closed signal again (``in_behandeling``), with a reason.

    The reason is required and kept in the history (a note: wiped with the
    others after the retention term). A merged duplicate reopened is taken
    from its main signal and counts again on its own.
    """
    reason = (reason or "").strip()
    if not reason:
        raise Refused(_("Geef een reden om de melding te heropenen."))
    reference = signal if isinstance(signal, str) else signal.reference
    with transaction.atomic():
        current = Signal.objects.select_for_update().get(reference=reference)
        _may_handle(user, current)
        if expected_status is not None and current.status != expected_status:
            raise _stale(current)
        step = check_reopen(current.status)
        now = timezone.now()
        former_main = current.merged_into
        current.status = step.to_status
        current.closed_at = None
        current.merged_into = None
        current.updated_at = now
        current.save(update_fields=["status", "closed_at", "merged_into",
                                    "updated_at"])
        _history(current, StatusChange.REOPEN, user, at=now,
                 from_status=step.from_status, note=reason, related=former_main)
        access.audit("signal_reopen", request=request, user=user,
                     object_id=current.reference, purpose=step.from_status)
        _tell_reporters(current, follow_url)
    _refresh(signal)
    return current


def _refresh(signal) -> None:
    if not isinstance(signal, str):
        signal.refresh_from_db()


# -- assignment and priority ---------------------------------------------------------
def teams_of(user) -> QuerySet[Team]:
    """The teams of the user's organisation ("Mijn team")."""
    org_id = getattr(getattr(user, "profile", None), "organisation_id", None)
    if org_id is None:
        return Team.objects.none()
    return Team.objects.filter(organisation_id=org_id)


def assignable_users(signal: Signal, user, team: Team | None = None) -> list:
    """The people ``signal`` can be assigned to by ``user``.

    Professionals who handle signals (:func:`access.can_handle`), active,
    of the user's own organisation or of the organisation of the team
    (``team``, default the signal's), and who see the signal in their own
    areas: a signal is never given to someone who could not open it.
    """
    from django.contrib.auth import get_user_model

    team = team or signal.team
    orgs = {getattr(getattr(user, "profile", None), "organisation_id", None),
            getattr(team, "organisation_id", None)} - {None}
    if not orgs:
        return []
    people = (get_user_model().objects.filter(
        is_active=True, profile__organisation_id__in=orgs)
        .select_related("profile").order_by("first_name", "last_name", "username"))
    return [p for p in people if access.can_handle(p) and access.in_area(p, signal)]


def display_name(person) -> str:
    """How a colleague is named in the team's own pages (never in a log)."""
    if person is None:
        return ""
    return person.get_full_name() or person.get_username()


def assign(signal: Signal | str, *, team: Team | None = None, assignee=None,
           user=None, request=None) -> Signal:
    """Give a signal to a team and (optionally) a person of it.

    ``team`` None keeps the team; ``assignee`` None leaves the signal with
    nobody in particular. The person must be one of
    :func:`assignable_users`. Nothing changes (no history, no audit) when
    both stay as they are.
    """
    reference = signal if isinstance(signal, str) else signal.reference
    with transaction.atomic():
        current = Signal.objects.select_for_update().select_related("team").get(
            reference=reference)
        _may_handle(user, current)
        new_team = team or current.team
        if not new_team.active:
            raise Refused(_("Dit team is niet actief."))
        if assignee is not None:
            allowed = {p.pk for p in assignable_users(current, user, new_team)}
            if assignee.pk not in allowed:
                raise Refused(_("Deze melding kan niet aan deze persoon worden "
                                "toegewezen: die hoort niet bij het team of ziet "
                                "de melding niet in het eigen gebied."))
        if new_team.pk == current.team_id and (
                (assignee.pk if assignee else None) == current.assigned_to_id):
            return current
        current.team = new_team
        current.assigned_to = assignee
        current.updated_at = timezone.now()
        current.save(update_fields=["team", "assigned_to", "updated_at"])
        _history(current, StatusChange.ASSIGN, user, at=current.updated_at,
                 team=new_team, assignee=assignee)
        access.audit("signal_assign", request=request, user=user,
                     object_id=current.reference,
                     purpose="assign_person" if assignee else "assign_team")
    _refresh(signal)
    return current


def set_priority(signal: Signal | str, priority: str, *, user=None,
                 request=None) -> Signal:
    """Set how urgent a signal is (``high``, ``normal``, ``low``)."""
    if priority not in PRIORITIES:
        raise Refused(_("Onbekende prioriteit."))
    reference = signal if isinstance(signal, str) else signal.reference
    with transaction.atomic():
        current = Signal.objects.select_for_update().get(reference=reference)
        _may_handle(user, current)
        if current.priority == priority:
            return current
        current.priority = priority
        current.updated_at = timezone.now()
        current.save(update_fields=["priority", "updated_at"])
        _history(current, StatusChange.PRIORITY, user, at=current.updated_at,
                 priority=priority)
        access.audit("signal_priority", request=request, user=user,
                     object_id=current.reference, purpose=priority)
    _refresh(signal)
    return current


# -- duplicates ------------------------------------------------------------------
def nearby_open_signals(
    category: str,
    x: float,
    y: float,
    *,
    entrance_id: str = "",
    exclude: Signal | None = None,
    metres: float | None = None,
    days: int | None = None,
    limit: int = 5,
) -> list[Signal]:
    """Open signals of ``category`` within ``metres`` or in the same entrance.

    Only signals reported in the last ``days`` count. Nearest first.
    """
    metres = duplicate_metres() if metres is None else metres
    days = duplicate_days() if days is None else days
    since = timezone.now() - timedelta(days=days)
    near = Q(x__gte=x - metres, x__lte=x + metres, y__gte=y - metres, y__lte=y + metres)
    if entrance_id:
        near |= Q(entrance_id=entrance_id)
    qs = Signal.objects.filter(
        near, category=category, status__in=OPEN, created_at__gte=since
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    found = []
    for s in qs[:200]:
        d = ((s.x - x) ** 2 + (s.y - y) ** 2) ** 0.5
        if d <= metres or (entrance_id and s.entrance_id == entrance_id):
            found.append((d, s))
    found.sort(key=lambda t: (t[0], t[1].created_at))
    return [s for _, s in found[:limit]]


def duplicate_suggestions(
    user,
    category: str,
    x: float,
    y: float,
    *,
    entrance_id: str = "",
    exclude: Signal | None = None,
) -> list[Signal]:
    """Possible duplicates, for the responsible team's professionals only.

    A resident or anyone without an account never gets a suggestion: it would
    tell them that a neighbour's address had a report, of which kind and
    when (issue 8). A professional gets only signals in their own areas
    (:func:`visible_signals`), so one team never learns of another's.
    """
    if not access.can_handle(user):
        return []
    near = nearby_open_signals(
        category, x, y, entrance_id=entrance_id, exclude=exclude, limit=200
    )
    mine = set(
        visible_signals(user)
        .filter(pk__in=[s.pk for s in near])
        .values_list("pk", flat=True)
    )
    return [s for s in near if s.pk in mine][:5]


# -- what a user may see -----------------------------------------------------------
def visible_signals(user) -> QuerySet[Signal]:
    """Signals in the areas of the user's organisation (none for others)."""
    if not access.can_handle(user):
        return Signal.objects.none()
    return Signal.objects.filter(access.area_filter(user)).select_related("team")


@dataclass(frozen=True)
class WorklistFilter:
    """What the work list shows, from its query string (unknown values: default).

    ``status``: ``open`` (default), ``alle`` or a status code; ``category``;
    ``assignment``: ``mij`` (assigned to me), ``team`` (a team of my
    organisation), ``niemand`` (no person); ``priority``; ``sort``:
    ``nieuw`` (newest first, default), ``oud`` (oldest first: the longest
    open on top), ``prioriteit`` (high first, then oldest).
    """

    status: str = "open"
    category: str = ""
    assignment: str = ""
    priority: str = ""
    sort: str = "nieuw"

    @classmethod
    def from_query(cls, query) -> WorklistFilter:
        def pick(name, allowed, default=""):
            value = str(query.get(name, default) or default)
            return value if value in allowed else default

        return cls(
            status=pick("status", {"open", "alle", *STATUSES}, "open"),
            category=pick("category", set(CATEGORIES)),
            assignment=pick("toewijzing", set(ASSIGNMENT_FILTERS)),
            priority=pick("prioriteit", set(PRIORITIES)),
            sort=pick("sortering", set(SORTS), "nieuw"),
        )

    def query(self) -> dict[str, str]:
        """The query string parameters of this filter (for links and the export)."""
        return {k: v for k, v in (("status", self.status),
                                  ("category", self.category),
                                  ("toewijzing", self.assignment),
                                  ("prioriteit", self.priority),
                                  ("sortering", self.sort)) if v}

    @property
    def audit_purpose(self) -> str:
        """The status filter as a code (never what was typed)."""
        return self.status if self.status in {"open", *STATUSES} else "all"


#: the assignment filters of the work list
ASSIGNMENT_FILTERS = {
    "mij": gettext_lazy("Aan mij toegewezen"),
    "team": gettext_lazy("Mijn team"),
    "niemand": gettext_lazy("Niet toegewezen"),
}
#: the orders of the work list
SORTS = {
    "nieuw": gettext_lazy("Nieuwste eerst"),
    "oud": gettext_lazy("Oudste eerst"),
    "prioriteit": gettext_lazy("Prioriteit (hoog eerst)"),
}


def worklist(user, wanted: WorklistFilter | None = None) -> QuerySet[Signal]:
    """The signals of the user's areas as the work list shows them."""
    wanted = wanted or WorklistFilter()
    qs = visible_signals(user).select_related("team", "assigned_to", "merged_into")
    if wanted.status == "open":
        qs = qs.filter(status__in=sorted(OPEN))
    elif wanted.status in STATUSES:
        qs = qs.filter(status=wanted.status)
    if wanted.category:
        qs = qs.filter(category=wanted.category)
    if wanted.priority:
        qs = qs.filter(priority=wanted.priority)
    if wanted.assignment == "mij":
        qs = qs.filter(assigned_to_id=getattr(user, "pk", None))
    elif wanted.assignment == "team":
        qs = qs.filter(team__in=teams_of(user))
    elif wanted.assignment == "niemand":
        qs = qs.filter(assigned_to__isnull=True)
    if wanted.sort == "oud":
        return qs.order_by("created_at", "pk")
    if wanted.sort == "prioriteit":
        rank = Case(*(When(priority=code, then=Value(i))
                      for code, i in PRIORITY_RANK.items()),
                    default=Value(len(PRIORITY_RANK)), output_field=IntegerField())
        return qs.annotate(priority_rank=rank).order_by("priority_rank",
                                                        "created_at", "pk")
    return qs.order_by("-created_at", "-pk")


def oldest_open(qs: QuerySet[Signal]) -> Signal | None:
    """The signal of ``qs`` that has been open longest (None when none is open)."""
    return (qs.filter(status__in=sorted(OPEN)).order_by("created_at", "pk")
            .first())


#: the places a signal links to, finest first (the profile decides the rest)
LINK_LEVELS = ("entrance", "building", "block", "street", "buurt", "wijk",
               "gemeente")


def place_links(signals, user) -> dict[int, list[dict]]:
    """Per signal, the places it lies in whose profile the user may open.

    Finest first. A place is linked only when the user may see it
    (:func:`~veerkracht.web.accounts.scoping.can_see`: all its dwellings in
    the user's areas, its level one the role may see) and it is shown at all
    (:func:`~veerkracht.web.places.services.shown_places`, the rule of
    ``shown_place_row`` that the profile applies first).
    """
    from veerkracht.web.accounts import scoping
    from veerkracht.web.levels import LABELS
    from veerkracht.web.places.services import shown_places

    signals = list(signals)
    links: dict[int, list[dict]] = {s.pk: [] for s in signals}
    for level in LINK_LEVELS:
        column = access.DWELLING_COLUMN[level]
        ids = {getattr(s, column, "") for s in signals} - {""}
        visible = scoping.visible_ids(user, level) & ids if ids else frozenset()
        shown = shown_places(level, visible) if visible else {}
        for s in signals:
            pid = getattr(s, column, "")
            if pid in shown:
                links[s.pk].append({"level": level, "label": str(LABELS[level]),
                                    "id": pid, "name": shown[pid]})
    return links


def place_signal_counts(level: str, place_id: str, user, days: int = 90
                        ) -> dict | None:
    """The web's own signals at one place, for the place profile.

    For a professional who handles signals there (the same people who see
    them one by one in the work list, :func:`visible_signals`): how many
    were filed in the last ``days`` days, how many of those are still open,
    and per category. None for everyone else, so the profile shows nothing
    more than the protected counts of the workspace to them. Only signals
    in the user's own areas are counted, and a merged duplicate not at all:
    one situation reported twice counts once, as its main signal.
    """
    column = access.DWELLING_COLUMN.get(level)
    if column is None or not access.can_handle(user):
        return None
    since = timezone.now() - timedelta(days=days)
    recent = (visible_signals(user).filter(**{column: place_id},
                                           created_at__gte=since)
              .exclude(status=MERGED))
    per_category = {}
    for category in recent.values_list("category", flat=True):
        label = str(CATEGORIES.get(category, category))
        per_category[label] = per_category.get(label, 0) + 1
    return {
        "days": days,
        "total": recent.count(),
        "open": recent.filter(status__in=sorted(OPEN)).count(),
        "per_category": sorted(per_category.items(), key=lambda kv: (-kv[1], kv[0])),
    }


# -- retention ---------------------------------------------------------------------
def anonymise_expired(now=None, days: int | None = None) -> int:
    """Erase contact and free text of signals closed more than ``days`` ago.

    The history notes of those signals are erased too. A merged duplicate
    keeps its reporter's address while the signal it is handled under is
    open (they are told of its progress) and goes with it: ``days`` after
    both are closed. Returns the number of signals anonymised. Idempotent.
    """
    now = now or timezone.now()
    days = retention_days() if days is None else days
    cutoff = now - timedelta(days=days)
    with transaction.atomic():
        due = Signal.objects.filter(
            Q(merged_into__isnull=True) | Q(merged_into__closed_at__lte=cutoff),
            closed_at__lte=cutoff, anonymised_at__isnull=True)
        ids = list(due.values_list("pk", flat=True))
        if not ids:
            return 0
        Signal.objects.filter(pk__in=ids).update(
            description="", contact_email="", anonymised_at=now
        )
        # Retention erases the free text of history notes; the rest of the
        # history (who, when, from, to) stays as it was.
        StatusChange.objects.filter(signal_id__in=ids).exclude(note="").update(
            note=ANONYMISED
        )
    access.audit(
        "signal_anonymise",
        actor="system:retention",
        object_id=f"{len(ids)} meldingen",
        purpose=f"{days}d",
    )
    return len(ids)


# -- analytics side ------------------------------------------------------------------
SYNC_STATUSES = ("in_behandeling", "doorgezet", "afgehandeld")


def sync_to_workspace(ws=None) -> int:
    """Append handled signals to the workspace ``signals`` table, in one transaction.

    Only signals a professional has taken up (``in_behandeling``, ``doorgezet``,
    ``afgehandeld``) and not yet synced go over; ``new`` ones wait, cancelled
    ones never go. Rows carry ``signal_id`` (the reference), ``reported_at``,
    ``category``, ``source``, ``address_id`` and the point — never free text
    or contact details. A merged duplicate never goes, and one that went
    before it was merged is taken out again (in the same transaction), so
    one situation is one signal for the model; reopened, it goes again.
    Returns the number of rows appended.
    """
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import Point

    ws = ws or workspace()
    pending = list(
        Signal.objects.filter(
            synced_at__isnull=True, status__in=SYNC_STATUSES, merged_into__isnull=True
        ).order_by("created_at", "pk")
    )
    withdrawn = list(Signal.objects.filter(synced_at__isnull=False,
                                           merged_into__isnull=False))
    if not pending and not withdrawn:
        return 0
    existing: set[str] = set()
    if ws.has("signals"):
        existing = set(
            ws.read("signals", columns=["signal_id"])["signal_id"].astype(str)
        )
    fresh = [s for s in pending if s.reference not in existing]
    gone = {s.reference for s in withdrawn} & existing
    if fresh or gone:
        frame = gpd.GeoDataFrame(
            {
                "signal_id": pd.array([s.reference for s in fresh], dtype="str"),
                "reported_at": pd.to_datetime([s.created_at for s in fresh], utc=True),
                "category": pd.array([s.category for s in fresh], dtype="str"),
                "source": pd.array([s.source for s in fresh], dtype="str"),
                "address_id": pd.array(
                    [s.address_id or pd.NA for s in fresh], dtype="str"
                ),
                "synthetic": [False] * len(fresh),
            },
            geometry=[Point(s.x, s.y) for s in fresh],
            crs="EPSG:28992",
        )
        with ws.transaction("signals-sync", source="web") as tx:
            if gone:
                table = ws.read("signals")
                kept = table[~table["signal_id"].astype(str).isin(gone).to_numpy()]
                tx.put("signals", kept)
            if fresh:
                tx.append("signals", frame)
            tx.summary["appended"] = len(fresh)
            tx.summary["withdrawn_duplicates"] = len(gone)
    now = timezone.now()
    Signal.objects.filter(pk__in=[s.pk for s in pending]).update(synced_at=now)
    # out of the workspace: synced again only when reopened (merged_into empty)
    Signal.objects.filter(pk__in=[s.pk for s in withdrawn]).update(synced_at=None)
    return len(fresh)


__all__ = [
    "CANCELLED",
    "Created",
    "InvalidTransition",
    "LocationError",
    "Refused",
    "StaleSignal",
    "WorklistFilter",
    "anonymise_expired",
    "assign",
    "assignable_users",
    "create_signal",
    "default_team",
    "duplicate_suggestions",
    "merge",
    "merge_candidates",
    "nearby_open_signals",
    "place_links",
    "reopen",
    "resolve_location",
    "route",
    "set_priority",
    "sync_to_workspace",
    "transition",
    "visible_signals",
    "worklist",
]
