"""``python -m veerkracht.web anonymise_signals``: enforce the retention term."""

from django.core.management.base import BaseCommand

from veerkracht.web.signals.services import anonymise_expired, retention_days


class Command(BaseCommand):
    help = (
        "Wis e-mailadres en vrije tekst van meldingen die langer dan de bewaartermijn "
        "(VEERKRACHT_SIGNALS_RETENTION_DAYS, standaard 90 dagen) gesloten zijn. "
        "Draai dit dagelijks (cron/systemd-timer)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Bewaartermijn in dagen (standaard de instelling).",
        )

    def handle(self, *args, days=None, **options):
        if days is not None and days < 0:
            from django.core.management.base import CommandError

            raise CommandError("--days kan niet negatief zijn.")
        n = anonymise_expired(days=days)
        term = retention_days() if days is None else days
        self.stdout.write(
            f"{n} meldingen geanonimiseerd (termijn {term} dagen na sluiten)."
        )
