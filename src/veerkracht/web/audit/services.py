"""Writing and verifying the audit trail.

Every entry's ``hash`` is the SHA-256 of its own fields and the previous
entry's hash (``prev_hash``; the first entry links to :data:`GENESIS`).
``prev_hash`` is unique, so two writers can never fork the chain: the loser
of a race retries on the new head.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from veerkracht.web.audit.models import AuditEntry

log = logging.getLogger("veerkracht.web.audit")

GENESIS = "0" * 64
_FIELDS = (
    "seq",
    "at",
    "actor",
    "action",
    "object_level",
    "object_id",
    "result",
    "origin",
    "purpose",
    "prev_hash",
)


def pseudonym(kind: str, value: object) -> str:
    """A stable keyed pseudonym (HMAC with the site's secret), never a name.

    An auditor who knows a user id can recompute it; the log alone reveals
    nobody.
    """
    key = settings.SECRET_KEY.encode()
    digest = hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
    return f"{kind}:{digest[:16]}"


def actor_of(user) -> str:
    """The audit actor for a (possibly anonymous) user."""
    if user is None or not getattr(user, "is_authenticated", False):
        return "anonymous"
    return pseudonym("user", user.pk)


def truncate_ip(address: str | None) -> str:
    """IPv4 to its /24 and IPv6 to its /48 network; anything else to ``""``."""
    if not address:
        return ""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return ""
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def origin_of(request) -> str:
    """Truncated client address of a request."""
    if request is None:
        return "cli"
    return truncate_ip(request.META.get("REMOTE_ADDR"))


def entry_hash(values: dict) -> str:
    """SHA-256 over the canonical JSON of an entry's fields."""
    payload = json.dumps(
        {k: values[k] for k in _FIELDS},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _values(entry: AuditEntry) -> dict:
    return {
        "seq": entry.seq,
        "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": entry.actor,
        "action": entry.action,
        "object_level": entry.object_level,
        "object_id": entry.object_id,
        "result": entry.result,
        "origin": entry.origin,
        "purpose": entry.purpose,
        "prev_hash": entry.prev_hash,
    }


def record(
    action: str,
    *,
    request=None,
    user=None,
    actor: str | None = None,
    level: str = "",
    object_id: str = "",
    result: str = "ok",
    purpose: str = "",
) -> AuditEntry:
    """Append one entry to the trail.

    Parameters
    ----------
    action : str
        One of :attr:`AuditEntry.ACTIONS`.
    request, user : optional
        Where the actor and origin come from (``user`` defaults to
        ``request.user``); ``actor`` overrides both.
    level, object_id : str
        The place (or ``account``/``setting``) concerned: a level and an id,
        never an address, a name or free text.
    result : str
        ``ok``, ``refused`` or ``failed``.
    purpose : str
        A short code for why (``map``, ``profile``, ``pdf``...).
    """
    if user is None and request is not None:
        user = getattr(request, "user", None)
    who = actor or actor_of(user)
    for attempt in range(20):
        try:
            with transaction.atomic():
                last = AuditEntry.objects.select_for_update().order_by("-seq").first()
                prev = last.hash if last else GENESIS
                entry = AuditEntry(
                    seq=(last.seq + 1) if last else 1,
                    at=timezone.now(),
                    actor=who[:64],
                    action=action,
                    object_level=level[:20],
                    object_id=str(object_id)[:120],
                    result=result,
                    origin=origin_of(request)[:48],
                    purpose=purpose[:64],
                    prev_hash=prev,
                )
                entry.hash = entry_hash(_values(entry))
                entry.save()
                return entry
        except (IntegrityError, OperationalError) as exc:
            # a concurrent writer took the head (IntegrityError on prev_hash) or
            # holds SQLite's lock: retry on the new head
            if attempt == 19 or (
                isinstance(exc, OperationalError) and "locked" not in str(exc)
            ):
                raise
            time.sleep(0.02 * (attempt + 1))
            continue
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Verification:
    """Outcome of :func:`verify`."""

    ok: bool
    entries: int
    problems: tuple[str, ...]


def verify() -> Verification:
    """Recompute the chain; report every broken link or changed row."""
    problems: list[str] = []
    prev = GENESIS
    expected_seq = 1
    count = 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        count += 1
        if entry.seq != expected_seq:
            problems.append(f"regel {expected_seq}..{entry.seq - 1} ontbreekt")
        if entry.prev_hash != prev:
            problems.append(
                f"regel {entry.seq}: schakel naar de vorige regel klopt niet"
            )
        if entry_hash(_values(entry)) != entry.hash:
            problems.append(f"regel {entry.seq}: inhoud gewijzigd (hash klopt niet)")
        prev = entry.hash
        expected_seq = entry.seq + 1
    return Verification(ok=not problems, entries=count, problems=tuple(problems))
