"""The whole `veerkracht compute` of one period, against model 1.0 in the same run.

Case A uses the real LJPc addresses of Groningen and Flevoland (~550k
dwellings) in a scratch workspace built as a user would: `veerkracht
import addresses`, `veerkracht places`, `veerkracht synth households
--seed 1 --signals` (its seconds are `setup_s`, not part of the budget;
`VEERKRACHT_BENCH_WORKSPACE` names a workspace built so, to skip that
step: it is copied, never changed). There are no amenities, initiatives
or professionals in the real data, so those indicators are left out.

In one fresh process it measures `veerkracht.jobs.compute.run_compute`
for period 2025 with the shipped model 2.0, as `veerkracht compute
--period 2025` runs it: read the workspace, protect the place statistics
(the first draw of the period: OpenDP noise, ledger row, ADR 0006),
model, the publication door's counts, the multiscalar profiles and the
store transaction (`seconds`, with its parts `read_s`, `protect_s`,
`model_s`, `door_s`, `profiles_s`, `store_s`). Then the same command
again (`rerun_s`: the stored draw is reused, no budget spent), and model
1.0 (`veerkracht-model-1.0.toml`) through `compute_model` on the same
protected statistics (`model1_s`). `model_ratio` is model 2.0's model
step over model 1.0's; `run_ratio` the whole first run over model 1.0's
model step. Target (issue 7, point 8): the whole run under 60 s.

Case B, a national-size grid of ~9.5 million dwellings (every indicator
runs), is the model alone on exact statistics; it is run only with
`VEERKRACHT_BENCH_CASE_B=1` (it does not fit the shared machine's time).
"""

from __future__ import annotations

import os

from bench._measure import in_subprocess

_COMPUTE = """
from veerkracht.analytics.model.compute import compute_model
from veerkracht.analytics.model.periods import parse_period
from veerkracht.analytics.publication import publish_places
from veerkracht.io.model_file import load_model
spec = load_model()
t0 = time.perf_counter()
res = compute_model(spec, inputs, parse_period("2025"))
t_model = time.perf_counter() - t0
t0 = time.perf_counter()
prot = publish_places(res)
t_disc = time.perf_counter() - t0
"""

_SETUP_A = """
import time
from veerkracht.cli.main import main
DATA, WS = {data!r}, {ws!r}
t0 = time.perf_counter()
for argv in (["import", "addresses", f"{{DATA}}/ljpc_adressen_Groningen.csv.zst",
              f"{{DATA}}/ljpc_adressen_Flevoland.csv.zst"], ["places"],
             ["synth", "households", "--seed", "1", "--signals"]):
    try:
        main(["-w", WS, *argv])
    except SystemExit as exc:
        if exc.code:
            raise
RESULT = {{"setup_s": time.perf_counter() - t0}}
"""

_CASE_A = """
import time
t_start = time.perf_counter()
import veerkracht.jobs.compute as job
from veerkracht.analytics.model.compute import compute_model
from veerkracht.io.model_file import MODEL_1, load_model, shipped_model_path
from veerkracht.jobs.protect import ledger, protected_statistics
from veerkracht.store import open_workspace
t_import = time.perf_counter() - t_start
ws = open_workspace({ws!r})
parts = {{}}
def timed(name, fn):
    def wrapper(*a, **k):
        t0 = time.perf_counter()
        try:
            return fn(*a, **k)
        finally:
            parts[name] = parts.get(name, 0.0) + time.perf_counter() - t0
    return wrapper
for attr, name in (("load_inputs", "read"), ("_statistics_for", "protect"),
                   ("compute_model", "model"), ("summary_of_rows", "door"),
                   ("profiles_of_workspace", "profiles")):
    setattr(job, attr, timed(name, getattr(job, attr)))
t0 = time.perf_counter()
summary = job.run_compute(ws, period="2025")
t_run = time.perf_counter() - t0
first = dict(parts)
assert summary["privacy"]["draws"][0]["drawn"]
parts.clear()
t0 = time.perf_counter()
again = job.run_compute(ws, period="2025")
t_rerun = time.perf_counter() - t0
rerun = dict(parts)
assert not again["privacy"]["draws"][0]["drawn"] and len(ledger(ws).rows) == 1
inputs, _ = job.load_inputs(ws, load_model())
stats, sd, _ = protected_statistics(ws, "2025")
from veerkracht.analytics.model.periods import parse_period
spec1 = load_model(shipped_model_path(MODEL_1))
t0 = time.perf_counter()
res1 = compute_model(spec1, inputs, parse_period("2025"), statistics=stats,
                     noise_sd=sd)
t_model1 = time.perf_counter() - t0
n_dw = len(inputs.dwellings)
hh = ws.read("households", columns=["address_id"])
sig = ws.read("signals", columns=["reported_at"])
RESULT = {{"rows": n_dw, "households": len(hh), "signals": len(sig),
          "places": summary["rows"], "import_s": t_import, "run_s": t_run,
          "parts": first, "rerun_s": t_rerun, "rerun_parts": rerun,
          "model1_s": t_model1, "places1": len(res1)}}
"""

_CASE_B = """
import time
from datetime import date
import numpy as np
import pandas as pd
from veerkracht.analytics.model.indicators import ModelInputs
from veerkracht.synth.households_for_dwellings import households_for_dwellings
n = {n}
t0 = time.perf_counter()
rng = np.random.default_rng(1)
i = np.arange(n)
ent = i // 6
side = int(np.sqrt(n / 6)) + 1
def ids(prefix, codes):
    return pd.array(np.char.add(prefix, codes.astype(str)), dtype="str")
dw = pd.DataFrame({{
    "address_id": ids("A", i), "entrance_id": ids("E", ent),
    "building_id": ids("G", i // 24), "block_id": ids("B", i // 96),
    "street_id": ids("S", i // 300), "buurtcode": ids("BU", i // 3000),
    "wijkcode": ids("WK", i // 30000), "gemeentecode": ids("GM", i // 300000),
    "x": (ent % side) * 15.0 + 10000 + rng.random(n),
    "y": (ent // side) * 15.0 + 300000 + rng.random(n)}})
hh, sig = households_for_dwellings(dw, None, seed=1, reference_date=date(2026, 1, 1),
                                   with_signals=True)
span = side * 15.0
def pts(m):
    return 10000 + rng.random(m) * span, 300000 + rng.random(m) * span
ax, ay = pts(n // 100)
kinds = ["bench", "shop", "community_centre", "playground", "meeting_place",
         "care_point"]
am = pd.DataFrame({{"kind": rng.choice(kinds, n // 100), "x": ax, "y": ay}})
ix, iy = pts(n // 1000)
ini = pd.DataFrame({{"x": ix, "y": iy, "size": 5, "started": pd.NaT,
                    "ended": pd.NaT}})
px, py = pts(n // 1000)
pro = pd.DataFrame({{"x": px, "y": py, "hours_per_week": 16.0, "started": pd.NaT,
                    "ended": pd.NaT}})
first = dw["address_id"].iloc[::24].to_numpy()
links = pd.DataFrame({{"space_id": np.arange(len(first)), "address_id": first,
                      "condition": rng.integers(1, 6, len(first)),
                      "inspected_at": pd.NaT}})
hh = hh.drop(columns=["household_key", "source"])
sig = sig[["reported_at", "address_id"]]
OUT = {out!r}
for name, frame in (("dw", dw), ("hh", hh), ("sig", sig), ("am", am), ("ini", ini),
                    ("pro", pro), ("links", links)):
    frame.to_parquet(f"{{OUT}}/{{name}}.parquet")
t_inputs = time.perf_counter() - t0
RESULT = {{"rows": n, "households": len(hh), "signals": len(sig),
          "inputs_s": t_inputs}}
"""

_CASE_B_RUN = """
import time
import pandas as pd
from veerkracht.analytics.model.indicators import ModelInputs
OUT = {out!r}
t0 = time.perf_counter()
f = {{name: pd.read_parquet(f"{{OUT}}/{{name}}.parquet")
     for name in ("dw", "hh", "sig", "am", "ini", "pro", "links")}}
t_read = time.perf_counter() - t0
inputs = ModelInputs(f["dw"], f["hh"], f["sig"], f["am"], f["ini"], f["pro"],
                     f["links"])
""" + _COMPUTE + """
RESULT = {{"places": len(res), "read_s": t_read, "model_s": t_model,
          "disclosure_s": t_disc}}
"""


def _row(case: str, label: str, r: dict, inputs: dict) -> dict:
    return {
        "case": f"{case}: compute_model + publish_places (exact statistics)",
        "data": f"{label}; {inputs['households']:,} household tenures, "
                f"{inputs['signals']:,} signals, {r['places']:,} places",
        "seconds": round(r["model_s"] + r["disclosure_s"], 1),
        "model_s": round(r["model_s"], 1),
        "door_s": round(r["disclosure_s"], 1),
        "inputs_s": round(inputs["inputs_s"], 1),
        "peak_mib": r["peak_mib"],
    }


def _row_a(r: dict, setup_s: float | None) -> dict:
    p, q = r["parts"], r["rerun_parts"]
    store = r["run_s"] - sum(p.values())
    return {
        "case": "A: run_compute, one period (first draw), then model 1.0",
        "data": f"LJPc Groningen + Flevoland, {r['rows']:,} dwellings; "
                f"{r['households']:,} synthetic household tenures, "
                f"{r['signals']:,} signals; {r['places']:,} places",
        "seconds": round(r["run_s"], 1),
        "read_s": round(p.get("read", 0.0), 1),
        "protect_s": round(p.get("protect", 0.0), 1),
        "model_s": round(p.get("model", 0.0), 1),
        "door_s": round(p.get("door", 0.0), 1),
        "profiles_s": round(p.get("profiles", 0.0), 1),
        "store_s": round(store, 1),
        "rerun_s": round(r["rerun_s"], 1),
        "rerun_protect_s": round(q.get("protect", 0.0), 1),
        "model1_s": round(r["model1_s"], 1),
        "model_ratio": round(p.get("model", 0.0) / r["model1_s"], 2),
        "run_ratio": round(r["run_s"] / r["model1_s"], 2),
        "import_s": round(r["import_s"], 1),
        "setup_s": "" if setup_s is None else round(setup_s, 0),
        "peak_mib": r["peak_mib"],
    }


def run(quick: bool) -> list[dict]:
    """Case A on the real addresses; case B (national grid) only when asked.

    Case A builds (or copies) a scratch workspace in one process and runs
    the command in a fresh one, so the peak memory is the command's own.
    Case B generates its inputs in one process and writes them to Parquet;
    the model runs in a fresh process that reads them.
    """
    import shutil
    import tempfile
    from pathlib import Path

    data = Path(__file__).resolve().parents[2] / "shared" / "data"
    rows = []
    if (data / "ljpc_adressen_Groningen.csv.zst").exists() and not quick:
        with tempfile.TemporaryDirectory() as tmp:
            ws = str(Path(tmp) / "ws")
            built = os.environ.get("VEERKRACHT_BENCH_WORKSPACE")
            if built:
                shutil.copytree(built, ws)
                setup_s = None
            else:
                setup_s = in_subprocess(_SETUP_A.format(data=str(data),
                                                        ws=ws))["setup_s"]
            r = in_subprocess(_CASE_A.format(ws=ws))
        rows.append(_row_a(r, setup_s))
    if quick or os.environ.get("VEERKRACHT_BENCH_CASE_B"):
        n_b = 1_000_000 if quick else 9_500_000
        with tempfile.TemporaryDirectory() as out:
            made = in_subprocess(_CASE_B.format(n=n_b, out=out))
            r = in_subprocess(_CASE_B_RUN.format(out=out))
        rows.append(_row("B", f"grid, {n_b:,} dwellings (inputs read from Parquet "
                              f"in {r['read_s']:.0f} s)", r, made))
    return rows
