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


class AdminAuditMiddleware:
    """Audit every admin page about a record: lists, forms, history, deletes.

    The admin holds accounts, roles and settings only (no signals, stories or
    audit rows), but those are records too: each view is one ``admin_view``
    row, each accepted change (a POST answered with a redirect) one
    ``admin_change`` row, naming the model and the record's number — never a
    name, a search term or a filter value.
    """

    VIEWS = ("changelist", "change", "add", "delete", "history", "password_change")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is None or match.namespace != "admin" or response.status_code >= 400:
            return response
        target = self._target(match)
        if target is None:
            return response
        from veerkracht.web.audit.services import record

        changed = request.method == "POST" and response.status_code in (301, 302)
        record(
            "admin_change" if changed else "admin_view",
            request=request,
            level="admin",
            object_id=target,
            purpose="admin",
        )
        return response

    def _target(self, match) -> str | None:
        from django.contrib import admin

        name = match.url_name or ""
        for model in admin.site._registry:
            prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
            if name.startswith(prefix) and name[len(prefix):] in self.VIEWS:
                label = f"{model._meta.app_label}.{model._meta.model_name}"
                pk = str(match.kwargs.get("object_id") or match.kwargs.get("id") or "")
                return f"{label}:{pk}" if pk.isdigit() else label
        return None
