"""``veerkracht --help`` and every ``--help`` under it load no heavy module.

The command tree is built, and every group's and command's help is
rendered, in a fresh interpreter; afterwards none of the heavy libraries
(pandas, numpy, geopandas, scipy, numba, pyarrow, Django, OpenDP) nor the
analytics, io, jobs or store modules of veerkracht may have been imported.
That is what keeps the start under a second (bench/bench_cli.py measures
it); the rule for the command modules is to import those inside the command
functions. This test checks the rule, it does not time anything.
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("pandas", "numpy", "geopandas", "scipy", "numba", "pyarrow", "django",
         "opendp", "veerkracht.analytics", "veerkracht.io", "veerkracht.jobs",
         "veerkracht.store")

# Runs in a fresh interpreter: build the tree, render every --help, then
# report the command paths, the failures and the heavy modules now loaded.
_SCRIPT = r"""
import json, sys
import typer.main
from typer.testing import CliRunner  # click's CliRunner, as typer ships click
import veerkracht.cli.main as m

heavy = tuple(json.loads(sys.argv[1]))
root = typer.main.get_command(m.app)
paths, failures = [], []

def walk(command, path):
    paths.append(path)
    for name in sorted(getattr(command, "commands", {})):  # a group
        walk(command.commands[name], [*path, name])

walk(root, [])
runner = CliRunner()
for path in paths:
    result = runner.invoke(m.app, [*path, "--help"], prog_name="veerkracht")
    if result.exit_code != 0 or "Usage" not in result.output:
        failures.append({"path": path, "exit_code": result.exit_code,
                         "output": result.output[-500:],
                         "exception": repr(result.exception)})
loaded = sorted(name for name in sys.modules
                if any(name == h or name.startswith(h + ".") for h in heavy))
print(json.dumps({"paths": paths, "failures": failures, "loaded": loaded}))
"""


def _help_everything() -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, json.dumps(HEAVY)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_every_help_renders_without_heavy_modules():
    report = _help_everything()
    paths = [" ".join(p) for p in report["paths"]]
    # the walk reached the whole tree, groups and commands alike
    for expected in ("", "import", "import addresses", "import households",
                     "warn", "warn run", "privacy", "privacy protect", "export",
                     "compute", "demo", "serve", "validate", "places",
                     "synth households"):
        assert expected in paths, f"'veerkracht {expected}' not in the tree"
    assert report["failures"] == [], report["failures"]
    assert report["loaded"] == [], (
        "--help imported heavy modules; import them inside the command "
        f"functions of src/veerkracht/cli instead: {report['loaded']}")
