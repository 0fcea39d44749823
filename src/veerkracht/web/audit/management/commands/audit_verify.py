"""``python -m veerkracht.web audit_verify``: check the chain and its checkpoints."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from veerkracht.web.audit.services import verify


class Command(BaseCommand):
    help = (
        "Controleer de HMAC-keten van het auditspoor tegen de checkpoints en meld "
        "elke manipulatie (gewijzigde, ingevoegde, weggehaalde of afgekapte regels)."
    )

    def handle(self, *args, **options):
        result = verify()
        for warning in result.warnings:
            self.stderr.write(f"let op: {warning}")
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(problem)
            raise CommandError(
                f"Auditspoor GEMANIPULEERD: {len(result.problems)} probleem/problemen "
                f"in {result.entries} regels."
            )
        self.stdout.write(
            f"Auditspoor in orde: {result.entries} regels, keten klopt "
            f"({result.checkpoints} checkpoint(s))."
        )
