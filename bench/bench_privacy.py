"""Differential privacy on the place statistics (`veerkracht privacy protect`).

The real LJPc addresses of Groningen and Flevoland (~550,000) go into a
scratch workspace exactly as a user would do it: `veerkracht import
addresses`, `veerkracht places`, `veerkracht synth households --seed 1
--signals` (build, not timed). Then, in a fresh process,
`veerkracht.jobs.protect.protected_statistics(ws, "2025")` counts the exact
statistics of every level (`read_s`, including the reading), draws OpenDP
discrete Gaussian noise for every count of every place with at least 5
dwellings (`noise_s`, in 2 threads) and stores draw and ledger row in one
transaction (`write_s`). A second call returns the stored draw (`stored_s`).
`noise_1proc_s` is the same noise drawn in one thread, for comparison.
Per level: places protected, σ of the household and signal counts (ρ = 1.0
and 0.25 per period), and the utility: mean absolute error of the protected
n_households, of the households with any support need (needs_1 + needs_2p)
and of a need flag (flag_need_care), against the exact counts, for the
stored raw noisy counts (`_raw`, what the model reads) and for the counts as
shown to a person after `dp.postprocess` (`_shown`: clipped at 0 and at
n_households / n_dwellings); `bias_need_care` is the mean signed error. The LJPc
files have no buurt codes, so buurt, wijk and gemeente are absent here.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile

from bench._measure import in_subprocess

_CLI = "from veerkracht.cli.main import main; main()"

_CASE = """
import time
import numpy as np
from veerkracht.analytics.dp import NoisePlan, protect_statistics
from veerkracht.jobs import protect
from veerkracht.store import open_workspace
ws = open_workspace({workspace!r})
marks = {{}}
t0 = time.perf_counter()

def progress(n=1, description=None, total=None):
    marks[description] = time.perf_counter() - t0

stats, sd, row = protect.protected_statistics(ws, "2025", progress=progress)
t_all = time.perf_counter() - t0
t_noise0 = marks["Ruis toevoegen"]
t_noise1 = marks["Beschermde statistieken opslaan"]
t1 = time.perf_counter()
protect.protected_statistics(ws, "2025")
t_stored = time.perf_counter() - t1
from veerkracht.analytics.model.periods import parse_period
exact = protect._exact_statistics(ws, parse_period("2025"))
t_one = None
if {single}:
    sub = {{lv: f for lv, f in exact.items() if lv in stats}}
    t1 = time.perf_counter()
    protect_statistics(sub, NoisePlan(), workers=1)
    t_one = time.perf_counter() - t1
from veerkracht.analytics.dp import postprocess
levels = {{}}
for lv, raw in stats.items():
  levels[lv] = {{}}
  for kind, f in (("raw", raw), ("shown", postprocess(raw))):
    e = exact[lv].set_index("place_id").loc[f["place_id"]]
    anyneed = (f["needs_1"] + f["needs_2p"]).to_numpy() - (
        e["needs_1"] + e["needs_2p"]).to_numpy()
    levels[lv].update({{
        "places": len(f), "places_all": len(exact[lv]),
        "sigma_households": sd[lv]["n_households"],
        "sigma_signals": sd[lv]["sig_pressure_q0"],
        "mean_households": float(e["n_households"].mean()),
        "mae_n_households_" + kind: float(np.abs(
            f["n_households"].to_numpy() - e["n_households"].to_numpy()).mean()),
        "mae_any_need_" + kind: float(np.abs(anyneed).mean()),
        "mae_need_care_" + kind: float(np.abs(f["flag_need_care"].to_numpy()
                                              - e["flag_need_care"].to_numpy()).mean()),
        "bias_need_care_" + kind: float((f["flag_need_care"].to_numpy()
                                         - e["flag_need_care"].to_numpy()).mean()),
    }})
RESULT = {{"seconds": t_all, "read_s": t_noise0, "noise_s": t_noise1 - t_noise0,
          "write_s": t_all - t_noise1, "stored_s": t_stored, "noise_1proc_s": t_one,
          "dwellings": int(ws.info("dwellings").rows), "levels": levels}}
"""


def _data() -> str:
    import os
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    return os.environ.get("VEERKRACHT_SHARED_DATA",
                          str(root.parent / "shared" / "data"))


def _build(workspace: str, data: str) -> None:
    files = [f"{data}/ljpc_adressen_{p}.csv.zst" for p in ("Groningen", "Flevoland")]
    for args in (["import", "addresses", *files], ["places"],
                 ["synth", "households", "--seed", "1", "--signals"]):
        subprocess.run([sys.executable, "-c", _CLI, "--workspace", workspace, *args],
                       check=True, capture_output=True, text=True)


def run(quick: bool) -> list[dict]:
    """Build the scratch workspace, then measure one protection."""
    tmp = tempfile.mkdtemp(prefix="bench-privacy-")
    try:
        workspace = f"{tmp}/ws"
        _build(workspace, _data())
        r = in_subprocess(_CASE.format(workspace=workspace, single=not quick))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rows = [{
        "case": "protect period 2025, every level",
        "data": f"LJPc Groningen + Flevoland, {r['dwellings']:,} dwellings, "
                "synthetic households and signals (seed 1)",
        "seconds": round(r["seconds"], 1), "read_s": round(r["read_s"], 1),
        "noise_s": round(r["noise_s"], 1), "write_s": round(r["write_s"], 1),
        "noise_1proc_s": (None if r["noise_1proc_s"] is None
                          else round(r["noise_1proc_s"], 1)),
        "stored_s": round(r["stored_s"], 2), "peak_mib": r["peak_mib"],
    }]
    for lv, v in r["levels"].items():
        rows.append({
            "case": f"level {lv}",
            "places": f"{v['places']:,} of {v['places_all']:,}",
            "sigma_households": round(v["sigma_households"], 2),
            "sigma_signals": round(v["sigma_signals"], 2),
            "mean_households": round(v["mean_households"], 1),
            **{k: round(v[k], 2) for k in v if k.startswith(("mae_", "bias_"))},
        })
    return rows
