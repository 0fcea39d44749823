"""Map layers of the web application on ~551k real addresses.

The real LJPc addresses (Groningen, Flevoland) are derived into places and
stored in a workspace; then `veerkracht.web.maps.services.layer` answers the
map's requests as the API does: streets at zoom 13 and entrances at zoom 17
around Groningen's centre, and every street of the two provinces at zoom 14
(capped by `VEERKRACHT_MAP_MAX_FEATURES`). "cold" includes simplifying and
reprojecting the whole level once (cached afterwards), "warm" is a repeated
request. The answer size is the GeoJSON sent to the browser. Targets: a warm
request < 0.5 s and < 2 MB.

The grey base (`veerkracht.web.maps.context`) around the centre at zoom 16:
the LJPc data hold no BAG footprints, so it is the street lines derived from
the addresses (cold: deriving them for both provinces, which `veerkracht
serve` does before it takes requests) and the buurt outlines; its answer
size is also given gzipped, as browsers get it. The place search
(`veerkracht.web.places.search`): building its index over the addresses and
place names (cold; also done before serving), then the candidates of an
address, a postcode and a street name (warm, per query; the user's filters
come on top).
"""

from __future__ import annotations

from bench._measure import in_subprocess

_CODE = """
import os, tempfile, time
from pathlib import Path
DATA = Path({data!r})
folder = tempfile.mkdtemp(prefix="vk-bench-map-")
os.environ["DJANGO_SETTINGS_MODULE"] = "veerkracht.web.conf.ci"
os.environ["VEERKRACHT_WORKSPACE"] = folder
from veerkracht.io.addresses import read_addresses, combine_results
from veerkracht.store import open_workspace
from veerkracht.jobs.places import run_places
ws = open_workspace(folder)
addresses = combine_results([read_addresses(DATA / f"ljpc_adressen_{{p}}.csv.zst")
                             for p in ("Groningen", "Flevoland")])
with ws.transaction("import") as tx:
    tx.put("addresses", addresses)
run_places(ws)
import django
django.setup()
from veerkracht.web import workspace
from veerkracht.web.maps import services
streets = frozenset(workspace.table("place_street")["place_id"].astype(str))
entrances = frozenset(workspace.table("place_entrance")["place_id"].astype(str))
centre = (6.54, 53.20, 6.59, 53.23)
def ask(level, visible, bbox, zoom):
    t0 = time.perf_counter()
    answer = services.layer(level, visible, bbox=bbox, zoom=zoom)
    body = services.render(answer)
    n = answer["meta"].get("total", answer["meta"]["count"])
    return time.perf_counter() - t0, len(body), n
RESULT = {{"dwellings": len(workspace.table("dwellings")),
          "streets": len(streets), "entrances": len(entrances)}}
for name, level, visible, bbox, zoom in [
        ("street_z13_centre", "street", streets, centre, 13),
        ("entrance_z17_centre", "entrance", entrances,
         (6.563, 53.216, 6.570, 53.220), 17),
        ("street_z14_all", "street", streets, (3, 50, 9, 54), 14)]:
    cold, size, n = ask(level, visible, bbox, zoom)
    warm, size, n = ask(level, visible, bbox, zoom)
    RESULT[name] = {{"cold_s": cold, "warm_s": warm, "bytes": size, "places": n}}
import gzip
from veerkracht.web.maps import context
from veerkracht.web.places import search
def base(bbox, zoom):
    t0 = time.perf_counter()
    body = context.render(context.context(bbox, zoom))
    return time.perf_counter() - t0, body
cold, body = base(centre, 16)
warm, body = base(centre, 16)
RESULT["context_z16_centre"] = {{"cold_s": cold, "warm_s": warm, "bytes": len(body),
    "gz_bytes": len(gzip.compress(body, 5)), "places": body.count(b'"Feature"')}}
t0 = time.perf_counter()
index = search._index()
cold = time.perf_counter() - t0
queries = ["Oude Ebbingestraat 15", "9712 AB 19", "Herestraat", "brug"]
t0 = time.perf_counter()
found = sum(len(index.candidates(q)) for q in queries * 5)
warm = (time.perf_counter() - t0) / (len(queries) * 5)
RESULT["search_index"] = {{"cold_s": cold, "warm_s": warm, "bytes": 0,
                          "places": found // 5}}
"""


def run(quick: bool) -> list[dict]:
    """One row per request kind (cold and warm seconds, answer size)."""
    from tests.conftest import SHARED_DATA

    result = in_subprocess(_CODE.format(data=str(SHARED_DATA)))
    rows = []
    for case in ("street_z13_centre", "entrance_z17_centre", "street_z14_all",
                 "context_z16_centre", "search_index"):
        r = result[case]
        what = {"context_z16_centre": "base features in view",
                "search_index": "candidates of 4 queries"}.get(case, "places in view")
        note = ("capped: asks to zoom in" if r["bytes"] < 2048 and r["places"]
                and case.startswith(("street", "entrance")) else "")
        if "gz_bytes" in r:
            note = f"{r['gz_bytes'] / 1024:.0f} KiB gzipped"
        rows.append({
            "case": case,
            "data": f"{result['dwellings']:,} dwellings; {r['places']:,} {what}",
            "seconds": round(r["warm_s"], 3),
            "cold_seconds": round(r["cold_s"], 2),
            "answer_kib": round(r["bytes"] / 1024, 1),
            "note": note,
            "peak_mib": result["peak_mib"],
        })
    return rows
