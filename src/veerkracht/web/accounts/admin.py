"""Admin: organisations with their areas, users with their role."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User

from veerkracht.web.accounts.models import AreaAssignment, Organisation, UserProfile


class AreaInline(admin.TabularInline):
    model = AreaAssignment
    extra = 1


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]
    inlines = [AreaInline]

    def save_formset(self, request, form, formset, change):
        for obj in formset.save(commit=False):
            obj._audit_request = request
            obj.save()
        for obj in formset.deleted_objects:
            obj._audit_request = request
            obj.delete()
        formset.save_m2m()


class ProfileInline(admin.StackedInline):
    model = UserProfile
    can_delete = False


class VeerkrachtUserAdmin(UserAdmin):
    inlines = [ProfileInline]

    def save_formset(self, request, form, formset, change):
        for obj in formset.save(commit=False):
            obj._audit_request = request
            obj.save()
        formset.save_m2m()


admin.site.unregister(User)
admin.site.register(User, VeerkrachtUserAdmin)
