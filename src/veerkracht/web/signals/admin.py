"""Admin: teams and routing rules are edited here; signals are read-only."""

from django.contrib import admin

from veerkracht.web.signals.models import (
    Open311Client,
    RoutingRule,
    Signal,
    StatusChange,
    Team,
)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "email", "is_default", "active")
    list_filter = ("is_default", "active")


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("__str__", "category", "area_code", "priority", "team", "active")
    list_filter = ("category", "active", "team")
    search_fields = ("area_code", "note")


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0
    can_delete = False
    fields = ("at", "from_status", "to_status", "actor_role", "actor")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Signal)
class SignalAdmin(admin.ModelAdmin):
    """Read-only: status changes go through the work list (one service function)."""

    list_display = (
        "reference",
        "category",
        "status",
        "team",
        "buurtcode",
        "created_at",
    )
    list_filter = ("status", "category", "channel", "team")
    search_fields = ("reference",)
    exclude = ("description", "contact_email")
    inlines = [StatusChangeInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Open311Client)
class Open311ClientAdmin(admin.ModelAdmin):
    list_display = ("name", "key_prefix", "active", "created_at")
    readonly_fields = ("key_prefix", "created_at")

    def has_add_permission(self, request):
        # keys are issued with `python -m veerkracht.web open311_key NAME`
        return False
