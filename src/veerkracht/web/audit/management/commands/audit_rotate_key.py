"""``python -m veerkracht.web audit_rotate_key``: add a fresh key to the key file."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from veerkracht.web.audit import keys


class Command(BaseCommand):
    help = (
        "Voeg een nieuwe auditsleutel toe aan VEERKRACHT_AUDIT_KEY_FILE (oude "
        "sleutels blijven, zodat oudere regels controleerbaar blijven)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--create",
            action="store_true",
            help="Maak het sleutelbestand als het nog niet bestaat.",
        )

    def handle(self, *args, create=False, **options):
        if settings.VEERKRACHT_AUDIT_KEY:
            raise CommandError(
                "De sleutels komen uit VEERKRACHT_AUDIT_KEY: voeg daar zelf een "
                "sleutel achteraan toe (id:hex), en laat de oude staan."
            )
        name = settings.VEERKRACHT_AUDIT_KEY_FILE
        if not name:
            raise CommandError("VEERKRACHT_AUDIT_KEY_FILE is niet gezet.")
        path = Path(name)
        if not path.exists():
            if not create:
                raise CommandError(f"{path} bestaat niet (gebruik --create).")
            ring = keys.create_ring_file(path)
            self.stdout.write(
                f"Sleutelbestand {path} gemaakt met sleutel {ring.current}."
            )
            return
        from veerkracht.web.audit.checkpoints import write_checkpoint
        from veerkracht.web.audit.services import record

        def anchor():
            try:
                write_checkpoint()
            except keys.AuditKeyError as exc:  # no checkpoint folder configured
                self.stderr.write(f"let op: geen checkpoint geschreven ({exc})")

        # anchor the rows of the old key before the new one signs anything
        anchor()
        key_id = keys.rotate(path)
        record("key_rotate", actor="cli", level="cli", object_id="audit_key",
               purpose="cli")
        anchor()
        self.stdout.write(f"Nieuwe auditsleutel {key_id} toegevoegd aan {path}.")
