"""Roles and their permissions, defined in code (DESIGN.md §6, STYLE.md §6).

Permissions are binary. Each role is a fixed set of them; every role has a
Django group of the same name carrying those permissions (kept in sync by
:func:`ensure_role_groups`). Administrators give a user a role in the admin
(the user's profile); the user is then put in that role's group.

Data access is decided from the role only: being a Django superuser grants
no data (an administrator manages accounts, never sees figures). A role that
opens data (:data:`DATA_ROLES`) is never given in one step: the admin files a
:class:`~veerkracht.web.accounts.models.RoleGrant` and a privacy officer —
another person than the one who asked and than the one who gets it —
approves it (:mod:`veerkracht.web.accounts.grants`).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

RESIDENT = "resident"
FRONTLINE = "frontline"
CORPORATION = "corporation"
POLICY = "policy"
PRIVACY = "privacy"
ADMINISTRATOR = "administrator"

ROLE_CHOICES = [
    (RESIDENT, _("Bewoner")),
    (FRONTLINE, _("Professional in de wijk")),
    (CORPORATION, _("Sociaal beheerder corporatie")),
    (POLICY, _("Beleidsadviseur gemeente")),
    (PRIVACY, _("Privacyfunctionaris")),
    (ADMINISTRATOR, _("Beheerder")),
]

# codename -> description; created on the unmanaged model accounts.Access
PERMISSIONS = {
    "view_map": "Kaart en plaatsprofielen van de eigen gebieden bekijken",
    "view_entrances": (
        "Portieken en gebouwen bekijken (onder 10 woningen alleen een band)"
    ),
    "view_blocks": "Blokken en complexen bekijken",
    "view_streets": "Straten, buurten, wijken en de gemeente bekijken",
    "export_profiles": "Plaatsprofielen als PDF downloaden",
    "export_signals": (
        "De werkbak met meldingen als CSV downloaden (zonder tekst, melder of adres)"
    ),
    "report_signals": "Meldingen doen en de eigen meldingen volgen",
    "manage_thresholds": "Drempels voor openbaarheid beheren",
    "view_audit": "Het auditspoor inzien en controleren",
    "manage_accounts": "Accounts, organisaties en gebieden beheren",
    "approve_roles": "Aanvragen voor een datarol goedkeuren (vier ogen)",
    "plan_allocation": (
        "Ruimte per plaats en plaatsingsadvies bekijken (aantallen per categorie, "
        "nooit personen)"
    ),
}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    RESIDENT: frozenset({"report_signals"}),
    FRONTLINE: frozenset(
        {
            "view_map",
            "view_entrances",
            "view_blocks",
            "view_streets",
            "export_profiles",
            "export_signals",
            "report_signals",
        }
    ),
    CORPORATION: frozenset(
        {
            "view_map",
            "view_entrances",
            "view_blocks",
            "export_profiles",
            "export_signals",
            "report_signals",
            "plan_allocation",
        }
    ),
    POLICY: frozenset(
        {"view_map", "view_streets", "export_profiles", "plan_allocation"}
    ),
    PRIVACY: frozenset({"manage_thresholds", "view_audit", "approve_roles"}),
    ADMINISTRATOR: frozenset({"manage_accounts"}),
}

#: Permissions that open data (figures, places, the audit trail).
DATA_PERMISSIONS = frozenset(
    {
        "view_map",
        "view_entrances",
        "view_blocks",
        "view_streets",
        "export_profiles",
        "export_signals",
        "view_audit",
        "manage_thresholds",
        "approve_roles",
        "plan_allocation",
    }
)

#: Roles that carry data: granting one needs a second person (four eyes).
DATA_ROLES = frozenset(
    role for role, perms in ROLE_PERMISSIONS.items() if perms & DATA_PERMISSIONS
)


def is_data_role(role: str | None) -> bool:
    """Whether ``role`` opens data (granting it needs an approval).

    Examples
    --------
    >>> is_data_role("frontline"), is_data_role("administrator"), is_data_role(None)
    (True, False, False)
    """
    return role in DATA_ROLES


# which permission a level needs
LEVEL_PERMISSION = {
    "gemeente": "view_streets",
    "wijk": "view_streets",
    "buurt": "view_streets",
    "street": "view_streets",
    "block": "view_blocks",
    "building": "view_entrances",
    "entrance": "view_entrances",
}

GROUP_NAMES = dict(ROLE_CHOICES)


def group_name(role: str) -> str:
    """Name of the Django group of ``role`` (its Dutch label)."""
    return str(GROUP_NAMES[role])


def role_of(user) -> str | None:
    """The user's role, or ``None`` (anonymous, inactive, or no profile)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    profile = getattr(user, "profile", None)
    return profile.role if profile is not None else None


def has(user, permission: str) -> bool:
    """Whether the user's role carries ``permission`` (superuser grants no data)."""
    if permission not in PERMISSIONS:
        raise KeyError(permission)
    role = role_of(user)
    return role is not None and permission in ROLE_PERMISSIONS[role]


def levels_for(user) -> list[str]:
    """Place levels the user may see, coarse to fine."""
    from veerkracht.web.levels import LEVELS

    return [lvl for lvl in LEVELS if has(user, LEVEL_PERMISSION[lvl])]


def ensure_role_groups() -> None:
    """Create each role's group with exactly its permissions (idempotent)."""
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    from veerkracht.web.accounts.models import Access

    ct = ContentType.objects.get_for_model(Access, for_concrete_model=False)
    perms = {}
    for codename, name in PERMISSIONS.items():
        perm, _created = Permission.objects.get_or_create(
            content_type=ct, codename=codename, defaults={"name": name[:255]}
        )
        perms[codename] = perm
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=group_name(role))
        group.permissions.set([perms[c] for c in sorted(codenames)])
