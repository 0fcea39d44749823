from django.apps import AppConfig


class SignalsConfig(AppConfig):
    name = "veerkracht.web.signals"
    label = "signals"
    verbose_name = "Meldingen"

    def ready(self) -> None:
        from veerkracht.web.signals import access

        access.register_audit_vocabulary()
