"""The active routing rules and the default team, kept per process (ADR 0022).

Every report is routed. Reading the rules and the default team from the
database for each one was a quarter of a report's own work; now each server
process keeps them, and every report reads one small token instead
(:class:`~.models.RoutingVersion`). Every change to a team or a rule renews
that token in the same transaction (:func:`~.models.routing_changed`: saves
and deletes through the admin or the ORM, and the bulk operations of their
querysets), so a rule changed in the admin applies to the next report in
every server process, on every host that shares the database. Without the
token row (a database emptied by a test) nothing is kept.

A change to these tables with raw SQL bypasses the token: call
:func:`~.models.routing_changed` after it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connections, router

from veerkracht.web.signals.models import RoutingRule, RoutingVersion, Team
from veerkracht.web.signals.routing import Rule

_TEAM_FIELDS = tuple(f.attname for f in Team._meta.concrete_fields)
_RULE_FIELDS = tuple(f.attname for f in RoutingRule._meta.concrete_fields)


@dataclass(frozen=True)
class Routes:
    """The routing as read with one token: the rules for the matcher, and
    the rows to make the chosen rule and its team from (a fresh instance for
    each caller: cached model instances are never handed out)."""

    token: str | None
    alias: str
    rules: tuple[Rule, ...]
    rule_rows: dict[int, tuple]
    team_rows: dict[int, tuple]
    default_team_id: int | None

    def team(self, team_id: int) -> Team:
        return Team.from_db(self.alias, _TEAM_FIELDS, self.team_rows[team_id])

    def rule(self, rule_id: int) -> RoutingRule:
        rule = RoutingRule.from_db(self.alias, _RULE_FIELDS, self.rule_rows[rule_id])
        rule.team = self.team(rule.team_id)
        return rule

    def default_team(self) -> Team | None:
        if self.default_team_id is None:
            return None
        return self.team(self.default_team_id)


_current: Routes | None = None


def _token(alias: str) -> str | None:
    connection = connections[alias]
    table = connection.ops.quote_name(RoutingVersion._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {table} WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else None


def _values(obj, fields: tuple[str, ...]) -> tuple:
    return tuple(getattr(obj, name) for name in fields)


def _load(token: str | None, alias: str) -> Routes:
    active = list(
        RoutingRule.objects.using(alias)
        .filter(active=True, team__active=True)
        .select_related("team")
    )
    default = (
        Team.objects.using(alias)
        .filter(is_default=True, active=True)
        .order_by("id")
        .first()
    )
    teams = {r.team_id: _values(r.team, _TEAM_FIELDS) for r in active}
    if default is not None:
        teams[default.pk] = _values(default, _TEAM_FIELDS)
    return Routes(
        token=token,
        alias=alias,
        rules=tuple(
            Rule(r.id, r.team_id, r.category, r.area_code, r.priority) for r in active
        ),
        rule_rows={r.id: _values(r, _RULE_FIELDS) for r in active},
        team_rows=teams,
        default_team_id=default.pk if default is not None else None,
    )


def current() -> Routes:
    """The routing now: the kept one while the token is unchanged, else read
    again (the token first, so what is kept is never older than its token)."""
    global _current
    alias = router.db_for_read(RoutingRule)
    token = _token(alias)
    kept = _current
    if token is not None and kept is not None and (kept.token, kept.alias) == (
        token, alias
    ):
        return kept
    fresh = _load(token, alias)
    if token is not None:
        _current = fresh
    return fresh


def forget() -> None:
    """Drop what this process keeps (tests)."""
    global _current
    _current = None
