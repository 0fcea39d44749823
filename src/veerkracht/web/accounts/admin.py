"""Admin: organisations with their areas, users with their role — and no data.

The administrator manages accounts, roles and settings (docs/web.md). A role
that opens data is never given from here in one step: saving it files a
:class:`~veerkracht.web.accounts.models.RoleGrant` that a privacy officer
approves (:mod:`veerkracht.web.accounts.grants`); the user keeps the old role
until then. Accounts that reach the admin (staff, superuser) cannot hold a data
role. Every admin page about a record is audited
(:class:`veerkracht.web.audit.middleware.AdminAuditMiddleware`).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import User

from veerkracht.web.accounts import grants, roles
from veerkracht.web.accounts.models import (
    AreaAssignment,
    Organisation,
    RoleGrant,
    UserProfile,
)


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
    help_text = (
        "Een rol met toegang tot gegevens gaat pas in als een privacyfunctionaris "
        "de aanvraag goedkeurt."
    )


class GuardedUserChangeForm(UserChangeForm):
    """Refuse admin access (staff, superuser) for an account with a data role."""

    def clean(self):
        data = super().clean()
        reaches_admin = data.get("is_staff") or data.get("is_superuser")
        profile = getattr(self.instance, "profile", None) if self.instance.pk else None
        if reaches_admin and profile is not None and roles.is_data_role(profile.role):
            raise forms.ValidationError(
                "Dit account heeft een rol met toegang tot gegevens en kan daarom geen "
                "toegang tot het beheer krijgen. Gebruik een apart beheeraccount."
            )
        return data


class VeerkrachtUserAdmin(UserAdmin):
    form = GuardedUserChangeForm
    inlines = [ProfileInline]

    def user_change_password(self, request, id, form_url=""):
        """No password of a data account from the admin: it would hand its data over.

        The user changes it themselves; a forgotten one is reset by the
        operator on the host (``python -m veerkracht.web changepassword``).
        """
        from django.core.exceptions import PermissionDenied

        profile = UserProfile.objects.filter(user_id=id).first()
        if profile is not None and roles.is_data_role(profile.role):
            raise PermissionDenied(
                "Het wachtwoord van een account met toegang tot gegevens wijzigt "
                "alleen de gebruiker zelf (of de beheerder van de server)."
            )
        return super().user_change_password(request, id, form_url)

    def save_formset(self, request, form, formset, change):
        for obj in formset.save(commit=False):
            if isinstance(obj, UserProfile):
                self._save_profile(request, obj)
            else:
                obj._audit_request = request
                obj.save()
        formset.save_m2m()

    def _save_profile(self, request, profile: UserProfile) -> None:
        old = (
            UserProfile.objects.filter(pk=profile.pk)
            .values("role", "organisation_id")
            .first()
            if profile.pk
            else None
        )
        old_role = old["role"] if old else None
        old_org = old["organisation_id"] if old else None
        if grants.needs_grant(profile, old_role=old_role, old_org_id=old_org):
            wanted_role, wanted_org = profile.role, profile.organisation
            try:
                grants.request_grant(
                    profile.user,
                    wanted_role,
                    wanted_org,
                    requested_by=request.user,
                    request=request,
                )
            except grants.GrantRefused as exc:
                messages.error(request, str(exc))
            else:
                messages.warning(
                    request,
                    f"De rol '{dict(roles.ROLE_CHOICES)[wanted_role]}' is aangevraagd; "
                    "hij gaat in zodra een privacyfunctionaris de aanvraag goedkeurt.",
                )
            if old is None:
                profile.role, profile.organisation_id = roles.RESIDENT, None
            else:
                profile.role, profile.organisation_id = old_role, old_org
            if old is not None:
                return  # nothing else on the profile changes
        profile._audit_request = request
        profile.save()


@admin.register(RoleGrant)
class RoleGrantAdmin(admin.ModelAdmin):
    """Read-only: administrators see what they asked for; approval is elsewhere."""

    list_display = ["user", "role", "organisation", "status", "requested_at"]
    list_filter = ["status", "role"]
    readonly_fields = [
        "user",
        "role",
        "organisation",
        "status",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.unregister(User)
admin.site.register(User, VeerkrachtUserAdmin)
