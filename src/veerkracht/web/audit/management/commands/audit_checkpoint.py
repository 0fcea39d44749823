"""``python -m veerkracht.web audit_checkpoint``: anchor the head outside the DB."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from veerkracht.web.audit.checkpoints import checkpoint_file, write_checkpoint
from veerkracht.web.audit.keys import AuditKeyError


class Command(BaseCommand):
    help = (
        "Schrijf een getekend checkpoint (laatste hash, aantal regels, tijd, "
        "sleutel-id) van het auditspoor naar VEERKRACHT_AUDIT_CHECKPOINT_DIR."
    )

    def handle(self, *args, **options):
        try:
            cp = write_checkpoint()
        except AuditKeyError as exc:
            raise CommandError(str(exc)) from exc
        if cp is None:
            self.stdout.write("Het auditspoor is nog leeg: geen checkpoint nodig.")
            return
        self.stdout.write(
            f"Checkpoint geschreven naar {checkpoint_file()}: {cp.rows} regels tot "
            f"regel {cp.seq}, sleutel {cp.key_id}."
        )
