"""What works: how long an evaluation, positive deviance and a library take.

On the default Voorbeeldstad (`veerkracht demo --no-serve`: 12,000 dwellings,
three years, seed 20261124, its three planted interventions on about 34
flats each and their combination), or on the workspace in
`VEERKRACHT_BENCH_EVALUATE`. In a fresh Python: `evaluate_s` is
`jobs.evaluate.run_evaluate` (4 treatments × 6 outcomes: panels, matching,
the estimate and a placebo each, stored); `one_att_s`, the baseline in the
same run, one bare `staggered_att` on the largest of those panels (the
living room's pressure signals with its matched places), median of 5;
`ratio` is `evaluate_s / (estimates × one_att_s)` with two estimates (the
effect and its placebo) per row: how much the panels, matching and storage
add to the estimator itself. `synth_s` is one synthetic control (ADR
0027: 30 donors, their 30 placebo fits and the placebo in time) on the
quarterly pressure signals of the first street of at least 100 dwellings,
median of 3; `synth_ratio` is it over `one_att_s`. `deviance_s` is
`published_deviance` of the blocks (two periods), `library_s`
`published_library` (export and check).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from bench._measure import in_subprocess

_CASE = """
import time, warnings, numpy as np
warnings.filterwarnings("ignore")
from veerkracht.store import open_workspace
from veerkracht.jobs import evaluate as ev, publish
from veerkracht.analytics.evaluation.evaluate import evaluate
from veerkracht.analytics.evaluation.did import staggered_att
from veerkracht.analytics.evaluation.panel import signal_panel
ws = open_workspace({path!r})
t = time.perf_counter(); s = ev.run_evaluate(ws); total = time.perf_counter() - t
period, st = publish.latest_statistics(ws, ["building"])
public = ev._public_places(st, publish.current_rules(ws))
panel = signal_panel(st, period, "pressure")
panel = panel[panel.place_id.isin(public)]
places = ws.read("intervention_places")
starts = ws.read("interventions").set_index("intervention_id")["start"]
mine = places[places.intervention_id == "demo-huiskamer"].place_id
import pandas as pd
one = evaluate(panel, pd.Series(starts["demo-huiskamer"], index=mine),
               "signals_pressure", excluded=set(places.place_id),
               rng=np.random.default_rng(1), placebo=False)
t_of = {{p: i + 1 for i, p in enumerate(one.periods)}}
frame = panel[panel.place_id.isin(set(one.treated) | set(one.comparison))].copy()
frame["period"] = frame["period"].map(t_of)
q = pd.Period(pd.Timestamp(starts["demo-huiskamer"]), "Q").strftime("%Y-Q%q")
first = {{p: t_of[q] for p in one.treated}}
frame["first_treated"] = frame.place_id.map(first).fillna(0).astype(int)
frame["place"] = pd.factorize(frame.place_id)[0] + 1
times = []
for _ in range(5):
    t = time.perf_counter()
    staggered_att(frame, "outcome")
    times.append(time.perf_counter() - t)
period, sst = publish.latest_statistics(ws, ["street"])
spub = ev._public_places(sst, publish.current_rules(ws))
spanel = signal_panel(sst, period, "pressure")
spanel = spanel[spanel.place_id.isin(spub)]
big = sorted(sst.loc[sst.place_id.isin(spub) & (sst.n_dwellings >= 100), "place_id"])
stimes = []
for _ in range(3):
    t = time.perf_counter()
    sc = evaluate(spanel, pd.Series(pd.Timestamp("2025-01-01"), index=big[:1]),
                  "signals_pressure", excluded=set(places.place_id),
                  rng=np.random.default_rng(1))
    stimes.append(time.perf_counter() - t)
assert sc.effect.method == "synth", sc.message
t = time.perf_counter()
d = ev.published_deviance(ws, "block")
dev = time.perf_counter() - t
t = time.perf_counter()
lib = ev.published_library(ws)
libt = time.perf_counter() - t
RESULT = {{"rows": s["rows"], "estimated": s["estimated"], "evaluate_s": total,
          "one_att_s": float(np.median(times)),
          "ratio": total / (2 * s["estimated"] * float(np.median(times))),
          "synth_s": float(np.median(stimes)),
          "synth_ratio": float(np.median(stimes)) / float(np.median(times)),
          "deviance_s": dev, "blocks": len(d), "library_s": libt,
          "entries": len(lib["entries"])}}
"""


def _workspace(quick: bool) -> Path:
    given = os.environ.get("VEERKRACHT_BENCH_EVALUATE")
    if given:
        return Path(given)
    from veerkracht.jobs.demo import build_demo
    from veerkracht.store import open_workspace

    folder = Path(tempfile.mkdtemp(prefix="vk-evaluate-")) / "ws"
    build_demo(open_workspace(folder), n_dwellings=4000 if quick else 12_000)
    return folder


def run(quick: bool = False) -> list[dict]:
    path = _workspace(quick)
    row = {"workspace": "Voorbeeldstad" if "vk-evaluate-" in str(path) else str(path)}
    row |= in_subprocess(_CASE.format(path=str(path)))
    row["load"] = os.getloadavg()[0]
    return [row]
