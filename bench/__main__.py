"""Run the benchmarks and record the results in docs/benchmarks.md."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
OUT = ROOT / "bench" / "out"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    )


def render(name: str, doc: str, rows: list[dict], command: str) -> str:
    cols = []
    for row in rows:
        cols += [k for k in row if k not in cols]
    lines = [
        f"<!-- bench:{name}:start -->",
        f"### {name}",
        "",
        doc.strip(),
        "",
        f"Command: `{command}`  ",
        f"Machine: {machine()}  ",
        f"Run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {_commit()}",
        "",
        "| " + " | ".join(cols) + " |",
        "|" + "---|" * len(cols),
    ]
    for row in rows:
        lines.append("| " + " | ".join(_fmt(row.get(c, "")) for c in cols) + " |")
    lines.append(f"<!-- bench:{name}:end -->")
    return "\n".join(lines)


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 100 else f"{v:.0f}"
    return str(v)


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def write_section(name: str, section: str) -> None:
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    pattern = re.compile(
        rf"<!-- bench:{name}:start -->.*?<!-- bench:{name}:end -->", re.S
    )
    text = (
        pattern.sub(section, text)
        if pattern.search(text)
        else text.rstrip() + "\n\n" + section + "\n"
    )
    DOC.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", help="bench modules to run (default: all)")
    parser.add_argument(
        "--quick", action="store_true", help="small sizes, for a smoke run"
    )
    args = parser.parse_args()
    names = args.names or sorted(
        p.stem[6:] for p in (ROOT / "bench").glob("bench_*.py")
    )
    OUT.mkdir(parents=True, exist_ok=True)
    for name in names:
        mod = importlib.import_module(f"bench.bench_{name}")
        print(f"== {name}", file=sys.stderr, flush=True)
        rows = mod.run(quick=args.quick)
        (OUT / f"{name}.json").write_text(json.dumps(rows, indent=2, default=str))
        if not args.quick:
            command = f"python -m bench {name}"
            write_section(name, render(name, mod.__doc__ or "", rows, command))
        for row in rows:
            print(json.dumps(row, default=str), flush=True)


if __name__ == "__main__":
    main()
