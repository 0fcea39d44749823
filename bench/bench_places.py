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
copy number); its seconds are the derivation alone, the replica build is
reported separately. Peak MiB is the maximum resident set of the case's own
process (for B also the peak before derivation started, i.e. import and the
in-memory replica). Targets: A < 30 s, B < 300 s and < 8192 MiB.
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

_CASE_B = _READ + """
import numpy as np
import pandas as pd
import geopandas as gpd
import shapely
from veerkracht.analytics.places import derive_places
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
import resource
build_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t0 = time.perf_counter()
places = derive_places(replica)
t_derive = time.perf_counter() - t0
RESULT = {{"rows": len(places.dwellings), "import_s": t_import, "build_s": t_build,
          "derive_s": t_derive, "build_peak_mib": round(build_mib),
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
    b = in_subprocess(_CASE_B.format(data=data, target=target))
    rows.append({
        "case": "B: derive places, national replica",
        "data": f"{b['rows']:,} dwellings (tiled LJPc)",
        "seconds": round(b["derive_s"], 1),
        "import_s": round(b["import_s"], 1),
        "derive_s": round(b["derive_s"], 1),
        "build_s": round(b["build_s"], 1),
        "peak_mib": b["peak_mib"],
        "peak_mib_before_derive": b["build_peak_mib"],
        "target": "< 300 s, < 8192 MiB",
        "met": b["derive_s"] < 300 and b["peak_mib"] < 8192,
    })
    return rows
