"""Constants the command line shows before any heavy module is loaded.

``veerkracht --help`` (and every ``--help`` under it) builds the whole
command tree, option defaults and help texts included, without importing
pandas, numpy, geopandas, Django or the analytics, io, jobs and store
modules. Every value an option default or a help text needs is therefore
defined here, once; the heavy modules that use the same value import it
from this module (``veerkracht.store.open``, ``veerkracht.analytics.places``,
``veerkracht.analytics.dp``, ``veerkracht.analytics.model.spec``,
``veerkracht.jobs.places``,
``veerkracht.jobs.demo``, ``veerkracht.jobs.validate``,
``veerkracht.io.export``). This module imports nothing.

Examples
--------
>>> EXPORT_LEVELS[:3]
('dwelling', 'entrance', 'building')
>>> LEVEL_NAMES_NL["entrance"]
'portiek'
"""

from __future__ import annotations

__all__ = [
    "BAND_MIN_FLOOR",
    "DEFAULT_DIR",
    "DEMO_DWELLINGS",
    "DEMO_SEED",
    "ENV_VAR",
    "EXPORT_FORMATS",
    "EXPORT_LEVELS",
    "LEVELS",
    "LEVEL_NAMES_NL",
    "SIMULATION_SEED",
]

#: Environment variable naming the workspace (a folder or a postgresql:// URL).
ENV_VAR = "VEERKRACHT_WORKSPACE"
#: The workspace folder when neither ``--workspace`` nor ``$VEERKRACHT_WORKSPACE``
#: names one.
DEFAULT_DIR = "veerkracht-data"

#: The place levels, from small to large; each place's parent is one step up.
LEVELS = ("entrance", "building", "block", "street", "buurt", "wijk", "gemeente")
#: Levels that ``veerkracht export`` knows, smallest first.
EXPORT_LEVELS = ("dwelling", *LEVELS)
#: Dutch names of the levels, for messages and tables.
LEVEL_NAMES_NL = {
    "dwelling": "woning", "entrance": "portiek", "building": "pand",
    "block": "blok", "street": "straat", "buurt": "buurt", "wijk": "wijk",
    "gemeente": "gemeente",
}
#: File formats of ``veerkracht export``.
EXPORT_FORMATS = ("csv", "geojson", "gpkg", "parquet")

#: Places with fewer dwellings (public BAG counts) are never protected nor
#: published; the threshold can be raised, never lowered below this.
BAND_MIN_FLOOR = 5

#: Seed and size of Voorbeeldstad, the demo city (``veerkracht demo``).
DEMO_SEED = 20261124
DEMO_DWELLINGS = 12_000

#: Seed of the truth city in the simulation section of ``veerkracht validate``.
SIMULATION_SEED = 20261201
