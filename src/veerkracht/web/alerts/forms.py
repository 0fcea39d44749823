"""The form that acknowledges or closes an alert."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from veerkracht.web.alerts.workflow import ACKNOWLEDGED, CLOSED, STATUSES

#: what the buttons send -> the status they ask for
ACTIONS = {"acknowledge": ACKNOWLEDGED, "close": CLOSED}


class AlertActionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("acknowledge", _("In behandeling nemen")), ("close", _("Sluiten"))]
    )
    note = forms.CharField(
        label=_("Notitie"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(
            attrs={"rows": 3, "cols": 60, "aria-describedby": "note-help"}
        ),
        help_text=_("Verplicht bij sluiten: wat is er gedaan, of waarom is dit geen "
                    "zorg? Geen namen of adressen."),
    )
    expected_status = forms.ChoiceField(choices=list(STATUSES.items()),
                                        widget=forms.HiddenInput)

    @property
    def to_status(self) -> str:
        return ACTIONS[self.cleaned_data["action"]]
