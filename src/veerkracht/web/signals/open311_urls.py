"""URLs under ``/open311/v2/`` (GeoReport v2; see docs/open311.md)."""

from django.urls import re_path

from veerkracht.web.signals import open311

app_name = "open311"

urlpatterns = [
    re_path(r"^discovery\.(?P<fmt>json|xml)$", open311.discovery, name="discovery"),
    re_path(r"^services\.(?P<fmt>json|xml)$", open311.services, name="services"),
    re_path(
        r"^services/(?P<code>[a-z_]+)\.(?P<fmt>json|xml)$",
        open311.service_definition,
        name="service",
    ),
    re_path(r"^requests\.(?P<fmt>json|xml)$", open311.requests, name="requests"),
    re_path(
        r"^requests/(?P<request_id>[A-Za-z0-9\-]+)\.(?P<fmt>json|xml)$",
        open311.request_detail,
        name="request",
    ),
]
