"""Fixtures for the web tests (re-exported by conftest.py)."""

from __future__ import annotations

import pytest
from tests.web.cityfixture import BUURTEN, GEMEENTE, build_city
from tests.web.plannedcity import build_planned_city


def _reset_caches() -> None:
    from veerkracht.jobs import publish
    from veerkracht.web import workspace
    from veerkracht.web.accounts import scoping
    from veerkracht.web.allocation import services as allocation
    from veerkracht.web.maps import services as map_services
    from veerkracht.web.places import figures

    workspace.reset()
    scoping.clear_cache()
    figures.clear_cache()
    map_services.clear_cache()
    publish._clear_cache()
    allocation.clear_cache()


@pytest.fixture(autouse=True)
def _fresh_workspace_cache():
    _reset_caches()
    yield
    _reset_caches()


@pytest.fixture(scope="session")
def city_dir(tmp_path_factory):
    """A small derived city in a workspace folder (built once per session)."""
    return build_city(tmp_path_factory.mktemp("city"))


@pytest.fixture
def city(city_dir, settings):
    """Point the site at the test city."""
    settings.VEERKRACHT_WORKSPACE = city_dir
    _reset_caches()
    from veerkracht.store import open_workspace

    ws = open_workspace(city_dir)
    yield ws
    ws.close()


@pytest.fixture(scope="session")
def planned_city_dir(tmp_path_factory):
    """A small computed demo city with an approved model (built once)."""
    return build_planned_city(tmp_path_factory.mktemp("planned") / "ws")


@pytest.fixture
def planned_city(planned_city_dir, settings):
    """Point the site at the computed city (read only: nothing writes to it)."""
    settings.VEERKRACHT_WORKSPACE = planned_city_dir
    _reset_caches()
    from veerkracht.store import open_workspace

    ws = open_workspace(planned_city_dir)
    yield ws
    ws.close()


@pytest.fixture
def place_ids(city):
    """Some place ids of the test city, by what the tests need them for."""
    dw = city.read("dwellings")
    entr = city.read("place_entrance")
    blocks = city.read("place_block")
    streets = city.read("place_street")
    b1, b2 = BUURTEN
    corp_blocks = blocks[blocks["buurtcode"] == b1].sort_values("place_id").head(3)
    corp_entrances = set(dw.loc[dw["block_id"].isin(corp_blocks["place_id"]),
                                "entrance_id"])
    outside = ~entr["place_id"].isin(corp_entrances)
    small = entr[(entr["buurtcode"] == b1) & (entr["n_dwellings"] < 10) & outside]
    big = entr[(entr["buurtcode"] == b1) & (entr["n_dwellings"] >= 10)]
    corp_entrance = dw.loc[dw["block_id"] == corp_blocks["place_id"].iloc[0],
                           "entrance_id"].iloc[0]
    return {
        "gemeente": GEMEENTE,
        "buurt1": b1,
        "buurt2": b2,
        "street1": streets.loc[streets["buurtcode"] == b1, "place_id"].iloc[0],
        "street2": streets.loc[streets["buurtcode"] == b2, "place_id"].iloc[0],
        "small_entrance1": small["place_id"].iloc[0],
        "big_entrance1": big["place_id"].iloc[0],
        "entrance2": entr.loc[entr["buurtcode"] == b2, "place_id"].iloc[0],
        "corp_blocks": list(corp_blocks["place_id"]),
        "corp_entrance": corp_entrance,
        "block2": blocks.loc[blocks["buurtcode"] == b2, "place_id"].iloc[0],
    }


@pytest.fixture
def make_user(db):
    """``make_user(role, areas=[(level, code), ...], org="name")`` -> User."""
    from django.contrib.auth.models import User

    from veerkracht.web.accounts.models import AreaAssignment, Organisation, UserProfile

    def make(role: str, areas=(), org: str | None = None, username: str | None = None):
        username = username or f"{role}-{User.objects.count() + 1}"
        user = User.objects.create_user(username, password="test-wachtwoord-123")
        organisation = None
        if org or areas:
            name = org or f"org {role}"
            organisation, _ = Organisation.objects.get_or_create(name=name)
            for level, code in areas:
                AreaAssignment.objects.get_or_create(organisation=organisation,
                                                     level=level, code=code)
        UserProfile.objects.create(user=user, role=role, organisation=organisation)
        return user

    return make


@pytest.fixture
def users(make_user, place_ids):
    """One user per role, with the areas of the scoping matrix."""
    return {
        "resident": make_user("resident"),
        "frontline": make_user("frontline", [("buurt", place_ids["buurt1"])],
                               org="Wijkteam Noord"),
        "corporation": make_user("corporation",
                                 [("block", b) for b in place_ids["corp_blocks"]],
                                 org="Woonstichting"),
        "policy": make_user("policy", [("gemeente", place_ids["gemeente"])],
                            org="Gemeente"),
        "privacy": make_user("privacy", org="Gemeente"),
        "administrator": make_user("administrator", org="Gemeente"),
    }


def floats_in(value):
    """Every float in a parsed JSON answer (dicts and lists, nested)."""
    if isinstance(value, float):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from floats_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from floats_in(v)
