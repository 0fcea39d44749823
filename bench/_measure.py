"""Timing and peak-memory helpers for the benchmarks."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable


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
