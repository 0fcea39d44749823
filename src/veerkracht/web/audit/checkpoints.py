"""Signed checkpoints of the audit chain, kept in a file outside the database.

A checkpoint is one JSON line: the last row's ``seq`` and ``hash``, the number
of rows up to it, the time, the id of the key used and an HMAC-SHA256 over all
of these (sub-key ``checkpoint`` of the audit key). ``audit verify`` checks the
chain against every checkpoint, so

* **truncation** — deleting the newest rows — shows as a checkpoint that
  names a row the database no longer has;
* **re-chaining** — rewriting a row and re-hashing everything after it —
  shows as a head that differs from the signed one (and, without the key, as
  wrong MACs on every rewritten row).

Rows written after the newest checkpoint are only as safe as the chain; write
checkpoints often (``veerkracht audit checkpoint`` from cron, and every
``VEERKRACHT_AUDIT_CHECKPOINT_EVERY`` rows automatically) and keep the file
where the database's users cannot write (another host, a WORM bucket).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import asdict, dataclass
from datetime import UTC
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from veerkracht.web.audit import keys
from veerkracht.web.audit.models import AuditEntry

FILE_NAME = "checkpoints.jsonl"
_SIGNED = ("seq", "rows", "last_hash", "at", "key_id")


@dataclass(frozen=True)
class Checkpoint:
    """One signed statement about the chain's head."""

    seq: int
    rows: int
    last_hash: str
    at: str
    key_id: str
    mac: str = ""


def checkpoint_file() -> Path:
    """Where checkpoints are appended (``VEERKRACHT_AUDIT_CHECKPOINT_DIR``)."""
    folder = getattr(settings, "VEERKRACHT_AUDIT_CHECKPOINT_DIR", "") or ""
    if not folder:
        raise keys.AuditKeyError(
            "VEERKRACHT_AUDIT_CHECKPOINT_DIR is niet gezet: geen plek voor checkpoints"
        )
    return Path(folder) / FILE_NAME


def _mac(values: dict, ring: keys.KeyRing) -> str:
    key = keys.subkey(ring.key(values["key_id"]), "checkpoint")
    payload = json.dumps(
        {k: values[k] for k in _SIGNED}, sort_keys=True, separators=(",", ":")
    ).encode()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def write_checkpoint() -> Checkpoint | None:
    """Append a signed checkpoint of the current head; ``None`` for an empty trail."""
    ring = keys.ring()
    with transaction.atomic():
        last = AuditEntry.objects.order_by("-seq").first()
        if last is None:
            return None
        rows = AuditEntry.objects.filter(seq__lte=last.seq).count()
    values = {
        "seq": last.seq,
        "rows": rows,
        "last_hash": last.hash,
        "at": timezone.now().astimezone(UTC).isoformat(timespec="seconds"),
        "key_id": ring.current,
    }
    cp = Checkpoint(**values, mac=_mac(values, ring))
    path = checkpoint_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(asdict(cp), sort_keys=True) + "\n"
    # one write of one short line in append mode: concurrent writers never mix
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return cp


def read_checkpoints(
    ring: keys.KeyRing | None = None,
) -> tuple[list[Checkpoint], list[str]]:
    """The valid checkpoints and a problem for each forged or unreadable one."""
    ring = ring or keys.ring()
    try:
        path = checkpoint_file()
    except keys.AuditKeyError:
        return [], []
    if not path.exists():
        return [], []
    valid: list[Checkpoint] = []
    problems: list[str] = []
    for n, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            cp = Checkpoint(
                seq=int(raw["seq"]),
                rows=int(raw["rows"]),
                last_hash=str(raw["last_hash"]),
                at=str(raw["at"]),
                key_id=str(raw["key_id"]),
                mac=str(raw["mac"]),
            )
        except (ValueError, KeyError, TypeError):
            problems.append(f"checkpoint {n}: onleesbaar")
            continue
        if cp.key_id not in ring.keys:
            problems.append(f"checkpoint {n}: onbekende sleutel {cp.key_id!r}")
            continue
        if not hmac.compare_digest(_mac(asdict(cp), ring), cp.mac):
            problems.append(f"checkpoint {n}: handtekening klopt niet (vervalst)")
            continue
        if valid and (cp.seq < valid[-1].seq or cp.rows < valid[-1].rows):
            problems.append(
                f"checkpoint {n}: telt minder regels dan het checkpoint ervoor"
            )
        valid.append(cp)
    return valid, problems
