"""Everything that changes a signal happens here (STYLE.md: SIG ``Signal.actions``).

* :func:`create_signal` — a new signal, routed, with its first history row;
* :func:`transition` — the ONE way to change a signal's status;
* :func:`anonymise_expired` — retention: contact and free text erased;
* :func:`sync_to_workspace` — handled signals (without text or contact)
  appended to the workspace ``signals`` table for the model.

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
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from veerkracht.web.signals import access, notifications
from veerkracht.web.signals.locations import Location, LocationError, address_index
from veerkracht.web.signals.models import (
    RoutingRule,
    Signal,
    StatusChange,
    Team,
    new_reference,
)
from veerkracht.web.signals.routing import Rule, choose_rule
from veerkracht.web.signals.workflow import (
    CANCELLED,
    CATEGORIES,
    FINAL,
    NEW,
    OPEN,
    SOURCES,
    InvalidTransition,
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
    team = Team.objects.filter(is_default=True, active=True).order_by("id").first()
    if team is None:
        name = settings.VEERKRACHT_SIGNALS_DEFAULT_TEAM
        team, _ = Team.objects.get_or_create(name=name, defaults={"is_default": True})
    return team


def route(category: str, location: Location) -> tuple[Team, RoutingRule | None]:
    """The responsible team for ``category`` at ``location`` and the rule used."""
    active = list(
        RoutingRule.objects.filter(active=True, team__active=True).select_related(
            "team"
        )
    )
    chosen = choose_rule(
        [Rule(r.id, r.team_id, r.category, r.area_code, r.priority) for r in active],
        category,
        location.area_codes,
    )
    if chosen is None:
        return default_team(), None
    rule = next(r for r in active if r.id == chosen.id)
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
    if form_token:
        existing = Signal.objects.filter(form_token=form_token).first()
        if existing is not None:
            return _same_or_refuse(existing, given)
    team, rule = route(category, location)
    role = access.role_label(user)
    actor = access.actor(user)
    try:
        with transaction.atomic():
            signal = Signal(
                reference=_unique_reference(),
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
    except IntegrityError:
        if form_token:
            existing = Signal.objects.filter(form_token=form_token).first()
            if existing is not None:
                return _same_or_refuse(existing, given)
        raise
    return Created(signal, True)


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


def _unique_reference() -> str:
    for _ in range(10):
        ref = new_reference()
        if not Signal.objects.filter(reference=ref).exists():
            return ref
    raise RuntimeError("geen vrij kenmerk gevonden")  # pragma: no cover


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
            raise StaleSignal(
                gettext(
                    "Deze melding is intussen gewijzigd: de status is nu "
                    "'%(status)s'. Bekijk de nieuwe stand en probeer opnieuw."
                ) % {"status": gettext(current.status_label)}
            )
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
        transaction.on_commit(lambda: notifications.status_changed(current, follow_url))
    if not isinstance(signal, str):
        signal.refresh_from_db()
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


def place_signal_counts(level: str, place_id: str, user, days: int = 90
                        ) -> dict | None:
    """The web's own signals at one place, for the place profile.

    For a professional who handles signals there (the same people who see
    them one by one in the work list, :func:`visible_signals`): how many
    were filed in the last ``days`` days, how many of those are still open,
    and per category. None for everyone else, so the profile shows nothing
    more than the protected counts of the workspace to them. Only signals
    in the user's own areas are counted.
    """
    column = access.DWELLING_COLUMN.get(level)
    if column is None or not access.can_handle(user):
        return None
    since = timezone.now() - timedelta(days=days)
    recent = visible_signals(user).filter(**{column: place_id},
                                          created_at__gte=since)
    per_category = {}
    for category in recent.values_list("category", flat=True):
        label = CATEGORIES.get(category, category)
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

    The history notes of those signals are erased too. Returns the number of
    signals anonymised. Idempotent.
    """
    now = now or timezone.now()
    days = retention_days() if days is None else days
    cutoff = now - timedelta(days=days)
    with transaction.atomic():
        due = Signal.objects.filter(closed_at__lte=cutoff, anonymised_at__isnull=True)
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
    or contact details. Returns the number of rows appended.
    """
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import Point

    ws = ws or workspace()
    pending = list(
        Signal.objects.filter(
            synced_at__isnull=True, status__in=SYNC_STATUSES
        ).order_by("created_at", "pk")
    )
    if not pending:
        return 0
    existing: set[str] = set()
    if ws.has("signals"):
        existing = set(
            ws.read("signals", columns=["signal_id"])["signal_id"].astype(str)
        )
    fresh = [s for s in pending if s.reference not in existing]
    if fresh:
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
            tx.append("signals", frame)
            tx.summary["appended"] = len(fresh)
    Signal.objects.filter(pk__in=[s.pk for s in pending]).update(
        synced_at=timezone.now()
    )
    return len(fresh)


__all__ = [
    "CANCELLED",
    "Created",
    "InvalidTransition",
    "LocationError",
    "StaleSignal",
    "anonymise_expired",
    "create_signal",
    "default_team",
    "duplicate_suggestions",
    "nearby_open_signals",
    "resolve_location",
    "route",
    "sync_to_workspace",
    "transition",
    "visible_signals",
]
