"""Log every refused request (HTTP 403) in the audit trail."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied


class RefusalAuditMiddleware:
    """Record a ``refused`` audit entry for every 403 answer.

    Views say what was asked for by setting ``request.audit_object = (level,
    id)`` and ``request.audit_action`` before refusing; without them the
    entry names no object (paths may hold free text and are never logged).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 403 and not getattr(request, "audit_done", False):
            self._log(request)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionDenied):
            self._log(request)
            request.audit_done = True
        return None

    @staticmethod
    def _log(request) -> None:
        from veerkracht.web.audit.services import record

        level, object_id = getattr(request, "audit_object", ("", ""))
        record(
            getattr(request, "audit_action", "view"),
            request=request,
            level=level,
            object_id=object_id,
            result="refused",
            purpose=getattr(request, "audit_purpose", "")
            or (request.resolver_match.url_name if request.resolver_match else "")
            or "",
        )
