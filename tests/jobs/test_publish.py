"""The publication door on a workspace: settings, approvals, audiences, signals."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from veerkracht.analytics.publication import PublicationRules, recording
from veerkracht.jobs import publish
from veerkracht.jobs.demo import build_demo
from veerkracht.store import open_workspace


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("publish") / "ws"
    build_demo(open_workspace(folder), seed=7, n_dwellings=1500, years=1)
    return folder


@pytest.fixture
def ws(demo_dir, tmp_path):
    folder = tmp_path / "ws"
    shutil.copytree(demo_dir, folder)
    publish._clear_cache()
    return open_workspace(folder)


def _model(ws):
    r = ws.read("results", columns=["model_name", "model_version", "model_hash"])
    row = r.iloc[-1]
    return str(row["model_name"]), str(row["model_version"]), str(row["model_hash"])


def test_settings_default_roundtrip_and_roles(ws):
    assert publish.current_rules(ws) == PublicationRules()
    publish.set_rules(ws, PublicationRules(min_count=20, band_min=6), "privacy_officer")
    assert publish.current_rules(ws) == PublicationRules(min_count=20, band_min=6)
    row = ws.read("privacy_settings")
    assert len(row) == 1 and row["actor_role"].iloc[0] == "privacy_officer"
    with pytest.raises(publish.PublishError, match="privacy officer"):
        publish.set_rules(ws, PublicationRules(), "administrator")
    assert publish.current_rules(ws).min_count == 20


def test_bands_only_for_assigned_with_this_exact_model_approved(ws):
    name, version, digest = _model(ws)
    assert not publish.is_approved(ws, name, version, digest)
    before = publish.published_places(ws, "block", audience="assigned",
                                      model_approved=True)  # cannot self-approve
    assert "band_only" not in set(before["visibility"])
    with pytest.raises(publish.PublishError):
        publish.approve_model(ws, name, version, digest, "frontline")
    publish.approve_model(ws, name, version, "0" * 16, "privacy_officer")
    assert not publish.is_approved(ws, name, version, digest)  # another file
    publish.approve_model(ws, name, version, digest, "privacy_officer")
    assert publish.is_approved(ws, name, version, digest)
    assigned = publish.published_places(ws, "block", audience="assigned")
    assert "band_only" in set(assigned["visibility"])
    public = publish.published_places(ws, "block")
    assert "band_only" not in set(public["visibility"])
    withheld = publish.published_places(ws, "block", audience="assigned",
                                        model_approved=False)
    assert "band_only" not in set(withheld["visibility"])
    # the same places, only the visibility of the band-sized ones differs
    assert list(assigned["place_id"]) == list(public["place_id"])


def test_raising_the_threshold_reaches_places_and_summary(ws):
    before = publish.published_places(ws, "block")
    s_before = publish.published_summary(ws)
    publish.set_rules(ws, PublicationRules(min_count=40), "privacy_officer")
    after = publish.published_places(ws, "block")
    s_after = publish.published_summary(ws)
    n = (before["visibility"] == "public").sum()
    m = (after["visibility"] == "public").sum()
    assert m < n
    assert (after.loc[after["visibility"] == "public", "n_households"] >= 40).all()
    assert s_after["classes"]["block"]["niet openbaar"] > s_before["classes"][
        "block"]["niet openbaar"]
    assert s_after["visibility"]["block"].get("public", 0) == m


def test_signal_counts_by_calendar_quarter_only_for_public_places(ws):
    blocks = publish.published_places(ws, "block")
    public = blocks.loc[blocks["visibility"] == "public", "place_id"].head(3).tolist()
    hidden = blocks.loc[blocks["visibility"] != "public", "place_id"].head(3).tolist()
    out = publish.published_signal_counts(ws, "block", public + hidden)
    assert set(out["place_id"]) == set(public)
    assert out["window"].str.fullmatch(r"\d{4}-Q[1-4]").all()
    # every meaning and quarter has a row, reported or not
    per_place = out.groupby("place_id").size()
    assert per_place.nunique() == 1 and per_place.iloc[0] == 2 * 8
    shown = out["count"].dropna()
    assert (shown >= 10).all() and (shown % 5 == 0).all()
    assert out.loc[out["below_min"], "count"].isna().all()


def test_signal_counts_per_calendar_year(ws):
    blocks = publish.published_places(ws, "block")
    public = blocks.loc[blocks["visibility"] == "public", "place_id"].head(3).tolist()
    q = publish.published_signal_counts(ws, "block", public)
    y = publish.published_signal_counts(ws, "block", public, window="year")
    assert y["window"].str.fullmatch(r"\d{4}").all()
    assert set(y["window"]) == {w[:4] for w in q["window"]}
    assert len(y) == len(q) // 4
    shown = y["count"].dropna()
    assert (shown >= 10).all() and (shown % 5 == 0).all()
    with pytest.raises(publish.PublishError, match="venster"):
        publish.published_signal_counts(ws, "block", public, window="month")


def test_calendar_quarters():
    assert publish.calendar_quarters("2025", 2) == ["2025-Q4", "2025-Q3"]
    assert publish.calendar_quarters("2025-Q1", 2) == ["2025-Q1", "2024-Q4"]


def test_place_sizes_leave_out_small_places(ws):
    sizes = publish.published_place_sizes(ws, "entrance")
    table = ws.read("place_entrance", columns=["place_id", "n_dwellings"])
    assert len(sizes) == (table["n_dwellings"] >= 5).sum()
    shown = sizes["n_dwellings"].dropna()
    assert (shown >= 10).all() and (shown % 5 == 0).all()


def test_every_entry_point_is_recorded(ws):
    with recording() as calls:
        publish.published_places(ws, "buurt")
        publish.published_profiles(ws, "buurt")
        publish.published_summary(ws)
    names = [c.rsplit(".", 1)[-1] for c in calls]
    assert {"published_places", "published_profiles", "published_summary",
            "publish_places", "publish_profiles"} <= set(names)


def test_unknown_level_is_refused(ws):
    for func in (publish.published_places, publish.published_profiles,
                 publish.published_place_sizes):
        with pytest.raises(publish.PublishError, match="onbekend niveau"):
            func(ws, "woning")


def test_figures_are_rounded_in_every_row(ws):
    out = publish.published_places(ws, "street")
    for c in ("pressure", "balance", "balance_lo", "resilience_hi"):
        v = out[c].dropna().to_numpy()
        assert np.allclose(v, np.round(v, 3))


# --------------------------------------------------------------------------
# What the door reads, and how often (the first request of the web site)


def _reads(ws, monkeypatch) -> list[tuple[str, tuple | None]]:
    """Every ``ws.read`` from now on, as (table, columns)."""
    asked = []
    real = ws.read

    def read(name, columns=None):
        asked.append((name, None if columns is None else tuple(columns)))
        return real(name, columns)

    monkeypatch.setattr(ws, "read", read)
    return asked


def test_the_door_leaves_the_provenance_of_the_results_unread(ws, monkeypatch):
    asked = _reads(ws, monkeypatch)
    out = publish.published_places(ws, "block", audience="assigned")
    columns = [c for name, c in asked if name == "results"]
    assert columns and all(c is not None for c in columns)
    assert not set().union(*columns) & {"estimation", "inputs", "fallbacks"}
    # the same figures as from the whole table
    publish._clear_cache()
    monkeypatch.setattr(publish, "_PROVENANCE", ())
    whole = publish.published_places(ws, "block", audience="assigned")
    assert set(asked[-1][1] or ()) >= {"estimation", "inputs"}
    assert out.equals(whole)


def test_statistics_and_profiles_are_read_once_per_version(ws, monkeypatch):
    blocks = publish.published_places(ws, "block")
    public = blocks.loc[blocks["visibility"] == "public", "place_id"].head(2).tolist()
    asked = _reads(ws, monkeypatch)
    first = publish.published_signal_counts(ws, "block", public)
    publish.published_signal_counts(ws, "block", public[:1])
    profiles = publish.published_profiles(ws, "block")
    publish.published_profiles(ws, "block")
    read = [name for name, _ in asked]
    assert read.count("protected_statistics") == 1
    assert read.count("profiles") == 1
    # a new version (a new draw, a new compute) is read again
    st = ws.read("protected_statistics")
    sig = [c for c in st.columns if c.startswith("sig_pressure_q")]
    st[sig] = st[sig] + 100
    prof = ws.read("profiles")
    prof["share"] = prof["share"] * 0.5
    with ws.transaction("test", source="a new version") as tx:
        tx.put("protected_statistics", st)
        tx.put("profiles", prof)
    again = publish.published_signal_counts(ws, "block", public)
    pressure = again["meaning"] == "pressure"
    assert (again.loc[pressure, "count"].fillna(0)
            > first.loc[(first["meaning"] == "pressure").to_numpy(),
                        "count"].fillna(0).to_numpy()).all()
    halved = publish.published_profiles(ws, "block")
    assert not halved["share"].equals(profiles["share"])


@pytest.mark.parametrize(("labels", "latest"), [
    (["2024", "2025", "2023"], "2025"),
    (["2025-Q3", "2025", "2025-Q4"], "2025"),  # same end: the first in row order
    (["2025-Q4", "2024", "2025"], "2025-Q4"),
    (["2025-Q2"] * 5 + ["2025-Q1"], "2025-Q2"),
])
def test_the_latest_period_is_the_max_over_the_rows(labels, latest):
    import pandas as pd

    assert publish._latest_period(pd.Series(labels)) == latest
    assert latest == max(labels, key=publish._period_key)


def test_signal_counts_of_no_place_are_empty(ws):
    out = publish.published_signal_counts(ws, "block", [])
    assert len(out) == 0
    assert list(out.columns) == ["place_id", "window", "meaning", "count", "below_min"]


def test_the_door_cache_lets_the_least_recently_used_go(monkeypatch):
    """Asked again, an entry stays: the result rows of the latest period
    outlive a profile's history of many periods."""
    publish._clear_cache()
    monkeypatch.setattr(publish, "_CACHE_SIZE", 3)
    made = []

    def make(name):
        made.append(name)
        return name

    for name in ("latest", "a", "b"):
        publish._cached((name,), lambda n=name: make(n))
    publish._cached(("latest",), lambda: make("latest"))  # used again
    publish._cached(("c",), lambda: make("c"))  # one too many: "a" goes
    publish._cached(("latest",), lambda: make("latest"))
    publish._cached(("a",), lambda: make("a"))
    assert made == ["latest", "a", "b", "c", "a"]
    publish._clear_cache()
