from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "veerkracht.web.alerts"
    label = "alerts"
    verbose_name = "Vroegsignalering"

    def ready(self) -> None:
        from veerkracht.web.alerts import access

        access.register_audit_vocabulary()
