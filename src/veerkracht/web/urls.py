"""URL configuration of the Veerkracht site."""

from __future__ import annotations

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
    path("meldingen/", include("veerkracht.web.signals.urls")),
    path("open311/v2/", include("veerkracht.web.signals.open311_urls")),
    path("verhalen/", include("veerkracht.web.stories.urls")),
    path("aandacht/", include("veerkracht.web.alerts.urls")),
    path("ruimte/", include("veerkracht.web.allocation.urls")),
]

handler400 = "veerkracht.web.accounts.views.bad_request"
handler403 = "veerkracht.web.accounts.views.forbidden"
handler404 = "veerkracht.web.accounts.views.not_found"
handler500 = "veerkracht.web.accounts.views.server_error"
