"""With model results the map and profile show balance classes, through disclosure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from veerkracht.analytics.disclosure import protect_results
from veerkracht.web.places import figures


@pytest.fixture
def with_results(monkeypatch, city):
    """A fake ``results_for_export`` built on the real disclosure function."""

    def results_for_export(ws, level, period):
        places = ws.read(f"place_{level}")
        n = len(places)
        rng = np.random.default_rng(len(period))
        balance = rng.uniform(-0.6, 0.4, n)
        frame = pd.DataFrame({
            "place_key": (level + ":" + places["place_id"].astype("str")).to_numpy(),
            "place_id": places["place_id"].astype("str").to_numpy(),
            "parent_id": pd.Series([pd.NA] * n, dtype="str"),
            "n_households": places["n_dwellings"].to_numpy(dtype="float64"),
            "n_dwellings": places["n_dwellings"].to_numpy(dtype="float64"),
            "balance": balance, "balance_lo": balance - 0.1,
            "balance_hi": balance + 0.1,
            "ind_turnover": rng.uniform(0, 0.3, n),
            "balance_class": np.where(balance >= -0.1, "kwetsbaar evenwicht",
                                      "onder druk"),
            "class_lo": "onder druk", "class_hi": "kwetsbaar evenwicht",
        })
        return protect_results(frame)

    monkeypatch.setattr(figures, "_results_function", lambda: results_for_export)
    monkeypatch.setattr(figures, "available_periods", lambda: ("2024", "2025"))
    figures.clear_cache()
    yield
    figures.clear_cache()


@pytest.mark.django_db
def test_map_is_coloured_by_balance_class(client, users, with_results):
    client.force_login(users["frontline"])
    body = client.get("/api/maps/layers/entrance?bbox=3,50,9,54&zoom=17").json()
    assert body["meta"]["mode"] == "results" and body["meta"]["period"] == "2025"
    labels = [i["label"] for i in body["meta"]["legend"]["items"]]
    assert labels[0] == "in balans" and labels[-1] == "kraan open"
    colours = {c.name: c.colour for c in figures.balance_classes()}
    seen = set()
    for f in body["features"]:
        p = f["properties"]
        assert p["colour"] == colours[p["balance_class"]]
        assert p["name"]  # a readable place label, not only the id
        seen.add(p["visibility"])
        if p["visibility"] != "public":
            # below 10: the class band only, never a number
            assert "balance" not in p and "n_dwellings" not in p
            assert p["band"] == "onder druk – kwetsbaar evenwicht"
        else:
            assert "balance" in p and p["n_dwellings"] % 5 == 0
    assert seen == {"public", "band_only"}


@pytest.mark.django_db
def test_profile_shows_history_and_indicators(client, users, place_ids, with_results):
    client.force_login(users["frontline"])
    body = client.get(f"/api/places/buurt/{place_ids['buurt1']}").json()
    assert [h["period"] for h in body["history"]] == ["2024", "2025"]
    keys = {i["key"] for i in body["indicators"]}
    assert "ind_turnover" in keys and "balance" in keys
    city = next(i for i in body["indicators"] if i["key"] == "ind_turnover")["city"]
    assert city is not None
    page = client.get(f"/plaatsen/buurt/{place_ids['buurt1']}/").content.decode()
    assert "Balans per periode" in page and "Indicatoren tegenover de gemeente" in page
    pdf = client.get(f"/plaatsen/buurt/{place_ids['buurt1']}/pdf")
    assert pdf.content.startswith(b"%PDF")
