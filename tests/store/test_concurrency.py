"""Concurrent writers to one workspace, with real processes (ADR 0010).

Two processes that read a table and then replace it must never both report
success when one's rows are lost: the second commit fails with the Dutch
"intussen gewijzigd" message and writes nothing. ``Workspace.lock`` makes
holders wait for each other (``privacy protect`` draws once). Staging folders
of a killed writer are removed at the next open, a live writer's never.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from veerkracht.store import WorkspaceError, open_workspace
from veerkracht.store.base import ConcurrentChange

# Spawned children import this module by its name under the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
SPAWN = mp.get_context("spawn")
TIMEOUT = 120


@pytest.fixture(params=["files", pytest.param("postgres", marks=pytest.mark.postgres)])
def location(request, tmp_path) -> str:
    if request.param == "files":
        return str(tmp_path / "ws")
    return request.getfixturevalue("pg_workspace_url")


def _rows(tag: str, n: int) -> pd.DataFrame:
    return pd.DataFrame({"key": [f"{tag}{i}" for i in range(n)],
                         "who": [tag] * n})


# ---------------------------------------------------------------- child code
# Module-level so that the spawn context can import them in the child.


def _append_after_barrier(location, tag, n, barrier, how, results):
    """Read the table, wait until the other process has read it too, write."""
    try:
        with open_workspace(location) as ws:
            if how == "append":
                # tx.append reads the stored table inside the transaction.
                ws.read("items")
                barrier.wait(TIMEOUT)
                with ws.transaction(f"append {tag}") as tx:
                    tx.append("items", _rows(tag, n))
            else:  # read first, replace later (what `import --append` does)
                base = ws.read("items") if ws.has("items") else None
                barrier.wait(TIMEOUT)
                new = _rows(tag, n)
                frame = new if base is None else pd.concat([base, new],
                                                            ignore_index=True)
                with ws.transaction(f"append {tag}") as tx:
                    tx.put("items", frame)
            results.put((tag, "ok", len(frame) if how != "append"
                         else ws.info("items").rows))
    except ConcurrentChange as exc:
        results.put((tag, "conflict", str(exc)))
    except BaseException as exc:  # reported, so the test shows it
        results.put((tag, "error", repr(exc)))


def _hold_lock(location, tag, log, barrier, results):
    try:
        with open_workspace(location) as ws:
            barrier.wait(TIMEOUT)
            with ws.lock(f"test {tag}"):
                start = time.monotonic()
                time.sleep(0.6)
                end = time.monotonic()
            results.put((tag, start, end))
    except BaseException as exc:
        results.put((tag, "error", repr(exc)))


def _stage_and_wait(location, ready, go):
    """Commit, but stop inside the staging step until ``go`` exists."""
    from veerkracht.store import files

    real = files._write_parquet

    def slow(frame, path):
        real(frame, path)
        Path(ready).touch()
        while not Path(go).exists():
            time.sleep(0.05)

    files._write_parquet = slow
    with open_workspace(location) as ws, ws.transaction("slow") as tx:
        tx.put("items", _rows("slow", 3))


def _run_two(target, *args) -> list[tuple]:
    barrier = SPAWN.Barrier(2)
    results = SPAWN.Queue()
    procs = [SPAWN.Process(target=target, args=(*a, barrier, *rest, results))
             for a, rest in args]
    for p in procs:
        p.start()
    out = _collect(procs, results)
    for p in procs:
        p.join(TIMEOUT)
        assert p.exitcode == 0
    return sorted(out)


def _collect(procs, results) -> list:
    """One result per process; fails at once when a child died without one."""
    import queue

    out, deadline = [], time.monotonic() + TIMEOUT
    while len(out) < len(procs):
        try:
            out.append(results.get(timeout=0.2))
        except queue.Empty:
            dead = [p.exitcode for p in procs if p.exitcode not in (None, 0)]
            assert not dead and time.monotonic() < deadline, (dead, out)
    return out


# ---------------------------------------------------------------- the tests


@pytest.mark.parametrize("how", ["read-then-put", "append"])
@pytest.mark.slow  # spawns processes that import the package
def test_two_processes_appending_at_once_never_lose_rows_silently(location, how):
    with open_workspace(location) as ws, ws.transaction("base") as tx:
        tx.put("items", _rows("base", 4))
    out = _run_two(_append_after_barrier,
                   ((location, "a", 3), (how,)), ((location, "b", 5), (how,)))
    status = {tag: s for tag, s, _ in out}
    assert "error" not in status.values(), out
    # Both read version 1 before either wrote: exactly one may succeed.
    assert sorted(status.values()) == ["conflict", "ok"], out
    winner = next(t for t, s, _ in out if s == "ok")
    loser = next(t for t, s, _ in out if s == "conflict")
    message = next(m for t, s, m in out if s == "conflict")
    assert "intussen gewijzigd" in message
    assert "voer de opdracht opnieuw uit" in message.lower()
    reported = next(n for t, s, n in out if s == "ok")
    with open_workspace(location) as ws:
        stored = ws.read("items")
        actions = [o.action for o in ws.operations()]
    assert len(stored) == reported == 4 + {"a": 3, "b": 5}[winner]
    assert set(stored["who"]) == {"base", winner}
    assert actions == ["base", f"append {winner}"]  # the loser wrote nothing
    # Run again, as the message says: now both sets are there.
    again, alone = SPAWN.Queue(), SPAWN.Barrier(1)  # kept alive for the child
    p = SPAWN.Process(target=_append_after_barrier,
                      args=(location, loser, {"a": 3, "b": 5}[loser],
                            alone, how, again))
    p.start()
    assert _collect([p], again)[0][1] == "ok"
    p.join(TIMEOUT)
    with open_workspace(location) as ws:
        assert sorted(ws.read("items")["who"].unique()) == ["a", "b", "base"]
        assert len(ws.read("items")) == 12


@pytest.mark.slow  # spawns processes that import the package
def test_two_processes_creating_the_same_table_at_once(location):
    """Both saw no table yet: the second creation would drop the first's rows."""
    out = _run_two(_append_after_barrier,
                   ((location, "a", 2), ("read-then-put",)),
                   ((location, "b", 3), ("read-then-put",)))
    status = sorted(s for _, s, _ in out)
    assert status == ["conflict", "ok"], out
    winner = next(t for t, s, _ in out if s == "ok")
    with open_workspace(location) as ws:
        assert set(ws.read("items")["who"]) == {winner}
        assert "nog niet aanwezig gelezen" in next(m for _, s, m in out
                                                   if s == "conflict")


def test_two_handles_reading_then_replacing_the_same_version(location):
    """The race of the two processes, in one process with two handles."""
    with open_workspace(location) as a, open_workspace(location) as b:
        with a.transaction("base") as tx:
            tx.put("items", _rows("base", 2))
        base_a, base_b = a.read("items"), b.read("items")
        with b.transaction("b") as tx:
            tx.put("items", pd.concat([base_b, _rows("b", 1)], ignore_index=True))
        before = (a.tables(), a.operations())
        with pytest.raises(ConcurrentChange, match="versie 1 gelezen, nu versie 2"), \
                a.transaction("a") as tx:
            tx.put("items", pd.concat([base_a, _rows("a", 1)], ignore_index=True))
            tx.put("other", _rows("o", 1))  # nothing of the transaction lands
        assert (a.tables(), a.operations()) == before
        assert set(a.read("items")["who"]) == {"base", "b"}


def test_a_blind_replace_after_another_commit_is_last_writer_wins(location):
    """A put that read nothing does not depend on what was there."""
    with open_workspace(location) as a, open_workspace(location) as b:
        with a.transaction("a") as tx:
            tx.put("items", _rows("a", 2))
        with b.transaction("b") as tx:
            tx.put("items", _rows("b", 3))
        assert len(a.read("items")) == 3
        # a has now read version 2; b's next write does not change that, but
        # a write by b after a's read does, and a's next replace then fails.
        with b.transaction("b2") as tx:
            tx.put("items", _rows("b", 1))
        with pytest.raises(ConcurrentChange, match="versie 2 gelezen, nu versie 3"), \
                a.transaction("a2") as tx:
            tx.put("items", _rows("a", 9))
        assert len(b.read("items")) == 1
        # The refusal forgets what a read, so a's retry (reading again) works.
        with a.transaction("a3") as tx:
            tx.append("items", _rows("a", 1))
        assert len(a.read("items")) == 2


@pytest.mark.slow  # spawns processes that import the package
def test_the_workspace_lock_runs_holders_one_after_the_other(location):
    out = _run_two(_hold_lock, ((location, "a", None), ()), ((location, "b", None), ()))
    assert all(len(r) == 3 and r[1] != "error" for r in out), out
    (_, s1, e1), (_, s2, e2) = sorted(out, key=lambda r: r[1])
    assert e1 <= s2, f"the lock was held twice at once: {out}"


@pytest.mark.slow  # spawns processes that import the package
def test_a_staging_folder_of_a_killed_run_goes_at_the_next_open(tmp_path):
    loc = str(tmp_path / "ws")
    with open_workspace(loc) as ws, ws.transaction("base") as tx:
        tx.put("items", _rows("base", 2))
    ready, go = tmp_path / "ready", tmp_path / "go"
    child = SPAWN.Process(target=_stage_and_wait, args=(loc, str(ready), str(go)))
    child.start()
    deadline = time.monotonic() + TIMEOUT
    while not ready.exists():
        assert time.monotonic() < deadline and child.is_alive()
        time.sleep(0.05)
    tables = tmp_path / "ws" / "tables"
    staging = [p for p in tables.iterdir() if p.name.startswith(".staging-")]
    assert len(staging) == 1 and (staging[0] / "items.parquet").exists()
    # While the writer is alive, opening the workspace leaves its folder alone.
    with open_workspace(loc) as ws:
        assert len(ws.read("items")) == 2
    assert staging[0].exists()
    os.kill(child.pid, signal.SIGKILL)
    child.join(TIMEOUT)
    assert staging[0].exists()  # the killed run left it behind
    with open_workspace(loc) as ws:
        assert len(ws.read("items")) == 2 and ws.info("items").version == 1
    assert not staging[0].exists()
    assert sorted(p.name for p in tables.iterdir()) == ["items-1.parquet"]


@pytest.mark.slow  # spawns processes that import the package
def test_a_live_writer_finishes_after_another_open(tmp_path):
    loc = str(tmp_path / "ws")
    open_workspace(loc).close()
    ready, go = tmp_path / "ready", tmp_path / "go"
    child = SPAWN.Process(target=_stage_and_wait, args=(loc, str(ready), str(go)))
    child.start()
    deadline = time.monotonic() + TIMEOUT
    while not ready.exists():
        assert time.monotonic() < deadline and child.is_alive()
        time.sleep(0.05)
    open_workspace(loc).close()  # sweeps: must not take the live folder
    go.touch()
    child.join(TIMEOUT)
    assert child.exitcode == 0
    with open_workspace(loc) as ws:
        assert ws.read("items")["who"].tolist() == ["slow"] * 3


def test_leftovers_as_the_store_writes_them_are_swept_at_open(tmp_path):
    """A run killed mid-staging or between moving its files and the catalogue."""
    loc = tmp_path / "ws"
    with open_workspace(loc) as ws, ws.transaction("base") as tx:
        tx.put("items", _rows("base", 2))
    tables = loc / "tables"
    dead = tables / ".staging-0123456789abcdef0123456789abcdef"
    dead.mkdir()
    _rows("x", 5).to_parquet(dead / "items.parquet")
    _rows("x", 5).to_parquet(tables / "items-2.parquet")  # moved, not catalogued
    with open_workspace(loc) as ws:
        assert ws.info("items").version == 1 and len(ws.read("items")) == 2
    assert sorted(p.name for p in tables.iterdir()) == ["items-1.parquet"]
    # And the next commit takes version 2 cleanly.
    with open_workspace(loc) as ws:
        with ws.transaction("next") as tx:
            tx.append("items", _rows("n", 1))
        assert ws.info("items").version == 2 and len(ws.read("items")) == 3


# ------------------------------------------------- privacy protect, twice at once


def _protect(location, barrier, results):
    try:
        from veerkracht.jobs.protect import protected_statistics

        with open_workspace(location) as ws:
            barrier.wait(TIMEOUT)
            stats, _, row = protected_statistics(ws, "2025")
            results.put(("ok", {lv: f.to_json() for lv, f in stats.items()},
                         row["operation"]))
    except BaseException as exc:
        results.put(("error", repr(exc), None))


@pytest.mark.slow  # spawns processes that import the package
def test_privacy_protect_twice_at_once_draws_and_charges_once(tmp_path):
    from veerkracht.jobs.places import run_places
    from veerkracht.jobs.protect import LEDGER_TABLE
    from veerkracht.synth import generate_city

    loc = str(tmp_path / "ws")
    with open_workspace(loc) as ws:
        city = generate_city(seed=3, n_dwellings=1500, years=2)
        with ws.transaction("demo", source="test city") as tx:
            for name, frame in city.tables().items():
                tx.put(name, frame)
        run_places(ws)
    barrier = SPAWN.Barrier(2)
    results = SPAWN.Queue()
    procs = [SPAWN.Process(target=_protect, args=(loc, barrier, results))
             for _ in range(2)]
    for p in procs:
        p.start()
    out = _collect(procs, results)
    for p in procs:
        p.join(TIMEOUT)
    assert [o[0] for o in out] == ["ok", "ok"], out
    assert out[0][1] == out[1][1], "the two runs returned different draws"
    assert sorted(o[2] for o in out) == ["protect", "protect"]
    with open_workspace(loc) as ws:
        ledger = ws.read(LEDGER_TABLE)
        protects = [o for o in ws.operations() if o.action == "privacy protect"]
    assert len(ledger) == 1 and len(protects) == 1


# ------------------------------------------------- the command line, two processes

HEADER = ("straat;huisnummer;huisletter;huisnummertoevoeging;postcode;woonplaats;"
          "gemeente;provincie;lat;lon\n")


@pytest.mark.slow
def test_two_cli_appends_started_together(tmp_path):
    """`veerkracht import addresses --append` twice at once, as a user would.

    The interleaving is up to the machine, so either both succeed (one after
    the other) and every row is there, or one reports the conflict (exit 2)
    and the table holds what the successful run reported.
    """
    loc = tmp_path / "ws"
    base = tmp_path / "base.csv"
    base.write_text(HEADER + "Bosweg;1;;;9351AA;Leek;Westerkwartier;Groningen;"
                    "53.16286776;6.39284044\n", encoding="utf-8")
    files = {}
    postcodes = {"a": "9351AB", "b": "9351AC"}
    for tag, postcode in postcodes.items():
        f = tmp_path / f"{tag}.csv"
        f.write_text(HEADER + "".join(
            f"Bosweg;{n};;;{postcode};Leek;Westerkwartier;Groningen;"
            f"{53.16 + n / 1e4:.8f};6.39284044\n" for n in range(1, 41)),
            encoding="utf-8")
        files[tag] = f
    cmd = [sys.executable, "-c",
           "import sys; from veerkracht.cli.main import main; main(sys.argv[1:])",
           "--workspace", str(loc), "import", "addresses"]
    assert subprocess.run([*cmd, str(base)], capture_output=True).returncode == 0
    procs = {t: subprocess.Popen([*cmd, str(f), "--append"], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
             for t, f in files.items()}
    done = {t: (p.wait(TIMEOUT), *p.communicate()) for t, p in procs.items()}
    with open_workspace(str(loc)) as ws:
        ids = set(ws.read("addresses")["address_id"])
    ok = [t for t, (rc, _, _) in done.items() if rc == 0]
    failed = [t for t in done if t not in ok]
    for t in failed:
        rc, _, err = done[t]
        assert rc == 2 and "intussen gewijzigd" in err and "Traceback" not in err
    assert ok, done
    expected = {"9351AA-1"} | {f"{postcodes[t]}-{n}" for t in ok for n in range(1, 41)}
    assert ids == expected
    # The run that committed last reported exactly the table as stored.
    assert any(f"Tabel addresses: {len(ids)} rijen" in done[t][1] for t in ok), done


def test_workspace_error_is_the_base_of_the_conflict():
    assert issubclass(ConcurrentChange, WorkspaceError)
