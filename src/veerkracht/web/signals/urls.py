"""URLs under ``/meldingen/`` (included by ``veerkracht.web.urls``)."""

from django.urls import path

from veerkracht.web.signals import views

app_name = "signals"

urlpatterns = [
    path("", views.report, name="report"),
    path("ontvangen/<str:reference>/", views.received, name="received"),
    path("volgen/<str:reference>/<str:token>/", views.follow, name="follow"),
    path("mijn/", views.mine, name="mine"),
    path("werkbak/", views.worklist, name="worklist"),
    path("werkbak/export.csv", views.worklist_csv, name="export"),
    path("werkbak/<str:reference>/", views.detail, name="detail"),
    path("werkbak/<str:reference>/toewijzen", views.assign, name="assign"),
    path("werkbak/<str:reference>/prioriteit", views.priority, name="priority"),
    path("werkbak/<str:reference>/samenvoegen", views.merge, name="merge"),
    path("werkbak/<str:reference>/heropenen", views.reopen, name="reopen"),
]
