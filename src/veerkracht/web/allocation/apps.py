from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AllocationConfig(AppConfig):
    name = "veerkracht.web.allocation"
    label = "allocation"
    verbose_name = _("Ruimte voor plaatsing")

    def ready(self) -> None:
        from veerkracht.web.allocation.planning import PURPOSES
        from veerkracht.web.allocation.services import purposes
        from veerkracht.web.audit.services import register_vocabulary

        # what was asked: headroom_<category>[_urgent], whatif_<category>[_urgent];
        # a plan by its status (plan_optimal, ...), a scenario
        register_vocabulary(purposes=(*purposes(), *PURPOSES))
