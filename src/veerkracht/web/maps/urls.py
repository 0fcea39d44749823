from django.urls import path

from veerkracht.web.maps import views

app_name = "maps"
urlpatterns = [path("kaart/", views.map_page, name="map")]
