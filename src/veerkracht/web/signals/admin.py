"""Admin: teams, routing rules and Open311 keys — settings, never signals.

The administrator has no data (docs/web.md): signals (their addresses,
categories, descriptions and history) are not in the admin at all. The team
handles them in the work list (``/meldingen/werkbak/``), scoped to its areas
and audited.
"""

from django.contrib import admin

from veerkracht.web.signals.models import Open311Client, RoutingRule, Team


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "organisation", "email", "is_default", "active")
    list_filter = ("is_default", "active", "organisation")

    def has_delete_permission(self, request, obj=None):
        # a team keeps its signals: switch it off ("actief") instead; the delete
        # page would otherwise list the signals it handled
        return False


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("__str__", "category", "area_code", "priority", "team", "active")
    list_filter = ("category", "active", "team")
    search_fields = ("area_code", "note")


@admin.register(Open311Client)
class Open311ClientAdmin(admin.ModelAdmin):
    list_display = ("name", "key_prefix", "active", "created_at")
    readonly_fields = ("key_prefix", "created_at")

    def has_add_permission(self, request):
        # keys are issued with `python -m veerkracht.web open311_key NAME`
        return False
