"""What the colours mean: every balance class with its meaning from the model
file (defined there once), and the hatched band of a small place explained —
in the map's legend, on the profile page next to the class and in the PDF."""

from __future__ import annotations

import shutil

import pytest
from tests.web.publishedcity import MODEL, build_published_city

from veerkracht.io.model_file import load_model
from veerkracht.jobs import publish
from veerkracht.store import open_workspace
from veerkracht.web.places import figures

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def published_src(tmp_path_factory):
    return build_published_city(tmp_path_factory.mktemp("meanings"))


@pytest.fixture
def pub(published_src, settings, tmp_path):
    from tests.web.fixtures import _reset_caches

    src, ids = published_src
    folder = tmp_path / "ws"
    shutil.copytree(src, folder)
    settings.VEERKRACHT_WORKSPACE = str(folder)
    _reset_caches()
    ws = open_workspace(folder)
    yield ws, ids
    ws.close()


def _legend(client, level="block"):
    return client.get(f"/api/maps/layers/{level}?bbox=3,50,9,54&zoom=17").json()[
        "meta"]["legend"]


def test_the_classes_and_their_meanings_come_from_the_model_file(pub):
    spec = load_model()  # the shipped default: the test results' model is not shipped
    got = figures.balance_classes()
    assert [(c.name, c.meaning) for c in got] == [(c.name, c.meaning)
                                                  for c in spec.classes]
    assert all(c.meaning for c in got) and len({c.colour for c in got}) == len(got)
    assert figures.class_meaning("onder druk").startswith("De druk is groter")
    assert figures.class_meaning("geen klasse") == ""


def test_results_of_model_1_mean_what_model_1_says(pub):
    """'kraan open' means another thing in model 1.0 and 2.0: the results say which."""
    from veerkracht.io.model_file import MODEL_1, shipped_model_path

    one = load_model(shipped_model_path(MODEL_1))
    assert figures._classes_of((one.name, one.version))[-1].meaning == \
        one.classes[-1].meaning
    assert one.classes[-1].meaning != load_model().classes[-1].meaning


def test_legend_gives_each_class_its_colour_and_meaning(client, users, pub):
    ws, ids = pub
    client.force_login(users["policy"])
    legend = _legend(client, "street")
    by_label = {i["label"]: i for i in legend["items"]}
    for c in figures.balance_classes():
        assert by_label[c.name]["colour"] == c.colour
        assert by_label[c.name]["meaning"] == c.meaning
    assert not any(i.get("pattern") == "hatched" for i in legend["items"])  # public
    # the assigned professional's legend explains the hatched band, with the
    # rules in force (here the privacy officer's 10, raised to 20)
    publish.approve_model(ws, MODEL["model_name"], MODEL["model_version"],
                          MODEL["model_hash"], "privacy_officer")
    client.force_login(users["frontline"])
    band = [i for i in _legend(client)["items"] if i.get("pattern") == "hatched"][0]
    assert "minder dan 10 huishoudens" in band["meaning"]
    assert "nooit haar precieze klasse" in band["meaning"]
    publish.set_rules(ws, publish.PublicationRules(min_count=20), "privacy_officer")
    band = [i for i in _legend(client)["items"] if i.get("pattern") == "hatched"][0]
    assert "minder dan 20 huishoudens" in band["meaning"]


def test_profile_page_pdf_and_api_say_what_the_class_means(client, users, pub):
    ws, ids = pub
    client.force_login(users["frontline"])
    block = ids["ten_block"]
    api = client.get(f"/api/places/block/{block}").json()
    cls = api["current"]["balance_class"]
    assert api["class_meaning"] == figures.class_meaning(cls) != ""
    page = client.get(f"/plaatsen/block/{block}/").content.decode()
    assert f"<strong>{cls}</strong>" in page
    assert f'<span class="meaning">{figures.class_meaning(cls)}</span>' in page
    from tests.web.test_publication_web import _pdf_text

    text = _pdf_text(client.get(f"/plaatsen/block/{block}/pdf").content)
    assert figures.class_meaning(cls)[:40] in text.replace("\n", " ")
    # a band-only place: the band's meaning, never a class's
    publish.approve_model(ws, MODEL["model_name"], MODEL["model_version"],
                          MODEL["model_hash"], "privacy_officer")
    band = client.get(f"/plaatsen/block/{ids['band_block']}/").content.decode()
    assert "Een kleine plaats: minder dan 10 huishoudens" in band
    for c in figures.balance_classes():
        assert c.meaning not in band
