"""The what-if form: an address (postcode, huisnummer, toevoeging) and a category."""

from __future__ import annotations

from decimal import Decimal

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


class PlanForm(forms.Form):
    """An uploaded PLAN.csv and how long the optimiser may take."""

    plan = forms.FileField(
        label=_("Planbestand (PLAN.csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
        error_messages={"required": _("Kies een planbestand (CSV)."),
                        "empty": _("Het bestand is leeg."),
                        "invalid": _("Dit is geen bestand.")},
    )
    tijdslimiet = forms.TypedChoiceField(
        label=_("Tijd voor de berekening"), coerce=int,
        choices=[(10, _("10 seconden")), (20, _("20 seconden")),
                 (30, _("30 seconden")), (60, _("60 seconden"))],
        initial=20,
        error_messages={"invalid_choice": _("Kies een tijd uit de lijst.")},
    )


class ScenarioForm(forms.Form):
    """Who is placed each year, for how many years, under which policies."""

    jaren = forms.IntegerField(
        label=_("Aantal jaren"), min_value=1, max_value=10, initial=3,
        error_messages={"required": _("Vul het aantal jaren in (1 tot 10)."),
                        "min_value": _("Minstens 1 jaar."),
                        "max_value": _("Hoogstens 10 jaar."),
                        "invalid": _("Het aantal jaren is een geheel getal.")},
    )
    beleid = forms.MultipleChoiceField(
        label=_("Beleid"), widget=forms.CheckboxSelectMultiple, choices=(),
        error_messages={"required": _("Kies minstens één beleid."),
                        "invalid_choice": _("Kies een beleid uit de lijst.")},
    )
    verhuisgraad = forms.DecimalField(
        label=_("Verhuisgraad per jaar (%)"), min_value=Decimal("0.1"), max_value=100,
        decimal_places=2, initial=8, localize=True,
        error_messages={"required": _("Vul de verhuisgraad in, bijvoorbeeld 8."),
                        "min_value": _("De verhuisgraad is meer dan 0 %."),
                        "max_value": _("De verhuisgraad is hoogstens 100 %."),
                        "invalid": _("De verhuisgraad is een getal, bijvoorbeeld 8 "
                                     "of 8,5.")},
    )
    zaad = forms.IntegerField(
        label=_("Zaad (zelfde zaad, zelfde scenario)"), min_value=0,
        max_value=2**31 - 1, initial=1,
        error_messages={"required": _("Vul een zaad in, bijvoorbeeld 1."),
                        "invalid": _("Het zaad is een geheel getal."),
                        "min_value": _("Het zaad is 0 of meer."),
                        "max_value": _("Het zaad is te groot.")},
    )
    corporatie = forms.ChoiceField(
        label=_("Voorraad"), required=False, choices=(),
        error_messages={"invalid_choice": _("Kies een voorraad uit de lijst.")},
    )

    def __init__(self, *args, corporations=(), demand=None, **kwargs):
        from veerkracht.web.allocation import planning

        super().__init__(*args, **kwargs)
        self.fields["beleid"].choices = planning.policies()
        self.fields["beleid"].initial = [c for c, _label in planning.policies()]
        self.fields["corporatie"].choices = [
            ("", _("alle woningen van de werkmap")),
            *[(n, n) for n in corporations]]
        self.demand_fields = []
        for code, label in planning.categories():
            for urgent in (False, True):
                name = f"{'urgent' if urgent else 'aantal'}_{code}"
                self.fields[name] = forms.IntegerField(
                    label=(_("%(label)s, via urgentie") if urgent else
                           _("%(label)s, gewone route")) % {"label": label},
                    min_value=0, max_value=100_000, required=False,
                    initial=(demand or {}).get(name, 0),
                    error_messages={"min_value": _("Een aantal is 0 of meer."),
                                    "max_value": _("Dat zijn te veel huishoudens."),
                                    "invalid": _("Een aantal is een geheel getal.")},
                )
            self.demand_fields.append((code, label, self[f"aantal_{code}"],
                                       self[f"urgent_{code}"]))

    def clean(self):
        data = super().clean()
        if not any(data.get(name) for name in self.fields
                   if name.startswith(("aantal_", "urgent_"))) and not self.errors:
            raise forms.ValidationError(
                _("Geef aan wie er elk jaar een woning krijgt: minstens één "
                  "huishouden."))
        return data

    def demand(self) -> str:
        from veerkracht.web.allocation import planning

        d = self.cleaned_data
        codes = [c for c, _label in planning.categories()]
        return planning.demand_text({c: d.get(f"aantal_{c}") or 0 for c in codes},
                                    {c: d.get(f"urgent_{c}") or 0 for c in codes})
