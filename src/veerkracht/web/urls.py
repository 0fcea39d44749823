"""URL configuration of the Veerkracht site."""

from __future__ import annotations

import importlib.util

from django.apps import apps
from django.contrib import admin
from django.urls import include, path

from veerkracht.web.api import api

urlpatterns = [
    path("", include("veerkracht.web.accounts.urls")),
    path("", include("veerkracht.web.maps.urls")),
    path("", include("veerkracht.web.places.urls")),
    path("", include("veerkracht.web.audit.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("beheer/", admin.site.urls),
    path("api/", api.urls),
]


def _has_urls(app: str) -> bool:
    return (
        apps.is_installed(app) and importlib.util.find_spec(f"{app}.urls") is not None
    )


# --- optional apps: included when installed (see conf/base.py OPTIONAL_APPS) ---
# signals engineer: veerkracht/web/signals/urls.py (app_name = "signals")
if _has_urls("veerkracht.web.signals"):
    urlpatterns.append(path("meldingen/", include("veerkracht.web.signals.urls")))
    urlpatterns.append(
        path("open311/v2/", include("veerkracht.web.signals.open311_urls"))
    )
# stories: veerkracht/web/stories/urls.py (app_name = "stories")
if _has_urls("veerkracht.web.stories"):
    urlpatterns.append(path("verhalen/", include("veerkracht.web.stories.urls")))
# alerts: veerkracht/web/alerts/urls.py (app_name = "alerts")
if _has_urls("veerkracht.web.alerts"):
    urlpatterns.append(path("aandacht/", include("veerkracht.web.alerts.urls")))

handler403 = "veerkracht.web.accounts.views.forbidden"
handler404 = "veerkracht.web.accounts.views.not_found"
handler500 = "veerkracht.web.accounts.views.server_error"
