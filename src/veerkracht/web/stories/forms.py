"""Forms for stories and interventions."""

from django import forms

from veerkracht.web.stories.models import Intervention, Story


class StoryForm(forms.ModelForm):
    class Meta:
        model = Story
        fields = ["level", "place_id", "kind", "title", "body", "observed_on"]
        help_texts = {
            "body": "Beschrijf wat u ziet in de plaats; noem geen namen of "
            "huisnummers van personen."
        }
        widgets = {"observed_on": forms.DateInput(attrs={"type": "date"})}


class InterventionForm(forms.ModelForm):
    class Meta:
        model = Intervention
        fields = ["level", "place_id", "domain", "title", "description", "start", "end"]
        widgets = {
            "start": forms.DateInput(attrs={"type": "date"}),
            "end": forms.DateInput(attrs={"type": "date"}),
        }
