"""Settings: documented, strict in production, Django-free core."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


# variables the test process may carry that a production start would not have
_CLEAN = ("SECRET_KEY", "ALLOWED_HOSTS", "VEERKRACHT_DEMO_ACCOUNTS",
          "DJANGO_ALLOW_ASYNC_UNSAFE", "DEBUG")


def _run(settings: str, *args: str, env: dict | None = None, tmp_path=None):
    full = {
        k: v
        for k, v in os.environ.items()
        if k not in _CLEAN
    }
    full["DJANGO_SETTINGS_MODULE"] = settings
    full["VEERKRACHT_WORKSPACE"] = str(tmp_path)
    full.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "veerkracht.web", *args],
        env=full,
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )


@pytest.mark.slow
def test_check_deploy_is_clean_in_production(tmp_path):
    result = _run(
        "veerkracht.web.conf.production",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        tmp_path=tmp_path,
        env={
            "SECRET_KEY": "x7" * 30 + "Zq-!",
            "ALLOWED_HOSTS": "veerkracht.example.nl",
        },
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.slow
def test_production_refuses_to_start_without_secret(tmp_path):
    result = _run(
        "veerkracht.web.conf.production",
        "check",
        tmp_path=tmp_path,
        env={"ALLOWED_HOSTS": "veerkracht.example.nl"},
    )
    assert result.returncode != 0
    assert "SECRET_KEY ontbreekt" in result.stderr


@pytest.mark.slow
def test_production_refuses_demo_accounts(tmp_path):
    result = _run(
        "veerkracht.web.conf.production",
        "check",
        tmp_path=tmp_path,
        env={
            "SECRET_KEY": "x7" * 30,
            "ALLOWED_HOSTS": "a.nl",
            "VEERKRACHT_DEMO_ACCOUNTS": "true",
        },
    )
    assert result.returncode != 0
    assert "VEERKRACHT_DEMO_ACCOUNTS" in result.stderr


def test_every_setting_is_documented():
    from veerkracht.web.conf.config import render_markdown

    text = (REPO / "docs" / "config.md").read_text()
    assert text == render_markdown(), (
        "docs/config.md is out of date: "
        "python -m veerkracht.web.conf.config > docs/config.md"
    )


def test_settings_read_through_config_are_registered():
    import re

    from veerkracht.web.conf.config import REGISTRY, render_markdown

    render_markdown()
    conf = REPO / "src" / "veerkracht" / "web" / "conf"
    names = set()
    for path in conf.glob("*.py"):
        names |= set(re.findall(r'config\(\s*"([A-Z_]+)"', path.read_text()))
    assert names and names <= set(REGISTRY)


def test_database_url_parsing(tmp_path):
    from veerkracht.web.conf.base import database_from_url

    db = database_from_url("postgresql://vk:s%40cret@db.example:5433/veerkracht", "x")
    assert db["ENGINE"].endswith("postgresql")
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == (
        "vk",
        "s@cret",
        "db.example",
        "5433",
        "veerkracht",
    )
    assert database_from_url("", str(tmp_path))["NAME"] == str(tmp_path / "web.sqlite3")
    same = database_from_url("", "postgresql://u@h/ws")
    assert same["NAME"] == "ws"
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="postgresql://"):
        database_from_url("mysql://x@y/z", "x")


@pytest.mark.slow
@pytest.mark.parametrize("env, message", [
    ({"SECRET_KEY": "dev-only-not-secret-veerkracht-demo-key-0123456789",
      "ALLOWED_HOSTS": "a.nl"}, "sleutel van de demo"),
    ({"SECRET_KEY": "kort-maar-geheim", "ALLOWED_HOSTS": "a.nl"}, "te kort"),
    ({"SECRET_KEY": "x7" * 30, "ALLOWED_HOSTS": "*"}, "geen '*'"),
    ({"SECRET_KEY": "x7" * 30, "ALLOWED_HOSTS": "a.nl,*"}, "geen '*'"),
])
def test_production_refuses_committed_keys_and_wildcard_hosts(tmp_path, env,
                                                              message):
    result = _run("veerkracht.web.conf.production", "check", tmp_path=tmp_path,
                  env=env)
    assert result.returncode != 0
    assert message in result.stderr
