"""Template context: whether the user may see alerts (menu, map overlay)."""

from __future__ import annotations

from veerkracht.web.alerts import access


def alerts(request):
    return {"vk_alerts": access.can_see_alerts(getattr(request, "user", None))}
