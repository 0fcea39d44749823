"""Admin: the threshold shown (and audited); only the privacy officer sets it.

The audit trail itself is not in the admin: it is the privacy officer's
(``/privacy/``), and who looked at what is data the administrator does not see.

The publication door accepts a new threshold only from the privacy officer
(``jobs.publish.set_rules``). The admin form checks that first and refuses
anyone else with a Dutch message on the form — never a server error — and
the row cannot be deleted here.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from veerkracht.web.audit.models import PrivacySetting

#: Shown on the admin form to anyone but the privacy officer.
REFUSAL = _(
    "Alleen de privacyfunctionaris stelt de privacydrempel in, op de "
    "privacypagina (/privacy/). De publicatiedeur weigert een wijziging door "
    "een andere rol; er is niets gewijzigd."
)


class PrivacySettingForm(forms.ModelForm):
    """The admin's form; refuses anyone the door would refuse."""

    request = None  # set per request by PrivacySettingAdmin.get_form

    class Meta:
        model = PrivacySetting
        fields = ["min_cell"]

    def clean(self):
        from veerkracht.jobs import publish
        from veerkracht.web import workspace
        from veerkracht.web.accounts import roles

        data = super().clean()
        role = roles.role_of(self.request.user) if self.request else None
        if workspace.door_role(role) not in publish.PRIVACY_ROLES:
            raise forms.ValidationError(REFUSAL, code="not_privacy_officer")
        return data


@admin.register(PrivacySetting)
class PrivacySettingAdmin(admin.ModelAdmin):
    form = PrivacySettingForm
    list_display = ["min_cell", "updated_at"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"request": request})

    def has_delete_permission(self, request, obj=None):
        return False  # one row, always; the door keeps its own last setting

    def save_model(self, request, obj, form, change):
        obj._audit_request = request
        obj.save()
