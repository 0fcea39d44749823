from django.apps import AppConfig


class SignalsConfig(AppConfig):
    name = "veerkracht.web.signals"
    label = "signals"
    verbose_name = "Meldingen"
