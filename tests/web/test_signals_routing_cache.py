"""Routing rules kept per process (ADR 0022): a change applies to the next report.

Each server process keeps the active rules and the default team and checks
one version token per report (``signals.routes``); every change to a team or
rule renews it. These tests change the rules in every way the site offers
(the admin, the ORM, bulk updates, another process) and check that the next
report follows, and that an unchanged routing is not read again.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from tests.web.cityfixture import BUURTEN, WIJK
from tests.web.test_signals_fixtures import *  # noqa: F403 - fixtures

from veerkracht.web.signals import routes, services
from veerkracht.web.signals.models import RoutingRule, RoutingVersion, Signal, Team

pytestmark = pytest.mark.django_db

REPORT = {"category": "noise", "location": {"postcode": "9900AA", "huisnummer": 3}}


def _report(client) -> Signal:
    r = client.post("/api/signals/", json.dumps(REPORT),
                    content_type="application/json")
    assert r.status_code == 201, r.content
    return Signal.objects.get(reference=r.json()["reference"])


def _routing_queries(queries) -> list[str]:
    return [q["sql"] for q in queries
            if "signals_routingrule" in q["sql"] or 'signals_team"' in q["sql"]]


@pytest.fixture
def teams(db):
    routes.forget()
    a = Team.objects.create(name="Wijkteam A")
    b = Team.objects.create(name="Wijkteam B")
    rule = RoutingRule.objects.create(team=a, area_code=WIJK)
    yield SimpleNamespace(a=a, b=b, rule=rule)
    routes.forget()


def test_unchanged_rules_are_not_read_again(city, teams):
    client = Client()
    assert _report(client).team == teams.a
    with CaptureQueriesContext(connection) as queries:
        signal = _report(client)
    assert signal.team == teams.a
    assert _routing_queries(queries.captured_queries) == []
    assert any("signals_routingversion" in q["sql"] for q in queries.captured_queries)


def test_rule_changed_in_the_admin_applies_to_the_next_report(city, teams):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("beheerder", password="x" * 20)
    staff = Client()
    staff.force_login(admin)
    resident = Client()
    assert _report(resident).team == teams.a
    answer = staff.post(
        f"/beheer/signals/routingrule/{teams.rule.pk}/change/",
        {"team": teams.b.pk, "category": "", "area_code": WIJK, "priority": 100,
         "active": "on", "note": "", "_save": "Bewaren"})
    assert answer.status_code == 302, answer.content.decode()[:2000]
    signal = _report(resident)
    assert signal.team == teams.b and signal.routing_rule_id == teams.rule.pk
    # a team switched off in the admin: its rule no longer applies
    answer = staff.post(f"/beheer/signals/team/{teams.b.pk}/change/",
                        {"name": teams.b.name, "email": "", "organisation": "",
                         "_save": "Bewaren"})
    assert answer.status_code == 302, answer.content.decode()[:2000]
    signal = _report(resident)
    assert signal.team == services.default_team() and signal.routing_rule is None


def test_every_orm_change_applies_to_the_next_report(city, teams):
    client = Client()
    assert _report(client).team == teams.a
    # a new, more specific rule
    buurt = RoutingRule.objects.create(team=teams.b, area_code=BUURTEN[0])
    assert _report(client).team == teams.b
    buurt.delete()
    assert _report(client).team == teams.a
    # bulk changes send no post_save: the queryset renews the token itself
    RoutingRule.objects.filter(pk=teams.rule.pk).update(team=teams.b)
    assert _report(client).team == teams.b
    Team.objects.filter(pk=teams.b.pk).update(active=False)
    assert _report(client).routing_rule is None
    Team.objects.filter(pk=teams.b.pk).update(active=True)
    RoutingRule.objects.bulk_update(
        [RoutingRule(pk=teams.rule.pk, team=teams.a)], ["team"])
    assert _report(client).team == teams.a
    RoutingRule.objects.bulk_create([RoutingRule(team=teams.b, area_code=BUURTEN[0])])
    assert _report(client).team == teams.b
    RoutingRule.objects.filter(area_code=BUURTEN[0]).delete()
    assert _report(client).team == teams.a
    # the default team: another one made the default
    RoutingRule.objects.all().update(active=False)
    Team.objects.filter(is_default=True).update(is_default=False)
    Team.objects.filter(pk=teams.b.pk).update(is_default=True)
    assert _report(client).team == teams.b


def test_deleting_a_teams_organisation_reaches_the_kept_team(city, teams):
    from veerkracht.web.accounts.models import Organisation

    org = Organisation.objects.create(name="Welzijn Noord", kind="welfare")
    Team.objects.filter(pk=teams.a.pk).update(organisation=org)
    here = SimpleNamespace(area_codes=[WIJK])
    assert services.route("noise", here)[0].organisation_id == org.pk
    org.delete()  # sets the team's organisation to NULL without saving the team
    assert services.route("noise", here)[0].organisation_id is None


def test_a_rolled_back_change_leaves_the_routing_as_it_was(city, teams):
    here = SimpleNamespace(area_codes=[BUURTEN[0], WIJK])
    before = RoutingVersion.objects.get(pk=1).token
    assert services.route("noise", here)[0] == teams.a
    with pytest.raises(RuntimeError), transaction.atomic():
        RoutingRule.objects.filter(pk=teams.rule.pk).update(team=teams.b)
        # inside the change, its own transaction routes by the new rule
        assert services.route("noise", here)[0] == teams.b
        raise RuntimeError("afgebroken")
    assert RoutingVersion.objects.get(pk=1).token == before
    assert services.route("noise", here)[0] == teams.a


def test_without_the_version_row_nothing_is_kept(city, teams):
    RoutingVersion.objects.all().delete()
    here = SimpleNamespace(area_codes=[WIJK])
    assert services.route("noise", here)[0] == teams.a
    with connection.cursor() as cursor:  # a change the token cannot see
        cursor.execute("UPDATE signals_routingrule SET team_id = %s",
                       [teams.b.pk])
    assert services.route("noise", here)[0] == teams.b


def test_routed_instances_are_fresh_for_each_report(city, teams):
    here = SimpleNamespace(area_codes=[WIJK])
    first_team, first_rule = services.route("noise", here)
    first_team.name = "door iemand veranderd"
    second_team, second_rule = services.route("noise", here)
    assert second_team.name == "Wijkteam A" and second_team is not first_team
    assert second_rule is not first_rule and second_rule.team == teams.a


_OTHER_PROCESS = textwrap.dedent("""
    import sys
    from types import SimpleNamespace
    import django
    django.setup()
    from django.core.management import call_command
    from veerkracht.web.signals import services
    from veerkracht.web.signals.models import RoutingRule, Team
    here = SimpleNamespace(area_codes=[sys.argv[2]])
    if sys.argv[1] == "serve":
        call_command("migrate", verbosity=0)
        a = Team.objects.create(name="Team A")
        Team.objects.create(name="Team B")
        RoutingRule.objects.create(team=a, area_code=sys.argv[2])
        for line in sys.stdin:
            print(services.route("noise", here)[0].name, flush=True)
    elif sys.argv[1] == "admin":
        rule = RoutingRule.objects.get()
        rule.team = Team.objects.get(name="Team B")
        rule.save()
    elif sys.argv[1] == "bulk":
        Team.objects.filter(name="Team B").update(active=False)
""")


def test_a_change_in_another_process_applies_to_the_next_report(tmp_path):
    """Two server processes share one database: a rule changed through one
    (here: a separate process, as the admin in another worker) routes the
    next report of the other."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update({"DJANGO_SETTINGS_MODULE": "veerkracht.web.conf.ci",
                "VEERKRACHT_WORKSPACE": str(tmp_path / "ws"),
                "VEERKRACHT_AUDIT_KEY_FILE": str(tmp_path / "audit.key"),
                "VEERKRACHT_AUDIT_KEY_CREATE": "true"})
    server = subprocess.Popen(
        [sys.executable, "-c", _OTHER_PROCESS, "serve", WIJK], env=env,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def route() -> str:
        server.stdin.write("route\n")
        server.stdin.flush()
        return server.stdout.readline().strip()

    def change(how: str) -> None:
        subprocess.run([sys.executable, "-c", _OTHER_PROCESS, how, WIJK], env=env,
                       check=True, timeout=120)

    try:
        assert route() == "Team A"
        assert route() == "Team A"  # kept
        change("admin")
        assert route() == "Team B"
        change("bulk")
        assert route() == "Centraal meldpunt"
    finally:
        server.stdin.close()
        server.wait(timeout=60)
