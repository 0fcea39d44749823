from django.urls import path

from veerkracht.web.places import views

app_name = "places"
urlpatterns = [
    path("zoeken/", views.search_page, name="search"),
    path("plaatsen/<str:level>/<str:place_id>/", views.profile, name="profile"),
    path("plaatsen/<str:level>/<str:place_id>/pdf", views.profile_pdf, name="pdf"),
]
