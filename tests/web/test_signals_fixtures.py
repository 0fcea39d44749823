"""Fixtures shared by the signals, Open311 and stories tests (no tests here)."""

from __future__ import annotations

import django
import pytest
from tests.web.cityfixture import BUURTEN, WIJK, build_city

django.setup()  # test modules import models at module level

PASSWORD = "een-lang-testwachtwoord-42"


@pytest.fixture(scope="session")
def city_dir(tmp_path_factory):
    """The tiny test city (addresses, buurten, derived places), built once."""
    return build_city(tmp_path_factory.mktemp("signals-city"))


@pytest.fixture
def city(city_dir, settings):
    """Point the site at the test city."""
    from veerkracht.web.signals.locations import clear_cache

    settings.VEERKRACHT_WORKSPACE = city_dir
    clear_cache()
    yield city_dir
    clear_cache()


@pytest.fixture
def city_copy(city_dir, settings, tmp_path):
    """The test city in a copy of its own, for tests that write the workspace."""
    import shutil

    from veerkracht.web import workspace
    from veerkracht.web.signals.locations import clear_cache

    folder = tmp_path / "city"
    shutil.copytree(city_dir, folder)
    settings.VEERKRACHT_WORKSPACE = folder
    clear_cache()
    workspace.reset()
    yield folder
    clear_cache()
    workspace.reset()


def make_professional(
    username: str,
    *,
    level: str = "wijk",
    code: str = WIJK,
    role: str = "frontline",
    kind: str = "welfare",
):
    from django.contrib.auth import get_user_model

    from veerkracht.web.accounts.models import AreaAssignment, Organisation, UserProfile

    org, _ = Organisation.objects.get_or_create(
        name=f"Org {username}", defaults={"kind": kind}
    )
    if code:
        AreaAssignment.objects.get_or_create(organisation=org, level=level, code=code)
    user = get_user_model().objects.create_user(username, password=PASSWORD)
    UserProfile.objects.create(user=user, role=role, organisation=org)
    return user


@pytest.fixture
def professional(db):
    """A frontline professional assigned the whole test wijk."""
    return make_professional("wijkwerker")


@pytest.fixture
def outsider(db):
    """A professional assigned only the other buurt."""
    return make_professional("buitenstaander", level="buurt", code=BUURTEN[1])


def report_data(**overrides) -> dict:
    data = {
        "form_token": overrides.pop("form_token", "tok-" + str(id(overrides))),
        "category": "noise",
        "where": "address",
        "postcode": "9900 AA",
        "huisnummer": "3",
        "toevoeging": "",
        "straat": "",
        "woonplaats": "",
        "description": "Elke nacht harde muziek.",
        "contact_email": "melder@example.org",
    }
    data.update(overrides)
    return data
