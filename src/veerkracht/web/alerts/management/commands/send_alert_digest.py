"""``python -m veerkracht.web send_alert_digest``: the weekly e-mail per team."""

from django.core.management.base import BaseCommand, CommandError

from veerkracht.web.alerts.services import recent_days, send_digest


class Command(BaseCommand):
    help = (
        "Stuur elk actief team met een e-mailadres één e-mail met zijn open en in "
        "behandeling genomen vroegsignalen van de laatste dagen "
        "(VEERKRACHT_ALERTS_RECENT_DAYS). Leest eerst nieuwe vroegsignalen in. "
        "Bijvoorbeeld wekelijks op maandagochtend."
    )

    def handle(self, *args, **options):
        sent = send_digest()
        if not sent:
            self.stdout.write(
                f"Geen team met vroegsignalen in de laatste {recent_days()} dagen; "
                "geen e-mail verstuurd."
            )
            return
        failed = [team for team, n in sent.items() if n < 0]
        for team, n in sent.items():
            if n >= 0:
                self.stdout.write(f"{team}: {n} vroegsignalen gemaild.")
        if failed:
            raise CommandError(
                "E-mail niet verstuurd aan: " + ", ".join(failed)
                + " (zie het logboek; de andere teams kregen hun e-mail)."
            )
