"""``veerkracht schedule``: the deployment runs its recurring jobs itself.

``schedule run`` is a long-running process (start it beside the web server;
``deploy/veerkracht-schedule.service`` is a systemd unit for it). It sleeps
until the next job of :data:`veerkracht.jobs.schedule.JOBS` is due, runs its
commands as ``veerkracht`` subprocesses on the same workspace, logs the
outcome on one line, and goes on — a failing job is logged and retried at
its next slot, it never stops the others.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import typer

from veerkracht.cli.common import UserError, out

schedule_app = typer.Typer(
    name="schedule",
    help=("De terugkerende taken van de installatie: meldingen naar de werkmap, "
          "auditcheckpoints, anonimiseren en de wekelijkse vroegsignalering.\n\n"
          "Voorbeelden:\n\n"
          "  veerkracht schedule list\n\n"
          "  veerkracht schedule once vroegsignaal\n\n"
          "  veerkracht schedule run              # blijft draaien"),
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Attach ``schedule`` to the root app."""
    app.add_typer(schedule_app, name="schedule")


def _argv(ctx: typer.Context, command: tuple[str, ...]) -> list[str]:
    workspace = (ctx.find_root().obj or {}).get("workspace")
    script = str(Path(sys.executable).with_name("veerkracht"))
    return [script, *(["--workspace", workspace] if workspace else []), *command]


def run_job(ctx: typer.Context, job, runner: Callable = subprocess.run) -> bool:
    """Run every command of ``job`` in order; stop at the first that fails.
    Logs one line per command; True when all succeeded."""
    for command in job.commands:
        started = time.monotonic()
        result = runner(_argv(ctx, command), capture_output=True, text=True)
        took = time.monotonic() - started
        line = " ".join(command)
        if result.returncode != 0:
            tail = (result.stderr or result.stdout or "").strip().splitlines()
            out.print(f"{_now()} {job.name}: MISLUKT ({line}, {took:.0f} s): "
                      f"{tail[-1] if tail else 'geen uitvoer'}", highlight=False)
            return False
        out.print(f"{_now()} {job.name}: klaar ({line}, {took:.0f} s)",
                  highlight=False)
    return True


_DAYS = ("ma", "di", "wo", "do", "vr", "za", "zo")


def _now() -> str:
    from veerkracht.jobs.schedule import ZONE

    return datetime.now(UTC).astimezone(ZONE).strftime("%Y-%m-%d %H:%M")


@schedule_app.command("list")
def list_jobs() -> None:
    """Toon elke taak, wat ze doet en wanneer ze weer draait.

    Voorbeeld:

      veerkracht schedule list
    """
    from veerkracht.jobs.schedule import ZONE, plan

    for when, job in plan(datetime.now(UTC)):
        local = when.astimezone(ZONE)
        out.print(f"{_DAYS[local.weekday()]} {local:%d-%m %H:%M}  {job.name:<13} "
                  f"{job.description}", highlight=False)


@schedule_app.command("once")
def once(ctx: typer.Context,
         name: str = typer.Argument(..., help="Naam van de taak (zie schedule list).")
         ) -> None:
    """Voer één taak nu uit (bijvoorbeeld na een storing).

    Voorbeeld:

      veerkracht schedule once meldingen
    """
    from veerkracht.jobs.schedule import job

    try:
        chosen = job(name)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if not run_job(ctx, chosen):
        raise typer.Exit(1)


@schedule_app.command("run")
def run(ctx: typer.Context) -> None:
    """Blijf draaien en voer elke taak uit als ze aan de beurt is (stoppen: Ctrl+C).

    Voorbeeld:

      veerkracht schedule run
    """
    loop(ctx)


def loop(ctx: typer.Context, *, clock: Callable = lambda: datetime.now(UTC),
         sleep: Callable = time.sleep, runner: Callable = subprocess.run,
         max_jobs: int | None = None) -> int:
    """The scheduler's loop (``clock``, ``sleep``, ``runner`` and ``max_jobs``
    for tests). Returns the number of jobs run."""
    from veerkracht.jobs.schedule import JOBS, ZONE, next_run

    done = 0
    start = clock()
    # per job the moment from which its next slot counts: a job that was
    # busy past other jobs' slots makes them run once, late, not once per
    # missed slot
    since = {j.name: start for j in JOBS}
    out.print(f"{_now()} planner gestart; taken: "
              + ", ".join(j.name for j in JOBS), highlight=False)
    try:
        while max_jobs is None or done < max_jobs:
            when, job = min(((next_run(j, since[j.name]), j) for j in JOBS),
                            key=lambda pair: (pair[0], pair[1].name))
            wait = (when - clock()).total_seconds()
            if wait > 0:
                sleep(wait)
            out.print(f"{when.astimezone(ZONE):%Y-%m-%d %H:%M} {job.name}: start",
                      highlight=False)
            run_job(ctx, job, runner)
            done += 1
            since[job.name] = max(when, clock())
    except KeyboardInterrupt:
        out.print(f"{_now()} planner gestopt", highlight=False)
    return done
