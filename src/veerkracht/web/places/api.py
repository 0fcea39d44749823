"""Place profiles as JSON."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["plaatsen"])
