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
def _read(location: str, name: str, version: int) -> pd.DataFrame:
    return workspace().read(name)


def table(name: str) -> pd.DataFrame | None:
    """The current version of table ``name`` (shared, do not modify), or ``None``."""
    version = version_of(name)
    if version is None:
        return None
    return _read(str(settings.VEERKRACHT_WORKSPACE), name, version)


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

    results = table("results")
    if results is None or not {"model_name", "model_version", "model_hash"} <= set(
        results.columns
    ):
        return []
    keys = results[["model_name", "model_version", "model_hash", "period"]].astype(
        "str"
    )
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
