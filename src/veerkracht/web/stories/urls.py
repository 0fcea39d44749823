"""URLs under ``/verhalen/``."""

from django.urls import path

from veerkracht.web.stories import views

app_name = "stories"

urlpatterns = [
    path("", views.index, name="index"),
    path("nieuw/", views.new_story, name="new"),
    path("interventie/", views.new_intervention, name="new_intervention"),
    path("wat-werkt/", views.what_works, name="what_works"),
    path("delen/", views.share_review, name="share_review"),
]
