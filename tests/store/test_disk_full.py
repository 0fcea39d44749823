"""A full disk (or quota) and a full memory end in one Dutch line, nothing written.

The writers are made to fail as the operating system makes them fail
(``OSError`` with ``ENOSPC``/``EDQUOT``, SQLite's "database or disk is full",
PostgreSQL's SQLSTATE 53100); the workspace must be unchanged and readable.
"""

from __future__ import annotations

import errno
import sqlite3

import pandas as pd
import pytest

from veerkracht.store import WorkspaceError, open_workspace
from veerkracht.store import files as files_store
from veerkracht.store.base import is_disk_full

FULL = [errno.ENOSPC, errno.EDQUOT]


def _state(ws):
    return ws.tables(), ws.operations()


def _base(ws):
    with ws.transaction("base") as tx:
        tx.put("items", pd.DataFrame({"k": [1, 2, 3]}))
    return _state(ws)


@pytest.mark.parametrize("code", FULL)
def test_disk_full_while_writing_a_table_leaves_the_workspace_as_it_was(
        tmp_path, monkeypatch, code):
    ws = open_workspace(tmp_path / "ws")
    before = _base(ws)
    real = files_store._write_parquet
    calls = []

    def fills_up(frame, path):
        calls.append(path.name)
        if len(calls) == 2:  # the first table was written, the second fails
            raise OSError(code, "No space left on device", str(path))
        real(frame, path)

    monkeypatch.setattr(files_store, "_write_parquet", fills_up)
    with pytest.raises(WorkspaceError) as info, ws.transaction("big") as tx:
        tx.put("items", pd.DataFrame({"k": range(10)}))
        tx.put("more", pd.DataFrame({"k": range(10)}))
    message = str(info.value)
    assert "vol" in message and "niets opgeslagen" in message
    assert "\n" not in message and "Errno" not in message
    monkeypatch.undo()
    assert _state(ws) == before
    assert ws.read("items")["k"].tolist() == [1, 2, 3]
    tables = tmp_path / "ws" / "tables"
    assert sorted(p.name for p in tables.iterdir()) == ["items-1.parquet"]
    # A reopened workspace is the same, and writing works again.
    again = open_workspace(tmp_path / "ws")
    assert _state(again) == before
    with again.transaction("after") as tx:
        tx.put("items", pd.DataFrame({"k": [4]}))
    assert again.info("items").version == 2


class _FullConnection:
    """A SQLite connection whose catalogue write hits a full disk."""

    def __init__(self, con):
        self._con = con

    def execute(self, sql, *args):
        if sql.startswith("INSERT OR REPLACE INTO tables"):
            raise sqlite3.OperationalError("database or disk is full")
        return self._con.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self._con, name)


def test_disk_full_in_the_catalogue_rolls_back_and_removes_moved_files(
        tmp_path, monkeypatch):
    ws = open_workspace(tmp_path / "ws")
    before = _base(ws)
    real = files_store.FileWorkspace._connect
    monkeypatch.setattr(files_store.FileWorkspace, "_connect",
                        lambda self: _FullConnection(real(self)))
    with pytest.raises(WorkspaceError, match="vol"), ws.transaction("big") as tx:
        tx.put("items", pd.DataFrame({"k": range(10)}))
    monkeypatch.undo()
    assert _state(ws) == before
    tables = tmp_path / "ws" / "tables"
    assert sorted(p.name for p in tables.iterdir()) == ["items-1.parquet"]


def test_other_os_errors_are_not_called_a_full_disk(tmp_path, monkeypatch):
    ws = open_workspace(tmp_path / "ws")
    _base(ws)

    def denied(frame, path):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(files_store, "_write_parquet", denied)
    with pytest.raises(PermissionError), ws.transaction("x") as tx:
        tx.put("items", pd.DataFrame({"k": [1]}))


def test_arrow_reports_a_full_disk_with_errno_28():
    """What pyarrow raises on a really full device (Linux's /dev/full)."""
    from pathlib import Path

    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    frame = pd.DataFrame({"a": range(200_000)})
    with pytest.raises(OSError) as info:
        frame.to_parquet("/dev/full")
    assert is_disk_full(info.value)


@pytest.mark.postgres
def test_postgres_disk_full_rolls_back(pg_workspace_url, monkeypatch):
    import psycopg

    from veerkracht.store import postgres

    ws = open_workspace(pg_workspace_url)
    try:
        before = _base(ws)

        def fills_up(self, physical, frame, geom_col, dictionaries):
            raise psycopg.errors.DiskFull("could not extend file: No space left")

        monkeypatch.setattr(postgres.PostgresWorkspace, "_load", fills_up)
        with pytest.raises(WorkspaceError, match="vol"), ws.transaction("big") as tx:
            tx.put("items", pd.DataFrame({"k": range(10)}))
        monkeypatch.undo()
        assert _state(ws) == before
        assert ws.read("items")["k"].tolist() == [1, 2, 3]
    finally:
        ws.close()


# ------------------------------------------------------------- the command line

HEADER = ("straat;huisnummer;huisletter;huisnummertoevoeging;postcode;woonplaats;"
          "gemeente;provincie;lat;lon\n")
ROW = "Bosweg;1;;;9351AA;Leek;Westerkwartier;Groningen;53.16286776;6.39284044\n"


def _main(args, capsys):
    from veerkracht.cli.main import main

    with pytest.raises(SystemExit) as info:
        main(args)
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert text.count("Fout:") == 1 and "Traceback" not in text, text
    # Rich wraps at the terminal's width; the message itself is one line.
    return info.value.code, " ".join(text.split())


def test_cli_disk_full_is_one_dutch_line_and_exit_2(tmp_path, monkeypatch, capsys):
    f = tmp_path / "a.csv"
    f.write_text(HEADER + ROW, encoding="utf-8")
    ws = tmp_path / "ws"

    def full(frame, path):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(files_store, "_write_parquet", full)
    code, text = _main(["--workspace", str(ws), "import", "addresses", str(f)], capsys)
    assert code == 2
    assert text.startswith("Fout: de schijf van de werkmap") and "is vol" in text
    monkeypatch.undo()
    with open_workspace(ws) as w:
        assert w.tables() == [] and w.operations() == []


def test_cli_disk_full_outside_the_workspace(tmp_path, monkeypatch, capsys):
    """An OSError ENOSPC that the store did not see (e.g. an export file)."""
    import veerkracht.io.addresses as addresses

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device", "/export/x.csv")

    monkeypatch.setattr(addresses, "read_addresses", full)
    f = tmp_path / "a.csv"
    f.write_text(HEADER + ROW, encoding="utf-8")
    code, text = _main(["--workspace", str(tmp_path / "ws"), "import", "addresses",
                        str(f)], capsys)
    assert code == 2 and "schijf is vol" in text and "/export/x.csv" in text
    assert "Traceback" not in text


def test_cli_memory_error_is_one_dutch_line_and_exit_2(tmp_path, monkeypatch, capsys):
    """Any command (the importers say more about their own input)."""
    import veerkracht.jobs.places as places

    def huge(*a, **k):
        raise MemoryError

    monkeypatch.setattr(places, "run_places", huge)
    code, text = _main(["--workspace", str(tmp_path / "ws"), "places"], capsys)
    assert code == 2
    assert "onvoldoende werkgeheugen" in text and "niets opgeslagen" in text
    with open_workspace(tmp_path / "ws") as w:
        assert w.tables() == []


def test_address_import_out_of_memory_names_the_files(tmp_path, monkeypatch, capsys):
    """The importer names the input that was too big, in one line, and
    stores nothing."""
    import veerkracht.cli.imports as imports

    f = tmp_path / "noord-holland.csv"
    f.write_text("x\n")

    def huge(*a, **k):
        raise MemoryError

    monkeypatch.setattr(imports, "_import", huge)
    code, text = _main(["--workspace", str(tmp_path / "ws"), "import", "addresses",
                        str(f)], capsys)
    assert code == 2 and "Traceback" not in text
    assert "onvoldoende geheugen" in text and "noord-holland.csv" in text
    assert "niets opgeslagen" in text
