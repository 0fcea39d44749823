"""Start-up of the command line: `veerkracht --help` and every `--help` under it.

Every group and command of the tree (walked from the typer app, hidden ones
included) is started as a user starts it, `veerkracht [GROUP] [COMMAND]
--help` through the installed `veerkracht` script, each in a fresh process
with its output thrown away. `median_s` is the median wall-clock time of
`runs` starts (`min_s`, `max_s` beside it), `cpu_s` the median CPU time
(user + system) of the same starts, which a busy machine inflates far less
than the wall clock. Python's bytecode is in place, as after an ordinary
install (written by one untimed start, into a scratch folder, never the
source tree); `no_bytecode_s` is the median of a few starts without it
(every module compiled on every start, as under PYTHONDONTWRITEBYTECODE=1).
The baselines run in the same loop, interleaved: `python -c pass` (the
interpreter alone; `ratio` is every median divided by its median),
`python -c "import typer"`, and a minimal typer app's `sub --help` (one
root option, one sub-command, rich help: the least a typer command line
pays, pydantic included, since typer coerces the root option's value
before it shows a sub-command's help). Target (issue 13): every `--help`
under 1 s; before the command modules moved their heavy imports into the
commands, `veerkracht --help` took 4–8 s (at commit c26bf8e, side by side
with the new code on this loaded machine: 3.4 s CPU and 10 s wall with
bytecode, 10 s CPU without). tests/cli/test_quick_start.py checks
the cause (no pandas, numpy, geopandas, Django, ... imported by any
`--help`); this measures the effect. The machine is shared by several
people's work (load average above its 2 cores) while this runs: the wall
times are those of a loaded machine.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Prints every command path of the tree as JSON, in a fresh process.
_PATHS = """
import json, typer.main
import veerkracht.cli.main as m
paths = []
def walk(command, path):
    paths.append(path)
    for name in sorted(getattr(command, "commands", {})):
        walk(command.commands[name], [*path, name])
walk(typer.main.get_command(m.app), [])
print(json.dumps(paths))
"""

# The least any typer command line pays for a sub-command's help: a root
# option (typer coerces its value, loading pydantic) and rich help.
_MINIMAL = """
import typer
app = typer.Typer(rich_markup_mode="rich", add_completion=False)
@app.callback()
def root(workspace: str = typer.Option(None, "--workspace", help="Werkmap.")):
    pass
@app.command()
def sub(n: int = typer.Option(1, "--n", help="Aantal.")):
    pass
app()
"""

TARGET_S = 1.0


def _veerkracht() -> list[str]:
    """The installed entry point, as a user runs it."""
    script = Path(sys.executable).with_name("veerkracht")
    if script.exists():
        return [str(script)]
    found = shutil.which("veerkracht")
    if found:
        return [found]
    return [sys.executable, "-c", "from veerkracht.cli.main import main; main()"]


def _paths() -> list[list[str]]:
    done = subprocess.run([sys.executable, "-c", _PATHS], capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds (user + system) of one run of ``argv``."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          env=env, check=False)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{done.stderr.decode()[-2000:]}")
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def _median(xs) -> float:
    return round(statistics.median(xs), 3)


def run(quick: bool) -> list[dict]:
    """Time every ``--help`` and the two baselines; one row each."""
    runs, cold_runs = (2, 1) if quick else (5, 3)
    paths = _paths()
    if quick:
        paths = paths[:4]
    cli = _veerkracht()
    cases = {"python -c pass": [sys.executable, "-c", "pass"],
             'python -c "import typer"': [sys.executable, "-c", "import typer"],
             "minimal typer app: sub --help": [sys.executable, "-c", _MINIMAL,
                                               "sub", "--help"]}
    for path in paths:
        cases[" ".join(["veerkracht", *path, "--help"])] = [*cli, *path, "--help"]
    cold_cases = [*list(cases)[:4], "veerkracht import addresses --help"]
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
        # bytecode as after an ordinary install (written on first use), kept out
        # of the source tree; and, for a few cases, none at all (every module
        # compiled on every start, as with PYTHONDONTWRITEBYTECODE=1)
        base_env = {k: v for k, v in os.environ.items()
                    if k != "PYTHONDONTWRITEBYTECODE"}
        base_env.update(COLUMNS="100", TERM="dumb")
        warm = dict(base_env, PYTHONPYCACHEPREFIX=f"{tmp}/warm")
        cold = dict(base_env, PYTHONPYCACHEPREFIX=f"{tmp}/cold",
                    PYTHONDONTWRITEBYTECODE="1")
        for argv in cases.values():  # writes the bytecode; not timed
            _once(argv, warm)
        times = {name: [] for name in cases}
        for _ in range(runs):  # interleaved, so load changes hit every case alike
            for name, argv in cases.items():
                times[name].append(_once(argv, warm))
        cold_times = {name: [] for name in cold_cases if name in cases}
        for _ in range(cold_runs):
            for name in cold_times:
                cold_times[name].append(_once(cases[name], cold))
    base = statistics.median(w for w, _ in times["python -c pass"])
    rows = []
    for name, ts in times.items():
        wall = [w for w, _ in ts]
        row = {"command": f"`{name}`", "runs": len(ts), "median_s": _median(wall),
               "cpu_s": _median([c for _, c in ts]), "min_s": round(min(wall), 3),
               "max_s": round(max(wall), 3),
               "ratio": round(statistics.median(wall) / base, 1)}
        if name in cold_times:
            row["no_bytecode_s"] = _median([w for w, _ in cold_times[name]])
        if name.startswith("veerkracht"):
            row["under_1s"] = "yes" if statistics.median(wall) < TARGET_S else "NO"
        rows.append(row)
    helps = [r for r in rows if "under_1s" in r]
    every = [t for name, ts in times.items() if name.startswith("veerkracht")
             for t in ts]
    slowest = max(helps, key=lambda r: r["median_s"])
    slowest_cpu = max(helps, key=lambda r: r["cpu_s"])
    rows.append({
        "command": "every --help (summary)", "runs": len(every),
        "median_s": _median([w for w, _ in every]),
        "cpu_s": _median([c for _, c in every]),
        "min_s": min(r["min_s"] for r in helps),
        "max_s": max(r["max_s"] for r in helps),
        "ratio": round(statistics.median(w for w, _ in every) / base, 1),
        "under_1s": (f"{sum(r['under_1s'] == 'yes' for r in helps)} of "
                     f"{len(helps)} (wall); {sum(r['cpu_s'] < TARGET_S for r in helps)}"
                     f" of {len(helps)} (CPU); slowest median "
                     f"{slowest['median_s']:.3f} s wall {slowest['command']}, "
                     f"{slowest_cpu['cpu_s']:.3f} s CPU {slowest_cpu['command']}"),
    })
    return rows
