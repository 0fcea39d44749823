"""Admin: the audit trail read-only, the threshold editable (and audited)."""

from __future__ import annotations

from django.contrib import admin

from veerkracht.web.audit.models import AuditEntry, PrivacySetting


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = [
        "seq",
        "at",
        "actor",
        "action",
        "object_level",
        "object_id",
        "result",
        "origin",
        "purpose",
    ]
    list_filter = ["action", "result"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PrivacySetting)
class PrivacySettingAdmin(admin.ModelAdmin):
    list_display = ["min_cell", "updated_at"]

    def save_model(self, request, obj, form, change):
        obj._audit_request = request
        obj.save()
