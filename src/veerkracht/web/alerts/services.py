"""Everything that changes an alert happens here.

* :func:`sync_alerts` — read the workspace table ``alerts`` (written by
  ``veerkracht warn run``) into :class:`~.models.Alert` rows, upserting by
  ``alert_id``: a new alert is routed to a team and gets its first history
  row; a known alert gets the job's newest figures but keeps its status,
  team, notes and history; an alert the table no longer lists is kept.
* :func:`sync_if_changed` — the same, only when the table's version in the
  workspace catalogue differs from the version last read (the way the site
  notices a new ``results`` version, :mod:`veerkracht.web.workspace`). Every
  page, API answer and the digest call it first, so nothing needs to be
  wired for the site to see a new run.
* :func:`transition` — the one way to acknowledge or close an alert.
* :func:`send_digest` — one e-mail per team with its alerts of the week.

Routing
-------
An alert goes to a team by the same area rules as a signal
(:mod:`veerkracht.web.signals.routing`, via
:func:`veerkracht.web.signals.services.route`): the rule for the smallest
area among the alert's ``buurtcode``, ``wijkcode`` and ``gemeentecode``
wins, else the default team. An alert has no signal category: the schema
says what its signals *mean* (``pressure``, ``attentiveness``, ``all``), not
which category dominates, and a dominant category would hide the others a
cluster is made of. So alerts route with category ``""``
(:data:`ALERT_CATEGORY`): only rules "for every category" apply, and a rule
for one category (noise to the police, say) never takes an alert. The team
is chosen when the alert first comes in and kept after, also when rules
change, so a team that took an alert up keeps it.

Settings
--------
``VEERKRACHT_ALERTS_RECENT_DAYS`` (default 7)
    what "deze week" means: the list's default view and the digest show
    alerts whose run was at most this many days ago.
``VEERKRACHT_SITE_URL``
    the address in the digest's links (empty: paths only).
``EMAIL_BACKEND``, ``DEFAULT_FROM_EMAIL`` (and the ``EMAIL_*`` of SMTP)
    how and from whom the digest is sent (console in the demo, locmem in
    tests, SMTP in production).
``VEERKRACHT_SIGNALS_DEFAULT_TEAM``
    the team that gets an alert no rule matches (as for signals).
"""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pandas as pd
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from veerkracht.analytics.warning.alerts import check_alerts
from veerkracht.store import WorkspaceError
from veerkracht.web.alerts import access
from veerkracht.web.alerts.models import Alert, AlertStatusChange, AlertSync
from veerkracht.web.alerts.workflow import (
    ACTIVE,
    CLOSED,
    OPEN,
    STATUSES,
    InvalidTransition,
    check_transition,
)

log = logging.getLogger("veerkracht.web.alerts")

TABLE = "alerts"
#: the category alerts are routed with: only rules for every category apply
ALERT_CATEGORY = ""
#: the history's actor for what the job did
SYSTEM_ROLE = "system"


class StaleAlert(ValueError):
    """The alert changed since the page was loaded."""


def recent_days() -> int:
    """Days that count as "this week" (``VEERKRACHT_ALERTS_RECENT_DAYS``)."""
    return int(settings.VEERKRACHT_ALERTS_RECENT_DAYS)


# -- reading the workspace table ----------
@dataclass(frozen=True)
class SyncResult:
    """What :func:`sync_alerts` did."""

    created: int = 0
    updated: int = 0
    version: int | None = None


def _key_for(location: object) -> str:
    """The sync key of a workspace (by a hash: a URL may hold a password)."""
    text = str(location)
    if not text.startswith(("postgresql://", "postgres://")):
        from pathlib import Path

        text = str(Path(text).resolve())
    return f"{TABLE}@{hashlib.sha256(text.encode()).hexdigest()[:16]}"


def _state_key() -> str:
    """The sync key of the site's workspace."""
    return _key_for(settings.VEERKRACHT_WORKSPACE)


def _utc(value) -> datetime:
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        return stamp.tz_localize("UTC").to_pydatetime()
    return stamp.tz_convert("UTC").to_pydatetime()


def _date(value) -> date:
    return date.fromisoformat(str(value)[:10])


def _float(value) -> float | None:
    """A finite float, or ``None`` for NaN and infinities."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _fields(row) -> dict:
    """Model fields of one row of the (checked) workspace table."""
    return {
        "run_at": _utc(row["run_at"]),
        "as_of": _date(row["as_of"]),
        "kind": str(row["kind"]),
        "meaning": str(row["meaning"]),
        "level": str(row["level"]),
        "place_id": str(row["place_id"]),
        "buurtcode": "" if pd.isna(row["buurtcode"]) else str(row["buurtcode"]),
        "wijkcode": "" if pd.isna(row["wijkcode"]) else str(row["wijkcode"]),
        "gemeentecode": ""
        if pd.isna(row["gemeentecode"])
        else str(row["gemeentecode"]),
        "window_start": _date(row["window_start"]),
        "window_end": _date(row["window_end"]),
        "observed": float(row["observed"]),
        "expected": float(row["expected"]),
        "p_value": float(row["p_value"]),
        "recurrence_days": _float(row["recurrence_days"]),
        "statistic": _float(row["statistic"]),
        "radius_m": _float(row["radius_m"]),
        "n_locations": int(row["n_locations"]),
        "method": str(row["method"] or "")[:120],
        "evidence": str(row["evidence"] or ""),
    }


def route_alert(buurtcode: str, wijkcode: str, gemeentecode: str):
    """The team (and rule) for an alert in these areas: signals' routing."""
    from veerkracht.web.signals.services import route

    codes = tuple(c for c in (buurtcode, wijkcode, gemeentecode) if c)
    return route(ALERT_CATEGORY, SimpleNamespace(area_codes=codes))


def sync_alerts(ws=None, frame: pd.DataFrame | None = None) -> SyncResult:
    """Upsert the workspace table ``alerts`` into the web's alerts, by ``alert_id``.

    Parameters
    ----------
    ws : Workspace, optional
        Read from this workspace (the job's own, after ``run_warn``) instead
        of the site's (``settings.VEERKRACHT_WORKSPACE``).
    frame : DataFrame, optional
        The table itself (tests); checked with ``check_alerts`` like a read one.

    Known alerts keep their status, team, notes and history; their figures
    are the table's newest. Nothing is deleted. Returns counts and the
    table version read (``None`` for a given frame).
    """
    version = None
    if frame is None:
        if ws is None:
            from veerkracht.web import workspace

            version = workspace.version_of(TABLE)
            frame = workspace.table(TABLE)
        else:
            version = {t.name: t.version for t in ws.tables()}.get(TABLE)
            frame = ws.read(TABLE) if version is not None else None
        if frame is None:
            return SyncResult(version=None)
    table = check_alerts(frame).drop_duplicates("alert_id", keep="last")
    now = timezone.now()
    created = updated = 0
    with transaction.atomic():
        ids = table["alert_id"].astype(str).tolist()
        known = {a.alert_id: a for a in Alert.objects.filter(alert_id__in=ids)}
        changed = []
        for row in table.to_dict("records"):
            aid = str(row["alert_id"])
            fields = _fields(row)
            alert = known.get(aid)
            if alert is None:
                team, rule = route_alert(
                    fields["buurtcode"], fields["wijkcode"], fields["gemeentecode"]
                )
                alert = Alert.objects.create(
                    alert_id=aid, team=team, routing_rule=rule, status=OPEN,
                    first_seen_at=now, synced_at=now, updated_at=now, **fields,
                )
                AlertStatusChange.objects.create(
                    alert=alert, at=now, from_status="", to_status=OPEN,
                    actor_role=SYSTEM_ROLE, actor="",
                )
                created += 1
                continue
            if any(getattr(alert, k) != v for k, v in fields.items()):
                for k, v in fields.items():
                    setattr(alert, k, v)
                alert.synced_at = now
                changed.append(alert)
        if changed:
            Alert.objects.bulk_update(changed, [*_FIELD_NAMES, "synced_at"])
            updated = len(changed)
        if version is not None:
            AlertSync.objects.update_or_create(
                table=_state_key() if ws is None else _key_for(ws.location),
                defaults={"version": version, "synced_at": now},
            )
    if created or updated:
        log.info("vroegsignalen ingelezen: %d nieuw, %d bijgewerkt", created, updated)
    return SyncResult(created, updated, version)


_FIELD_NAMES = (
    "run_at", "as_of", "kind", "meaning", "level", "place_id", "buurtcode",
    "wijkcode", "gemeentecode", "window_start", "window_end", "observed",
    "expected", "p_value", "recurrence_days", "statistic", "radius_m",
    "n_locations", "method", "evidence",
)


def sync_if_changed() -> SyncResult | None:
    """:func:`sync_alerts` when the table's version is not the one last read.

    Cheap when nothing changed (one catalogue read, one row). ``None`` when
    nothing was read.
    """
    from veerkracht.web import workspace

    try:
        version = workspace.version_of(TABLE)
    except WorkspaceError:  # the workspace cannot be opened: no alerts
        log.debug("geen werkmap: geen vroegsignalen ingelezen", exc_info=True)
        return None
    if version is None:
        return None
    state = AlertSync.objects.filter(table=_state_key()).first()
    if state is not None and state.version == version:
        return None
    try:
        return sync_alerts()
    except IntegrityError:  # a concurrent request read the same version first
        return None


# -- what a user may see ----------
def visible_alerts(user) -> QuerySet[Alert]:
    """Alerts in the areas of the user's organisation (none for other roles)."""
    if not access.can_see_alerts(user):
        return Alert.objects.none()
    return Alert.objects.filter(access.alert_filter(user)).select_related("team")


def visible_alert(user, alert_id: str) -> Alert | None:
    """One alert if the user may see it, else ``None`` (unknown looks the same)."""
    return visible_alerts(user).filter(alert_id=alert_id).first()


#: the list's views: code -> (Dutch label, audit purpose)
VIEWS = {
    "week": "Open en in behandeling, deze week",
    "older": "Open en in behandeling, ouder",
    "closed": "Gesloten",
    "all": "Alle",
}


def filtered(qs: QuerySet[Alert], view: str, now=None) -> QuerySet[Alert]:
    """The alerts of one of :data:`VIEWS` (``week`` for anything else)."""
    now = now or timezone.now()
    since = now - timedelta(days=recent_days())
    if view == "older":
        return qs.filter(status__in=ACTIVE, run_at__lt=since)
    if view == "closed":
        return qs.filter(status=CLOSED)
    if view == "all":
        return qs
    return qs.filter(status__in=ACTIVE, run_at__gte=since)


# -- the place of an alert ----------
@dataclass(frozen=True)
class Place:
    """How a page names an alert's place: name, level and (if public) a link."""

    level: str
    level_label: str
    place_id: str
    name: str
    url: str  # the place profile, "" when the door does not publish the place


def _names(level: str) -> dict[str, str]:
    from veerkracht.web import workspace

    places = workspace.table(f"place_{level}")
    if places is None or "name" not in places.columns:
        return {}
    return dict(zip(places["place_id"].astype(str), places["name"].astype(str),
                    strict=True))


def place_of(alert: Alert, user, *, _names_cache: dict | None = None) -> Place:
    """The alert's place for ``user``: linked to its profile only when the
    publication door publishes the place for the user (as the profile page
    itself decides), else its name and level only."""
    from veerkracht.web.levels import LABELS
    from veerkracht.web.places import figures

    cache = _names_cache if _names_cache is not None else {}
    if alert.level not in cache:
        cache[alert.level] = _names(alert.level)   # {} for a level without a table
    name = cache[alert.level].get(alert.place_id, "")
    url = ""
    try:
        audience = figures.audience_for(user, alert.level, alert.place_id)
        fig = figures.figures(alert.level, audience=audience)
        if alert.place_id in fig.frame.index:
            url = reverse("places:profile", args=[alert.level, alert.place_id])
            name = name or str(fig.frame.loc[alert.place_id].get("name", ""))
    except (LookupError, ValueError):
        url = ""
    label = str(LABELS.get(alert.level, alert.level))
    return Place(alert.level, label, alert.place_id, name or label, url)


# -- the one status function ----------
def transition(
    alert: Alert | str,
    to_status: str,
    *,
    user,
    request=None,
    note: str = "",
    expected_status: str | None = None,
) -> Alert:
    """Acknowledge or close an alert: the only function that changes its status.

    The user must see the alert (else ``PermissionDenied``, audited as
    refused); the workflow must allow the step and closing needs a note
    (:func:`~veerkracht.web.alerts.workflow.check_transition`, a Dutch
    ``InvalidTransition``); a stale page is refused (:class:`StaleAlert`).
    Appends one history row and one audit row.
    """
    alert_id = alert if isinstance(alert, str) else alert.alert_id
    purpose = to_status if to_status in STATUSES else "other"
    with transaction.atomic():
        current = (
            visible_alerts(user).select_for_update(of=("self",))
            .filter(alert_id=alert_id).first()
        )
        if current is None:
            access.audit("alert_transition", request=request, user=user,
                         object_id=alert_id, purpose=purpose, result="refused")
            raise PermissionDenied(_("Dit vroegsignaal valt buiten uw gebied."))
        if expected_status is not None and current.status != expected_status:
            raise StaleAlert(
                "Dit vroegsignaal is intussen gewijzigd: de status is nu "
                f"'{STATUSES[current.status]}'. Bekijk de nieuwe stand en probeer "
                "opnieuw."
            )
        check_transition(current.status, to_status, note)
        now = timezone.now()
        previous = current.status
        current.status = to_status
        current.updated_at = now
        current.closed_at = now if to_status == CLOSED else None
        current.save(update_fields=["status", "updated_at", "closed_at"])
        AlertStatusChange.objects.create(
            alert=current, at=now, from_status=previous, to_status=to_status,
            actor_role=access.role_label(user), actor=access.actor(user),
            note=(note or "").strip()[:2000],
        )
        access.audit("alert_transition", request=request, user=user,
                      object_id=current.alert_id, purpose=purpose)
    if not isinstance(alert, str):
        alert.refresh_from_db()
    return current


# -- the e-mail digest ----------
def _area_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for level in ("gemeente", "wijk", "buurt"):
        names.update(_names(level))
    return names


def digest_alerts(team, now=None) -> list[Alert]:
    """The team's open and acknowledged alerts of the week, strongest first."""
    now = now or timezone.now()
    since = now - timedelta(days=recent_days())
    return list(
        Alert.objects.filter(team=team, status__in=ACTIVE, run_at__gte=since)
        .order_by("p_value", "-run_at", "alert_id")
    )


def digest_text(team, alerts: list[Alert], areas: dict[str, str] | None = None) -> str:
    """The body of a team's digest (Dutch).

    An e-mail leaves the site's access control and its audit trail, so it
    carries less than the page: the kind, the level and the buurt or wijk
    (public CBS areas), the window and the recurrence interval — no place
    below the buurt, no street or entrance name, no count, no free text. The
    link opens the alert after logging in, where access is checked and
    audited.
    """
    from veerkracht.web.levels import LABELS

    areas = areas if areas is not None else _area_names()
    base = str(getattr(settings, "VEERKRACHT_SITE_URL", "") or "").rstrip("/")
    lines = [
        f"Vroegsignalen voor {team.name}: {len(alerts)} open of in behandeling "
        f"in de laatste {recent_days()} dagen.",
        "",
    ]
    with translation.override("nl"):
        for a in alerts:
            code = a.buurtcode or a.wijkcode or a.gemeentecode
            area = f"{areas.get(code, code)} ({code})" if code else "onbekend gebied"
            lines.append(
                f"- {a.kind_label} ({a.meaning_label}), {LABELS.get(a.level, a.level)} "
                f"in {area}"
            )
            lines.append(
                f"  venster {a.window_start:%d-%m-%Y} t/m {a.window_end:%d-%m-%Y}; "
                f"{a.recurrence}; status: {STATUSES[a.status]}"
            )
            lines.append(f"  {base}{reverse('alerts:detail', args=[a.alert_id])}")
    lines += [
        "",
        f"Alle vroegsignalen van uw gebieden: {base}{reverse('alerts:index')}",
        "(inloggen nodig; elke weergave wordt vastgelegd in het auditspoor)",
    ]
    return "\n".join(lines) + "\n"


def send_digest(now=None) -> dict[str, int]:
    """E-mail each active team with an address one overview of its alerts.

    Reads a new ``alerts`` version first (:func:`sync_if_changed`). A team
    without alerts of the week gets no e-mail. Returns team name -> number
    of alerts sent; a mail that fails is logged by team and counted as -1,
    never raised, so one broken address does not stop the others. Each sent
    digest is audited (``alert_digest``, actor ``system:digest``).
    """
    from veerkracht.web.signals.models import Team

    sync_if_changed()
    now = now or timezone.now()
    areas = _area_names()
    sent: dict[str, int] = {}
    for team in Team.objects.filter(active=True).exclude(email="").order_by("name"):
        alerts = digest_alerts(team, now)
        if not alerts:
            continue
        subject = (
            f"Aandacht deze week: {len(alerts)} vroegsignalen voor {team.name}"
        )
        try:
            send_mail(subject, digest_text(team, alerts, areas), None, [team.email],
                      fail_silently=False)
        except Exception:  # noqa: BLE001 - one failing address must not stop others
            log.warning("overzicht vroegsignalen voor team %s niet verstuurd", team.pk)
            sent[team.name] = -1
            access.audit("alert_digest", actor="system:digest",
                          object_id=f"{len(alerts)} vroegsignalen", purpose="digest",
                          result="failed")
            continue
        sent[team.name] = len(alerts)
        access.audit("alert_digest", actor="system:digest",
                      object_id=f"{len(alerts)} vroegsignalen", purpose="digest")
    return sent


__all__ = [
    "ALERT_CATEGORY",
    "InvalidTransition",
    "StaleAlert",
    "SyncResult",
    "digest_alerts",
    "filtered",
    "place_of",
    "recent_days",
    "route_alert",
    "send_digest",
    "sync_alerts",
    "sync_if_changed",
    "transition",
    "visible_alert",
    "visible_alerts",
]
