"""Shared fixtures: the real open data in ../shared/data and a PostgreSQL server.

Real-data fixtures skip when the data is absent on a developer's machine but
fail on CI (``CI=true``), so a missing file can never turn the suite green.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(
    os.environ.get("VEERKRACHT_SHARED_DATA", REPO.parent / "shared" / "data")
)
ON_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _missing(what: str) -> None:
    if ON_CI:
        pytest.fail(f"{what} is missing on CI")
    pytest.skip(f"{what} is not available here")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder with the real open data (read by path, never copied)."""
    if not SHARED_DATA.is_dir():
        _missing(f"shared data folder {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def pg_url() -> str:
    """URL of a PostgreSQL server for tests (``VEERKRACHT_TEST_PG_URL``)."""
    url = os.environ.get("VEERKRACHT_TEST_PG_URL")
    if not url:
        _missing("VEERKRACHT_TEST_PG_URL (start one with scripts/pg-test-server.sh)")
    return url


@pytest.fixture
def pg_workspace_url(pg_url: str) -> str:
    """A fresh, empty database on the test server, dropped afterwards."""
    import uuid

    import psycopg

    name = f"vk_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    base = pg_url.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
