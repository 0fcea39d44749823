"""The model (`veerkracht compute`): indicators, shrinkage, scores, classes, disclosure.

Case A uses the real LJPc addresses of Groningen and Flevoland (~550k
dwellings): places from `veerkracht.analytics.places.derive_places`,
synthetic households and signals from
`veerkracht.synth.households_for_dwellings`, then
`veerkracht.analytics.model.compute.compute_model` for one period and
the publication door `veerkracht.analytics.publication.publish_places`. There are no
amenities, initiatives or professionals in the real data, so those
indicators are left out.

Case B is a national-size grid of ~9.5 million dwellings with pre-built
place ids (6 per entrance, 24 per building, 96 per block, 300 per street,
3,000 per buurt), synthetic households and signals, one amenity per 100
dwellings, one initiative and one professional per 1,000 and shared spaces
for every building: every indicator runs. Its seconds are the model and
disclosure alone (generating the inputs is reported separately), measured
in its own process. Target: < 600 s and < 8192 MiB for the whole run.
"""

from __future__ import annotations

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

_CASE_A = """
import time
from datetime import date
from pathlib import Path
import numpy as np
import pandas as pd
import shapely
from veerkracht.io.addresses import read_addresses, combine_results
from veerkracht.analytics.places import derive_places
from veerkracht.analytics.model.indicators import ModelInputs
from veerkracht.synth.households_for_dwellings import households_for_dwellings
DATA = Path({data!r})
addresses = combine_results([read_addresses(DATA / f"ljpc_adressen_{{p}}.csv.zst")
                             for p in ("Groningen", "Flevoland")])
places = derive_places(addresses)
dw = places.dwellings
xy = shapely.get_coordinates(dw.geometry.values)
frame = pd.DataFrame(dw.drop(columns="geometry"))
frame["x"], frame["y"] = xy[:, 0], xy[:, 1]
t0 = time.perf_counter()
hh, sig = households_for_dwellings(frame, None, seed=1, reference_date=date(2026, 1, 1),
                                   with_signals=True)
t_inputs = time.perf_counter() - t0
inputs = ModelInputs(frame, hh, sig)
""" + _COMPUTE + """
RESULT = {{"rows": len(frame), "households": len(hh), "signals": len(sig),
          "places": len(res), "inputs_s": t_inputs, "model_s": t_model,
          "disclosure_s": t_disc}}
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
        "case": f"{case}: compute_model + protect_place_results",
        "data": f"{label}; {inputs['households']:,} household tenures, "
                f"{inputs['signals']:,} signals, {r['places']:,} places",
        "seconds": round(r["model_s"] + r["disclosure_s"], 1),
        "model_s": round(r["model_s"], 1),
        "disclosure_s": round(r["disclosure_s"], 1),
        "inputs_s": round(inputs["inputs_s"], 1),
        "peak_mib": r["peak_mib"],
    }


def run(quick: bool) -> list[dict]:
    """Case A on the real addresses; case B on the national-size grid.

    Case B generates its inputs in one process and writes them to Parquet;
    the model runs in a fresh process that reads them, so its peak memory is
    the model's own (plus the input frames), not the generator's.
    """
    import tempfile
    from pathlib import Path

    data = Path(__file__).resolve().parents[2] / "shared" / "data"
    rows = []
    if (data / "ljpc_adressen_Groningen.csv.zst").exists() and not quick:
        r = in_subprocess(_CASE_A.format(data=str(data)))
        rows.append(_row("A", "LJPc Groningen + Flevoland", r, r))
    n_b = 1_000_000 if quick else 9_500_000
    with tempfile.TemporaryDirectory() as out:
        made = in_subprocess(_CASE_B.format(n=n_b, out=out))
        r = in_subprocess(_CASE_B_RUN.format(out=out))
    row = _row("B", f"grid, {n_b:,} dwellings (inputs read from Parquet in "
                    f"{r['read_s']:.0f} s)", r, made)
    rows.append(row)
    return rows
