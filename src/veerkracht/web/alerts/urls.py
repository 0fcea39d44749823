"""URLs under ``/aandacht/`` (included by ``veerkracht.web.urls``)."""

from django.urls import path

from veerkracht.web.alerts import views

app_name = "alerts"

urlpatterns = [
    path("", views.index, name="index"),
    path("<str:alert_id>/", views.detail, name="detail"),
]
