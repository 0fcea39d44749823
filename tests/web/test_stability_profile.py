"""Class stability on the place profile (issue 7, point 6), through the door.

The global sensitivity analysis stores per place the share of runs in which
the place keeps its class (table ``sensitivity``,
:func:`veerkracht.jobs.compute.run_sensitivity`). The profile shows it only
for places whose class the door publishes for the viewer
(:func:`veerkracht.jobs.publish.published_stability`): never for a band-only
or suppressed place, never from exact statistics or another model or period.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from tests.web.publishedcity import MODEL, build_published_city

from veerkracht.analytics.publication import recording
from veerkracht.jobs import publish
from veerkracht.store import open_workspace


@pytest.fixture(scope="module")
def published_src(tmp_path_factory):
    return build_published_city(tmp_path_factory.mktemp("published"))


def _public_block(ws, band):
    res = publish.published_places(ws, "block")
    ids = res.loc[res["visibility"] == "public", "place_id"].astype(str)
    return sorted(i for i in ids if i != band)[0]


def _table(rows):
    """A ``sensitivity`` table as run_sensitivity stores it (documented columns)."""
    base = {"level": "block", "period": "2025", **MODEL, "n_dwellings": 20,
            "modal_share": 0.75, "rank_base": 3.0, "rank_p05": 1.0,
            "rank_p95": 6.0, "n_ranked": 40, "balance_p05": -0.2,
            "balance_p95": 0.1, "n_runs": 40, "seed": 1,
            "computed_at": "2026-12-01T10:00:00", "statistics": "protected"}
    return pd.DataFrame([{**base, **r} for r in rows])


@pytest.fixture
def stab(published_src, users, settings, tmp_path):
    from tests.web.fixtures import _reset_caches

    src, ids = published_src
    folder = tmp_path / "ws"
    shutil.copytree(src, folder)
    settings.VEERKRACHT_WORKSPACE = str(folder)
    ws = open_workspace(folder)
    publish.approve_model(ws, MODEL["model_name"], MODEL["model_version"],
                          MODEL["model_hash"], "privacy_officer")
    public = _public_block(ws, ids["band_block"])
    cls = str(publish.published_places(ws, "block").set_index("place_id")
              .loc[public, "balance_class"])
    other = "overbelast" if cls != "overbelast" else "onder druk"
    table = _table([
        {"place_id": public, "base_class": cls, "class_stability": 0.6234,
         "modal_class": other, "modal_share": 0.3},
        {"place_id": ids["band_block"], "base_class": "onder druk",
         "class_stability": 0.9, "modal_class": "onder druk"},
        # an old run on another model version: never mixed in
        {"place_id": public, "base_class": cls, "class_stability": 0.1,
         "modal_class": cls, "model_version": "1.0",
         "computed_at": "2026-12-01T11:00:00"},
    ])
    with ws.transaction("sensitivity", source="test") as tx:
        tx.put("sensitivity", table)
    _reset_caches()
    yield ws, {**ids, "public_block": public, "class": cls, "other": other}
    ws.close()


def test_door_gives_stability_only_for_public_places(stab):
    ws, ids = stab
    with recording() as calls:
        got = publish.published_stability(ws, "block", ids["public_block"])
    assert "veerkracht.jobs.publish.published_stability" in calls
    assert got == {"period": "2025", "base_class": ids["class"],
                   "class_stability": 0.62, "modal_class": ids["other"],
                   "modal_share": 0.3, "n_runs": 40}
    # a band-only place has no class, so no stability, for any audience
    for audience in ("public", "assigned"):
        assert publish.published_stability(ws, "block", ids["band_block"],
                                           audience) is None
    assert publish.published_stability(ws, "block", "no-such-block") is None


def test_door_refuses_stability_from_exact_statistics(stab):
    ws, ids = stab
    t = ws.read("sensitivity").assign(statistics="exact")
    with ws.transaction("sensitivity", source="test") as tx:
        tx.put("sensitivity", t)
    assert publish.published_stability(ws, "block", ids["public_block"]) is None
    with ws.transaction("sensitivity", source="test") as tx:
        tx.put("sensitivity", t.drop(columns="statistics"))  # kind unknown
    assert publish.published_stability(ws, "block", ids["public_block"]) is None


def test_door_gives_no_stability_of_another_class_than_the_published_one(stab):
    ws, ids = stab
    t = ws.read("sensitivity")
    mine = t["place_id"].astype(str) == ids["public_block"]
    t.loc[mine, "base_class"] = ids["other"]  # results recomputed since
    with ws.transaction("sensitivity", source="test") as tx:
        tx.put("sensitivity", t)
    assert publish.published_stability(ws, "block", ids["public_block"]) is None


@pytest.mark.django_db
def test_profile_page_and_api_show_class_stability(client, users, stab):
    ws, ids = stab
    client.force_login(users["frontline"])
    page = client.get(f"/plaatsen/block/{ids['public_block']}/").content.decode()
    assert "Stabiliteit van de klasse" in page
    assert "In 62% van de 40 rekenvarianten" in page
    assert f"&ldquo;{ids['other']}&rdquo;" in page  # most runs give another class
    api = client.get(f"/api/places/block/{ids['public_block']}").json()
    assert api["stability"]["class_stability"] == 0.62
    assert api["stability"]["percent"] == 62
    pdf = client.get(f"/plaatsen/block/{ids['public_block']}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    from tests.web.test_publication_web import _pdf_text

    assert "In 62% van de 40 rekenvarianten" in _pdf_text(pdf.content)
    # the band-only place: no stability section, nothing in the API
    band = client.get(f"/plaatsen/block/{ids['band_block']}/").content.decode()
    assert "Band (kleine plaats)" in band
    assert "Stabiliteit van de klasse" not in band and "rekenvarianten" not in band
    assert client.get(f"/api/places/block/{ids['band_block']}").json()[
        "stability"] is None
    from tests.web.test_publication_web import _pdf_text

    text = _pdf_text(client.get(f"/plaatsen/block/{ids['band_block']}/pdf").content)
    assert "Band (kleine plaats)" in text and "rekenvarianten" not in text


@pytest.mark.django_db
def test_profile_says_when_there_is_no_sensitivity_analysis(client, users, stab):
    ws, ids = stab
    t = ws.read("sensitivity").iloc[0:0]
    with ws.transaction("sensitivity", source="test") as tx:
        tx.put("sensitivity", t)
    client.force_login(users["frontline"])
    page = client.get(f"/plaatsen/block/{ids['public_block']}/").content.decode()
    assert "Er is nog geen gevoeligheidsanalyse voor deze plaats" in page
