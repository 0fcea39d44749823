"""``python -m veerkracht.web audit_verify``: check the audit chain."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from veerkracht.web.audit.services import verify


class Command(BaseCommand):
    help = "Controleer de hashketen van het auditspoor en meld elke manipulatie."

    def handle(self, *args, **options):
        result = verify()
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(problem)
            raise CommandError(
                f"Auditspoor GEMANIPULEERD: {len(result.problems)} probleem/problemen "
                f"in {result.entries} regels."
            )
        self.stdout.write(f"Auditspoor in orde: {result.entries} regels, keten klopt.")
