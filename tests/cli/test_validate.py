"""``veerkracht validate`` on the real CBS, police and Leefbaarometer files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from veerkracht.cli.main import app
from veerkracht.store import open_workspace

runner = CliRunner()


def test_validate_without_kerncijfers_is_a_clear_error(tmp_path):
    result = runner.invoke(app, ["-w", str(tmp_path / "ws"), "validate"])
    assert result.exit_code != 0
    assert "kerncijfers" in str(result.exception or result.output)


def _synthetic_files(tmp_path, n=40, seed=4):
    """Two kwb years and a Leefbaarometer 3.0 file for one synthetic gemeente.

    Crime and the Leefbaarometer follow the single-family share and income,
    so the composite must be reported next to those single figures.
    """
    rng = np.random.default_rng(seed)
    codes = [f"BU0999{i:04d}" for i in range(n)]
    single = rng.uniform(0, 90, n)
    income = rng.uniform(15, 45, n)
    files = []
    for year, drift in ((2022, 0.0), (2024, 1.0)):
        kwb = pd.DataFrame({
            "regiocode": codes,
            "regionaam": [f"Buurt {i}" for i in range(n)],
            "a_inw": rng.integers(300, 4000, n),
            "g_ink_pi": income + drift * rng.normal(size=n),
            "p_koopw": single * 0.8 + rng.uniform(0, 10, n),
            "p_1gezw": single,
            "ste_oad": 4000 - 40 * single + rng.normal(0, 100, n),
            "g_afs_gs": 0.3 + single / 60 + rng.uniform(0, 0.3, n),
            "misdrijven_per_1000": 90 - single / 2 - income + rng.normal(0, 5, n),
        })
        path = tmp_path / f"kwb{year}.csv"
        kwb.to_csv(path, index=False, sep=";")
        files.append(path)
    rows = []
    for year, shift in ((2018, 0.0), (2024, 0.05)):
        afw = income / 100 - 0.3 + shift * rng.normal(size=n)
        for i, code in enumerate(codes):
            rows.append([code, f"Buurt {i}", year, 4.1 + afw[i], afw[i],
                         0.01, afw[i] / 2, afw[i] / 3, 0.1, single[i] / 900])
    # an early year with the total only, as in the national file
    early = income / 100 - 0.3 + 0.1 * rng.normal(size=n)
    rows += [[code, f"Buurt {i}", 2012, np.nan, early[i]] + [np.nan] * 5
             for i, code in enumerate(codes)]
    lbm = pd.DataFrame(rows, columns=["bu_code", "bu_naam", "jaar", "lbm", "afw",
                                      "fys", "onv", "soc", "vrz", "won"])
    lbm["lbm"] = lbm["afw"] + 4.1  # one national mean per year
    lbm_path = tmp_path / "lbm3.csv"
    lbm.to_csv(lbm_path, index=False)
    return files, lbm_path


def test_validate_reports_partial_best_single_and_change(tmp_path):
    ws = str(tmp_path / "ws")
    kwb, lbm = _synthetic_files(tmp_path)
    r = runner.invoke(app, ["-w", ws, "import", "kerncijfers", *map(str, kwb)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["-w", ws, "import", "leefbaarometer", str(lbm)])
    assert r.exit_code == 0, r.output
    out = tmp_path / "validatie.md"
    r = runner.invoke(app, ["-w", ws, "validate", "--out", str(out),
                            "--bootstrap", "200"])
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    assert "ρ gegeven controles" in text and "beste enkele cijfer" in text
    assert "address_density: ste_oad; single_family: p_1gezw of -p_mgezw" in text
    rows = open_workspace(ws).read("validation")
    crime = rows[(rows["dataset"] == "GM0999 buurt 2024")
                 & (rows["outcome"] == "misdrijven_per_1000")]
    # plain, given the controls, given the best single figure; and that figure
    assert set(crime["given"]) == {
        "", "address_density=ste_oad+single_family=p_1gezw",
        *{g for g in crime["given"] if g.startswith("single: ")}}
    single = crime[crime["score"].str.startswith("single: ")]
    assert len(single) == 1
    # the strongest single figure really is the strongest of the candidates
    kwb24 = pd.read_csv(kwb[1], sep=";")
    direct = abs(kwb24[["p_1gezw", "g_ink_pi", "p_koopw", "ste_oad", "g_afs_gs"]]
                 .corrwith(kwb24["misdrijven_per_1000"], method="spearman")).max()
    assert abs(single["rho"].iloc[0]) == pytest.approx(direct, abs=1e-9)
    row = crime[(crime["score"] == "balance") & (crime["given"] == "")].iloc[0]
    assert row["n"] == 40 and row["lo"] < row["rho"] < row["hi"]
    # Leefbaarometer 3.0: level of the same year, other years, and the change
    # against the model's change (two CBS years with the same proxies)
    outcomes = set(rows.loc[rows["dataset"] == "GM0999 buurt 2024", "outcome"])
    assert {"LBM3 lbm 2024", "LBM3 onv 2024", "LBM3 soc 2024", "LBM3 won 2024",
            "LBM3 lbm 2018", "LBM3 lbm 2012"} <= outcomes
    # each column changes from its own first year: the total from 2012, the
    # dimensions (empty in 2012) from 2018
    assert "LBM3 Δlbm 2012→2024" in outcomes and "LBM3 Δlbm 2018→2024" not in outcomes
    change = rows[rows["outcome"] == "LBM3 Δonv 2018→2024"]
    assert "Δbalance 2022→2024" in set(change["score"])
    assert "balance (niveau 2022)" in set(change["score"])  # 2022 has no earlier
    # against a change, the single figures are changes of one proxy too
    best = change[(change["score"] == "Δbalance 2022→2024")
                  & change["given"].str.startswith("single: ")]
    assert len(best) == 1
    assert "Leefbaarometer 3.0, GM0999 buurt: 40 codes in 2012–2024" in text
    assert "gegeven het beste enkele cijfer:" in r.output
    assert set(rows["n_boot"]) == {200}
    # the simulation with known truth (issue 7, point 7c), on by default
    assert "## Simulatie met bekende waarheid" in text
    assert "Simulatie met bekende waarheid: 7 van 7 doelen gehaald." in r.output
    sim = open_workspace(ws).read("validation_simulation")
    assert set(sim["measure"]) == {
        "coverage", "kappa", "coverage_pooled", "entrance_share",
        "entrance_block_share", "entrance_other_class", "tipping_auc"}
    assert set(sim["sim_seed"]) == {20261201} and set(sim["sim_n_boot"]) == {20}
    pooled = sim[sim["measure"] == "coverage_pooled"].set_index("level")
    assert set(pooled.index) == {"block", "street"}
    assert pooled["met"].all() and (pooled["places"] > 100).all()
    # every figure with a target states whether it was met, and all were
    assert sim.loc[sim["target"].str.startswith(("0", "≥")), "met"].all()
    auc = sim.loc[sim["measure"] == "tipping_auc", "value"].iloc[0]
    assert f"AUC van een lage balans {auc:.3f}" in text


def test_validate_without_the_simulation(tmp_path):
    ws = str(tmp_path / "ws")
    kwb, lbm = _synthetic_files(tmp_path)
    r = runner.invoke(app, ["-w", ws, "import", "kerncijfers", *map(str, kwb)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["-w", ws, "validate", "--bootstrap", "100",
                            "--no-simulation"])
    assert r.exit_code == 0, r.output
    assert "Simulatie met bekende waarheid" not in r.output
    store = open_workspace(ws)
    assert store.has("validation") and not store.has("validation_simulation")


def test_the_simulation_seed_is_passed_and_recorded(tmp_path, monkeypatch):
    import veerkracht.jobs.validate as job

    real = job.run_simulation

    def smaller(model_path=None, *, seed, n_dwellings):
        # a smaller city than validate's, to keep this quick: only the form
        return real(model_path, seed=seed, n_dwellings=4000, n_boot=10)

    monkeypatch.setattr(job, "run_simulation", smaller)
    ws = str(tmp_path / "ws")
    kwb, _ = _synthetic_files(tmp_path)
    r = runner.invoke(app, ["-w", ws, "import", "kerncijfers", *map(str, kwb)])
    assert r.exit_code == 0, r.output
    out = tmp_path / "v.md"
    r = runner.invoke(app, ["-w", ws, "validate", "--bootstrap", "100",
                            "--simulation-seed", "5", "--out", str(out)])
    assert r.exit_code == 0, r.output
    table = open_workspace(ws).read("validation_simulation")
    assert set(table["sim_seed"]) == {5} and set(table["sim_n_dwellings"]) != {0}
    # pooled coverage 2, kappa 10, entrance share 1, AUC 1
    assert table["met"].notna().sum() == 14
    text = out.read_text(encoding="utf-8")
    assert "zaad 5" in text and text.count("| block |") == 5


@pytest.mark.slow
def test_validate_on_real_figures(tmp_path, shared_data):
    ws = str(tmp_path / "ws")
    files = [
        shared_data / f
        for f in (
            "cbs_kwb2023_gemeente_utrecht_wardeiling.xlsx",
            "woonikveilig_groningen_GM0014_wijken_buurten_2024.csv",
            "woonikveilig_amsterdam_GM0363_wijken_buurten_2024.csv",
        )
    ]
    r = runner.invoke(app, ["-w", ws, "import", "kerncijfers", *map(str, files)])
    assert r.exit_code == 0, r.output
    lbm = [
        shared_data
        / "leefbaarometer2_wijk_dimensiescores_2012_2014_2016_koenkoen1.xlsx",
        shared_data / "leefbaarometer3_buurt_groningen_2018_2024.csv",
    ]
    r = runner.invoke(app, ["-w", ws, "import", "leefbaarometer", *map(str, lbm)])
    assert r.exit_code == 0, r.output
    out = tmp_path / "validatie.md"
    # fewer resamples than the published run: this checks the structure and the
    # point estimates, which do not depend on the bootstrap
    r = runner.invoke(app, ["-w", ws, "validate", "--out", str(out),
                            "--bootstrap", "200"])
    assert r.exit_code == 0, r.output
    rows = open_workspace(ws).read("validation")
    # every dataset that has both proxies and an outcome is there
    datasets = set(rows["dataset"])
    assert {"GM0014 buurt 2024", "GM0363 buurt 2024", "GM0344 wijk 2023"} <= datasets
    assert rows["n"].min() >= 5
    crime = rows[
        (rows["dataset"] == "GM0014 buurt 2024") & (rows["score"] == "pressure")
        & (rows["outcome"] == "misdrijven_per_1000")
    ]
    assert len(crime[crime["given"] == ""]) == 1 and crime["n"].iloc[0] > 100
    assert len(crime) == 3  # plain, given the controls, given the best figure
    assert "| GM0014 buurt 2024 | misdrijven_per_1000 | pressure |" in out.read_text()
    # the figures of docs/method.md, chapter 6 (point estimates)
    res = rows[(rows["dataset"] == "GM0014 buurt 2024 (≥200 inw.)")
               & (rows["score"] == "balance")]
    assert res.loc[res["given"] == "", "rho"].iloc[0] == pytest.approx(-0.77, abs=0.005)
    given_best = res[res["given"].str.startswith("single: ")]
    assert given_best["given"].iloc[0] == "single: scale (p_1gezw)"
    assert given_best["rho"].iloc[0] == pytest.approx(-0.30, abs=0.005)
    onv = rows[(rows["dataset"] == "GM0014 buurt 2024")
               & (rows["outcome"] == "LBM3 onv 2024") & (rows["given"] == "")]
    balance = onv.set_index("score").loc["balance"]
    assert balance["n"] == 125 and balance["rho"] == pytest.approx(0.62, abs=0.005)
    assert "Leefbaarometer 3.0, GM0014 buurt: 133 codes in 2018–2024, 130 in elk jaar" \
        in out.read_text()
    # a second run appends instead of overwriting
    runner.invoke(app, ["-w", ws, "validate", "--bootstrap", "200",
                        "--no-simulation"])
    assert len(open_workspace(ws).read("validation")) == 2 * len(rows)
    # the first run's simulation section stays; the second added none
    assert "## Simulatie met bekende waarheid" in out.read_text()
    sim = open_workspace(ws).read("validation_simulation")
    assert sim["computed_at"].nunique() == 1
