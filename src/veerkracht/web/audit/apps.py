from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "veerkracht.web.audit"
    label = "audit"
    verbose_name = _("Auditspoor")

    def ready(self) -> None:
        from veerkracht.web.audit import receivers  # noqa: F401
