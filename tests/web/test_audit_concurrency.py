"""Many writers of the audit trail at once on PostgreSQL: one unbroken chain.

Writers take turns with an advisory lock and read the head after taking it
(``audit.services._lock_head``), so none of them builds on a stale head:
every row links to the one before, no insert fails on ``prev_hash`` and is
retried, and the chain verifies. (Locking the head row instead let every
waiter wake up on a row that was no longer the head; under load most inserts
failed and were retried, thousands of times per minute.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

_WRITERS = textwrap.dedent("""
    import json, threading, time
    import django
    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    call_command("migrate", verbosity=0)
    from veerkracht.web.audit import services
    from veerkracht.web.audit.services import record, verify

    retries = []
    real_sleep = time.sleep

    class Clock:
        @staticmethod
        def sleep(seconds):
            retries.append(seconds)
            real_sleep(seconds)

    services.time = Clock
    start = threading.Barrier(8)

    def writer(n):
        start.wait()
        for i in range(25):
            # inside a longer transaction, as a report writes its audit row
            with transaction.atomic():
                record("view", level="buurt", object_id="BU00000001",
                       purpose="profile")
        connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result = verify(with_checkpoints=False)
    print(json.dumps({"ok": result.ok, "entries": result.entries,
                      "problems": list(result.problems), "retries": len(retries)}))
""")


def test_concurrent_writers_form_one_chain_without_retries(pg_workspace_url, tmp_path):
    env = {**os.environ,
           "DJANGO_SETTINGS_MODULE": "veerkracht.web.conf.ci",
           "DATABASE_URL": pg_workspace_url,
           "VEERKRACHT_WORKSPACE": str(tmp_path / "ws"),
           "VEERKRACHT_AUDIT_KEY_FILE": str(tmp_path / "audit.key"),
           "VEERKRACHT_AUDIT_KEY_CREATE": "true"}
    out = subprocess.run([sys.executable, "-c", _WRITERS], env=env, check=True,
                         capture_output=True, text=True, timeout=300)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"ok": True, "entries": 200, "problems": [], "retries": 0}
