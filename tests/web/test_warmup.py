"""Before the first request (``veerkracht serve``): a first map and a first
profile read no workspace table and ask the door for nothing it has not
prepared; ``serve`` prepares it in the master, before gunicorn forks."""

from __future__ import annotations

import gc
import shutil

import pytest
from tests.web.cityfixture import GEMEENTE
from tests.web.publishedcity import build_published_city

from veerkracht.analytics.publication import recording
from veerkracht.store.files import FileWorkspace
from veerkracht.web import warmup


@pytest.fixture(scope="module")
def published_src(tmp_path_factory):
    return build_published_city(tmp_path_factory.mktemp("published"))


@pytest.fixture
def pub(published_src, settings, tmp_path):
    from tests.web.fixtures import _reset_caches

    src, ids = published_src
    folder = tmp_path / "ws"
    shutil.copytree(src, folder)
    settings.VEERKRACHT_WORKSPACE = str(folder)
    _reset_caches()
    return folder, ids


@pytest.fixture
def reads(monkeypatch):
    """Every table read from the workspace files from now on, by name."""
    names: list[str] = []
    real = FileWorkspace._read_table

    def counting(self, name, columns, reader):
        names.append(name)
        return real(self, name, columns, reader)

    def start():
        monkeypatch.setattr(FileWorkspace, "_read_table", counting)
        return names

    return start


def _first_visit(client, user):
    """What a user's first minute asks: the map page, its extent and start
    layer, then the profile of an entrance, a street and a buurt."""
    from veerkracht.web import workspace

    client.force_login(user)
    answers = [client.get("/kaart/"), client.get("/api/maps/extent"),
               client.get("/api/maps/layers/buurt?bbox=3,50,9,54&zoom=12")]
    assert answers[2].json()["features"]
    for level in ("entrance", "street", "buurt"):
        places = workspace.table(f"place_{level}")
        biggest = places.sort_values("n_dwellings")["place_id"].iloc[-1]
        answers.append(client.get(f"/plaatsen/{level}/{biggest}/"))
    assert [a.status_code for a in answers] == [200] * 6
    return answers


@pytest.mark.django_db
def test_after_warming_the_first_map_and_profiles_read_no_table(
        client, make_user, pub, reads):
    _folder, ids = pub
    user = make_user("frontline", [("gemeente", GEMEENTE)], org="Wijkteam stad")
    warmup.warm()
    read = reads()
    with recording() as door:
        answers = _first_visit(client, user)
    assert read == [], f"read on the first requests: {sorted(set(read))}"
    # the places' figures of every level and period are made already: the
    # door is asked only for the signal counts and profile of each place
    asked = {call.rsplit(".", 1)[-1] for call in door}
    assert "published_places" not in asked and "published_signal_counts" in asked
    # the profile shows what the door published (not an empty page)
    assert "Meldingen per kwartaal" in answers[3].content.decode()


@pytest.mark.django_db
def test_without_warming_the_first_requests_read_the_workspace(
        client, make_user, pub, reads):
    """The control: the same visit unprepared reads results, statistics,
    profiles and places (what the 550,000 addresses made take 20 s)."""
    user = make_user("frontline", [("gemeente", GEMEENTE)], org="Wijkteam stad")
    read = reads()
    _first_visit(client, user)
    assert {"results", "protected_statistics", "profiles", "dwellings"} <= set(read)


@pytest.mark.django_db
def test_warmed_figures_are_the_figures_asked_for_later(pub):
    """Warming only fills caches: the figures a request gets afterwards are
    those it would make itself."""
    from tests.web.fixtures import _reset_caches

    from veerkracht.web.places import figures

    warmup.warm()
    warm = {(lv, aud): figures.figures(lv, audience=aud, indicators=True).frame
            for lv in ("block", "entrance") for aud in ("public", "assigned")}
    _reset_caches()
    for (lv, aud), frame in warm.items():
        assert frame.equals(figures.figures(lv, audience=aud, indicators=True).frame)


@pytest.mark.django_db(transaction=True)
def test_serve_prepares_and_freezes_before_gunicorn_forks(pub, monkeypatch):
    from types import SimpleNamespace

    from veerkracht.cli import serve
    from veerkracht.web.places import figures

    folder, _ids = pub
    monkeypatch.setenv("VEERKRACHT_WORKSPACE", str(folder))  # serve sets it
    seen = {}

    def gunicorn(host, port, *, workers, threads):
        seen["figures"] = len(figures._cache)
        seen["frozen"] = gc.get_freeze_count()
        seen["bind"] = (host, port, workers, threads)

    monkeypatch.setattr(serve, "_gunicorn", gunicorn)
    ctx = SimpleNamespace(find_root=lambda: SimpleNamespace(
        obj={"workspace": str(folder)}))
    try:
        serve.run_server(ctx, host="127.0.0.1", port=8765, workers=2, threads=4)
    finally:
        gc.unfreeze()
    assert seen["bind"] == ("127.0.0.1", 8765, 2, 4)
    # every level, both audiences, with and without indicators, each period
    assert seen["figures"] >= 7 * 2 * 2
    assert seen["frozen"] > 0


@pytest.mark.django_db
def test_figures_are_made_once_per_version_of_what_they_read(pub):
    """Kept by the versions of results, places, rules and approvals: asking
    again does not ask the door; a change of any of them does."""
    from veerkracht.analytics.publication import PublicationRules
    from veerkracht.jobs import publish
    from veerkracht.store import open_workspace
    from veerkracht.web.places import figures

    folder, ids = pub
    block = ids["ten_block"]
    with recording() as door:
        first = figures.figures("block", audience="assigned")
        assert figures.figures("block", audience="assigned") is first
    assert door.count("veerkracht.jobs.publish.published_places") == 1
    assert first.frame.loc[block, "visibility"] == "public"
    ws = open_workspace(folder)
    publish.set_rules(ws, PublicationRules(min_count=50), "privacy_officer")
    assert block not in figures.figures("block", audience="assigned").frame.index
    publish.approve_model(ws, "veerkracht", "2.0-test",
                          "ab12cd34ef56ab12cd34ef56ab12cd34", "privacy_officer")
    banded = figures.figures("block", audience="assigned").frame
    assert banded.loc[block, "visibility"] == "band_only"
    results = ws.read("results")
    results = results[results["place_id"].astype(str) != block]
    with ws.transaction("compute", source="a new compute") as tx:
        tx.put("results", results)
    assert block not in figures.figures("block", audience="assigned").frame.index
    ws.close()


@pytest.mark.django_db
def test_prepared_figures_reach_only_their_audience_and_area(client, make_user, pub):
    """An attacker's view of the prepared caches: with both audiences made
    before the first request, a band-only block still reaches only the team
    assigned to it, and a policy adviser's map holds only public places."""
    from veerkracht.jobs import publish
    from veerkracht.store import open_workspace
    from veerkracht.web.accounts import scoping
    from veerkracht.web.places import figures

    folder, ids = pub
    ws = open_workspace(folder)
    publish.approve_model(ws, "veerkracht", "2.0-test",
                          "ab12cd34ef56ab12cd34ef56ab12cd34", "privacy_officer")
    blocks = ws.read("place_block", columns=["place_id", "buurtcode"])
    band = ids["band_block"]
    home = str(blocks.set_index("place_id").loc[band, "buurtcode"])
    other = sorted(set(blocks["buurtcode"].astype(str)) - {home})[0]
    warmup.warm()
    assert figures.figures("block", audience="assigned").frame.loc[
        band, "visibility"] == "band_only"
    # the public audience's prepared block figures hold no band at all
    public_blocks = figures.figures("block", audience="public").frame
    assert band not in public_blocks.index
    assert set(public_blocks["visibility"]) == {"public"}
    layer = "/api/maps/layers/{}?bbox=3,50,9,54&zoom=17"

    client.force_login(make_user("frontline", [("buurt", home)], org="Team thuis"))
    got = {f["id"]: f["properties"] for f in client.get(
        layer.format("block")).json()["features"]}
    assert got[band]["visibility"] == "band_only" and "balance" not in got[band]

    client.force_login(make_user("frontline", [("buurt", other)], org="Team elders"))
    got = {f["id"] for f in client.get(layer.format("block")).json()["features"]}
    assert band not in got
    assert client.get(f"/plaatsen/block/{band}/").status_code == 403

    policy = make_user("policy", [("gemeente", GEMEENTE)], org="Gemeente")
    client.force_login(policy)
    streets = client.get(layer.format("street")).json()["features"]
    public = publish.published_places(ws, "street", audience="public")
    shown = set(public.loc[public["visibility"] == "public", "place_id"])
    assert {f["id"] for f in streets} == shown & scoping.visible_ids(policy, "street")
    assert all(f["properties"]["visibility"] == "public" for f in streets)
    assert client.get(layer.format("block")).status_code == 403
    ws.close()
