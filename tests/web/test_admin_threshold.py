"""The threshold in the admin: only the privacy officer sets it (issue 8).

The publication door refuses a change by any other role
(``jobs.publish.set_rules``); the admin says so in Dutch on the form instead
of failing with a server error, and nothing changes.
"""

from __future__ import annotations

import pytest
from django.test import Client

from veerkracht.jobs import publish
from veerkracht.web import workspace
from veerkracht.web.audit.models import AuditEntry, PrivacySetting

pytestmark = pytest.mark.django_db

URL = "/beheer/audit/privacysetting/"


def _staff(user) -> Client:
    user.is_staff = user.is_superuser = True
    user.save()
    c = Client(raise_request_exception=False)
    c.force_login(user)
    return c


def test_administrator_editing_the_threshold_gets_a_dutch_refusal(users):
    c = _staff(users["administrator"])
    setting = PrivacySetting.current()
    before = publish.current_rules(workspace.workspace()).min_count
    changes = AuditEntry.objects.filter(action="threshold_change").count()
    response = c.post(f"{URL}{setting.pk}/change/", {"min_cell": "15"})
    assert response.status_code == 200, response.status_code  # the form again
    body = response.content.decode()
    assert "Alleen de privacyfunctionaris" in body
    assert "/privacy/" in body
    assert PrivacySetting.current().min_cell == 10
    assert publish.current_rules(workspace.workspace()).min_count == before
    assert AuditEntry.objects.filter(action="threshold_change").count() == changes
    # adding a second row is refused the same way
    response = c.post(f"{URL}add/", {"min_cell": "20"})
    assert response.status_code == 200
    assert "Alleen de privacyfunctionaris" in response.content.decode()
    assert PrivacySetting.objects.count() == 1


def test_the_threshold_cannot_be_deleted_in_the_admin(users):
    c = _staff(users["administrator"])
    setting = PrivacySetting.current()
    response = c.post(f"{URL}{setting.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert PrivacySetting.objects.filter(pk=setting.pk).exists()


def test_privacy_officer_in_the_admin_sets_it_through_the_door(users):
    c = _staff(users["privacy"])
    setting = PrivacySetting.current()
    try:
        response = c.post(f"{URL}{setting.pk}/change/", {"min_cell": "15"})
        assert response.status_code == 302
        assert PrivacySetting.current().min_cell == 15
        assert publish.current_rules(workspace.workspace()).min_count == 15
    finally:
        s = PrivacySetting.current()
        s.min_cell = 10
        s.publish(actor_role="privacy")
        s.save()
