"""Address import (`veerkracht import addresses`), streaming, real and national.

Case A imports the two real LJPc files (Groningen, Flevoland; 551,185 rows)
in one call of the command line into a fresh file workspace, exactly as a
user would (`veerkracht import addresses G.csv.zst F.csv.zst`): reading,
checking, duplicate rules, one transaction. Case B does the same with one
national-size replica file of the LJPc layout (about 9.8 million rows): the
two real files repeated, each copy with its own postcodes (the real
postcodes renumbered, so every key stays unique) and its points shifted by
whole tenths of a degree inside the Netherlands; written once as `.csv.zst`
to a scratch folder (`$VEERKRACHT_BENCH_SCRATCH`, default the system temp
folder) and reused. `read_s` is `read_addresses` alone in its own process,
`seconds` the whole command; peak MiB is the maximum resident set of each
case's own process. The baseline row parses the same replica the way the
reader did before streaming (whole file decompressed, decoded and parsed
into one frame of strings; no checks at all), for comparison.
The national file's expanded size is compared with the default size limit
(`VEERKRACHT_IMPORT_MAX_MB`, 2048 MiB).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from bench._measure import in_subprocess

#: Rows of the national LJPc file (BAG, 2024: about 9.8 million addresses).
NATIONAL_ROWS = 9_800_000

_CLI = """
import time
from veerkracht.cli.main import main
t0 = time.perf_counter()
try:
    main(["--workspace", {workspace!r}, "import", "addresses", *{files!r}])
except SystemExit as exc:
    if exc.code not in (0, None):
        raise
t_all = time.perf_counter() - t0
from veerkracht.store import open_workspace
with open_workspace({workspace!r}) as ws:
    rows = [t.rows for t in ws.tables() if t.name == "addresses"][0]
RESULT = {{"rows": rows, "seconds": t_all}}
"""

_READ = """
import time
from veerkracht.io.addresses import read_addresses
t0 = time.perf_counter()
r = read_addresses({path!r})
RESULT = {{"rows": len(r.frame), "rows_read": r.summary["rows_read"],
          "merged": r.summary["duplicates_merged"],
          "read_s": time.perf_counter() - t0}}
"""

_OLD_PARSE = """
import time
from veerkracht.io._common import decode, read_bytes, read_csv_text
t0 = time.perf_counter()
raw = read_bytes({path!r})
text = decode(raw, "x")
frame, lines = read_csv_text(text, "x")
RESULT = {{"rows": len(frame), "read_s": time.perf_counter() - t0,
          "expanded_mib": round(len(raw) / 2**20)}}
"""

_BUILD = """
import time
import numpy as np
import pandas as pd
import zstandard
from pathlib import Path
DATA = Path({data!r})
TARGET = {target}
t0 = time.perf_counter()
parts = [pd.read_csv(DATA / f"ljpc_adressen_{{p}}.csv.zst", sep=";", dtype=str,
                     keep_default_na=False) for p in ("Groningen", "Flevoland")]
base = pd.concat(parts, ignore_index=True)
codes = pd.Index(sorted(base["postcode"].unique()))
j = codes.get_indexer(base["postcode"])
lat = base["lat"].astype(float).to_numpy()
lon = base["lon"].astype(float).to_numpy()
letters = np.array([a + b for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                    for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"])
copies = -(-TARGET // len(base))
written = 0
out = Path({path!r})
tmp = out.with_suffix(".part")
with tmp.open("wb") as fh, zstandard.ZstdCompressor(level=3).stream_writer(fh) as w:
    for k in range(copies):
        n = min(len(base), TARGET - written)
        part = base.iloc[:n].copy()
        idx = k * len(codes) + j[:n]
        part["postcode"] = np.char.add(np.char.mod("%04d", 1000 + idx // 676),
                                       letters[idx % 676])
        part["lat"] = np.char.mod("%.8f", lat[:n] - (k % 6) * 0.2)
        part["lon"] = np.char.mod("%.8f", lon[:n] - (k // 6) * 0.7)
        w.write(part.to_csv(sep=";", index=False, header=k == 0).encode())
        written += n
tmp.replace(out)
RESULT = {{"rows": written, "build_s": time.perf_counter() - t0,
          "zst_mib": round(out.stat().st_size / 2**20)}}
"""


def _data() -> str:
    root = Path(__file__).resolve().parents[1]
    return os.environ.get("VEERKRACHT_SHARED_DATA",
                          str(root.parent / "shared" / "data"))


def _scratch() -> Path:
    path = Path(os.environ.get("VEERKRACHT_BENCH_SCRATCH",
                               Path(tempfile.gettempdir()) / "veerkracht-bench"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def replica(target: int) -> tuple[Path, dict]:
    """The replica file of ``target`` rows, built once (then reused)."""
    path = _scratch() / f"ljpc_adressen_replica_{target}.csv.zst"
    if path.exists():
        return path, {"rows": target, "build_s": 0.0,
                      "zst_mib": round(path.stat().st_size / 2**20)}
    built = in_subprocess(_BUILD.format(data=_data(), target=target, path=str(path)))
    return path, built


def _cli(files: list[str]) -> dict:
    tmp = tempfile.mkdtemp(prefix="bench-import-")
    try:
        return in_subprocess(_CLI.format(workspace=f"{tmp}/ws", files=files))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(quick: bool) -> list[dict]:
    """Case A (real provinces), case B (national replica) and the baseline."""
    data = Path(_data())
    real = [str(data / f"ljpc_adressen_{p}.csv.zst") for p in ("Groningen",
                                                               "Flevoland")]
    rows = []
    a = _cli(real)
    a_read = in_subprocess(_READ.format(path=real[0]))
    rows.append({
        "case": "A: import addresses, Groningen + Flevoland",
        "rows": f"{a['rows']:,}",
        "seconds": round(a["seconds"], 1),
        "read_s": f"{a_read['read_s']:.1f} (Groningen only)",
        "peak_mib": a["peak_mib"],
    })
    target = 1_000_000 if quick else int(os.environ.get("VEERKRACHT_BENCH_ROWS",
                                                        NATIONAL_ROWS))
    path, built = replica(target)
    b_read = in_subprocess(_READ.format(path=str(path)))
    b = _cli([str(path)])
    old = in_subprocess(_OLD_PARSE.format(path=str(path)))
    rows.append({
        "case": "B: import addresses, national replica (one .csv.zst)",
        "rows": f"{b['rows']:,} of {b_read['rows_read']:,} read",
        "seconds": round(b["seconds"], 1),
        "read_s": round(b_read["read_s"], 1),
        "peak_mib": b["peak_mib"],
        "read_peak_mib": b_read["peak_mib"],
        "file": f"{built['zst_mib']} MiB .zst, {old['expanded_mib']} MiB expanded "
                "(limit 2048)",
        "build_s": round(built["build_s"], 1),
    })
    rows.append({
        "case": "baseline: old whole-file parse of B (no checks)",
        "rows": f"{old['rows']:,}",
        "read_s": round(old["read_s"], 1),
        "peak_mib": old["peak_mib"],
    })
    return rows
