from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacesConfig(AppConfig):
    name = "veerkracht.web.places"
    label = "places"
    verbose_name = _("Plaatsprofielen")

    def ready(self) -> None:
        from veerkracht.web.audit.services import register_vocabulary

        # the place search's audit rows (veerkracht.web.places.search.lookup)
        register_vocabulary(purposes=("search",))
