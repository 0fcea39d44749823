"""The web side of the output attacks of issue 8.

See ``tests/privacy/test_attacks_outputs.py`` for the rest.

(f) Signal months: on the real-address workspace (centre of Groningen, a
synthetic household and signal layer), a professional assigned to the whole
area asks the profile page, the API and the PDF: no single address is a
place (404), the signals panel has calendar quarters and published counts
only (multiples of 5, at least 10), never a month, and no figure carries more
than 3 decimals; the map layer holds no place under 5 dwellings.
(g) The report form: ``tests/web/test_signals_leaks.py`` probes it for
traces of a neighbour's worry; here the prober compares the answers before
and after the neighbour's worry exists (differencing).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from tests.web.fixtures import _reset_caches, floats_in
from tests.web.test_signals_fixtures import *  # noqa: F403 - fixtures
from tests.web.test_signals_fixtures import report_data
from tests.web.test_signals_leaks import _neighbour_worry

from veerkracht.analytics.publication import WINDOW_PATTERN
from veerkracht.store import open_workspace

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "privacy"))
from attack_workspace import Real, export, real_workspace  # noqa: E402


@pytest.fixture(scope="module")
def real(shared_data, tmp_path_factory) -> Real:
    return real_workspace(shared_data, tmp_path_factory)




@pytest.fixture
def web_real(real, settings, make_user, tmp_path):
    folder = real.copy(f"web-{tmp_path.name}")
    settings.VEERKRACHT_WORKSPACE = str(folder)
    _reset_caches()
    # the team of the gemeente that holds the real addresses (the places job
    # gives every dwelling its gemeente code, ADR 0011)
    gemeente = real.dw["gemeentecode"].astype(str).mode().iloc[0]
    user = make_user("frontline", [("gemeente", gemeente)], org="Wijkteam")
    yield folder, user
    _reset_caches()


@pytest.mark.slow
@pytest.mark.django_db
def test_no_page_api_or_pdf_gives_signal_months_or_a_small_place(real, web_real,
                                                                 client):
    folder, user = web_real
    ws = open_workspace(folder)
    signals = ws.read("signals")
    ws.close()
    client.force_login(user)
    blocks = export(folder, "block", "csv")
    public = blocks.loc[blocks["visibility"] == "public", "place_id"].astype(str)
    sizes = real.sizes("entrance")
    # single addresses with signals: the addresses reported most often
    entrance_of = real.dw.set_index("address_id")["entrance_id"].astype(str)
    reported = signals["address_id"].astype(str).map(entrance_of).dropna()
    singles = sizes.index[sizes < 5]
    single = reported[reported.isin(singles)].value_counts().index[:3].tolist()
    assert len(single) == 3
    # the same answer as for an id that does not exist at all
    assert client.get("/api/places/entrance/E-0000XX-0").status_code == 404
    for eid in single:
        for url in (f"/plaatsen/entrance/{eid}/", f"/api/places/entrance/{eid}",
                    f"/plaatsen/entrance/{eid}/pdf"):
            assert client.get(url).status_code == 404, url
    month = re.compile(r"20\d\d-(0[1-9]|1[0-2])(?!\d)")
    for pid in public.iloc[:5]:
        api = client.get(f"/api/places/block/{pid}")
        assert api.status_code == 200
        data = api.json()
        sig = data.get("signals") or {}
        for q in sig.get("quarters", []):
            assert WINDOW_PATTERN.match(q), q
        for row in sig.get("rows", []):
            for cell in row["cells"]:
                assert cell == "te weinig" or (int(cell) >= 10 and int(cell) % 5 == 0)
        assert not month.search(json.dumps(sig))
        for v in floats_in(data):
            assert v == round(v, 3) or abs(v) > 1e4, v
        page = client.get(f"/plaatsen/block/{pid}/").content.decode()
        assert not re.search(r">20\d\d-\d\d<", page)
    # map layers: no id of a place under 5 dwellings, in the URL of a feature
    # or anywhere else
    layer = client.get("/api/maps/layers/entrance?bbox=6.5,53.2,6.6,53.25&zoom=17")
    assert layer.status_code == 200
    feats = layer.json().get("features", [])
    ids = [f["id"] for f in feats]
    assert sizes.reindex(ids).min() >= 5 if ids else True


# --------------------------------------------------------------------------
# (g) the report form, differencing


@pytest.mark.django_db
def test_report_form_answer_is_the_same_with_or_without_a_neighbours_worry(city):
    """The prober sends the same report twice — before and after a neighbour's
    worry exists — and compares the answers: nothing differs but tokens."""
    def probe(tag: str) -> list[tuple[int, str]]:
        c = Client()
        answers = []
        for category in ("care_worry", "noise"):
            r = c.post(reverse("signals:report"), report_data(
                form_token=f"{tag}-{category}", category=category,
                postcode="9900 AA", huisnummer="3", description="",
                contact_email=""))
            body = c.get(r.url).content.decode() if r.status_code == 302 else ""
            body = re.sub(r"VK-\d{4}-[0-9A-Z]{8}", "VK", body)
            body = re.sub(r'value="[^"]{20,}"', 'value=""', body)
            body = re.sub(r"/volgen/[^\"' ]+", "/volgen/", body)
            answers.append((r.status_code, body))
        return answers

    without = probe("zonder")
    _neighbour_worry()
    with_worry = probe("met")
    assert [s for s, _ in without] == [s for s, _ in with_worry] == [302, 302]
    assert without == with_worry


@pytest.mark.slow
@pytest.mark.django_db
def test_out_of_area_a_small_place_is_unknown_and_a_real_one_refused(
        real, web_real, client, make_user):
    """Outside the user's area a place under 5 dwellings answers as an id that
    does not exist (404), so the refusal (403) cannot confirm that an
    address-derived id exists; a place of 5 or more dwellings is refused."""
    folder, _ = web_real
    outsider = make_user("frontline", [("gemeente", "GM9999")], org="Elders")
    client.force_login(outsider)
    sizes = real.sizes("entrance")
    small = sizes.index[sizes < 5][:3].tolist()
    big = sizes.index[sizes >= 10][:1].tolist()
    assert len(small) == 3 and big
    for eid in small:
        for url in (f"/plaatsen/entrance/{eid}/", f"/api/places/entrance/{eid}"):
            assert client.get(url).status_code == 404, url
    assert client.get(f"/plaatsen/entrance/{big[0]}/").status_code == 403
    assert client.get(f"/api/places/entrance/{big[0]}").status_code == 403
