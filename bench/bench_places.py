"""Place derivation (`veerkracht places`): import + derivation of every level.

Case A reads the two real LJPc files (Groningen, Flevoland; ~551k addresses)
with `veerkracht.io.addresses.read_addresses` and derives entrances,
buildings, blocks, streets and areas with
`veerkracht.analytics.places.derive_places`. The baseline, measured in the same
run on the same frame, is a straightforward GeoPandas approach: `dissolve` per
front door and per street, and blocks as the union of 4.5 m buffers around the
address points joined back with `sjoin` (it derives less: no coincidence rule,
no building level, no stable ids). Case B is a national-size replica of ~9.5
million dwellings built by tiling the real addresses (each copy shifted by a
fixed RD offset of 300 km in x, ids, woonplaats and gemeente suffixed with the
copy number) and stored, with every address column, as the `addresses` table
of a file workspace (in a separate process, `build_s`). Then, in a fresh
process, `veerkracht.jobs.places.run_places` runs on that workspace exactly
as `veerkracht places` does: it reads only the columns the rules use (texts
as categoricals, points as x/y; `read_s`), derives (`derive_s`) and writes
every place table in one transaction (`write_s`); `seconds` is the whole
call. Peak MiB is the maximum resident set of the case's own process; for B
also the peak when reading and when deriving had finished. Targets: A < 30 s,
B < 300 s and < 8192 MiB.
"""

from __future__ import annotations

from bench._measure import in_subprocess

_READ = """
import time
from pathlib import Path
from veerkracht.io.addresses import read_addresses, combine_results
DATA = Path({data!r})
t0 = time.perf_counter()
addresses = combine_results([read_addresses(DATA / f"ljpc_adressen_{{p}}.csv.zst")
                             for p in ("Groningen", "Flevoland")])
t_import = time.perf_counter() - t0
"""

_CASE_A = _READ + """
from veerkracht.analytics.places import derive_places
t0 = time.perf_counter()
places = derive_places(addresses)
t_derive = time.perf_counter() - t0
RESULT = {{"rows": len(places.dwellings), "import_s": t_import, "derive_s": t_derive,
          "entrances": len(places.levels["entrance"]),
          "blocks": len(places.levels["block"])}}
"""

_BASELINE = _READ + """
import geopandas as gpd
import pandas as pd
t0 = time.perf_counter()
a = addresses[addresses["is_dwelling"]].copy()
a["huisletter"] = a["huisletter"].str.upper().fillna("")
door = ["gemeente", "woonplaats", "straat", "huisnummer", "huisletter"]
entrances = a[door + ["geometry"]].dissolve(by=door).centroid
streets = a[["gemeente", "woonplaats", "straat", "geometry"]].dissolve(
    by=["gemeente", "woonplaats", "straat"]).convex_hull
import shapely
blobs = gpd.GeoDataFrame(
    geometry=shapely.get_parts(a.buffer(4.5, resolution=4).union_all()), crs=a.crs)
blobs["block"] = range(len(blobs))
blocks = gpd.sjoin(a[["geometry"]], blobs, predicate="within")
t_base = time.perf_counter() - t0
RESULT = {{"rows": len(a), "import_s": t_import, "baseline_s": t_base,
          "entrances": len(entrances),
          "blocks": int(blocks["block"].nunique())}}
"""

_BUILD_B = _READ + """
import numpy as np
import pandas as pd
import geopandas as gpd
import shapely
from veerkracht.store import open_workspace
TARGET = {target}
t0 = time.perf_counter()
base = addresses[addresses["is_dwelling"]].reset_index(drop=True)
del addresses
xy = shapely.get_coordinates(base.geometry.values)
copies = -(-TARGET // len(base))
row = np.tile(np.arange(len(base)), copies)[:TARGET]
copy = np.repeat(np.arange(copies), len(base))[:TARGET]
tag = "-t" + pd.Series(copy).astype("str")
columns = {{}}
for col in base.columns.drop("geometry"):
    part = base[col].take(row).reset_index(drop=True)
    suffixed = col in ("address_id", "woonplaats", "gemeente")
    columns[col] = part + tag if suffixed else part
replica = gpd.GeoDataFrame(
    columns, geometry=shapely.points(xy[row, 0] + 300_000.0 * copy, xy[row, 1]),
    crs=28992)
del base, columns, tag, row, copy, xy
t_build = time.perf_counter() - t0
t0 = time.perf_counter()
ws = open_workspace({workspace!r})
with ws.transaction("import addresses", source="bench replica") as tx:
    tx.put("addresses", replica)
t_write = time.perf_counter() - t0
RESULT = {{"rows": len(replica), "columns": len(replica.columns),
          "build_s": t_build, "write_s": t_write}}
"""

_CASE_B = """
import resource
import time
from veerkracht.jobs.places import run_places
from veerkracht.store import open_workspace
marks = {{}}
t_start = time.perf_counter()

def progress(n=1, description=None, total=None):
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    marks[description] = (time.perf_counter() - t_start, rss)

ws = open_workspace({workspace!r})
places = run_places(ws, progress=progress)
t_all = time.perf_counter() - t_start
t_read, read_mib = marks["Plaatsen afleiden"]
t_derived, derive_mib = marks["Plaatsen opslaan"]
RESULT = {{"rows": len(places.dwellings), "read_s": t_read,
          "derive_s": t_derived - t_read, "write_s": t_all - t_derived,
          "run_s": t_all, "read_peak_mib": round(read_mib),
          "derive_peak_mib": round(derive_mib),
          "entrances": len(places.levels["entrance"]),
          "blocks": len(places.levels["block"])}}
"""


def _data() -> str:
    import os
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    return os.environ.get("VEERKRACHT_SHARED_DATA",
                          str(root.parent / "shared" / "data"))


def run(quick: bool) -> list[dict]:
    """Measure case A (real set, with baseline) and case B (replica)."""
    data = _data()
    rows = []
    a = in_subprocess(_CASE_A.format(data=data))
    base = in_subprocess(_BASELINE.format(data=data))
    ours = a["import_s"] + a["derive_s"]
    rows.append({
        "case": "A: import + derive places",
        "data": f"LJPc Groningen + Flevoland, {a['rows']:,} dwellings",
        "seconds": round(ours, 1),
        "import_s": round(a["import_s"], 1),
        "derive_s": round(a["derive_s"], 1),
        "peak_mib": a["peak_mib"],
        "baseline_seconds": round(base["import_s"] + base["baseline_s"], 1),
        "baseline_peak_mib": base["peak_mib"],
        "ratio": round((base["import_s"] + base["baseline_s"]) / ours, 2),
        "target": "< 30 s",
        "met": ours < 30,
    })
    target = 1_000_000 if quick else 9_500_000
    import shutil
    import tempfile

    tmp = tempfile.mkdtemp(prefix="bench-places-")
    try:
        workspace = f"{tmp}/ws"
        built = in_subprocess(_BUILD_B.format(data=data, target=target,
                                              workspace=workspace))
        b = in_subprocess(_CASE_B.format(workspace=workspace))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rows.append({
        "case": "B: run_places, national replica",
        "data": f"{b['rows']:,} dwellings (tiled LJPc, a workspace of "
                f"{built['columns']} address columns)",
        "seconds": round(b["run_s"], 1),
        "read_s": round(b["read_s"], 1),
        "derive_s": round(b["derive_s"], 1),
        "write_s": round(b["write_s"], 1),
        "build_s": round(built["build_s"] + built["write_s"], 1),
        "peak_mib": b["peak_mib"],
        "peak_mib_after_read": b["read_peak_mib"],
        "peak_mib_after_derive": b["derive_peak_mib"],
        "target": "< 300 s, < 8192 MiB",
        "met": b["run_s"] < 300 and b["peak_mib"] < 8192,
    })
    return rows
