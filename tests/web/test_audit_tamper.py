"""The audit trail against an attacker who can write to the database, not the key.

Rebuilds the two attacks of issue 8 that passed the unkeyed chain —
re-chaining (rewrite a row, re-hash everything after it) and truncation
(delete the newest rows) — and checks that ``audit verify`` now fails on
both; plus key rotation, a missing key, forged checkpoints and the rule that
the trail stores no free text and no address-derived place ids.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from veerkracht.web.audit import checkpoints, keys
from veerkracht.web.audit.models import AuditEntry
from veerkracht.web.audit.services import (
    _values,
    entry_hash,
    place_key,
    record,
    rows_for_place,
    verify,
)


@pytest.fixture(autouse=True)
def audit_home(tmp_path, settings):
    """A fresh key file and checkpoint folder per test (outside the database)."""
    settings.VEERKRACHT_AUDIT_KEY = ""
    settings.VEERKRACHT_AUDIT_KEY_FILE = str(tmp_path / "audit.key")
    settings.VEERKRACHT_AUDIT_KEY_CREATE = True
    settings.VEERKRACHT_AUDIT_CHECKPOINT_DIR = str(tmp_path / "checkpoints")
    settings.VEERKRACHT_AUDIT_CHECKPOINT_EVERY = 0
    return tmp_path


def _chain(n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        record("view", level="buurt", object_id=f"BU{10000000 + i}", purpose="profile")


def _rewrite(seq: int, **changes) -> None:
    """Rewrite rows from ``seq`` on as an attacker would: new content, re-hashed.

    ``mac`` makes the new hash of a row from its values (the attacker's best
    guess at the scheme); ``key_id`` is what the forged rows claim.
    """
    mac = changes.pop("mac")
    key_id = changes.pop("key_id")
    rows = list(AuditEntry.objects.filter(seq__gte=seq - 1).order_by("seq"))
    prev = rows[0].hash if rows[0].seq < seq else "0" * 64
    for entry in rows:
        if entry.seq < seq:
            continue
        for name, value in changes.items():
            if entry.seq == seq:
                setattr(entry, name, value)
        entry.prev_hash = prev
        new_hash = mac(_values(entry))
        with connection.cursor() as cur:
            cur.execute(
                "UPDATE audit_auditentry SET object_id=%s, prev_hash=%s, hash=%s, "
                "key_id=%s WHERE seq=%s",
                [entry.object_id, "tmp" + secrets.token_hex(8),
                 "tmp" + secrets.token_hex(8), key_id, entry.seq],
            )
            cur.execute(
                "UPDATE audit_auditentry SET prev_hash=%s, hash=%s WHERE seq=%s",
                [prev, new_hash, entry.seq],
            )
        prev = new_hash


@pytest.mark.django_db
def test_rows_are_keyed_with_a_key_outside_the_database(audit_home):
    _chain(3)
    ring = keys.ring()
    assert (audit_home / "audit.key").exists()
    for entry in AuditEntry.objects.all():
        assert entry.key_id == ring.current
        # not the bare SHA-256 of the old scheme: without the key it cannot be made
        assert entry.hash != entry_hash(_values(entry))
    # the key is in no table of the database
    hexkey = ring.keys[ring.current].hex()
    with connection.cursor() as cur:
        for table in connection.introspection.table_names(cur):
            cur.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - test, own tables
            assert hexkey not in repr(cur.fetchall())
    assert verify().ok


@pytest.mark.django_db
@pytest.mark.parametrize(
    "scheme",
    ["sha256-as-before", "sha256-claiming-legacy", "hmac-with-a-guessed-key"],
)
def test_rechaining_without_the_key_is_detected(scheme):
    _chain(6)
    current = keys.ring().current
    guessed = secrets.token_bytes(32)

    def sha(values):
        return entry_hash(values)

    def guess(values):
        payload = json.dumps({**values, "key_id": current}, sort_keys=True,
                             ensure_ascii=False, separators=(",", ":")).encode()
        return hmac.new(guessed, payload, hashlib.sha256).hexdigest()

    mac, key_id = {
        "sha256-as-before": (sha, current),
        "sha256-claiming-legacy": (sha, ""),
        "hmac-with-a-guessed-key": (guess, current),
    }[scheme]
    _rewrite(3, object_id="BU99999999", mac=mac, key_id=key_id)
    # the links are consistent again: only the key (or a checkpoint) can tell
    rows = list(AuditEntry.objects.order_by("seq"))
    assert all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:], strict=False))
    result = verify()
    assert not result.ok
    assert any("regel 3" in p for p in result.problems)
    with pytest.raises(CommandError, match="GEMANIPULEERD"):
        call_command("audit_verify")


@pytest.mark.django_db
def test_rechaining_all_rows_as_legacy_is_caught_by_the_checkpoint():
    """The strongest re-chain: every row rewritten as an unkeyed (pre-key) row."""
    _chain(5)
    checkpoints.write_checkpoint()
    _rewrite(1, object_id="BU99999999", mac=entry_hash, key_id="")
    result = verify()
    assert not result.ok
    assert any("herschreven" in p or "zonder sleutel" in p for p in result.problems)


@pytest.mark.django_db
def test_truncation_is_detected_against_the_checkpoint(capsys):
    _chain(6)
    cp = checkpoints.write_checkpoint()
    assert (cp.seq, cp.rows) == (6, 6)
    assert verify().ok
    with connection.cursor() as cur:
        cur.execute("DELETE FROM audit_auditentry WHERE seq >= 5")
    result = verify()
    assert not result.ok
    assert any("afgekapt" in p for p in result.problems)
    with pytest.raises(CommandError, match="GEMANIPULEERD"):
        call_command("audit_verify")


@pytest.mark.django_db
def test_truncation_then_new_rows_is_detected():
    """Delete the newest rows and write new ones in their place: head differs."""
    _chain(6)
    checkpoints.write_checkpoint()
    with connection.cursor() as cur:
        cur.execute("DELETE FROM audit_auditentry WHERE seq >= 5")
    _chain(2, start=50)  # the application writes on: seq 5 and 6 again, validly keyed
    result = verify()
    assert not result.ok
    assert any("regel 6" in p and "herschreven" in p for p in result.problems)


@pytest.mark.django_db
def test_without_checkpoints_truncation_is_only_a_warning():
    """The documented limit: rows after the newest checkpoint rely on the chain."""
    _chain(4)
    result = verify()
    assert result.ok and result.checkpoints == 0
    assert any("nog geen checkpoint" in w for w in result.warnings)
    checkpoints.write_checkpoint()
    _chain(2, start=10)
    result = verify()
    assert result.ok
    assert any("2 regel(s) na het laatste checkpoint" in w for w in result.warnings)


@pytest.mark.django_db
def test_forged_or_rolled_back_checkpoints_are_reported():
    _chain(4)
    checkpoints.write_checkpoint()
    path = checkpoints.checkpoint_file()
    line = json.loads(path.read_text().splitlines()[0])
    line["rows"], line["seq"] = 2, 2  # an attacker "agrees" with a truncated trail
    with path.open("a") as fh:
        fh.write(json.dumps(line) + "\n")
    result = verify()
    assert not result.ok
    assert any("handtekening klopt niet" in p for p in result.problems)


@pytest.mark.django_db
def test_checkpoint_command_writes_a_signed_line(audit_home, capsys):
    _chain(3)
    call_command("audit_checkpoint")
    assert "3 regels tot regel 3" in capsys.readouterr().out
    cp = json.loads(checkpoints.checkpoint_file().read_text().splitlines()[-1])
    assert set(cp) == {"seq", "rows", "last_hash", "at", "key_id", "mac"}
    assert cp["last_hash"] == AuditEntry.objects.get(seq=3).hash
    call_command("audit_verify")
    assert "1 checkpoint(s)" in capsys.readouterr().out


@pytest.mark.django_db
def test_automatic_checkpoint_every_n_rows(settings,
                                           django_capture_on_commit_callbacks):
    settings.VEERKRACHT_AUDIT_CHECKPOINT_EVERY = 3
    for i in range(7):  # each request commits on its own
        with django_capture_on_commit_callbacks(execute=True):
            _chain(1, start=i)
    cps, problems = checkpoints.read_checkpoints()
    assert not problems
    assert [c.seq for c in cps] == [3, 6]


@pytest.mark.django_db
def test_key_rotation_keeps_old_rows_verifiable(audit_home, capsys):
    _chain(3)
    call_command("audit_rotate_key")
    ring = keys.ring()
    assert ring.current == "k2" and set(ring.keys) == {"k1", "k2"}
    _chain(2, start=20)
    ids = list(AuditEntry.objects.order_by("seq").values_list("key_id", flat=True))
    assert ids[:3] == ["k1"] * 3 and ids[-2:] == ["k2", "k2"]
    assert "key_rotate" in AuditEntry.objects.values_list("action", flat=True)
    result = verify()
    assert result.ok, result.problems
    assert result.checkpoints == 2  # one before, one after the new key
    # dropping the old key from the ring makes the old rows unverifiable
    keyfile = audit_home / "audit.key"
    keyfile.write_text("\n".join(ln for ln in keyfile.read_text().splitlines()
                                 if not ln.startswith("k1 ")) + "\n")
    result = verify()
    assert not result.ok
    assert any("onbekende sleutel" in p for p in result.problems)


@pytest.mark.django_db
def test_key_ring_from_the_environment_variable(settings):
    old, new = secrets.token_hex(32), secrets.token_hex(32)
    settings.VEERKRACHT_AUDIT_KEY = f"old:{old},new:{new}"
    entry = record("view", level="buurt", object_id="BU12345678", purpose="profile")
    assert entry.key_id == "new"
    assert verify().ok


@pytest.mark.django_db
def test_no_key_no_row(settings, tmp_path):
    settings.VEERKRACHT_AUDIT_KEY_FILE = str(tmp_path / "nowhere" / "audit.key")
    settings.VEERKRACHT_AUDIT_KEY_CREATE = False
    with pytest.raises(keys.AuditKeyError, match="bestaat niet"):
        record("view", level="buurt", object_id="BU12345678", purpose="profile")
    assert AuditEntry.objects.count() == 0
    settings.VEERKRACHT_AUDIT_KEY_FILE = ""
    with pytest.raises(keys.AuditKeyError, match="Geen auditsleutel"):
        record("view", level="buurt", object_id="BU12345678")


def test_short_or_malformed_keys_are_refused():
    with pytest.raises(keys.AuditKeyError, match="te kort"):
        keys.parse_ring("k1:abcd")
    with pytest.raises(keys.AuditKeyError, match="geen hex"):
        keys.parse_ring("k1:" + "zz" * 32)
    with pytest.raises(keys.AuditKeyError, match="twee keer"):
        keys.parse_ring(f"k1:{'ab' * 32},k1:{'cd' * 32}")


# -- no free text, no address-derived ids -------------------------------------------
FREE_TEXT = "Jan Jansen Bosweg 12"


@pytest.mark.django_db
def test_record_reduces_everything_to_codes():
    e = record("view", level="entrance", object_id="9351AA-12", purpose=FREE_TEXT)
    assert e.object_id == place_key("entrance", "9351AA-12")
    assert e.object_id.startswith("p:") and "9351" not in e.object_id
    assert e.purpose == "other"
    e = record("signal_view", level="signal", object_id=FREE_TEXT, purpose="api")
    assert e.object_id == "?"
    e = record("story_create", level="story", object_id="entrance:9351AA-12")
    assert e.object_id == "entrance:" + place_key("entrance", "9351AA-12")
    e = record("view", level="buurt", object_id="BU00140000", purpose="profile")
    assert e.object_id == "BU00140000"  # CBS codes are public areas: kept
    e = record("view", actor=FREE_TEXT, level="buurt", object_id="BU00140000")
    assert e.actor == "?"
    with pytest.raises(ValueError):
        record(FREE_TEXT, level="buurt")
    with pytest.raises(ValueError):
        record("view", level="Bosweg 12")
    assert verify().ok


@pytest.mark.django_db
def test_place_key_is_one_per_place_and_findable_by_the_auditor():
    a = record("view", level="entrance", object_id="9351AA-12", purpose="profile")
    b = record("view", level="entrance", object_id="9351AA-12", purpose="pdf")
    c = record("view", level="entrance", object_id="9351AA-14", purpose="profile")
    d = record("view", level="block", object_id="9351AA-12", purpose="profile")
    assert a.object_id == b.object_id != c.object_id != d.object_id
    found = list(rows_for_place("entrance", "9351AA-12").values_list("seq", flat=True))
    assert found == [a.seq, b.seq]


@pytest.mark.django_db
def test_views_of_small_places_log_opaque_keys(client, users, place_ids):
    client.force_login(users["frontline"])
    entrance = place_ids["big_entrance1"]
    street = place_ids["street1"]
    outside = place_ids["entrance2"]  # another buurt: refused, and logged so
    client.get(f"/plaatsen/entrance/{entrance}/")
    client.get(f"/plaatsen/street/{street}/")
    assert client.get(f"/plaatsen/entrance/{outside}/").status_code == 403
    # a probe with free text in the query string and the path
    client.get("/api/maps/layers/block",
               {"parent": FREE_TEXT, "parent_level": "street"})
    client.get(f"/plaatsen/entrance/{FREE_TEXT}/")
    rows = list(AuditEntry.objects.all())
    assert rows
    for e in rows:
        blob = " ".join([e.actor, e.object_level, e.object_id, e.purpose, e.origin])
        for place in (entrance, street, outside):
            assert place not in blob
        assert "Jansen" not in blob and "Bosweg" not in blob
    refused = rows_for_place("entrance", outside).get()
    assert refused.result == "refused" and refused.object_id.startswith("p:")
    assert verify().ok


@pytest.mark.django_db
def test_rows_from_before_the_key_are_trusted_only_under_a_checkpoint():
    """An installation upgraded from the unkeyed chain: checkpoint at the upgrade."""
    from django.utils import timezone

    prev = "0" * 64
    for seq in (1, 2):  # written by the old code: plain SHA-256, no key id
        entry = AuditEntry(seq=seq, at=timezone.now(), actor="anonymous",
                           action="view", object_level="buurt",
                           object_id=f"BU1000000{seq}", result="ok", origin="cli",
                           purpose="profile", prev_hash=prev, key_id="")
        entry.hash = entry_hash(_values(entry))
        entry.save()
        prev = entry.hash
    result = verify()
    assert not result.ok and any("zonder sleutel" in p for p in result.problems)
    call_command("audit_checkpoint")  # the upgrade step
    _chain(2, start=30)  # the keyed chain continues on the old head
    result = verify()
    assert result.ok, result.problems
    # an attacker cannot pass new rows off as "from before the key"
    with connection.cursor() as cur:
        cur.execute("UPDATE audit_auditentry SET key_id = '' WHERE seq = 4")
    assert not verify().ok


def test_cli_offers_checkpoint_rotate_and_verify():
    from typer.testing import CliRunner

    from veerkracht.cli.main import app

    out = CliRunner().invoke(app, ["audit", "--help"]).output
    for command in ("verify", "checkpoint", "rotate-key"):
        assert command in out
