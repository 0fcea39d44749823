"""The deployment's recurring jobs, defined once, and when each runs next.

``veerkracht schedule run`` (:mod:`veerkracht.cli.schedule`) is the one
process a deployment starts beside the web server; it runs these jobs
itself, so an operator has nothing to set up in cron:

=================  ===========================  ==============================
job                when (Europe/Amsterdam)      what
=================  ===========================  ==============================
``meldingen``      every hour at :05            the web's handled signals to
                                                the workspace (sync_signals)
``audit``          every 15 minutes             an audit checkpoint
``anonimiseren``   every night at 03:00         anonymise expired signals
``vroegsignaal``   Monday 06:00                 the weekly early warning
                                                (``warn run``), its alerts to
                                                the teams and their e-mail
                                                digest
=================  ===========================  ==============================

Everything here is pure: a job is its name, its commands (argument lists
for ``veerkracht``) and its cadence; :func:`next_run` says when it is due
after a moment, :func:`plan` orders the jobs by that. Running, sleeping and
logging are the caller's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

#: The time zone of every cadence (a team's Monday morning is local).
ZONE = ZoneInfo("Europe/Amsterdam")


@dataclass(frozen=True)
class Job:
    """One recurring job: ``commands`` run in order, each ``veerkracht`` argv;
    due every ``every_minutes`` at ``minute`` past (when ``every_minutes`` is
    60 or less), or daily at ``hour:minute`` (on ``weekday`` only, 0 = Monday,
    when given)."""

    name: str
    description: str
    commands: tuple[tuple[str, ...], ...]
    every_minutes: int | None = None
    hour: int | None = None
    minute: int = 0
    weekday: int | None = None


JOBS: tuple[Job, ...] = (
    Job("meldingen", "behandelde meldingen naar de werkmap (sync_signals)",
        (("serve", "--manage", "sync_signals"),), every_minutes=60, minute=5),
    Job("audit", "checkpoint van het auditspoor",
        (("audit", "checkpoint"),), every_minutes=15),
    Job("anonimiseren", "verlopen meldingen anonimiseren",
        (("serve", "--manage", "anonymise_signals"),), hour=3),
    Job("vroegsignaal", "wekelijkse vroegsignalering, signalen naar de teams en "
        "hun e-mailoverzicht",
        (("warn", "run"), ("serve", "--manage", "sync_alerts"),
         ("serve", "--manage", "send_alert_digest")), hour=6, weekday=0),
)


def job(name: str) -> Job:
    """The job called ``name`` (a Dutch error listing the names otherwise)."""
    for j in JOBS:
        if j.name == name:
            return j
    raise ValueError(f"onbekende taak {name!r}; kies uit "
                     + ", ".join(j.name for j in JOBS))


def next_run(j: Job, after: datetime) -> datetime:
    """The first moment strictly after ``after`` (aware) at which ``j`` is due,
    in :data:`ZONE`.

    >>> t = datetime(2026, 12, 7, 5, 59, tzinfo=ZONE)   # a Monday
    >>> next_run(job("vroegsignaal"), t).isoformat()
    '2026-12-07T06:00:00+01:00'
    >>> next_run(job("audit"), t).isoformat()
    '2026-12-07T06:00:00+01:00'
    >>> next_run(job("meldingen"), t).isoformat()
    '2026-12-07T06:05:00+01:00'
    """
    if after.tzinfo is None:
        raise ValueError("after moet een tijdzone hebben")
    local = after.astimezone(ZONE).replace(second=0, microsecond=0)
    if j.every_minutes is not None:
        step = j.every_minutes
        # minutes since midnight, to the next slot at `minute` past each step
        base = local.replace(hour=0, minute=0)
        since = (local - base) // timedelta(minutes=1)
        k = (since - j.minute) // step + 1
        t = base + timedelta(minutes=j.minute + k * step)
        while t <= after:
            t += timedelta(minutes=step)
        return _wall(t)
    t = local.replace(hour=j.hour, minute=j.minute)
    while t <= after or (j.weekday is not None and t.weekday() != j.weekday):
        t = _wall((t + timedelta(days=1)).replace(hour=j.hour, minute=j.minute))
    return t


def _wall(t: datetime) -> datetime:
    """``t`` again in :data:`ZONE`, so a clock time across a DST change keeps
    its wall-clock meaning."""
    return t.replace(tzinfo=None).replace(tzinfo=ZONE)


def plan(after: datetime, jobs=JOBS) -> list[tuple[datetime, Job]]:
    """Every job with its next run after ``after``, soonest first."""
    return sorted(((next_run(j, after), j) for j in jobs),
                  key=lambda pair: (pair[0], pair[1].name))
