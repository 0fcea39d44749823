"""Before the first request: what a first map or profile would do itself.

``veerkracht serve`` calls :func:`warm` in the gunicorn master before it
forks the workers, so every worker starts with it (fork shares the memory)
and no user waits for a worker's first reading of the workspace. Without
it, on the 550,000 addresses of Groningen and Flevoland the first profile of
a street took 20 s (docs/benchmarks.md, ``web_first``).

Nothing here computes a figure of its own: it fills the caches the requests
read from (the workspace tables, the door's per-version reads of
:mod:`veerkracht.jobs.publish`, the map's simplified layers), each keyed by
the versions it was made of, so a later ``compute`` or a change of the
publication rules is seen exactly as without warming.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("veerkracht.web")


def _step(name: str, func: Callable[[], object]) -> None:
    """Run one step; a failure only means the first request does the work."""
    try:
        func()
    except Exception:  # noqa: BLE001
        log.exception("voorbereiden mislukt: %s", name)


def warm() -> None:
    """Prepare everything a first map and a first place profile read."""
    _step("code", _code)
    _step("gebieden", _areas)
    from veerkracht.web.maps import services

    _step("kaartlagen", services.warm)
    _step("publicatiedeur", _door)
    _step("cijfers", _figures)
    _step("plaatsingsmodel", _placement)


def _code() -> None:
    """Import every view (the URL configuration), compile the templates and
    load the translations: each worker would otherwise do it on its first
    request (the PDF view alone imports reportlab, about a second)."""
    from django.apps import apps
    from django.conf import settings
    from django.template.loader import get_template
    from django.urls import get_resolver
    from django.utils.translation import trans_real

    get_resolver().url_patterns  # noqa: B018 - imports every urls and views module
    for app in apps.get_app_configs():
        if not app.name.startswith("veerkracht.web"):
            continue
        folder = Path(app.path) / "templates"
        for file in sorted(folder.rglob("*.html")):
            get_template(file.relative_to(folder).as_posix())
    for code, _name in settings.LANGUAGES:
        trans_real.translation(code)


def _areas() -> None:
    """The dwellings' place ids per level, which every user's area is made of
    (:mod:`veerkracht.web.accounts.scoping`)."""
    from veerkracht.web import workspace
    from veerkracht.web.accounts import scoping
    from veerkracht.web.levels import DWELLING_COLUMN, LEVELS

    places = workspace.dwelling_places()
    if places is None:
        return
    version = workspace.version_of("dwellings")
    for level in LEVELS:
        if DWELLING_COLUMN[level] in places.columns:
            scoping.place_codes(level, version)


def _door() -> None:
    """The door's reads of one version: the result rows of every period (a
    profile shows each period's class), the protected statistics (signal
    counts) and the multiscalar profiles of every level."""
    from veerkracht.jobs import publish
    from veerkracht.web import workspace
    from veerkracht.web.levels import LEVELS
    from veerkracht.web.places import figures

    ws = workspace.workspace()
    if workspace.version_of("results") is not None:
        for period in (None, *figures.available_periods()):
            with contextlib.suppress(publish.PublishError):
                publish.published_places(ws, "gemeente", period=period)
    for level in LEVELS:
        if workspace.version_of(f"place_{level}") is None:
            continue
        publish.published_signal_counts(ws, level, [])
        if workspace.version_of("profiles") is not None:
            with contextlib.suppress(publish.PublishError):
                publish.published_profiles(ws, level)


def _figures() -> None:
    """What the map and a profile draw of every level, for both audiences:
    the latest period with and without indicators (map, profile, enclosing
    places) and every earlier period (a profile's history). A profile of an
    entrance asks for about ten of them."""
    from veerkracht.analytics.publication import AUDIENCES
    from veerkracht.web import workspace
    from veerkracht.web.levels import LEVELS
    from veerkracht.web.places import figures

    levels = [lv for lv in LEVELS if workspace.version_of(f"place_{lv}") is not None]
    # the earlier periods first: should the cache be full, the latest stay
    for period in figures.available_periods()[:-1]:
        for level in levels:
            for audience in AUDIENCES:
                with contextlib.suppress(LookupError):  # another model's period
                    figures.figures(level, period, audience)
    for level in levels:
        for audience in AUDIENCES:
            try:
                figures.figures(level, audience=audience)
            except LookupError:
                break
            figures.figures(level, audience=audience, indicators=True)


def _placement() -> None:
    """The placement model of the latest period (headroom and "Wat doet één
    plaatsing?", ``veerkracht.jobs.allocate``): read once, kept per version."""
    from veerkracht.jobs import allocate
    from veerkracht.web import workspace
    from veerkracht.web.places import figures

    periods = figures.available_periods()
    if periods:
        with contextlib.suppress(allocate.AllocationError):
            allocate.placement_model(workspace.workspace(), periods[-1])
