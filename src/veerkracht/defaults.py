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
``veerkracht.jobs.warn``, ``veerkracht.analytics.warning.scan``,
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
    "SCAN_MAX_DAYS",
    "SCAN_MAX_RADIUS_M",
    "SCAN_REPLICATES",
    "SCAN_SEED",
    "SIMULATION_SEED",
    "WARN_ALPHA",
    "WARN_STUDY_DAYS",
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

#: Defaults of the early warning's scan (``ScanSettings``, ``veerkracht warn
#: run``): the largest circle (m), the longest time window (days), the Monte
#: Carlo replicates and their seed.
SCAN_MAX_RADIUS_M = 1000.0
SCAN_MAX_DAYS = 28
SCAN_REPLICATES = 999
SCAN_SEED = 1
#: Days of history that form the scan's study period, and the p-value at or
#: below which a finding is an alert (``WarnSettings``, ``veerkracht warn run``).
WARN_STUDY_DAYS = 365
WARN_ALPHA = 0.05
