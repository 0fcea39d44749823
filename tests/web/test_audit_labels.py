"""Every audit action code has a Dutch label on the audit page.

An action recorded with a code that is not in ``AuditEntry.ACTIONS`` shows
as the bare code (``model_approval``) on the privacy officer's page. The
codes are read from the source: every ``record("…")``, ``access.audit("…")``,
``action="…"`` and the admin middleware's two codes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import veerkracht.web
from veerkracht.web.audit.models import AuditEntry
from veerkracht.web.audit.services import record

WEB = Path(veerkracht.web.__file__).parent
PATTERNS = (
    re.compile(r"\brecord\(\s*\"(\w+)\""),
    re.compile(r"\baudit\(\s*\"(\w+)\""),
    re.compile(r"\baction\s*=\s*\"(\w+)\""),
    re.compile(r"\brecord\(\s*\"(\w+)\" if \w+ else \"(\w+)\""),
)


def _codes_in_source() -> set[str]:
    codes: set[str] = set()
    for path in WEB.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for pattern in PATTERNS:
            for m in pattern.finditer(text):
                codes.update(g for g in m.groups() if g)
    return codes - {"store_true", "store"}  # argparse actions


def test_every_recorded_action_code_has_a_label():
    codes = _codes_in_source()
    # the scan finds the codes it must (else it proves nothing)
    assert {"model_approval", "key_rotate", "admin_change", "admin_view",
            "signal_view", "view", "export"} <= codes
    labels = dict(AuditEntry.ACTIONS)
    missing = sorted(codes - set(labels))
    assert not missing, f"audit action codes without a label: {missing}"
    assert all(str(v).strip() and str(v) != k for k, v in labels.items())


@pytest.mark.django_db
def test_audit_page_shows_labels_not_codes(client, users):
    for code, _label in AuditEntry.ACTIONS:
        record(code, actor="cli", level="setting", object_id=f"test:{code}")
    client.force_login(users["privacy"])
    body = client.get("/privacy/").content.decode()
    assert "model goedgekeurd" in body
    rows = [re.findall(r"<td>(.*?)</td>", tr)
            for tr in re.findall(r"<tr><td>\d+</td>.*?</tr>", body)]
    actions = {r[3] for r in rows if len(r) >= 4}  # the action column
    for code, label in AuditEntry.ACTIONS:
        assert str(label) in actions, label
        assert code not in actions, code
