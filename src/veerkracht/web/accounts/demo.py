"""Demo accounts for Voorbeeldstad: only when the workspace holds the demo city
and ``VEERKRACHT_DEMO_ACCOUNTS`` is on (never in production settings).

The usernames and passwords are public (docs/web.md); they protect nothing
real, because the demo city is synthetic.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction

from veerkracht.store import WorkspaceError
from veerkracht.web import workspace
from veerkracht.web.accounts import roles
from veerkracht.web.accounts.models import AreaAssignment, Organisation, UserProfile

# username -> (role, organisation, password)
DEMO_ACCOUNTS = {
    "bewoner": (roles.RESIDENT, None, "voorbeeldstad-bewoner"),
    "wijkteam": (roles.FRONTLINE, "Wijkteam Voorbeeldstad", "voorbeeldstad-wijkteam"),
    # a colleague in the same team, to assign signals to
    "wijkwerker": (
        roles.FRONTLINE,
        "Wijkteam Voorbeeldstad",
        "voorbeeldstad-wijkwerker",
    ),
    "corporatie": (
        roles.CORPORATION,
        "Woonstichting Voorbeeld",
        "voorbeeldstad-corporatie",
    ),
    "beleid": (roles.POLICY, "Gemeente Voorbeeldstad", "voorbeeldstad-beleid"),
    "privacy": (roles.PRIVACY, "Gemeente Voorbeeldstad", "voorbeeldstad-privacy"),
    "beheerder": (
        roles.ADMINISTRATOR,
        "Gemeente Voorbeeldstad",
        "voorbeeldstad-beheerder",
    ),
}


def is_demo_workspace() -> bool:
    """Whether the workspace holds the synthetic demo city."""
    ws = workspace.workspace()
    try:
        if any(op.action.startswith("demo") for op in ws.operations()):
            return True
    except Exception:  # noqa: BLE001 - an empty or foreign workspace
        return False
    places = workspace.table("place_gemeente")
    if places is not None and "name" in places.columns:
        return bool(places["name"].astype("str").str.contains("Voorbeeldstad").any())
    return False


def _planted_buurten() -> list[str]:
    """Buurten of the demo city's planted story, from its demo operation."""
    try:
        ops = [op for op in workspace.workspace().operations()
               if op.action == "demo"]
    except WorkspaceError:  # the workspace cannot be opened: no story
        return []
    planted = (ops[-1].summary or {}).get("planted", {}) if ops else {}
    found = [*planted.get("tipping_buurten", ()), planted.get("cluster_buurt"),
             planted.get("quiet_buurt")]
    return [str(b) for b in found if b]


def _demo_areas() -> dict[str, list[tuple[str, str]]]:
    """Areas per demo organisation, chosen from the demo city's own places."""
    areas: dict[str, list[tuple[str, str]]] = {}
    gemeente = workspace.table("place_gemeente")
    if gemeente is not None and len(gemeente):
        areas["Gemeente Voorbeeldstad"] = [
            ("gemeente", str(gemeente["place_id"].iloc[0]))
        ]
    buurten = workspace.table("place_buurt")
    if buurten is not None and len(buurten):
        ordered = buurten.sort_values("n_dwellings", ascending=False)
        # the two largest buurten, and the buurten the demo's story is about
        # (tipping, emerging cluster, going quiet), so the neighbourhood team
        # sees the early warning's alerts there
        mine = list(dict.fromkeys([*map(str, ordered["place_id"].head(2)),
                                   *_planted_buurten()]))
        known = set(buurten["place_id"].astype("str"))
        areas["Wijkteam Voorbeeldstad"] = [("buurt", b) for b in mine if b in known]
    blocks = workspace.table("place_block")
    if blocks is not None and len(blocks) and buurten is not None and len(buurten):
        first = str(
            buurten.sort_values("n_dwellings", ascending=False)["place_id"].iloc[0]
        )
        mine = blocks[blocks["buurtcode"].astype("str") == first]
        mine = mine.sort_values("n_dwellings", ascending=False).head(6)
        areas["Woonstichting Voorbeeld"] = [
            ("block", str(pid)) for pid in mine["place_id"]
        ]
    return areas


#: first names of the demo accounts that handle signals (shown to colleagues)
DEMO_NAMES = {"wijkteam": "Wijkteam (demo)", "wijkwerker": "Wijkwerker (demo)",
              "corporatie": "Corporatie (demo)"}

#: demo signal teams: team name -> organisation (the team's members)
DEMO_TEAMS = {
    "Wijkteam Voorbeeldstad": "Wijkteam Voorbeeldstad",
    "Sociaal beheer Woonstichting Voorbeeld": "Woonstichting Voorbeeld",
}


def _demo_teams(areas: dict[str, list[tuple[str, str]]]) -> None:
    """The demo organisations' signal teams; the wijkteam's buurten route to it."""
    from veerkracht.web.signals.models import RoutingRule, Team

    for team_name, org_name in DEMO_TEAMS.items():
        org = Organisation.objects.get_or_create(name=org_name)[0]
        team = Team.objects.get_or_create(name=team_name,
                                          defaults={"organisation": org})[0]
        if team.organisation_id is None:
            team.organisation = org
            team.save(update_fields=["organisation"])
        for level, code in areas.get(org_name, []):
            if level == "buurt":
                RoutingRule.objects.get_or_create(
                    team=team, area_code=code, category="",
                    defaults={"note": "demo: de buurten van het wijkteam"})


@transaction.atomic
def ensure_demo_accounts(force: bool = False) -> list[str]:
    """Create the demo accounts that are missing; return their usernames.

    Does nothing unless ``settings.VEERKRACHT_DEMO_ACCOUNTS`` is on and the
    workspace holds the demo city (``force`` skips the second check, for tests).
    """
    if not settings.VEERKRACHT_DEMO_ACCOUNTS:
        return []
    if not force and not is_demo_workspace():
        return []
    roles.ensure_role_groups()
    areas = _demo_areas()
    for org_name, org_areas in areas.items():
        org, _created = Organisation.objects.get_or_create(name=org_name)
        for level, code in org_areas:
            AreaAssignment.objects.get_or_create(
                organisation=org, level=level, code=code
            )
    _demo_teams(areas)
    created = []
    for username, (role, org_name, password) in DEMO_ACCOUNTS.items():
        if User.objects.filter(username=username).exists():
            continue
        user = User.objects.create_user(username=username, password=password,
                                        first_name=DEMO_NAMES.get(username, ""))
        if role == roles.ADMINISTRATOR:
            user.is_staff = True
            user.is_superuser = True  # manages accounts; the role grants no data
            user.save()
        org = Organisation.objects.get_or_create(name=org_name)[0] if org_name else None
        UserProfile.objects.create(user=user, role=role, organisation=org)
        created.append(username)
    return created
