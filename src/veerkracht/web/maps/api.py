"""Map layers as GeoJSON, by level and bounding box (see services)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["kaart"])
