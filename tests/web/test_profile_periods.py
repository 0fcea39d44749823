"""The profile's period picker, the comparison of two periods, its charts on
a regular calendar and the PDF (stories, class meanings, "vertrouwelijk").

Every figure asserted is what the door publishes for that period on its own
(``figures.figure_of``), so the page adds nothing the rules hold back.
"""

from __future__ import annotations

import re
import shutil

import pytest
from tests.web.publishedcity import MODEL, build_published_city
from tests.web.test_publication_web import _pdf_text

from veerkracht.jobs import publish
from veerkracht.store import open_workspace
from veerkracht.web.places import charts, services
from veerkracht.web.places import figures as fig

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def published_src(tmp_path_factory):
    return build_published_city(tmp_path_factory.mktemp("periods"))


@pytest.fixture
def published(published_src, users, settings, tmp_path):
    from tests.web.fixtures import _reset_caches

    src, ids = published_src
    folder = tmp_path / "ws"
    shutil.copytree(src, folder)
    settings.VEERKRACHT_WORKSPACE = str(folder)
    ws = open_workspace(folder)
    publish.approve_model(ws, MODEL["model_name"], MODEL["model_version"],
                          MODEL["model_hash"], "privacy_officer")
    _reset_caches()
    yield ws, ids
    ws.close()


def _a_public_block(ids):
    return ids["ten_block"]


def test_the_period_picker_shows_that_periods_figures(client, users, published):
    _ws, ids = published
    client.force_login(users["frontline"])
    block = _a_public_block(ids)
    for period in ("2024", "2025"):
        page = client.get(f"/plaatsen/block/{block}/?periode={period}")
        assert page.status_code == 200
        html = page.content.decode()
        assert f"Cijfers van de periode {period}." in html
        want = fig.figure_of("block", block, period, "assigned")
        assert want is not None
        shown = re.search(r'<dt>Klasse</dt><dd><span class="swatch"[^>]*></span> '
                          r'<strong>([^<]+)</strong>', html)
        assert shown and shown.group(1).strip() == want["balance_class"]
        assert f"{want['balance']:.2f}".replace(".", ",") in html
    # the picker offers both periods, the latest selected by default
    html = client.get(f"/plaatsen/block/{block}/").content.decode()
    assert '<option value="2025" selected>2025</option>' in html
    assert "Naar de laatste periode" not in html


def test_an_unknown_period_shows_the_latest_and_says_so(client, users, published):
    _ws, ids = published
    client.force_login(users["frontline"])
    page = client.get(f"/plaatsen/block/{_a_public_block(ids)}/?periode=1999")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Er zijn geen cijfers voor de periode &ldquo;1999&rdquo;" in html
    assert "Cijfers van de periode 2025." in html


def test_two_periods_side_by_side_with_the_doors_figures(client, users, published):
    _ws, ids = published
    client.force_login(users["frontline"])
    block = _a_public_block(ids)
    html = client.get(f"/plaatsen/block/{block}/?periode=2025&vergelijk=2024"
                      ).content.decode()
    assert "2025 vergeleken met 2024" in html
    got = services.comparison("block", block, "2025", "2024", audience="assigned")
    then = fig.figure_of("block", block, "2024", "assigned", indicators=True)
    now = fig.figure_of("block", block, "2025", "assigned", indicators=True)
    balance = next(r for r in got["rows"] if r["label"] == "balans")
    assert balance["then"] == pytest.approx(then["balance"])
    assert balance["now"] == pytest.approx(now["balance"])
    assert balance["difference"] == pytest.approx(now["balance"] - then["balance"])
    overlap = not (now["balance_lo"] > then["balance_hi"]
                   or now["balance_hi"] < then["balance_lo"])
    assert balance["change"] == ("binnen de onzekerheid" if overlap else
                                 "duidelijk hoger" if now["balance"] > then["balance"]
                                 else "duidelijk lager")
    cls = got["rows"][0]
    assert (cls["then"], cls["now"]) == (then["balance_class"], now["balance_class"])
    step = now["class_index"] - then["class_index"]
    assert cls["change"] == ("gelijk" if step == 0 else
                             "beter" if step < 0 else "slechter")


def test_a_band_only_place_is_compared_by_its_band_only(users, published):
    """The attacker's case: a corporation sees a small block only as a band;
    comparing two periods must not give its exact class or balance."""
    _ws, ids = published
    band = ids["band_block"]
    got = services.comparison("block", band, "2025", "2024", audience="assigned")
    if not got["available"]:
        pytest.skip("the band block is not published as a band in this city")
    assert len(got["rows"]) == 1 and got["rows"][0]["change"] == ""
    exact = {fig.figure_of("block", band, p, "assigned").get("balance_class")
             for p in ("2024", "2025")}
    assert exact == {None}
    # a public audience gets no comparison of a place it cannot see at all
    public = services.comparison("block", band, "2025", "2024", audience="public")
    assert public["rows"] == [] and not public["available"]


def test_time_axes_are_regular():
    assert services.quarter_axis(["2024-Q4", "2024-Q2", "2025-Q1"]) == [
        "2024-Q2", "2024-Q3", "2024-Q4", "2025-Q1"]
    assert services.year_axis(["2025", "2023"]) == ["2023", "2024", "2025"]
    assert services.year_axis(["2024-H1", "2024-H2"]) == ["2024-H1", "2024-H2"]
    svg = charts.balance_svg(["2023", "2024", "2025"], {
        "2023": {"balance": 0.1, "balance_lo": 0.0, "balance_hi": 0.2,
                 "colour": "#4575b4", "balance_class": "in balans"},
        "2025": {"balance": -0.2, "balance_lo": -0.3, "balance_hi": -0.1,
                 "colour": "#fc8d59", "balance_class": "onder druk"}})
    # three slots on the axis, two points: the missing year is an empty slot
    assert svg.count("<circle") == 2
    assert all(y in svg for y in ("2023", "2024", "2025"))
    assert "2024: geen cijfer" in svg and 'role="img"' in svg
    bars = charts.signals_svg(["2024-Q1", "2024-Q2"], [
        {"category": "meldingen van druk", "counts": [12, None]}])
    assert bars.count('fill="none"') == 1  # the held-back count: a hollow mark
    assert "2024-Q2 te weinig" in bars
    assert charts.signals_svg(["2024-Q1"], [{"category": "x", "counts": [None]}]) == ""


def test_the_pdf_has_the_period_class_meanings_stories_and_is_confidential(
        client, users, published):
    from veerkracht.web.stories.models import Story

    _ws, ids = published
    block = _a_public_block(ids)
    user = users["frontline"]
    Story.objects.create(level="block", place_id=block, title="Bankje bij de ingang",
                         body="Sinds het bankje er staat groeten mensen elkaar.",
                         observed_on="2025-05-01", author="wijkwerker-7",
                         author_role="frontline")
    client.force_login(user)
    response = client.get(f"/plaatsen/block/{block}/pdf?periode=2024")
    assert response.status_code == 200, response.content[:200]
    text = _pdf_text(response.content)
    assert "VERTROUWELIJK" in text and "pagina 1" in text
    assert "Periode 2024." in text
    for cls in fig.balance_classes():
        assert cls.name in text
    assert "Bankje bij de ingang" in text


def test_the_map_offers_the_periods_and_draws_the_chosen_one(client, users, published):
    _ws, ids = published
    client.force_login(users["frontline"])
    html = client.get("/kaart/").content.decode()
    assert '<select id="period-select">' in html
    assert '<option value="2025" selected>2025</option>' in html
    assert 'id="map-text"' in html  # map.js's words in the page's language
    block = ids["ten_block"]
    for period in ("2024", "2025"):
        layer = client.get(f"/api/maps/layers/block?bbox=3,50,9,54&zoom=17"
                           f"&period={period}").json()
        props = {f["id"]: f["properties"] for f in layer["features"]}[block]
        want = fig.figure_of("block", block, period, "assigned")
        assert props.get("balance_class") == want["balance_class"]
        assert f"Periode {period}." in layer["meta"]["legend"]["note"]
