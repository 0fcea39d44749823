"""Early-warning alerts in the web application (ADR 0008).

The alerts reach the team of their area only: read in from the workspace
table ``alerts`` by ``alert_id`` (status kept across runs), routed by the
signals' area rules, shown, acknowledged and closed only by professionals
assigned to the area, audited, e-mailed once a week per team.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from tests.web.cityfixture import GEMEENTE, WIJK

from veerkracht.analytics.warning.alerts import (
    ALERT_COLUMNS,
    KINDS,
    alert_id,
    check_alerts,
)


@pytest.fixture(scope="module")
def city_dir(tmp_path_factory):
    """The test city with results, so the door publishes places (links)."""
    from tests.web.publishedcity import build_published_city

    folder, _ids = build_published_city(tmp_path_factory.mktemp("alerts-city"))
    return folder


def _row(kind, level, place, buurt, *, meaning="pressure", run_at=None,
         start="2025-06-01", end="2025-06-07", observed=9.0, expected=2.5,
         p=0.004, recurrence=45.0, wijk=WIJK, gemeente=GEMEENTE,
         evidence="9 meldingen in 7 dagen rond deze plaats."):
    run_at = run_at or timezone.now()
    return {
        "alert_id": alert_id(kind, meaning, level, place, start, end),
        "run_at": pd.Timestamp(run_at).tz_convert("UTC").isoformat(),
        "as_of": end, "kind": kind, "meaning": meaning, "level": level,
        "place_id": place, "buurtcode": buurt, "wijkcode": wijk,
        "gemeentecode": gemeente, "window_start": start, "window_end": end,
        "observed": observed, "expected": expected, "p_value": p,
        "recurrence_days": recurrence, "statistic": 7.1,
        "radius_m": 120.0 if kind == "cluster" else float("nan"),
        "n_locations": 3, "method": "space-time permutation scan (high)",
        "evidence": evidence,
    }


def put_alerts(ws, rows) -> pd.DataFrame:
    """Store the table as the job does (one transaction, all columns)."""
    frame = check_alerts(pd.DataFrame(rows, columns=list(ALERT_COLUMNS)))
    with ws.transaction("warn", source="test") as tx:
        tx.put("alerts", frame)
    return frame


@pytest.fixture
def places(city, place_ids):
    """Places of the test city an alert can be anchored to."""
    blocks = city.read("place_block")
    b1 = place_ids["buurt1"]
    block1 = blocks[(blocks["buurtcode"] == b1) & (blocks["n_dwellings"] == 12)]
    entr = city.read("place_entrance")
    single = entr[(entr["buurtcode"] == b1) & (entr["n_dwellings"] == 1)]
    return {
        **place_ids,
        "block1": str(block1.sort_values("place_id")["place_id"].iloc[0]),
        "single1": str(single.sort_values("place_id")["place_id"].iloc[0]),
        "block1_name": str(block1.sort_values("place_id")["name"].iloc[0]),
        "single1_name": str(single.sort_values("place_id")["name"].iloc[0]),
    }


@pytest.fixture
def teams(db, places):
    """A buurt team for buurt 1, a wijk team, a category-only rule, a default."""
    from veerkracht.web.signals.models import RoutingRule, Team

    default = Team.objects.create(name="Centraal meldpunt", is_default=True,
                                  email="centraal@example.org")
    wijk = Team.objects.create(name="Wijkteam Noord", email="wijk@example.org")
    buurt = Team.objects.create(name="Buurtteam Bosrijk", email="bosrijk@example.org")
    police = Team.objects.create(name="Politie", email="politie@example.org")
    RoutingRule.objects.create(team=wijk, area_code=WIJK)
    RoutingRule.objects.create(team=buurt, area_code=places["buurt1"])
    # a rule for one category never takes an alert (routed with category "")
    RoutingRule.objects.create(team=police, area_code=places["buurt2"],
                               category="noise")
    return {"default": default, "wijk": wijk, "buurt": buurt, "police": police}


@pytest.fixture
def alerts(city, places, teams):
    """Four alerts: three in buurt 1 (one old), one in buurt 2; stored."""
    now = timezone.now()
    rows = [
        _row("cluster", "block", places["block1"], places["buurt1"]),
        _row("hotspot", "entrance", places["single1"], places["buurt1"],
             meaning="all", recurrence=float("inf"), p=1.0),
        _row("quiet", "street", places["street2"], places["buurt2"],
             meaning="attentiveness", observed=0.0, expected=6.0, p=0.01,
             recurrence=900.0),
        _row("cluster", "street", places["street1"], places["buurt1"],
             run_at=now - timedelta(days=12), start="2025-05-01",
             end="2025-05-07"),
    ]
    frame = put_alerts(city, rows)
    ids = frame["alert_id"].tolist()
    return {"block1": ids[0], "single1": ids[1], "street2": ids[2], "old": ids[3],
            "rows": rows}


@pytest.fixture
def other(make_user, places):
    """A frontline professional of the other buurt."""
    return make_user("frontline", [("buurt", places["buurt2"])], org="Wijkteam Zuid")


def _sync():
    from veerkracht.web.alerts import services

    return services.sync_if_changed()


def _audit(action, object_id=None):
    from veerkracht.web.audit.models import AuditEntry

    rows = AuditEntry.objects.filter(action=action)
    if object_id is not None:
        rows = rows.filter(object_id=object_id)
    return list(rows)


# -- schema and reading in ----------


def test_kind_labels_are_the_schemas_kinds():
    from veerkracht.web.alerts.models import KIND_LABELS

    assert set(KIND_LABELS) == set(KINDS)


@pytest.mark.django_db
def test_sync_keeps_status_and_history_across_runs(alerts, city, users):
    from veerkracht.web.alerts import services
    from veerkracht.web.alerts.models import Alert, AlertStatusChange

    first = _sync()
    assert (first.created, first.updated) == (4, 0)
    assert _sync() is None  # same version: nothing read again
    a = Alert.objects.get(alert_id=alerts["block1"])
    assert a.status == "open" and a.history.count() == 1
    assert a.recurrence == "eens in de 45 dagen"
    assert Alert.objects.get(alert_id=alerts["single1"]).recurrence == "niet bijzonder"
    services.transition(a, "acknowledged", user=users["frontline"],
                        note="wijkagent gebeld")
    # the next run: one alert's figures changed, one new, one no longer listed
    rows = [dict(r) for r in alerts["rows"] if r["alert_id"] != alerts["street2"]]
    rows[0]["observed"] = 11.0
    new = _row("quiet", "street", "S-new", "BU99990102", start="2025-06-08",
               end="2025-06-14")
    put_alerts(city, [*rows, new])
    second = _sync()
    assert (second.created, second.updated) == (1, 1)
    a.refresh_from_db()
    assert a.status == "acknowledged" and a.observed == 11.0
    assert [h.to_status for h in a.history.all()] == ["open", "acknowledged"]
    assert a.history.last().note == "wijkagent gebeld"
    # not listed any more: kept, with its history
    gone = Alert.objects.get(alert_id=alerts["street2"])
    assert gone.history.count() == 1
    assert Alert.objects.count() == 5
    with pytest.raises(PermissionError):
        AlertStatusChange.objects.filter(alert=a).update(note="")
    with pytest.raises(PermissionError):
        a.history.first().delete()


@pytest.mark.django_db
def test_the_job_can_sync_its_own_workspace(alerts, city):
    from veerkracht.web.alerts import services

    result = services.sync_alerts(ws=city)
    assert result.created == 4 and result.version is not None
    assert _sync() is None  # the site's workspace: already read


# -- routing ----------


@pytest.mark.django_db
def test_routing_picks_the_buurt_team_over_the_wijk_team(alerts, teams, places):
    from veerkracht.web.alerts import services
    from veerkracht.web.alerts.models import Alert

    _sync()
    assert Alert.objects.get(alert_id=alerts["block1"]).team == teams["buurt"]
    # buurt 2 has only a noise rule: not for alerts, so the wijk team
    assert Alert.objects.get(alert_id=alerts["street2"]).team == teams["wijk"]
    team, rule = services.route_alert("BU00000001", "WK000000", "GM0000")
    assert team == teams["default"] and rule is None


# -- access ----------


@pytest.mark.django_db
def test_a_professional_of_another_area_sees_nothing_of_it(
    alerts, users, other, client, places
):
    from veerkracht.web.alerts.models import Alert

    client.force_login(other)
    body = client.get("/aandacht/?toon=all").content.decode()
    assert alerts["street2"] in body
    for key in ("block1", "single1", "old"):
        assert alerts[key] not in body
    assert places["block1_name"] not in body
    for key in ("block1", "single1"):
        assert client.get(f"/aandacht/{alerts[key]}/").status_code == 404
        assert client.get(f"/api/alerts/{alerts[key]}").status_code == 404
        r = client.post(f"/aandacht/{alerts[key]}/",
                        {"action": "close", "note": "weg", "expected_status": "open"})
        assert r.status_code == 404
        assert Alert.objects.get(alert_id=alerts[key]).status == "open"
    listed = client.get("/api/alerts/?view=all").json()
    assert [a["alert_id"] for a in listed] == [alerts["street2"]]
    layer = client.get("/api/alerts/layer?view=all").json()
    assert [f["id"] for f in layer["features"]] == [alerts["street2"]]
    assert _audit("alert_view", alerts["block1"])[0].result == "refused"
    # and the team of buurt 1 sees its own, not buurt 2's
    client.force_login(users["frontline"])
    listed = {a["alert_id"] for a in client.get("/api/alerts/?view=all").json()}
    assert listed == {alerts["block1"], alerts["single1"], alerts["old"]}


@pytest.mark.django_db
def test_a_corporation_sees_alerts_on_its_own_blocks_only(
    city, places, teams, users, client
):
    block = places["corp_blocks"][0]
    rows = [_row("cluster", "block", block, places["buurt1"]),
            _row("cluster", "block", places["block1"], places["buurt1"])]
    if places["block1"] in places["corp_blocks"]:  # pragma: no cover - fixture
        pytest.skip("the test city's first block is the corporation's")
    frame = put_alerts(city, rows)
    client.force_login(users["corporation"])
    listed = {a["alert_id"] for a in client.get("/api/alerts/?view=all").json()}
    assert listed == {frame["alert_id"].iloc[0]}


@pytest.mark.django_db
def test_residents_admins_and_policy_see_nothing(alerts, users, client):
    anonymous = Client()
    assert anonymous.get("/api/alerts/").status_code == 401
    assert anonymous.get("/api/alerts/layer").status_code == 401
    assert anonymous.get(f"/api/alerts/{alerts['block1']}").status_code == 401
    r = anonymous.get("/aandacht/")
    assert r.status_code == 302 and "/inloggen" in r["Location"]
    for who in ("resident", "administrator", "policy", "privacy"):
        client.force_login(users[who])
        assert client.get("/aandacht/").status_code == 403, who
        assert client.get(f"/aandacht/{alerts['block1']}/").status_code == 403, who
        assert client.get("/api/alerts/").status_code == 403, who
        assert client.get("/api/alerts/layer").status_code == 403, who
        home = client.get("/", follow=True).content.decode()
        assert "/aandacht/" not in home, who
        assert "9 meldingen in 7 dagen" not in home, who
        if who != "privacy":  # the privacy officer's page is the audit trail,
            for key in ("block1", "single1", "street2"):  # which names alert ids
                assert alerts[key] not in home, who
    refused = [e for e in _audit("alert_list") if e.result == "refused"]
    assert refused  # the refusals are in the trail
    client.force_login(users["frontline"])
    assert "/aandacht/" in client.get("/kaart/").content.decode()  # the menu link


# -- pages ----------


@pytest.mark.django_db
def test_the_week_list_shows_place_kind_window_and_evidence(
    alerts, users, client, places
):
    client.force_login(users["frontline"])
    body = client.get("/aandacht/").content.decode()
    assert "<h1>Aandacht deze week</h1>" in body
    assert alerts["block1"] in body and alerts["single1"] in body
    assert alerts["old"] not in body  # 12 days ago: under "older"
    # a published place links to its profile; the single address does not
    assert f'href="/plaatsen/block/{places["block1"]}/"' in body
    assert f"/plaatsen/entrance/{places['single1']}/" not in body
    assert places["single1_name"] in body
    assert "opkomend cluster van meldingen" in body
    assert "1-6-2025 tot en met 7-6-2025" in body
    assert "eens in de 45 dagen" in body and "niet bijzonder" in body
    assert "0,004" in body and "9 meldingen" in body
    assert "9 meldingen in 7 dagen rond deze plaats." in body
    older = client.get("/aandacht/?toon=older").content.decode()
    assert alerts["old"] in older and alerts["block1"] not in older
    assert _audit("alert_list", "lijst")


@pytest.mark.django_db
def test_the_list_in_english(alerts, users, client):
    client.force_login(users["frontline"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = client.get("/aandacht/").content.decode()
    assert "Attention this week" in body and "Recurrence interval" in body


@pytest.mark.django_db
def test_acknowledge_and_close_write_history_and_audit(alerts, users, client):
    from veerkracht.web.alerts.models import Alert

    csrf = Client(enforce_csrf_checks=True)
    csrf.force_login(users["frontline"])
    url = f"/aandacht/{alerts['block1']}/"
    page = csrf.get(url)
    assert page.status_code == 200
    assert _audit("alert_view", alerts["block1"])[0].result == "ok"
    # a POST without the CSRF token is refused
    r = csrf.post(url, {"action": "acknowledge", "expected_status": "open"})
    assert r.status_code == 403
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"',
                      page.content.decode()).group(1)
    r = csrf.post(url, {"action": "acknowledge", "expected_status": "open",
                        "csrfmiddlewaretoken": token})
    assert r.status_code == 302
    a = Alert.objects.get(alert_id=alerts["block1"])
    assert a.status == "acknowledged"
    r = csrf.post(url, {"action": "close", "expected_status": "acknowledged",
                        "note": "Gesprek met de corporatie; verlichting gemaakt.",
                        "csrfmiddlewaretoken": token})
    assert r.status_code == 302
    a.refresh_from_db()
    assert a.status == "closed" and a.closed_at is not None
    history = list(a.history.all())
    assert [h.to_status for h in history] == ["open", "acknowledged", "closed"]
    assert history[-1].note.startswith("Gesprek met de corporatie")
    assert history[-1].actor.startswith("user:")
    assert history[-1].actor_role == "frontline"
    audited = _audit("alert_transition", alerts["block1"])
    assert [e.purpose for e in audited] == ["acknowledged", "closed"]
    assert all(e.object_level == "alert" and e.result == "ok" for e in audited)
    body = csrf.get(url).content.decode()
    assert "Gesprek met de corporatie" in body and "Sluiten met notitie" not in body
    # closed is final
    r = csrf.post(url, {"action": "acknowledge", "expected_status": "closed",
                        "csrfmiddlewaretoken": token})
    assert r.status_code == 400
    assert a.history.count() == 3


@pytest.mark.django_db
def test_closing_without_a_note_is_refused_in_dutch(alerts, users, client):
    from veerkracht.web.alerts.models import Alert

    client.force_login(users["frontline"])
    url = f"/aandacht/{alerts['single1']}/"
    for note in ("", "   "):
        r = client.post(url, {"action": "close", "expected_status": "open",
                              "note": note})
        assert r.status_code == 400
        assert "Schrijf bij het sluiten een notitie" in r.content.decode()
    a = Alert.objects.get(alert_id=alerts["single1"])
    assert a.status == "open" and a.history.count() == 1
    assert not _audit("alert_transition", alerts["single1"])
    # a stale page is refused too
    client.post(url, {"action": "acknowledge", "expected_status": "open"})
    r = client.post(url, {"action": "acknowledge", "expected_status": "open"})
    assert r.status_code == 400 and "intussen gewijzigd" in r.content.decode()


# -- the map layer ----------


@pytest.mark.django_db
def test_the_map_layer_draws_the_places_own_geometry(alerts, users, client, city,
                                                     places):
    client.force_login(users["frontline"])
    page = client.get("/kaart/").content.decode()
    assert 'id="alert-layer"' in page and "alerts-map.js" in page
    body = client.get("/api/alerts/layer?zoom=17")
    assert body["Content-Type"] == "application/geo+json"
    layer = json.loads(body.content)
    by_id = {f["id"]: f for f in layer["features"]}
    assert set(by_id) == {alerts["block1"], alerts["single1"]}  # week, own area
    block = by_id[alerts["block1"]]
    # the block's own geometry (in WGS 84), not a point of the cluster
    import shapely
    from pyproj import Transformer

    shape = shapely.geometry.shape(block["geometry"])
    rd = city.read("place_block").set_index("place_id").geometry[places["block1"]]
    to_wgs = Transformer.from_crs(28992, 4326, always_xy=True)
    own = shapely.transform(
        rd, lambda c: np.column_stack(to_wgs.transform(c[:, 0], c[:, 1])))
    assert shape.geom_type == own.geom_type
    assert shapely.hausdorff_distance(shape, own) < 2e-5  # about a metre
    assert set(block["properties"]) >= {"kind_label", "url", "window"}
    assert "observed" not in block["properties"]
    assert _audit("alert_list", "kaart")
    client.force_login(users["policy"])
    assert 'id="alert-layer"' not in client.get("/kaart/").content.decode()


# -- the digest ----------


@pytest.mark.django_db
def test_the_digest_sends_one_mail_per_team_with_its_alerts(
    alerts, teams, other, places
):
    from veerkracht.web.alerts import services
    from veerkracht.web.alerts.models import Alert

    mail.outbox.clear()
    sent = services.send_digest()  # reads the new table first
    assert sent == {"Buurtteam Bosrijk": 2, "Wijkteam Noord": 1}
    assert len(mail.outbox) == 2
    by_to = {m.to[0]: m for m in mail.outbox}
    bosrijk = by_to["bosrijk@example.org"].body
    assert f"/aandacht/{alerts['block1']}/" in bosrijk
    assert f"/aandacht/{alerts['single1']}/" in bosrijk
    assert alerts["old"] not in bosrijk and alerts["street2"] not in bosrijk
    assert "Aandacht deze week: 2 vroegsignalen" in by_to["bosrijk@example.org"].subject
    # no place below the buurt, no count in an e-mail
    assert places["single1_name"] not in bosrijk
    assert places["block1_name"] not in bosrijk and "9 meldingen" not in bosrijk
    assert "Bosrijk (BU99990101)" in bosrijk
    wijk = by_to["wijk@example.org"].body
    assert f"/aandacht/{alerts['street2']}/" in wijk and alerts["block1"] not in wijk
    assert len(_audit("alert_digest")) == 2
    # a closed alert leaves the digest; a team without alerts gets no e-mail
    services.transition(alerts["street2"], "closed", user=other, note="opgelost")
    mail.outbox.clear()
    assert services.send_digest() == {"Buurtteam Bosrijk": 2}
    assert [m.to for m in mail.outbox] == [["bosrijk@example.org"]]
    # a week later this week's alerts are no longer "this week"
    mail.outbox.clear()
    assert services.send_digest(now=timezone.now() + timedelta(days=8)) == {}
    assert mail.outbox == []
    assert Alert.objects.filter(status="open").count() == 3


@pytest.mark.django_db
def test_the_digest_command(alerts, teams):
    mail.outbox.clear()
    from io import StringIO

    out = StringIO()
    call_command("send_alert_digest", stdout=out)
    assert len(mail.outbox) == 2
    assert "Buurtteam Bosrijk: 2 vroegsignalen gemaild." in out.getvalue()
    out = StringIO()
    call_command("sync_alerts", stdout=out)
    assert "0 nieuw" in out.getvalue()


@pytest.mark.django_db
def test_the_digest_names_a_team_without_an_address(alerts, teams):
    from io import StringIO

    from veerkracht.web.signals.models import Team

    Team.objects.all().update(email="")
    mail.outbox.clear()
    out = StringIO()
    call_command("send_alert_digest", stdout=out)
    assert not mail.outbox
    assert "geen e-mailadres" in out.getvalue()
    assert "Geen e-mail verstuurd" in out.getvalue()


def test_the_workflow_doctests():
    import doctest

    from veerkracht.web.alerts import workflow

    result = doctest.testmod(workflow)
    assert result.attempted >= 4 and result.failed == 0
