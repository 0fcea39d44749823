"""A default Voorbeeldstad, generated once per test session."""

from __future__ import annotations

import pytest

from veerkracht.synth import City, generate_city


@pytest.fixture(scope="session")
def city() -> City:
    """The demo city as the demo builds it (seed 20261124, 12,000 dwellings)."""
    return generate_city()
