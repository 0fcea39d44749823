"""Admin: the threshold editable (and audited).

The audit trail itself is not in the admin: it is the privacy officer's
(``/privacy/``), and who looked at what is data the administrator does not see.
"""

from __future__ import annotations

from django.contrib import admin

from veerkracht.web.audit.models import PrivacySetting


@admin.register(PrivacySetting)
class PrivacySettingAdmin(admin.ModelAdmin):
    list_display = ["min_cell", "updated_at"]

    def save_model(self, request, obj, form, change):
        obj._audit_request = request
        obj.save()
