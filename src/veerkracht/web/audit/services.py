"""Writing and verifying the audit trail (docs/privacy.md, "Audittrail").

Every entry's ``hash`` is an HMAC-SHA256, with a key kept outside the
database (:mod:`veerkracht.web.audit.keys`), of its own fields, the id of the
key used (``key_id``) and the previous entry's hash (``prev_hash``; the first
entry links to :data:`GENESIS`). Without the key nobody can rewrite a row and
re-hash the rows after it. Writers take turns (one lock for the whole chain,
:func:`_lock_head`), and ``prev_hash`` is unique besides, so two writers can
never fork the chain: should two ever race, the loser retries on the new head.

The chain alone cannot show that its newest rows were removed; signed
checkpoints written to a file outside the database
(:mod:`veerkracht.web.audit.checkpoints`) can, and :func:`verify` checks the
chain against them.

Nothing free enters a row: :func:`record` reduces actor, object, purpose and
level to known codes and patterns, and stores places below the buurt by an
opaque key (:func:`place_key`), never by their id (entrance ids are
postcode + house number).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import re
import time
from dataclasses import dataclass
from datetime import UTC

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone

from veerkracht.web.audit import keys
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
#: Rows written before the chain was keyed carry no key id (plain SHA-256).
LEGACY = ""

# -- the vocabulary of the trail ------------------------------------------------
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_CBS = re.compile(r"^(GM\d{4}|WK\d{6}|BU\d{8})$")
_PSEUDONYM = r"(?:user|login):[0-9a-f]{16}"
_ACTOR = re.compile(rf"^(?:anonymous|cli|system:[a-z_]{{1,32}}|{_PSEUDONYM})$")
_GENERIC_OBJECT = re.compile(r"^[A-Za-z0-9_.:\->]{1,120}$")

#: Place levels whose ids are stored as they are: CBS area codes (public).
CLEAR_LEVELS = frozenset({"gemeente", "wijk", "buurt"})
#: Place levels stored only by their opaque key (ids derived from addresses).
OPAQUE_LEVELS = frozenset({"street", "block", "building", "entrance"})
PLACE_LEVELS = CLEAR_LEVELS | OPAQUE_LEVELS

#: Object kinds other than places, and the pattern their ids must match.
OBJECT_RULES: dict[str, re.Pattern] = {
    "account": re.compile(
        rf"^{_PSEUDONYM}(?::[a-z_-]{{1,20}}->[a-z_]{{1,20}})?$|^grant:\d{{1,12}}$"
    ),
    "setting": re.compile(r"^[a-z_]{1,40}(?::[A-Za-z0-9_.\->]{0,60})?$"),
    "signal": re.compile(
        r"^(?:VK-\d{4}-[A-Z2-9]{8}|werkbak|api|open311|\d{1,9} meldingen)$"
    ),
    "admin": re.compile(r"^[a-z_]{1,40}\.[a-z_]{1,40}(?::\d{1,12})?$"),
    "cli": re.compile(r"^[a-z_]{1,40}$"),
}

#: Purposes besides the role permissions, signal statuses and URL names.
PURPOSES = {
    "accounts",
    "admin",
    "api",
    "audit",
    "checkpoint",
    "cli",
    "login",
    "map",
    "model_approval",
    "open",
    "open311",
    "other",
    "pdf",
    "privacy",
    "profile",
    "threshold",
    "web",
}
_PURPOSE_PATTERN = re.compile(r"^(?:\d{1,4}d|org\d{1,9})$")


def register_vocabulary(
    *, purposes: tuple[str, ...] = (), kinds: dict[str, str] | None = None
) -> None:
    """Let another app add purpose codes and object kinds (with an id pattern).

    Examples
    --------
    >>> register_vocabulary(purposes=("model",), kinds={"model": r"^[0-9a-f]{8,64}$"})
    >>> "model" in PURPOSES and "model" in OBJECT_RULES
    True
    """
    for p in purposes:
        if not _CODE.match(p):
            raise ValueError(f"geen doelcode: {p!r}")
        PURPOSES.add(p)
    for kind, pattern in (kinds or {}).items():
        if not _CODE.match(kind) or kind in PLACE_LEVELS:
            raise ValueError(f"geen objectsoort: {kind!r}")
        OBJECT_RULES[kind] = re.compile(pattern)


_url_names: frozenset[str] | None = None


def _known_url_names() -> frozenset[str]:
    """Names in the URL conf (the refusal middleware logs them as purpose)."""
    global _url_names
    if _url_names is None:
        from django.urls import URLPattern, URLResolver, get_resolver

        names: set[str] = set()

        def walk(patterns):
            for p in patterns:
                if isinstance(p, URLResolver):
                    walk(p.url_patterns)
                elif isinstance(p, URLPattern) and p.name:
                    names.add(p.name)

        walk(get_resolver().url_patterns)
        _url_names = frozenset(n for n in names if _CODE.match(n))
    return _url_names


def clean_purpose(purpose: str) -> str:
    """A purpose code, or ``other`` for anything not in the vocabulary.

    Examples
    --------
    >>> clean_purpose("pdf"), clean_purpose("90d"), clean_purpose("Jan Jansen")
    ('pdf', '90d', 'other')
    """
    from veerkracht.web.accounts.roles import PERMISSIONS
    from veerkracht.web.signals.workflow import STATUSES

    p = str(purpose or "")
    if not p:
        return ""
    if p in PURPOSES or p in PERMISSIONS or p in STATUSES or _PURPOSE_PATTERN.match(p):
        return p
    if _CODE.match(p) and p in _known_url_names():
        return p
    return "other"


def place_key(level: str, place_id: object, *, key_id: str | None = None) -> str:
    """The opaque key the trail stores for a place: ``p:`` + HMAC of level and id.

    Keyed with the audit key (sub-key ``place``) of ``key_id`` (default: the
    current key), so the trail shows which rows concern the same place
    without saying which place; with the key an auditor finds the rows of a
    known place (:func:`rows_for_place`). The one function that makes it.
    """
    ring = keys.ring()
    key = keys.subkey(ring.key(key_id or ring.current), "place")
    mac = hmac.new(key, f"{level}:{place_id}".encode(), hashlib.sha256).hexdigest()
    return f"p:{mac[:24]}"


def audit_place_id(level: str, place_id: object, *, key_id: str | None = None) -> str:
    """What the trail stores for a place: a CBS area code as is, else its key."""
    text = str(place_id or "")
    if not text:
        return ""
    if level in CLEAR_LEVELS and _CBS.match(text):
        return text
    return place_key(level, text, key_id=key_id)


def rows_for_place(level: str, place_id: object):
    """Audit rows about one place, over every key of the ring (for the auditor)."""
    ring = keys.ring()
    cond = Q(object_level=level, object_id=str(place_id))
    for key_id in ring.keys:
        stored = audit_place_id(level, place_id, key_id=key_id)
        cond |= Q(key_id=key_id, object_id=stored)
        cond |= Q(key_id=key_id, object_id__endswith=":" + stored)
    return AuditEntry.objects.filter(cond).order_by("seq")


def clean_object(level: str, object_id: object, *, key_id: str | None = None) -> str:
    """Reduce an object id to what the trail may hold (never an address or text).

    Places: see :func:`audit_place_id`. Stories: ``level:place`` with the
    place reduced the same way. Other kinds must match their pattern in
    :data:`OBJECT_RULES`; anything else is stored as ``?``.
    """
    text = str(object_id or "")
    if not text:
        return ""
    if level in PLACE_LEVELS:
        return audit_place_id(level, text, key_id=key_id)
    if level == "story":
        place_level, _, pid = text.partition(":")
        if place_level in PLACE_LEVELS and pid:
            return f"{place_level}:{audit_place_id(place_level, pid, key_id=key_id)}"
        return "?"
    rule = OBJECT_RULES.get(level, _GENERIC_OBJECT)
    return text if rule.match(text) else "?"


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


def _canonical(values: dict, fields: tuple[str, ...]) -> bytes:
    return json.dumps(
        {k: values[k] for k in fields},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


def entry_hash(values: dict) -> str:
    """SHA-256 over the canonical JSON of an entry's fields (rows before keying)."""
    return hashlib.sha256(_canonical(values, _FIELDS)).hexdigest()


def entry_mac(values: dict, key_id: str, ring: keys.KeyRing | None = None) -> str:
    """HMAC-SHA256 (sub-key ``chain`` of key ``key_id``) over the entry and key id."""
    ring = ring or keys.ring()
    key = keys.subkey(ring.key(key_id), "chain")
    payload = _canonical({**values, "key_id": key_id}, (*_FIELDS, "key_id"))
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


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


def _check_code(name: str, value: str, limit: int) -> str:
    if value and not re.fullmatch(rf"[a-z][a-z0-9_]{{0,{limit - 1}}}", value):
        raise ValueError(f"audit: {name} moet een code zijn, niet {value!r}")
    return value


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
        A code (``view``, ``export``, ``signal_view``…; see
        :attr:`AuditEntry.ACTIONS`); anything but a code is refused.
    request, user : optional
        Where the actor and origin come from (``user`` defaults to
        ``request.user``); ``actor`` overrides both.
    level, object_id : str
        The place (or ``account``, ``setting``, ``signal``, ``admin``…)
        concerned. Reduced by :func:`clean_object`: places below the buurt by
        their opaque key, other ids only when they match their pattern.
    result : str
        ``ok``, ``refused`` or ``failed``.
    purpose : str
        A code for why (``map``, ``profile``, ``pdf``…); anything not in the
        vocabulary is stored as ``other`` (:func:`clean_purpose`).

    Raises
    ------
    veerkracht.web.audit.keys.AuditKeyError
        Without an audit key nothing is written (and the request fails).
    """
    _check_code("action", action, 32)
    _check_code("level", level, 20)
    if result not in {"ok", "refused", "failed"}:
        raise ValueError(f"audit: onbekend resultaat {result!r}")
    ring = keys.ring()
    if user is None and request is not None:
        user = getattr(request, "user", None)
    who = actor or actor_of(user)
    if not _ACTOR.match(who):
        who = "?"
    stored_object = clean_object(level, object_id, key_id=ring.current)[:120]
    stored_purpose = clean_purpose(purpose)[:64]
    origin = origin_of(request)[:48]
    for attempt in range(20):
        try:
            with transaction.atomic():
                seq, prev = _lock_head()
                entry = AuditEntry(
                    seq=seq + 1,
                    at=timezone.now(),
                    actor=who[:64],
                    action=action,
                    object_level=level,
                    object_id=stored_object,
                    result=result,
                    origin=origin,
                    purpose=stored_purpose,
                    prev_hash=prev,
                    key_id=ring.current,
                )
                entry.hash = entry_mac(_values(entry), ring.current, ring)
                entry.save()
                _maybe_checkpoint(entry.seq)
                return entry
        except (IntegrityError, OperationalError) as exc:
            # a concurrent writer took the head (IntegrityError on prev_hash:
            # one that does not take the chain's lock), holds SQLite's lock,
            # or (one SQLite connection shared by the threads of a test
            # server) still has a statement open: retry on the new head
            if attempt == 19 or (
                isinstance(exc, OperationalError)
                and not any(m in str(exc) for m in _RETRY_MESSAGES)
            ):
                raise
            time.sleep(0.02 * (attempt + 1))
            continue
    raise AssertionError("unreachable")


#: The PostgreSQL advisory lock that makes writers of the chain take turns
#: (a constant: every process of the site must use the same one).
CHAIN_LOCK = int.from_bytes(
    hashlib.sha256(b"veerkracht audit chain").digest()[:8], "big", signed=True
)


def _lock_head() -> tuple[int, str]:
    """Take the chain's writing turn and read its head: ``(seq, hash)``, or
    ``(0, GENESIS)`` for an empty trail. Call inside a transaction; the turn
    lasts until that transaction ends, so the head cannot move under it.

    SQLite: the write lock that ``BEGIN IMMEDIATE`` took is the turn.
    PostgreSQL: a transaction-level advisory lock, taken in its own statement
    so that the head is read with a snapshot from after the lock — after the
    previous writer committed. (Locking the head row itself, ``SELECT … FOR
    UPDATE``, does not do that: a writer that waited for the row gets the
    row it waited for, which is no longer the head, and its insert fails on
    ``prev_hash``; under load most inserts failed and retried.) Any other
    database: the head row ``FOR UPDATE``, with the unique ``prev_hash`` and
    the retry in :func:`record` as the guard.
    """
    from django.db import connection

    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])
            lock = ""
        else:
            lock = "" if connection.vendor == "sqlite" else " FOR UPDATE"
        cursor.execute(
            f"SELECT seq, hash FROM {table} ORDER BY seq DESC LIMIT 1{lock}"
        )
        row = cursor.fetchone()
    return (int(row[0]), row[1]) if row else (0, GENESIS)


#: SQLite messages after which writing the audit row again can succeed.
_RETRY_MESSAGES = ("locked", "statements in progress")


def _maybe_checkpoint(seq: int) -> None:
    every = int(getattr(settings, "VEERKRACHT_AUDIT_CHECKPOINT_EVERY", 0) or 0)
    if every > 0 and seq % every == 0:
        from veerkracht.web.audit import checkpoints

        def write():
            try:
                checkpoints.write_checkpoint()
            except Exception:  # noqa: BLE001 - a checkpoint must not fail a page
                log.exception("auditcheckpoint schrijven mislukt")

        transaction.on_commit(write)


@dataclass(frozen=True)
class Verification:
    """Outcome of :func:`verify`."""

    ok: bool
    entries: int
    problems: tuple[str, ...]
    checkpoints: int = 0
    warnings: tuple[str, ...] = ()


def verify(*, with_checkpoints: bool = True) -> Verification:
    """Recompute the chain with the key ring and check it against the checkpoints.

    Reports every changed, inserted or removed row (a wrong MAC or link, a
    gap in the numbering), rows signed with an unknown key, rows without a
    key after the chain was keyed, and — against every valid checkpoint —
    rows missing at the end (truncation) or a head that differs from the
    signed one (re-chaining).
    """
    from veerkracht.web.audit import checkpoints

    problems: list[str] = []
    warnings: list[str] = []
    ring = keys.ring()
    cps: list[checkpoints.Checkpoint] = []
    if with_checkpoints:
        cps, cp_problems = checkpoints.read_checkpoints(ring)
        problems += cp_problems
    legacy_allowed = max((c.seq for c in cps), default=0)
    at_seq = {c.seq: c for c in cps}
    prev = GENESIS
    expected_seq = 1
    count = 0
    keyed_seen = False
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        count += 1
        if entry.seq != expected_seq:
            problems.append(f"regel {expected_seq}..{entry.seq - 1} ontbreekt")
        if entry.prev_hash != prev:
            problems.append(
                f"regel {entry.seq}: schakel naar de vorige regel klopt niet"
            )
        if entry.key_id == LEGACY:
            if keyed_seen or entry.seq > legacy_allowed:
                problems.append(
                    f"regel {entry.seq}: zonder sleutel, en niet gedekt door een "
                    "checkpoint van vóór de sleutel"
                )
            elif entry_hash(_values(entry)) != entry.hash:
                problems.append(f"regel {entry.seq}: inhoud gewijzigd (hash fout)")
        else:
            keyed_seen = True
            if entry.key_id not in ring.keys:
                problems.append(
                    f"regel {entry.seq}: onbekende sleutel {entry.key_id!r}"
                )
            elif not hmac.compare_digest(
                entry_mac(_values(entry), entry.key_id, ring), entry.hash
            ):
                problems.append(f"regel {entry.seq}: inhoud gewijzigd (HMAC fout)")
        cp = at_seq.get(entry.seq)
        if cp is not None:
            if entry.hash != cp.last_hash:
                problems.append(
                    f"regel {entry.seq}: verschilt van het checkpoint van "
                    f"{cp.at} (keten herschreven)"
                )
            if count != cp.rows:
                problems.append(
                    f"checkpoint van {cp.at}: {cp.rows} regels tot regel {cp.seq}, "
                    f"de database heeft er {count}"
                )
        prev = entry.hash
        expected_seq = entry.seq + 1
    last_seq = expected_seq - 1
    for cp in cps:
        if cp.seq > last_seq:
            problems.append(
                f"afgekapt: het checkpoint van {cp.at} telde {cp.rows} regels tot "
                f"regel {cp.seq}; de database eindigt bij regel {last_seq}"
            )
    if with_checkpoints:
        if not cps:
            warnings.append(
                "nog geen checkpoint: het weghalen van de nieuwste regels is niet "
                "aantoonbaar (`veerkracht audit checkpoint`)"
            )
        else:
            newest = max(cps, key=lambda c: c.seq)
            if last_seq > newest.seq:
                warnings.append(
                    f"{last_seq - newest.seq} regel(s) na het laatste checkpoint "
                    f"({newest.at}) zijn nog niet verankerd"
                )
    return Verification(
        ok=not problems,
        entries=count,
        problems=tuple(problems),
        checkpoints=len(cps),
        warnings=tuple(warnings),
    )
