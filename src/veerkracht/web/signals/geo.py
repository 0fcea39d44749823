"""Coordinates: WGS84 (Open311 ``lat``/``long``) to RD New and back.

Everything stored is in EPSG:28992 (docs/architecture.md, "RD New inside").
"""

from __future__ import annotations

import math
from functools import lru_cache

from pyproj import Transformer

#: A generous box around the European Netherlands in RD New (metres).
RD_BOUNDS = (-7_000.0, 289_000.0, 300_000.0, 629_000.0)


class OutsideNetherlands(ValueError):
    """Coordinates that do not fall in the Netherlands."""


@lru_cache(maxsize=1)
def _to_rd() -> Transformer:
    return Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True)


@lru_cache(maxsize=1)
def _to_wgs84() -> Transformer:
    return Transformer.from_crs("EPSG:28992", "EPSG:4326", always_xy=True)


def wgs84_to_rd(lat: float, lon: float) -> tuple[float, float]:
    """Project latitude/longitude to RD New ``(x, y)``; refuse points abroad.

    Examples
    --------
    >>> x, y = wgs84_to_rd(52.15517, 5.38721)   # Amersfoort, the RD origin
    >>> round(x), round(y)
    (155000, 463000)
    """
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise OutsideNetherlands("coördinaten zijn geen getallen")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise OutsideNetherlands(
            "lat moet tussen -90 en 90 liggen, long tussen -180 en 180"
        )
    x, y = _to_rd().transform(lon, lat)
    xmin, ymin, xmax, ymax = RD_BOUNDS
    if not (xmin <= x <= xmax and ymin <= y <= ymax):
        raise OutsideNetherlands("deze locatie ligt niet in Nederland")
    return float(x), float(y)


def rd_to_wgs84(x: float, y: float) -> tuple[float, float]:
    """RD New ``(x, y)`` to ``(lat, lon)``."""
    lon, lat = _to_wgs84().transform(x, y)
    return float(lat), float(lon)


def distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Euclidean distance in metres between two RD points."""
    return math.hypot(a[0] - b[0], a[1] - b[1])
