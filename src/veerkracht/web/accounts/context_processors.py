"""Template context: the user's role and what it may do."""

from __future__ import annotations

from veerkracht.web.accounts import roles
from veerkracht.web.accounts.menu import menu_for


def role(request):
    user = getattr(request, "user", None)
    current = roles.role_of(user)
    perms = roles.ROLE_PERMISSIONS.get(current, frozenset()) if current else frozenset()
    return {
        "vk_role": current,
        "vk_perms": perms,
        "vk_role_label": dict(roles.ROLE_CHOICES).get(current, ""),
        "vk_menu": menu_for(user, getattr(request, "path", "")),
    }
