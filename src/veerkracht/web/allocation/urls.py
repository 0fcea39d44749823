from django.urls import path

from veerkracht.web.allocation import views

app_name = "allocation"
urlpatterns = [path("plaatsing/", views.whatif, name="whatif")]
