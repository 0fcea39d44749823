"""Residents' reports under load, against the served set-up on loopback.

`veerkracht serve` (gunicorn, 2 workers × 8 threads here, the served
production path) runs on the demo city (Voorbeeldstad, `veerkracht demo
--no-serve`) in its own process; a second process drives anonymous
`POST /api/signals/` reports (JSON, one address of the city, a unique
idempotency key each) at a fixed rate for `seconds`, open loop (a request is
sent on schedule whether or not earlier ones have answered; 64 client
threads). Recorded: the rate asked and achieved (answers per second over the
run), p50/p95/p99 latency, errors (any answer but 201, or none), and whether
every accepted report is stored exactly once (counted in the web database
by idempotency key afterwards: `stored` = distinct keys, `duplicates` = rows
beyond one per key, `lost` = accepted but not stored), and the CPU spent
per answered report by the server's processes (`server_cpu_ms`: gunicorn
master and workers) and by PostgreSQL's processes for the run's database
(`db_cpu_ms`), with the machine's 1-minute load average before and after
(`load_1min`: the machine is shared, and a busy one gives the run less).

Cases: the SQLite default (`web.sqlite3` in the workspace, WAL with `BEGIN
IMMEDIATE`) at 50 per second, and PostgreSQL (the project's own throw-away
server, `scripts/pg-test-server.sh`, as `DATABASE_URL`) at 200 per second
when it can be started. Targets (the weekly-tool issue): 0 errors at 50 per
second on SQLite; 200 per second with p95 under 500 ms and 0 lost on
PostgreSQL. The load generator shares the 2 cores with the server, so the
achieved rate is a floor for what the server alone can do. All reports come
from one address, so the per-address limit on anonymous reports is switched
off for the run (`VEERKRACHT_REPORT_LIMIT=0`).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench._measure import drop_database, fresh_database, pg_server_url

ROOT = Path(__file__).resolve().parents[1]
VEERKRACHT = str(Path(sys.executable).with_name("veerkracht"))

_DRIVE = r"""
import json, sys, time, threading, urllib.request
from concurrent.futures import ThreadPoolExecutor
url, rate, seconds, prefix, body_json = sys.argv[1], float(sys.argv[2]), \
    float(sys.argv[3]), sys.argv[4], sys.argv[5]
base = json.loads(body_json)
out = []
lock = threading.Lock()
def one(i):
    body = dict(base, idempotency_key=f"{prefix}-{i}")
    req = urllib.request.Request(url, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            code = r.status
    except urllib.error.HTTPError as e:
        code = e.code
    except Exception:
        code = 0
    with lock:
        out.append((code, time.perf_counter() - t0, i))
n = int(rate * seconds)
start = time.perf_counter()
with ThreadPoolExecutor(64) as pool:
    for i in range(n):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        pool.submit(one, i)
span = time.perf_counter() - start
print(json.dumps({"span": span, "results": out}))
"""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _address(ws: Path) -> dict:
    """One address of the demo city (postcode and number) to report at: one
    without a toevoeging, so the number alone names it."""
    import pandas as pd

    from veerkracht.store import open_workspace

    with open_workspace(ws) as w:
        a = pd.DataFrame(w.read("addresses",
                                columns=["postcode", "huisnummer", "toevoeging"]))
    key = a["postcode"].astype(str) + " " + a["huisnummer"].astype(str)
    alone = a[~key.duplicated(keep=False) & a["postcode"].notna()].iloc[0]
    return {"postcode": str(alone["postcode"]), "huisnummer": int(alone["huisnummer"])}


def _serve(ws: Path, port: int, env: dict) -> subprocess.Popen:
    proc = subprocess.Popen(
        [VEERKRACHT, "--workspace", str(ws), "serve", "--port", str(port),
         "--workers", "2", "--threads", "8"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        start_new_session=True)
    import urllib.request

    deadline = time.monotonic() + 180
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/inloggen/", timeout=5)
            return proc
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "server did not start: " + proc.stderr.read()[-2000:]) from None
            time.sleep(0.3)


def _stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def _stored(ws: Path, prefix: str, env: dict) -> tuple[int, int]:
    """(distinct keys stored, rows) for this run's idempotency keys."""
    code = (
        "import django, json; django.setup();"
        "from veerkracht.web.signals.models import Signal;"
        f"q = Signal.objects.filter(form_token__startswith='api:{prefix}-');"
        "print(json.dumps([q.values('form_token').distinct().count(), q.count()]))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True, cwd=ROOT)
    keys, rows = json.loads(out.stdout.strip().splitlines()[-1])
    return keys, rows


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(round(q * (len(v) - 1))))]


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes so far (Linux ``/proc``; 0 elsewhere)."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def _server_pids(proc: subprocess.Popen) -> list[int]:
    """The gunicorn master and its workers (the server's own session)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getsid(int(entry.name)) == proc.pid:
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def _backend_pids(env: dict) -> list[int]:
    """PostgreSQL's server processes for this run's database (none on SQLite)."""
    url = env.get("DATABASE_URL", "")
    if not url:
        return []
    db = url.rsplit("/", 1)[1]
    found = subprocess.run(["pgrep", "-f", f"postgres: .* {db} "],
                           capture_output=True, text=True)
    return [int(p) for p in found.stdout.split()]


def case(name: str, ws: Path, env: dict, rate: float, seconds: float) -> dict:
    port = _port()
    proc = _serve(ws, port, env)
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    body = {"category": "noise", "location": _address(ws),
            "description": "Belastingproef: harde muziek."}
    load_before = os.getloadavg()[0]
    try:
        server, backends = _server_pids(proc), _backend_pids(env)
        cpu0 = _cpu_seconds(server), _cpu_seconds(backends)
        drive = subprocess.run(
            [sys.executable, "-c", _DRIVE, f"http://127.0.0.1:{port}/api/signals/",
             str(rate), str(seconds), prefix, json.dumps(body)],
            capture_output=True, text=True, check=True, timeout=seconds + 120)
        backends = sorted(set(backends) | set(_backend_pids(env)))
        # (backends that started during the run count from 0: a slight
        # overcount of their start-up)
        cpu1 = _cpu_seconds(server), _cpu_seconds(backends)
    finally:
        _stop(proc)
    load_after = os.getloadavg()[0]
    got = json.loads(drive.stdout)
    results = got["results"]
    ok = [r for r in results if r[0] == 201]
    lat = [r[1] * 1000 for r in results]
    keys, rows = _stored(ws, prefix, env)
    return {
        "case": name, "asked_per_s": rate, "seconds": seconds,
        "sent": int(rate * seconds), "answered": len(results),
        "achieved_per_s": round(len(results) / got["span"], 1),
        "p50_ms": round(_percentile(lat, 0.5), 1),
        "p95_ms": round(_percentile(lat, 0.95), 1),
        "p99_ms": round(_percentile(lat, 0.99), 1),
        "errors": len(results) - len(ok) + (int(rate * seconds) - len(results)),
        "accepted": len(ok), "stored": keys, "duplicates": rows - keys,
        "lost": len(ok) - keys,
        "server_cpu_ms": round(1000 * (cpu1[0] - cpu0[0]) / max(len(results), 1), 2),
        "db_cpu_ms": round(1000 * (cpu1[1] - cpu0[1]) / max(len(results), 1), 2),
        "load_1min": f"{load_before:.1f}→{load_after:.1f}",
    }


def run(quick: bool) -> list[dict]:
    seconds = 15.0 if quick else 60.0
    tmp = Path(tempfile.mkdtemp(prefix="bench-web-load-"))
    rows = []
    try:
        ws = tmp / "ws"
        env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
        subprocess.run([VEERKRACHT, "--workspace", str(ws), "demo", "--no-serve"],
                       env=env, check=True, capture_output=True, timeout=900)
        # one client address sends every report: the per-address limit on
        # anonymous reports (VEERKRACHT_REPORT_LIMIT) is off for the run
        sqlite_env = {**env, "VEERKRACHT_WORKSPACE": str(ws),
                      "DJANGO_SETTINGS_MODULE": "veerkracht.web.conf.dev",
                      "VEERKRACHT_REPORT_LIMIT": "0"}
        rows.append(case("SQLite default (web.sqlite3, WAL)", ws, sqlite_env, 50.0,
                         seconds))
        url = pg_server_url()
        if url is None:
            rows.append({"case": "PostgreSQL",
                         "note": "no PostgreSQL could be started"})
        else:
            db = f"vk_load_{uuid.uuid4().hex[:6]}"
            pg = fresh_database(url, db)
            pg_env = {**sqlite_env, "DATABASE_URL": pg}
            try:
                rows.append(case("PostgreSQL (scripts/pg-test-server.sh)", ws, pg_env,
                                 200.0, seconds))
            finally:
                drop_database(url, db)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return rows


if __name__ == "__main__":  # pragma: no cover
    for row in run(quick="--quick" in sys.argv):
        print(row)

