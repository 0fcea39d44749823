from django.contrib.auth import views as auth_views
from django.urls import path

from veerkracht.web.accounts import views

urlpatterns = [
    path("", views.home, name="home"),
    path("inloggen/", views.LoginView.as_view(), name="login"),
    path("uitloggen/", auth_views.LogoutView.as_view(), name="logout"),
    path("rollen/", views.grants, name="grants"),
]
