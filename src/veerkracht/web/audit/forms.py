from django import forms

from veerkracht.web.audit.models import PrivacySetting


class ThresholdForm(forms.ModelForm):
    class Meta:
        model = PrivacySetting
        fields = ["min_cell"]
