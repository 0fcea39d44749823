"""One door: every output that emits place figures goes through the publication door.

Issue "Small places, safe", point 1; ADR 0006 §6. The test enumerates

* every command of the CLI (introspection of the Typer app in
  ``veerkracht.cli.main``), and
* every URL pattern of the Django URL conf (walking the resolver with the
  project's test settings, as ``tests/web/conftest.py`` does),

and fails for any command or URL that is in neither of two explicit lists
here: outputs that emit place figures (each is *exercised* on a small demo
workspace and must call an entry point of the door, recorded by
:func:`veerkracht.analytics.publication.recording`), and outputs that emit
no place figure (each listed with the reason). A new command or URL fails
until it is classified, and a figure output that stops calling the door
fails when exercised. A control checks that the recorder sees no call where
none is made, so the check cannot pass by accident. A static check makes
sure the web and CLI layers import none of the rules' arithmetic
(thresholds, rounding, visibility): they do none of their own.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "veerkracht.web.conf.ci")

import django  # noqa: E402,TID251 - the URL conf is what this test walks

django.setup()

import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import typer.main  # noqa: E402
from django.urls import URLResolver, get_resolver  # noqa: E402,TID251
from tests.web.fixtures import _reset_caches, make_user  # noqa: E402,F401
from typer.testing import CliRunner  # noqa: E402

from veerkracht.analytics import publication  # noqa: E402
from veerkracht.analytics.publication import DOOR, recording  # noqa: E402
from veerkracht.cli.main import app  # noqa: E402
from veerkracht.jobs import publish  # noqa: E402
from veerkracht.jobs.demo import build_demo  # noqa: E402
from veerkracht.store import open_workspace  # noqa: E402

SRC = Path(__file__).resolve().parents[1] / "src" / "veerkracht"
runner = CliRunner()

# ---------------------------------------------------------------------------
# The registry of outputs

#: CLI commands that emit place figures: argument lists ({ws}, {out} filled
#: in) and the door entry points each run must call.
FIGURE_COMMANDS: dict[str, list[tuple[list[str], set[str]]]] = {
    "export": [
        (["export", level, "--format", fmt, "--out", "{out}." + fmt],
         {"published_places"})
        for level, fmt in (("entrance", "csv"), ("building", "csv"),
                           ("block", "gpkg"), ("street", "geojson"),
                           ("buurt", "parquet"), ("wijk", "csv"),
                           ("gemeente", "csv"))
    ],
    "compute": [(["compute", "--no-profiles"], {"publish_places"})],
    "headroom": [(["headroom", "--level", level, "--category", "zorg", "--out",
                   "{out}.csv"], {"published_headroom", "published_places"})
                 for level in ("entrance", "block", "street")],
    "what-if": [(["what-if", "9990AA 1 1", "--category", "uitstroom"],
                 {"published_effect", "published_places"})],
    "scenario": [(["scenario", "--demand", "zorg=10,uitstroom+urgent=5", "--years",
                   "1", "--out", "{out}.csv"],
                  {"published_scenario", "published_places"})],
    "evaluate": [(["evaluate", "--outcome", "balance", "--out", "{out}.csv"],
                  {"published_evaluations", "publish_evaluations"})],
    "deviance": [(["deviance", "--level", "block", "--out", "{out}.csv"],
                  {"published_deviance"})],
    "library export": [(["library", "export", "{out}.json"],
                        {"published_library", "published_evaluations"})],
    "allocate": [(["allocate", "--voorbeeld", "{out}.csv"], set()),
                 (["allocate", "{out}.csv", "--uit", "{out}"],
                  {"published_plan", "published_headroom"})],
}

#: CLI commands that emit no place figure, and why.
NO_FIGURE_COMMANDS = {
    "schedule list": "the recurring jobs and when they run next (no data)",
    "library validate": "checks a library file against the format (its own "
                        "figures, nothing of the workspace)",
    "library import": "stores another municipality's checked library (prints "
                      "how many entries)",
    "library schema": "prints the format's JSON Schema (no data)",
    "schedule once": "runs one job's commands (each classified here) and logs "
                     "whether they succeeded; prints none of their output",
    "schedule run": "runs the jobs when due; logs one line per command, no output",
    "import addresses": "reads a file into the workspace; prints row counts of it",
    "import amenities": "reads a file; prints row counts",
    "import buildings": "reads a file; prints row counts",
    "import buurten": "reads a file; prints row counts",
    "import gemeenten": "reads the public CBS gemeente list or polygons; prints counts",
    "import households": "reads a file; prints row counts (no place figure)",
    "import kerncijfers": "reads public CBS figures; prints row counts",
    "import leefbaarometer": "reads public Leefbaarometer scores; prints counts",
    "import signals": "reads a file; prints row counts",
    "import wijken": "reads public CBS wijk polygons; prints row counts",
    "places": "derives places from public BAG data; prints places per level",
    "demo": "builds the demo city; prints its totals (its compute is 'compute')",
    "serve": "starts the web application (its URLs are checked below)",
    "synth households": "writes a synthetic layer; prints its totals",
    "validate": "area model on public CBS figures against public outcomes; "
                "no household-derived figure",
    "privacy protect": "protects statistics; prints noise scales and numbers of "
                       "places per level, no place figure",
    "privacy ledger": "the privacy budget per period",
    "privacy settings": "the publication thresholds",
    "audit verify": "checks the audit trail",
    "audit checkpoint": "exports a signed checkpoint of the audit trail",
    "audit rotate-key": "rotates the audit trail's key",
    "warn run": "runs the early warning; prints per scan the city's number of "
                "signals and its strongest statistic and p, no place figure "
                "(alerts are for the area's team, ADR 0008)",
    "warn list": "lists which places have an alert (kind, window, p), without "
                 "signal counts; the evidence is shown only to the area's team",
    "warn digest": "e-mails each team its own alerts (kind, buurt, window, link), "
                   "no counts",
}

#: URL names that emit place figures, the door entry points they must call
#: and how to ask for them (filled from the demo workspace).
FIGURE_URLS = {
    "places:profile": {"published_places", "published_profiles",
                       "published_signal_counts"},
    "places:pdf": {"published_places", "published_profiles",
                   "published_signal_counts"},
    "api:place_profile": {"published_places", "published_profiles",
                          "published_signal_counts"},
    "api:layer": {"published_places"},
    # names and ids only, of the places the door publishes for the user
    "api:search_places": {"published_places"},
    "places:search": {"published_places"},
    # headroom and what one placement does (roles that plan)
    "api:headroom_layer": {"published_headroom", "published_places"},
    "api:headroom": {"published_headroom", "published_places"},
    "api:placement": {"published_effect"},
    "allocation:whatif": {"published_effect"},
    # a year's plan: the upload runs the door, the result page and the files
    # show that answer (kept for its user); exercised after an upload
    "allocation:plan": {"published_plan"},
    "allocation:plan_result": {"published_plan"},
    "allocation:plan_download": {"published_plan"},
    "allocation:scenario": {"published_scenario", "published_places"},
    # effects of interventions (how many places, never which)
    "stories:what_works": {"published_evaluations", "publish_evaluations",
                           "published_deviance"},
    "api:effects": {"published_evaluations", "publish_evaluations"},
}

#: URL names that emit no place figure, and why.
NO_FIGURE_URLS = {
    "home": "redirects each role to its page",
    "login": "the login form",
    "logout": "logs out",
    "grants": "role grants (accounts, no data)",
    "set_language": "switches the language",
    "maps:map": "the map page; its figures come from api:layer",
    "api:extent": "the bounding box of the user's areas (public geometry)",
    "api:context_layer": "the map's grey base: public BAG buildings, street lines "
                         "and CBS outlines with area and street names; the same "
                         "for every user, no place id, no figure",
    "api:openapi-json": "the API schema",
    "api:openapi-view": "the API documentation page",
    "api:api-root": "the API index",
    "api:place_stories": "stories and interventions of a place (professionals' "
                         "text, scoped to the user's areas; no figure)",
    "allocation:plan_example": "an example PLAN.csv on the workspace's own "
                               "addresses (BAG) inside the user's areas; no figure",
    "audit:overview": "the privacy officer's page: settings, model files, trail",
    "audit:approve_model": "approves a model file (POST)",
    "api:create": "a resident files a report",
    "api:list_signals": "a team's own reports (individual reports, not place "
                        "figures; access rules in veerkracht.web.signals)",
    "api:status": "the status of one's own report",
    "api:get_signal": "one report for its reporter or team",
    "api:transition": "a team moves a report on",
    "api:assign": "a team gives a report to a team or colleague",
    "api:priority": "a team sets a report's priority",
    "api:merge": "a team closes a report as a duplicate of another",
    "api:reopen": "a team reopens a closed report",
    "signals:report": "the report form",
    "signals:received": "the receipt of one's own report",
    "signals:follow": "following one's own report",
    "signals:mine": "one's own reports",
    "signals:worklist": "a team's reports to handle",
    "signals:detail": "one report for its team",
    "signals:assign": "a team gives a report to a team or colleague (POST)",
    "signals:priority": "a team sets a report's priority (POST)",
    "signals:merge": "a team closes a report as a duplicate of another (POST)",
    "signals:reopen": "a team reopens a closed report (POST)",
    "signals:export": "a team's own reports as CSV, one row per report and no "
                      "count: no text, reporter or address; the place is the "
                      "coarsest one the door publishes as a place "
                      "(published_place_sizes) and the user may see (ADR 0015)",
    "open311:discovery": "Open311 discovery document",
    "open311:services": "the report categories",
    "open311:service": "one report category",
    "open311:requests": "reports without text, address or coordinates (issue "
                        "point 4, tested in tests/web)",
    "open311:request": "one report without text, address or coordinates",
    "stories:index": "professionals' stories (text, no figure)",
    "stories:new": "the story form",
    "stories:new_intervention": "the intervention form",
    "stories:share_review": "the privacy officer's decisions on stories offered "
                            "for the library (text, no figure)",
    "api:list_interventions": "registered interventions and their places in the "
                              "user's areas (registrations, no figure)",
    "api:register": "registers an intervention (answers the registration)",
    "alerts:index": "a team's early-warning alerts (case handling for the "
                    "assigned team, not published figures: ADR 0008; access "
                    "rules in veerkracht.web.alerts)",
    "alerts:detail": "one alert for its team (ADR 0008)",
    "api:list_alerts": "a team's alerts (ADR 0008)",
    "api:get_alert": "one alert for its team (ADR 0008)",
    "api:alert_layer": "the places of a team's alerts (geometry, no figure; "
                       "ADR 0008)",
}
#: URL prefixes whose every pattern emits no place figure.
NO_FIGURE_PREFIXES = {
    "beheer/": "the Django admin: accounts, roles and settings; data records are "
               "not shown to administrators (issue point 6, tested in tests/web)",
}


def _short(name: str) -> str:
    return name.rsplit(".", 1)[-1]


# ---------------------------------------------------------------------------
# Enumeration

def cli_commands() -> list[str]:
    """Every leaf command of the CLI, as 'group command'."""
    def walk(cmd, path=()):
        if hasattr(cmd, "commands"):
            for name, sub in cmd.commands.items():
                yield from walk(sub, (*path, name))
        else:
            yield " ".join(path)

    return sorted(walk(typer.main.get_command(app)))


def url_patterns() -> list[tuple[str, str]]:
    """(route, namespaced name) of every URL pattern."""
    def walk(patterns, prefix="", ns=None):
        for p in patterns:
            if isinstance(p, URLResolver):
                inner = ":".join(x for x in (ns, p.namespace) if x) or None
                yield from walk(p.url_patterns, prefix + str(p.pattern), inner)
            else:
                name = f"{ns}:{p.name}" if ns and p.name else (p.name or "")
                yield prefix + str(p.pattern), name

    return list(walk(get_resolver().url_patterns))


def test_every_cli_command_is_classified():
    commands = set(cli_commands())
    listed = set(FIGURE_COMMANDS) | set(NO_FIGURE_COMMANDS)
    assert not set(FIGURE_COMMANDS) & set(NO_FIGURE_COMMANDS)
    missing = commands - listed
    assert not missing, (f"CLI commands not classified for the publication door: "
                         f"{sorted(missing)}; add them to FIGURE_COMMANDS (and make "
                         "them call veerkracht.jobs.publish) or NO_FIGURE_COMMANDS")
    stale = listed - commands
    assert not stale, f"listed commands that do not exist: {sorted(stale)}"


def test_every_url_is_classified():
    unclassified = []
    for route, name in url_patterns():
        if any(route.startswith(p) for p in NO_FIGURE_PREFIXES):
            continue
        if name in FIGURE_URLS or name in NO_FIGURE_URLS:
            continue
        unclassified.append((route, name))
    assert not unclassified, (
        "URLs not classified for the publication door: "
        f"{unclassified}; add them to FIGURE_URLS (and make them call "
        "veerkracht.jobs.publish) or NO_FIGURE_URLS")
    names = {name for _, name in url_patterns()}
    stale = (set(FIGURE_URLS) | set(NO_FIGURE_URLS)) - names
    assert not stale, f"listed URLs that do not exist: {sorted(stale)}"


def test_the_door_registry_names_the_entry_points():
    names = {_short(n) for n in DOOR}
    assert {"published_places", "published_profiles", "published_signal_counts",
            "published_summary", "published_place_sizes", "publish_places",
            "publish_profiles", "publish_signal_counts"} <= names
    for name, func in DOOR.items():
        assert func.door_name == name
        module = name.rsplit(".", 1)[0]
        # allocation's entry points take every place's visibility from
        # published_places and apply no rule of their own; evaluation's
        # applies publish_evaluations
        assert module in ("veerkracht.analytics.publication", "veerkracht.jobs.publish",
                          "veerkracht.jobs.allocate", "veerkracht.jobs.evaluate")


def test_recording_sees_only_real_calls():
    """The control: no call, nothing recorded; a call outside is not recorded."""
    publication.publish_profiles(pd.DataFrame({"place_id": [], "k": [], "share": [],
                                               "n_members": []}))
    with recording() as calls:
        publication.round_counts([12])  # a rule, not an entry point
    assert calls == []
    with recording() as calls:
        publish.published_places  # noqa: B018 - attribute access is no call
    assert calls == []


def test_web_and_cli_do_no_disclosure_arithmetic_of_their_own():
    """No module of the web or CLI imports the rules' arithmetic or the old gate."""
    forbidden = {"round_counts", "primary_safe", "place_visibility"}
    offenders = []
    for folder in (SRC / "web", SRC / "cli"):
        for path in folder.rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom):
                    mod = node.module or ""
                    if "disclosure" in mod:
                        offenders.append((path.name, mod))
                    if mod.endswith("publication"):
                        bad = forbidden & {a.name for a in node.names}
                        if bad:
                            offenders.append((path.name, sorted(bad)))
                elif isinstance(node, ast.Attribute) and node.attr in forbidden:
                    offenders.append((path.name, node.attr))
                elif isinstance(node, ast.Import):
                    for a in node.names:
                        if "disclosure" in a.name:
                            offenders.append((path.name, a.name))
    assert not offenders, offenders


# ---------------------------------------------------------------------------
# Exercising every figure output on a small demo workspace

@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("door") / "ws"
    build_demo(open_workspace(folder), seed=5, n_dwellings=1500, years=1)
    return folder


@pytest.mark.parametrize("command", sorted(FIGURE_COMMANDS))
def test_each_figure_command_goes_through_the_door(command, demo_dir, tmp_path):
    for args, needed in FIGURE_COMMANDS[command]:
        argv = ["-w", str(demo_dir),
                *[a.format(out=tmp_path / "out") for a in args]]
        with recording() as calls:
            result = runner.invoke(app, argv)
        assert result.exit_code == 0, (argv, result.output, result.exception)
        got = {_short(c) for c in calls}
        assert needed <= got, (f"'veerkracht {' '.join(args)}' emitted figures "
                               f"without the door (called: {sorted(got)})")


def test_the_dwelling_export_carries_no_figure(demo_dir, tmp_path):
    out = tmp_path / "woningen.csv"
    result = runner.invoke(app, ["-w", str(demo_dir), "export", "dwelling",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    cols = set(pd.read_csv(out, nrows=1).columns)
    assert not cols & {"visibility", "pressure", "balance", "balance_class",
                       "class_band", "n_households"}


@pytest.fixture
def site(demo_dir, settings, make_user):  # noqa: F811 - the fixture
    """The site on the demo workspace; a frontline professional of one buurt."""
    settings.VEERKRACHT_WORKSPACE = str(demo_dir)
    _reset_caches()
    ws = open_workspace(demo_dir)
    blocks = publish.published_places(ws, "block")
    public = blocks[blocks["visibility"] == "public"]
    places = ws.read("place_block", columns=["place_id", "buurtcode"])
    buurt = places.set_index("place_id").loc[public["place_id"], "buurtcode"]
    code = str(buurt.value_counts().index[0])
    block = str(buurt[buurt == code].index[0])
    user = make_user("frontline", [("buurt", code)], org="Wijkteam")
    # the roles that plan: a corporation of the same buurt, an address in the block
    planner = make_user("corporation", [("buurt", code)], org="Corporatie")
    dw = ws.read("dwellings", columns=["address_id", "block_id"])
    address = str(dw.loc[dw["block_id"].astype(str) == block, "address_id"].iloc[0])
    ws.close()
    return user, {"level": "block", "place_id": block, "planner": planner,
                  "address_id": address}


def _request(client, name, ids):
    if name == "api:layer":
        return client.get(f"/api/maps/layers/{ids['level']}?bbox=3,50,9,54&zoom=17")
    if name == "api:place_profile":
        return client.get(f"/api/places/{ids['level']}/{ids['place_id']}")
    if name == "places:profile":
        return client.get(f"/plaatsen/{ids['level']}/{ids['place_id']}/")
    if name == "places:pdf":
        return client.get(f"/plaatsen/{ids['level']}/{ids['place_id']}/pdf")
    if name == "api:search_places":
        return client.get("/api/places/search", {"q": ids["place_id"]})
    if name == "places:search":
        return client.get("/zoeken/", {"q": ids["place_id"]})
    if name == "stories:what_works":
        return client.get("/verhalen/wat-werkt/")
    if name == "api:effects":
        return client.get("/api/interventions/effects")
    if name in ("api:headroom_layer", "api:headroom", "api:placement",
                "allocation:whatif") or name.startswith(("allocation:plan",
                                                         "allocation:scenario")):
        client.force_login(ids["planner"])
    if name.startswith("allocation:plan"):
        import io

        example = io.BytesIO(client.get("/ruimte/plan/voorbeeld.csv").content)
        example.name = "PLAN.csv"
        sent = client.post("/ruimte/plan/", {"plan": example, "tijdslimiet": "10"},
                           follow=name == "allocation:plan")
        if name == "allocation:plan":
            return sent
        if name == "allocation:plan_result":
            return client.get("/ruimte/plan/advies/")
        return client.get("/ruimte/plan/advies/advies_per_plaats.csv")
    if name == "allocation:scenario":
        return client.post("/ruimte/scenario/", {
            "aantal_zorg": "5", "urgent_uitstroom": "2", "jaren": "1",
            "beleid": ["routes", "advisor"], "verhuisgraad": "8", "zaad": "1"})
    if name == "api:headroom_layer":
        return client.get(f"/api/maps/headroom/{ids['level']}",
                          {"bbox": "3,50,9,54", "zoom": 17, "category": "zorg"})
    if name == "api:headroom":
        return client.get(f"/api/allocation/headroom/{ids['level']}",
                          {"category": "zorg"})
    if name == "api:placement":
        return client.get("/api/allocation/placement",
                          {"address_id": ids["address_id"], "category": "zorg"})
    if name == "allocation:whatif":
        from veerkracht.web import workspace
        from veerkracht.web.signals.locations import address_index

        loc = address_index(workspace.workspace()).by_id(ids["address_id"])
        addresses = workspace.table("addresses").set_index("address_id")
        row = addresses.loc[loc.address_id]
        suffix = "".join(str(v) for v in (row["huisletter"], row["toevoeging"])
                         if isinstance(v, str))
        return client.post("/ruimte/plaatsing/", {
            "postcode": row["postcode"], "huisnummer": str(row["huisnummer"]),
            "toevoeging": suffix, "categorie": "zorg"})
    raise AssertionError(f"no request known for figure URL {name}")


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(FIGURE_URLS))
def test_each_figure_url_goes_through_the_door(name, site, client):
    user, ids = site
    client.force_login(user)
    _reset_caches()  # a cached answer would hide whether the door is called
    with recording() as calls:
        response = _request(client, name, ids)
    assert response.status_code == 200, (name, response.status_code)
    got = {_short(c) for c in calls}
    needed = FIGURE_URLS[name]
    assert needed <= got, (f"{name} emitted place figures without the door: "
                           f"missing {sorted(needed - got)} (called {sorted(got)})")
