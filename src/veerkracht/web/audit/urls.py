from django.urls import path

from veerkracht.web.audit import views

app_name = "audit"
urlpatterns = [path("privacy/", views.overview, name="overview")]
