"""The audit key ring: HMAC keys kept outside the database, with rotation.

The chain, the checkpoints and the opaque place keys of the audit trail are
keyed with a secret that never enters the database, so someone who can write
to the database (or restore an old copy of it) cannot rewrite rows and
re-hash the chain after them. The key ring comes from, in this order:

* ``VEERKRACHT_AUDIT_KEY`` — the ring itself in an environment variable
  (``id:hex,id:hex``; for a secret store of a container platform);
* ``VEERKRACHT_AUDIT_KEY_FILE`` — a file, one key per line ``id hex``
  (``#`` starts a comment).

The **last** key is the current one: new rows and checkpoints are signed with
it and record its id. Older keys stay in the ring so older rows stay
verifiable; rotating adds a key (:func:`rotate`), it never replaces one.
With ``VEERKRACHT_AUDIT_KEY_CREATE`` on (demo and tests only) a missing file
is created with one fresh key.

Each use gets its own sub-key (:func:`subkey`: ``chain``, ``checkpoint``,
``place``), so a value made for one purpose cannot stand in for another.

Examples
--------
>>> ring = parse_ring("k1:" + "ab" * 32 + ",k2:" + "cd" * 32)
>>> ring.current, sorted(ring.keys)
('k2', ['k1', 'k2'])
>>> len(subkey(ring.keys["k1"], "chain"))
32
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,16}$")
MIN_KEY_BYTES = 32


class AuditKeyError(RuntimeError):
    """No usable audit key: the trail refuses to write rather than write unkeyed."""


@dataclass(frozen=True)
class KeyRing:
    """Audit keys by id; ``current`` signs new rows."""

    keys: dict[str, bytes]
    current: str

    def key(self, key_id: str) -> bytes:
        """The key with ``key_id``; :class:`AuditKeyError` when unknown."""
        try:
            return self.keys[key_id]
        except KeyError:
            raise AuditKeyError(f"onbekende auditsleutel {key_id!r}") from None


def subkey(key: bytes, purpose: str) -> bytes:
    """The key for one use (domain separation): HMAC(key, purpose)."""
    label = f"veerkracht-audit:{purpose}".encode()
    return hmac.new(key, label, hashlib.sha256).digest()


def _entries(pairs: list[tuple[str, str]], where: str) -> KeyRing:
    keys: dict[str, bytes] = {}
    for key_id, hexkey in pairs:
        if not KEY_ID.match(key_id):
            raise AuditKeyError(f"{where}: ongeldige sleutel-id {key_id!r}")
        try:
            raw = bytes.fromhex(hexkey)
        except ValueError:
            raise AuditKeyError(f"{where}: sleutel {key_id} is geen hex") from None
        if len(raw) < MIN_KEY_BYTES:
            raise AuditKeyError(
                f"{where}: sleutel {key_id} is te kort (minstens {MIN_KEY_BYTES} bytes)"
            )
        if key_id in keys:
            raise AuditKeyError(f"{where}: sleutel-id {key_id} staat er twee keer in")
        keys[key_id] = raw
    if not keys:
        raise AuditKeyError(f"{where}: geen sleutel gevonden")
    return KeyRing(keys=keys, current=pairs[-1][0])


def parse_ring(text: str) -> KeyRing:
    """A ring from ``id:hex,id:hex`` (the environment variable's form)."""
    pairs = []
    for part in text.split(","):
        part = part.strip()
        if part:
            key_id, _, hexkey = part.partition(":")
            pairs.append((key_id.strip(), hexkey.strip()))
    return _entries(pairs, "VEERKRACHT_AUDIT_KEY")


def read_ring_file(path: Path) -> KeyRing:
    """A ring from a key file: one ``id hex`` per line."""
    pairs = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            key_id, _, hexkey = line.partition(" ")
            pairs.append((key_id.strip(), hexkey.strip()))
    return _entries(pairs, str(path))


def _new_line(key_id: str) -> str:
    return f"{key_id} {secrets.token_hex(MIN_KEY_BYTES)}\n"


def create_ring_file(path: Path) -> KeyRing:
    """Write a new key file with one key (``k1``), readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write("# Veerkracht auditsleutels: bewaar buiten de database, nooit delen\n")
        fh.write(_new_line("k1"))
    return read_ring_file(path)


def rotate(path: Path) -> str:
    """Add a fresh key to the key file and return its id (old keys stay)."""
    ring = read_ring_file(path)
    numbers = [int(k[1:]) for k in ring.keys if re.fullmatch(r"k\d+", k)]
    key_id = f"k{max(numbers, default=0) + 1}"
    with path.open("a") as fh:
        fh.write(_new_line(key_id))
        fh.flush()
        os.fsync(fh.fileno())
    _cache.clear()
    return key_id


_cache: dict[tuple, KeyRing] = {}
_lock = threading.Lock()


def ring() -> KeyRing:
    """The site's key ring, from the settings (see the module docstring)."""
    from django.conf import settings

    env = getattr(settings, "VEERKRACHT_AUDIT_KEY", "") or ""
    if env:
        key = ("env", env)
        with _lock:
            if key not in _cache:
                _cache[key] = parse_ring(env)
            return _cache[key]
    name = getattr(settings, "VEERKRACHT_AUDIT_KEY_FILE", "") or ""
    if not name:
        raise AuditKeyError(
            "Geen auditsleutel: zet VEERKRACHT_AUDIT_KEY_FILE (een sleutelbestand "
            "buiten de database) of VEERKRACHT_AUDIT_KEY (docs/privacy.md, Audittrail)."
        )
    path = Path(name)
    with _lock:
        if not path.exists():
            if not getattr(settings, "VEERKRACHT_AUDIT_KEY_CREATE", False):
                raise AuditKeyError(
                    f"Het sleutelbestand {path} bestaat niet; maak het met "
                    "`veerkracht audit rotate-key --create`."
                )
            # another process may have made it a moment ago
            with contextlib.suppress(FileExistsError):
                create_ring_file(path)
        stat = path.stat()
        key = ("file", str(path), stat.st_mtime_ns, stat.st_size)
        if key not in _cache:
            _cache.clear()
            _cache[key] = read_ring_file(path)
        return _cache[key]
