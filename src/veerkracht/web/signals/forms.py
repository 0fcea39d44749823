"""Forms: the report form (residents and professionals) and the handler's forms
(status, assignment, priority, merging a duplicate, reopening)."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from veerkracht.web.signals.locations import LocationError
from veerkracht.web.signals.workflow import (
    CATEGORIES,
    CATEGORY_HELP,
    PRIORITIES,
    PROFESSIONAL_SOURCES,
    SOURCES,
    STATUSES,
)

MAX_DESCRIPTION = 4000


class ReportForm(forms.Form):
    """A report: what, where (address or street), optional text and e-mail.

    Photos are not accepted (no upload field): a photo of a neighbour or a
    front door is personal data we do not need.
    """

    WHERE = [("address", _("Op een adres")), ("street", _("In een straat"))]

    form_token = forms.CharField(widget=forms.HiddenInput)
    category = forms.ChoiceField(
        label=_("Waar gaat uw melding over?"),
        choices=list(CATEGORIES.items()),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Kies waar uw melding over gaat."),
            "invalid_choice": _("Kies een van de onderwerpen uit de lijst."),
        },
    )
    where = forms.ChoiceField(
        label=_("Waar is het?"), choices=WHERE, widget=forms.RadioSelect,
        initial="address",
    )
    postcode = forms.CharField(
        label=_("Postcode"),
        required=False,
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "postal-code", "inputmode": "text"}
        ),
    )
    huisnummer = forms.CharField(
        label=_("Huisnummer"),
        required=False,
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    toevoeging = forms.CharField(
        label=_("Toevoeging (letter of nummer, optioneel)"), required=False,
        max_length=8,
    )
    straat = forms.CharField(label=_("Straat"), required=False, max_length=120)
    woonplaats = forms.CharField(label=_("Woonplaats"), required=False, max_length=120)
    description = forms.CharField(
        label=_("Toelichting (optioneel)"),
        required=False,
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Noem liever geen namen. Deze tekst leest alleen het team; hij "
                    "wordt na de bewaartermijn gewist en nooit gebruikt voor cijfers."),
        error_messages={
            "max_length": _("De toelichting is te lang (hoogstens "
                            "%(limit_value)d tekens; u gebruikte er %(show_value)d).")
        },
    )
    contact_email = forms.EmailField(
        label=_("Uw e-mailadres (optioneel)"),
        required=False,
        max_length=254,  # the column's length: PostgreSQL refuses a longer one
        help_text=_("Alleen om u te laten weten hoe het met uw melding gaat."),
        error_messages={"invalid": _("Dit is geen geldig e-mailadres."),
                        "max_length": _("Een e-mailadres is hoogstens 254 tekens.")},
    )
    confirm_duplicate = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args,
        professional: bool = False,
        default_source: str = "",
        resolver=None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.resolver = resolver
        self.location = None
        self.category_help = CATEGORY_HELP
        if not self.is_bound:
            self.initial.setdefault("form_token", uuid.uuid4().hex)
        if professional:
            self.fields["source"] = forms.ChoiceField(
                label=_("Namens"),
                choices=[(s, SOURCES[s]) for s in PROFESSIONAL_SOURCES],
                initial=default_source or "welfare",
            )
            self.fields[
                "contact_email"
            ].label = _("E-mailadres voor terugkoppeling (optioneel)")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        where = data.get("where") or "address"
        kwargs = (
            {
                "postcode": data.get("postcode", ""),
                "huisnummer": data.get("huisnummer", ""),
                "toevoeging": data.get("toevoeging", ""),
            }
            if where == "address"
            else {
                "straat": data.get("straat", ""),
                "woonplaats": data.get("woonplaats", ""),
            }
        )
        try:
            self.location = self.resolver(**kwargs)
        except LocationError as exc:
            field = "postcode" if where == "address" else "straat"
            self.add_error(field, str(exc))
        return data


class TransitionForm(forms.Form):
    """A professional changes the status; ``expected_status`` catches stale pages."""

    to_status = forms.ChoiceField(label=_("Nieuwe status"), choices=[])
    note = forms.CharField(
        label=_("Notitie (intern, geen namen)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    expected_status = forms.ChoiceField(
        choices=list(STATUSES.items()), widget=forms.HiddenInput
    )

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_status"].choices = [(t, STATUSES[t]) for t in targets]


class AssignForm(forms.Form):
    """To which team, and to whom of it, a signal goes."""

    team = forms.ModelChoiceField(label=_("Team"), queryset=None, empty_label=None)
    assignee = forms.ModelChoiceField(
        label=_("Medewerker"), queryset=None, required=False,
        empty_label=_("Niemand in het bijzonder"))

    def __init__(self, *args, teams=None, people=(), **kwargs):
        from django.contrib.auth import get_user_model

        from veerkracht.web.signals.services import display_name

        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["assignee"].queryset = get_user_model().objects.filter(
            pk__in=[p.pk for p in people]).order_by("first_name", "last_name",
                                                    "username")
        self.fields["assignee"].label_from_instance = display_name


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(label=_("Prioriteit"),
                                 choices=list(PRIORITIES.items()))


class MergeForm(forms.Form):
    """Close this signal as a duplicate of another one nearby."""

    main = forms.ChoiceField(label=_("Dubbel van"), choices=[])
    note = forms.CharField(
        label=_("Notitie (intern, geen namen)"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}))
    expected_status = forms.ChoiceField(
        choices=list(STATUSES.items()), widget=forms.HiddenInput)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["main"].choices = [
            (c.reference, f"{c.reference} — {c.category_label}, "
                          f"{c.created_at:%d-%m-%Y}, {c.status_label}")
            for c in candidates]


class ReopenForm(forms.Form):
    """Open a closed signal again; the reason is required and kept."""

    reason = forms.CharField(
        label=_("Reden (intern, geen namen)"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Geef een reden om de melding te heropenen.")})
    expected_status = forms.ChoiceField(
        choices=list(STATUSES.items()), widget=forms.HiddenInput)
