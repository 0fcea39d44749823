"""A band is never one class (issue 8, point 3).

A band-only place (band threshold <= protected households < 10) gets only a
class band. When its interval lies inside one class, that band *is* the exact
class; the door widens it by the neighbouring class nearer the estimate
(:func:`veerkracht.analytics.publication.two_class_bands`), and map, profile,
API and PDF show the widened band.
"""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
from tests.web.publishedcity import CLASSES, MODEL, build_published_city

from veerkracht.analytics import publication
from veerkracht.jobs import publish
from veerkracht.store import open_workspace

ORDER = list(CLASSES)


def _rows(bands, probs=None, **extra):
    n = len(bands)
    frame = pd.DataFrame({"level": "block", "place_id": [f"b{i}" for i in range(n)],
                          "n_dwellings": 8, "n_households": 7.0,
                          "statistics": "protected", "balance": 0.0,
                          "balance_class": [b.split(" – ")[0] for b in bands],
                          "class_band": bands, **extra})
    for j, c in enumerate(CLASSES):
        frame["p_" + c.replace(" ", "_")] = [p[j] for p in probs] if probs else 0.2
    return frame


def test_one_class_bands_are_widened_toward_the_likelier_neighbour():
    probs = [(.9, .1, 0, 0, 0), (0, .2, .5, .3, 0), (0, .4, .5, .1, 0),
             (0, 0, 0, .1, .9), (.3, .3, .4, 0, 0)]
    rows = _rows(["in balans", "onder druk", "onder druk", "kraan open",
                  "kwetsbaar evenwicht – onder druk"], probs)
    out = publication.publish_places(rows, audience="assigned", model_approved=True,
                                     class_names=ORDER)
    assert out["visibility"].tolist() == ["band_only"] * 5
    assert out["class_band"].tolist() == [
        "in balans – kwetsbaar evenwicht",   # best class: only one neighbour
        "onder druk – overbelast",           # p(overbelast) > p(kwetsbaar)
        "kwetsbaar evenwicht – onder druk",  # p(kwetsbaar) > p(overbelast)
        "overbelast – kraan open",           # worst class: only one neighbour
        "kwetsbaar evenwicht – onder druk",  # two classes already: kept
    ]
    for band in out["class_band"]:
        names = band.split(" – ")
        assert len(names) == 2
        i, j = ORDER.index(names[0]), ORDER.index(names[1])
        assert j == i + 1  # adjacent, best first
    assert out[["balance_class", "balance"]].isna().all().all()


def test_tie_goes_to_the_worse_class_and_order_is_read_from_the_rows():
    rows = _rows(["onder druk", "in balans – kwetsbaar evenwicht",
                  "overbelast – kraan open"])  # every p_ 0.2: a tie
    out = publication.publish_places(rows, audience="assigned", model_approved=True)
    assert out["class_band"].iloc[0] == "onder druk – overbelast"


def test_a_band_that_cannot_be_widened_is_not_published():
    # no class order: the p_ columns name classes no row uses
    rows = _rows(["onder druk"]).drop(columns=["p_in_balans"])
    rows["p_x"] = 0.1
    out = publication.publish_places(rows, audience="assigned", model_approved=True)
    assert out["visibility"].tolist() == ["suppressed"]
    assert out["class_band"].isna().all()


def test_public_places_keep_their_class_and_band():
    rows = _rows(["in balans"]).assign(n_households=25.0, n_dwellings=25)
    out = publication.publish_places(rows, audience="assigned", model_approved=True,
                                     class_names=ORDER)
    assert out["visibility"].iloc[0] == "public"
    assert out["balance_class"].iloc[0] == "in balans"


# --------------------------------------------------------------------------
# from the outside: the web shows the widened band

@pytest.fixture(scope="module")
def published_src(tmp_path_factory):
    return build_published_city(tmp_path_factory.mktemp("published"))


@pytest.fixture
def one_class(published_src, users, settings, tmp_path):
    """The published city with the band block's band inside one class."""
    from tests.web.fixtures import _reset_caches

    src, ids = published_src
    folder = tmp_path / "ws"
    shutil.copytree(src, folder)
    settings.VEERKRACHT_WORKSPACE = str(folder)
    ws = open_workspace(folder)
    res = ws.read("results")
    for c in ("level", "place_id", "period"):
        res[c] = res[c].astype("str")
    mine = (res["level"] == "block") & (res["place_id"] == ids["band_block"])
    for period, cls, p in (("2025", "in balans", (.8, .2, 0, 0, 0)),
                           ("2024", "onder druk", (0, .1, .6, .3, 0))):
        sel = mine & (res["period"] == period)
        for c in ("balance_class", "class_lo", "class_hi", "class_band"):
            res.loc[sel, c] = cls
        for c, v in zip(CLASSES, p, strict=True):
            res.loc[sel, "p_" + c.replace(" ", "_")] = v
    with ws.transaction("compute", source="one-class band") as tx:
        tx.put("results", res)
    publish.approve_model(ws, MODEL["model_name"], MODEL["model_version"],
                          MODEL["model_hash"], "privacy_officer")
    _reset_caches()
    yield ws, ids
    ws.close()


@pytest.mark.django_db
def test_web_shows_a_two_class_band_for_a_one_class_band_place(client, users,
                                                               one_class):
    ws, ids = one_class
    band = ids["band_block"]
    client.force_login(users["frontline"])
    layer = client.get("/api/maps/layers/block?bbox=3,50,9,54&zoom=17").json()
    props = {f["id"]: f["properties"] for f in layer["features"]}[band]
    assert props["visibility"] == "band_only"
    assert props["band"] == "in balans – kwetsbaar evenwicht"
    assert "balance_class" not in props
    api = client.get(f"/api/places/block/{band}").json()
    assert api["current"]["band"] == "in balans – kwetsbaar evenwicht"
    history = {h["period"]: h for h in api["history"]}
    assert history["2024"]["band"] == "onder druk – overbelast"
    page = client.get(f"/plaatsen/block/{band}/").content.decode()
    assert "in balans – kwetsbaar evenwicht" in page
    assert "onder druk – overbelast" in page
    # nowhere the bare class as the band
    for cls in ("in balans", "onder druk"):
        assert f"</span> {cls}</dd>" not in page and f"<td>{cls}</td>" not in page
    assert np.isnan(publish.published_places(ws, "block", audience="assigned")
                    .set_index("place_id").loc[band, "balance"])
