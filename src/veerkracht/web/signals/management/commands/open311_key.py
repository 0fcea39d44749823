"""``python -m veerkracht.web open311_key NAME``: issue an Open311 api_key."""

from django.core.management.base import BaseCommand, CommandError

from veerkracht.web.signals.models import Open311Client


class Command(BaseCommand):
    help = (
        "Maak een api_key voor een app die via Open311 meldingen doet "
        "(eenmalig getoond)."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="Naam van de app of leverancier.")

    def handle(self, *args, name, **options):
        if Open311Client.objects.filter(name=name).exists():
            raise CommandError(f"Er is al een koppeling met de naam {name!r}.")
        _client, key = Open311Client.issue(name)
        self.stdout.write(key)
