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
        fields = ["level", "place_id", "kind", "title", "body", "observed_on",
                  "share_requested"]
        help_texts = {
            "body": "Beschrijf wat u ziet in de plaats; noem geen namen of "
            "huisnummers van personen."
        }
        widgets = {**PLACE_WIDGETS,
                   "observed_on": _date()}
        error_messages = PLACE_ERRORS


class InterventionForm(forms.ModelForm):
    """An intervention: its first place from the place search, more places of
    the same level by their codes, and the fields of Dutch practice."""

    place_id = forms.CharField(widget=forms.HiddenInput,
                               error_messages=PLACE_ERRORS["place_id"])
    more_places = forms.CharField(
        label=_("Meer plaatsen van hetzelfde niveau"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Plaatscodes, één per regel of gescheiden door komma's "
                    "(zoals op het plaatsprofiel)."))

    class Meta:
        model = Intervention
        fields = ["level", "domain", "title", "goal", "target_group", "approach",
                  "working_elements", "preconditions", "intensity",
                  "organisations", "start", "end", "description"]
        widgets = {
            "level": forms.HiddenInput,
            "goal": forms.Textarea(attrs={"rows": 2}),
            "target_group": forms.Textarea(attrs={"rows": 2}),
            "approach": forms.Textarea(attrs={"rows": 3}),
            "working_elements": forms.Textarea(attrs={"rows": 2}),
            "preconditions": forms.Textarea(attrs={"rows": 2}),
            "description": forms.Textarea(attrs={"rows": 3}),
            "start": _date(),
            "end": _date(),
        }
        error_messages = {"level": {
            **PLACE_ERRORS["level"],
            "invalid_choice": _("Een interventie loopt op een portiek, gebouw, "
                                "blok, straat of buurt: kies zo'n plaats."),
        }}

    def clean_more_places(self) -> list[str]:
        text = self.cleaned_data.get("more_places") or ""
        ids = [p.strip() for p in text.replace(",", "\n").splitlines()]
        return list(dict.fromkeys(p for p in ids if p))

    def place_ids(self) -> list[str]:
        """Every place of the form, the searched one first, each once."""
        first = self.cleaned_data["place_id"]
        return list(dict.fromkeys([first, *self.cleaned_data["more_places"]]))
