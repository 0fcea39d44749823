"""Early warning: the prospective space-time permutation scan.

Synthetic data (seed 1): locations uniform in a square at 55 per km², so a
1 km circle holds about 170 of them whatever the size; a year of signals
(365 days) spread over the locations with gamma(2)-distributed rates and a
weekly rhythm. `veerkracht.analytics.warning.scan.space_time_permutation_scan`
with the default settings (circles up to 1 km and 50 % of the cases, windows
of 1-28 days ending on the last day, at least 2 cases, 999 replicates, high
rates), in process (numba, both cores), timed in a fresh Python after one
small warm-up call (`seconds`); `setup_s` is the time to the end of the
first batch of 50 replicates (the neighbour lists, the real data's scan and
50 replicates), the rest is replicates. `neighbours` is the mean number
of locations with signals per centre; `load` and `satscan_load` the
1-minute load average of the machine as each run starts (it is shared, so
compare the ratio).

Side by side, SaTScan (the reference implementation, built from its public
source) on the same data, the same windows and the same number of
replicates (standard Monte Carlo, `PValueReportType=1`: SaTScan's default
sequential procedure stops early when p is large), when
`VEERKRACHT_SATSCAN_BIN` points at a built `satscan` binary: `satscan_s`
its wall-clock time (all cores), `ratio` = satscan_s / seconds and
`same_llr` whether the two most likely clusters' test statistics agree
to 1e-6. Without the binary those columns say so.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from bench._measure import in_subprocess

DENSITY_PER_KM2 = 55.0
DAYS = 365

_CASE = """
import time
import numpy as np
from veerkracht.analytics.warning.scan import ScanSettings, space_time_permutation_scan
d = np.load({path!r})
xy, loc, day = d["xy"], d["loc"], d["day"]
space_time_permutation_scan(xy[:50], loc[loc < 50], day[loc < 50], {last},
                            ScanSettings(replicates=3))
marks = []
t0 = time.perf_counter()
def progress(n, description=None):
    marks.append(time.perf_counter() - t0)
r = space_time_permutation_scan(xy, loc, day, {last},
                                ScanSettings(replicates={reps}), progress=progress)
t = time.perf_counter() - t0
from veerkracht.analytics.warning import scan as s
ptr, *_ = s._neighbours(xy, np.bincount(loc, minlength=len(xy)), ScanSettings(),
                        len(loc), False)
top = r.clusters[0]
RESULT = {{"seconds": t, "first_batch_s": marks[0] if marks else None,
          "llr": top.llr, "observed": top.observed, "expected": top.expected,
          "p_value": top.p_value, "neighbours": float(np.diff(ptr).mean())}}
"""


def synthetic(n_loc: int, n_signals: int, seed: int = 1):
    """Locations (metres), and signal location and day per signal."""
    rng = np.random.default_rng(seed)
    side = np.sqrt(n_loc / DENSITY_PER_KM2) * 1000.0
    xy = rng.uniform(0.0, side, (n_loc, 2)).round(1)
    w = rng.gamma(2.0, 1.0, n_loc)
    loc = rng.choice(n_loc, n_signals, p=w / w.sum())
    rhythm = 1.0 + 0.3 * (np.arange(DAYS) % 7 < 5)
    day = rng.choice(DAYS, n_signals, p=rhythm / rhythm.sum())
    return xy, loc.astype(np.int64), day.astype(np.int64)


_PRM = """[Input]
CaseFile={d}/bench.cas
PrecisionCaseTimes=3
StartDate=2025/1/1
EndDate={end}
CoordinatesFile={d}/bench.geo
CoordinatesType=0
[Analysis]
AnalysisType=4
ModelType=2
ScanAreas=1
TimeAggregationUnits=3
TimeAggregationLength=1
[Output]
ResultsFile={d}/bench.txt
OutputShapefiles=n
OutputGoogleEarthKML=n
OutputCartesianGraph=n
OutputGoogleMaps=n
OutputTemporalGraphHTML=n
[Spatial Window]
MaxSpatialSizeInPopulationAtRisk=50
UseDistanceFromCenterOption=y
MaxSpatialSizeInDistanceFromCenter=1000
IncludePurelyTemporal=n
[Temporal Window]
MinimumTemporalClusterSize=1
MaxTemporalSizeInterpretation=1
MaxTemporalSize=28
IncludePurelySpatial=n
[Cluster Restrictions]
MinimumCasesInHighRateClusters=2
[Inference]
MonteCarloReps={reps}
EarlyTerminationThreshold=50
PValueReportType=1
ProspectiveStartDate={end}
[Spatial Output]
LaunchMapViewer=n
CriteriaForReportingSecondaryClusters=0
[Run Options]
NumberParallelProcesses=0
SuppressWarnings=y
LogRunToHistoryFile=n
"""


def _satscan(binary: str, xy, loc, day, reps: int) -> dict:
    """Run SaTScan on the same data; its time and top test statistic."""
    import datetime as dt

    tmp = tempfile.mkdtemp(prefix="bench-satscan-")
    try:
        d0 = dt.date(2025, 1, 1)
        names = np.array([f"L{i}" for i in range(len(xy))])
        with open(f"{tmp}/bench.geo", "w") as f:
            for n, (x, y) in zip(names, xy, strict=True):
                f.write(f"{n} {x:.1f} {y:.1f}\n")
        keys, counts = np.unique(loc * DAYS + day, return_counts=True)
        with open(f"{tmp}/bench.cas", "w") as f:
            for k, c in zip(keys, counts, strict=True):
                date = d0 + dt.timedelta(int(k % DAYS))
                f.write(f"{names[k // DAYS]} {c} {date:%Y/%m/%d}\n")
        end = d0 + dt.timedelta(DAYS - 1)
        Path(f"{tmp}/bench.prm").write_text(
            _PRM.format(d=tmp, end=f"{end:%Y/%m/%d}", reps=reps))
        t0 = time.perf_counter()
        proc = subprocess.run([binary, f"{tmp}/bench.prm"], capture_output=True,
                              text=True, cwd=tmp)
        t = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(proc.stdout[-2000:] + proc.stderr[-2000:])
        text = Path(f"{tmp}/bench.txt").read_text()
        m = re.search(r"Test statistic\.*:\s*([0-9.]+)", text)
        return {"satscan_s": t, "satscan_llr": float(m.group(1)) if m else None}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _load() -> str:
    """The 1-minute load average as the run starts (the machine is shared)."""
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def run(quick: bool) -> list[dict]:
    """Both sizes (quick: 3,500 locations and 99 replicates only)."""
    sizes = [(3_500, 40_000)] if quick else [(3_500, 40_000), (100_000, 1_000_000)]
    reps = 99 if quick else 999
    binary = os.environ.get("VEERKRACHT_SATSCAN_BIN")
    rows = []
    tmp = tempfile.mkdtemp(prefix="bench-warning-")
    try:
        for n_loc, n_sig in sizes:
            xy, loc, day = synthetic(n_loc, n_sig)
            path = f"{tmp}/data_{n_loc}.npz"
            np.savez(path, xy=xy, loc=loc, day=day)
            load = _load()
            r = in_subprocess(_CASE.format(path=path, last=DAYS - 1, reps=reps))
            row = {"case": f"{n_loc:,} locations, {n_sig:,} signals, {reps} replicates",
                   "seconds": round(r["seconds"], 1),
                   "setup_s": round(r["first_batch_s"] or 0.0, 1),
                   "load": load,
                   "neighbours": round(r["neighbours"]),
                   "top_llr": round(r["llr"], 6), "observed": r["observed"],
                   "expected": round(r["expected"], 2),
                   "p_value": round(r["p_value"], 3), "peak_mib": r["peak_mib"]}
            if binary is None:
                row["satscan_s"] = "VEERKRACHT_SATSCAN_BIN not set"
            elif n_loc > 10_000 and not os.environ.get("VEERKRACHT_SATSCAN_LARGE"):
                row["satscan_s"] = "not run (set VEERKRACHT_SATSCAN_LARGE=1)"
            else:
                load = _load()
                s = _satscan(binary, xy, loc, day, reps)
                row["satscan_s"] = round(s["satscan_s"], 1)
                row["satscan_load"] = load
                row["ratio"] = round(s["satscan_s"] / r["seconds"], 1)
                row["satscan_llr"] = s["satscan_llr"]
                row["same_llr"] = (s["satscan_llr"] is not None
                                   and abs(s["satscan_llr"] - r["llr"]) < 1e-6)
            rows.append(row)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return rows
