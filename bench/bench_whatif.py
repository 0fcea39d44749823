"""What one placement does, and headroom: how fast the answers come.

On demo cities (`veerkracht demo --no-serve`, seed 20261124) of the sizes
in the table, or on the workspaces named in `VEERKRACHT_BENCH_WHATIF`
(`:`-separated paths of computed workspaces). In a fresh Python per city:
`build_s` reads the latest period's protected results, the dwellings and
the noise scales and builds the placement model (once per process; the web
keeps it); `whatif_median_s` / `whatif_p95_s` the door's answer
(`jobs.allocate.published_effect`) for 30 random dwellings and a random
category each, model built; `full_s` the baseline in the same run: the
same placement recomputed for every place of every level
(`PlacementModel.apply`), median over the same 30; `headroom_<level>_s`
the door's headroom of every place of a level for one category. The target
(issue 11): a what-if within 1 s. The what-if also finds the headroom before
and after (a bisection) and reads the door's visibility of three levels; the
bare recomputation of every place is twenty times faster, so the door and
the headroom, not the model update, are what a what-if costs.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from bench._measure import in_subprocess

SIZES = (12_000, 50_000)

_CASE = """
import time, numpy as np, pandas as pd
from veerkracht.store import open_workspace
from veerkracht.jobs import allocate
from veerkracht.analytics.allocation.categories import CATEGORIES
ws = open_workspace({path!r})
t0 = time.perf_counter(); model = allocate.placement_model(ws)
build = time.perf_counter() - t0
rng = np.random.default_rng(1)
ids = model.dwellings.index.to_numpy()
picks = rng.choice(len(ids), 30, replace=False)
allocate.published_effect(ws, ids[picks[0]], "zorg")  # the door's own caches
answer, full = [], []
for i in picks:
    cat = CATEGORIES[int(rng.integers(len(CATEGORIES)))]
    t = time.perf_counter(); allocate.published_effect(ws, ids[i], cat.code)
    answer.append(time.perf_counter() - t)
    t = time.perf_counter()
    model.apply(pd.DataFrame({{"address_id": [ids[i]], "category": [cat],
                              "urgent": [False], "count": [1]}}))
    full.append(time.perf_counter() - t)
room = {{}}
for lv in ("entrance", "block", "street"):
    t = time.perf_counter(); allocate.published_headroom(ws, lv, "zorg")
    room[lv] = time.perf_counter() - t
RESULT = {{"dwellings": int(len(ids)), "build_s": build,
          "whatif_median_s": float(np.median(answer)),
          "whatif_p95_s": float(np.quantile(answer, 0.95)),
          "full_s": float(np.median(full)),
          **{{f"headroom_{{k}}_s": v for k, v in room.items()}}}}
"""


def _workspaces(quick: bool) -> list[Path]:
    given = os.environ.get("VEERKRACHT_BENCH_WHATIF")
    if given:
        return [Path(p) for p in given.split(":") if p]
    from veerkracht.jobs.demo import build_demo
    from veerkracht.store import open_workspace

    out = []
    for n in (SIZES[:1] if quick else SIZES):
        folder = Path(tempfile.mkdtemp(prefix="vk-whatif-")) / "ws"
        build_demo(open_workspace(folder), n_dwellings=n if not quick else 1500,
                   years=1 if quick else 3)
        out.append(folder)
    return out


def run(quick: bool = False) -> list[dict]:
    rows = []
    for path in _workspaces(quick):
        row = in_subprocess(_CASE.format(path=str(path)))
        row["ratio_full_over_whatif"] = row["full_s"] / row["whatif_median_s"]
        row["within_1s"] = row["whatif_p95_s"] < 1.0
        row["load"] = os.getloadavg()[0]
        rows.append(row)
    return rows
