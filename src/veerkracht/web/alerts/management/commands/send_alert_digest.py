"""``python -m veerkracht.web send_alert_digest``: the weekly e-mail per team."""

from django.core.management.base import BaseCommand, CommandError

from veerkracht.web.alerts.services import digest_alerts, recent_days, send_digest


class Command(BaseCommand):
    help = (
        "Stuur elk actief team met een e-mailadres één e-mail met zijn open en in "
        "behandeling genomen vroegsignalen van de laatste dagen "
        "(VEERKRACHT_ALERTS_RECENT_DAYS). Leest eerst nieuwe vroegsignalen in. "
        "Bijvoorbeeld wekelijks op maandagochtend."
    )

    def handle(self, *args, **options):
        from veerkracht.web.signals.models import Team

        sent = send_digest()
        for team in Team.objects.filter(active=True, email="").order_by("name"):
            n = len(digest_alerts(team))
            if n:
                self.stdout.write(
                    f"Let op: team {team.name} heeft {n} vroegsignalen maar geen "
                    "e-mailadres; vul het in bij de teams van de meldingen, dan "
                    "krijgt het team dit overzicht.")
        if not sent:
            self.stdout.write(
                "Geen e-mail verstuurd: geen team met een e-mailadres heeft "
                f"vroegsignalen van de laatste {recent_days()} dagen."
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
