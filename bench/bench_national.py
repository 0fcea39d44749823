"""One national run, end to end, as a user runs it (issue 13, point 3).

Case A is the whole chain on the national-size LJPc-layout replica (about
9.8 million rows, built once by `bench_import`, see there) in one fresh
file workspace, each step its own `veerkracht` process in sequence, exactly
the commands a user types:

    veerkracht -w W import addresses REPLICA.csv.zst
    veerkracht -w W places
    veerkracht -w W synth households --seed 1 --signals
    veerkracht -w W compute --period 2025
    veerkracht -w W warn run

`warn run` is run with its defaults (analysis date = the last day with a
signal, 999 Monte-Carlo replicates with the early stop, 1000 m / 28 days,
365 study days, quiet test, hotspots and low scan on, local scheduler).
Without `--max-radius` it runs at the largest radius (a multiple of 10 m)
at which its scans fit their memory limit when 1000 m does not, and says
so; the step's note gives that line. Should it still refuse (not even
10 m fits), the chain does what the refusal says, as a user would: it
runs `warn run --max-radius R` once more, R the radius the message names,
rounded down to 10 m; both runs count in the chain's time. Every step runs
under `nice -n 10` and GNU `/usr/bin/time -v`: `seconds` is its wall time,
`cpu_s` user + system time, `peak_mib` the maximum resident set size of
the step's process (`time -v` reads it from `wait4`, so it is the step's
own peak, not a sum over steps). `load` is the 1-minute load average from
/proc/loadavg at the start and at the end of the step (the machine is
shared). Targets: every step's peak under 8 GiB (8192 MiB), the whole chain
under 20 minutes on this 2-core machine.

Case B is the real Groningen province (LJPc, about 328k addresses):
import, places and synth are set up untimed, then in one run the whole
`veerkracht compute --period 2025` (its own process, timed as in case A)
and, in a fresh process right after it, a plain
`scipy.spatial.cKDTree(xy).query(xy, k=1600, workers=2)` on the same
dwelling points (in chunks of 20,000 query points so memory stays sane;
the tree build is included). Target: the whole compute at least 3 times
faster than that query (`ratio` = query seconds / compute seconds).

Case C is case A's chain on a PostgreSQL workspace, the production store
(ADR 0001): the same commands with `--workspace postgresql://…/DB`, DB a
fresh database on the project's throw-away server (`scripts/pg-test-server.sh`,
or `$VEERKRACHT_BENCH_PG_URL`), dropped afterwards. `peak_mib` is the
`veerkracht` process's own; the server's memory (its shared buffers and
backends) is not in it, and the last row gives the database's size on
disk. `VEERKRACHT_BENCH_PG_ROWS` sets its replica's size (default: case A's);
without a server the case says so in one row.

`python -m bench national --quick` runs cases A and C on a 1 million row
replica and skips case B; `VEERKRACHT_BENCH_CASES=A,C` runs only the cases
named (default all three), `VEERKRACHT_BENCH_ROWS` sets the replica's size,
`VEERKRACHT_BENCH_KEEP=1` keeps case A's workspace and per-step logs (in
`$VEERKRACHT_BENCH_SCRATCH`, default the system temp folder).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._measure import drop_database, fresh_database, in_subprocess, pg_server_url
from bench.bench_import import NATIONAL_ROWS, _data, _scratch, replica

ROOT = Path(__file__).resolve().parents[1]
VEERKRACHT = str(Path(sys.executable).with_name("veerkracht"))
PEAK_TARGET_MIB = 8 * 1024
CHAIN_TARGET_S = 20 * 60

_KDTREE = """
import time
import numpy as np
from scipy.spatial import cKDTree
from veerkracht.store import open_workspace
with open_workspace({ws!r}) as ws:
    dw = ws.read_points("dwellings", ["address_id", "geometry"])
xy = np.column_stack([dw["x"].to_numpy(float), dw["y"].to_numpy(float)])
del dw
t0, c0 = time.perf_counter(), time.process_time()
tree = cKDTree(xy)
far = 0.0
for s in range(0, len(xy), 20000):
    d, _ = tree.query(xy[s:s + 20000], k=1600, workers=2)
    far = max(far, float(d[:, -1].max()))
RESULT = {{"points": len(xy), "query_s": time.perf_counter() - t0,
          "cpu_s": time.process_time() - c0, "max_k1600_m": far}}
"""


def _load() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def _time_v(path: Path) -> dict:
    out = {}
    for line in path.read_text().splitlines():
        key, _, value = line.strip().rpartition(": ")
        out[key] = value
    return out


def step(ws: str, argv: list[str], log: Path) -> dict:
    """Run one `veerkracht` command in its own process; time and peak memory."""
    tv = log.with_suffix(".time")
    load0 = _load()
    t0 = time.perf_counter()
    with log.open("w") as fh:
        proc = subprocess.run(
            ["nice", "-n", "10", "/usr/bin/time", "-v", "-o", str(tv),
             VEERKRACHT, "--workspace", ws, *argv],
            stdout=fh, stderr=subprocess.STDOUT,
        )
    wall = time.perf_counter() - t0
    info = _time_v(tv)
    cpu = float(info.get("User time (seconds)", 0)) + float(
        info.get("System time (seconds)", 0))
    row = {
        "step": "veerkracht " + " ".join(argv),
        "seconds": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "peak_mib": round(int(info.get("Maximum resident set size (kbytes)", 0))
                          / 1024),
        "load": f"{load0} → {_load()}",
        "exit": proc.returncode,
    }
    print(row, file=sys.stderr, flush=True)
    return row


def chain(replica_path: Path, ws: str, logs: Path) -> list[dict]:
    """Case A: the five commands in sequence; stops at the first failure."""
    steps = [
        ["import", "addresses", str(replica_path)],
        ["places"],
        ["synth", "households", "--seed", "1", "--signals"],
        ["compute", "--period", "2025"],
        ["warn", "run"],
    ]
    rows = []
    for i, argv in enumerate(steps):
        log = logs / f"{i}-{argv[0]}.log"
        row = step(ws, argv, log)
        rows.append(row)
        if row["exit"] == 0 and argv[0] == "warn":
            row["note"] = fitted_radius_note(log.read_text())
        if row["exit"] != 0:
            row["note"] = "failed: " + _last_message(log)
            radius = advised_radius(log.read_text())
            if argv[0] != "warn" or radius is None:
                break
            # what the refusal tells the user to do, done as a user would:
            # the same command with the largest radius it says fits
            retry = [*argv, "--max-radius", str(radius)]
            row = step(ws, retry, logs / f"{i}-{argv[0]}-retry.log")
            row["note"] = "the radius the refusal above advises, rounded down to 10 m"
            if row["exit"] != 0:
                row["note"] += "; failed: " + _last_message(
                    logs / f"{i}-{argv[0]}-retry.log")
            rows.append(row)
            break
    return rows


def fitted_radius_note(text: str) -> str:
    """The run's line on the radius it fitted ('Grootste straal 170 m in
    plaats van 1000 m'), or that it ran at the asked radius."""
    m = re.search(r"Grootste\s+straal\s+(\d+)\s+m\s+in\s+plaats\s+van\s+(\d+)\s+m",
                  text)
    if m is None:
        return "ran at the asked radius"
    return (f"radius fitted to the memory limit: {m.group(1)} m instead of "
            f"{m.group(2)} m")


def advised_radius(text: str) -> int | None:
    """The largest radius (m, rounded down to 10 m) the scan's refusal says
    fits ('bij deze dichtheid past een straal tot 179 m'), or None."""
    m = re.search(r"past\s+een\s+straal\s+tot\s+([\d.]+)\s+m", text)  # wrapped
    if m is None:
        return None
    fit = int(m.group(1).replace(".", ""))
    return fit // 10 * 10 if fit >= 10 else None


def _last_message(log: Path, limit: int = 400) -> str:
    """The step's last paragraph (its error), unwrapped onto one line."""
    text = log.read_text()[-4000:].strip()
    last = text.split("\n\n")[-1]
    return " ".join(line.strip() for line in last.splitlines())[:limit]


def case_a(target: int) -> list[dict]:
    """Case A: the chain on a ``target`` row replica, one row per step."""
    path, _ = replica(target)
    ws_root = Path(tempfile.mkdtemp(prefix="bench-national-", dir=_scratch()))
    try:
        logs = ws_root / "logs"
        logs.mkdir()
        steps = chain(path, str(ws_root / "ws"), logs)
    finally:
        if not os.environ.get("VEERKRACHT_BENCH_KEEP"):
            shutil.rmtree(ws_root, ignore_errors=True)
    return _chain_rows(f"A: {target:,} row replica", steps)


def case_c(target: int) -> list[dict]:
    """Case C: the same chain on a fresh PostgreSQL database."""
    label = f"C: {target:,} row replica, PostgreSQL"
    server = pg_server_url()
    if server is None:
        return [{"case": label, "note": "no PostgreSQL could be started"}]
    path, _ = replica(target)
    db = f"vk_bench_national_{os.getpid()}"
    url = fresh_database(server, db)
    ws_root = Path(tempfile.mkdtemp(prefix="bench-national-pg-", dir=_scratch()))
    try:
        logs = ws_root / "logs"
        logs.mkdir()
        steps = chain(path, url, logs)
        size = subprocess.run(
            ["psql", url, "-At", "-c",
             "SELECT pg_size_pretty(pg_database_size(current_database()))"],
            capture_output=True, text=True).stdout.strip()
    finally:
        drop_database(server, db)
        shutil.rmtree(ws_root, ignore_errors=True)
    rows = _chain_rows(label, steps)
    rows[-1]["note"] += f"; database {size or '?'} on disk"
    return rows


def _chain_rows(label: str, steps: list[dict]) -> list[dict]:
    """One row per step, then the whole chain against the targets."""
    rows = [{"case": label, **r} for r in steps]
    total = sum(r["seconds"] for r in steps)
    # complete when every command ran, the last (warn) after its retry
    ok = (steps[-1]["exit"] == 0 and steps[-1]["step"].startswith("veerkracht warn")
          and all(r["exit"] == 0 for r in steps[:4]))
    peak = max(r["peak_mib"] for r in steps)
    fast = ok and total < CHAIN_TARGET_S
    rows.append({
        "case": label,
        "step": "whole chain" + ("" if ok else " (incomplete)"),
        "seconds": round(total, 1),
        "cpu_s": round(sum(r["cpu_s"] for r in steps), 1),
        "peak_mib": peak,
        "note": (f"peak {'under' if peak < PEAK_TARGET_MIB else 'OVER'} 8 GiB; "
                 + (f"chain {'under' if fast else 'NOT under'} 20 min" if ok else
                    f"chain NOT complete ({steps[-1]['step'].split()[1]} failed; "
                    f"{total / 60:.1f} min up to there)")),
    })
    return rows


def case_b() -> list[dict]:
    """Case B: Groningen's whole compute beside a k=1600 query of its points."""
    real = Path(_data()) / "ljpc_adressen_Groningen.csv.zst"
    ws_root = Path(tempfile.mkdtemp(prefix="bench-groningen-", dir=_scratch()))
    try:
        ws = str(ws_root / "ws")
        logs = ws_root / "logs"
        logs.mkdir()
        for i, argv in enumerate([["import", "addresses", str(real)], ["places"],
                                  ["synth", "households", "--seed", "1",
                                   "--signals"]]):
            if step(ws, argv, logs / f"setup{i}.log")["exit"]:
                raise RuntimeError(f"setup failed: {argv}")
        comp = step(ws, ["compute", "--period", "2025"], logs / "compute.log")
        if comp["exit"]:
            raise RuntimeError("compute failed")
        load0 = _load()
        kd = in_subprocess(_KDTREE.format(ws=ws))
    finally:
        shutil.rmtree(ws_root, ignore_errors=True)
    ratio = kd["query_s"] / comp["seconds"]
    return [
        {"case": "B: LJPc Groningen", **comp,
         "note": f"{kd['points']:,} dwellings"},
        {"case": "B: LJPc Groningen",
         "step": "cKDTree(xy).query(xy, k=1600, workers=2), same points",
         "seconds": round(kd["query_s"], 1),
         "cpu_s": round(kd["cpu_s"], 1),
         "peak_mib": kd["peak_mib"],
         "load": f"{load0} → {_load()}",
         "note": f"ratio {ratio:.2f} (query / compute wall time; target ≥ 3: "
                 f"{'met' if ratio >= 3 else 'NOT met'}); CPU-time ratio "
                 f"{kd['cpu_s'] / max(comp['cpu_s'], 1e-9):.2f}"},
    ]


def run(quick: bool) -> list[dict]:
    """Case A (national replica chain), case B (Groningen, compute vs k=1600)
    and case C (case A's chain on PostgreSQL)."""
    target = 1_000_000 if quick else int(os.environ.get("VEERKRACHT_BENCH_ROWS",
                                                        NATIONAL_ROWS))
    cases = chosen_cases(os.environ.get("VEERKRACHT_BENCH_CASES", ""))
    rows = case_a(target) if "A" in cases else []
    if not quick and "B" in cases:
        rows += case_b()
    if "C" in cases:
        rows += case_c(1_000_000 if quick else int(
            os.environ.get("VEERKRACHT_BENCH_PG_ROWS", target)))
    return rows


def chosen_cases(raw: str) -> set[str]:
    """The cases ``$VEERKRACHT_BENCH_CASES`` names ('A,C'; empty: all)."""
    cases = {c.strip().upper() for c in raw.split(",") if c.strip()} or {"A", "B", "C"}
    if not cases <= {"A", "B", "C"}:
        raise SystemExit(f"VEERKRACHT_BENCH_CASES: unknown case in {raw!r} "
                         "(choose from A, B, C)")
    return cases
