"""Read-only access to the workspace tables the site shows, cached per version.

Tables are read once and kept in memory until the workspace catalogue says a
newer version was committed (the key is the table's version number).
"""

from __future__ import annotations

import threading
from functools import lru_cache

import pandas as pd
from django.conf import settings

from veerkracht.store import Workspace, open_workspace

_lock = threading.Lock()
_workspaces: dict[str, Workspace] = {}


def workspace() -> Workspace:
    """The workspace of ``settings.VEERKRACHT_WORKSPACE`` (opened once)."""
    location = str(settings.VEERKRACHT_WORKSPACE)
    with _lock:
        ws = _workspaces.get(location)
        if ws is None:
            ws = _workspaces[location] = open_workspace(location)
        return ws


def location() -> str:
    """Where the workspace is (a key for caches that outlive a request)."""
    return str(settings.VEERKRACHT_WORKSPACE)


def versions() -> dict[str, int]:
    """Table name -> version, from the catalogue (cheap)."""
    return {t.name: t.version for t in workspace().tables()}


def version_of(name: str) -> int | None:
    return versions().get(name)


@lru_cache(maxsize=32)
def _read(location: str, name: str, version: int,
          columns: tuple[str, ...] | None = None) -> pd.DataFrame:
    return workspace().read(name, columns=columns)


def table(name: str, columns: tuple[str, ...] | None = None) -> pd.DataFrame | None:
    """The current version of table ``name`` (shared, do not modify), or ``None``.

    ``columns``: only these (a tuple; cached apart from the whole table).
    """
    version = version_of(name)
    if version is None:
        return None
    return _read(str(settings.VEERKRACHT_WORKSPACE), name, version,
                 None if columns is None else tuple(columns))


def dwelling_places() -> pd.DataFrame | None:
    """The ``dwellings`` table's place of each dwelling at every level: only
    the id columns of :data:`veerkracht.analytics.places.LEVEL_COLUMNS` (no
    geometry, which is most of the reading), or ``None`` without dwellings."""
    from veerkracht.analytics.places import LEVEL_COLUMNS

    if version_of("dwellings") is None:
        return None
    present = set(workspace().columns("dwellings"))
    return table("dwellings", tuple(c for c in LEVEL_COLUMNS.values() if c in present))


#: the web's roles as the publication door names them (``jobs.publish``): only
#: the privacy officer may change its rules or approve a model file
DOOR_ROLES = {"privacy": "privacy_officer"}


def door_role(role: str | None) -> str:
    """The door's name for a web role (any other role is refused by the door).

    >>> door_role("privacy"), door_role("administrator")
    ('privacy_officer', 'administrator')
    """
    return DOOR_ROLES.get(role or "", role or "none")


def result_models() -> list[dict]:
    """The model files behind the workspace's ``results``: one dict per
    (``name``, ``version``, ``hash``), with ``approved``
    (``jobs.publish.is_approved``), the ``periods`` computed with it and the
    door's ``summary`` of its latest period (``jobs.publish.published_summary``:
    public and hidden places per level, nothing more).

    These are the models the privacy officer approves; only approved models
    give bands for small places.
    """
    from veerkracht.jobs import publish

    columns = ("model_name", "model_version", "model_hash", "period")
    if version_of("results") is None or not set(columns) <= set(
        workspace().columns("results")
    ):
        return []
    # only the model and period columns: the whole table is large
    keys = table("results", columns).astype("str")
    out = []
    for (name, version, digest), part in keys.groupby(
        ["model_name", "model_version", "model_hash"], sort=True
    ):
        periods = sorted(part["period"].unique())
        try:
            summary = publish.published_summary(
                workspace(), periods[-1], model_version=version
            )
        except publish.PublishError:
            summary = {}
        out.append({
            "name": name,
            "version": version,
            "hash": digest,
            "periods": periods,
            "approved": bool(publish.is_approved(workspace(), name, version, digest)),
            # the door's compute summary: places per visibility per level
            "summary": [
                {"level": lv, "public": v.get("public", 0),
                 "hidden": sum(n for k, n in v.items() if k != "public")}
                for lv, v in summary.get("visibility", {}).items()
            ],
        })
    return out


def reset() -> None:
    """Forget opened workspaces and cached tables (tests, after a new demo)."""
    with _lock:
        for ws in _workspaces.values():
            ws.close()
        _workspaces.clear()
    _read.cache_clear()
