"""Timing and peak-memory helpers for the benchmarks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    """Wall-clock seconds of one call, and its result."""
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def in_subprocess(code: str) -> dict:
    """Run ``code`` in a fresh Python; it must print one JSON object last.

    Peak memory (``peak_mib``) is the child's maximum resident set size, so
    each case is measured on its own and nothing earlier inflates it.
    """
    wrapper = (
        "import json, resource, sys\n" + code + "\n_r = dict(RESULT)\n"
        "_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "_r['peak_mib'] = round(_rss / 1024)\n"
        "print(json.dumps(_r))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", wrapper], capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark case failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def pg_server_url() -> str | None:
    """The project's throw-away PostgreSQL (``scripts/pg-test-server.sh
    start``; ``$VEERKRACHT_BENCH_PG_URL`` names another server), or None
    when none can be started."""
    given = os.environ.get("VEERKRACHT_BENCH_PG_URL")
    if given:
        return given
    script = Path(__file__).resolve().parents[1] / "scripts" / "pg-test-server.sh"
    try:
        out = subprocess.run(["bash", str(script), "start"], capture_output=True,
                             text=True, timeout=300, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip().splitlines()[-1] if out.stdout.strip() else None


def fresh_database(server: str, name: str) -> str:
    """Create database ``name`` on ``server`` (dropped first if it exists);
    its URL."""
    for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
        subprocess.run(["psql", server, "-c", sql], capture_output=True, check=True)
    return server.rsplit("/", 1)[0] + f"/{name}"


def drop_database(server: str, name: str) -> None:
    subprocess.run(["psql", server, "-c", f"DROP DATABASE IF EXISTS {name}"],
                   capture_output=True)
