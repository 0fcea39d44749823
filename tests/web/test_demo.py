"""Demo accounts and the ``serve`` command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from veerkracht.web.accounts.demo import DEMO_ACCOUNTS, ensure_demo_accounts


@pytest.mark.django_db
def test_demo_accounts_only_for_the_demo_city(city, settings):
    assert ensure_demo_accounts() == []  # the test city is not Voorbeeldstad
    settings.VEERKRACHT_DEMO_ACCOUNTS = False
    assert ensure_demo_accounts(force=True) == []
    settings.VEERKRACHT_DEMO_ACCOUNTS = True
    created = ensure_demo_accounts(force=True)
    assert set(created) == set(DEMO_ACCOUNTS)
    assert ensure_demo_accounts(force=True) == []  # idempotent


@pytest.mark.django_db
def test_demo_accounts_can_log_in_and_see_their_areas(city, client, settings):
    ensure_demo_accounts(force=True)
    for username, (_role, _org, password) in DEMO_ACCOUNTS.items():
        response = client.post("/inloggen/", {"username": username,
                                               "password": password}, follow=True)
        assert response.status_code == 200, username
        assert response.context["user"].is_authenticated, username
        client.post("/uitloggen/")
    client.post("/inloggen/", {"username": "wijkteam",
                               "password": DEMO_ACCOUNTS["wijkteam"][2]})
    body = client.get("/api/maps/layers/buurt?bbox=3,50,9,54&zoom=12").json()
    assert body["features"]
    admin = User.objects.get(username="beheerder")
    assert admin.is_staff


@pytest.mark.slow
def test_serve_manage_runs_django_commands(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    script = Path(sys.executable).with_name("veerkracht")
    cmd = [str(script), "--workspace", str(tmp_path),
           "serve", "--manage", "migrate", "--noinput"]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=180,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "web.sqlite3").exists()
    result = subprocess.run(cmd[:-3] + ["--manage", "audit_verify"], env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "keten klopt" in result.stdout
