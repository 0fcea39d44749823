"""``python -m veerkracht.web sync_alerts``: read the job's alerts in now."""

from django.core.management.base import BaseCommand

from veerkracht.web.alerts.services import sync_alerts


class Command(BaseCommand):
    help = (
        "Lees de tabel 'alerts' van de werkmap (geschreven door 'veerkracht warn "
        "run') in: nieuwe vroegsignalen gaan naar het team van hun gebied, bekende "
        "houden hun status en geschiedenis. De site doet dit ook zelf zodra de "
        "tabel een nieuwe versie heeft."
    )

    def handle(self, *args, **options):
        result = sync_alerts()
        if result.version is None:
            self.stdout.write("Er is nog geen tabel 'alerts' in de werkmap.")
            return
        self.stdout.write(
            f"Vroegsignalen ingelezen (versie {result.version}): {result.created} "
            f"nieuw, {result.updated} bijgewerkt."
        )
