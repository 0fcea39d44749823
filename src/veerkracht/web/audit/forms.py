from django import forms
from django.utils.translation import gettext_lazy as _

from veerkracht.web.audit.models import PrivacySetting


class ThresholdForm(forms.ModelForm):
    class Meta:
        model = PrivacySetting
        fields = ["min_cell"]


class ApproveModelForm(forms.Form):
    """One model of the workspace results, by name, version and hash.

    Only a model that is in the workspace's ``results`` validates: the
    privacy officer approves what was computed, not a name typed in.
    """

    name = forms.CharField(max_length=200)
    version = forms.CharField(max_length=64)
    hash = forms.RegexField(regex=r"^[0-9a-fA-F]{8,128}$", max_length=128)

    def clean(self):
        data = super().clean()
        from veerkracht.web import workspace

        known = {(m["name"], m["version"], m["hash"])
                 for m in workspace.result_models()}
        if (data.get("name"), data.get("version"), data.get("hash")) not in known:
            raise forms.ValidationError(_("Dit model staat niet in de resultaten."))
        return data

    def model_key(self) -> tuple[str, str, str]:
        d = self.cleaned_data
        return d["name"], d["version"], d["hash"]
