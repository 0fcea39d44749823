from django.urls import path

from veerkracht.web.audit import views

app_name = "audit"
urlpatterns = [
    path("privacy/", views.overview, name="overview"),
    path("privacy/modellen/goedkeuren", views.approve_model, name="approve_model"),
]
