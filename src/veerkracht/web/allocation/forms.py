"""The what-if form: an address (postcode, huisnummer, toevoeging) and a category."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from veerkracht.web.allocation import services
from veerkracht.web.signals.locations import LocationError


class WhatIfForm(forms.Form):
    """Where one household of which need category would be placed."""

    postcode = forms.CharField(
        label=_("Postcode"), max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
        error_messages={"required": _("Vul de postcode in, bijvoorbeeld 1234 AB.")},
    )
    huisnummer = forms.CharField(
        label=_("Huisnummer"), max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        error_messages={"required": _("Vul het huisnummer in.")},
    )
    toevoeging = forms.CharField(
        label=_("Toevoeging (letter of nummer, optioneel)"), required=False,
        max_length=8,
    )
    categorie = forms.ChoiceField(
        label=_("Categorie van het huishouden"), choices=(),
        error_messages={"required": _("Kies een categorie."),
                        "invalid_choice": _("Kies een categorie uit de lijst.")},
    )
    urgentie = forms.BooleanField(label=_("Via urgentie geplaatst"), required=False)

    def __init__(self, *args, resolver=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.resolver = resolver
        self.location = None
        self.fields["categorie"].choices = services.categories()

    def clean(self):
        data = super().clean()
        if self.errors or self.resolver is None:
            return data
        try:
            self.location = self.resolver(postcode=data.get("postcode", ""),
                                          huisnummer=data.get("huisnummer", ""),
                                          suffix=data.get("toevoeging", ""))
        except LocationError as exc:
            self.add_error("postcode", str(exc))
        return data
