"""Which places a user may see: their organisation's areas, limited by role.

A place is in a user's scope when **all** its dwellings lie inside the
places assigned to the user's organisation, and its level is one the role
may see (``roles.LEVEL_PERMISSION``). So a corporation assigned three blocks
sees those blocks and their entrances, never the buurt around them; a policy
adviser assigned the gemeente sees every street and buurt in it.
"""

from __future__ import annotations

import threading
from functools import lru_cache

import numpy as np
import pandas as pd
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from veerkracht.web import workspace
from veerkracht.web.accounts import roles
from veerkracht.web.levels import DWELLING_COLUMN, check_level

_cache: dict[tuple, frozenset[str]] = {}
_cache_lock = threading.Lock()


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()
    place_codes.cache_clear()


@lru_cache(maxsize=16)
def place_codes(level: str, version: int) -> tuple[np.ndarray, np.ndarray]:
    """Each dwelling's place at ``level`` as ``(codes, ids)``: dwelling ``i``
    lies in ``ids[codes[i]]``, or in no place when ``codes[i]`` is -1.

    Factorised once per dwellings version, so a user's areas are a few array
    operations however many dwellings there are.
    """
    places = workspace.dwelling_places()[DWELLING_COLUMN[level]].astype("str")
    codes, ids = pd.factorize(places)
    return codes, np.asarray(ids, dtype=object)


def assignments_of(user) -> tuple[tuple[str, str], ...]:
    """``(level, code)`` pairs assigned to the user's organisation."""
    profile = getattr(user, "profile", None)
    if profile is None or profile.organisation_id is None:
        return ()
    return tuple(sorted(profile.organisation.areas.values_list("level", "code")))


def _inside(assignments: tuple[tuple[str, str], ...], dwellings) -> np.ndarray:
    """Per dwelling (row of ``workspace.dwelling_places()``): inside the areas."""
    version = workspace.version_of("dwellings")
    inside = np.zeros(len(dwellings), dtype=bool)
    for a_level, code in assignments:
        if DWELLING_COLUMN.get(a_level) in dwellings.columns:
            codes, ids = place_codes(a_level, version)
            at = np.flatnonzero(ids == code)
            if len(at):
                inside |= codes == at[0]
    return inside


def _visible(assignments: tuple[tuple[str, str], ...], level: str) -> frozenset[str]:
    dwellings = workspace.dwelling_places()
    if dwellings is None or not assignments:
        return frozenset()
    version = workspace.version_of("dwellings")
    key = (assignments, level, version)
    with _cache_lock:
        hit = _cache.get(key)
    if hit is not None:
        return hit
    inside = _inside(assignments, dwellings)
    # a place is visible when none of its dwellings lies outside the areas
    codes, ids = place_codes(level, version)
    known = codes >= 0
    outside = np.bincount(codes[known], weights=~inside[known], minlength=len(ids))
    result = frozenset(ids[outside == 0])
    with _cache_lock:
        _cache[key] = result
    return result


def dwellings_in_areas(user) -> frozenset[str]:
    """``address_id`` of every dwelling inside the user's organisation's areas
    (whatever the role's levels): where the user may plan vacancies."""
    dwellings = workspace.dwelling_places()
    assignments = assignments_of(user)
    if dwellings is None or not assignments:
        return frozenset()
    version = workspace.version_of("dwellings")
    key = (assignments, "address_id", version)
    with _cache_lock:
        hit = _cache.get(key)
    if hit is not None:
        return hit
    ids = workspace.table("dwellings", ("address_id",))["address_id"].astype("str")
    result = frozenset(ids.to_numpy()[_inside(assignments, dwellings)])
    with _cache_lock:
        _cache[key] = result
    return result


def visible_ids(user, level: str) -> frozenset[str]:
    """Ids of the places at ``level`` the user may see (empty when none)."""
    check_level(level)
    if not roles.has(user, roles.LEVEL_PERMISSION[level]) or not roles.has(
        user, "view_map"
    ):
        return frozenset()
    return _visible(assignments_of(user), level)


def can_see(user, level: str, place_id: str) -> bool:
    return place_id in visible_ids(user, level)


def require(
    request, level: str, place_id: str, *, action: str = "view", purpose: str = ""
) -> None:
    """Raise ``PermissionDenied`` (logged as refused) unless the place is visible."""
    request.audit_object = (level, place_id)
    request.audit_action = action
    request.audit_purpose = purpose
    if not can_see(request.user, level, place_id):
        raise PermissionDenied(_("Deze plaats valt buiten uw gebied of rol."))


def require_permission(request, permission: str, *, purpose: str = "") -> None:
    """Raise ``PermissionDenied`` (logged) unless the role carries ``permission``."""
    request.audit_purpose = purpose or permission
    if not roles.has(request.user, permission):
        raise PermissionDenied(_("Uw rol geeft hier geen toegang toe."))
