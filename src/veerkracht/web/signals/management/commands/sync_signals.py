"""``python -m veerkracht.web sync_signals``: hand signals to the model."""

from django.core.management.base import BaseCommand

from veerkracht.web.signals.services import sync_to_workspace


class Command(BaseCommand):
    help = (
        "Voeg behandelde meldingen (zonder vrije tekst en zonder contactgegevens) in "
        "één transactie toe aan de tabel 'signals' van de werkmap. Draai dit "
        "periodiek, bijvoorbeeld elk uur, en vóór 'veerkracht compute'."
    )

    def handle(self, *args, **options):
        n = sync_to_workspace()
        self.stdout.write(f"{n} meldingen toegevoegd aan de werkmap.")
