"""The deployment's scheduler: when each job runs, and that the loop runs
them in order, survives a failing job and does not replay missed slots."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from veerkracht.jobs.schedule import JOBS, ZONE, job, next_run, plan


def at(*args) -> datetime:
    return datetime(*args, tzinfo=ZONE)


def test_every_job_is_due_strictly_later_and_on_its_cadence():
    t = at(2026, 12, 2, 0, 44, 30)  # a Wednesday
    assert next_run(job("audit"), t) == at(2026, 12, 2, 0, 45)
    assert next_run(job("audit"), at(2026, 12, 2, 0, 45)) == at(2026, 12, 2, 1, 0)
    assert next_run(job("meldingen"), t) == at(2026, 12, 2, 1, 5)
    assert next_run(job("anonimiseren"), t) == at(2026, 12, 2, 3, 0)
    weekly = next_run(job("vroegsignaal"), t)
    assert weekly == at(2026, 12, 7, 6, 0) and weekly.weekday() == 0
    for j in JOBS:  # strictly after, from any moment of a fortnight
        moment = at(2026, 12, 1)
        while moment < at(2026, 12, 15):
            assert next_run(j, moment) > moment
            moment += timedelta(minutes=37)
    with pytest.raises(ValueError, match="onbekende taak"):
        job("koffie")


def test_a_daily_job_keeps_its_wall_clock_time_across_summer_time():
    # 2027-03-28: 02:00 becomes 03:00 in the Netherlands
    t = next_run(job("anonimiseren"), at(2027, 3, 27, 12, 0))
    assert (t.hour, t.minute, t.day) == (3, 0, 28)
    assert t.utcoffset() == timedelta(hours=2)
    u = next_run(job("vroegsignaal"), datetime(2027, 3, 27, 12, tzinfo=UTC))
    assert (u.astimezone(ZONE).hour, u.weekday()) == (6, 0)


def test_plan_orders_by_the_next_run():
    p = plan(at(2026, 12, 7, 5, 59))
    assert [j.name for _, j in p][:2] == ["audit", "vroegsignaal"]  # both 06:00
    assert [w for w, _ in p] == sorted(w for w, _ in p)


class FakeClock:
    def __init__(self, start: datetime):
        self.t = start

    def __call__(self) -> datetime:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += timedelta(seconds=seconds)


def test_the_loop_runs_jobs_in_order_survives_failures_and_skips_missed_slots(
        capsys):
    from veerkracht.cli.schedule import loop

    clock = FakeClock(at(2026, 12, 7, 5, 59))
    ran = []

    def runner(argv, **kwargs):
        ran.append((clock.t.astimezone(ZONE).strftime("%H:%M"), tuple(argv[1:])))
        if argv[1:] == ["warn", "run"]:
            clock.t += timedelta(minutes=50)  # a long job
            return SimpleNamespace(returncode=2, stdout="", stderr="Fout: kapot")
        return SimpleNamespace(returncode=0, stdout="", stderr="")

    ctx = SimpleNamespace(find_root=lambda: SimpleNamespace(obj={}))
    n = loop(ctx, clock=clock, sleep=clock.sleep, runner=runner, max_jobs=5)
    assert n == 5
    names = [(t, a[0] if a[0] != "serve" else a[-1]) for t, a in ran]
    # 06:00 audit and the weekly run (whose warn step fails: the alerts steps
    # of that job are skipped, the scheduler goes on); the slots missed while
    # it ran (meldingen 06:05, audit 06:15, 06:30, 06:45) run once, late, at
    # 06:50, not once per slot; then audit again on time at 07:00
    assert names == [("06:00", "audit"), ("06:00", "warn"),
                     ("06:50", "sync_signals"), ("06:50", "audit"),
                     ("07:00", "audit")]
    log = capsys.readouterr().out
    assert "vroegsignaal: MISLUKT (warn run" in log and "Fout: kapot" in log


@pytest.mark.slow
def test_schedule_once_runs_a_job_on_a_workspace(tmp_path):
    script = str(Path(sys.executable).with_name("veerkracht"))
    env_cmd = [script, "--workspace", str(tmp_path)]
    subprocess.run([*env_cmd, "serve", "--manage", "migrate", "--noinput"],
                   check=True, capture_output=True, timeout=180)
    r = subprocess.run([*env_cmd, "schedule", "once", "meldingen"],
                       capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "meldingen: klaar (serve --manage sync_signals" in r.stdout
    bad = subprocess.run([*env_cmd, "schedule", "once", "koffie"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "onbekende taak" in (bad.stdout + bad.stderr)
