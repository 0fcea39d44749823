"""``veerkracht import households|signals``, ``synth households`` and ``compute``."""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from veerkracht.cli.main import main
from veerkracht.jobs.publish import published_places
from veerkracht.store.files import FileWorkspace

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analytics"))
from test_model_compute import make_city  # noqa: E402


def run(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    captured = capsys.readouterr()
    return (exit_info.value.code, " ".join(captured.out.split()),
            " ".join(captured.err.split()))


@pytest.fixture
def city():
    return make_city()


@pytest.fixture
def ws_path(tmp_path, city):
    """A workspace with derived dwellings and amenities, no households yet."""
    path = tmp_path / "ws"
    ws = FileWorkspace(path)
    dw = city.dwellings
    geo = gpd.GeoDataFrame(dw.drop(columns=["x", "y"]),
                           geometry=shapely.points(dw["x"], dw["y"]),
                           crs="EPSG:28992")
    am = gpd.GeoDataFrame(
        {"amenity_id": ["a1", "a2", "a3"], "kind": city.amenities["kind"],
         "name": ["x", "y", "z"], "source": "test"},
        geometry=shapely.points(city.amenities["x"], city.amenities["y"]),
        crs="EPSG:28992")
    with ws.transaction("places", source="test") as tx:
        tx.put("dwellings", geo)
        tx.put("amenities", am)
    return path


def households_csv(city, path, extra=None):
    hh = city.households.copy()
    hh["tenure_start"] = hh["tenure_start"].dt.strftime("%Y-%m-%d")
    hh["tenure_end"] = ""
    for c in ("need_care", "need_income", "need_outflow", "need_frail_elderly",
              "urgency"):
        hh[c] = hh[c].map({True: "ja", False: "nee"})
    hh = hh.drop(columns=["source", "synthetic"])
    if extra:
        hh[extra] = "NL"
    hh.to_csv(path, sep=";", index=False)
    return path


def signals_csv(city, path):
    s = city.signals.dropna(subset=["address_id"])
    when = s["reported_at"].dt.strftime("%Y-%m-%dT%H:%MZ")
    frame = pd.DataFrame({"signal_id": s["signal_id"], "reported_at": when,
                          "category": s["category"], "source": s["source"],
                          "address_id": s["address_id"]})
    frame.to_csv(path, index=False)
    return path


def test_import_compute_and_rerun_replaces_only_its_slice(ws_path, city, tmp_path,
                                                          capsys):
    w = ["-w", str(ws_path)]
    code, out, err = run([*w, "import", "households",
                          str(households_csv(city, tmp_path / "hh.csv"))], capsys)
    assert code == 0, err
    assert "384 huishoudens ingelezen" in out
    code, out, err = run([*w, "import", "signals",
                          str(signals_csv(city, tmp_path / "sig.csv"))], capsys)
    assert code == 0, err
    code, out, err = run([*w, "compute", "--period", "2024"], capsys)
    assert code == 0, err
    assert "veerkracht-basismodel 2.0" in out and "balansklasse" in out
    assert "blok" in out and "niet openbaar" in out  # counted as published
    ws = FileWorkspace(ws_path)
    n1 = len(ws.read("results"))
    assert n1 == 80
    # the same period and version again: the slice is replaced, not doubled
    code, out, _ = run([*w, "compute", "--period", "2024"], capsys)
    assert code == 0 and "80 oude rijen" in out
    assert len(ws.read("results")) == n1
    # another period is appended next to it
    code, _, _ = run([*w, "compute", "--period", "2024-Q2"], capsys)
    assert code == 0
    res = ws.read("results")
    assert sorted(res["period"].unique()) == ["2024", "2024-Q2"]
    assert len(res) == 2 * n1
    # the door publishes only results computed from protected statistics: the
    # first compute drew them for its profiles, the reruns read that draw
    # the published figures of one level (the publication door)
    blocks = published_places(ws, "block", period="2024")
    assert len(blocks) == 12 and (blocks["visibility"] == "public").all()
    assert (blocks["n_households"] % 5 == 0).all()
    entrances = published_places(ws, "entrance", period="2024")
    assert (entrances["visibility"] == "suppressed").all()  # public: no bands
    assert entrances["pressure"].isna().all()
    assert entrances["class_band"].isna().all()


def test_set_reference_writes_a_model_file_and_the_old_model_still_runs(
        ws_path, city, tmp_path, capsys):
    import tomllib

    from veerkracht.io.model_file import MODEL_1, load_model, shipped_model_path

    w = ["-w", str(ws_path)]
    run([*w, "import", "households", str(households_csv(city, tmp_path / "hh.csv"))],
        capsys)
    run([*w, "import", "signals", str(signals_csv(city, tmp_path / "sig.csv"))],
        capsys)
    code, _, err = run([*w, "compute", "--set-reference", "2024"], capsys)
    assert code == 2 and "--out" in err
    new = tmp_path / "ref.toml"
    code, out, err = run([*w, "compute", "--set-reference", "2024", "--out",
                          str(new)], capsys)
    assert code == 0, err
    assert "referentie uit periode 2024" in out
    assert not FileWorkspace(ws_path).has("results")  # nothing stored
    data = tomllib.loads(new.read_text(encoding="utf-8"))
    assert data["reference"]["period"] == "2024"
    assert "stacked_needs" in data["reference"]["indicators"]
    spec = load_model(new)
    assert spec.reference.period == "2024" and spec.version == "2.0"
    # comments of the model file are kept
    assert "Place-based, never person-based" in new.read_text(encoding="utf-8")
    code, out, err = run([*w, "compute", "--period", "2024", "--model", str(new)],
                         capsys)
    assert code == 0, err
    code, out, err = run([*w, "compute", "--period", "2024", "--model",
                          str(shipped_model_path(MODEL_1))], capsys)
    assert code == 0, err
    assert "veerkracht-basismodel 1.0" in out
    res = FileWorkspace(ws_path).read("results")
    assert sorted(res["model_version"].astype(str).unique()) == ["1.0", "2.0"]
    v2 = res[res["model_version"].astype(str) == "2.0"]
    # compute protects by default: the draw of 2024 is made once and reused
    assert (v2["statistics"].astype(str) == "protected").all()
    assert v2["inflow_net"].notna().any() and "going_quiet" in v2.columns


def test_forbidden_household_field_writes_nothing(ws_path, city, tmp_path, capsys):
    code, _, err = run(["-w", str(ws_path), "import", "households",
                        str(households_csv(city, tmp_path / "hh.csv",
                                           extra="migratieachtergrond"))], capsys)
    assert code == 1
    assert "verboden" in err and "niet gewijzigd" in err
    assert not FileWorkspace(ws_path).has("households")


def test_compute_without_households_explains(ws_path, capsys):
    code, _, err = run(["-w", str(ws_path), "compute"], capsys)
    assert code == 2
    assert "veerkracht synth households" in err


def test_field_never_imported_is_named(ws_path, city, capsys):
    ws = FileWorkspace(ws_path)
    with ws.transaction("import households", source="test") as tx:
        tx.put("households", city.households.drop(columns=["need_outflow"]))
    code, _, err = run(["-w", str(ws_path), "compute", "--period", "2024"], capsys)
    assert code == 2
    assert "'need_outflow' is nooit geïmporteerd" in err
    assert not ws.has("results")


def test_invalid_model_file_is_explained(ws_path, tmp_path, capsys):
    bad = tmp_path / "model.toml"
    bad.write_text('[model]\nname = "x"\nversion = "2"\n'
                   '[inputs]\nhousehold_fields = ["nationaliteit"]\n'
                   '[pressure.a]\nkind = "need_share"\nfield = "need_care"\n'
                   'weight = "veel"\n[resilience.b]\nkind = "entrance_size"\n'
                   'weight = 1\n[[classes]]\nname = "goed"\nmin = -0.5\n'
                   '[[classes]]\nname = "matig"\nmin = 0.2\n[[classes]]\n'
                   'name = "slecht"\n', encoding="utf-8")
    code, _, err = run(["-w", str(ws_path), "compute", "--model", str(bad)], capsys)
    assert code == 2
    assert "verboden" in err and "weight is geen getal" in err
    assert "niet in volgorde" in err


def test_bad_period_is_explained(ws_path, city, tmp_path, capsys):
    run(["-w", str(ws_path), "import", "households",
         str(households_csv(city, tmp_path / "hh.csv"))], capsys)
    code, _, err = run(["-w", str(ws_path), "compute", "--period", "2025-Q5"], capsys)
    assert code == 2 and "onbekende periode" in err
    code, _, err = run(["-w", str(ws_path), "compute", "--period", "1980"], capsys)
    assert code == 2 and "geen gegevens" in err
    # an empty period is refused before any noise is drawn: no budget spent
    assert not FileWorkspace(ws_path).has("privacy_ledger")


def test_synth_households_then_compute_with_sensitivity(ws_path, capsys):
    w = ["-w", str(ws_path)]
    code, out, err = run([*w, "synth", "households", "--seed", "4", "--signals"],
                         capsys)
    assert code == 0, err
    assert "synthetische huishoudens" in out and "synthetische meldingen" in out
    ws = FileWorkspace(ws_path)
    assert ws.read("households")["synthetic"].all()
    assert ws.read("signals").crs.to_epsg() == 28992
    code, out, err = run([*w, "compute", "--sensitivity", "--runs", "2"], capsys)
    assert code == 0, err
    # the (global) sensitivity analysis reports after the classes
    assert "gevoelig" in out.lower() and "tabel sensitivity" in out


def test_synth_never_overwrites_real_households(ws_path, city, tmp_path, capsys):
    w = ["-w", str(ws_path)]
    run([*w, "import", "households", str(households_csv(city, tmp_path / "h.csv"))],
        capsys)
    code, _, err = run([*w, "synth", "households"], capsys)
    assert code == 2 and "echte" in err


@pytest.mark.slow
def test_real_addresses_synthetic_households_end_to_end(shared_data, tmp_path, capsys):
    """Houthavens (Amsterdam, real BAG addresses) -> places -> synth -> compute."""
    gpkg = shared_data / "amsterdam_houthavens_bag_adressen_gokoala.gpkg"
    if not gpkg.exists():
        pytest.skip("houthavens GeoPackage not available")
    w = ["-w", str(tmp_path / "ws")]
    assert run([*w, "import", "addresses", str(gpkg)], capsys)[0] == 0
    assert run([*w, "places"], capsys)[0] == 0
    code, out, err = run([*w, "synth", "households", "--seed", "11", "--signals"],
                         capsys)
    assert code == 0, err
    # protected first, so the door publishes these results (ADR 0006)
    code, out, err = run([*w, "privacy", "protect", "--period", "2025"], capsys)
    assert code == 0, err
    code, out, err = run([*w, "compute", "--period", "2025"], capsys)
    assert code == 0, err
    ws = FileWorkspace(tmp_path / "ws")
    res = ws.read("results")
    n_dw = len(ws.read("dwellings", columns=["address_id"]))
    top = res[res["level"] == res["level"].iloc[-1]]
    assert top["n_dwellings"].sum() <= n_dw
    # protected statistics leave out places under 5 dwellings (ADR 0006 §5)
    places = ws.read(f"place_{res['level'].iloc[-1]}", columns=["n_dwellings"])
    assert top["n_dwellings"].sum() == places.loc[places["n_dwellings"] >= 5,
                                                  "n_dwellings"].sum()
    assert res["balance_class"].notna().mean() > 0.9
    for level in ("entrance", "street"):
        exp = published_places(ws, level, "2025")
        small = exp["visibility"] != "public"
        assert exp.loc[small, "pressure"].isna().all()
        assert (exp.loc[~small, "n_households"] >= 10).all()
