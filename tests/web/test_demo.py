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


@pytest.mark.slow
def test_serve_runs_gunicorn_with_static_files_and_stops_on_ctrl_c(tmp_path):
    """`veerkracht serve` is the production server (gunicorn, WhiteNoise),
    answers from the first request, and Ctrl+C stops every process."""
    import signal
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    script = Path(sys.executable).with_name("veerkracht")
    proc = subprocess.Popen(
        [str(script), "--workspace", str(tmp_path), "serve", "--port", str(port),
         "--workers", "2"], env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                login = urllib.request.urlopen(f"{base}/inloggen/", timeout=10)
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read()
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.3)
        assert login.status == 200 and login.headers["Server"] == "gunicorn"
        css = urllib.request.urlopen(f"{base}/static/veerkracht/site.css", timeout=10)
        assert css.status == 200 and "max-age" in css.headers["Cache-Control"]
        assert b":focus" in css.read()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            out, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
    assert proc.returncode == 0, out
    # no worker left behind on the port
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0
