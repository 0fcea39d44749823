"""Forms for stories and interventions.

The place is chosen with the place search (``places/_search_box.html``):
its level and id travel in hidden fields, never typed by hand.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from veerkracht.web.stories.models import Intervention, Story

#: the hidden place fields, with the message for a form sent without a place
PLACE_WIDGETS = {"level": forms.HiddenInput, "place_id": forms.HiddenInput}
#: a browser's date field takes only ISO dates (a Dutch 02-12-2026 stays empty)
def _date():
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


PLACE_ERRORS = {
    "level": {"required": _("Kies eerst een plaats met het zoekveld hierboven."),
              "invalid_choice": _("Kies eerst een plaats met het zoekveld "
                                  "hierboven.")},
    "place_id": {"required": _("Kies eerst een plaats met het zoekveld hierboven.")},
}


class StoryForm(forms.ModelForm):
    class Meta:
        model = Story
        fields = ["level", "place_id", "kind", "title", "body", "observed_on"]
        help_texts = {
            "body": "Beschrijf wat u ziet in de plaats; noem geen namen of "
            "huisnummers van personen."
        }
        widgets = {**PLACE_WIDGETS,
                   "observed_on": _date()}
        error_messages = PLACE_ERRORS


class InterventionForm(forms.ModelForm):
    class Meta:
        model = Intervention
        fields = ["level", "place_id", "domain", "title", "description", "start", "end"]
        widgets = {
            **PLACE_WIDGETS,
            "start": _date(),
            "end": _date(),
        }
        error_messages = PLACE_ERRORS
