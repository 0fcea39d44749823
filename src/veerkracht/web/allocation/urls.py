from django.urls import path

from veerkracht.web.allocation import views

app_name = "allocation"
urlpatterns = [
    path("plaatsing/", views.whatif, name="whatif"),
    path("plan/", views.plan, name="plan"),
    path("plan/voorbeeld.csv", views.plan_example, name="plan_example"),
    path("plan/advies/", views.plan_result, name="plan_result"),
    path("plan/advies/<str:name>", views.plan_download, name="plan_download"),
    path("scenario/", views.scenario, name="scenario"),
]
