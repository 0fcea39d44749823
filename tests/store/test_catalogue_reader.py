"""The file workspace answers ``tables()`` from a kept copy, never a stale one.

Each thread keeps a connection to the catalogue and what it read last, and
reads again when SQLite's ``data_version`` says someone committed: another
instance, another process, another thread. A replaced file is opened again.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading

import pandas as pd

from veerkracht.store import open_workspace


def _versions(ws) -> dict[str, int]:
    return {t.name: t.version for t in ws.tables()}


def _put(ws, name: str, n: int = 1) -> None:
    with ws.transaction("test") as tx:
        tx.put(name, pd.DataFrame({"k": range(n)}))


def test_a_commit_anywhere_shows_in_the_next_call(tmp_path):
    reader = open_workspace(tmp_path / "ws")
    assert _versions(reader) == {}
    _put(reader, "a")  # this instance
    assert _versions(reader) == {"a": 1}
    assert _versions(reader) == {"a": 1}  # kept, unchanged
    _put(open_workspace(tmp_path / "ws"), "a", 2)  # another instance
    assert _versions(reader) == {"a": 2}
    subprocess.run(  # another process
        [sys.executable, "-c",
         "import sys, pandas as pd; from veerkracht.store import open_workspace;"
         "ws = open_workspace(sys.argv[1]);"
         "tx = ws.transaction('test');"
         "t = tx.__enter__(); t.put('b', pd.DataFrame({'k': [1]}));"
         "tx.__exit__(None, None, None)", str(tmp_path / "ws")],
        check=True, timeout=120)
    assert _versions(reader) == {"a": 2, "b": 1}
    seen = []
    other = threading.Thread(target=lambda: (_put(reader, "c"),
                                             seen.append(_versions(reader))))
    other.start()
    other.join()
    assert seen == [{"a": 2, "b": 1, "c": 1}]
    assert _versions(reader) == {"a": 2, "b": 1, "c": 1}


def test_a_replaced_workspace_file_is_read_again(tmp_path):
    reader = open_workspace(tmp_path / "ws")
    _put(reader, "a")
    assert _versions(reader) == {"a": 1}
    fresh = tmp_path / "fresh"
    _put(open_workspace(fresh), "z")
    shutil.rmtree(tmp_path / "ws")
    shutil.copytree(fresh, tmp_path / "ws")
    assert _versions(reader) == {"z": 1}
